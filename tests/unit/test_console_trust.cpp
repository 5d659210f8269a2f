// The console's door (console_trust.h) without a socket: sessions, cookies, CSRF and Origin,
// one-time passwords, security headers and assets, on a real provincial database.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "accounts.h"
#include "api.h"
#include "console_trust.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/seed.h"
#include "support/console_answers.h"
#include "support/temp_dir.h"
#include "../../sync-server/tuning.h"  // the server's (the client has a tuning.h of its own)

using namespace fieldcheck;
using namespace fieldcheck::server;
using fieldcheck::test::consoleTestAssets;
using fieldcheck::test::headerOf;
namespace tuning = fieldcheck::server::tuning;
using nlohmann::json;

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr const char* kHost = "127.0.0.1:8470";

std::string code(const ApiResponse& r) {
  const auto body = json::parse(r.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

struct Session {
  std::string token;
  std::string csrf;
};

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  LoginBudget logins{30, std::chrono::minutes(5), 100};
  ConsoleContext context{consoleTestAssets(), logins, false};
  std::int64_t now_ms = 1'800'000'000'000;  // 2027-01-15, moved by the tests, never slept

  Fixture() {
    auto opened = openSqliteStorage(dir.path(), true);
    REQUIRE(opened.ok());
    storage = std::move(opened.value());
    REQUIRE(storage->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    REQUIRE(storage->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  }

  ApiResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                   std::map<std::string, std::string> headers = {}, const std::string& peer = "127.0.0.1") {
    headers.emplace("host", kHost);
    return handleConsole({method, target, std::move(headers), body, peer}, *storage, context, now_ms);
  }

  ApiResponse logIn(const std::string& user, const std::string& password, const std::string& peer = "127.0.0.1") {
    return call("POST", "/api/session", json{{"user", user}, {"password", password}}.dump(),
                {{"content-type", "application/json"}, {"origin", std::string("http://") + kHost}}, peer);
  }

  Session session(const std::string& user = "lan", const std::string& password = "secret-pass") {
    const auto r = logIn(user, password);
    REQUIRE(r.status == 200);
    const auto cookie = headerOf(r, "Set-Cookie");
    const auto start = cookie.find('=') + 1;
    return {cookie.substr(start, cookie.find(';') - start), json::parse(r.body)["csrf"].get<std::string>()};
  }

  // A request of the page in session `s`: its cookie, and on a change its CSRF token and Origin.
  ApiResponse as(const Session& s, const std::string& method, const std::string& target, const std::string& body = "") {
    std::map<std::string, std::string> headers{{"cookie", "other=1; fc_console=" + s.token}};
    if (method != "GET") {
      headers["x-fieldcheck-csrf"] = s.csrf;
      headers["origin"] = std::string("http://") + kHost;
      if (!body.empty()) headers["content-type"] = "application/json";
    }
    return call(method, target, body, headers);
  }

  std::vector<std::string> auditActions(const std::string& device) {
    SQLite::Database db((dir.path() / "provincial.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT action || ' ' || detail FROM audit WHERE device = ? ORDER BY id");
    st.bind(1, device);
    std::vector<std::string> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
  }
};

void checkSecurityHeaders(const ApiResponse& r) {
  CHECK(headerOf(r, "Content-Security-Policy") ==
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  CHECK(headerOf(r, "X-Content-Type-Options") == "nosniff");
  CHECK(headerOf(r, "Referrer-Policy") == "no-referrer");
  CHECK(headerOf(r, "X-Frame-Options") == "DENY");
  CHECK_FALSE(headerOf(r, "Cache-Control").empty());
}

}  // namespace

TEST_CASE("console: a login sets an HttpOnly SameSite=Strict cookie and the server keeps only its token's hash", "[console]") {
  Fixture f;
  const auto r = f.logIn("lan", "secret-pass");
  REQUIRE(r.status == 200);
  const auto cookie = headerOf(r, "Set-Cookie");
  CHECK(cookie.rfind("fc_console=", 0) == 0);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Path=/") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);
  const auto me = json::parse(r.body);
  CHECK(me["user"] == "lan");
  CHECK(me["role"] == "inspector");
  CHECK(me["district"] == "bao-lac");
  CHECK(me["must_change_password"] == false);
  CHECK(me["may"]["review"] == false);
  CHECK(me["idle_timeout_minutes"] == 30);
  CHECK(me["role_label"]["vi"] == "Cán bộ kiểm tra");
  CHECK(me["district_name"] == "Bảo Lạc");
  CHECK(me["province"] == "Cao Bằng");

  const auto start = cookie.find('=') + 1;
  const auto token = cookie.substr(start, cookie.find(';') - start);
  REQUIRE(token.size() >= 40);
  SQLite::Database db((f.dir.path() / "provincial.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement rows(db, "SELECT token_hash, user, csrf FROM console_sessions");
  REQUIRE(rows.executeStep());
  CHECK(rows.getColumn(0).getString() == tokenHash(token));
  CHECK(rows.getColumn(0).getString() != token);
  CHECK(rows.getColumn(1).getString() == "lan");
  CHECK_FALSE(rows.executeStep());

  const auto again = f.as({token, ""}, "GET", "/api/me");
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body)["csrf"] == me["csrf"]);
  CHECK(f.auditActions("console") == std::vector<std::string>{"console.login 127.0.0.1"});

  SECTION("a new login from the same browser ends the session it held") {
    const auto relogin = f.call("POST", "/api/session", R"({"user":"lan","password":"secret-pass"})",
                                {{"content-type", "application/json"}, {"cookie", "fc_console=" + token}});
    REQUIRE(relogin.status == 200);
    CHECK(f.as({token, ""}, "GET", "/api/me").status == 401);
  }
  SECTION("served over TLS, the cookie is Secure") {
    f.context.tls = true;
    const auto secure = f.call("POST", "/api/session", R"({"user":"lan","password":"secret-pass"})",
                               {{"content-type", "application/json"}, {"origin", std::string("https://") + kHost}});
    REQUIRE(secure.status == 200);
    CHECK(headerOf(secure, "Set-Cookie").find("; Secure") != std::string::npos);
  }
}

TEST_CASE("console: a wrong password is refused with 401 and the user's logins pause after too many", "[console]") {
  Fixture f;
  const auto wrong = f.logIn("lan", "not-the-password");
  CHECK(wrong.status == 401);
  CHECK(code(wrong) == "login_refused");
  CHECK(headerOf(wrong, "Set-Cookie").empty());
  CHECK(f.logIn("nobody", "secret-pass").status == 401);
  CHECK(f.auditActions("console") == std::vector<std::string>{"login.refused 127.0.0.1", "login.refused 127.0.0.1"});

  SECTION("the user's pause, from that address") {
    for (int i = 1; i < tuning::kMaxLoginFailures; ++i) CHECK(f.logIn("lan", "not-the-password").status == 401);
    const auto paused = f.logIn("lan", "secret-pass");
    CHECK(paused.status == 429);
    CHECK(code(paused) == "login_paused");
    CHECK(f.logIn("lan", "secret-pass", "198.51.100.20").status == 200);
    f.now_ms += std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kLoginPause).count() + 1;
    CHECK(f.logIn("lan", "secret-pass").status == 200);
  }
  SECTION("the address's budget, shared with the laptops' login") {
    LoginBudget tight{3, std::chrono::minutes(5), 100};
    ConsoleContext context{consoleTestAssets(), tight, false};
    auto attempt = [&](const std::string& password) {
      return handleConsole({"POST", "/api/session", {{"host", kHost}, {"content-type", "application/json"}},
                            json{{"user", "lan"}, {"password", password}}.dump(), "203.0.113.7"},
                           *f.storage, context, f.now_ms);
    };
    for (int i = 0; i < 3; ++i) CHECK(attempt("guess-" + std::to_string(i)).status == 401);
    CHECK(code(attempt("secret-pass")) == "login_paused");
    const auto laptop = handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}},
                                R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})",
                                "203.0.113.7"},
                               *f.storage, tight);
    CHECK(laptop.status == 429);
  }
}

