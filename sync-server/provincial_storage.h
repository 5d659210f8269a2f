// The provincial database, behind one interface so that a PostgreSQL backend can later serve
// several server instances. Today's implementation is SQLite (sqlite_storage.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "accounts.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/result.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include <functional>

namespace fieldcheck::server {

struct DeviceRecord {
  std::string id;
  std::string user;
  std::string name;
  std::string enrolled_at;
  bool revoked = false;
  std::string last_seen_at;  // its last sync, "2019-05-03T02:00:00Z"; empty: never synced
};

/// A console session as the server keeps it (only its token's hash is stored).
struct ConsoleSession {
  User user;
  std::string csrf;  // what every request of the session that changes anything must carry
  std::int64_t created_ms = 0;
  std::int64_t last_seen_ms = 0;
};

/// What the sync rules decide about one pushed entry, given the server's current head of its
/// document: accept it (with the district that scopes it, empty for province-wide) or refuse it.
struct PushDecision {
  bool accept = false;
  std::string district;
  bool merge = false;  // accepted, but the head moved on since its base: merge the two
  bool may_resolve = false;  // from a role that decides conflicts: a revision with the other side
                             // of an open conflict among its parents resolves it
  protocol::Refusal refusal;
};
/// Reads the current head of any document (nullptr when there is none). The document stays valid
/// for the whole batch: lookups are cached, never copied.
using HeadLookup = std::function<const Document*(const std::string& id)>;
/// Where a HeadLookup keeps what it read.
using HeadCache = std::map<std::string, std::optional<Document>>;

/// A HeadLookup that reads each document once, through `read`, into `cache`.
inline HeadLookup cachingLookup(HeadCache& cache, std::function<std::optional<Document>(const std::string& id)> read) {
  return [&cache, read = std::move(read)](const std::string& id) -> const Document* {
    auto it = cache.find(id);
    if (it == cache.end()) it = cache.emplace(id, read(id)).first;
    return it->second ? &*it->second : nullptr;
  };
}
/// Judges an entry pushed by `who` against its document's current head (push_rules.h's judgePush).
/// Takes the pusher as an argument, not bound to one batch: an entry parked on a restored server
/// (ProvincialStorage::applyPush) is judged later, as its own pusher, inside another's batch.
using PushJudge = std::function<PushDecision(const Identity& who, const protocol::PushEntry& entry,
                                             const std::optional<Document>& head, const HeadLookup& lookup)>;

/// A pushed entry with what was found before its transaction: the canonical text of its fields
/// (hashed by the integrity check, stored as is) and, when a check that needs no transaction
/// failed, why it is refused.
struct CheckedEntry {
  protocol::PushEntry entry;
  std::string fields_json;
  std::optional<protocol::Refusal> refusal;
};

/// Which conflict records to read: open ones only or all, of one document, or the one with a number.
struct ConflictQuery {
  bool open_only = true;
  std::string doc_id;       // empty: of every document
  std::int64_t number = 0;  // 0: any
};

struct PushOutcome {
  std::int64_t acked_through = 0;
  std::vector<protocol::Refusal> refused;  // refusals of this batch's entries, including earlier ones
};

/// Which changes a device may pull.
struct PullScope {
  bool whole_province = false;
  std::string district;  // when not the whole province
  std::string device;    // its own changes are not sent back
  bool conflicts = false;  // conflict records too (supervisors and above)
};

/// What an uploaded chunk did: where the attachment stands, and whether the chunk was added (it
/// is not when its offset was not where the server stood: sent twice, or after a cut).
struct UploadOutcome {
  protocol::UploadState state;
  bool appended = false;
};

/// Why an attachment of `size` bytes is refused: over the server's limit, with what to do.
Problem attachmentTooLarge(std::uint64_t size);

/// Which inspections the console lists (every field optional: empty or 0 is "any"), one page of
/// them in one order. The caller narrows `district` to what the reader may see (roles.h).
struct InspectionQuery {
  std::string district;       // a district code
  std::string state;          // reviewStateCode: draft, submitted, approved, returned
  std::string day_from;       // "YYYY-MM-DD", the visit's local day, inclusive
  std::string day_to;         // "YYYY-MM-DD", inclusive
  std::string establishment;  // the establishment's document id
  std::string inspector;      // the user who made the inspection
  enum class Sort { kDay, kNumber, kState, kDistrict, kInspector } sort = Sort::kDay;
  bool descending = true;
  std::size_t offset = 0;
  std::size_t limit = 50;
  std::size_t count_up_to = 10'000;  // counting stops there (InspectionPage::total_capped)
};

/// One inspection as the console's table shows it.
struct InspectionListRow {
  std::string doc_id;
  std::string number;            // "HA-2-0007"; empty when it has none
  std::string district;          // code
  std::string establishment_id;
  std::string state;             // reviewStateCode
  std::string day;               // "YYYY-MM-DD"
  std::string inspector;         // who made it
  std::string updated_at;        // when the server received its head, "2019-05-03T02:00:00.123Z"
};

struct InspectionPage {
  std::vector<InspectionListRow> rows;
  std::size_t total = 0;       // matching the query, counted up to count_up_to
  bool total_capped = false;   // there are more than `total`
};

/// One revision of a document as the server received it.
struct RevisionEntry {
  Document doc;             // the revision, with its author, device, clock and parents
  std::string received_at;  // "2019-05-03T02:00:00.123Z"
};

/// Which lines of the audit log to read, newest first.
struct AuditQuery {
  std::string user;           // empty: everyone
  std::string action;         // an action or the start of one ("login", "user."); empty: all
  std::int64_t before_id = 0; // 0: from the newest
  std::size_t limit = 100;
};

struct AuditEntry {
  std::int64_t id = 0;
  std::string at;  // "2019-05-03T02:00:00.123Z"
  std::string user, device, action, detail;
};

/// An attachment some record names that the server does not hold whole yet.
struct WaitingAttachment {
  std::string sha256;
  std::string doc_id;
  std::string district;
  std::uint64_t size = 0;
  std::uint64_t received = 0;
};

/// An inspection or periodic report as reports count it: its current head, reduced to what the
/// province's plans measure.
struct FilledRecord {
  std::string doc_id;
  std::string kind;         // "inspection" or "report"
  std::string template_id;  // the template's document id
  std::string district;
  std::string subject;      // the establishment's id, or the report's commune or district code
  std::string state;        // reviewStateCode: draft, submitted, approved, returned
  std::string day;          // inspections: the visit's local date (YYYY-MM-DD); reports: their period's first day
  std::string period;       // reports: "2019", "2019-Q3", "2019-07"
  std::string codes;        // "|field=code|field=true|": choices and yes/no answers the plans count
  std::string numbers;      // "|field=12|": numbers the plans sum
};

/// A filled record as a scan hands it out: views into the row being read, valid during the call.
struct FilledRow {
  std::string_view doc_id, kind, template_id, district, subject, state, day, period, codes, numbers;
};

/// Which filled records to read: of one kind, optionally one district, and optionally one of
/// `parts` even shares of them so that several threads can read a share each.
struct FilledQuery {
  std::string kind;
  std::string district;  // empty: every district
  unsigned part = 0;
  unsigned parts = 1;
};

/// Which heads an export reads: of one kind, optionally one district, changed on or after a day.
struct HeadQuery {
  std::string kind;
  std::string district;       // empty: every district
  std::string changed_since;  // "YYYY-MM-DD" (UTC) or empty
};

/// A current head as an export reads it; valid during the call that hands it out.
struct HeadRow {
  const Document& doc;
  const std::string& district;
  const std::string& received_at;  // "2019-05-03T02:00:00.123Z"
  const std::string& created_by;   // the user who made the document: its first revision's author
};

/// Who the provincial database is: a random id made with it and made anew at each restore, and,
/// for a restored one, the highest global sequence the backup held (the changes up to there are
/// the same in the old history and the new one). Laptops learn it at each sync (protocol.h).
struct ServerIdentity {
  std::string id;                 // 32 lowercase hex digits; empty: a backend that keeps none
  std::int64_t restored_seq = 0;  // 0: never restored
};

/// Thread-safety: one object per thread (each holds its own connection); any number of objects
/// and processes may share the database.
class ProvincialStorage {
 public:
  virtual ~ProvincialStorage() = default;

