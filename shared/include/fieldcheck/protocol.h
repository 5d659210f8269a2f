// The sync protocol's messages (version 1), and their JSON form.
//
// One endpoint does a whole sync step: POST /v1/sync carries a batch of the device's outbox
// and the device's pull cursor; the answer acknowledges the batch and carries the next page of
// changes in the device's scope. A sync with nothing to send and nothing new is one round trip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fieldcheck/document.h"
#include "fieldcheck/result.h"

namespace fieldcheck::protocol {

inline constexpr unsigned kVersion = 1;
/// Most entries in one push batch and changes in one pull page.
/// The largest sequence number or cursor on the wire (2^53): no laptop or server makes that many
/// changes, and a larger one, accepted, would put a device's acknowledgement beyond every
/// sequence it will ever send.
inline constexpr std::int64_t kMaxSequence = std::int64_t{1} << 53;
inline constexpr std::size_t kMaxBatchEntries = 1000;
inline constexpr std::size_t kMaxPageChanges = 1000;
/// Most fields in one document, and longest text value in bytes.
inline constexpr std::size_t kMaxFields = 1000;
inline constexpr std::size_t kMaxTextBytes = 1024 * 1024;
/// Longest canonical text of one document's fields, in bytes.
inline constexpr std::size_t kMaxFieldsJsonBytes = 8 * 1024 * 1024;

/// Bodies travel in one of two forms, named by Content-Type and asked for with Accept: compact
/// binary (cereal's portable binary layout, little-endian, read with a bounded archive) for
/// Fieldcheck itself, JSON for curl and scripts.
inline constexpr const char* kBinaryMediaType = "application/x-fieldcheck";
inline constexpr const char* kJsonMediaType = "application/json";

/// One outbox entry: the device's latest revision of a document, numbered by the device's
/// sequence, with the revision of the document the device last had from the server (empty for
/// a document the server does not have yet).
struct PushEntry {
  std::int64_t seq = 0;
  std::string base_revision;
  Document doc;
};

/// A server restored from a backup is another history from the backup on: it has a new identity
/// and tells the highest global sequence the backup held (`restored_seq`). Every answer carries
/// the identity and how far the server holds the asking device's outbox (`device_seq`); every
/// request (class version 2) the identity the laptop last heard. When they differ the server
/// applies none of the request's push (its sequences may leave a gap before what it holds), and
/// the laptop, seeing another identity than the one it remembers, pulls again from
/// min(its cursor, restored_seq) and sends again every entry of its outbox after `device_seq`:
/// the (device, sequence) de-duplication makes each arrive once. An entry based on a revision the
/// restored server lacks (another laptop's, not sent again yet) is acknowledged, not refused: the
/// server parks it until that revision, or a later one descending from it, arrives
/// (ProvincialStorage::applyPush). A laptop that has heard no
/// identity yet is treated the same way by a server that was restored: it may be a laptop updated
/// from a version without identities, with changes acknowledged after the backup. A laptop learns
/// the identity at login when it has synced nothing yet, so a new laptop costs no extra round trip.
/// Compatibility: a request of version 1 (no `server_id`) is answered in version 1, without them;
/// a restored server refuses it (409 update_required), since such a laptop cannot send again.
struct SyncRequest {
  std::vector<PushEntry> push;
  std::int64_t cursor = 0;       // the last server sequence this device has applied
  std::uint32_t page_limit = 500;
  /// The identity the laptop last heard from the server ("" when none yet); nullopt in a request
  /// of version 1, from a laptop that knows no identities.
  std::optional<std::string> server_id = std::string();
};

/// Whether an exchange between a laptop and a server belongs to two histories (see above), seen
/// from either side: `heard` is the identity the laptop last heard ("" when none yet), `own` the
/// server's ("" from a server that keeps none: nothing is compared), `restored_seq` the server's
/// (0 when it was never restored). True when the laptop heard another identity, or none while the
/// server was restored.
bool otherHistory(std::string_view heard, std::string_view own, std::int64_t restored_seq);

/// A change the server set aside, with why. It never blocks the others.
struct Refusal {
  std::int64_t seq = 0;
  std::string doc_id;
  std::string code;
  Bilingual reason;
};

/// A change as the server stores and sends it: its fields travel as their canonical JSON text,
/// the very text its revision id hashes, so neither side parses and re-serialises them.
struct PulledChange {
  std::int64_t seq = 0;     // server sequence
  Document doc;             // every attribute but the fields, which are left empty
  std::string fields_json;  // the fields: canonicalFieldsJson

  /// A change of a whole document (computes the canonical text).
  static PulledChange of(std::int64_t seq, const Document& doc);
  /// The whole document, fields parsed.
  Document document() const;
};

struct SyncResponse {
  std::int64_t acked_through = 0;  // every entry with seq <= this is applied or refused, durably
  std::vector<Refusal> refused;
  std::vector<PulledChange> changes;
  std::int64_t cursor = 0;  // pass back as the next request's cursor
  bool last_page = true;
  std::int64_t server_wall_ms = 0;
  std::string server_id;          // the server's identity; empty: an answer of version 1
  std::int64_t restored_seq = 0;  // the highest global sequence of the backup it was restored from; 0: never restored
  std::int64_t device_seq = 0;    // the highest sequence of the asking device's outbox it holds (applied or refused)
};

/// Attachments travel after the records, in chunks, each to `PUT /v1/uploads/SHA256` with its
/// offset, the whole file's size and type, and the chunk's own SHA-256; the server keeps what it
/// verified, so a cut upload resumes from there (`GET /v1/uploads/SHA256` says where).
inline constexpr std::size_t kUploadChunkBytes = 64 * 1024;

/// How much of an attachment the server holds.
struct UploadState {
  std::uint64_t received = 0;  // verified bytes, from the start
  bool complete = false;       // the whole file is there and its SHA-256 is its name
};

nlohmann::json documentToJson(const Document& doc);
nlohmann::json toJson(const SyncRequest& request);
nlohmann::json toJson(const SyncResponse& response);

/// Strict readers for input that may be hostile: unknown keys, wrong types, out-of-range
/// numbers and oversized lists are refused with a message naming what is wrong.
Result<Document> documentFromJson(const nlohmann::json& json);
Result<SyncRequest> syncRequestFromJson(const nlohmann::json& json);
Result<SyncResponse> syncResponseFromJson(const nlohmann::json& json);

/// The binary form. Its readers apply the same checks as the JSON ones, and refuse truncated
/// input, stray bytes, and sizes or counts beyond the limits before allocating for them.
std::string toBinary(const SyncRequest& request);
std::string toBinary(const SyncResponse& response);
Result<SyncRequest> syncRequestFromBinary(std::string_view bytes);
Result<SyncResponse> syncResponseFromBinary(std::string_view bytes);

}  // namespace fieldcheck::protocol
