// The inspector's local store on SQLite (through SQLiteCpp).
#include "local_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/schema_migrations.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t kApplicationId = 0x46434b43;  // "FCKC": a Fieldcheck client store

// Documents hold only the head pointer; the fields live once, in revisions. The view `heads`
// joins them for anyone querying the file with the sqlite3 shell.
constexpr Migration kMigrations[] = {
    {1, "documents, revisions, outbox, settings", R"sql(
CREATE TABLE settings(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE revisions(
  doc_id   TEXT NOT NULL,
  revision TEXT NOT NULL,
  kind     TEXT NOT NULL,
  parents  TEXT NOT NULL CHECK (json_valid(parents)),
  deleted  INTEGER NOT NULL DEFAULT 0,
  fields   TEXT NOT NULL CHECK (json_valid(fields)),
  author   TEXT NOT NULL,
  device   TEXT NOT NULL,
  hlc      TEXT NOT NULL,
  PRIMARY KEY (doc_id, revision)
) WITHOUT ROWID;

CREATE TABLE documents(
  id       TEXT PRIMARY KEY,
  kind     TEXT NOT NULL,
  revision TEXT NOT NULL,
  FOREIGN KEY (id, revision) REFERENCES revisions(doc_id, revision)
) WITHOUT ROWID;
CREATE INDEX documents_by_kind ON documents(kind, id);

CREATE TABLE outbox(
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_id   TEXT NOT NULL,
  revision TEXT NOT NULL,
  acked    INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (doc_id, revision) REFERENCES revisions(doc_id, revision)
);
CREATE INDEX outbox_pending ON outbox(acked, seq);

CREATE VIEW heads AS
  SELECT d.id, d.kind, r.revision, r.parents, r.deleted, r.fields, r.author, r.device, r.hlc
  FROM documents d JOIN revisions r ON r.doc_id = d.id AND r.revision = d.revision;
)sql"},
};

constexpr const char* kSelectHead =
    "SELECT r.doc_id, r.kind, r.fields, r.revision, r.parents, r.deleted, r.author, r.device, r.hlc "
    "FROM documents d JOIN revisions r ON r.doc_id = d.id AND r.revision = d.revision ";

Document readDocument(SQLite::Statement& st) {
  Document doc;
  doc.id = st.getColumn(0).getString();
  doc.kind = st.getColumn(1).getString();
  doc.fields = fieldsFromJson(nlohmann::json::parse(st.getColumn(2).getString()));
  doc.revision = st.getColumn(3).getString();
  doc.parents = nlohmann::json::parse(st.getColumn(4).getString()).get<std::vector<std::string>>();
  doc.deleted = st.getColumn(5).getInt() != 0;
  doc.author = st.getColumn(6).getString();
  doc.device = st.getColumn(7).getString();
  doc.stamp = HybridTimestamp::parse(st.getColumn(8).getString()).value_or(HybridTimestamp{});
  return doc;
}

Problem storageProblem(const fs::path& file, const SQLite::Exception& e) {
  const int code = e.getErrorCode();
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    return problem("Tệp " + file.string() + " bị hỏng hoặc không phải cơ sở dữ liệu Fieldcheck. "
                   "Đừng xóa nó; hãy báo cho quản trị viên.",
                   "The file " + file.string() + " is damaged or not a Fieldcheck database. "
                   "Do not delete it; tell your administrator.");
  if (code == SQLITE_CANTOPEN || code == SQLITE_PERM || code == SQLITE_READONLY)
    return problem("Không mở được " + file.string() + " để ghi; kiểm tra quyền truy cập thư mục.",
                   "Cannot open " + file.string() + " for writing; check the folder's permissions.");
  return problem("Không mở được dữ liệu " + file.string() + " (SQLite: " + e.what() + ").",
                 "Cannot open the data in " + file.string() + " (SQLite: " + e.what() + ").");
}

}  // namespace

struct LocalStore::Impl {
  explicit Impl(const fs::path& file, int flags) : db(file.string(), flags) {}

