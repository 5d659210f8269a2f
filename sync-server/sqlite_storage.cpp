// The provincial database on SQLite.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <climits>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/image.h"
#include "fieldcheck/sqlite_database.h"
#include "fieldcheck/text.h"
#include "group_commit.h"
#include "provincial_storage.h"
#include "report_index.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t kApplicationId = 0x46434b53;  // "FCKS": the Fieldcheck provincial database
// Author and device of the revisions the server itself writes (merges of concurrent edits).
constexpr const char* kServerAuthor = "server";

// The provincial log numbers every accepted revision with the server sequence that clients pull
// by; `district` is the scope key (NULL for what the whole province shares: province, plan,
// templates), derived on the server and never taken from a client.
constexpr Migration kMigrations[] = {
    {1, "provincial log, document heads, accounts, audit", R"sql(
CREATE TABLE settings(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE changes(
  seq         INTEGER PRIMARY KEY,
  doc_id      TEXT NOT NULL,
  revision    TEXT NOT NULL,
  kind        TEXT NOT NULL,
  district    TEXT,
  parents     TEXT NOT NULL,
  deleted     INTEGER NOT NULL DEFAULT 0,
  fields      TEXT NOT NULL,
  author      TEXT NOT NULL,
  device      TEXT NOT NULL,
  hlc         TEXT NOT NULL,
  received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX changes_by_revision ON changes(doc_id, revision);
CREATE INDEX changes_by_district ON changes(district, seq);

CREATE TABLE documents(
  id       TEXT PRIMARY KEY,
  kind     TEXT NOT NULL,
  district TEXT,
  head_seq INTEGER NOT NULL REFERENCES changes(seq)
) WITHOUT ROWID;
CREATE INDEX documents_by_kind ON documents(kind, district);

CREATE VIEW heads AS
  SELECT d.id, d.kind, d.district, c.revision, c.parents, c.deleted, c.fields, c.author, c.device, c.hlc, c.seq
  FROM documents d JOIN changes c ON c.seq = d.head_seq;

CREATE TABLE users(
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'provincial', 'admin')),
  district      TEXT,
  password_hash TEXT NOT NULL,
  revoked       INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  paused_until_ms INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;

CREATE TABLE devices(
  id          TEXT PRIMARY KEY,
  user_name   TEXT NOT NULL REFERENCES users(name),
  name        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  revoked     INTEGER NOT NULL DEFAULT 0,
  pushed_through INTEGER NOT NULL DEFAULT 0,
  enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;

CREATE TABLE refusals(
  device     TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  doc_id     TEXT NOT NULL,
  code       TEXT NOT NULL,
  reason_vi  TEXT NOT NULL,
  reason_en  TEXT NOT NULL,
  at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (device, seq)
) WITHOUT ROWID;

CREATE TABLE audit(
  id     INTEGER PRIMARY KEY,
  at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  user   TEXT NOT NULL,
  device TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql"},
    {2, "conflicts of concurrent edits", R"sql(
-- One row per field that concurrent edits changed both ways (field '' : the document itself,
-- deleted on one side and edited on the other). The head holds the provisional winner; the other
-- value waits here, with the base, for a supervisor. Values are in the fields' JSON form.
CREATE TABLE conflicts(
  id              INTEGER PRIMARY KEY,
  doc_id          TEXT NOT NULL,
  district        TEXT,
  field           TEXT NOT NULL,
  base            TEXT,
  merge_revision  TEXT NOT NULL,
  winner_value    TEXT,
  winner_deleted  INTEGER NOT NULL,
  winner_revision TEXT NOT NULL,
  winner_author   TEXT NOT NULL,
  winner_device   TEXT NOT NULL,
  winner_hlc      TEXT NOT NULL,
  other_value     TEXT,
  other_deleted   INTEGER NOT NULL,
  other_revision  TEXT NOT NULL,
  other_author    TEXT NOT NULL,
  other_device    TEXT NOT NULL,
  other_hlc       TEXT NOT NULL,
  resolved_by     TEXT,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX conflicts_by_document ON conflicts(doc_id, id);
)sql"},
    {3, "conflict records as documents that sync to supervisors", R"sql(
-- Conflicts are now documents of kind 'conflict' in the provincial log. Rows recorded by schema 2
-- wait here until the server converts them (openSqliteStorage), then the table goes.
ALTER TABLE conflicts RENAME TO conflicts_v2;
)sql"},
    {4, "attachments uploaded in chunks, and which records name them", R"sql(
-- An attachment being received or received whole; its bytes are files beside the database
-- (uploads/SHA256.part while incomplete, attachments/ab/SHA256 once checked).
CREATE TABLE uploads(
  sha256     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  received   INTEGER NOT NULL DEFAULT 0,
  complete   INTEGER NOT NULL DEFAULT 0,
  started_by TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

-- Every attachment a revision in the log names, scoped like the revision.
CREATE TABLE attachment_refs(
  sha256   TEXT NOT NULL,
  doc_id   TEXT NOT NULL,
  district TEXT,
  size     INTEGER NOT NULL,
  seq      INTEGER NOT NULL,
  PRIMARY KEY (sha256, doc_id)
) WITHOUT ROWID;
CREATE INDEX attachment_refs_by_seq ON attachment_refs(seq);
INSERT OR IGNORE INTO attachment_refs(sha256, doc_id, district, size, seq)
  SELECT json_extract(j.value, '$.sha256'), c.doc_id, c.district, json_extract(j.value, '$.size'), c.seq
  FROM changes c, json_each(c.fields) j
  WHERE json_type(j.value) = 'object' AND json_extract(j.value, '$.sha256') IS NOT NULL;
)sql"},
    {5, "the reports' index of inspections and periodic reports", R"sql(
-- One row per inspection or periodic report head, reduced to what the plans measure (see
-- report_index.cpp); rebuilt from the log whenever the plans measure other fields.
CREATE TABLE report_index(
  kind     TEXT NOT NULL,
  shard    INTEGER NOT NULL,  -- 0..255, from the random part of the id: a report reads shares of shards side by side
  doc_id   TEXT NOT NULL,
  template TEXT NOT NULL,
  district TEXT NOT NULL,
  subject  TEXT NOT NULL,
  state    TEXT NOT NULL,
  day      TEXT NOT NULL,
  period   TEXT NOT NULL,
  codes    TEXT NOT NULL,
  numbers  TEXT NOT NULL,
  PRIMARY KEY (kind, shard, doc_id)
) WITHOUT ROWID;
)sql"},
    {6, "an upload in progress belongs to the device that started it", R"sql(
-- Each device sends its own copy of an attachment (uploads/SHA256.DEVICE.part while incomplete),
-- so nobody else's upload, whatever size it claims, can block it; the first copy received whole
-- and checked becomes the attachment. Uploads in progress under the old rule start again.
CREATE TABLE uploads_v6(
  sha256     TEXT NOT NULL,
  device     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  received   INTEGER NOT NULL DEFAULT 0,
  complete   INTEGER NOT NULL DEFAULT 0,
  started_by TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (sha256, device)
) WITHOUT ROWID;
INSERT INTO uploads_v6(sha256, device, size, media_type, received, complete, started_by, updated_at)
  SELECT sha256, '', size, media_type, received, complete, started_by, updated_at FROM uploads WHERE complete = 1;
DROP TABLE uploads;
ALTER TABLE uploads_v6 RENAME TO uploads;
CREATE INDEX uploads_by_age ON uploads(complete, updated_at);
)sql"},
    {7, "wrong passwords counted per user and address", R"sql(
-- Wrong passwords pause a user's logins from the address that gave them only, so nobody can keep
-- a user out by failing on their behalf from elsewhere. A count left alone for the pause's length
-- is forgotten. (The users table's own counters are no longer used.)
CREATE TABLE login_failures(
  user            TEXT NOT NULL,
  address         TEXT NOT NULL,
  failures        INTEGER NOT NULL DEFAULT 0,
  paused_until_ms INTEGER NOT NULL DEFAULT 0,
  updated_ms      INTEGER NOT NULL,
  PRIMARY KEY (user, address)
) WITHOUT ROWID;
CREATE INDEX login_failures_by_age ON login_failures(updated_ms);
)sql"},
    {8, "a photo is read through the records of the devices that held it", R"sql(
-- The devices that sent the server an attachment whole: a record names a photo legitimately
-- when the device that first named it in that record held it, so a record naming someone
-- else's photo by its hash opens nothing.
CREATE TABLE attachment_holders(
  sha256 TEXT NOT NULL,
  device TEXT NOT NULL,
  PRIMARY KEY (sha256, device)
) WITHOUT ROWID;
ALTER TABLE attachment_refs ADD COLUMN device TEXT NOT NULL DEFAULT '';
UPDATE attachment_refs SET device = coalesce((SELECT c.device FROM changes c WHERE c.seq = attachment_refs.seq), '');
INSERT OR IGNORE INTO attachment_holders(sha256, device)
  SELECT sha256, device FROM uploads WHERE complete = 1 AND device <> '';
-- Attachments received whole before uploads were kept per device: held by the device of the
-- first record that named them (a record naming a photo by a hash learnt from another comes later).
INSERT OR IGNORE INTO attachment_holders(sha256, device)
  SELECT u.sha256, (SELECT r.device FROM attachment_refs r WHERE r.sha256 = u.sha256 ORDER BY r.seq LIMIT 1)
  FROM uploads u
  WHERE u.complete = 1 AND u.device = '' AND EXISTS (SELECT 1 FROM attachment_refs r WHERE r.sha256 = u.sha256);
)sql"},
    {9, "laptop numbers, given at login, that begin the numbers of the records a laptop makes", R"sql(
-- A laptop's number among those of its scope: a district's code, or '' for laptops whose user
-- works province-wide (shown "T3"). Given once, to one device, never again.
CREATE TABLE laptop_numbers(
  scope  TEXT NOT NULL,
  number INTEGER NOT NULL,
  device TEXT NOT NULL REFERENCES devices(id),
  PRIMARY KEY (scope, number),
  UNIQUE (scope, device)
) WITHOUT ROWID;
CREATE INDEX laptop_numbers_by_device ON laptop_numbers(device);
)sql"},
    {10, "console sessions, one-time passwords, and when each laptop last synced", R"sql(
-- A console session is known by its token's hash only (the browser holds the token, in a cookie);
-- its CSRF token is no secret from the page, which reads it in `Me`.
CREATE TABLE console_sessions(
  token_hash   TEXT PRIMARY KEY,
  user         TEXT NOT NULL REFERENCES users(name),
  csrf         TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_by_user ON console_sessions(user);
CREATE INDEX console_sessions_by_age ON console_sessions(last_seen_ms);
-- A password an administrator set is a one-time code, changed at its first use in the console.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- A laptop's last sync, "2019-05-03T02:00:00Z"; NULL: it never synced.
ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
)sql"},
    {11, "the console's table of inspections, read from the reports' index", R"sql(
-- What the console's table shows and filters by, beside what reports count: the record's number,
-- who made it (its first revision's author) and when the server received its head. The index is
-- emptied so that the next refresh fills them from the log.
ALTER TABLE report_index ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE report_index ADD COLUMN inspector TEXT NOT NULL DEFAULT '';
ALTER TABLE report_index ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
DELETE FROM report_index;
DELETE FROM settings WHERE key IN ('report_index_fields', 'report_indexed_through');
-- One index per filter, each then in the table's order of a day (then shard and id, so that pages
-- never overlap nor leave a gap), and one per order of the table: listInspections picks one of them
-- for each query, so a page is read in order along an index, or its few matching rows sorted.
CREATE INDEX inspections_by_day ON report_index(kind, day, shard, doc_id);
CREATE INDEX inspections_by_district ON report_index(kind, district, day, shard, doc_id);
CREATE INDEX inspections_by_district_state ON report_index(kind, district, state, day, shard, doc_id);
CREATE INDEX inspections_by_state ON report_index(kind, state, day, shard, doc_id);
CREATE INDEX inspections_by_establishment ON report_index(kind, subject, day, shard, doc_id);
CREATE INDEX inspections_by_inspector ON report_index(kind, inspector, day, shard, doc_id);
CREATE INDEX inspections_by_number ON report_index(kind, number, shard, doc_id);
-- A district's records are numbered together, and its inspectors are its own: walking the
-- province's order of numbers or inspectors for one district would pass every other district's.
CREATE INDEX inspections_by_district_number ON report_index(kind, district, number, shard, doc_id);
CREATE INDEX inspections_by_district_inspector ON report_index(kind, district, inspector, day, shard, doc_id);
CREATE INDEX inspections_by_inspector_number ON report_index(kind, inspector, number, shard, doc_id);
-- And a state's records, for each order: drafts and returned ones are few among the approved.
CREATE INDEX inspections_by_state_number ON report_index(kind, state, number, shard, doc_id);
CREATE INDEX inspections_by_district_state_number ON report_index(kind, district, state, number, shard, doc_id);
CREATE INDEX inspections_by_state_district ON report_index(kind, state, district, day, shard, doc_id);
CREATE INDEX inspections_by_state_inspector ON report_index(kind, state, inspector, day, shard, doc_id);
-- The audit log by user, newest first.
CREATE INDEX audit_by_user ON audit(user, id);
)sql"},
    {12, "the server's identity", R"sql(
-- Who this provincial database is: a random id, made anew when a backup is restored (with the
-- highest global sequence the backup held, 'restored_seq'), so that a laptop that synced with the
-- server after the backup notices and sends again what the restored server lacks.
INSERT OR IGNORE INTO settings(key, value) VALUES ('server_id', lower(hex(randomblob(16))));
)sql"},
    {13, "changes parked on a restored server until the revision they are based on arrives", R"sql(
-- On a server restored from a backup, a pushed change based on a revision the backup lacks (another
-- laptop's, which that laptop has not sent again yet) waits here instead of being refused: the
-- whole entry as pushed (its device is the pushing device's: the push rules check it) and who
-- pushed it, so that it can be judged as theirs when a revision of its document arrives. Its
-- (device, seq) is handled: the device's pushed_through moved past it. Oldest first is id order.
CREATE TABLE parked_changes(
  id            INTEGER PRIMARY KEY,
  device        TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  doc_id        TEXT NOT NULL,
  base_revision TEXT NOT NULL,
  kind          TEXT NOT NULL,
  revision      TEXT NOT NULL,
  parents       TEXT NOT NULL,
  deleted       INTEGER NOT NULL,
  fields        TEXT NOT NULL,
  author        TEXT NOT NULL,
  hlc           TEXT NOT NULL,
  pushed_by     TEXT NOT NULL,
  role          TEXT NOT NULL,
  district      TEXT,  -- the pusher's; NULL: province-wide
  parked_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (device, seq)
);
CREATE INDEX parked_changes_by_document ON parked_changes(doc_id, id);
)sql"},
};

// A duration of the tuning in milliseconds, as times are kept in the database.
template <class Rep, class Period>
std::int64_t msOf(std::chrono::duration<Rep, Period> duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

// The district that scopes a seed document; empty for what the whole province shares.
std::string scopeOf(const Document& doc) {
  if (doc.kind == kinds::kDistrict) return textField(doc, "code");
  if (doc.kind == kinds::kCommune || doc.kind == kinds::kEstablishment) return textField(doc, "district");
  return "";
}

// A conflict's value as stored (the fields' JSON form), or nullopt for NULL (the field absent).
std::optional<Value> storedValue(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return valueFromJson(nlohmann::json::parse(column.getString()));
}

User readUser(SQLite::Statement& st) {
  User u;
  u.name = st.getColumn(0).getString();
  u.role = parseRole(st.getColumn(1).getString()).value_or(Role::kInspector);
  if (!st.getColumn(2).isNull()) u.district = st.getColumn(2).getString();
  u.revoked = st.getColumn(3).getInt() != 0;
  u.created_at = st.getColumn(4).getString();
  u.must_change_password = st.getColumn(5).getInt() != 0;
  return u;
}

// Pushes to one database from any of this process's connections are written in groups: one
// transaction and one durable sync for all that arrive while another group is being written.
template <class Job>
std::shared_ptr<GroupCommit<Job>> groupCommitFor(const fs::path& file) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<GroupCommit<Job>>> groups;
  std::lock_guard lock(mutex);
  auto& slot = groups[fs::weakly_canonical(file).string()];
  auto group = slot.lock();
  if (!group) {
    group = std::make_shared<GroupCommit<Job>>(tuning::kMaxGroupCommitEntries,
                                               [](const Job& job) { return job.entries->size(); });
    slot = group;
  }
  return group;
}

class SqliteStorage final : public ProvincialStorage {
  struct PushJob;

 public:
  SqliteStorage(SQLite::Database db, const fs::path& file)
      : db_(std::move(db)), data_dir_(file.parent_path()), push_group_(groupCommitFor<PushJob>(file)) {}

  Result<std::size_t> importSeed(const Seed& seed) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (auto existing = setting("province"); existing && *existing != seed.province)
      return problem("Cơ sở dữ liệu này đã là của tỉnh " + *existing + "; không nạp dữ liệu tỉnh " + seed.province + ".",
                     "This database already holds the province " + *existing + "; it cannot take " + seed.province + ".");
    SQLite::Statement exists(db_, "SELECT 1 FROM documents WHERE id = ?");
    std::size_t added = 0;
    for (const auto& doc : seed.documents) {
      exists.reset();
      exists.bind(1, doc.id);
      if (exists.executeStep()) continue;
      appendChange(doc, scopeOf(doc), canonicalFieldsJson(doc.fields));
      ++added;
    }
    setSetting("province", seed.province);
    setSetting("utc_offset_minutes", std::to_string(seed.utc_offset_minutes));
    tx.commit();
    server::refreshSqlViews(db_);
    return added;
  }

  std::optional<std::string> setting(const std::string& key) override {
    SQLite::Statement st(db_, "SELECT value FROM settings WHERE key = ?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getString();
  }

  std::optional<std::string> findDistrict(const std::string& code_or_name) override {
    const auto wanted = foldForSearch(code_or_name);
    for (const auto& [code, name] : districts())
      if (foldForSearch(code) == wanted || foldForSearch(name) == wanted) return code;
    return std::nullopt;
  }

  std::vector<std::pair<std::string, std::string>> districts() override {
    SQLite::Statement st(db_,
                         "SELECT json_extract(fields, '$.code'), json_extract(fields, '$.name') FROM heads "
                         "WHERE kind = 'district' ORDER BY 2");
    std::vector<std::pair<std::string, std::string>> out;
    while (st.executeStep()) out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
    return out;
  }

  Result<User> addUser(const User& user, const std::string& password_hash) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Names differing only in case (HA1, ha1) would be two accounts that people take for one.
    SQLite::Statement taken(db_, "SELECT name FROM users WHERE name = ? COLLATE NOCASE");
    taken.bind(1, user.name);
    if (taken.executeStep())
      return problem("Đã có người dùng “" + taken.getColumn(0).getString() + "”.",
                     "There is already a user “" + taken.getColumn(0).getString() + "”.");
    SQLite::Statement st(db_, "INSERT INTO users(name, role, district, password_hash) VALUES (?,?,?,?)");
    st.bind(1, user.name);
    st.bind(2, std::string(roleName(user.role)));
    if (user.district) st.bind(3, *user.district);
    else st.bind(3);
    st.bind(4, password_hash);
    st.exec();
    tx.commit();
    return userWithHash(user.name)->first;
  }

  std::vector<User> users() override {
    SQLite::Statement st(db_, "SELECT name, role, district, revoked, created_at, must_change_password FROM users ORDER BY name");
    std::vector<User> out;
    while (st.executeStep()) out.push_back(readUser(st));
    return out;
  }

  std::optional<std::pair<User, std::string>> userWithHash(const std::string& name) override {
    SQLite::Statement st(db_,
                         "SELECT name, role, district, revoked, created_at, must_change_password, password_hash FROM users "
                         "WHERE name = ?");
    st.bind(1, name);
    if (!st.executeStep()) return std::nullopt;
    return std::pair{readUser(st), st.getColumn(6).getString()};
  }

  std::int64_t loginPausedUntil(const std::string& name, const std::string& address) override {
    SQLite::Statement st(db_, "SELECT paused_until_ms FROM login_failures WHERE user = ? AND address = ?");
    st.bind(1, name);
    st.bind(2, address);
    return st.executeStep() ? st.getColumn(0).getInt64() : 0;
  }

  void recordLogin(const std::string& name, const std::string& address, bool succeeded, std::int64_t now_ms) override {
    const auto pause_ms = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kLoginPause).count();
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement forget(db_, "DELETE FROM login_failures WHERE updated_ms < ? AND paused_until_ms < ?");
    forget.bind(1, now_ms - pause_ms);
    forget.bind(2, now_ms);
    forget.exec();
    SQLite::Statement st(db_, succeeded
                                  ? "DELETE FROM login_failures WHERE user = ?1 AND address = ?2"
                                  : "INSERT INTO login_failures(user, address, failures, updated_ms) VALUES (?1, ?2, 1, ?4) "
                                    "ON CONFLICT(user, address) DO UPDATE SET "
                                    "failures = CASE WHEN failures + 1 >= ?3 THEN 0 ELSE failures + 1 END, "
                                    "paused_until_ms = CASE WHEN failures + 1 >= ?3 THEN ?4 + ?5 ELSE paused_until_ms END, "
                                    "updated_ms = ?4");
    st.bind(1, name);
    st.bind(2, address);
    if (!succeeded) {
      st.bind(3, tuning::kMaxLoginFailures);
      st.bind(4, now_ms);
      st.bind(5, pause_ms);
    }
    st.exec();
    tx.commit();
  }

  Result<std::size_t> revokeUser(const std::string& name) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement user(db_, "UPDATE users SET revoked = 1 WHERE name = ?");
    user.bind(1, name);
    if (user.exec() == 0)
      return problem("Không có người dùng “" + name + "”.", "There is no user “" + name + "”.");
    SQLite::Statement devices(db_, "UPDATE devices SET revoked = 1 WHERE user_name = ? AND revoked = 0");
    devices.bind(1, name);
    const auto count = static_cast<std::size_t>(devices.exec());
    SQLite::Statement sessions(db_, "DELETE FROM console_sessions WHERE user = ?");
    sessions.bind(1, name);
    sessions.exec();
    tx.commit();
    return count;
  }

  Result<DeviceRecord> revokeDevice(const std::string& device_id) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(db_, "UPDATE devices SET revoked = 1 WHERE id = ? RETURNING id, user_name, name, enrolled_at, "
                              "coalesce(last_seen_at, '')");
    st.bind(1, device_id);
    if (!st.executeStep())
      return problem("Không có thiết bị “" + device_id + "” (xem `device list`).",
                     "There is no device “" + device_id + "” (see `device list`).");
    DeviceRecord device{st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                        st.getColumn(3).getString(), true, st.getColumn(4).getString()};
    st.reset();
    tx.commit();
    return device;
  }

  Result<std::string> enrolDevice(const std::string& user, const std::string& device_id,
                                  const std::string& device_name, const std::string& token_hash) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement owner(db_, "SELECT user_name, revoked FROM devices WHERE id = ?");
    owner.bind(1, device_id);
    if (owner.executeStep()) {
      if (owner.getColumn(0).getString() != user)
        return problem("Thiết bị này đã được đăng ký cho người dùng khác; hãy dùng một thư mục dữ liệu mới.",
                       "This device is enrolled for another user; use a new data folder.");
      // A revoked laptop stays revoked: whoever holds a lost one cannot enrol it again.
      if (owner.getColumn(1).getInt() != 0)
        return problem("Máy này đã bị thu hồi quyền truy cập (báo mất?); hãy nhờ quản trị viên, hoặc dùng một thư mục dữ liệu mới.",
                       "This laptop's access was revoked (reported lost?); ask the administrator, or use a new data folder.");
    }
    owner.reset();
    SQLite::Statement st(db_,
                         "INSERT INTO devices(id, user_name, name, token_hash) VALUES (?,?,?,?) "
                         "ON CONFLICT(id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash");
    st.bind(1, device_id);
    st.bind(2, user);
    st.bind(3, device_name);
    st.bind(4, token_hash);
    st.exec();
    tx.commit();
    return device_id;
  }

  std::vector<DeviceRecord> devices(const std::string& user) override {
    SQLite::Statement st(db_,
                         "SELECT id, user_name, name, enrolled_at, revoked, coalesce(last_seen_at, '') FROM devices "
                         "WHERE user_name = ? ORDER BY enrolled_at, id");
    st.bind(1, user);
    std::vector<DeviceRecord> out;
    while (st.executeStep())
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                     st.getColumn(3).getString(), st.getColumn(4).getInt() != 0, st.getColumn(5).getString()});
    return out;
  }

  std::string laptopNumber(const std::string& device_id, const std::string& scope) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement known(db_, "SELECT number FROM laptop_numbers WHERE scope = ? AND device = ?");
    known.bind(1, scope);
    known.bind(2, device_id);
    std::int64_t number = 0;
    if (known.executeStep()) {
      number = known.getColumn(0).getInt64();
    } else {
      SQLite::Statement give(db_,
                             "INSERT INTO laptop_numbers(scope, number, device) "
                             "SELECT ?1, coalesce(max(number), 0) + 1, ?2 FROM laptop_numbers WHERE scope = ?1 "
                             "RETURNING number");
      give.bind(1, scope);
      give.bind(2, device_id);
      give.executeStep();
      number = give.getColumn(0).getInt64();
    }
    known.reset();
    tx.commit();
    return laptopTag(scope, number);
  }

  std::optional<Identity> identityForToken(const std::string& token_hash) override {
    SQLite::Statement st(db_,
                         "SELECT u.name, u.role, u.district, d.id, "
                         "(SELECT group_concat(n.scope || ' ' || n.number, ',') FROM laptop_numbers n WHERE n.device = d.id), "
                         "coalesce(d.last_seen_at, d.enrolled_at) "
                         "FROM devices d JOIN users u ON u.name = d.user_name "
                         "WHERE d.token_hash = ? AND d.revoked = 0 AND u.revoked = 0");
    st.bind(1, token_hash);
    if (!st.executeStep()) return std::nullopt;
    Identity id;
    id.user = st.getColumn(0).getString();
    id.role = parseRole(st.getColumn(1).getString()).value_or(Role::kInspector);
    if (!st.getColumn(2).isNull()) id.district = st.getColumn(2).getString();
    id.device = st.getColumn(3).getString();
    // "hoa-an 2,  3": scope and number of each laptop number of the device.
    std::istringstream numbers(st.getColumn(4).isNull() ? "" : st.getColumn(4).getString());
    for (std::string item; std::getline(numbers, item, ',');) {
      const auto space = item.rfind(' ');
      if (space != std::string::npos)
        id.laptop_numbers.emplace_back(item.substr(0, space), laptopTag(item.substr(0, space), std::stoll(item.substr(space + 1))));
    }
    id.last_used_at = st.getColumn(5).getString();
    return id;

  }

  void audit(const std::string& user, const std::string& device, const std::string& action,
             const std::string& detail) override {
    SQLite::Statement st(db_, "INSERT INTO audit(user, device, action, detail) VALUES (?,?,?,?)");
    st.bind(1, user);
    st.bind(2, device);
    st.bind(3, action);
    st.bind(4, detail);
    st.exec();
  }

  std::optional<Document> head(const std::string& id) override {
    auto& st = cached(select_head_,
                      "SELECT c.doc_id, c.kind, c.fields, c.revision, c.parents, c.deleted, c.author, c.device, c.hlc "
                      "FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.id = ?");
    st.bind(1, id);
    std::optional<Document> doc;
    if (st.executeStep()) doc = readDocumentRow(st);
    st.reset();  // a statement left stepping would pin a snapshot and stop the WAL from recycling
    return doc;
  }

  std::vector<ConflictRecord> conflicts(const ConflictQuery& query) override {
    SQLite::Statement st(db_,
                         "SELECT c.doc_id, c.kind, c.fields, c.revision, c.parents, c.deleted, c.author, c.device, c.hlc "
                         "FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.kind = 'conflict' "
                         "AND (?1 = 0 OR json_extract(c.fields, '$.status') = 'open') "
                         "AND (?2 = '' OR json_extract(c.fields, '$.document') = ?2) "
                         "AND (?3 = 0 OR json_extract(c.fields, '$.number') = ?3) "
                         "ORDER BY json_extract(c.fields, '$.number')");
    st.bind(1, query.open_only ? 1 : 0);
    st.bind(2, query.doc_id);
    st.bind(3, query.number);
    std::vector<ConflictRecord> out;
    while (st.executeStep())
      if (auto record = ConflictRecord::fromDocument(readDocumentRow(st))) out.push_back(std::move(*record));
    return out;
  }

  std::size_t refreshReportIndex(std::int64_t max_changes) override { return server::refreshReportIndex(db_, max_changes); }

  void scanFilled(const FilledQuery& query, const std::function<void(const FilledRow&)>& row) override {
    server::scanFilled(data_dir_ / "provincial.db", query, row);
  }

  void scanHeads(const HeadQuery& query, const std::function<void(const HeadRow&)>& row) override {
    // The maker: the author of the document's first change in the log (found through the index
    // on (doc_id, revision), a few rows per document).
    SQLite::Statement st(db_,
                         "SELECT c.doc_id, c.kind, c.fields, c.revision, c.parents, c.deleted, c.author, c.device, c.hlc, "
                         "coalesce(d.district, ''), c.received_at, "
                         "(SELECT f.author FROM changes f WHERE f.doc_id = c.doc_id ORDER BY f.seq LIMIT 1) "
                         "FROM changes c CROSS JOIN documents d "
                         "ON d.id = c.doc_id AND d.head_seq = c.seq "
                         "WHERE c.kind = ?1 AND (?2 = '' OR d.district = ?2) AND (?3 = '' OR c.received_at >= ?3) "
                         "AND c.deleted = 0 ORDER BY c.seq");
    // The log in its own order, each change kept when it is its document's head: no sort, so
    // memory stays flat however many records there are.
    st.bind(1, query.kind);
    st.bind(2, query.district);
    st.bind(3, query.changed_since);
    while (st.executeStep()) {
      const auto doc = readDocumentRow(st);
      const auto district = st.getColumn(9).getString(), received_at = st.getColumn(10).getString(),
                 created_by = st.getColumn(11).getString();
      row(HeadRow{doc, district, received_at, created_by});
    }
  }

  std::vector<std::string> idsWithNumber(const std::string& number) override {
    // From the reports' index (by number), and from the heads the index has not taken yet: a
    // million records are never read for it, and a record pushed a moment ago is found too.
    SQLite::Statement st(db_,
                         "SELECT doc_id FROM report_index WHERE kind IN ('inspection', 'report') AND number = ?1 "
                         "UNION SELECT c.doc_id FROM changes c JOIN documents d ON d.id = c.doc_id AND d.head_seq = c.seq "
                         "WHERE c.seq > CAST(coalesce((SELECT value FROM settings WHERE key = 'report_indexed_through'), 0) AS INTEGER) "
                         "AND c.kind IN ('inspection', 'report') AND json_extract(c.fields, '$._number') = ?1 "
                         "ORDER BY 1 LIMIT 10");
    st.bind(1, number);
    std::vector<std::string> ids;
    while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
    return ids;
  }

  std::vector<std::string> idsWithPrefix(const std::string& kind, const std::string& prefix, std::size_t limit) override {

    // By the ids' own order (`+kind` keeps SQLite from walking every document of the kind instead).
    SQLite::Statement st(db_, "SELECT id FROM documents WHERE +kind = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?");
    st.bind(1, kind);
    st.bind(2, prefix);
    st.bind(3, prefix + "~");
    st.bind(4, static_cast<std::int64_t>(limit));
    std::vector<std::string> ids;
    while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
    return ids;
  }

  Result<Document> amend(const std::string& id, const std::function<Result<Fields>(const Document& head)>& change,
                         const std::string& by) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto current = head(id);
    if (!current) return problem("Không có hồ sơ " + id + " trên máy chủ.", "There is no record " + id + " on the server.");
    auto fields = change(*current);
    if (!fields) return fields.problem();
    SQLite::Statement district(db_, "SELECT district FROM documents WHERE id = ?");
    district.bind(1, id);
    district.executeStep();
    Document doc = *current;
    doc.fields = std::move(fields.value());
    const auto scope = district.getColumn(0).isNull() ? std::string() : district.getColumn(0).getString();
    district.reset();
    appendServerRevision(doc, {current->revision}, by, nextServerStamp(current->stamp), scope);
    tx.commit();
    return head(id).value();
  }

  Result<std::string> resolveConflict(std::int64_t number, const ConflictDecision& decision, const std::string& by) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto found = conflicts({true, "", number});
    if (found.empty())
      return problem("Không có xung đột chưa giải quyết số " + std::to_string(number) + "; xem `conflicts list`.",
                     "There is no open conflict number " + std::to_string(number) + "; see `conflicts list`.");
    const auto& record = found.front();
    const auto current = head(record.doc_id);
    if (!current) return problem("Hồ sơ của xung đột không còn trên máy chủ.", "The conflict's record is no longer on the server.");
    const auto other = revision(record.doc_id, record.other().revision);
    auto resolved = resolvingRevision(record, decision, *current, other ? &*other : nullptr, by, kServerAuthor,
                                      nextServerStamp(current->stamp));
    if (!resolved) return resolved.problem();
    appendChange(resolved.value(), record.district, canonicalFieldsJson(resolved.value().fields));
    markResolved(record, resolved.value().revision, by);
    tx.commit();
    return resolved.value().revision;
  }

  PushOutcome applyPush(const Identity& who, const std::vector<CheckedEntry>& entries,
                        const PushJudge& judge) override {
    PushJob job{&who, &entries, &judge, {}};
    push_group_->run(job, [this](const std::vector<PushJob*>& jobs) {
      SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
      for (auto* j : jobs) j->outcome = applyInTransaction(*j->who, *j->entries, *j->judge);
      tx.commit();
    });
    return std::move(job.outcome);
  }

  protocol::SyncResponse pull(const PullScope& scope, std::int64_t cursor, std::uint32_t limit) override {
    // One read transaction, so the page and the cursor agree.
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement st(db_,
                         scope.whole_province
                             ? "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc, seq "
                               "FROM changes WHERE seq > ?1 AND device != ?2 AND (?5 OR kind != 'conflict') "
                               "ORDER BY seq LIMIT ?3"
                             // Two ordered range scans of changes_by_district, each stopping at the
                             // limit: with `district IS NULL OR district = ?` SQLite would gather
                             // every change of the district after the cursor and sort them.
                             : "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc, seq "
                               "FROM changes WHERE seq IN ("
                               "SELECT seq FROM (SELECT seq FROM changes WHERE district = ?4 AND seq > ?1 AND device != ?2 "
                               "AND (?5 OR kind != 'conflict') ORDER BY seq LIMIT ?3) UNION ALL "
                               "SELECT seq FROM (SELECT seq FROM changes WHERE district IS NULL AND seq > ?1 AND device != ?2 "
                               "AND (?5 OR kind != 'conflict') ORDER BY seq LIMIT ?3)) "
                               "ORDER BY seq LIMIT ?3");
    st.bind(1, cursor);
    st.bind(2, scope.device);
    st.bind(3, static_cast<std::int64_t>(limit) + 1);
    if (!scope.whole_province) st.bind(4, scope.district);
    st.bind(5, scope.conflicts ? 1 : 0);
    protocol::SyncResponse page;
    page.cursor = cursor;
    while (st.executeStep()) {
      if (page.changes.size() == limit) {
        page.last_page = false;
        break;
      }
      const auto seq = st.getColumn(9).getInt64();
      page.changes.push_back({seq, readDocumentAttributes(st), st.getColumn(2).getString()});
      page.cursor = seq;
    }
    if (page.last_page) {
      // Nothing more in scope: move the cursor past what others see, so the next sync starts there.
      page.cursor = std::max(cursor, db_.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64());
    }
    const auto who = identity();
    page.server_id = who.id;
    page.restored_seq = who.restored_seq;
    auto& mark = cached(select_pushed_through_, "SELECT pushed_through FROM devices WHERE id = ?");
    mark.bind(1, scope.device);
    page.device_seq = mark.executeStep() ? mark.getColumn(0).getInt64() : 0;
    mark.reset();
    tx.commit();
    return page;
  }

  ServerIdentity identity() override { return loadedIdentity(); }

  ServerIdentity restartHistory() override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto highest = db_.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
    setSetting("server_id", newDocumentId());
    setSetting("restored_seq", std::to_string(highest));
    // Console sessions were the old server's: their holders log in again.
    db_.exec("DELETE FROM console_sessions");
    tx.commit();
    identity_ = {};
    return identity();
  }

  // The secret halves of the server's keys live in owner-only files beside the database, not in
  // it: the database is open to analysts through its SQL views, and is what gets copied around.
  fs::path secretKeyFile(const char* name) const { return data_dir_ / "keys" / (std::string(name) + ".secret"); }

  std::optional<std::string> readSecretKey(const char* name) const {
    std::error_code ec;
    if (!fs::exists(secretKeyFile(name), ec)) return std::nullopt;
    return readWholeFile(secretKeyFile(name));
  }

  // Writes a secret key file whole or not at all (a partial file renamed once durable).
  void writeSecretKey(const char* name, const std::string& secret_hex) const {
    const auto file = secretKeyFile(name);
    makePrivateDir(file.parent_path());
    auto partial = file;
    partial += ".partial";
    std::error_code ec;
    fs::remove(partial, ec);
    appendDurably(partial, secret_hex);
    fs::rename(partial, file);
  }

  Keys serverKeys() override {
    auto read = [&]() -> std::optional<Keys> {
      const auto sealing_public = setting("sealing_public"), signing_public = setting("signing_public");
      const auto sealing_secret = readSecretKey("sealing"), signing_secret = readSecretKey("signing");
      if (!sealing_public || !sealing_secret || !signing_public || !signing_secret) return std::nullopt;
      return Keys{{*sealing_public, *sealing_secret}, {*signing_public, *signing_secret}};
    };
    // A database from before the keys had files: their secrets move out of it, kept the same.
    auto moveOutOfDatabase = [&] {
      const auto sealing_secret = setting("sealing_secret"), signing_secret = setting("signing_secret");
      if (!sealing_secret || !signing_secret) return;
      writeSecretKey("sealing", *sealing_secret);
      writeSecretKey("signing", *signing_secret);
      db_.exec("DELETE FROM settings WHERE key IN ('sealing_secret', 'signing_secret')");
    };
    if (auto keys = read(); keys && !setting("sealing_secret")) return *keys;
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    moveOutOfDatabase();
    if (auto keys = read()) {  // kept, moved, or made by another process meanwhile
      tx.commit();
      return *keys;
    }
    const Keys keys{newSealingKeys(), newSigningKeys()};
    writeSecretKey("sealing", keys.sealing.secret_hex);
    writeSecretKey("signing", keys.signing.secret_hex);
    setSetting("sealing_public", keys.sealing.public_hex);
    setSetting("signing_public", keys.signing.public_hex);
    tx.commit();
    return keys;
  }

  protocol::UploadState uploadState(const std::string& sha256, const std::string& device) override {
    // Whole when this device sent it whole; otherwise what this device's own upload holds:
    // whether anyone else sent it is not the caller's to know.
    SQLite::Statement held(db_,
                           "SELECT u.size FROM attachment_holders h JOIN uploads u ON u.sha256 = h.sha256 AND u.complete = 1 "
                           "WHERE h.sha256 = ?1 AND h.device = ?2 LIMIT 1");
    held.bind(1, sha256);
    held.bind(2, device);
    if (held.executeStep()) return {static_cast<std::uint64_t>(held.getColumn(0).getInt64()), true};
    SQLite::Statement own(db_, "SELECT received FROM uploads WHERE sha256 = ? AND device = ? AND complete = 0");
    own.bind(1, sha256);
    own.bind(2, device);
    if (!own.executeStep()) return {};
    return {static_cast<std::uint64_t>(own.getColumn(0).getInt64()), false};
  }

  // Drops uploads nobody has added to for the tuning's time, with what they held: an upload
  // started and abandoned (or started to get in the way) does not wait forever. Its own
  // transaction: a file is gone once its row is (a row whose file is gone starts again).
  void expireUploads() {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement old(db_,
                          "DELETE FROM uploads WHERE complete = 0 AND updated_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) "
                          "RETURNING sha256, device");
    old.bind(1, "-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(tuning::kUploadExpiry).count()) + " seconds");
    std::vector<fs::path> files;
    while (old.executeStep()) files.push_back(partialUpload(old.getColumn(0).getString(), old.getColumn(1).getString()));
    old.reset();
    tx.commit();
    for (const auto& file : files) {
      std::error_code ec;
      fs::remove(file, ec);
    }
  }

  fs::path partialUpload(const std::string& sha256, const std::string& device) const {
    return data_dir_ / "uploads" / (sha256 + "." + device + ".part");
  }

  Result<UploadOutcome> appendUpload(const Identity& who, const std::string& sha256, std::uint64_t offset,
                                             std::uint64_t size, const std::string& media_type, std::string_view chunk,
                                             const std::string& chunk_sha256) override {
    if (size == 0 || size > tuning::kMaxAttachmentBytes) return attachmentTooLarge(size);
    if (chunk.empty() || chunk.size() > tuning::kMaxUploadChunkBytes || sha256Hex(chunk) != chunk_sha256)
      return problem("Một phần của ảnh bị hỏng trên đường truyền; phần đó sẽ được gửi lại.",
                     "A piece of the photo was damaged in transit; that piece will be sent again.");
    expireUploads();
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (const auto held = uploadState(sha256, who.device); held.complete) return UploadOutcome{held, false};
    // This device's own upload: what others started, with whatever they claimed, is theirs; and a
    // copy another device sent whole does not count for this one (it shows it holds the photo by
    // sending it).
    SQLite::Statement row(db_, "SELECT size, media_type, received FROM uploads WHERE sha256 = ? AND device = ?");
    row.bind(1, sha256);
    row.bind(2, who.device);
    std::uint64_t received = 0;
    if (row.executeStep()) {
      if (static_cast<std::uint64_t>(row.getColumn(0).getInt64()) != size || row.getColumn(1).getString() != media_type)
        return problem("Kích thước hay loại ảnh khác lần gửi trước.", "The photo's size or type differs from the earlier upload.");
      received = static_cast<std::uint64_t>(row.getColumn(2).getInt64());
    } else {
      if ((media_type != "image/jpeg" && media_type != "image/png") || offset != 0 || imageMediaType(chunk) != media_type)
        return problem("Tệp gửi lên không phải ảnh JPEG hay PNG.", "The upload is not a JPEG or PNG image.");
      SQLite::Statement start(db_, "INSERT INTO uploads(sha256, device, size, media_type, started_by) VALUES (?,?,?,?,?)");
      start.bind(1, sha256);
      start.bind(2, who.device);
      start.bind(3, static_cast<std::int64_t>(size));
      start.bind(4, media_type);
      start.bind(5, who.user);
      start.exec();
    }
    row.reset();
    if (offset != received) return UploadOutcome{{received, false}, false};  // the caller resumes from there
    if (received + chunk.size() > size)
      return problem("Ảnh gửi lên dài hơn kích thước đã báo.", "The upload is longer than its stated size.");
    const auto partial = partialUpload(sha256, who.device);
    makePrivateDir(partial.parent_path());
    {
      // What the table says was received is what was checked; a tail beyond it (a crash after
      // the write, before the commit) is cut off first.
      std::error_code ec;
      if (received > 0 && (!fs::exists(partial, ec) || fs::file_size(partial, ec) < received)) received = 0;
      if (received == 0 && offset != 0) return UploadOutcome{{0, false}, false};
      fs::resize_file(partial, received, ec);  // fails harmlessly when the file does not exist yet
      appendDurably(partial, chunk);
    }
    received += chunk.size();
    bool complete = false;
    if (received == size) {
      // A whole that fails its checks drops what this device's copy held, by `sql` on its row
      // (started again, or ended), and says why.
      auto dropCopy = [&](const char* sql, Problem why) {
        std::error_code ec;
        fs::remove(partial, ec);
        SQLite::Statement drop(db_, sql);
        drop.bind(1, sha256);
        drop.bind(2, who.device);
        drop.exec();
        tx.commit();
        return why;
      };
      const auto whole = readWholeFile(partial);
      if (sha256Hex(whole) != sha256)
        return dropCopy("UPDATE uploads SET received = 0 WHERE sha256 = ? AND device = ?",
                        problem("Ảnh nhận được không khớp mã SHA-256 của nó; sẽ gửi lại từ đầu.",
                                "The photo received does not match its SHA-256; it will be sent again from the start."));
      // Its name matches: sending it again would bring the same bytes. Refused for good.
      if (!isWholeImage(whole, media_type))
        return dropCopy("DELETE FROM uploads WHERE sha256 = ? AND device = ?",
                        problem("Tệp gửi lên không phải ảnh JPEG hay PNG trọn vẹn (hỏng, bị cắt, hoặc chỉ có phần đầu giống ảnh).",
                                "The upload is not a whole JPEG or PNG image (damaged, cut short, or only its beginning looks like one)."));
      const auto target = data_dir_ / "attachments" / sha256.substr(0, 2) / sha256;
      makePrivateDir(target.parent_path());
      std::error_code ec;
      if (fs::exists(target, ec)) fs::remove(partial, ec);  // another device's copy: the same bytes
      else fs::rename(partial, target);
      complete = true;
      SQLite::Statement holder(db_, "INSERT OR IGNORE INTO attachment_holders(sha256, device) VALUES (?, ?)");
      holder.bind(1, sha256);
      holder.bind(2, who.device);
      holder.exec();
    }
    SQLite::Statement update(db_,
                             "UPDATE uploads SET received = ?, complete = ?, "
                             "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE sha256 = ? AND device = ?");
    update.bind(1, static_cast<std::int64_t>(received));
    update.bind(2, complete ? 1 : 0);
    update.bind(3, sha256);
    update.bind(4, who.device);
    update.exec();
    if (complete) audit(who.user, who.device, "attachment", sha256 + " " + std::to_string(size) + " bytes");
    tx.commit();
    return UploadOutcome{{received, complete}, true};
  }

  std::optional<std::pair<fs::path, std::string>> attachmentFile(const PullScope& scope, const std::string& sha256) override {
    // Through a record in scope whose device held the photo when it named it.
    SQLite::Statement st(db_,
                         "SELECT u.media_type FROM attachment_refs r "
                         "JOIN attachment_holders h ON h.sha256 = r.sha256 AND h.device = r.device "
                         "JOIN uploads u ON u.sha256 = r.sha256 AND u.complete = 1 "
                         "WHERE r.sha256 = ?1 AND (?2 OR r.district = ?3 OR r.district IS NULL) LIMIT 1");
    st.bind(1, sha256);
    st.bind(2, scope.whole_province ? 1 : 0);
    st.bind(3, scope.district);
    if (!st.executeStep()) return std::nullopt;
    return std::pair{data_dir_ / "attachments" / sha256.substr(0, 2) / sha256, st.getColumn(0).getString()};
  }

  std::vector<WaitingAttachment> waitingAttachments() override {
    SQLite::Statement st(db_,
                         "SELECT r.sha256, r.doc_id, coalesce(r.district, ''), r.size, "
                         "coalesce((SELECT max(received) FROM uploads u WHERE u.sha256 = r.sha256), 0) "
                         "FROM attachment_refs r "
                         "WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = r.sha256 AND u.complete = 1) ORDER BY r.seq");
    std::vector<WaitingAttachment> out;
    while (st.executeStep())
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                     static_cast<std::uint64_t>(st.getColumn(3).getInt64()), static_cast<std::uint64_t>(st.getColumn(4).getInt64())});
    return out;
  }

  std::vector<Document> heads(const std::string& kind) override {
    SQLite::Statement st(db_,
                         "SELECT c.doc_id, c.kind, c.fields, c.revision, c.parents, c.deleted, c.author, c.device, c.hlc "
                         "FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.kind = ? ORDER BY d.id");
    st.bind(1, kind);
    std::vector<Document> out;
    while (st.executeStep()) out.push_back(readDocumentRow(st));
    return out;
  }

  InspectionPage listInspections(const InspectionQuery& query) override {
    // SQLite's planner cannot weigh a LIMIT: left to itself it sorts a million rows for a page, or
    // walks an order's index past a million rows to find a rare state. So the index is chosen
    // here (schema 11's): the filters fixed by equality, the order, and whether the filters keep
    // few rows (the capped count, read first) decide.
    struct Index {
      const char* name;
      std::vector<const char*> columns;  // after kind
    };
    static const Index kIndexes[] = {{"inspections_by_district_state", {"district", "state", "day"}},
                                     {"inspections_by_establishment", {"subject", "day"}},
                                     {"inspections_by_inspector", {"inspector", "day"}},
                                     {"inspections_by_district", {"district", "day"}},
                                     {"inspections_by_state", {"state", "day"}},
                                     {"inspections_by_district_number", {"district", "number"}},
                                     {"inspections_by_district_inspector", {"district", "inspector", "day"}},
                                     {"inspections_by_inspector_number", {"inspector", "number"}},
                                     {"inspections_by_state_number", {"state", "number"}},
                                     {"inspections_by_district_state_number", {"district", "state", "number"}},
                                     {"inspections_by_state_district", {"state", "district", "day"}},
                                     {"inspections_by_state_inspector", {"state", "inspector", "day"}},
                                     {"inspections_by_number", {"number"}},
                                     {"inspections_by_day", {"day"}}};
    std::map<std::string, const std::string*> equal;
    std::string where = "kind = 'inspection'";
    std::vector<const std::string*> values;
    auto filter = [&](const char* column, const char* op, const std::string& value) {
      if (value.empty()) return;
      where += std::string(" AND ") + column + op + "?";
      values.push_back(&value);
      if (std::string_view(op) == " = ") equal[column] = &value;
    };
    filter("district", " = ", query.district);
    filter("state", " = ", query.state);
    filter("day", " >= ", query.day_from);
    filter("day", " <= ", query.day_to);
    filter("subject", " = ", query.establishment);
    filter("inspector", " = ", query.inspector);
    const bool day_range = !query.day_from.empty() || !query.day_to.empty();
    using Sort = InspectionQuery::Sort;
    const std::vector<const char*> sorted =
        query.sort == Sort::kNumber      ? std::vector{"number"}
        : query.sort == Sort::kState     ? std::vector{"state", "day"}
        : query.sort == Sort::kDistrict  ? std::vector{"district", "day"}
        : query.sort == Sort::kInspector ? std::vector{"inspector", "day"}
                                         : std::vector{"day"};
    // The order that remains once the columns fixed by equality are left out.
    std::vector<std::string> order_rest;
    for (const auto* c : sorted)
      if (!equal.count(c)) order_rest.push_back(c);
    // An index's score: two for each of its leading columns fixed by equality, one more when the
    // day range then narrows it.
    const Index* serving = nullptr;   // the best that gives the order as it is read
    const Index* filtering = nullptr; // the best at narrowing, whatever its order
    int serving_score = -1, filtering_score = -1;
    for (const auto& index : kIndexes) {
      std::size_t fixed = 0;
      while (fixed < index.columns.size() && equal.count(index.columns[fixed])) ++fixed;
      const int score = static_cast<int>(2 * fixed) +
                        (day_range && fixed < index.columns.size() && std::string_view(index.columns[fixed]) == "day" ? 1 : 0);
      bool gives_order = index.columns.size() - fixed >= order_rest.size();
      for (std::size_t k = 0; gives_order && k < order_rest.size(); ++k) gives_order = order_rest[k] == index.columns[fixed + k];
      // The index must end where the order does, or its next column would break the tie-break.
      gives_order = gives_order && index.columns.size() - fixed == order_rest.size();
      if (gives_order && score > serving_score) serving = &index, serving_score = score;
      if (score > filtering_score) filtering = &index, filtering_score = score;
    }
    auto bindAll = [&](SQLite::Statement& st) {
      int i = 0;
      for (const auto* v : values) st.bind(++i, *v);
      return i;
    };
    InspectionPage page;
    // Counted through the narrowest index, and no further than the cap: a million rows are never counted.
    SQLite::Statement count(db_, std::string("SELECT count(*) FROM (SELECT 1 FROM report_index INDEXED BY ") + filtering->name +
                                     " WHERE " + where + " LIMIT ?)");
    int i = bindAll(count);
    count.bind(++i, static_cast<std::int64_t>(query.count_up_to) + 1);
    count.executeStep();
    const auto counted = static_cast<std::size_t>(count.getColumn(0).getInt64());
    page.total_capped = counted > query.count_up_to;
    page.total = std::min(counted, query.count_up_to);
    // Few rows: sorted after the narrowest index found them. Many: read along the order's index
    // (sorting thousands of rows costs more than skipping the ones the filter drops on the way).
    const Index* use =
        serving && (serving_score >= filtering_score || page.total > tuning::kInspectionsSortedAtMost) ? serving : filtering;
    std::string order;
    for (const auto* column : sorted) order += std::string(column) + (query.descending ? " DESC, " : " ASC, ");
    order += query.descending ? "shard DESC, doc_id DESC" : "shard ASC, doc_id ASC";
    // A day range read along an index that begins with the district is read district by district
    // (a seek into each one's range), not through every district's whole year.
    std::vector<std::string> districts;
    if (day_range && !equal.count("district") && std::string_view(use->columns[0]) == "district") {
      SQLite::Statement next(db_, "SELECT district FROM report_index INDEXED BY inspections_by_district "
                                  "WHERE kind = 'inspection' AND district > ? ORDER BY district LIMIT 1");
      for (std::string after;;) {
        next.bind(1, after);
        if (!next.executeStep()) break;
        districts.push_back(after = next.getColumn(0).getString());
        next.reset();
      }
      std::string in;
      for (std::size_t k = 0; k < districts.size(); ++k) in += k ? ",?" : "?";
      where += " AND district IN (" + in + ")";
    }
    SQLite::Statement rows(db_, std::string("SELECT doc_id, number, district, subject, state, day, inspector, updated_at "
                                            "FROM report_index INDEXED BY ") +
                                    use->name + " WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?");
    i = bindAll(rows);
    for (const auto& d : districts) rows.bind(++i, d);
    rows.bind(++i, static_cast<std::int64_t>(query.limit));
    rows.bind(++i, static_cast<std::int64_t>(query.offset));
    while (rows.executeStep())
      page.rows.push_back({rows.getColumn(0).getString(), rows.getColumn(1).getString(), rows.getColumn(2).getString(),
                           rows.getColumn(3).getString(), rows.getColumn(4).getString(), rows.getColumn(5).getString(),
                           rows.getColumn(6).getString(), rows.getColumn(7).getString()});
    return page;
  }

  std::vector<RevisionEntry> history(const std::string& id) override {
    SQLite::Statement st(db_,
                         "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc, received_at "
                         "FROM changes WHERE doc_id = ? ORDER BY seq");
    st.bind(1, id);
    std::vector<RevisionEntry> out;
    while (st.executeStep()) out.push_back({readDocumentRow(st), st.getColumn(9).getString()});
    return out;
  }

  std::vector<AuditEntry> auditEntries(const AuditQuery& query) override {
    // The user's filter is a plain comparison (index audit_by_user); an action's prefix is compared
    // as bytes (LIKE would take '_' and '%' for patterns and fold case).
    std::string sql = "SELECT id, at, user, device, action, detail FROM audit WHERE 1";
    if (!query.user.empty()) sql += " AND user = ?1";
    if (!query.action.empty()) sql += " AND substr(action, 1, length(?2)) = ?2";
    if (query.before_id > 0) sql += " AND id < ?3";
    SQLite::Statement st(db_, sql + " ORDER BY id DESC LIMIT ?4");
    if (!query.user.empty()) st.bind(1, query.user);
    if (!query.action.empty()) st.bind(2, query.action);
    if (query.before_id > 0) st.bind(3, query.before_id);
    st.bind(4, static_cast<std::int64_t>(query.limit));
    std::vector<AuditEntry> out;
    while (st.executeStep())
      out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                     st.getColumn(3).getString(), st.getColumn(4).getString(), st.getColumn(5).getString()});
    return out;
  }

  fs::path scratchFolder() override { return data_dir_ / "tmp"; }

  std::size_t documentCount(const std::string& kind) override {
    SQLite::Statement st(db_, "SELECT count(*) FROM documents WHERE kind = ?");
    st.bind(1, kind);
    st.executeStep();
    return static_cast<std::size_t>(st.getColumn(0).getInt64());
  }

  // Along the primary key from `seq` on: a scrape reads only the changes since the last one. The
  // log's end is read in the same statement, so nothing appended between is missed or counted twice.
  ActivityCounts activitySince(std::int64_t seq) override {
    SQLite::Statement st(db_,
                         "SELECT count(*) FILTER (WHERE device NOT IN ('server', 'console', 'cli')), "
                         "count(*) FILTER (WHERE author = 'server' AND kind != 'conflict' AND parents LIKE '[%,%]'), "
                         "count(*) FILTER (WHERE kind = 'conflict' AND parents = '[]'), "
                         "(SELECT coalesce(max(seq), 0) FROM changes) "
                         "FROM changes WHERE seq > ?");
    st.bind(1, seq);
    st.executeStep();
    return {st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64(), st.getColumn(3).getInt64()};
  }

  // The conflict documents through documents_by_kind, each head by its sequence.
  std::int64_t parkedChangeCount() override { return db_.execAndGet("SELECT count(*) FROM parked_changes").getInt64(); }

  std::int64_t openConflictCount() override {
    SQLite::Statement st(db_,
                         "SELECT count(*) FROM documents d JOIN changes c ON c.seq = d.head_seq "
                         "WHERE d.kind = 'conflict' AND json_extract(c.fields, '$.status') = 'open'");
    st.executeStep();
    return st.getColumn(0).getInt64();
  }

  std::uint64_t storageBytes() override {
    const auto file = data_dir_ / "provincial.db";
    std::uint64_t total = 0;
    for (const auto& part : {file, fs::path(file.string() + "-wal")}) {
      std::error_code ec;
      const auto size = fs::file_size(part, ec);
      if (!ec) total += size;
    }
    return total;
  }

  void addConsoleSession(const std::string& token_hash, const std::string& user, const std::string& csrf,
                         std::int64_t now_ms) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Sessions that ended by time go as new ones begin, so the table holds only live ones.
    SQLite::Statement forget(db_, "DELETE FROM console_sessions WHERE last_seen_ms < ? OR created_ms < ?");
    forget.bind(1, now_ms - msOf(tuning::kConsoleIdleTimeout));
    forget.bind(2, now_ms - msOf(tuning::kConsoleSessionLifetime));
    forget.exec();
    SQLite::Statement st(db_,
                         "INSERT INTO console_sessions(token_hash, user, csrf, created_ms, last_seen_ms) VALUES (?,?,?,?,?)");
    st.bind(1, token_hash);
    st.bind(2, user);
    st.bind(3, csrf);
    st.bind(4, now_ms);
    st.bind(5, now_ms);
    st.exec();
    tx.commit();
  }

  std::optional<ConsoleSession> consoleSession(const std::string& token_hash, std::int64_t now_ms) override {
    SQLite::Statement st(db_,
                         "SELECT u.name, u.role, u.district, u.revoked, u.created_at, u.must_change_password, "
                         "s.csrf, s.created_ms, s.last_seen_ms "
                         "FROM console_sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ?");
    st.bind(1, token_hash);
    if (!st.executeStep()) return std::nullopt;
    ConsoleSession session{readUser(st), st.getColumn(6).getString(), st.getColumn(7).getInt64(), st.getColumn(8).getInt64()};
    st.reset();
    const bool idle = now_ms - session.last_seen_ms >= msOf(tuning::kConsoleIdleTimeout);
    const bool old = now_ms - session.created_ms >= msOf(tuning::kConsoleSessionLifetime);
    if (idle || old || session.user.revoked) {
      endConsoleSession(token_hash);
      return std::nullopt;
    }
    if (now_ms - session.last_seen_ms >= msOf(tuning::kConsoleSeenWriteInterval)) {
      SQLite::Statement seen(db_, "UPDATE console_sessions SET last_seen_ms = ? WHERE token_hash = ?");
      seen.bind(1, now_ms);
      seen.bind(2, token_hash);
      seen.exec();
      session.last_seen_ms = now_ms;
    }
    return session;
  }

  void endConsoleSession(const std::string& token_hash) override {
    SQLite::Statement st(db_, "DELETE FROM console_sessions WHERE token_hash = ?");
    st.bind(1, token_hash);
    st.exec();
  }

  Result<User> setPassword(const std::string& name, const std::string& password_hash, bool one_time,
                           const std::string& keep_session) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(db_, "UPDATE users SET password_hash = ?, must_change_password = ? WHERE name = ?");
    st.bind(1, password_hash);
    st.bind(2, one_time ? 1 : 0);
    st.bind(3, name);
    if (st.exec() == 0) return problem("Không có người dùng “" + name + "”.", "There is no user “" + name + "”.");
    SQLite::Statement sessions(db_, "DELETE FROM console_sessions WHERE user = ? AND token_hash <> ?");
    sessions.bind(1, name);
    sessions.bind(2, keep_session);
    sessions.exec();
    tx.commit();
    return userWithHash(name)->first;
  }

  void deviceSeen(const std::string& device_id, std::int64_t now_ms) override {
    // The stored text has a second's precision: a minute before now, in the same form, is a
    // plain comparison of texts. Read first: a write, even of nothing, would take the lock that
    // pushes wait for, at every sync.
    constexpr const char* kStale = "(last_seen_at IS NULL OR last_seen_at < strftime('%Y-%m-%dT%H:%M:%SZ', (?1 - ?3) / 1000, 'unixepoch'))";
    SQLite::Statement stale(db_, std::string("SELECT 1 FROM devices WHERE id = ?2 AND ") + kStale);
    stale.bind(1, now_ms);
    stale.bind(2, device_id);
    stale.bind(3, msOf(tuning::kConsoleSeenWriteInterval));
    if (!stale.executeStep()) return;
    stale.reset();
    SQLite::Statement st(db_, std::string("UPDATE devices SET last_seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?1 / 1000, 'unixepoch') "
                                          "WHERE id = ?2 AND ") + kStale);
    st.bind(1, now_ms);
    st.bind(2, device_id);
    st.bind(3, msOf(tuning::kConsoleSeenWriteInterval));
    st.exec();
  }

  // Rows a schema-2 database recorded in its conflicts table become records, one per merge.
  // Uploads in progress under schema 5's rule were files uploads/SHA256.part; schema 6 dropped
  // their rows (they start again per device), and their files go here.
  void removeLegacyUploads() {
    std::error_code ec;
    for (fs::directory_iterator it(data_dir_ / "uploads", ec), end; !ec && it != end; it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (name.size() == 64 + 5 && name.ends_with(".part") && isSha256Hex(name.substr(0, 64))) {
        std::error_code ignored;
        fs::remove(it->path(), ignored);
      }
    }
  }

  void convertLegacyConflicts() {
    if (!db_.tableExists("conflicts_v2")) return;
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (!db_.tableExists("conflicts_v2")) return;  // another process converted them meanwhile
    SQLite::Statement st(db_,
                         "SELECT field, base, winner_value, winner_deleted, winner_revision, winner_author, winner_device, "
                         "winner_hlc, other_value, other_deleted, other_revision, other_author, other_device, other_hlc, "
                         "c.doc_id, coalesce(c.district, ''), c.merge_revision, d.kind, c.resolved_by "
                         "FROM conflicts_v2 c JOIN documents d ON d.id = c.doc_id ORDER BY c.merge_revision, c.id");
    auto value = [&](int column) { return storedValue(st.getColumn(column)); };
    auto side = [&](int first) {
      return ConflictSide{value(first), st.getColumn(first + 1).getInt() != 0, st.getColumn(first + 2).getString(),
                          st.getColumn(first + 3).getString(), st.getColumn(first + 4).getString(),
                          HybridTimestamp::parse(st.getColumn(first + 5).getString()).value_or(HybridTimestamp{})};
    };
    std::vector<ConflictRecord> records;
    while (st.executeStep()) {
      const auto merge_revision = st.getColumn(16).getString();
      if (records.empty() || records.back().merge_revision != merge_revision) {
        ConflictRecord r;
        r.doc_id = st.getColumn(14).getString();
        r.district = st.getColumn(15).getString();
        r.merge_revision = merge_revision;
        r.doc_kind = st.getColumn(17).getString();
        r.resolved = !st.getColumn(18).isNull();
        if (r.resolved) r.resolution = st.getColumn(18).getString();
        records.push_back(std::move(r));
      }
      records.back().conflicts.push_back({st.getColumn(0).getString(), value(1), side(2), side(8)});
    }
    st.reset();
    for (auto& record : records) {
      if (const auto merge = revision(record.doc_id, record.merge_revision)) record.recorded = merge->stamp;
      if (record.resolved) record.resolved_by = kServerAuthor;
      recordConflicts(std::move(record));
    }
    db_.exec("DROP TABLE conflicts_v2");
    tx.commit();
  }

 private:
  // A revision of a document from the provincial log, or nullopt.
  std::optional<Document> revision(const std::string& id, const std::string& revision_id) {
    SQLite::Statement st(db_,
                         "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc "
                         "FROM changes WHERE doc_id = ? AND revision = ?");
    st.bind(1, id);
    st.bind(2, revision_id);
    if (!st.executeStep()) return std::nullopt;
    return readDocumentRow(st);
  }

  // Makes `doc` (its id, kind, fields and deletion as they should stand) the head as a revision the
  // server writes: from the device "server", so that every laptop pulls it, by `author` at
  // `stamp`, with `parents`. Returns its revision id. Runs inside the caller's transaction.
  std::string appendServerRevision(Document doc, std::vector<std::string> parents, const std::string& author,
                                   HybridTimestamp stamp, const std::string& district) {
    doc.parents = std::move(parents);
    doc.author = author;
    doc.device = kServerAuthor;
    doc.stamp = stamp;
    doc.revision = computeRevision(doc);
    appendChange(doc, district, canonicalFieldsJson(doc.fields));
    return doc.revision;
  }

  // A stamp for a revision the server writes now, after one stamped `after`: by the server's own
  // clock, so that a laptop's stamp ahead of it never travels on in the server's revisions.
  static HybridTimestamp nextServerStamp(const HybridTimestamp& after) {
    const auto now = wallClockMs();
    return HybridClock(orderingStamp(after, now)).tick(now);
  }

  // When the server took a revision, by its own clock (ms since the epoch).
  std::int64_t receivedMs(const std::string& doc_id, const std::string& revision) {
    auto& st = cached(select_received_,
                      "SELECT CAST(strftime('%s', received_at) AS INTEGER) * 1000 + CAST(substr(received_at, 21, 3) AS INTEGER) "
                      "FROM changes WHERE doc_id = ? AND revision = ?");
    st.bind(1, doc_id);
    st.bind(2, revision);
    const auto ms = st.executeStep() ? st.getColumn(0).getInt64() : wallClockMs();
    st.reset();
    return ms;
  }

  // Writes a new conflict record (its first revision, from the server), numbered next: numbers
  // count the province's records (a counter in settings, started from the records there are),
  // and the write lock makes them unique.
  void recordConflicts(ConflictRecord record) {
    record.id = newDocumentId();
    auto& next = cached(next_conflict_number_,
                        "INSERT INTO settings(key, value) "
                        "VALUES ('conflict_records', (SELECT count(*) + 1 FROM documents WHERE kind = 'conflict')) "
                        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER)");
    next.executeStep();
    record.number = next.getColumn(0).getInt64();
    next.reset();
    const auto district = record.district;
    Document doc{record.id, std::string(kinds::kConflict), record.toFields(), {}, {}, false, {}, {}, {}};
    appendServerRevision(std::move(doc), {}, kServerAuthor, record.recorded, district);
  }

  // Marks an open record resolved by `resolution`, decided by `by`: a new revision of the record,
  // so every supervisor's laptop learns it.
  void markResolved(ConflictRecord record, const std::string& resolution, const std::string& by) {
    const auto current = head(record.id);
    if (!current) return;
    record.resolved = true;
    record.resolved_by = by;
    record.resolution = resolution;
    Document doc = *current;
    doc.fields = record.toFields();
    appendServerRevision(std::move(doc), {current->revision}, by, nextServerStamp(current->stamp), record.district);
  }

  // A revision from a role that decides conflicts, with the other side of open records of its
  // document among its parents, resolves them. Runs inside the push transaction.
  void resolveByRevision(const Document& doc, const std::string& by) {
    if (doc.parents.size() < 2) return;
    for (const auto& record : conflicts({true, doc.id, 0}))
      if (std::find(doc.parents.begin(), doc.parents.end(), record.other().revision) != doc.parents.end())
        markResolved(record, doc.revision, by);
  }

  // `incoming` was written against `base` while `head` became the server's head: both stay in
  // the log, and a merge of the two (parents: both) becomes the head, its conflicts recorded.
  // The provisional winner is decided by stamps bounded by when each revision reached the server
  // (orderingStamp), so a laptop's clock ahead of the server's wins nothing by it. The merge is
  // the server's, from the device "server", stamped by the server's clock after the two, so every
  // device (the pushing one too) pulls it. Runs inside the push transaction.
  void mergeIntoHead(const Document& base, const Document& head, const Document& incoming, const std::string& incoming_json,
                     const std::string& district) {
    const auto now = wallClockMs();
    const auto head_order = orderingStamp(head.stamp, receivedMs(head.id, head.revision));
    const auto incoming_order = orderingStamp(incoming.stamp, now);
    appendChange(incoming, district, incoming_json, false);
    auto merged = mergeRevisions(base, head, incoming, winsOver(head, head_order, incoming, incoming_order));
    Document result = head;
    result.fields = std::move(merged.fields);
    result.deleted = merged.deleted;
    const auto stamp = nextServerStamp(std::max(head_order, incoming_order));
    const auto merge_revision = appendServerRevision(std::move(result), {head.revision, incoming.revision}, kServerAuthor, stamp, district);
    if (merged.conflicts.empty()) return;
    ConflictRecord record;
    record.doc_id = head.id;
    record.doc_kind = head.kind;
    record.district = district;
    record.base_revision = base.revision;
    record.merge_revision = merge_revision;
    record.conflicts = std::move(merged.conflicts);
    record.recorded = stamp;
    recordConflicts(std::move(record));
  }

  struct PushJob {
    const Identity* who;
    const std::vector<CheckedEntry>* entries;
    const PushJudge* judge;
    PushOutcome outcome;
  };

  // One device's batch, inside the caller's transaction (see applyPush).
  PushOutcome applyInTransaction(const Identity& who, const std::vector<CheckedEntry>& entries, const PushJudge& judge) {
    const auto& device = who.device;
    SQLite::Statement mark(db_, "SELECT pushed_through FROM devices WHERE id = ?");
    mark.bind(1, device);
    std::int64_t pushed_through = mark.executeStep() ? mark.getColumn(0).getInt64() : 0;
    mark.reset();
    // Other documents a batch refers to (its establishments) are read once per batch.
    HeadCache referenced;
    const auto lookup = cachingLookup(referenced, [this](const std::string& id) { return head(id); });
    auto record = [&](const protocol::Refusal& refusal) { recordRefusal(device, refusal); };
    std::int64_t lowest = INT64_MAX, highest = pushed_through;
    for (const auto& checked : entries) {
      const auto& entry = checked.entry;
      lowest = std::min(lowest, entry.seq);
      if (entry.seq <= pushed_through) continue;
      highest = std::max(highest, entry.seq);
      if (checked.refusal) {
        record(*checked.refusal);
        continue;
      }
      if (auto refusal = applyEntry(who, entry, checked.fields_json, judge, lookup)) record(*refusal);
    }
    SQLite::Statement advance(db_, "UPDATE devices SET pushed_through = ? WHERE id = ?");
    advance.bind(1, highest);
    advance.bind(2, device);
    advance.exec();
    PushOutcome outcome;
    outcome.acked_through = highest;
    if (!entries.empty()) {
      // Refusals of this batch's entries, also those recorded when the batch came before, so a
      // lost response never turns a refusal into a silent acceptance.
      SQLite::Statement refused(db_,
                                "SELECT seq, doc_id, code, reason_vi, reason_en FROM refusals "
                                "WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq");
      refused.bind(1, device);
      refused.bind(2, lowest);
      refused.bind(3, highest);
      while (refused.executeStep()) outcome.refused.push_back(readRefusalRow(refused));
      audit(who.user, device, "push",
            std::to_string(entries.size()) + " entries, acked through " + std::to_string(highest) + ", " +
                std::to_string(outcome.refused.size()) + " refused");
    }
    return outcome;
  }

  // Judges `entry`, pushed by `who`, against its document's current head and applies it as
  // decided: appended, or merged into the head against its base. Returns its refusal; nullopt
  // when applied, already here, or parked (on a restored server, when the log lacks its base and
  // no revision in it descends from that base). Each revision appended retries the entries parked
  // on its document. Runs inside the push transaction.
  std::optional<protocol::Refusal> applyEntry(const Identity& who, const protocol::PushEntry& entry,
                                              const std::string& fields_json, const PushJudge& judge,
                                              const HeadLookup& lookup) {
    const auto& doc = entry.doc;
    const auto current = head(doc.id);
    if (current && current->revision == doc.revision) return std::nullopt;  // already here
    // A restored server may lack the base: a revision another laptop sent after the backup and
    // has not sent again yet. It is needed unless the head is this device's own (a fast-forward).
    std::optional<Document> stand_in;  // the base to merge against when the base itself never comes
    if (loadedIdentity().restored_seq > 0 && !entry.base_revision.empty() && !(current && current->revision == entry.base_revision) &&
        !holdsRevision(doc.id, entry.base_revision)) {
      if (descendsFrom(doc.id, entry.base_revision)) {
        // Its author sent a later revision of its own instead, with the base's changes in it: the
        // nearest common ancestor the server has is the empty document, so every field both sides
        // set differently becomes a conflict a supervisor decides, and nothing is lost.
        stand_in = Document{doc.id, doc.kind, {}, {}, {}, false, {}, {}, {}};
      } else if (!current || current->device != who.device) {
        park(who, entry, fields_json);
        return std::nullopt;
      }
    }
    const auto decision = judge(who, entry, current, lookup);
    if (!decision.accept) return decision.refusal;
    if (!decision.merge) {
      appendChange(doc, decision.district, fields_json);
    } else if (const auto base = stand_in ? stand_in : revision(doc.id, entry.base_revision)) {
      mergeIntoHead(*base, *current, doc, fields_json, decision.district);
    } else {
      return protocol::Refusal{entry.seq, doc.id, "unknown_base",
                               {"Máy chủ không có bản ghi mà thay đổi này dựa vào.",
                                "The server does not have the record this change is based on."}};
    }
    if (decision.may_resolve) resolveByRevision(doc, who.user);
    retryParked(doc.id, judge, lookup);
    return std::nullopt;
  }

  bool holdsRevision(const std::string& doc_id, const std::string& revision_id) {
    SQLite::Statement st(db_, "SELECT 1 FROM changes WHERE doc_id = ? AND revision = ?");
    st.bind(1, doc_id);
    st.bind(2, revision_id);
    return st.executeStep();
  }

  // Whether a revision of `doc_id` in the log names `revision_id` among its parents.
  bool descendsFrom(const std::string& doc_id, const std::string& revision_id) {
    SQLite::Statement st(db_, "SELECT 1 FROM changes c, json_each(c.parents) p WHERE c.doc_id = ? AND p.value = ? LIMIT 1");
    st.bind(1, doc_id);
    st.bind(2, revision_id);
    return st.executeStep();
  }

  // A pushed entry waiting in parked_changes, with who pushed it.
  struct ParkedChange {
    std::int64_t id = 0;
    Identity who;
    protocol::PushEntry entry;
    std::string fields_json;
  };

  // Sets `entry` from `who` aside until the revision it is based on arrives (migration 13).
  void park(const Identity& who, const protocol::PushEntry& entry, const std::string& fields_json) {
    const auto& doc = entry.doc;
    SQLite::Statement st(db_,
                         "INSERT OR IGNORE INTO parked_changes(device, seq, doc_id, base_revision, kind, revision, parents, "
                         "deleted, fields, author, hlc, pushed_by, role, district) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st.bind(1, who.device);
    st.bind(2, entry.seq);
    st.bind(3, doc.id);
    st.bind(4, entry.base_revision);
    st.bind(5, doc.kind);
    st.bind(6, doc.revision);
    st.bind(7, doc.parents.empty() ? std::string("[]") : nlohmann::json(doc.parents).dump());
    st.bind(8, doc.deleted ? 1 : 0);
    st.bind(9, fields_json);
    st.bind(10, doc.author);
    st.bind(11, doc.stamp.toString());
    st.bind(12, who.user);
    st.bind(13, std::string(roleName(who.role)));
    if (who.district) st.bind(14, *who.district);
    else st.bind(14);
    st.exec();
    audit(who.user, who.device, "push.parked", doc.id + " " + doc.revision + " waits for its base " + entry.base_revision);
  }

  // The entries parked on document `doc_id`, oldest first.
  std::vector<ParkedChange> parkedOn(const std::string& doc_id) {
    SQLite::Statement st(db_,
                         "SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc, "
                         "id, seq, base_revision, pushed_by, role, district FROM parked_changes WHERE doc_id = ? ORDER BY id");
    st.bind(1, doc_id);
    std::vector<ParkedChange> out;
    while (st.executeStep()) {
      ParkedChange p;
      p.fields_json = st.getColumn(2).getString();
      p.entry.doc = readDocumentRow(st);
      p.id = st.getColumn(9).getInt64();
      p.entry.seq = st.getColumn(10).getInt64();
      p.entry.base_revision = st.getColumn(11).getString();
      p.who.user = st.getColumn(12).getString();
      p.who.role = parseRole(st.getColumn(13).getString()).value_or(Role::kInspector);
      if (!st.getColumn(14).isNull()) p.who.district = st.getColumn(14).getString();
      // Its laptop numbers are not needed: a parked entry is judged against an existing head,
      // whose record number it must keep.
      p.who.device = p.entry.doc.device;
      out.push_back(std::move(p));
    }
    return out;
  }

  // Retries the entries parked on document `doc_id`, oldest first, now that a revision of it was
  // appended: each whose base is now in the log, or that a revision in the log descends from, is
  // judged as its pusher and applied (applyEntry) and leaves the table; a refusal then is recorded
  // for its device and sequence and in the audit log, since its laptop was acknowledged long ago.
  // The others wait on. Runs inside the push transaction.
  void retryParked(const std::string& doc_id, const PushJudge& judge, const HeadLookup& lookup) {
    if (loadedIdentity().restored_seq == 0) return;  // only a restored server parks
    for (bool retried = true; retried;) {
      retried = false;
      for (const auto& parked : parkedOn(doc_id)) {
        const auto& base = parked.entry.base_revision;
        if (!holdsRevision(doc_id, base) && !descendsFrom(doc_id, base)) continue;
        SQLite::Statement done(db_, "DELETE FROM parked_changes WHERE id = ?");
        done.bind(1, parked.id);
        done.exec();
        if (!holdsRevision(doc_id, parked.entry.doc.revision)) {
          if (auto refusal = applyEntry(parked.who, parked.entry, parked.fields_json, judge, lookup)) {
            recordRefusal(parked.who.device, *refusal);
            audit(parked.who.user, parked.who.device, "push.parked_refused",
                  doc_id + " " + parked.entry.doc.revision + " " + refusal->code + ": " + refusal->reason.en);
          }
        }
        // Applying it may have retried or changed the others: read them again.
        retried = true;
        break;
      }
    }
  }

  // The server's identity, read once: made by migration 12 and changed only by a restore, before
  // any server opens the database. A reference, for the push path that asks it for every entry.
  const ServerIdentity& loadedIdentity() {
    if (identity_.id.empty()) {
      identity_.id = setting("server_id").value_or("");
      identity_.restored_seq = std::stoll(setting("restored_seq").value_or("0"));
    }
    return identity_;
  }

  // Records that `device`'s entry was refused (kept when it already was: a batch sent again).
  void recordRefusal(const std::string& device, const protocol::Refusal& refusal) {
    auto& st = cached(insert_refusal_,
                      "INSERT OR IGNORE INTO refusals(device, seq, doc_id, code, reason_vi, reason_en) VALUES (?,?,?,?,?,?)");
    st.bind(1, device);
    bindRefusal(st, 2, refusal);
    st.exec();
    st.reset();
  }

  // Appends a revision to the provincial log and makes it its document's head. `district` is
  // the scope key, empty for what the whole province shares; `fields_json` is the canonical text
  // of its fields. Runs inside the caller's transaction.
  void appendChange(const Document& doc, const std::string& district, const std::string& fields_json, bool make_head = true) {
    auto& insert = cached(insert_change_,
                          "INSERT INTO changes(doc_id, revision, kind, district, parents, deleted, fields, author, "
                          "device, hlc) VALUES (?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, doc.id);
    insert.bind(2, doc.revision);
    insert.bind(3, doc.kind);
    if (district.empty()) insert.bind(4);
    else insert.bind(4, district);
    insert.bind(5, doc.parents.empty() ? std::string("[]") : nlohmann::json(doc.parents).dump());
    insert.bind(6, doc.deleted ? 1 : 0);
    insert.bind(7, fields_json);
    insert.bind(8, doc.author);
    insert.bind(9, doc.device);
    insert.bind(10, doc.stamp.toString());
    insert.exec();
    insert.reset();
    const auto seq = db_.getLastInsertRowid();
    for (const auto& [name, value] : doc.fields) {
      const auto* ref = value.get<AttachmentRef>();
      if (!ref) continue;
      auto& refer = cached(insert_ref_,
                           "INSERT OR IGNORE INTO attachment_refs(sha256, doc_id, district, size, seq, device) "
                           "VALUES (?,?,?,?,?,?)");
      refer.bind(1, ref->sha256);
      refer.bind(2, doc.id);
      if (district.empty()) refer.bind(3);
      else refer.bind(3, district);
      refer.bind(4, static_cast<std::int64_t>(ref->size_bytes));
      refer.bind(5, seq);
      refer.bind(6, doc.device);
      refer.exec();
      refer.reset();
    }
    if (!make_head) return;
    auto& head = cached(upsert_head_,
                        "INSERT INTO documents(id, kind, district, head_seq) VALUES (?,?,?,?) "
                        "ON CONFLICT(id) DO UPDATE SET head_seq = excluded.head_seq, district = excluded.district");
    head.bind(1, doc.id);
    head.bind(2, doc.kind);
    if (district.empty()) head.bind(3);
    else head.bind(3, district);
    head.bind(4, seq);
    head.exec();
    head.reset();
  }

  // A statement prepared once per connection; callers reset it after use.
  SQLite::Statement& cached(std::unique_ptr<SQLite::Statement>& slot, const char* sql) {
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    slot->clearBindings();
    return *slot;
  }

  void setSetting(const std::string& key, const std::string& value) {
    SQLite::Statement st(db_,
                         "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
  }

  SQLite::Database db_;
  fs::path data_dir_;
  std::shared_ptr<GroupCommit<PushJob>> push_group_;
  std::unique_ptr<SQLite::Statement> select_head_, insert_change_, upsert_head_, next_conflict_number_, insert_ref_,
      select_received_, select_pushed_through_, insert_refusal_;
  ServerIdentity identity_;  // read once (identity())
};

}  // namespace

Problem attachmentTooLarge(std::uint64_t size) {
  return problem("Ảnh lớn " + std::to_string(size >> 20) + " MiB, quá giới hạn " + std::to_string(tuning::kMaxAttachmentBytes >> 20) +
                     " MiB của máy chủ; hãy chụp lại với độ phân giải thấp hơn.",
                 "The photo is " + std::to_string(size >> 20) + " MiB, over the server's limit of " +
                     std::to_string(tuning::kMaxAttachmentBytes >> 20) + " MiB; take it again at a lower resolution.");
}

Result<std::unique_ptr<ProvincialStorage>> openSqliteStorage(const fs::path& data_dir, bool create) {
  const auto file = data_dir / "provincial.db";
  auto db = openDatabase(file, create, {kApplicationId, kMigrations, tuning::kBusyTimeout},
                         problem("Chưa có cơ sở dữ liệu tỉnh trong " + data_dir.string() +
                                     ". Hãy chạy `fieldcheck-server init --data THƯ_MỤC --seed THƯ_MỤC` trước.",
                                 "There is no provincial database in " + data_dir.string() +
                                     ". Run `fieldcheck-server init --data DIR --seed DIR` first."));
  if (!db) return db.problem();
  auto storage = std::make_unique<SqliteStorage>(std::move(db.value()), file);
  storage->convertLegacyConflicts();
  storage->removeLegacyUploads();
  return std::unique_ptr<ProvincialStorage>(std::move(storage));
}

}  // namespace fieldcheck::server
