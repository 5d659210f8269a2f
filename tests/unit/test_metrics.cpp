// The server's metrics and request log (metrics.h, request_dispatch.h, server_log.h) without a
// socket: requests handed to answer() as the network layer hands them, on a real provincial database.
#include <catch2/catch.hpp>

#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/document.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "metrics.h"
#include "request_dispatch.h"
#include "server_log.h"
#include "support/sample_images.h"
#include "support/console_answers.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using fieldcheck::test::consoleTestAssets;
using fieldcheck::test::headerOf;
using nlohmann::json;

namespace {

const std::string kLanDevice = "0123456789abcdef0123456789abcdef";
const std::string kGiamDevice = "0000000000000000000000000000d002";

struct Fixture {
  test::TempDir dir;
  Seed seed = loadSeed(test::sampleSeed()).value();
  LoginBudget logins{30, std::chrono::minutes(5), 100};
  ConsoleContext context{consoleTestAssets(), logins, false};
  DispatchOptions options;

  Fixture() {
    auto storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(seed).ok());
    REQUIRE(storage->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
    REQUIRE(storage->addUser({"giam", Role::kSupervisor, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  }

  ApiResponse ask(const std::string& method, const std::string& target, const std::string& body = "",
                  std::map<std::string, std::string> headers = {{"fieldcheck-protocol", "1"}},
                  const std::string& peer = "127.0.0.1") {
    return answer({method, target, std::move(headers), body, peer}, dir.path(), context, options);
  }

  std::string login(const std::string& user, const std::string& device, const std::string& password = "secret-pass") {
    const auto r = ask("POST", "/v1/login",
                       json{{"user", user}, {"password", password}, {"device_name", "laptop"}, {"device_id", device}}.dump());
    if (r.status != 200) return "";
    return json::parse(r.body)["token"].get<std::string>();
  }

  ApiResponse push(const std::string& token, const std::vector<protocol::PushEntry>& entries) {
    protocol::SyncRequest request;
    request.push = entries;
    return ask("POST", "/v1/sync", protocol::toBinary(request),
               {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}, {"content-type", protocol::kBinaryMediaType}});
  }

  Document inspection(const std::string& device, Fields answers) const {
    const Document* est = nullptr;
    for (const auto& d : seed.documents)
      if (d.kind == "establishment" && d.fields.at("district") == Value{"bao-lac"}) est = &d;
    REQUIRE(est);
    answers["_establishment"] = est->id;
    answers["_template"] = seedDocumentId("template", "establishment-inspection");
    answers["_district"] = "bao-lac";
    answers["_status"] = "draft";
    return firstRevision(newDocumentId(), "inspection", answers, "lan", device, HybridTimestamp{1, 0});
  }
};

// The samples of a scrape: "name{labels}" (labels as written) to value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double valueOf(const std::map<std::string, double>& s, const std::string& series) {
  const auto it = s.find(series);
  return it == s.end() ? 0 : it->second;
}

std::string scrape(Fixture& f) {
  const auto r = f.ask("GET", "/metrics", "", {});
  REQUIRE(r.status == 200);
  CHECK(r.content_type == kMetricsContentType);
  return r.body;
}

// What std::cerr receives while it lives (server_log.h writes there).
class CapturedLog {
 public:
  CapturedLog() : previous_(std::cerr.rdbuf(text_.rdbuf())) {}
  ~CapturedLog() { std::cerr.rdbuf(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* previous_;
};

}  // namespace

TEST_CASE("metrics: requests, logins, pushes, merges, conflicts and uploaded bytes handled by answer move their metrics",
          "[metrics]") {
  Fixture f;
  const auto before = samples(scrape(f));
  const auto lan = f.login("lan", kLanDevice);
  REQUIRE_FALSE(lan.empty());
  CHECK(f.login("lan", kLanDevice, "wrong password").empty());
  const auto giam = f.login("giam", kGiamDevice);
  REQUIRE_FALSE(giam.empty());

  // Lan and Giám edit the same field of one draft from the same base: a merge and a conflict.
  const auto base = f.inspection(kLanDevice, {{"workers_total", 4}});
  REQUIRE(f.push(lan, {{1, "", base}}).status == 200);
  auto theirs_fields = base.fields;
  theirs_fields["workers_total"] = 5;
  const auto theirs = nextRevision(base, theirs_fields, "giam", kGiamDevice, HybridTimestamp{10, 0});
  REQUIRE(f.push(giam, {{1, base.revision, theirs}}).status == 200);
  auto mine_fields = base.fields;
  mine_fields["workers_total"] = 6;
  const auto mine = nextRevision(base, mine_fields, "lan", kLanDevice, HybridTimestamp{20, 0});
  REQUIRE(f.push(lan, {{2, base.revision, mine}}).status == 200);
  REQUIRE(f.push(lan, {}).status == 200);  // a sync that pushes nothing is no push

  const auto photo = test::sampleJpeg(40'000, 7);
  const auto uploaded = f.ask("PUT", "/v1/uploads/" + sha256Hex(photo), photo,
                              {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + lan}, {"content-type", "image/jpeg"},
                               {"fieldcheck-offset", "0"}, {"fieldcheck-size", std::to_string(photo.size())},
                               {"fieldcheck-chunk-sha256", sha256Hex(photo)}});
  REQUIRE(uploaded.status == 200);
  CHECK(f.ask("GET", "/v1/whoami", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer forged"}}).status == 401);

  const auto after = samples(scrape(f));
  const auto delta = [&](const std::string& series) { return valueOf(after, series) - valueOf(before, series); };
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/login",status="200"})") == 2);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/login",status="401"})") == 1);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/sync",status="200"})") == 4);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/uploads/:sha256",status="200"})") == 1);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/whoami",status="401"})") == 1);
  CHECK(delta(R"(fieldcheck_http_request_duration_seconds_count{endpoint="/v1/sync"})") == 4);
  CHECK(delta(R"(fieldcheck_logins_total{result="ok"})") == 2);
  CHECK(delta(R"(fieldcheck_logins_total{result="failed"})") == 1);
  CHECK(delta("fieldcheck_pushes_total") == 3);
  CHECK(delta("fieldcheck_push_entries_total") == 3);
  CHECK(delta("fieldcheck_entries_applied_total") == 3);
  CHECK(delta("fieldcheck_merges_total") == 1);
  CHECK(delta("fieldcheck_conflicts_opened_total") == 1);
  CHECK(valueOf(after, "fieldcheck_open_conflicts") == 1);
  CHECK(delta("fieldcheck_uploaded_bytes_total") == static_cast<double>(photo.size()));
  CHECK(delta("fieldcheck_group_commit_pushes_count") == 4);  // the sync that pushed nothing wrote its acknowledgement too
  CHECK(delta("fieldcheck_group_commit_entries_sum") == 3);
  CHECK(valueOf(after, "fieldcheck_database_bytes") > 0);
  std::size_t builds = 0;
  for (const auto& [series, value] : after)
    if (series.rfind("fieldcheck_build_info{", 0) == 0) {
      CHECK_THAT(series, Catch::Contains(R"(protocol="1")"));
      CHECK(value == 1);
      ++builds;
    }
  CHECK(builds == 1);
}