TEST_CASE("console: a request without a live session is answered 401 session_expired", "[console]") {
  Fixture f;
  for (const auto* target : {"/api/me", "/api/inspections", "/api/people"}) {
    const auto r = f.call("GET", target);
    CHECK(r.status == 401);
    CHECK(code(r) == "session_expired");
  }
  const auto forged = f.call("GET", "/api/me", "", {{"cookie", "fc_console=forged-token"}});
  CHECK(forged.status == 401);
  CHECK(headerOf(forged, "Set-Cookie").find("Max-Age=0") != std::string::npos);

  SECTION("and a logout ends the session") {
    const auto s = f.session();
    const auto out = f.as(s, "DELETE", "/api/session");
    CHECK(out.status == 204);
    CHECK(headerOf(out, "Set-Cookie").find("fc_console=;") == 0);
    CHECK(f.as(s, "GET", "/api/me").status == 401);
    CHECK(f.auditActions("console").back() == "console.logout 127.0.0.1");
  }
}

TEST_CASE("console: a change without the session's CSRF header or with a wrong one is refused with 403 and changes nothing", "[console]") {
  Fixture f;
  const auto s = f.session();
  const std::string change = R"({"current":"secret-pass","new":"a-new-password"})";
  const std::map<std::string, std::string> page{{"cookie", "fc_console=" + s.token},
                                                {"origin", std::string("http://") + kHost},
                                                {"content-type", "application/json"}};
  auto without = page;
  const auto missing = f.call("POST", "/api/password", change, without);
  CHECK(missing.status == 403);
  CHECK(code(missing) == "csrf");
  auto wrong = page;
  wrong["x-fieldcheck-csrf"] = s.csrf.substr(1) + "x";
  CHECK(code(f.call("POST", "/api/password", change, wrong)) == "csrf");
  CHECK(code(f.call("DELETE", "/api/session", "", wrong)) == "csrf");
  // Nothing changed: the session lives and the old password still opens one.
  CHECK(f.as(s, "GET", "/api/me").status == 200);
  CHECK(f.logIn("lan", "secret-pass").status == 200);
  CHECK(f.logIn("lan", "a-new-password").status == 401);
}