  /// Imports a seed's documents as the first entries of the provincial log (each exactly once)
  /// and records the province. Refuses a seed of another province than the one already loaded.
  virtual Result<std::size_t> importSeed(const Seed& seed) = 0;

  virtual std::optional<std::string> setting(const std::string& key) = 0;

  /// The code of a district given its code or its name (accents optional); nullopt if unknown.
  virtual std::optional<std::string> findDistrict(const std::string& code_or_name) = 0;
  /// The inspections and periodic reports numbered `number` ("HA-2-0007", as record_number.h
  /// writes it): one, or none; two only if two laptops that never logged in drew the same marker.
  virtual std::vector<std::string> idsWithNumber(const std::string& number) = 0;

  /// Every district as (code, name).
  virtual std::vector<std::pair<std::string, std::string>> districts() = 0;

  /// Adds a user with a password hash. Refuses a name already taken.
  virtual Result<User> addUser(const User& user, const std::string& password_hash) = 0;
  virtual std::vector<User> users() = 0;
  /// The user and its password hash, for a login.
  virtual std::optional<std::pair<User, std::string>> userWithHash(const std::string& name) = 0;
  /// Until when (ms since the epoch) a user's logins from `address` are paused after repeated
  /// wrong passwords from there; 0 when they are not.
  virtual std::int64_t loginPausedUntil(const std::string& name, const std::string& address) = 0;
  /// Counts a login attempt of user `name` from `address`: a success clears that address's count;
  /// the tuning's number of failures from one address pauses the user's logins from that address
  /// (not from others: nobody can keep a user out by failing on their behalf) for the tuning's
  /// pause. A count left alone for the pause's length is forgotten.
  virtual void recordLogin(const std::string& name, const std::string& address, bool succeeded, std::int64_t now_ms) = 0;

