// The inspector's local store: the revision log (history and outbox) and document heads, in SQLite.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/document.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/result.h"

namespace fieldcheck::client {

/// An attachment a revision written here names, and where its upload stands.
struct Upload {
  AttachmentRef ref;
  bool done = false;                // the server holds it whole
  std::optional<Bilingual> refused;  // the server will not take it, and why
};

/// The local SQLite database of one home. WAL mode with synchronous=FULL: a write is durable
/// when its call returns, and a process killed at any point leaves the last committed state.
/// One object per thread; several processes may use the same file (writes wait for the lock).
class LocalStore {
 public:
  /// Opens the database at `file`. With `create`, makes it (owner-only permissions) when absent.
  /// Refuses, changing nothing, a missing file (without `create`), a damaged file, a database of
  /// another program, or one from a newer Fieldcheck.
  static Result<LocalStore> open(const std::filesystem::path& file, bool create);

  LocalStore(LocalStore&&) noexcept;
  LocalStore& operator=(LocalStore&&) noexcept;
  ~LocalStore();

  /// The current revision of a document, or nullopt when there is none.
  std::optional<Document> head(std::string_view id) const;
  /// The current revisions of every document of `kind`, in id order.
  std::vector<Document> heads(std::string_view kind) const;
  /// The merges the server wrote (revisions by and from "server" with two parents; a decision
  /// made on the server is by its supervisor) that this laptop pulled, oldest first.
  std::vector<Document> serverMerges() const;
  /// A revision of document `id` this laptop holds.
  std::optional<Document> revision(std::string_view id, std::string_view revision) const;

  /// Every revision of a document, oldest first (by hybrid clock).
  std::vector<Document> history(std::string_view id) const;
  /// Ids of `kind` that start with `prefix`.
  std::vector<std::string> idsWithPrefix(std::string_view kind, std::string_view prefix) const;
  /// Ids of the documents that have a revision written on this device.
  std::set<std::string> idsWrittenHere() const;
  /// Ids of `kind` whose head's field `field` holds the text `text`, in id order.
  std::vector<std::string> idsWhere(std::string_view kind, std::string_view field, std::string_view text) const;

  /// Adds one to the count kept under setting `key` (0 when new) and returns it. Called inside a
  /// write's `edit`, the count moves only when the write commits.
  std::int64_t nextCount(std::string_view key);


  /// Computes a document's new fields from its current revision (nullptr when new) and saves
  /// them as a new revision, with its history row and an outbox entry, in one durable
  /// transaction. `edit` runs inside the transaction, so concurrent writers never lose an
  /// update. When `edit` returns a Problem nothing is written and the Problem is returned;
  /// when it returns the current fields unchanged, nothing is written and the current revision
  /// is returned. Throws SQLite::Exception on storage failure (nothing written).
  using Edit = std::function<Result<Fields>(const Document* current)>;
  Result<Document> write(const std::string& id, std::string_view kind, const Edit& edit);

  /// Saves the revision `make` builds from a document's current head and a fresh stamp of this
  /// replica's clock, with its history row and outbox entry, in one durable transaction: for
  /// revisions `write` cannot express, such as a resolution, whose parents are both heads of a
  /// conflict. `make` runs inside the transaction; a Problem from it (or a document without a
  /// head here) writes nothing. The revision id is computed here.
  using MakeRevision = std::function<Result<Document>(const Document& current, HybridTimestamp stamp)>;
  Result<Document> writeRevision(const std::string& id, const MakeRevision& make);

  /// Stores documents that every replica already shares (a seed), without outbox entries.
  /// Documents already present are left as they are. One transaction.
  void importShared(const std::vector<Document>& docs);

  /// After a login as a user of `district`: removes every document of another district (its
  /// districts, communes, establishments, inspections and reports, as the server scopes them)
  /// except those with changes not yet sent, which stay (see unsentOutside). One transaction;
  /// returns how many documents went.
  std::size_t keepOnlyDistrict(const std::string& district);
  /// Documents of a district other than `district` with changes not yet sent: the server will
  /// refuse them; they stay here so nothing typed is lost.
  std::vector<std::string> unsentOutside(const std::string& district) const;


