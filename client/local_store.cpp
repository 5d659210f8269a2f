// The inspector's local store on SQLite (through SQLiteCpp).
#include "local_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/sqlite_database.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t kApplicationId = 0x46434b43;  // "FCKC": a Fieldcheck client store

// The revision log is the heart of the store: every revision this laptop holds, numbered by a
// local sequence in the order it was written or received. The rows written here (origin 'local')
// after the acknowledged sequence are the outbox, so a save appends exactly one log row and moves
// one head pointer: the document, its history and its outbox entry in one small transaction.
// The log is append-only, so INTEGER PRIMARY KEY numbers are never reused.
constexpr Migration kMigrations[] = {
    {1, "revision log, document heads, settings", R"sql(
CREATE TABLE settings(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE revisions(
  seq      INTEGER PRIMARY KEY,
  doc_id   TEXT NOT NULL,
  revision TEXT NOT NULL,
  kind     TEXT NOT NULL,
  parents  TEXT NOT NULL,
  deleted  INTEGER NOT NULL DEFAULT 0,
  fields   TEXT NOT NULL,
  author   TEXT NOT NULL,
  device   TEXT NOT NULL,
  hlc      TEXT NOT NULL,
  origin   TEXT NOT NULL CHECK (origin IN ('local', 'shared'))
);

CREATE TABLE documents(
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  head_seq        INTEGER NOT NULL REFERENCES revisions(seq),
  synced_revision TEXT  -- the revision the server is known to have: the base of the next push
) WITHOUT ROWID;
CREATE INDEX documents_by_kind ON documents(kind);

-- Changes the server set aside, with its reason; they never block the others.
CREATE TABLE refusals(
  seq       INTEGER PRIMARY KEY,
  doc_id    TEXT NOT NULL,
  code      TEXT NOT NULL,
  reason_vi TEXT NOT NULL,
  reason_en TEXT NOT NULL,
  at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE VIEW heads AS
  SELECT d.id, d.kind, r.revision, r.parents, r.deleted, r.fields, r.author, r.device, r.hlc
  FROM documents d JOIN revisions r ON r.seq = d.head_seq;

CREATE VIEW outbox AS
  SELECT seq, doc_id, revision FROM revisions
  WHERE origin = 'local'
    AND seq > coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'acked_seq'), 0);
)sql"},
    {2, "attachments waiting to be uploaded", R"sql(
-- Every attachment a revision written here names, until the server holds it whole (done), or
-- refused it for good (refused_vi/en: too large, not an image).
CREATE TABLE uploads(
  sha256     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  done       INTEGER NOT NULL DEFAULT 0,
  refused_vi TEXT,
  refused_en TEXT
) WITHOUT ROWID;
INSERT OR IGNORE INTO uploads(sha256, size, media_type, seq)
  SELECT json_extract(j.value, '$.sha256'), json_extract(j.value, '$.size'), json_extract(j.value, '$.type'), r.seq
  FROM revisions r, json_each(r.fields) j
  WHERE r.origin = 'local' AND json_type(j.value) = 'object' AND json_extract(j.value, '$.sha256') IS NOT NULL;
)sql"},
    {3, "only attachments attached here are uploaded from here", R"sql(
-- An attachment a pulled revision of the same document named before this laptop's revision did
-- came from another laptop (a supervisor's review carries the inspector's photos): it is not
-- this laptop's to upload, nor to report as missing.
DELETE FROM uploads
  WHERE done = 0 AND EXISTS (
    SELECT 1 FROM revisions mine, revisions pulled, json_each(pulled.fields) j
    WHERE mine.seq = uploads.seq AND pulled.doc_id = mine.doc_id AND pulled.origin = 'shared' AND pulled.seq < mine.seq
      AND CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.sha256') END = uploads.sha256);
)sql"},
    {4, "a document's revisions found without reading the whole log", R"sql(
-- Whether a document has changes waiting (the outbox), its history, a revision of it: each reads
-- its own revisions, not the log (ten thousand establishments pulled, and every answer saved
-- asked whether its record waits to be sent).
CREATE INDEX IF NOT EXISTS revisions_by_doc ON revisions(doc_id, seq);
)sql"},
};

constexpr const char* kSelectHead =
    "SELECT r.doc_id, r.kind, r.fields, r.revision, r.parents, r.deleted, r.author, r.device, r.hlc "
    "FROM documents d JOIN revisions r ON r.seq = d.head_seq ";


}  // namespace