  /// Starts a console session for `user` under the hash of its token, with its CSRF token.
  virtual void addConsoleSession(const std::string& token_hash, const std::string& user, const std::string& csrf,
                                 std::int64_t now_ms) = 0;
  /// The live session of a token's hash at `now_ms`, its last use moved to now (written at most
  /// once a minute); nullopt when unknown, idle past the tuning's timeout, older than its
  /// lifetime, or its user revoked (such a session is deleted).
  virtual std::optional<ConsoleSession> consoleSession(const std::string& token_hash, std::int64_t now_ms) = 0;
  virtual void endConsoleSession(const std::string& token_hash) = 0;
  /// Sets a user's password hash; `one_time` marks it a code to change at first use
  /// (User::must_change_password). Ends the user's console sessions but `keep_session` (a token
  /// hash, or ""). Refuses an unknown user.
  virtual Result<User> setPassword(const std::string& name, const std::string& password_hash, bool one_time,
                                   const std::string& keep_session) = 0;
  /// Notes that a device was used just now (a sync), written at most once a minute per device.
  virtual void deviceSeen(const std::string& device_id, std::int64_t now_ms) = 0;

  /// Revokes a user and every token of its devices, at once. Returns how many devices lost access.
  virtual Result<std::size_t> revokeUser(const std::string& name) = 0;

  /// Revokes one device at once (a lost laptop): its token stops working and it cannot log in
  /// again, while its user and the user's other devices go on. Refuses an unknown device id.
  /// Returns the device as it now stands.
  virtual Result<DeviceRecord> revokeDevice(const std::string& device_id) = 0;

  /// Enrols a device (its own id, chosen when its store was made) for a user with the hash of a
  /// new token; a device logging in again gets the new token in place of the old one. Refuses a
  /// device id enrolled for another user, and a revoked device.
  virtual Result<std::string> enrolDevice(const std::string& user, const std::string& device_id,
                                          const std::string& device_name, const std::string& token_hash) = 0;
  virtual std::vector<DeviceRecord> devices(const std::string& user) = 0;
  /// The laptop number of a device in `scope` (a district's code, or "" for province-wide users),
  /// as record numbers carry it ("2", "T3"): the one it was given before, or the next free one,
  /// given to it for good (record_number.h).
  virtual std::string laptopNumber(const std::string& device_id, const std::string& scope) = 0;

  /// Who holds a token: nullopt when the token is unknown or its user or device is revoked.
  virtual std::optional<Identity> identityForToken(const std::string& token_hash) = 0;

  /// Appends to the audit log: who did what, from which device.
  virtual void audit(const std::string& user, const std::string& device, const std::string& action,
                     const std::string& detail) = 0;