  /// Outbox entries not yet acknowledged by the server.
  std::size_t pendingChanges() const;
  /// How many documents those changes are of: what a sync sends (each as its latest revision).
  std::size_t pendingDocuments() const;
  /// Whether document `id` has outbox entries not yet acknowledged.
  bool hasPendingChanges(std::string_view id) const;

  /// The next push batch: the oldest unacknowledged outbox entries covering at most `max_docs`
  /// entries, each document sent as its latest revision within the batch, with the revision the
  /// server last had as its base; a revision with several parents (a resolution) is sent as
  /// itself, and later ones of its document after it, so the server sees what it resolves. The
  /// batch's highest sequence is its last entry's.
  std::vector<protocol::PushEntry> nextPushBatch(std::size_t max_docs) const;
  /// The batch that follows the one ending at sequence `after` (the whole outbox, batch by batch,
  /// for a bundle).
  std::vector<protocol::PushEntry> pushBatchAfter(std::int64_t after, std::size_t max_docs) const;

  /// Applies a sync answer in one durable transaction: marks the outbox up to `acked_through` as
  /// acknowledged (each document's latest revision up to there becomes the base of its next push,
  /// unless refused), records refusals, stores the pulled changes (a pulled revision never
  /// replaces a document's edit still waiting to be sent: the local edit stays on top) and the
  /// new pull cursor. Returns how many pulled changes were new here.
  std::size_t applySync(const protocol::SyncResponse& response);

  /// After the server answered with another identity than the one this store remembers (it was
  /// restored from a backup: protocol.h), in one durable transaction: remembers `server_id`;
  /// moves the pull cursor back to min(cursor, `restored_seq`) (the changes up to there are the
  /// same in both histories); moves the acknowledged outbox sequence back to min(it, `device_seq`),
  /// so every entry the restored server lacks is sent again, and each document's base back to
  /// what that server holds of it (the parent of its first entry sent again; none for a document
  /// it never had); forgets refusals of those entries (the server decides again); and marks every
  /// photo not refused as still to upload, so the upload path asks the server what it holds.
  /// With no identity remembered yet, does the same when the server was restored (`restored_seq`
  /// > 0: this laptop may have had changes acknowledged after the backup), and otherwise only
  /// remembers `server_id` (protocol::otherHistory). Returns whether anything was moved back.
  bool restartWithServer(const std::string& server_id, std::int64_t restored_seq, std::int64_t device_seq);

  /// Attachments named by revisions written here, oldest first: only those still to upload
  /// (neither done nor refused) when `pending_only`.
  std::vector<Upload> uploads(bool pending_only) const;
  /// Records that the server holds an attachment whole, or refused it for good.
  void finishUpload(const std::string& sha256, const std::optional<Bilingual>& refused = std::nullopt);

  /// The SHA-256s of the attachments that revisions here name and that begin with `prefix`.
  std::vector<std::string> attachmentsStartingWith(std::string_view prefix) const;

  /// Changes the server refused, newest first.
  std::vector<protocol::Refusal> refusals() const;

  std::optional<std::string> setting(std::string_view key) const;
  void setSetting(std::string_view key, std::string_view value);

  /// The names other than `user` (compared without case) that entries of the outbox were written
  /// under, each with its count: the name a laptop was set up with before its first login, or a
  /// user who logged in here before and has not sent everything.
  std::vector<std::pair<std::string, std::size_t>> pendingByOthers(std::string_view user) const;

  /// Makes `user` (as the server spells it, after a login) the one this store writes as, and
  /// renames every entry of the outbox written under another name to `user`: each gets a new
  /// revision id, as the author is part of what the id hashes, and later entries of its document
  /// name the new id as their parent. One durable transaction. Only for work the server cannot
  /// have seen (the server takes a change only from the user its token names); returns how many
  /// entries were renamed.
  std::size_t adoptPending(const std::string& user);

  /// The user and device this store writes as (settings "user" and "device_id").
  std::string user() const;
  std::string device() const;

  /// A mark that changes whenever documents of `kind` change here, by this connection, and
  /// whenever anything changes by another connection or process: what a cache of documents of
  /// that kind compares to know it is still right. Cheap (no table is read).
  std::pair<std::int64_t, std::int64_t> changeMark(std::string_view kind) const;

 private:
  struct Impl;
  explicit LocalStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldcheck::client