TEST_CASE("console: a request from another site's origin is refused with 403", "[console]") {
  Fixture f;
  const auto login = f.call("POST", "/api/session", R"({"user":"lan","password":"secret-pass"})",
                            {{"content-type", "application/json"}, {"origin", "http://evil.example"}});
  CHECK(login.status == 403);
  CHECK(code(login) == "origin");
  CHECK(headerOf(login, "Set-Cookie").empty());
  const auto s = f.session();
  auto headers = std::map<std::string, std::string>{{"cookie", "fc_console=" + s.token},
                                                    {"origin", "http://127.0.0.1:9999"},
                                                    {"x-fieldcheck-csrf", s.csrf}};
  CHECK(code(f.call("DELETE", "/api/session", "", headers)) == "origin");
  CHECK(f.as(s, "GET", "/api/me").status == 200);
  SECTION("and a login sent as a form, not JSON, is refused") {
    const auto form = f.call("POST", "/api/session", "user=lan&password=secret-pass",
                             {{"content-type", "application/x-www-form-urlencoded"}});
    CHECK(form.status == 415);
  }
}

TEST_CASE("console: a session idle past the timeout ends, and any session ends after its lifetime", "[console]") {
  Fixture f;
  const auto s = f.session();
  const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleIdleTimeout).count();
  SECTION("used within the timeout, it lives on") {
    for (int i = 0; i < 4; ++i) {
      f.now_ms += idle_ms - kMinuteMs;
      CHECK(f.as(s, "GET", "/api/me").status == 200);
    }
  }
  SECTION("left alone past it, it is over") {
    f.now_ms += idle_ms + 1;
    const auto r = f.as(s, "GET", "/api/me");
    CHECK(r.status == 401);
    CHECK(code(r) == "session_expired");
    f.now_ms -= idle_ms + 1;  // not revived by going back to a time it was alive
    CHECK(f.as(s, "GET", "/api/me").status == 401);
  }
  SECTION("used all day, it ends after its lifetime") {
    const auto lifetime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleSessionLifetime).count();
    const auto start = f.now_ms;
    while (f.now_ms + idle_ms / 2 < start + lifetime_ms) {
      f.now_ms += idle_ms / 2;
      REQUIRE(f.as(s, "GET", "/api/me").status == 200);
    }
    f.now_ms = start + lifetime_ms;
    CHECK(f.as(s, "GET", "/api/me").status == 401);
  }
}

