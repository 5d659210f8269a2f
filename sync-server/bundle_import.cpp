// Bundle import.
#include "bundle_import.h"

#include <algorithm>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "push_rules.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

// Most changes a receipt carries back: a district's whole record fits many times over.
constexpr std::size_t kMaxReceiptPages = 50;

}  // namespace

Result<BundleImport> importBundle(ProvincialStorage& storage, std::string_view bundle_file) {
  const auto keys = storage.serverKeys();
  auto opened = bundle::readBundle(bundle_file, keys.sealing);
  if (!opened) return opened.problem();
  const auto& b = opened.value();
  const auto who = storage.identityForToken(tokenHash(b.token));
  if (!who || who->device != b.device)
    return problem("Gói này của một máy chưa đăng ký hoặc đã bị thu hồi quyền; không nhận gì từ nó.",
                   "This bundle comes from a device that is not enrolled or was revoked; nothing was taken from it.");
  // A bundle is its laptop's sync by hand: it counts as the token's use, as a sync does (api.cpp),
  // so a laptop that only sends bundles is not told its login expired when it next goes online.
  // An expired token is still taken here: a bundle is how a laptop away for months sends its work,
  // and a person of the province imports it.
  storage.deviceSeen(who->device, wallClockMs());
  const auto own = storage.identity();
  if (!b.server_id && own.restored_seq > 0) return updateRequired();  // no receipt: nothing was taken
  BundleImport result;
  result.user = who->user;
  bundle::Receipt receipt;
  receipt.device = b.device;
  for (const auto& a : b.attachments) {
    auto state = storage.uploadState(a.ref.sha256, who->device);
    while (!state.complete) {
      const auto chunk = std::string_view(a.bytes).substr(state.received, tuning::kMaxUploadChunkBytes);
      auto appended = storage.appendUpload(*who, a.ref.sha256, state.received, a.ref.size_bytes, a.ref.media_type, chunk,
                                           sha256Hex(chunk));
      if (!appended || !appended.value().appended) break;  // refused for good: the rest still goes on
      state = appended.value().state;
    }
    if (state.complete) receipt.attachments_held.push_back(a.ref.sha256);
  }
  result.attachments = receipt.attachments_held.size();
  // A laptop that last heard another history of this server (restored from a backup since) has
  // nothing applied, as a sync would not (api.cpp): its batches may start past what this history
  // holds of it. The receipt carries this server's identity and how far it holds the laptop's
  // outbox; the laptop goes back there and sends the rest again in its next bundle or sync.
  result.other_history = protocol::otherHistory(b.server_id.value_or(""), own.id, own.restored_seq);
  std::int64_t acked_through = 0;
  for (const auto& batch : b.batches) {
    if (result.other_history) break;
    result.entries += batch.size();
    const auto outcome = pushBatch(*who, batch, storage);
    protocol::SyncResponse answer;
    answer.acked_through = acked_through = outcome.acked_through;
    answer.refused = outcome.refused;
    answer.cursor = b.cursor;
    answer.server_wall_ms = wallClockMs();
    result.refused += outcome.refused.size();
    receipt.answers.push_back(std::move(answer));
  }
  // The laptop's cursor belongs to its history; for another one, the pages start where both share.
  auto cursor = result.other_history ? std::min(b.cursor, storage.identity().restored_seq) : b.cursor;
  for (std::size_t page = 0; page < kMaxReceiptPages; ++page) {
    auto answer = storage.pull(pullScope(*who), cursor, static_cast<std::uint32_t>(protocol::kMaxPageChanges));
    answer.acked_through = result.other_history ? answer.device_seq : acked_through;
    answer.server_wall_ms = wallClockMs();
    cursor = answer.cursor;
    result.pulled += answer.changes.size();
    const bool last = answer.last_page;
    receipt.answers.push_back(std::move(answer));
    if (last) break;
  }
  storage.audit(who->user, who->device, "bundle.import",
                std::to_string(result.entries) + " entries, " + std::to_string(result.attachments) + " attachments, acked through " +
                    std::to_string(acked_through));
  result.receipt = bundle::writeReceipt(receipt, keys.signing.secret_hex);
  return result;
}

}  // namespace fieldcheck::server
