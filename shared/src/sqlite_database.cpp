// Opening Fieldcheck's SQLite databases and migrating their schemas.
#include "fieldcheck/sqlite_database.h"

#include "fieldcheck/files.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace fieldcheck {

namespace fs = std::filesystem;

Result<SQLite::Database> openDatabase(const fs::path& file, bool create, const DatabaseSpec& spec,
                                      const Problem& missing) {
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  if (!exists && !create) return missing;
  try {
    SQLite::Database db(utf8Of(file), SQLite::OPEN_READWRITE | (create ? SQLite::OPEN_CREATE : 0));
    if (!exists) fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
    db.setBusyTimeout(static_cast<int>(spec.busy_timeout.count()));
    // Ownership first: switching a foreign file to WAL would already change it.
    const int app = db.execAndGet("PRAGMA application_id").getInt();
    const int tables = db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    if (app != spec.application_id && (app != 0 || tables != 0))
      return problem("Tệp " + utf8Of(file) + " không phải dữ liệu của Fieldcheck; hãy chọn đúng thư mục.",
                     "The file " + utf8Of(file) + " is not Fieldcheck data; choose the right folder.");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    // A negative cache_size is in KiB.
    db.exec("PRAGMA cache_size = -" + std::to_string(spec.page_cache_bytes / 1024));
    auto migrated = migrateSchema(db, spec.application_id, spec.migrations);
    if (!migrated) return migrated.problem();
    return db;
  } catch (const SQLite::Exception& e) {
    return storageProblem(file, e);
  }
}

Result<int> migrateSchema(SQLite::Database& db, std::int32_t application_id, std::span<const Migration> migrations) {
  const int found_version = db.execAndGet("PRAGMA user_version").getInt();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (found_version > latest)
    return problem("Dữ liệu này do phiên bản Fieldcheck mới hơn tạo (lược đồ " + std::to_string(found_version) +
                       "); hãy cập nhật Fieldcheck.",
                   "This data was written by a newer Fieldcheck (schema " + std::to_string(found_version) +
                       "); update Fieldcheck.");
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

Document readDocumentRow(SQLite::Statement& row, int first) {
  Document doc = readDocumentAttributes(row, first);
  const auto text = row.getColumn(first + 2);
  doc.fields = fieldsFromJsonText(std::string_view(text.getText(), static_cast<std::size_t>(text.getBytes())));
  return doc;
}

void bindRefusal(SQLite::Statement& st, int first, const protocol::Refusal& refusal) {
  st.bind(first, refusal.seq);
  st.bind(first + 1, refusal.doc_id);
  st.bind(first + 2, refusal.code);
  st.bind(first + 3, refusal.reason.vi);
  st.bind(first + 4, refusal.reason.en);
}

protocol::Refusal readRefusalRow(SQLite::Statement& row, int first) {
  return {row.getColumn(first).getInt64(), row.getColumn(first + 1).getString(), row.getColumn(first + 2).getString(),
          {row.getColumn(first + 3).getString(), row.getColumn(first + 4).getString()}};
}

Document readDocumentAttributes(SQLite::Statement& row, int first) {
  Document doc;
  doc.id = row.getColumn(first).getString();
  doc.kind = row.getColumn(first + 1).getString();
  doc.revision = row.getColumn(first + 3).getString();
  const auto parents = row.getColumn(first + 4).getString();
  if (parents != "[]") doc.parents = nlohmann::json::parse(parents).get<std::vector<std::string>>();
  doc.deleted = row.getColumn(first + 5).getInt() != 0;
  doc.author = row.getColumn(first + 6).getString();
  doc.device = row.getColumn(first + 7).getString();
  doc.stamp = HybridTimestamp::parse(row.getColumn(first + 8).getString()).value_or(HybridTimestamp{});
  return doc;
}

Problem storageProblem(const fs::path& file, const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return problem("Tệp " + utf8Of(file) + " bị hỏng hoặc không phải cơ sở dữ liệu Fieldcheck. "
                     "Đừng xóa nó; hãy báo cho quản trị viên.",
                     "The file " + utf8Of(file) + " is damaged or not a Fieldcheck database. "
                     "Do not delete it; tell your administrator.");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return problem("Không mở được " + utf8Of(file) + " để ghi; kiểm tra quyền truy cập thư mục.",
                     "Cannot open " + utf8Of(file) + " for writing; check the folder's permissions.");
    case SQLITE_BUSY:
      return problem("Một chương trình Fieldcheck khác đang ghi dữ liệu; hãy thử lại sau giây lát.",
                     "Another Fieldcheck program is writing the data; try again in a moment.");
    case SQLITE_FULL:
      return problem("Đĩa đầy: chưa lưu được. Hãy giải phóng dung lượng rồi thử lại; dữ liệu cũ vẫn an toàn.",
                     "The disk is full: nothing was saved. Free some space and try again; earlier data is safe.");
    default:
      return problem("Lỗi lưu trữ với " + utf8Of(file) + "; chưa lưu gì. Chi tiết cho quản trị viên: " + e.what(),
                     "Storage failure on " + utf8Of(file) + "; nothing was saved. Detail for the administrator: " +
                         e.what());
  }
}

}  // namespace fieldcheck
