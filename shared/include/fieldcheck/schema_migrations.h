// Schema migrations for the SQLite databases of both programs (PRAGMA user_version).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "fieldcheck/result.h"

namespace fieldcheck {

/// One step of a schema: run in order, each in its own transaction with the version it reaches.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// Brings `db` to the last version in `migrations` (versions 1, 2, ... in order).
/// A new, empty database is stamped with `application_id`. Refuses, changing nothing:
/// a database of another program (another application id, or tables without ours), and one
/// made by a newer Fieldcheck (a higher schema version). A failing step rolls back whole and
/// throws the SQLite::Exception; the database stays at the previous version.
Result<int> migrateSchema(SQLite::Database& db, std::int32_t application_id,
                          std::span<const Migration> migrations);

}  // namespace fieldcheck