TEST_CASE("metrics: the storage counts what its log gained after a sequence, the open conflicts and its size on disk",
          "[metrics]") {
  Fixture f;
  auto storage = std::move(openSqliteStorage(f.dir.path(), false).value());
  const auto seeded = storage->activitySince(std::numeric_limits<std::int64_t>::max());
  CHECK(seeded.applied == 0);
  CHECK(seeded.merges == 0);
  CHECK(seeded.conflicts_opened == 0);
  REQUIRE(seeded.through_seq > 0);  // the seed's documents are in the log
  CHECK(storage->activitySince(0).through_seq == seeded.through_seq);
  CHECK(storage->openConflictCount() == 0);

  const auto lan = f.login("lan", kLanDevice);
  const auto giam = f.login("giam", kGiamDevice);
  const auto base = f.inspection(kLanDevice, {{"workers_total", 4}});
  REQUIRE(f.push(lan, {{1, "", base}}).status == 200);
  const auto after_base = storage->activitySince(std::numeric_limits<std::int64_t>::max()).through_seq;
  CHECK(after_base > seeded.through_seq);
  CHECK(storage->activitySince(seeded.through_seq).applied == 1);
  auto theirs_fields = base.fields;
  theirs_fields["workers_total"] = 5;
  REQUIRE(f.push(giam, {{1, base.revision, nextRevision(base, theirs_fields, "giam", kGiamDevice, HybridTimestamp{10, 0})}})
              .status == 200);
  auto mine_fields = base.fields;
  mine_fields["workers_total"] = 6;
  REQUIRE(f.push(lan, {{2, base.revision, nextRevision(base, mine_fields, "lan", kLanDevice, HybridTimestamp{20, 0})}})
              .status == 200);

  const auto all = storage->activitySince(seeded.through_seq);
  CHECK(all.applied == 3);
  CHECK(all.merges == 1);
  CHECK(all.conflicts_opened == 1);
  CHECK(all.through_seq >= after_base + 3);  // two revisions, a merge and its conflict record at least
  // Only what comes after the sequence given: the first push is left out.
  const auto later = storage->activitySince(after_base);
  CHECK(later.applied == 2);
  CHECK(later.merges == 1);
  CHECK(later.conflicts_opened == 1);
  CHECK(later.through_seq == all.through_seq);
  const auto none = storage->activitySince(all.through_seq);
  CHECK(none.applied + none.merges + none.conflicts_opened == 0);
  CHECK(none.through_seq == all.through_seq);
  CHECK(storage->openConflictCount() == 1);

  const auto db = f.dir / "provincial.db";
  std::error_code ec;
  const auto wal = std::filesystem::file_size(db.string() + "-wal", ec);
  CHECK(storage->storageBytes() == std::filesystem::file_size(db) + (ec ? 0 : wal));
}