  SQLite::Statement& statement(std::unique_ptr<SQLite::Statement>& slot, const char* sql) {
    if (!slot) slot = std::make_unique<SQLite::Statement>(db, sql);
    slot->reset();
    slot->clearBindings();
    return *slot;
  }

  std::optional<Document> head(std::string_view id) {
    auto& st = statement(select_head, (std::string(kSelectHead) + "WHERE d.id = ?").c_str());
    st.bind(1, std::string(id));
    if (!st.executeStep()) return std::nullopt;
    return readDocument(st);
  }

  void insertRevision(const Document& doc) {
    auto& st = statement(insert_revision,
                         "INSERT OR IGNORE INTO revisions(doc_id, revision, kind, parents, deleted, "
                         "fields, author, device, hlc) VALUES (?,?,?,?,?,?,?,?,?)");
    st.bind(1, doc.id);
    st.bind(2, doc.revision);
    st.bind(3, doc.kind);
    st.bind(4, nlohmann::json(doc.parents).dump());
    st.bind(5, doc.deleted ? 1 : 0);
    st.bind(6, fieldsToJson(doc.fields).dump());
    st.bind(7, doc.author);
    st.bind(8, doc.device);
    st.bind(9, doc.stamp.toString());
    st.exec();
  }

  void setHead(const Document& doc) {
    auto& st = statement(upsert_head,
                         "INSERT INTO documents(id, kind, revision) VALUES (?,?,?) "
                         "ON CONFLICT(id) DO UPDATE SET revision = excluded.revision");
    st.bind(1, doc.id);
    st.bind(2, doc.kind);
    st.bind(3, doc.revision);
    st.exec();
  }

  void appendOutbox(const Document& doc) {
    auto& st = statement(insert_outbox, "INSERT INTO outbox(doc_id, revision) VALUES (?,?)");
    st.bind(1, doc.id);
    st.bind(2, doc.revision);
    st.exec();
  }

  std::optional<std::string> setting(std::string_view key) {
    auto& st = statement(select_setting, "SELECT value FROM settings WHERE key = ?");
    st.bind(1, std::string(key));
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getString();
  }