  /// Applies a device's batch in one durable transaction: entries at or below the device's
  /// high-water mark are skipped (a batch sent twice changes nothing); each other entry already
  /// refused is recorded as such, the rest are judged against the current heads, then appended
  /// to the provincial log or recorded as refused; the mark moves to the batch's highest
  /// sequence; a non-empty batch is written to the audit log as pushed by `who`. Returns only
  /// after the commit.
  ///
  /// On a server restored from a backup (ServerIdentity::restored_seq > 0), an entry based on a
  /// revision the log lacks (another laptop's, which that laptop has not sent again yet) is not
  /// refused but parked, durably, as handled: the mark moves past it, the audit log says
  /// "push.parked". Whenever a revision of its document is appended, each entry parked on it is
  /// retried, oldest first, as its own pusher: once its base is in the log it is judged and
  /// applied as a push would be (a refusal then goes to the refusals and the audit log as
  /// "push.parked_refused"); when instead a revision in the log descends from its base (the
  /// base's author sent a later one), it is merged into the head against an empty document, so
  /// every field both sides set differently becomes a conflict record. A server never restored
  /// refuses such an entry ("unknown_base") as before.
  virtual PushOutcome applyPush(const Identity& who, const std::vector<CheckedEntry>& entries,
                                const PushJudge& judge) = 0;

  /// How many pushed changes wait, parked, for the revision they are based on (see applyPush).
  /// A backend that parks nothing answers 0.
  virtual std::int64_t parkedChangeCount() { return 0; }

  /// The next page of changes after `cursor` in `scope`, in server order, at most `limit`, with
  /// the server's identity and how far it holds the scope's device's outbox (`device_seq`, the
  /// highest sequence of it applied or refused), read in the same transaction.
  virtual protocol::SyncResponse pull(const PullScope& scope, std::int64_t cursor, std::uint32_t limit) = 0;

  /// Conflict records (merges that changed fields both ways), oldest first.
  virtual std::vector<ConflictRecord> conflicts(const ConflictQuery& query = {}) = 0;

  /// Resolves the open conflict `number` as `decision` says: a new head revision with the current
  /// head and the other side's revision as parents, written by `by` from the device "server",
  /// and the record marked resolved by it. Returns that revision. Refuses a conflict that is not
  /// open and an incomplete or foreign decision, changing nothing.
  virtual Result<std::string> resolveConflict(std::int64_t number, const ConflictDecision& decision, const std::string& by) = 0;

  /// Writes a new head revision of document `id` with the fields `change` returns for its current
  /// head, by `by` from the device "server" (so every laptop in scope pulls it), in one
  /// transaction. Returns the new revision; `change`'s problem (nothing written) or "not found".
  virtual Result<Document> amend(const std::string& id, const std::function<Result<Fields>(const Document& head)>& change,
                                 const std::string& by) = 0;

  /// The server's keys: laptops seal bundles to the sealing key and check receipts with the
  /// signing key (both public halves go to a laptop at login). Made once, on first use; the
  /// secret halves are kept in owner-only files of the data folder (keys/), never in the
  /// database (a database that held them has them moved out, unchanged).
  struct Keys {
    KeyPair sealing;
    KeyPair signing;
  };
  virtual Keys serverKeys() = 0;

  /// How much of attachment `sha256` the server holds for `device`: complete when that device
  /// sent it whole, else what its own upload holds. Whether another device sent it is not told:
  /// a device that has not sent a photo learns nothing of it by its hash.
  virtual protocol::UploadState uploadState(const std::string& sha256, const std::string& device) = 0;

  /// Appends `chunk` at `offset` to the upload of attachment `sha256` of `size` bytes and
  /// `media_type` by `who`'s device, durably, and returns what the server then holds (a chunk at
  /// another offset than what is held changes nothing and says where to go on from); the last
  /// chunk checks the whole file against its name, files it (once, whichever device's copy comes
  /// first) and records that the device held it. An upload in progress is its device's alone:
  /// another device's, whatever size it claimed, never blocks it; one nobody added to for the
  /// tuning's time expires. Refuses (changing nothing) a chunk
  /// whose SHA-256 is not `chunk_sha256`, a size over the limit or unlike the first chunk's, a
  /// file that does not begin as a JPEG or PNG, and a whole file whose SHA-256 differs (then
  /// what was held is dropped, so the next try starts clean).
  virtual Result<UploadOutcome> appendUpload(const Identity& who, const std::string& sha256, std::uint64_t offset,
                                                     std::uint64_t size, const std::string& media_type,
                                                     std::string_view chunk, const std::string& chunk_sha256) = 0;

  /// The file of a complete attachment that a record in `scope` names legitimately (the device
  /// that first named it in that record sent the server the photo whole), with its media type;
  /// nullopt otherwise (unknown, incomplete, out of scope or named by a stranger's record look the
  /// same).
  virtual std::optional<std::pair<std::filesystem::path, std::string>> attachmentFile(const PullScope& scope,
                                                                                     const std::string& sha256) = 0;