TEST_CASE("metrics: the sizes on disk count the database with its log and the attachments folder", "[metrics]") {
  Fixture f;
  const auto lan = f.login("lan", kLanDevice);
  const auto photo = test::sampleJpeg(50'000, 11);
  REQUIRE(f.ask("PUT", "/v1/uploads/" + sha256Hex(photo), photo,
                {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + lan}, {"content-type", "image/jpeg"},
                 {"fieldcheck-offset", "0"}, {"fieldcheck-size", std::to_string(photo.size())},
                 {"fieldcheck-chunk-sha256", sha256Hex(photo)}})
              .status == 200);
  const auto s = samples(scrape(f));
  const auto db = f.dir / "provincial.db";
  std::error_code ec;
  const auto wal = std::filesystem::file_size(db.string() + "-wal", ec);
  CHECK(valueOf(s, "fieldcheck_database_bytes") == static_cast<double>(std::filesystem::file_size(db) + (ec ? 0 : wal)));
  CHECK(valueOf(s, "fieldcheck_attachments_bytes") >= static_cast<double>(photo.size()));
  CHECK(valueOf(s, "fieldcheck_attachments_bytes") < static_cast<double>(photo.size()) * 2);
}

TEST_CASE("metrics: the text is Prometheus's format 0.0.4, each family typed before its samples", "[metrics]") {
  Fixture f;
  f.login("lan", kLanDevice);
  const auto text = scrape(f);
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  const std::regex help(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? )"
                          R"(([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|[-+]?Inf|NaN))");
  std::map<std::string, std::string> typed;  // family -> type
  std::size_t sample_lines = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    std::smatch m;
    if (std::regex_match(line, m, type)) {
      CHECK(typed.emplace(m[1], m[2]).second);  // once per family
      continue;
    }
    if (std::regex_match(line, help)) continue;
    REQUIRE(std::regex_match(line, m, sample));
    ++sample_lines;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!typed.count(family) && family.size() > std::strlen(suffix) &&
          family.compare(family.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
        family.resize(family.size() - std::strlen(suffix));
    CHECK(typed.count(family) == 1);
  }
  CHECK(sample_lines > 20);
  for (const char* name : {"fieldcheck_http_requests_total", "fieldcheck_pushes_total", "fieldcheck_merges_total",
                           "fieldcheck_conflicts_opened_total", "fieldcheck_uploaded_bytes_total", "fieldcheck_logins_total",
                           "fieldcheck_entries_applied_total", "fieldcheck_push_entries_total"})
    CHECK(typed[name] == "counter");
  for (const char* name : {"fieldcheck_open_conflicts", "fieldcheck_database_bytes", "fieldcheck_attachments_bytes", "fieldcheck_build_info"})
    CHECK(typed[name] == "gauge");
  for (const char* name : {"fieldcheck_http_request_duration_seconds", "fieldcheck_group_commit_pushes", "fieldcheck_group_commit_entries"})
    CHECK(typed[name] == "histogram");
  // A histogram's +Inf bucket holds every observation.
  const auto s = samples(text);
  CHECK(valueOf(s, R"(fieldcheck_http_request_duration_seconds_bucket{endpoint="/v1/login",le="+Inf"})") ==
        valueOf(s, R"(fieldcheck_http_request_duration_seconds_count{endpoint="/v1/login"})"));
}

