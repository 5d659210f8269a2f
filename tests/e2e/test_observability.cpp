// Watching the real `fieldcheck-server`: its log in JSON lines (every line an object, each request
// with its id, route, status, duration and caller, nothing secret) and /metrics over TCP, after a
// laptop's login and sync with a photo and a console login.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include <signal.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

// A sample's value in a scrape ("name{labels}" as written), 0 when absent.
double sampleOf(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return 0;
}

std::string settingOf(const std::string& database, const std::string& key) {
  SQLite::Database db(database, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT value FROM settings WHERE key = ?");
  st.bind(1, key);
  return st.executeStep() ? st.getColumn(0).getString() : "";
}

}  // namespace

TEST_CASE("observability: a day's sync and a console login leave JSON log lines without secrets, and /metrics counts them",
          "[e2e][observability]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  REQUIRE(addServerUser(data, "tinh", {"--role", "provincial"}));
  ServerProcess server(data, 0, {"--log-format", "json"});

  // A laptop logs in, writes an inspection with a distinctive answer and a photo, and syncs.
  Laptop lan{(dir / "lan").string(), "lan"};
  lan.loginTo(server.port());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"--json", "inspect", "new", "--establishment", code});
  REQUIRE(created.exit_code == 0);
  const auto id = json::parse(created.out)["id"].get<std::string>();
  const std::string answer_text = "ZQX4417 chu-quan-bi-mat";
  REQUIRE(lan.run({"inspect", "set", id, "team_members=" + answer_text}).exit_code == 0);
  const auto photo = sampleJpeg(30'000, 17);
  std::ofstream(dir / "photo.jpg", std::ios::binary) << photo;
  REQUIRE(lan.run({"inspect", "attach", id, "photo_premises", (dir / "photo.jpg").string()}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);
  const auto laptop_db = lan.home + "/fieldcheck.db";
  const auto device_token = settingOf(laptop_db, "token");
  const auto device_id = settingOf(laptop_db, "device_id");
  REQUIRE(device_token.size() >= 16);
  REQUIRE_FALSE(device_id.empty());

  // Someone at the province logs in to the console, reads who they are, and logs out.
  const auto login = httpRequest(server.port(), "POST", "/api/session", {{"Content-Type", "application/json"}},
                                 json{{"user", "tinh"}, {"password", testPassword("tinh")}}.dump());
  REQUIRE(login.status == 200);
  const auto cookie = login.headers.at("set-cookie");
  const auto cookie_token = cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1);
  const auto csrf = json::parse(login.body)["csrf"].get<std::string>();
  REQUIRE(cookie_token.size() >= 16);
  REQUIRE(csrf.size() >= 16);
  CHECK(httpRequest(server.port(), "GET", "/api/me", {{"Cookie", "fc_console=" + cookie_token}}).status == 200);
  CHECK(httpRequest(server.port(), "DELETE", "/api/session",
                    {{"Cookie", "fc_console=" + cookie_token}, {"X-Fieldcheck-Csrf", csrf}})
            .status == 204);
  // A wrong password, and a request whose query string carries what looks like a secret.
  CHECK(httpRequest(server.port(), "POST", "/api/session", {{"Content-Type", "application/json"}},
                    json{{"user", "tinh"}, {"password", "wrong-secret-9931"}}.dump())
            .status == 401);
  CHECK(httpRequest(server.port(), "GET", "/?code=query-secret-5120").status == 200);

  SECTION("/metrics over TCP shows the push, the photo's bytes and the requests by endpoint and status") {
    const auto scraped = httpRequest(server.port(), "GET", "/metrics");
    REQUIRE(scraped.status == 200);
    CHECK_THAT(scraped.headers.at("content-type"), Catch::StartsWith("text/plain; version=0.0.4"));
    const auto& text = scraped.body;
    INFO(text);
    CHECK(sampleOf(text, "fieldcheck_pushes_total") >= 1);
    CHECK(sampleOf(text, "fieldcheck_entries_applied_total") >= 1);
    CHECK(sampleOf(text, "fieldcheck_uploaded_bytes_total") == static_cast<double>(photo.size()));
    CHECK(sampleOf(text, "fieldcheck_attachments_bytes") >= static_cast<double>(photo.size()));
    CHECK(sampleOf(text, "fieldcheck_database_bytes") > 0);
    CHECK(sampleOf(text, R"(fieldcheck_http_requests_total{endpoint="/v1/login",status="200"})") == 1);
    CHECK(sampleOf(text, R"(fieldcheck_http_requests_total{endpoint="/v1/sync",status="200"})") >= 2);
    CHECK(sampleOf(text, R"(fieldcheck_http_requests_total{endpoint="/v1/uploads/:sha256",status="200"})") >= 1);
    CHECK(sampleOf(text, R"(fieldcheck_http_requests_total{endpoint="console",status="200"})") >= 2);
    CHECK(sampleOf(text, R"(fieldcheck_http_requests_total{endpoint="console",status="401"})") == 1);
    CHECK(sampleOf(text, R"(fieldcheck_logins_total{result="ok"})") == 2);
    CHECK(sampleOf(text, R"(fieldcheck_logins_total{result="failed"})") == 1);
    CHECK(sampleOf(text, R"(fieldcheck_http_request_duration_seconds_count{endpoint="/v1/sync"})") >= 2);
    CHECK(text.find("query-secret-5120") == std::string::npos);
  }

  SECTION("every log line is one JSON object, each request's with its id, route, status, duration and caller") {
    REQUIRE(server.stop(SIGTERM) == 0);
    const auto log = fieldcheck::readWholeFile(server.logFile());
    std::size_t requests = 0, laptop_lines = 0, console_lines = 0;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      INFO(line);
      const auto entry = json::parse(line, nullptr, false);
      REQUIRE(entry.is_object());
      CHECK(entry.contains("time"));
      CHECK(entry.contains("level"));
      if (!entry.contains("request_id")) continue;
      ++requests;
      CHECK(std::regex_match(entry["request_id"].get<std::string>(), std::regex("[0-9a-f]{16}")));
      for (const char* key : {"endpoint", "status", "duration_ms", "method", "peer"}) CHECK(entry.contains(key));
      if (entry["endpoint"] == "/v1/sync" || entry["endpoint"] == "/v1/uploads/:sha256") {
        CHECK(entry.value("user", "") == "lan");
        CHECK(entry.value("device", "") == device_id);
        ++laptop_lines;
      }
      if (entry["endpoint"] == "console" && entry["status"] == 200 && entry.value("path", "") == "/api/me") {
        CHECK(entry.value("user", "") == "tinh");
        CHECK(entry.value("device", "") == "console");
        ++console_lines;
      }
    }
    CHECK(requests >= 10);
    CHECK(laptop_lines >= 3);
    CHECK(console_lines == 1);
  }

  SECTION("no password, token, cookie, CSRF token, query string or answer appears anywhere in the log") {
    REQUIRE(server.stop(SIGTERM) == 0);
    const auto log = fieldcheck::readWholeFile(server.logFile());
    REQUIRE(log.find("/v1/sync") != std::string::npos);  // the log is there, and holds the sync
    for (const auto& secret : {testPassword("lan"), testPassword("tinh"), std::string("wrong-secret-9931"), device_token,
                               cookie_token, csrf, answer_text, std::string("ZQX4417"), std::string("query-secret-5120")}) {
      INFO("secret " << secret);
      CHECK(log.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("observability: behind a trusted proxy /metrics answers a forwarded caller only with the metrics token",
          "[e2e][observability]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  const std::string token = "4f1c9a7e2b8d6c3f0a5e9b1d7c2f8a4e6b0d3c9f5a1e7b2d8c4f0a6e3b9d5c1f";
  const auto config = dir / "server.toml";
  std::ofstream(config) << "[tls]\nplain_http = \"anywhere\"\ntrusted_proxies = [\"127.0.0.1\"]\n\n[metrics]\ntoken = \"" << token
                        << "\"\n";
  ServerProcess server(data, 0, {}, {"--config", config.string()});
  const std::map<std::string, std::string> forwarded{{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"}};
  auto with = [&](std::map<std::string, std::string> headers, const std::string& authorization) {
    if (!authorization.empty()) headers["Authorization"] = authorization;
    return httpRequest(server.port(), "GET", "/metrics", headers);
  };
  const auto stranger = with(forwarded, "");
  CHECK(stranger.status == 404);
  CHECK(stranger.body.find("metric") == std::string::npos);
  CHECK(with(forwarded, "Bearer " + token.substr(0, 63) + "0").status == 404);
  const auto scraper = with(forwarded, "Bearer " + token);
  CHECK(scraper.status == 200);
  CHECK_THAT(scraper.body, Catch::Contains("fieldcheck_http_requests_total{endpoint=\"/metrics\",status=\"404\"} 2"));
  CHECK(with({}, "").status == 200);  // the proxy's own address, loopback, asking for itself
  REQUIRE(server.stop(SIGTERM) == 0);
  const auto log = fieldcheck::readWholeFile(server.logFile());
  CHECK(log.find(token) == std::string::npos);
  CHECK(log.find(token.substr(0, 63)) == std::string::npos);
  CHECK_THAT(log, Catch::Contains("refused GET /metrics from 203.0.113.9: 404"));
}
