// Applying a bundle carried in on a USB stick: the same rules as a sync, and a signed receipt.
#pragma once

#include <string>
#include <string_view>

#include "fieldcheck/result.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

struct BundleImport {
  std::string receipt;         // the receipt file's bytes, signed by this server
  std::string user;            // whose bundle it was
  std::size_t entries = 0;     // changes in it
  std::size_t refused = 0;     // of the batches' entries, refused (now or before)
  std::size_t attachments = 0; // photos now held whole
  std::size_t pulled = 0;      // changes the receipt carries back
  /// The bundle was made for another history of this server (it was restored from a backup since):
  /// none of its changes was applied; its receipt sends the laptop back to what this server holds.
  bool other_history = false;
};

/// Opens a bundle with the server's keys and applies it as the device's syncs would have: its
/// attachments (each checked chunk by chunk and whole), then its batches with the same
/// exactly-once rules as a push (a bundle imported twice, or after the same changes came online,
/// changes nothing), then writes a receipt with the acknowledgement and the changes in the
/// device's scope after its cursor. Refuses a damaged, altered or foreign bundle, and one whose
/// device is unknown or revoked, changing nothing.
Result<BundleImport> importBundle(ProvincialStorage& storage, std::string_view bundle_file);

}  // namespace fieldcheck::server