TEST_CASE("console: revoking a user ends their session at once", "[console]") {
  Fixture f;
  const auto s = f.session();
  REQUIRE(f.storage->revokeUser("lan").ok());
  CHECK(f.as(s, "GET", "/api/me").status == 401);
  CHECK(f.logIn("lan", "secret-pass").status == 401);
}

TEST_CASE("console: changing the password ends the user's other sessions and keeps this one", "[console]") {
  Fixture f;
  const auto here = f.session();
  const auto elsewhere = f.session();
  CHECK(code(f.as(here, "POST", "/api/password", R"({"current":"wrong-pass","new":"a-new-password"})")) == "wrong_password");
  CHECK(code(f.as(here, "POST", "/api/password", R"({"current":"secret-pass","new":"short"})")) == "password_length");
  const auto changed = f.as(here, "POST", "/api/password", R"({"current":"secret-pass","new":"a-new-password"})");
  CHECK(changed.status == 204);
  CHECK(f.as(here, "GET", "/api/me").status == 200);
  CHECK(f.as(elsewhere, "GET", "/api/me").status == 401);
  CHECK(f.logIn("lan", "secret-pass").status == 401);
  CHECK(f.logIn("lan", "a-new-password").status == 200);
  for (const auto& line : f.auditActions("console")) CHECK(line.find("a-new-password") == std::string::npos);
  const auto actions = f.auditActions("console");
  CHECK(std::count(actions.begin(), actions.end(), "console.password 127.0.0.1") == 1);
}

TEST_CASE("console: a one-time code opens only the password change until it is changed, and no laptop", "[console]") {
  Fixture f;
  REQUIRE(f.storage->setPassword("lan", hashPassword("one-time-code"), true, "").ok());
  const std::string laptop_login =
      R"({"user":"lan","password":"%","device_name":"Laptop 1","device_id":"0123456789abcdef0123456789abcdef"})";
  auto laptop = [&](const std::string& password) {
    auto body = laptop_login;
    body.replace(body.find('%'), 1, password);
    return handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}}, body, "127.0.0.1"}, *f.storage, f.logins);
  };
  const auto refused = laptop("one-time-code");
  CHECK(refused.status == 403);
  CHECK(code(refused) == "password_change_required");

  const auto r = f.logIn("lan", "one-time-code");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["must_change_password"] == true);
  const auto s = f.session("lan", "one-time-code");
  for (const auto* target : {"/api/inspections", "/api/places", "/api/dashboard"}) {
    const auto gated = f.as(s, "GET", target);
    CHECK(gated.status == 403);
    CHECK(code(gated) == "password_change_required");
  }
  CHECK(f.as(s, "GET", "/api/me").status == 200);
  CHECK(code(f.as(s, "POST", "/api/password", R"({"current":"one-time-code","new":"one-time-code"})")) == "password_unchanged");
  CHECK(f.as(s, "POST", "/api/password", R"({"current":"one-time-code","new":"my-own-password"})").status == 204);
  CHECK(json::parse(f.as(s, "GET", "/api/me").body)["must_change_password"] == false);
  CHECK(code(f.as(s, "GET", "/api/places")) != "password_change_required");
  CHECK(laptop("my-own-password").status == 200);
}