TEST_CASE("metrics: a thousand distinct random paths make a handful of endpoint series and never appear in the text",
          "[metrics]") {
  Fixture f;
  std::mt19937 random(1717);
  INFO("seed 1717");
  const char* prefixes[] = {"/v1/", "/", "/v1/uploads/", "/v1/attachments/", "/api/", "/static/", "/metrics/", "x"};
  std::vector<std::string> paths;
  for (int i = 0; i < 1000; ++i) {
    std::string path = prefixes[random() % std::size(prefixes)];
    for (int c = 0; c < 12; ++c) path += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
    if (i % 3 == 0) path += "?token=q" + std::to_string(i);
    paths.push_back(path);
    f.ask(i % 2 ? "GET" : "POST", path);
  }
  const auto text = scrape(f);
  std::set<std::string> endpoints;
  const std::regex label(R"re(^fieldcheck_http_requests_total\{endpoint="([^"]*)")re");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, label)) endpoints.insert(m[1]);
  }
  INFO(text);
  CHECK(endpoints.size() <= 10);
  CHECK(endpoints.count("other") == 1);
  CHECK(endpoints.count("console") == 1);
  for (const auto& path : paths) CHECK(text.find(path.substr(path.rfind('/') + 1)) == std::string::npos);
}

TEST_CASE("metrics: /metrics answers a loopback peer and the configured token, and is a 404 to anyone else", "[metrics]") {
  Fixture f;
  const std::string stranger = "203.0.113.7";
  auto get = [&](const std::string& peer, std::map<std::string, std::string> headers) {
    return f.ask("GET", "/metrics", "", std::move(headers), peer);
  };
  SECTION("without a token configured, loopback only") {
    CHECK(get("127.0.0.1", {}).status == 200);
    CHECK(get("::1", {}).status == 200);
    CHECK(get(stranger, {}).status == 404);
    CHECK(get(stranger, {{"authorization", "Bearer "}}).status == 404);
    CHECK(get("10.0.0.1", {{"authorization", "Bearer anything"}}).status == 404);
  }
  SECTION("with a token configured") {
    f.options.metrics_token = "scrape-token-0123456789";
    CHECK(get(stranger, {}).status == 404);
    const auto accepted = get(stranger, {{"authorization", "Bearer scrape-token-0123456789"}});
    CHECK(accepted.status == 200);
    CHECK_THAT(accepted.body, Catch::Contains("fieldcheck_http_requests_total"));
    CHECK(get(stranger, {{"authorization", "Bearer scrape-token-0123456788"}}).status == 404);
    CHECK(get(stranger, {{"authorization", "Bearer scrape-token-012345678"}}).status == 404);
    CHECK(get(stranger, {{"authorization", "scrape-token-0123456789"}}).status == 404);
    CHECK(get("127.0.0.1", {}).status == 200);
  }
  // The refusal is the 404 of an address that does not exist: no word of metrics.
  const auto refused = get(stranger, {});
  CHECK(refused.status == 404);
  CHECK(refused.body.find("metric") == std::string::npos);
  CHECK(f.ask("POST", "/metrics", "", {}).status == 405);
}

TEST_CASE("log: each request answered is one JSON line with its id, route, status, duration, user and device, and nothing secret",
          "[metrics][log]") {
  Fixture f;
  setLogFormat(LogFormat::kJson);
  std::string log;
  std::string token, request_id;
  {
    CapturedLog captured;
    token = f.login("lan", kLanDevice);
    const auto whoami = f.ask("GET", "/v1/whoami", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}});
    CHECK(whoami.status == 200);
    request_id = headerOf(whoami, "X-Request-Id");
    f.ask("GET", "/api/me?code=query-secret-42", "", {{"cookie", "fc_console=cookie-secret-77"}});
    f.ask("GET", "/api/receipts/receipt-secret-31", "", {{"cookie", "fc_console=cookie-secret-77"}});
    log = captured.text();
  }
  setLogFormat(LogFormat::kText);
  REQUIRE_FALSE(token.empty());
  CHECK(std::regex_match(request_id, std::regex("[0-9a-f]{16}")));
  std::vector<json> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    const auto parsed = json::parse(line, nullptr, false);
    REQUIRE(parsed.is_object());
    lines.push_back(parsed);
  }
  REQUIRE(lines.size() == 4);
  for (const auto& line : lines) {
    INFO(line.dump());
    for (const char* key : {"time", "level", "request_id", "endpoint", "status", "duration_ms", "method", "peer"})
      CHECK(line.contains(key));
  }
  CHECK(lines[0]["endpoint"] == "/v1/login");
  CHECK(lines[0]["user"] == "lan");
  CHECK(lines[0]["device"] == kLanDevice);
  CHECK(lines[1]["endpoint"] == "/v1/whoami");
  CHECK(lines[1]["path"] == "/v1/whoami");
  CHECK(lines[1]["request_id"] == request_id);
  CHECK(lines[1]["user"] == "lan");
  CHECK(lines[2]["endpoint"] == "console");
  CHECK(lines[2]["path"] == "/api/me");
  CHECK(lines[2]["status"] == 401);
  CHECK(lines[2]["level"] == "warning");
  CHECK(lines[3]["path"] == "/api/receipts/:token");
  for (const auto& secret : {std::string("secret-pass"), token, std::string("query-secret-42"), std::string("cookie-secret-77"),
                             std::string("receipt-secret-31")})
    CHECK(log.find(secret) == std::string::npos);
}

