// Opening Fieldcheck's SQLite databases (both programs): ownership checks, durability settings,
// schema migrations on PRAGMA user_version, and the messages a person sees when storage fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "fieldcheck/document.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/result.h"

namespace fieldcheck {

/// One step of a schema: run in order, each in its own transaction with the version it reaches.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

struct DatabaseSpec {
  std::int32_t application_id;          // PRAGMA application_id marking the file as ours
  std::span<const Migration> migrations;  // versions 1, 2, ... in order
  std::chrono::milliseconds busy_timeout;
  std::size_t page_cache_bytes = 2 * 1024 * 1024;  // per connection
};

/// Opens `file` as a database of `spec`: WAL mode, synchronous=FULL (a commit is durable when it
/// returns), foreign keys on, migrated to the latest schema. With `create`, makes the file
/// (owner-only permissions) when absent. Refuses, changing nothing: a missing file without
/// `create` (returning `missing`), a damaged file, a database of another program (checked before
/// anything could write to it), and one from a newer Fieldcheck.
Result<SQLite::Database> openDatabase(const std::filesystem::path& file, bool create, const DatabaseSpec& spec,
                                      const Problem& missing);

/// Brings an open database to the last version in `migrations`. A failing step rolls back whole
/// and throws the SQLite::Exception; the database stays at the previous version.
Result<int> migrateSchema(SQLite::Database& db, std::int32_t application_id, std::span<const Migration> migrations);

/// Reads a document from a row whose columns, from `first`, are: id, kind, fields (JSON), revision,
/// parents (JSON), deleted, author, device, hybrid clock stamp. Both programs store documents so.
Document readDocumentRow(SQLite::Statement& row, int first = 0);
/// Refusals are stored on both sides as seq, doc_id, code, reason_vi, reason_en: binds them to
/// the parameters from `first`, and reads them from the columns from `first`.
void bindRefusal(SQLite::Statement& st, int first, const protocol::Refusal& refusal);
protocol::Refusal readRefusalRow(SQLite::Statement& row, int first = 0);

/// The same without parsing the fields (left empty): for who passes their stored text along.
Document readDocumentAttributes(SQLite::Statement& row, int first = 0);

/// What a person is told when storage fails on `file`: damaged, not writable, disk full, busy.
Problem storageProblem(const std::filesystem::path& file, const SQLite::Exception& e);

}  // namespace fieldcheck
