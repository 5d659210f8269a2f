// Fuzz target: a request to the inspector's app (`fieldcheck ui`) as its server reads one past the
// socket: the trust check (Host, Origin, cookie, the key's exchange), then, for the page's own
// requests, the API over a real home made once per process from the sample seed. The input is
// "METHOD\nTARGET\nCONTENT-TYPE\nBODY". That reaches the request target's decoding (path
// segments, query escapes), every JSON body and every reference a request names.
// Checks: nothing throws out of handle, and no request gets a 500 (hostile input gets a 4xx).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "app/app_api.h"
#include "app/app_trust.h"
#include "fieldcheck/http_target.h"
#include "fieldcheck/text.h"
#include "fuzz_check.h"
#include "inspector_service.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::client;
using fieldcheck::fuzz::contractBroken;

namespace {

struct AppUnderTest {
  test::TempDir dir;
  Home home{dir / "home"};
  std::unique_ptr<AppApi> api;
  AppTrust trust{4711};
  std::string cookie;

  AppUnderTest() {
    if (!initHome(home, FIELDCHECK_SEED_DIR, "fuzz").ok()) contractBroken("the sample seed did not load");
    auto opened = AppApi::open(home);
    if (!opened) contractBroken("the app did not open its home");
    api = std::move(opened.value());
    // A draft to reach: CS-05's inspection, by the establishment's code.
    (void)api->handle({"POST", "/api/inspections", "application/json", R"({"establishment":"CS-05"})"});
    auto exchanged = trust.check({"GET", "/open?key=" + trust.key(), "127.0.0.1:4711", "", "", ""});
    if (!exchanged) contractBroken("the key was not taken");
    for (const auto& [name, value] : exchanged->headers)
      if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
  }
};

AppUnderTest& app() {
  static AppUnderTest instance;
  return instance;
}

std::string_view line(std::string_view& text) {
  const auto end = text.find('\n');
  const auto out = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto method = std::string(line(input));
  const auto target = std::string(line(input));
  const auto content_type = std::string(line(input));
  const std::string body(input);
  const bool request_was_text = isCleanUtf8(target) && isCleanUtf8(body);
  (void)parseHttpTarget(target);
  auto& a = app();
  const std::string origin = "http://127.0.0.1:4711";
  // As another site would send it: refused before the API, whatever it says.
  if (!a.trust.check({method, target, "127.0.0.1:4711", "http://attacker.example", a.cookie, content_type}))
    contractBroken("a request from another origin passed the trust check", target);
  if (a.trust.check({method, target, "127.0.0.1:4711", origin, a.cookie, content_type})) return 0;
  if (target.rfind("/api/sync", 0) == 0 || target.rfind("/api/bundle", 0) == 0) return 0;  // need a server
  AppResponse answer;
  try {
    answer = a.api->handle({method, target, content_type, body});
  } catch (const std::exception& e) {
    contractBroken("AppApi::handle threw", e.what());
  }
  if (answer.status >= 500) contractBroken("a request got a 5xx", answer.body);
  // What the API says is text: a byte that is not UTF-8 in a message is a defect of the message.
  if (answer.content_type.starts_with("application/json") && answer.body.find("\xEF\xBF\xBD") != std::string::npos &&
      request_was_text)
    contractBroken("an answer holds text that was not UTF-8", answer.body);
  return 0;
}