TEST_CASE("log: in text a request's line reads as a sentence with its status, route, caller, duration and id", "[metrics][log]") {
  Fixture f;
  std::string log;
  {
    CapturedLog captured;
    f.login("lan", kLanDevice);
    log = captured.text();
  }
  CHECK(std::regex_search(log, std::regex(R"(^fieldcheck-server: 200 POST /v1/login lan@)" + kLanDevice +
                                          R"( [0-9]+\.[0-9] ms from 127\.0\.0\.1 \[req [0-9a-f]{16}\]\n$)")));
}

TEST_CASE("metrics: a request refused before its handler is counted with its status and never observed as a negative latency",
          "[metrics]") {
  Fixture f;
  // A request handled first, so that each endpoint's histogram already holds a true duration.
  REQUIRE(f.ask("GET", "/v1/health").status == 200);
  const auto before = samples(scrape(f));
  {
    CapturedLog captured;  // the refusals' log lines, kept off the test's output
    // As the network layer refuses them (http_server.cpp): a body too large, too many
    // connections, and a head that could not be read at all.
    logRefusal("POST /v1/sync", "127.0.0.1", {413, "application/json; charset=utf-8", R"({"error":{"code":"too_large"}})", ""});
    logRefusal("GET /v1/health", "127.0.0.1", {503, "application/json; charset=utf-8", R"({"error":{"code":"busy"}})", ""});
    logRefusal("unreadable request head", "127.0.0.1", {400, "application/json; charset=utf-8", R"({"error":{"code":"bad"}})", ""});
  }
  const auto text = scrape(f);
  const auto after = samples(text);
  const auto delta = [&](const std::string& series) { return valueOf(after, series) - valueOf(before, series); };
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/sync",status="413"})") == 1);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="/v1/health",status="503"})") == 1);
  CHECK(delta(R"(fieldcheck_http_requests_total{endpoint="other",status="400"})") == 1);
  // No duration observed for any of them: the histograms hold only the requests handled.
  for (const std::string endpoint : {"/v1/sync", "/v1/health", "other"}) {
    INFO(endpoint);
    CHECK(delta("fieldcheck_http_request_duration_seconds_count{endpoint=\"" + endpoint + "\"}") == 0);
    CHECK(delta("fieldcheck_http_request_duration_seconds_sum{endpoint=\"" + endpoint + "\"}") == 0);
  }
  // And every histogram in the text stays one Prometheus accepts: buckets cumulative in the order
  // written, the last (+Inf) equal to the count, a sum never negative.
  std::map<std::string, double> last_bucket;
  std::istringstream lines(text);
  const std::regex bucket(R"re(^fieldcheck_http_request_duration_seconds_bucket\{endpoint="([^"]*)",le="([^"]*)"\} (\S+)$)re");
  const std::regex sum(R"re(^fieldcheck_http_request_duration_seconds_sum\{endpoint="([^"]*)"\} (\S+)$)re");
  std::size_t buckets = 0, sums = 0;
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    std::smatch m;
    if (std::regex_match(line, m, bucket)) {
      ++buckets;
      const auto value = std::stod(m[3]);
      CHECK(value >= last_bucket[m[1]]);
      last_bucket[m[1]] = value;
      if (m[2] == "+Inf")
        CHECK(value == valueOf(after, "fieldcheck_http_request_duration_seconds_count{endpoint=\"" + m[1].str() + "\"}"));
    } else if (std::regex_match(line, m, sum)) {
      ++sums;
      CHECK(std::stod(m[2]) >= 0);
    }
  }
  CHECK(buckets > 0);
  CHECK(sums > 0);
}
