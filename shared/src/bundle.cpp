// Bundles and receipts.
//
// Inside the seal (or after the signature), a bundle and a receipt are frames, each a 64-bit
// little-endian length and its bytes: first a JSON header, then binary sync messages
// (protocol.h), then a bundle's attachment bytes in the header's order.
#include "fieldcheck/bundle.h"

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"

namespace fieldcheck::bundle {
namespace {

using nlohmann::json;

constexpr std::string_view kBundleMagic = "FIELDCHECK-BUNDLE 1\n";
constexpr std::string_view kReceiptMagic = "FIELDCHECK-RECEIPT 1\n";

void putFrame(std::string& out, std::string_view bytes) {
  std::uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out.append(bytes);
}

// Reads frames front to back; any length beyond what is left fails.
class Frames {
 public:
  explicit Frames(std::string_view bytes) : rest_(bytes) {}
  std::optional<std::string_view> next() {
    if (rest_.size() < 8) return std::nullopt;
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(static_cast<unsigned char>(rest_[static_cast<std::size_t>(i)])) << (8 * i);
    rest_.remove_prefix(8);
    if (n > rest_.size()) return std::nullopt;
    auto frame = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return frame;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

Problem damagedBundle() {
  return problem("Tệp gói dữ liệu bị hỏng, bị sửa hoặc bị cắt cụt, hoặc không dành cho máy chủ này; không nhận gì từ nó. "
                 "Hãy xuất lại gói trên máy kiểm tra.",
                 "The bundle is damaged, altered or cut short, or not meant for this server; nothing was taken from it. "
                 "Export it again on the laptop.");
}

}  // namespace

std::string writeBundle(const Bundle& b, const std::string& server_sealing_public_hex) {
  json attachments = json::array();
  for (const auto& a : b.attachments)
    attachments.push_back({{"sha256", a.ref.sha256}, {"size", a.ref.size_bytes}, {"type", a.ref.media_type}});
  std::string inner;
  putFrame(inner, json{{"device", b.device}, {"token", b.token}, {"cursor", b.cursor}, {"batches", b.batches.size()},
                       {"attachments", attachments}}
                      .dump());
  for (const auto& batch : b.batches)
    putFrame(inner, protocol::toBinary(protocol::SyncRequest{batch, b.cursor, 1, b.server_id}));
  for (const auto& a : b.attachments) putFrame(inner, a.bytes);
  return std::string(kBundleMagic) + seal(inner, server_sealing_public_hex);
}

Result<Bundle> readBundle(std::string_view file, const KeyPair& server_sealing_keys) {
  if (file.substr(0, kBundleMagic.size()) != kBundleMagic)
    return problem("Tệp này không phải gói dữ liệu Fieldcheck.", "This file is not a Fieldcheck bundle.");
  const auto inner = unseal(file.substr(kBundleMagic.size()), server_sealing_keys);
  if (!inner) return damagedBundle();
  Frames frames(*inner);
  Bundle b;
  try {
    const auto header_text = frames.next();
    if (!header_text) return damagedBundle();
    const auto header = json::parse(*header_text);
    b.device = header.at("device").get<std::string>();
    b.token = header.at("token").get<std::string>();
    b.cursor = header.at("cursor").get<std::int64_t>();
    const auto batches = header.at("batches").get<std::size_t>();
    for (std::size_t i = 0; i < batches; ++i) {
      const auto frame = frames.next();
      if (!frame) return damagedBundle();
      auto request = protocol::syncRequestFromBinary(*frame);
      if (!request) return request.problem();
      if (!request.value().server_id) b.server_id.reset();
      else if (b.server_id && !request.value().server_id->empty()) b.server_id = *request.value().server_id;
      b.batches.push_back(std::move(request.value().push));
    }
    for (const auto& a : header.at("attachments")) {
      Attachment attachment{{a.at("sha256").get<std::string>(), a.at("size").get<std::uint64_t>(), a.at("type").get<std::string>()}, {}};
      const auto frame = frames.next();
      if (!frame || frame->size() != attachment.ref.size_bytes) return damagedBundle();
      attachment.bytes = std::string(*frame);
      b.attachments.push_back(std::move(attachment));
    }
  } catch (const json::exception&) {
    return damagedBundle();
  }
  if (!frames.done()) return damagedBundle();
  return b;
}

std::string writeReceipt(const Receipt& r, const std::string& server_signing_secret_hex) {
  std::string inner;
  putFrame(inner, json{{"device", r.device}, {"attachments_held", r.attachments_held}, {"answers", r.answers.size()}}.dump());
  for (const auto& answer : r.answers) putFrame(inner, protocol::toBinary(answer));
  return std::string(kReceiptMagic) + signMessage(inner, server_signing_secret_hex);
}

Result<Receipt> readReceipt(std::string_view file, const std::string& server_signing_public_hex, const std::string& device) {
  if (file.substr(0, kReceiptMagic.size()) != kReceiptMagic)
    return problem("Tệp này không phải biên nhận Fieldcheck.", "This file is not a Fieldcheck receipt.");
  const auto inner = openSigned(file.substr(kReceiptMagic.size()), server_signing_public_hex);
  if (!inner)
    return problem("Biên nhận không có chữ ký của máy chủ của máy này, hoặc đã bị sửa; không dùng nó, vì nó có thể làm mất "
                   "những thay đổi chưa thật sự tới máy chủ.",
                   "The receipt is not signed by this laptop's server, or was altered; it is not used, as it could make "
                   "the laptop drop changes that never reached the server.");
  Frames frames(*inner);
  Receipt r;
  try {
    const auto header_text = frames.next();
    if (!header_text) throw std::invalid_argument("frames");
    const auto header = json::parse(*header_text);
    r.device = header.at("device").get<std::string>();
    r.attachments_held = header.at("attachments_held").get<std::vector<std::string>>();
    const auto answers = header.at("answers").get<std::size_t>();
    for (std::size_t i = 0; i < answers; ++i) {
      const auto frame = frames.next();
      if (!frame) throw std::invalid_argument("frames");
      auto decoded = protocol::syncResponseFromBinary(*frame);
      if (!decoded) return decoded.problem();
      r.answers.push_back(std::move(decoded.value()));
    }
    if (!frames.done()) throw std::invalid_argument("frames");
  } catch (const std::exception&) {
    return problem("Biên nhận bị hỏng; hãy nhờ văn phòng nhận lại gói để có biên nhận mới (nhận lại không tạo bản trùng).",
                   "The receipt is damaged; ask the office to import the bundle again for a new receipt (importing again "
                   "duplicates nothing).");
  }
  if (r.device != device)
    return problem("Biên nhận này dành cho một máy khác, không phải máy này; không dùng nó.",
                   "This receipt is for another laptop, not this one; it is not used.");
  return r;
}

}  // namespace fieldcheck::bundle