  /// Attachments that records name and the server does not hold whole yet, oldest record first.
  virtual std::vector<WaitingAttachment> waitingAttachments() = 0;

  /// Ids of documents of `kind` whose id begins with `prefix` (lowercase hex), at most `limit`.
  virtual std::vector<std::string> idsWithPrefix(const std::string& kind, const std::string& prefix, std::size_t limit) = 0;

  /// Brings the reports' index of inspections and periodic reports up to date with the log (only
  /// what changed since the last call; everything when the plans now measure other fields), or
  /// takes at most `max_changes` changes of the log further when it is not 0 (a caller that must
  /// answer soon while laptops push fast: the rest waits for the next call). Returns how many
  /// records it indexed.
  virtual std::size_t refreshReportIndex(std::int64_t max_changes = 0) = 0;

  /// Calls `row` for each indexed record of `query`, in no particular order. Reads the index as the
  /// last refresh left it. Thread-safe: unlike the other calls, any number of threads may scan at
  /// once (each scan reads through a read-only connection of its own).
  virtual void scanFilled(const FilledQuery& query, const std::function<void(const FilledRow&)>& row) = 0;

  /// Calls `row` for each current head of `query`, oldest change first, with its district, the
  /// time the server received it and who made the document (the author of its first revision the
  /// server received), one at a time (constant memory, for exports of any size).
  virtual void scanHeads(const HeadQuery& query, const std::function<void(const HeadRow& row)>& row) = 0;

  /// The current head of a document, or nullopt.
  virtual std::optional<Document> head(const std::string& id) = 0;

  /// The current revisions of every document of `kind`, in id order.
  virtual std::vector<Document> heads(const std::string& kind) = 0;

  /// Documents of `kind` currently in the provincial record.
  virtual std::size_t documentCount(const std::string& kind) = 0;

  /// What the provincial log gained after global sequence `seq`, for the server's metrics:
  /// revisions from laptops (syncs and bundles: devices other than the server's own, the console
  /// and the command line), merges the server wrote, conflict records opened; and `through_seq`,
  /// where the log ends (its highest sequence, 0 when empty), read with the counts at once.
  /// `activitySince(INT64_MAX)` reads only where the log ends. Reads only the new changes.
  struct ActivityCounts {
    std::int64_t applied = 0, merges = 0, conflicts_opened = 0;
    std::int64_t through_seq = 0;
  };
  virtual ActivityCounts activitySince(std::int64_t seq) = 0;

  /// Conflict records waiting for a supervisor (open).
  virtual std::int64_t openConflictCount() = 0;

  /// Bytes the provincial database takes on disk (for SQLite, its file with its write-ahead log).
  virtual std::uint64_t storageBytes() = 0;

  /// One page of inspections for the console, from the reports' index as its last refresh left it
  /// (callers refresh first, at most as often as the tuning says). Fast over a million: every
  /// filter and order is served by an index.
  virtual InspectionPage listInspections(const InspectionQuery& query) = 0;

  /// Every revision of document `id` the server received, oldest first (empty when unknown).
  virtual std::vector<RevisionEntry> history(const std::string& id) = 0;

  /// Lines of the audit log, newest first.
  virtual std::vector<AuditEntry> auditEntries(const AuditQuery& query) = 0;

  /// The database's identity (ServerIdentity). A backend that keeps none answers an empty one:
  /// laptops then never compare.
  virtual ServerIdentity identity() { return {}; }

  /// After a restore, before the server serves: gives the database a new identity and remembers
  /// its highest global sequence as the one both histories share. Returns the new identity.
  /// A backend that keeps no identity refuses (throws std::logic_error): it cannot be restored.
  virtual ServerIdentity restartHistory() { throw std::logic_error("this storage keeps no server identity"); }

  /// A folder for temporary files (an export being written), on the server's own disk beside its
  /// data and as private as it: the files name businesses, owners and workers.
  virtual std::filesystem::path scratchFolder() = 0;
};

/// Opens the provincial SQLite database in `data_dir` (provincial.db), creating it when `create`.
/// Refuses a missing database (without `create`), a damaged or foreign file, or a newer schema.
Result<std::unique_ptr<ProvincialStorage>> openSqliteStorage(const std::filesystem::path& data_dir, bool create);

}  // namespace fieldcheck::server
