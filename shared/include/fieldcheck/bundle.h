// Sync with no link at all: a bundle carries a laptop's unacknowledged changes and the photos
// they need to the server on a USB stick, sealed so only the server can read it; a receipt,
// signed by the server, carries the acknowledgement and the changes to pull back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/result.h"

namespace fieldcheck::bundle {

/// Most bytes a bundle or a receipt may hold (they are read whole).
inline constexpr std::size_t kMaxFileBytes = 1024ull * 1024 * 1024;

struct Attachment {
  AttachmentRef ref;
  std::string bytes;
};

struct Bundle {
  std::string device;
  std::string token;  // the device's token: inside the seal, it proves the bundle's origin as a sync does
  std::vector<std::vector<protocol::PushEntry>> batches;  // the outbox, in sync batches
  std::int64_t cursor = 0;  // the laptop's pull cursor, for the changes the receipt carries back
  std::vector<Attachment> attachments;
  /// The server identity the laptop last heard (protocol.h), carried in each batch as a sync
  /// carries it; empty when it has heard none; nullopt in a bundle whose batches are of protocol
  /// version 1, made by a laptop that knows no identities.
  std::optional<std::string> server_id = std::string();
};

/// The file: a line naming the format, then the bundle sealed to the server's sealing key.
std::string writeBundle(const Bundle& bundle, const std::string& server_sealing_public_hex);
/// Reads a bundle file with the server's sealing keys. Refuses, saying so in both languages, a
/// file that is not a bundle, one sealed to another server, and one altered or cut short.
Result<Bundle> readBundle(std::string_view file, const KeyPair& server_sealing_keys);

struct Receipt {
  std::string device;
  std::vector<protocol::SyncResponse> answers;  // as a sync's, in order: each batch's acknowledgement
                                                // and refusals, then pages of changes to pull
  std::vector<std::string> attachments_held;    // SHA-256s the server now holds whole
};

/// The file: a line naming the format, then the receipt signed with the server's signing key.
std::string writeReceipt(const Receipt& receipt, const std::string& server_signing_secret_hex);
/// Reads a receipt for `device` checked against the server's signing key. Refuses a file that
/// is not a receipt, one not signed by this server or altered, and one for another device.
Result<Receipt> readReceipt(std::string_view file, const std::string& server_signing_public_hex, const std::string& device);

}  // namespace fieldcheck::bundle
