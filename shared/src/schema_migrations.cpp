// Schema migrations on PRAGMA user_version and PRAGMA application_id.
#include "fieldcheck/schema_migrations.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace fieldcheck {

Result<int> migrateSchema(SQLite::Database& db, std::int32_t application_id,
                          std::span<const Migration> migrations) {
  const int found_app = db.execAndGet("PRAGMA application_id").getInt();
  const int found_version = db.execAndGet("PRAGMA user_version").getInt();
  const int tables = db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
  if (found_app != application_id && (found_app != 0 || tables != 0))
    return problem("Tệp cơ sở dữ liệu này không phải của Fieldcheck; hãy chọn đúng thư mục dữ liệu.",
                   "This database file does not belong to Fieldcheck; choose the right data folder.");
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (found_version > latest)
    return problem("Dữ liệu này do phiên bản Fieldcheck mới hơn tạo (lược đồ " +
                       std::to_string(found_version) + "); hãy cập nhật Fieldcheck.",
                   "This data was written by a newer Fieldcheck (schema " +
                       std::to_string(found_version) + "); update Fieldcheck.");
  for (const auto& m : migrations) {
    if (m.version <= found_version) continue;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have migrated while we waited for the write lock.
    if (db.execAndGet("PRAGMA user_version").getInt() >= m.version) continue;
    db.exec(std::string(m.sql));
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
  }
  return latest;
}

}  // namespace fieldcheck