TEST_CASE("console: the security headers are on the page, an asset and an API answer", "[console]") {
  Fixture f;
  const auto page = f.call("GET", "/inspections?state=submitted");
  CHECK(page.status == 200);
  CHECK(page.content_type.rfind("text/html", 0) == 0);
  CHECK(page.body.find("<html") != std::string::npos);
  CHECK(headerOf(page, "Cache-Control") == "no-store");
  checkSecurityHeaders(page);

  const auto asset = f.call("GET", consoleTestAssets().hashedPath("dom.js"));
  CHECK(asset.status == 200);
  CHECK(headerOf(asset, "Cache-Control") == "public, max-age=31536000, immutable");
  checkSecurityHeaders(asset);

  const auto refusal = f.call("GET", "/api/me");
  CHECK(refusal.status == 401);
  checkSecurityHeaders(refusal);
  CHECK(headerOf(refusal, "Cache-Control") == "no-store");
  const auto s = f.session();
  const auto me = f.as(s, "GET", "/api/me");
  CHECK(me.status == 200);
  checkSecurityHeaders(me);
  CHECK(f.call("POST", "/inspections", "x").status == 405);
}

TEST_CASE("console: a static asset is served under its hash, gzip when asked, and 304 to its own ETag", "[console]") {
  Fixture f;
  const auto path = consoleTestAssets().hashedPath("base.css");
  REQUIRE(path.rfind("/static/base.", 0) == 0);
  const auto plain = f.call("GET", path);
  REQUIRE(plain.status == 200);
  CHECK(plain.content_type.rfind("text/css", 0) == 0);
  CHECK(plain.content_encoding.empty());
  const auto etag = headerOf(plain, "ETag");
  REQUIRE_FALSE(etag.empty());
  const auto zipped = f.call("GET", path, "", {{"accept-encoding", "gzip, deflate"}});
  CHECK(zipped.content_encoding == "gzip");
  CHECK(zipped.body != plain.body);
  const auto again = f.call("GET", path, "", {{"if-none-match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(f.call("GET", "/static/base.00000000.css").status == 404);
}

TEST_CASE("console: without a session only a login's worth of body is read", "[console]") {
  Fixture f;
  auto admit = [&](const std::string& method, const std::string& target, std::uint64_t length, const std::string& cookie = "") {
    std::map<std::string, std::string> headers{{"host", kHost}};
    if (!cookie.empty()) headers["cookie"] = "fc_console=" + cookie;
    return admitConsoleBody({method, target, headers, "", "127.0.0.1"}, length, *f.storage, f.now_ms);
  };
  CHECK(std::get<std::size_t>(admit("POST", "/api/session", 200)) == tuning::kMaxConsoleLoginBodyBytes);
  CHECK(std::get<ApiResponse>(admit("POST", "/api/session", 64 * 1024)).status == 413);
  CHECK(std::get<ApiResponse>(admit("POST", "/api/bundles", 1024)).status == 401);
  CHECK(std::get<ApiResponse>(admit("POST", "/api/bundles", 1024, "forged")).status == 401);
  const auto s = f.session();
  CHECK(std::get<std::size_t>(admit("POST", "/api/bundles", 10u << 20, s.token)) == tuning::kMaxConsoleBundleBytes);
  CHECK(std::get<std::size_t>(admit("POST", "/api/review", 100, s.token)) == tuning::kMaxConsoleJsonBodyBytes);
  CHECK(std::get<ApiResponse>(admit("POST", "/api/review", 10u << 20, s.token)).status == 413);
}

TEST_CASE("console: a laptop's sync is noted as its last sighting, which the console shows", "[console]") {
  Fixture f;
  const auto login = handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}},
                             R"({"user":"lan","password":"secret-pass","device_name":"Laptop 1","device_id":"0123456789abcdef0123456789abcdef"})",
                             "127.0.0.1"},
                            *f.storage, f.logins);
  REQUIRE(login.status == 200);
  REQUIRE(f.storage->devices("lan").size() == 1);
  CHECK(f.storage->devices("lan")[0].last_seen_at.empty());
  const auto token = json::parse(login.body)["token"].get<std::string>();
  const auto sync = handle({"POST", "/v1/sync", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}},
                            R"({"push":[],"cursor":0,"page_limit":10})", "127.0.0.1"},
                           *f.storage, f.logins);
  REQUIRE(sync.status == 200);
  const auto seen = f.storage->devices("lan")[0].last_seen_at;
  CHECK(seen.size() == std::string("2019-05-03T02:00:00Z").size());
  CHECK(seen.back() == 'Z');
}