  void setSetting(std::string_view key, std::string_view value) {
    auto& st = statement(upsert_setting,
                         "INSERT INTO settings(key, value) VALUES (?,?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.bind(1, std::string(key));
    st.bind(2, std::string(value));
    st.exec();
  }

  SQLite::Database db;
  std::string user;
  std::string device;
  std::unique_ptr<SQLite::Statement> select_head, insert_revision, upsert_head, insert_outbox,
      select_setting, upsert_setting;
};

LocalStore::LocalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalStore::LocalStore(LocalStore&&) noexcept = default;
LocalStore& LocalStore::operator=(LocalStore&&) noexcept = default;
LocalStore::~LocalStore() = default;

Result<LocalStore> LocalStore::open(const fs::path& file, bool create) {
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  if (!exists && !create)
    return problem("Chưa có dữ liệu Fieldcheck trong " + file.parent_path().string() +
                       ". Hãy chạy `fieldcheck init --seed THƯ_MỤC` trước.",
                   "There is no Fieldcheck data in " + file.parent_path().string() +
                       ". Run `fieldcheck init --seed DIR` first.");
  try {
    int flags = SQLite::OPEN_READWRITE | (create ? SQLite::OPEN_CREATE : 0);
    auto impl = std::make_unique<Impl>(file, flags);
    if (!exists) fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
    impl->db.setBusyTimeout(static_cast<int>(tuning::kBusyTimeout.count()));
    // Check ownership before anything that could write: switching a foreign file to WAL
    // would change it.
    {
      const int app = impl->db.execAndGet("PRAGMA application_id").getInt();
      const int tables = impl->db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
      if (app != kApplicationId && (app != 0 || tables != 0))
        return problem("Tệp " + file.string() + " không phải dữ liệu của Fieldcheck; hãy chọn đúng thư mục.",
                       "The file " + file.string() + " is not Fieldcheck data; choose the right folder.");
    }
    impl->db.exec("PRAGMA journal_mode = WAL");
    impl->db.exec("PRAGMA synchronous = FULL");
    impl->db.exec("PRAGMA foreign_keys = ON");
    auto migrated = migrateSchema(impl->db, kApplicationId, kMigrations);
    if (!migrated) return migrated.problem();
    if (!impl->setting("device_id")) {
      SQLite::Transaction tx(impl->db, SQLite::TransactionBehavior::IMMEDIATE);
      if (!impl->setting("device_id")) impl->setSetting("device_id", newDocumentId());
      tx.commit();
    }
    impl->device = impl->setting("device_id").value_or("");
    impl->user = impl->setting("user").value_or("");
    return LocalStore(std::move(impl));
  } catch (const SQLite::Exception& e) {
    return storageProblem(file, e);
  }
}

std::optional<Document> LocalStore::head(std::string_view id) const { return impl_->head(id); }

std::vector<Document> LocalStore::heads(std::string_view kind) const {
  SQLite::Statement st(impl_->db, std::string(kSelectHead) + "WHERE d.kind = ? ORDER BY d.id");
  st.bind(1, std::string(kind));
  std::vector<Document> docs;
  while (st.executeStep()) docs.push_back(readDocument(st));
  return docs;
}

std::vector<Document> LocalStore::history(std::string_view id) const {
  SQLite::Statement st(impl_->db,
                       "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                       "FROM revisions WHERE doc_id = ? ORDER BY hlc, revision");
  st.bind(1, std::string(id));
  std::vector<Document> docs;
  while (st.executeStep()) docs.push_back(readDocument(st));
  return docs;
}

std::vector<std::string> LocalStore::idsWithPrefix(std::string_view kind, std::string_view prefix) const {
  SQLite::Statement st(impl_->db,
                       "SELECT id FROM documents WHERE kind = ? AND substr(id, 1, ?) = ? ORDER BY id");
  st.bind(1, std::string(kind));
  st.bind(2, static_cast<int>(prefix.size()));
  st.bind(3, std::string(prefix));
  std::vector<std::string> ids;
  while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
  return ids;
}

Result<Document> LocalStore::write(const std::string& id, std::string_view kind, const Edit& edit) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  auto current = impl_->head(id);
  if (current && current->kind != kind)
    throw std::logic_error("LocalStore::write: document " + id + " is a " + current->kind);
  auto fields = edit(current ? &*current : nullptr);
  if (!fields) return fields.problem();
  if (current && fields.value() == current->fields) return *current;

  HybridClock clock(HybridTimestamp::parse(impl_->setting("hlc").value_or("")).value_or(HybridTimestamp{}));
  const auto stamp = clock.tick(wallClockMs());
  Document doc = current ? nextRevision(*current, std::move(fields.value()), impl_->user, impl_->device, stamp)
                         : firstRevision(id, std::string(kind), std::move(fields.value()), impl_->user,
                                         impl_->device, stamp);
  impl_->insertRevision(doc);
  impl_->setHead(doc);
  impl_->appendOutbox(doc);
  impl_->setSetting("hlc", stamp.toString());
  tx.commit();
  return doc;
}

void LocalStore::importShared(const std::vector<Document>& docs) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  for (const auto& doc : docs) {
    if (impl_->head(doc.id)) continue;
    impl_->insertRevision(doc);
    impl_->setHead(doc);
  }
  tx.commit();
}

std::size_t LocalStore::pendingChanges() const {
  return static_cast<std::size_t>(impl_->db.execAndGet("SELECT count(*) FROM outbox WHERE acked = 0").getInt64());
}

std::optional<std::string> LocalStore::setting(std::string_view key) const { return impl_->setting(key); }

void LocalStore::setSetting(std::string_view key, std::string_view value) {
  impl_->setSetting(key, value);
  if (key == "user") impl_->user = std::string(value);
}

std::string LocalStore::user() const { return impl_->user; }
std::string LocalStore::device() const { return impl_->device; }

}  // namespace fieldcheck::client
