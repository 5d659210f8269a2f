// Logging a laptop in to the provincial server, and syncing its store with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "home.h"
#include "local_store.h"

namespace fieldcheck::client {

struct LoginResult {
  std::string server;
  std::string user;
  std::string role;
  std::string district;  // empty for the whole province
  std::string device;
  std::string laptop_number = {};  // "2" (in its district) or "T3" (province-wide): begins its records' numbers
  std::string number_prefix = {};   // "BLC-2": how its records' numbers begin ("" province-wide)
  std::size_t removed_outside = 0;   // documents of other districts removed from this home
  std::string server_key_sha256 = {};  // https: the server's key verified and remembered ("" over http)

};


/// Enrols this laptop (its store's device id) with the server and keeps the token in the home's
/// database, readable by its owner only. Creates the home when it does not exist: a fresh home
/// needs no seed, its first sync pulls what its district needs.
/// Over https the server's certificate is verified (host name, chain to the system's CAs, or
/// only to the CA in `ca_file` when given, or to the CA given at an earlier login to the same
/// server) before anything is sent; the CA and the SHA-256 of the server's public key are kept
/// in the store, and every later connection refuses a server with another key until the next
/// login (which verifies and remembers anew).
Result<LoginResult> login(const Home& home, const std::string& server_url, const std::string& user,
                          const std::string& password, const std::string& device_name,
                          const std::filesystem::path& ca_file = {});

struct SyncCounts {
  std::size_t pushed = 0;   // documents sent and acknowledged (each as its latest revision)
  std::size_t refused = 0;  // of those, set aside by the server
  std::size_t pulled = 0;   // changes received and stored
  std::size_t round_trips = 0;
  std::size_t attachments_sent = 0;          // now held whole by the server
  std::size_t attachments_refused = 0;       // refused for good (too large, not an image)
  std::uint64_t attachment_bytes_sent = 0;   // chunk bytes put on the link, re-sent ones included
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::int64_t clock_skew_ms = 0;  // server wall clock minus this laptop's
  bool server_restored = false;    // the server had been restored from a backup: what it lacked was sent again
};

/// Pushes the outbox and pulls the changes in scope over HTTP to the server this laptop logged in
/// to, batch by batch, each batch committed with its acknowledgement or page before the next is
/// asked for: a sync cut at any point loses and duplicates nothing, and the next one goes on from
/// there. Then the attachments the records name, from `attachments_dir`, in chunks: an upload cut
/// anywhere resumes from what the server holds; one the server refuses for good is recorded
/// with its reason and never blocks the others. Failing requests are retried with backoff.
/// `progress` is called after each round trip. A sync that cannot finish returns a Problem whose
/// details say what was sent and received before it stopped.
Result<SyncCounts> synchronize(LocalStore& store, const std::filesystem::path& attachments_dir,
                               const std::function<void(const SyncCounts&)>& progress);

/// Whether a clock skew found at a sync (server minus laptop, SyncCounts::clock_skew_ms) is large
/// enough to tell the user (tuning::kClockSkewWarning): merges stay right either way (hybrid
/// clock), the times people read do not.
bool clockSkewWorthWarning(std::int64_t skew_ms);

/// Fetches attachment `sha256` (or the one that records on this laptop name whose SHA-256 begins
/// with it, 6 hex digits at least) from the server this laptop logged in to (supervisors and
/// above, in their scope) into the laptop's attachments under `attachments_dir`, checked against
/// its name.
Result<AttachmentRef> fetchAttachment(LocalStore& store, const std::filesystem::path& attachments_dir,
                                      std::string sha256);

/// Sync with no link: what went into a bundle, and what a receipt did.
struct BundleSummary {
  std::size_t changes = 0;
  std::size_t attachments = 0;
  std::uint64_t bytes = 0;
};
struct ReceiptSummary {
  std::size_t acknowledged = 0;  // outbox entries the server now has
  std::size_t refused = 0;
  std::size_t pulled = 0;        // changes stored here
  std::size_t attachments = 0;   // photos the server now holds
};

/// Writes everything this laptop has not had acknowledged (its outbox, in sync batches, and the
/// photos still to upload) to `file`, sealed to the server's key so only the server can read
/// it, and any change to it is detected. Needs a login (for the server's key). Changes nothing
/// here: the outbox stays until a receipt or a sync acknowledges it.
Result<BundleSummary> exportBundle(const LocalStore& store, const std::filesystem::path& attachments_dir,
                                   const std::filesystem::path& file);

/// Applies the server's receipt for this laptop's bundle, as a sync answer: the outbox it
/// acknowledges, refusals, the changes it carries, the photos the server holds. Refuses a
/// receipt not signed by this laptop's server, altered, or for another laptop.
Result<ReceiptSummary> importReceipt(LocalStore& store, const std::filesystem::path& file);

/// What the server said to an upload request: where it stands, or that it will never take this
/// attachment, and why.
struct UploadReply {
  protocol::UploadState state;
  std::optional<Bilingual> refused;
};

/// The link a sync runs over: one sync step (a request, the server's answer or why there is
/// none), and the bytes it has carried. May be called from a second thread while the store is
/// written (a page fetched ahead), never from two at once.
class SyncLink {
 public:
  virtual ~SyncLink() = default;
  virtual Result<protocol::SyncResponse> exchange(const protocol::SyncRequest& request) = 0;
  /// How much of an attachment the server holds.
  virtual Result<UploadReply> uploadState(const AttachmentRef& ref) = 0;
  /// Sends the chunk of `ref` at `offset`, once (the caller resumes from uploadState after a failure).
  virtual Result<UploadReply> uploadChunk(const AttachmentRef& ref, std::uint64_t offset, std::string_view chunk) = 0;
  virtual std::uint64_t bytesSent() const { return 0; }
  virtual std::uint64_t bytesReceived() const { return 0; }
  /// Whether the last failure was this laptop refusing the server at the TLS checks (a changed key,
  /// an expired certificate): no later sync goes on by itself until someone acts on it.
  virtual bool serverRefused() const { return false; }
};

/// How much one step carries.
struct SyncLimits {
  std::size_t push_batch_documents = 0;  // 0: the tuning's
  std::uint32_t pull_page_changes = 0;   // 0: the tuning's
  std::size_t max_round_trips = 0;       // 0: the tuning's
};

/// The sync loop of `synchronize` over any link (tests drive it in-process, with faults). Stops
/// with a Problem, having stored every page before it, when an answer takes the pull cursor
/// back, when a page that says more follow does not move it forward, or after the limits' most
/// round trips: a server that answers without progress cannot keep a laptop syncing forever.
Result<SyncCounts> synchronizeOver(LocalStore& store, const std::filesystem::path& attachments_dir, SyncLink& link,
                                   SyncLimits limits, const std::function<void(const SyncCounts&)>& progress);

}  // namespace fieldcheck::client
