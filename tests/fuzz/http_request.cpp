// Fuzz target: bytes on a connection to the server, read as the server reads them (http_request.h
// for each request's head and transfer coding, admitBody for how much body to read, then
// handleEncoded), against a real provincial SQLite storage in a temporary folder made once per
// process, with the sample seed, an inspector and a supervisor of Bảo Lạc and a device token for
// each: "Authorization: Bearer fuzz-inspector-token" or "... fuzz-supervisor-token". That reaches
// every decoder of a request: the HTTP parser, login bodies, push bodies (JSON, binary and zstd),
// upload headers (Fieldcheck-Offset, -Size, -Chunk-Sha256) and paths.
// Checks: no request gets a 500 (handle's promise: hostile input gets a 4xx).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/seed.h"
#include "fuzz_check.h"
#include "http_request.h"
#include "login_budget.h"
#include "support/temp_dir.h"
#include "tuning.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using fieldcheck::fuzz::contractBroken;
namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// Requests read from one input at most, as on one kept-alive connection.
constexpr int kMaxRequestsPerInput = 4;
constexpr const char* kPeer = "192.0.2.7";

// The storage and its folder; the folder goes when the process ends.
struct Server {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;

  Server() {
    auto opened = openSqliteStorage(dir.path(), true);
    if (!opened) contractBroken("cannot open the storage", opened.problem().message.en);
    storage = std::move(opened.value());
    auto seed = loadSeed(FIELDCHECK_SEED_DIR);
    if (!seed || !storage->importSeed(seed.value()).ok()) contractBroken("cannot load the sample seed");
    const auto hash = hashPassword("secret-pass");
    const struct {
      User user;
      const char* device_id;
      const char* token;
    } accounts[] = {
        {{"lan", Role::kInspector, std::string("bao-lac"), false, ""}, "0123456789abcdef0123456789abcdef", "fuzz-inspector-token"},
        {{"minh", Role::kSupervisor, std::string("bao-lac"), false, ""}, "fedcba9876543210fedcba9876543210", "fuzz-supervisor-token"},
    };
    for (const auto& a : accounts) {
      if (!storage->addUser(a.user, hash).ok()) contractBroken("cannot add a user");
      if (!storage->enrolDevice(a.user.name, a.device_id, "fuzz", tokenHash(a.token)).ok()) contractBroken("cannot enrol a device");
    }
  }
};

Server& server() {
  static Server s;
  return s;
}

// Feeds `rest` to `parser` until it stops (done, an error, or it needs bytes there are not):
// what the server's reads do, with every byte already arrived.
void feed(RequestParser& parser, std::string_view& rest, boost::beast::error_code& ec, bool until_done) {
  while (!ec && !(until_done ? parser.is_done() : parser.is_header_done())) {
    const auto used = parser.put(net::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (used == 0 && !ec) ec = http::error::need_more;
  }
}

// One request off the connection; false when the server would close it after this one.
bool serveOne(std::string_view& rest, LoginBudget& logins) {
  auto& storage = *server().storage;
  RequestParser parser;
  limitRequest(parser);
  boost::beast::error_code ec;
  feed(parser, rest, ec, false);
  if (ec) return false;  // a 400 or 413, or a head still coming when the read times out
  if (!transferCodingAccepted(parser)) return false;
  ApiRequest request;
  if (!parser.is_done()) {
    const auto announced = parser.content_length();
    const auto content_length = announced ? std::optional<std::uint64_t>(*announced) : std::nullopt;
    const auto admitted = admitBody(requestHead(parser, kPeer), content_length, storage);
    if (std::holds_alternative<ApiResponse>(admitted)) return false;
    parser.body_limit(std::get<std::size_t>(admitted));
    parser.eager(true);
    feed(parser, rest, ec, true);
    if (ec) return false;
  }
  request = requestHead(parser, kPeer);
  request.body = std::move(parser.get().body());
  const auto method = request.method, target = request.target;
  const auto response = handleEncoded(std::move(request), storage, logins);
  if (response.status == 500) contractBroken("a request got a 500", response.body);
  // FIELDCHECK_FUZZ_VERBOSE=1 shows how far the inputs go (the seeds should reach every endpoint).
  static const bool verbose = std::getenv("FIELDCHECK_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "fuzz: %s %s -> %u %s\n", forLog(method).c_str(), forLog(target).c_str(), response.status,
                            forLog(response.body, 120).c_str());
  return parser.get().keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // A budget per input, so that one input's failed logins do not pause the next one's.
  LoginBudget logins(tuning::kMaxFailedLoginsPerAddress, tuning::kLoginAddressWindow, tuning::kMaxTrackedLoginAddresses);
  for (int i = 0; i < kMaxRequestsPerInput && !rest.empty(); ++i)
    if (!serveOne(rest, logins)) break;
  return 0;
}