struct LocalStore::Impl {
  explicit Impl(SQLite::Database database) : db(std::move(database)) {}

  // A cached statement, reset when the caller's scope ends. The reset matters: a statement left
  // stepping holds a read snapshot, which stops checkpoints from recycling the WAL, so every
  // commit would then grow the file and pay for a metadata sync.
  class Use {
   public:
    explicit Use(SQLite::Statement& st) : st_(st) {}
    ~Use() { st_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    SQLite::Statement* operator->() { return &st_; }
    SQLite::Statement& operator*() { return st_; }

   private:
    SQLite::Statement& st_;
  };

  Use statement(std::unique_ptr<SQLite::Statement>& slot, const char* sql) {
    if (!slot) slot = std::make_unique<SQLite::Statement>(db, sql);
    slot->clearBindings();
    return Use(*slot);
  }

  // The head of a document. Heads are cached by their log sequence: a lookup of the head's
  // sequence decides whether the cached copy is still the head (another process may have
  // written since), so repeated edits of one document parse its fields once.
  std::optional<Document> head(std::string_view id) {
    auto seq_st = statement(select_head_seq, "SELECT head_seq FROM documents WHERE id = ?");
    seq_st->bind(1, std::string(id));
    if (!seq_st->executeStep()) return std::nullopt;
    const std::int64_t seq = seq_st->getColumn(0).getInt64();
    if (auto it = head_cache.find(std::string(id)); it != head_cache.end() && it->second.first == seq)
      return it->second.second;
    auto st = statement(select_revision,
                         "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                         "FROM revisions WHERE seq = ?");
    st->bind(1, seq);
    if (!st->executeStep()) return std::nullopt;
    Document doc = readDocumentRow(*st);
    remember(seq, doc);
    return doc;
  }

  void remember(std::int64_t seq, const Document& doc) {
    if (head_cache.size() >= tuning::kHeadCacheEntries) head_cache.clear();
    head_cache[doc.id] = {seq, doc};
  }

  // Appends `doc` to the revision log and returns its local sequence number.
  std::int64_t appendRevision(const Document& doc, std::string_view origin, const std::string& fields_json) {
    auto st = statement(insert_revision,
                         "INSERT INTO revisions(doc_id, revision, kind, parents, deleted, fields, author, "
                         "device, hlc, origin) VALUES (?,?,?,?,?,?,?,?,?,?)");
    st->bind(1, doc.id);
    st->bind(2, doc.revision);
    st->bind(3, doc.kind);
    st->bind(4, doc.parents.empty() ? std::string("[]") : nlohmann::json(doc.parents).dump());
    st->bind(5, doc.deleted ? 1 : 0);
    st->bind(6, fields_json);
    st->bind(7, doc.author);
    st->bind(8, doc.device);
    st->bind(9, doc.stamp.toString());
    st->bind(10, std::string(origin));
    st->exec();
    return db.getLastInsertRowid();
  }

  // Saves a revision written here on top of `previous` (its document's head; nullptr for a new
  // one) as the document's head (its outbox entry), computing its revision id; returns its
  // sequence. Serialised once: the text hashed is the text stored. The attachments it names
  // first join the uploads: those its parents named came from wherever they were attached (a
  // supervisor's review carries the inspector's photos, which are not this laptop's to send).
  std::int64_t saveLocal(Document& doc, const Document* previous) {
    std::set<std::string> named_before;
    auto collect = [&](const Fields& fields) {
      for (const auto& [name, value] : fields)
        if (const auto* ref = value.get<AttachmentRef>()) named_before.insert(ref->sha256);
    };
    if (previous) collect(previous->fields);
    for (const auto& parent : doc.parents)
      if (!previous || parent != previous->revision)
        if (const auto other = revisionOf(doc.id, parent)) collect(other->fields);
    const auto fields_json = canonicalFieldsJson(doc.fields);
    doc.revision = computeRevision(doc, fields_json);
    const auto seq = appendRevision(doc, "local", fields_json);
    setHead(doc, seq);
    for (const auto& [name, value] : doc.fields) {
      const auto* ref = value.get<AttachmentRef>();
      if (!ref || named_before.count(ref->sha256)) continue;
      auto st = statement(insert_upload, "INSERT OR IGNORE INTO uploads(sha256, size, media_type, seq) VALUES (?,?,?,?)");
      st->bind(1, ref->sha256);
      st->bind(2, static_cast<std::int64_t>(ref->size_bytes));
      st->bind(3, ref->media_type);
      st->bind(4, seq);
      st->exec();
    }
    return seq;
  }

  // A revision of document `id` this laptop holds (a resolution's other parent, say).
  std::optional<Document> revisionOf(const std::string& id, const std::string& revision) {
    SQLite::Statement st(db,
                         "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                         "FROM revisions WHERE doc_id = ? AND revision = ? LIMIT 1");
    st.bind(1, id);
    st.bind(2, revision);
    if (!st.executeStep()) return std::nullopt;
    return readDocumentRow(st);
  }

  // Points a document at its new head; with `synced`, also records that the server has it.
  void setHead(const Document& doc, std::int64_t seq, const std::optional<std::string>& synced = std::nullopt) {
    ++heads_set_by_kind[doc.kind];
    auto st = statement(upsert_head,
                         "INSERT INTO documents(id, kind, head_seq, synced_revision) VALUES (?,?,?,?) "
                         "ON CONFLICT(id) DO UPDATE SET head_seq = excluded.head_seq, "
                         "synced_revision = coalesce(excluded.synced_revision, synced_revision)");
    st->bind(1, doc.id);
    st->bind(2, doc.kind);
    st->bind(3, seq);
    if (synced) st->bind(4, *synced);
    else st->bind(4);
    st->exec();
  }

  std::int64_t ackedSeq() { return std::stoll(setting("acked_seq").value_or("0")); }

  // Whether this laptop holds revision `revision` of document `id`.
  bool holdsRevision(const std::string& id, const std::string& revision) {
    auto st = statement(select_holds, "SELECT 1 FROM revisions WHERE doc_id = ? AND revision = ? LIMIT 1");
    st->bind(1, id);
    st->bind(2, revision);
    return st->executeStep();
  }

  void setSynced(const std::string& id, const std::string& revision) {
    auto st = statement(update_synced, "UPDATE documents SET synced_revision = ? WHERE id = ?");
    st->bind(1, revision);
    st->bind(2, id);
    st->exec();
  }

  struct HeadState {
    std::string revision;
    bool pending_edit = false;  // the head is a local edit the server has not acknowledged
  };
  // What a pull needs to know of a document's head, without reading its fields.
  std::optional<HeadState> headState(const std::string& id, std::int64_t acked) {
    auto st = statement(select_head_state,
                        "SELECT r.revision, r.origin = 'local' AND r.seq > ? FROM documents d "
                        "JOIN revisions r ON r.seq = d.head_seq WHERE d.id = ?");
    st->bind(1, acked);
    st->bind(2, id);
    if (!st->executeStep()) return std::nullopt;
    return HeadState{st->getColumn(0).getString(), st->getColumn(1).getInt() != 0};
  }

  // The clock as this replica last left it: the stamp of its latest own revision, or a later
  // stamp it observed from others (kept in settings by whoever observes one).
  HybridClock clock() {
    auto st = statement(select_last_local,
                         "SELECT hlc FROM revisions WHERE origin = 'local' ORDER BY seq DESC LIMIT 1");
    HybridTimestamp last;
    if (st->executeStep()) last = HybridTimestamp::parse(st->getColumn(0).getString()).value_or(HybridTimestamp{});
    const auto observed = HybridTimestamp::parse(setting("hlc_observed").value_or("")).value_or(HybridTimestamp{});
    return HybridClock(std::max(last, observed));
  }

  std::optional<std::string> setting(std::string_view key) {
    auto st = statement(select_setting, "SELECT value FROM settings WHERE key = ?");
    st->bind(1, std::string(key));
    if (!st->executeStep()) return std::nullopt;
    return st->getColumn(0).getString();
  }

  void setSetting(std::string_view key, std::string_view value) {
    auto st = statement(upsert_setting,
                         "INSERT INTO settings(key, value) VALUES (?,?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st->bind(1, std::string(key));
    st->bind(2, std::string(value));
    st->exec();
  }

  SQLite::Database db;
  std::string user;
  std::string device;
  std::unique_ptr<SQLite::Statement> select_head_seq, select_revision, insert_revision, upsert_head,
      select_last_local, select_setting, upsert_setting, update_synced, select_head_state, insert_upload, select_holds;
  std::unordered_map<std::string, std::pair<std::int64_t, Document>> head_cache;
  // Heads this connection has set, per kind (changeMark): a count, never reset.
  std::unordered_map<std::string, std::int64_t> heads_set_by_kind;
};

LocalStore::LocalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalStore::LocalStore(LocalStore&&) noexcept = default;
LocalStore& LocalStore::operator=(LocalStore&&) noexcept = default;
LocalStore::~LocalStore() = default;

Result<LocalStore> LocalStore::open(const fs::path& file, bool create) {
  auto db = openDatabase(file, create, {kApplicationId, kMigrations, tuning::kBusyTimeout, tuning::kPageCacheBytes},
                         problem("Chưa có dữ liệu Fieldcheck trong " + utf8Of(file.parent_path()) +
                                     ". Hãy chạy `fieldcheck init --seed THƯ_MỤC` (không cần mạng) hoặc "
                                     "`fieldcheck login --server URL --user TÊN` trước.",
                                 "There is no Fieldcheck data in " + utf8Of(file.parent_path()) +
                                     ". Run `fieldcheck init --seed DIR` (offline) or "
                                     "`fieldcheck login --server URL --user NAME` first."));
  if (!db) return db.problem();
  try {
    auto impl = std::make_unique<Impl>(std::move(db.value()));
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

std::pair<std::int64_t, std::int64_t> LocalStore::changeMark(std::string_view kind) const {
  // data_version moves when another connection commits; this connection counts its own heads.
  const std::int64_t others = impl_->db.execAndGet("PRAGMA data_version").getInt64();
  const auto own = impl_->heads_set_by_kind.find(std::string(kind));
  return {others, own == impl_->heads_set_by_kind.end() ? 0 : own->second};
}

std::vector<Document> LocalStore::heads(std::string_view kind) const {
  SQLite::Statement st(impl_->db, std::string(kSelectHead) + "WHERE d.kind = ? ORDER BY d.id");
  st.bind(1, std::string(kind));
  std::vector<Document> docs;
  while (st.executeStep()) docs.push_back(readDocumentRow(st));
  return docs;
}

std::vector<Document> LocalStore::serverMerges() const {
  SQLite::Statement st(impl_->db,
                       "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc FROM revisions "
                       "WHERE origin = 'shared' AND device = 'server' AND author = 'server' AND json_array_length(parents) = 2 "
                       "ORDER BY seq");
  std::vector<Document> docs;
  while (st.executeStep()) docs.push_back(readDocumentRow(st));
  return docs;
}

std::optional<Document> LocalStore::revision(std::string_view id, std::string_view revision) const {
  return impl_->revisionOf(std::string(id), std::string(revision));
}

std::vector<Document> LocalStore::history(std::string_view id) const {
  SQLite::Statement st(impl_->db,
                       "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                       "FROM revisions WHERE doc_id = ? ORDER BY seq");
  st.bind(1, std::string(id));
  std::vector<Document> docs;
  while (st.executeStep()) docs.push_back(readDocumentRow(st));
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

std::vector<std::string> LocalStore::idsWhere(std::string_view kind, std::string_view field, std::string_view text) const {
  SQLite::Statement st(impl_->db, "SELECT id FROM heads WHERE kind = ? AND json_extract(fields, ?) = ? ORDER BY id");
  st.bind(1, std::string(kind));
  st.bind(2, "$.\"" + std::string(field) + "\"");
  st.bind(3, std::string(text));
  std::vector<std::string> ids;
  while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
  return ids;
}

std::set<std::string> LocalStore::idsWrittenHere() const {
  SQLite::Statement st(impl_->db, "SELECT DISTINCT doc_id FROM revisions WHERE origin = 'local' OR device = ?");
  st.bind(1, impl_->device);
  std::set<std::string> ids;
  while (st.executeStep()) ids.insert(st.getColumn(0).getString());
  return ids;
}

std::int64_t LocalStore::nextCount(std::string_view key) {
  const auto next = std::stoll(impl_->setting(key).value_or("0")) + 1;
  impl_->setSetting(key, std::to_string(next));
  return next;
}

Result<Document> LocalStore::write(const std::string& id, std::string_view kind, const Edit& edit) {

  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  auto current = impl_->head(id);
  if (current && current->kind != kind)
    throw std::logic_error("LocalStore::write: document " + id + " is a " + current->kind);
  auto fields = edit(current ? &*current : nullptr);
  if (!fields) return fields.problem();
  if (current && fields.value() == current->fields) return *current;

  auto clock = impl_->clock();
  const auto stamp = clock.tick(wallClockMs());
  Document doc{id, std::string(kind), std::move(fields.value()), {}, {}, false, impl_->user, impl_->device, stamp};
  if (current) doc.parents = {current->revision};
  const auto seq = impl_->saveLocal(doc, current ? &*current : nullptr);
  tx.commit();
  impl_->remember(seq, doc);
  return doc;
}

Result<Document> LocalStore::writeRevision(const std::string& id, const MakeRevision& make) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  const auto current = impl_->head(id);
  if (!current)
    return problem("Máy này không có tài liệu " + id + ".", "This laptop does not have the document " + id + ".");
  auto clock = impl_->clock();
  auto made = make(*current, clock.tick(wallClockMs()));
  if (!made) return made.problem();
  Document doc = std::move(made.value());
  if (doc.id != id || doc.kind != current->kind)
    throw std::logic_error("LocalStore::writeRevision: a revision of another document than " + id);
  const auto seq = impl_->saveLocal(doc, &*current);
  tx.commit();
  impl_->remember(seq, doc);
  return doc;
}

// The district that scopes a document on this laptop as on the server (the server's scopeOf):
// NULL for what the whole province shares and for conflict records.
constexpr const char* kScopeOfHead =
    "CASE kind WHEN 'district' THEN json_extract(fields, '$.code') "
    "WHEN 'commune' THEN json_extract(fields, '$.district') "
    "WHEN 'establishment' THEN json_extract(fields, '$.district') "
    "WHEN 'inspection' THEN json_extract(fields, '$._district') "
    "WHEN 'report' THEN json_extract(fields, '$._district') END";

std::size_t LocalStore::keepOnlyDistrict(const std::string& district) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS leaving(id TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM leaving;");
  // Unsent work stays, with what it needs to be shown: the establishment it inspects, and the
  // district and communes of its district.
  const std::string scope = kScopeOfHead;
  SQLite::Statement pick(
      impl_->db,
      "WITH unsent AS (SELECT kind, fields FROM heads WHERE id IN (SELECT doc_id FROM outbox)), "
      "needed AS (SELECT json_extract(fields, '$._establishment') AS id FROM unsent WHERE id IS NOT NULL), "
      "places AS (SELECT " + scope + " AS district FROM unsent WHERE district IS NOT NULL) "
      "INSERT INTO leaving(id) SELECT id FROM heads WHERE " + scope + " <> ? "
      "AND id NOT IN (SELECT doc_id FROM outbox) AND id NOT IN (SELECT id FROM needed) "
      "AND NOT (kind IN ('district', 'commune') AND " + scope + " IN (SELECT district FROM places))");

  pick.bind(1, district);
  const auto leaving = pick.exec();
  impl_->db.exec("DELETE FROM documents WHERE id IN (SELECT id FROM leaving)");
  impl_->db.exec("DELETE FROM revisions WHERE doc_id IN (SELECT id FROM leaving)");
  impl_->db.exec("DELETE FROM leaving");
  tx.commit();
  return static_cast<std::size_t>(leaving);
}

std::vector<std::string> LocalStore::unsentOutside(const std::string& district) const {
  SQLite::Statement st(impl_->db, std::string("SELECT id FROM heads WHERE ") + kScopeOfHead +
                                      " <> ? AND id IN (SELECT doc_id FROM outbox) ORDER BY id");
  st.bind(1, district);
  std::vector<std::string> ids;
  while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
  return ids;
}

void LocalStore::importShared(const std::vector<Document>& docs) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  for (const auto& doc : docs) {
    if (impl_->head(doc.id)) continue;
    impl_->setHead(doc, impl_->appendRevision(doc, "shared", canonicalFieldsJson(doc.fields)), doc.revision);
  }
  tx.commit();
}

std::vector<protocol::PushEntry> LocalStore::nextPushBatch(std::size_t max_docs) const {
  return pushBatchAfter(impl_->ackedSeq(), max_docs);
}

std::vector<protocol::PushEntry> LocalStore::pushBatchAfter(std::int64_t acked, std::size_t max_docs) const {
  SQLite::Statement rows(impl_->db,
                         "SELECT seq, doc_id, json_array_length(parents) > 1 FROM revisions "
                         "WHERE origin = 'local' AND seq > ? ORDER BY seq");
  rows.bind(1, acked);
  // Latest sequence per document, in order of first appearance, until one more entry would not
  // fit: the batch then covers every outbox entry up to its last sequence. A revision with
  // several parents closes its document's entry, so it is sent as itself.
  std::vector<std::pair<std::string, std::int64_t>> latest;
  std::unordered_map<std::string, std::size_t> index;
  while (rows.executeStep()) {
    const auto seq = rows.getColumn(0).getInt64();
    const auto doc_id = rows.getColumn(1).getString();
    auto it = index.find(doc_id);
    if (it == index.end()) {
      if (latest.size() == max_docs) break;
      it = index.emplace(doc_id, latest.size()).first;
      latest.emplace_back(doc_id, seq);
    } else {
      latest[it->second].second = seq;
    }
    if (rows.getColumn(2).getInt() != 0) index.erase(it);
  }
  rows.reset();
  std::vector<protocol::PushEntry> batch;
  SQLite::Statement revision(impl_->db,
                             "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                             "FROM revisions WHERE seq = ?");
  SQLite::Statement synced(impl_->db, "SELECT coalesce(synced_revision, '') FROM documents WHERE id = ?");
  for (const auto& [doc_id, seq] : latest) {
    revision.reset();
    revision.bind(1, seq);
    if (!revision.executeStep()) continue;
    synced.reset();
    synced.bind(1, doc_id);
    const std::string base = synced.executeStep() ? synced.getColumn(0).getString() : "";
    batch.push_back({seq, base, readDocumentRow(revision)});
  }
  // Send in sequence order so that the batch's last entry carries its highest sequence.
  std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return batch;
}

std::size_t LocalStore::applySync(const protocol::SyncResponse& response) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  const auto previously_acked = impl_->ackedSeq();
  const auto acked = std::max(previously_acked, response.acked_through);
  impl_->setSetting("acked_seq", std::to_string(acked));
  SQLite::Statement refuse(impl_->db,
                           "INSERT OR REPLACE INTO refusals(seq, doc_id, code, reason_vi, reason_en) VALUES (?,?,?,?,?)");
  std::unordered_map<std::int64_t, bool> refused;
  for (const auto& r : response.refused) {
    refused[r.seq] = true;
    refuse.reset();
    bindRefusal(refuse, 1, r);
    refuse.exec();
  }
  // The server now has, of each document, its latest revision up to the acknowledged sequence:
  // the one the batch that carried it sent. That batch need not be the one just sent: when an
  // answer was lost, the next one acknowledges what the lost one carried, and the revision sent
  // now may be an older one that was coalesced away then.
  if (acked > previously_acked) {
    SQLite::Statement newly(impl_->db,
                            "SELECT doc_id, revision, seq FROM revisions WHERE origin = 'local' AND seq > ? AND seq <= ? "
                            "ORDER BY seq");
    newly.bind(1, previously_acked);
    newly.bind(2, acked);
    std::unordered_map<std::string, std::pair<std::string, std::int64_t>> latest;
    while (newly.executeStep())
      latest[newly.getColumn(0).getString()] = {newly.getColumn(1).getString(), newly.getColumn(2).getInt64()};
    newly.reset();
    for (const auto& [doc_id, revision] : latest)
      if (!refused.count(revision.second)) impl_->setSynced(doc_id, revision.first);
  }

  std::size_t added = 0;
  const std::int64_t cursor = std::stoll(impl_->setting("pull_cursor").value_or("0"));
  // Since a server restored from a backup (restartWithServer), revisions this laptop holds come
  // again: those it pulled before, and its own and others' sent again to the restored server.
  const bool pulled_again = !response.changes.empty() && impl_->setting("server_restored_at").has_value();
  HybridTimestamp observed =
      HybridTimestamp::parse(impl_->setting("hlc_observed").value_or("")).value_or(HybridTimestamp{});
  for (const auto& change : response.changes) {
    if (change.seq <= cursor) continue;  // stored by a later sync already
    const auto& doc = change.doc;  // its fields are in change.fields_json
    // A stamp moves this laptop's clock at most to the server's: one from a laptop whose clock
    // runs ahead (or that forged it) stops there.
    observed = std::max(observed, std::min(doc.stamp, HybridTimestamp{response.server_wall_ms, HybridTimestamp::kMaxCounter}));
    const auto current = impl_->headState(doc.id, acked);
    if (current && current->revision == doc.revision) {
      impl_->setSynced(doc.id, doc.revision);
      continue;
    }
    // Pulled again after the server was restored from a backup (restartWithServer): held already.
    if (pulled_again && impl_->holdsRevision(doc.id, doc.revision)) continue;
    const auto seq = impl_->appendRevision(doc, "shared", change.fields_json);
    // An edit of this document still waiting to be sent stays the head, and keeps the base it
    // was made on, so the server sees the two edits as concurrent instead of one replacing the
    // other.
    if (!current || !current->pending_edit) impl_->setHead(doc, seq, doc.revision);
    ++added;
    if (doc.kind == "province") {
      const auto province = change.document();
      if (const auto* name = province.fields.count("name") ? province.fields.at("name").get<std::string>() : nullptr)
        impl_->setSetting("province", *name);
      if (const auto* offset = province.fields.count("utc_offset") ? province.fields.at("utc_offset").get<std::string>() : nullptr)
        if (auto minutes = parseUtcOffset(*offset)) impl_->setSetting("utc_offset_minutes", std::to_string(*minutes));
    }
  }
  impl_->setSetting("hlc_observed", observed.toString());
  impl_->setSetting("pull_cursor", std::to_string(std::max(cursor, response.cursor)));
  tx.commit();
  impl_->head_cache.clear();
  return added;
}

bool LocalStore::restartWithServer(const std::string& server_id, std::int64_t restored_seq, std::int64_t device_seq) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  const auto remembered = impl_->setting("server_id").value_or("");
  impl_->setSetting("server_id", server_id);
  if (!protocol::otherHistory(remembered, server_id, restored_seq)) {
    tx.commit();
    return false;
  }
  const std::int64_t cursor = std::stoll(impl_->setting("pull_cursor").value_or("0"));
  impl_->setSetting("pull_cursor", std::to_string(std::min(cursor, restored_seq)));
  const auto acked = std::min(impl_->ackedSeq(), device_seq);
  impl_->setSetting("acked_seq", std::to_string(acked));
  // The base of each document sent again: what the restored server holds of it, the parent of
  // its first revision written here after `acked` (none when that revision made the document).
  SQLite::Statement first(impl_->db,
                          "SELECT r.doc_id, coalesce(json_extract(r.parents, '$[0]'), '') FROM revisions r "
                          "WHERE r.origin = 'local' AND r.seq > ?1 AND r.seq = (SELECT min(seq) FROM revisions o "
                          "WHERE o.doc_id = r.doc_id AND o.origin = 'local' AND o.seq > ?1)");
  first.bind(1, acked);
  SQLite::Statement base(impl_->db, "UPDATE documents SET synced_revision = nullif(?, '') WHERE id = ?");
  while (first.executeStep()) {
    base.reset();
    base.bind(1, first.getColumn(1).getString());
    base.bind(2, first.getColumn(0).getString());
    base.exec();
  }
  first.reset();
  SQLite::Statement forget(impl_->db, "DELETE FROM refusals WHERE seq > ?");
  forget.bind(1, acked);
  forget.exec();
  impl_->db.exec("UPDATE uploads SET done = 0 WHERE refused_en IS NULL");
  impl_->setSetting("server_restored_at", std::to_string(cursor));
  tx.commit();
  impl_->head_cache.clear();
  return true;
}

std::vector<Upload> LocalStore::uploads(bool pending_only) const {
  SQLite::Statement st(impl_->db,
                       std::string("SELECT sha256, size, media_type, seq, done, refused_vi, refused_en FROM uploads ") +
                           (pending_only ? "WHERE done = 0 AND refused_en IS NULL " : "") + "ORDER BY seq, sha256");
  std::vector<Upload> out;
  while (st.executeStep()) {
    Upload u{{st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64()), st.getColumn(2).getString()},
             st.getColumn(4).getInt() != 0, std::nullopt};
    if (!st.getColumn(6).isNull()) u.refused = Bilingual{st.getColumn(5).getString(), st.getColumn(6).getString()};
    out.push_back(std::move(u));
  }
  return out;
}

void LocalStore::finishUpload(const std::string& sha256, const std::optional<Bilingual>& refused) {
  SQLite::Statement st(impl_->db, "UPDATE uploads SET done = ?, refused_vi = ?, refused_en = ? WHERE sha256 = ?");
  st.bind(1, refused ? 0 : 1);
  if (refused) {
    st.bind(2, refused->vi);
    st.bind(3, refused->en);
  }
  st.bind(4, sha256);
  st.exec();
}

std::vector<protocol::Refusal> LocalStore::refusals() const {
  SQLite::Statement st(impl_->db, "SELECT seq, doc_id, code, reason_vi, reason_en FROM refusals ORDER BY seq DESC");
  std::vector<protocol::Refusal> out;
  while (st.executeStep()) out.push_back(readRefusalRow(st));
  return out;
}

std::size_t LocalStore::pendingChanges() const {
  return static_cast<std::size_t>(impl_->db.execAndGet("SELECT count(*) FROM outbox").getInt64());
}

std::size_t LocalStore::pendingDocuments() const {
  return static_cast<std::size_t>(impl_->db.execAndGet("SELECT count(DISTINCT doc_id) FROM outbox").getInt64());
}

std::vector<std::string> LocalStore::attachmentsStartingWith(std::string_view prefix) const {
  SQLite::Statement st(impl_->db,
                       "SELECT DISTINCT sha FROM (SELECT CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.sha256') END AS sha "
                       "FROM revisions r, json_each(r.fields) j) WHERE substr(sha, 1, length(?1)) = ?1 ORDER BY sha");
  st.bind(1, std::string(prefix));
  std::vector<std::string> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  return out;
}

bool LocalStore::hasPendingChanges(std::string_view id) const {
  SQLite::Statement st(impl_->db, "SELECT 1 FROM outbox WHERE doc_id = ? LIMIT 1");
  st.bind(1, std::string(id));
  return st.executeStep();
}

std::optional<std::string> LocalStore::setting(std::string_view key) const { return impl_->setting(key); }

void LocalStore::setSetting(std::string_view key, std::string_view value) {
  impl_->setSetting(key, value);
  if (key == "user") impl_->user = std::string(value);
}

std::vector<std::pair<std::string, std::size_t>> LocalStore::pendingByOthers(std::string_view user) const {
  SQLite::Statement st(impl_->db,
                       "SELECT r.author, count(*) FROM outbox o JOIN revisions r ON r.seq = o.seq "
                       "WHERE lower(r.author) <> lower(?) GROUP BY r.author ORDER BY r.author");
  st.bind(1, std::string(user));
  std::vector<std::pair<std::string, std::size_t>> out;
  while (st.executeStep())
    out.emplace_back(st.getColumn(0).getString(), static_cast<std::size_t>(st.getColumn(1).getInt64()));
  return out;
}

std::size_t LocalStore::adoptPending(const std::string& user) {
  SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement select(impl_->db,
                           "SELECT r.doc_id, r.kind, r.fields, r.revision, r.parents, r.deleted, r.author, r.device, r.hlc, "
                           "r.seq FROM outbox o JOIN revisions r ON r.seq = o.seq ORDER BY r.seq");
  SQLite::Statement update(impl_->db, "UPDATE revisions SET revision = ?, parents = ?, author = ?, fields = ? WHERE seq = ?");
  std::unordered_map<std::string, std::string> renamed;  // old revision id -> new, for the parents of later ones
  while (select.executeStep()) {
    Document doc = readDocumentAttributes(select);  // the fields stay as text: it is what the id hashes
    auto fields_text = select.getColumn(2).getString();
    bool changed = doc.author != user;
    // The warnings this name confirmed (answer_validation.h's "CHECK:FINGERPRINT:USER") are the
    // new name's too, or a supervisor would read the name the laptop was set up with.
    if (changed && fields_text.find(kConfirmedField) != std::string::npos) {
      auto fields = fieldsFromJsonText(fields_text);
      if (auto* list = fields.count(kConfirmedField) ? fields[kConfirmedField].get<Choices>() : nullptr) {
        Choices confirmations = *list;
        const auto by_old = ":" + doc.author;
        for (auto& entry : confirmations)
          if (entry.size() > by_old.size() && entry.compare(entry.size() - by_old.size(), by_old.size(), by_old) == 0)
            entry = entry.substr(0, entry.size() - by_old.size()) + ":" + user;
        fields[kConfirmedField] = std::move(confirmations);
        fields_text = fieldsToJsonText(fields);
      }
    }
    for (auto& parent : doc.parents)
      if (auto it = renamed.find(parent); it != renamed.end()) {
        parent = it->second;
        changed = true;
      }
    if (!changed) continue;
    doc.author = user;
    const auto old_revision = doc.revision;
    doc.revision = computeRevision(doc, fields_text);
    renamed[old_revision] = doc.revision;
    update.bind(1, doc.revision);
    update.bind(2, doc.parents.empty() ? std::string("[]") : nlohmann::json(doc.parents).dump());
    update.bind(3, user);
    update.bind(4, fields_text);
    update.bind(5, select.getColumn(9).getInt64());
    update.exec();
    update.reset();
  }
  impl_->setSetting("user", user);
  tx.commit();
  impl_->user = user;
  impl_->head_cache.clear();
  return renamed.size();
}

std::string LocalStore::user() const { return impl_->user; }
std::string LocalStore::device() const { return impl_->device; }

}  // namespace fieldcheck::client
