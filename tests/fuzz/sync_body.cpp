// Fuzz target: sync bodies as the server and the laptop read them. The first byte picks the
// reader: 0 a binary sync request, 1 a binary sync response, 2 a JSON sync request, 3 a JSON sync
// response, 4 a JSON document, 5 a zstd body (decompressed with a limit, then read as a binary
// request when it starts with the endianness byte 1, else as a JSON request).
// Every message read must encode and read back to the same bytes, in both forms.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fieldcheck/compression.h"
#include "fieldcheck/protocol.h"
#include "fuzz_check.h"

using namespace fieldcheck;
using fieldcheck::fuzz::contractBroken;

namespace {

// Small enough to keep the fuzzer fast, large enough for any body the seeds hold.
constexpr std::size_t kMaxPlainBytes = 1024 * 1024;

// The JSON text as the server reads it; nullopt for text that is not JSON (a 400 there).
std::optional<nlohmann::json> parseJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void checkRoundTrips(const protocol::SyncRequest& request) {
  const auto bytes = protocol::toBinary(request);
  auto binary = protocol::syncRequestFromBinary(bytes);
  if (!binary) contractBroken("a sync request read does not read back from binary", binary.problem().message.en);
  if (protocol::toBinary(binary.value()) != bytes) contractBroken("a sync request changed on its binary round trip");
  auto json = protocol::syncRequestFromJson(protocol::toJson(request));
  if (!json) contractBroken("a sync request read does not read back from JSON", json.problem().message.en);
  if (protocol::toBinary(json.value()) != bytes) contractBroken("a sync request changed on its JSON round trip");
}

void checkRoundTrips(const protocol::SyncResponse& response) {
  const auto bytes = protocol::toBinary(response);
  auto binary = protocol::syncResponseFromBinary(bytes);
  if (!binary) contractBroken("a sync response read does not read back from binary", binary.problem().message.en);
  if (protocol::toBinary(binary.value()) != bytes) contractBroken("a sync response changed on its binary round trip");
  auto json = protocol::syncResponseFromJson(protocol::toJson(response));
  if (!json) contractBroken("a sync response read does not read back from JSON", json.problem().message.en);
  if (protocol::toBinary(json.value()) != bytes) contractBroken("a sync response changed on its JSON round trip");
}

template <class Message>
void checkIfRead(const Result<Message>& read) {
  if (read) checkRoundTrips(read.value());
}

void readSyncRequestBody(std::string_view body) {
  if (!body.empty() && body.front() == 1) {
    checkIfRead(protocol::syncRequestFromBinary(body));
  } else if (auto json = parseJson(body)) {
    checkIfRead(protocol::syncRequestFromJson(*json));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const auto body = fuzz::afterSelector(data, size);
  switch (data[0] % 6) {
    case 0: checkIfRead(protocol::syncRequestFromBinary(body)); break;
    case 1: checkIfRead(protocol::syncResponseFromBinary(body)); break;
    case 2:
      if (auto json = parseJson(body)) checkIfRead(protocol::syncRequestFromJson(*json));
      break;
    case 3:
      if (auto json = parseJson(body)) checkIfRead(protocol::syncResponseFromJson(*json));
      break;
    case 4:
      if (auto json = parseJson(body)) {
        auto doc = protocol::documentFromJson(*json);
        if (doc) {
          auto again = protocol::documentFromJson(protocol::documentToJson(doc.value()));
          if (!again || !(again.value() == doc.value())) contractBroken("a document changed on its JSON round trip");
        }
      }
      break;
    case 5: {
      auto plain = decompress(body, kMaxPlainBytes);
      if (!plain) break;
      if (plain.value().size() > kMaxPlainBytes) contractBroken("decompress went past its limit");
      auto again = decompress(compress(plain.value()), kMaxPlainBytes);
      if (!again || again.value() != plain.value()) contractBroken("zstd did not round-trip");
      readSyncRequestBody(plain.value());
      break;
    }
  }
  return 0;
}
