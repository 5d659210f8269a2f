// The server's configuration file (server_config.h): every key read, every kind of mistake refused
// with its line, the packaged sample kept equal to the defaults, the command line over the file;
// and device tokens that expire unused (api.h).
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/files.h"
#include "fieldcheck/seed.h"
#include "server_cli.h"
#include "server_config.h"
#include "tls_proxy.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using nlohmann::json;

namespace {

std::filesystem::path writeFile(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

std::filesystem::path sampleConfig() { return std::filesystem::path(FIELDCHECK_TEST_DIR) / ".." / "packaging" / "server.toml"; }

struct CliRun {
  int exit_code;
  std::string out, err;
};

CliRun cli(std::vector<std::string> args) {
  args.insert(args.begin(), "fieldcheck-server");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::istringstream in;
  std::ostringstream out, err;
  const int rc = runServerCli(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {rc, out.str(), err.str()};
}

// Puts the process's token lifetime back when a test has changed it.
struct TokenLifetime {
  explicit TokenLifetime(std::chrono::hours unused) { setDeviceTokenUnused(unused); }
  ~TokenLifetime() { setDeviceTokenUnused(std::chrono::hours(24 * 90)); }
};

}  // namespace

TEST_CASE("server config: every key of every table is read, relative paths from the file's folder", "[config]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "etc");
  const auto file = writeFile(dir / "etc" / "server.toml", R"(
[server]
data = "../state"
listen = ["127.0.0.1:9000", "[::1]:9001", "0.0.0.0:443"]
threads = 8
console_threads = 3

[tls]
cert = "tls/server.crt"
key = "/etc/ssl/private/server.key"
plain_http = "anywhere"
trusted_proxies = ["10.0.0.5", "fd00::1"]

[limits]
max_connections = 500
max_connections_per_address = 50
max_body_mib_in_flight = 128
request_timeout_seconds = 20
max_requests_per_connection = 1000

[login]
max_failed_per_address = 7
address_window_minutes = 15

[tokens]
device_token_unused_days = 30

[log]
format = "json"

[metrics]
token = "abcdefghijklmnopqrstuvwxyz0123456789"
)");
  auto loaded = loadServerConfig(file);
  INFO((loaded ? "" : loaded.problem().message.en));
  REQUIRE(loaded.ok());
  const auto& c = loaded.value();
  const auto folder = std::filesystem::absolute(dir / "etc");
  CHECK(c.data_dir == (folder / "../state").lexically_normal());
  CHECK(c.data_dir.is_absolute());
  REQUIRE(c.listen.size() == 3);
  CHECK(c.listen[0] == ListenAddress{"127.0.0.1", 9000});
  CHECK(c.listen[1] == ListenAddress{"::1", 9001});
  CHECK(c.listen[2] == ListenAddress{"0.0.0.0", 443});
  CHECK(c.threads == 8);
  CHECK(c.console_threads == 3);
  CHECK(c.tls_cert == folder / "tls" / "server.crt");
  CHECK(c.tls_key == "/etc/ssl/private/server.key");
  CHECK(c.plain_http_anywhere);
  CHECK(c.trusted_proxies == std::vector<std::string>{"10.0.0.5", "fd00::1"});
  CHECK(c.max_connections == 500);
  CHECK(c.max_connections_per_address == 50);
  CHECK(c.max_body_bytes_in_flight == 128u * 1024 * 1024);
  CHECK(c.request_timeout == std::chrono::seconds(20));
  CHECK(c.max_requests_per_connection == 1000);
  CHECK(c.max_failed_logins_per_address == 7);
  CHECK(c.login_address_window == std::chrono::minutes(15));
  CHECK(c.device_token_unused == std::chrono::hours(24 * 30));
  CHECK(c.log_format == LogFormat::kJson);
  CHECK(c.metrics_token == "abcdefghijklmnopqrstuvwxyz0123456789");
}

TEST_CASE("server config: an empty file holds the defaults, and 0 days keeps tokens for good", "[config]") {
  test::TempDir dir;
  auto empty = loadServerConfig(writeFile(dir / "empty.toml", "# nothing set\n"));
  REQUIRE(empty.ok());
  CHECK(empty.value() == ServerConfig{});
  auto never = loadServerConfig(writeFile(dir / "never.toml", "[tokens]\ndevice_token_unused_days = 0\n"));
  REQUIRE(never.ok());
  CHECK(never.value().device_token_unused == std::chrono::hours(0));
}

TEST_CASE("server config: each kind of mistake is refused at its line with the reason and what is accepted", "[config]") {
  struct Case {
    const char* text;
    int line;
    const char* reason_en;
  };
  // Line 1 is "[server]" in each, so that the line numbers count.
  const auto c = GENERATE(values<Case>({
      {"[server]\nthreads = 4\n[sever]\n", 3, "there is no table or key “sever”; the tables accepted: limits, log, login"},
      {"[server]\nthreads = 4\nthread = 2\n", 3, "the table [server] has no key “thread”; the keys accepted: console_threads, data, listen, threads"},
      {"[server]\n\n\nthreads = \"4\"\n", 4, "[server] threads must be a whole number from 1 to 64"},
      {"[server]\nthreads = 0\n", 2, "[server] threads must be a whole number from 1 to 64"},
      {"[server]\nthreads = 65\n", 2, "[server] threads must be a whole number from 1 to 64"},
      {"[server]\nthreads = 2.5\n", 2, "[server] threads must be a whole number from 1 to 64"},
      {"[server]\nconsole_threads = 100\n", 2, "[server] console_threads must be a whole number from 1 to 64"},
      {"[server]\nlisten = \"127.0.0.1:8470\"\n", 2, "[server] listen must be a list (at most 16) in square brackets"},
      {"[server]\nlisten = []\n", 2, "[server] listen needs at least one address"},
      {"[server]\nlisten = [\n  \"127.0.0.1:8470\",\n  \"localhost:8470\",\n]\n", 4,
       "The address to serve on “localhost:8470” must look like HOST:PORT"},
      {"[server]\nlisten = [\"127.0.0.1:70000\"]\n", 2, "must look like HOST:PORT"},
      {"[server]\nlisten = [8470]\n", 2, "each item of [server] listen must be a string in double quotes"},
      {"[server]\ndata = \"\"\n", 2, "[server] data must be a non-empty string"},
      {"[server]\ndata = 7\n", 2, "[server] data must be a non-empty string"},
      {"[server]\n[tls]\ncert = \"a.pem\"\n", 3, "[tls] needs both cert and key (two PEM files), or neither"},
      {"[server]\n[tls]\n\nkey = \"a.key\"\n", 4, "[tls] needs both cert and key (two PEM files), or neither"},
      {"[server]\n[tls]\nplain_http = \"everywhere\"\n", 3, "[tls] plain_http must be one of: \"loopback\" | \"anywhere\""},
      {"[server]\n[tls]\ntrusted_proxies = [\"10.0.0.1\", \"proxy.example\"]\n", 3,
       "“proxy.example” in [tls] trusted_proxies is not an IP address"},
      {"[server]\n[tls]\ntrusted_proxies = [\"10.0.0.0/8\"]\n", 3, "is not an IP address"},
      {"[server]\n[limits]\nmax_connections = 0\n", 3, "[limits] max_connections must be a whole number from 1 to 100000"},
      {"[server]\n[limits]\nmax_connections = 100\nmax_connections_per_address = 200\n", 4,
       "[limits] max_connections_per_address (200) may not be more than max_connections (100)"},
      {"[server]\n[limits]\nmax_body_mib_in_flight = 16\n", 3,
       "[limits] max_body_mib_in_flight must be a whole number from 48 to 65536 MiB"},
      {"[server]\n[limits]\nrequest_timeout_seconds = 0\n", 3, "[limits] request_timeout_seconds must be a whole number from 1 to 3600 seconds"},
      {"[server]\n[limits]\nmax_requests_per_connection = -1\n", 3, "[limits] max_requests_per_connection must be a whole number"},
      {"[server]\n[login]\nmax_failed_per_address = 0\n", 3, "[login] max_failed_per_address must be a whole number from 1"},
      {"[server]\n[login]\naddress_window_minutes = 1441\n", 3, "[login] address_window_minutes must be a whole number from 1 to 1440 minutes"},
      {"[server]\n[tokens]\ndevice_token_unused_days = -1\n", 3,
       "[tokens] device_token_unused_days must be a whole number from 0 to 3650 days (0: never expires)"},
      {"[server]\n[log]\nformat = \"xml\"\n", 3, "[log] format must be one of: \"text\" | \"json\""},
      {"[server]\n[metrics]\ntoken = \"short-secret\"\n", 3, "[metrics] token must be a string of 32 to 256 ASCII characters"},
      {"[server]\n[metrics]\ntoken = \"a secret with spaces in it, long enough\"\n", 3, "[metrics] token must be a string of 32"},
      {"[server]\nlimits = 5\n", 2, "the table [server] has no key “limits”"},
      {"[server]\ntls = 5\n[log]\n", 2, "the table [server] has no key “tls”"},
      {"log = \"json\"\n", 1, "“log” must be a table, written [log] on a line of its own"},
      {"[server]\nthreads = 2\nthreads = 3\n", 3, "not valid TOML"},
      {"[server]\nthreads = \n", 2, "not valid TOML"},
  }));
  test::TempDir dir;
  const auto file = writeFile(dir / "server.toml", c.text);
  auto loaded = loadServerConfig(file);
  INFO(c.text);
  REQUIRE_FALSE(loaded.ok());
  const auto& message = loaded.problem().message;
  INFO(message.en);
  CHECK_THAT(message.en, Catch::StartsWith(file.string() + " line " + std::to_string(c.line) + ": "));
  CHECK_THAT(message.vi, Catch::StartsWith(file.string() + " dòng " + std::to_string(c.line) + ": "));
  CHECK_THAT(message.en, Catch::Contains(c.reason_en));
}

TEST_CASE("server config: a metrics token refused is never repeated in the message", "[config]") {
  test::TempDir dir;
  auto loaded = loadServerConfig(writeFile(dir / "server.toml", "[metrics]\ntoken = \"hunter2-secret\"\n"));
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.problem().message.en + loaded.problem().message.vi, !Catch::Contains("hunter2"));
}

TEST_CASE("server config: a missing file and one that is too large are refused by name", "[config]") {
  test::TempDir dir;
  auto missing = loadServerConfig(dir / "nowhere.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.problem().message.en, Catch::Contains("Cannot read the configuration file " + (dir / "nowhere.toml").string()));
  auto folder = loadServerConfig(dir.path());
  CHECK_FALSE(folder.ok());
  auto large = loadServerConfig(writeFile(dir / "large.toml", std::string(2 * 1024 * 1024, '#')));
  REQUIRE_FALSE(large.ok());
  CHECK_THAT(large.problem().message.en, Catch::Contains("too large"));
}

TEST_CASE("server config: the packaged sample is accepted and holds the defaults, its commented values too", "[config]") {
  const auto text = readWholeFile(sampleConfig());
  auto sample = loadServerConfig(sampleConfig());
  INFO((sample ? "" : sample.problem().message.en));
  REQUIRE(sample.ok());
  ServerConfig expected;
  expected.data_dir = "/var/lib/fieldcheck";
  expected.listen = {{"127.0.0.1", 8470}};
  CHECK(sample.value() == expected);

  // Every key is written in the sample under its table; uncommented, each still gives the default
  // (but the examples that have none: a certificate, proxies, a token).
  const std::map<std::string, std::vector<std::string>> keys{
      {"server", {"data", "listen", "threads", "console_threads"}},
      {"tls", {"cert", "key", "plain_http", "trusted_proxies"}},
      {"limits", {"max_connections", "max_connections_per_address", "max_body_mib_in_flight", "request_timeout_seconds",
                  "max_requests_per_connection"}},
      {"login", {"max_failed_per_address", "address_window_minutes"}},
      {"tokens", {"device_token_unused_days"}},
      {"log", {"format"}},
      {"metrics", {"token"}}};
  for (const auto& [table, names] : keys) {
    const auto at = text.find("\n[" + table + "]\n");
    REQUIRE(at != std::string::npos);
    const auto end = text.find("\n[", at + 1);
    const auto section = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (const auto& name : names) {
      INFO("[" << table << "] " << name);
      CHECK(std::regex_search(section, std::regex("\n#?" + name + " = ")));
    }
  }
  test::TempDir dir;
  const auto uncommented = writeFile(dir / "server.toml", std::regex_replace(text, std::regex("\n#([a-z_]+ = )"), "\n$1"));
  auto all = loadServerConfig(uncommented);
  INFO((all ? "" : all.problem().message.en));
  REQUIRE(all.ok());
  auto defaults = all.value();
  CHECK_FALSE(defaults.tls_cert.empty());
  CHECK(defaults.metrics_token.size() >= kMinMetricsTokenChars);
  defaults.tls_cert.clear();
  defaults.tls_key.clear();
  defaults.trusted_proxies.clear();
  defaults.metrics_token.clear();
  CHECK(defaults == expected);
}

TEST_CASE("server cli: --data overrides the file's data folder, and one of them is needed", "[config]") {
  test::TempDir dir;
  REQUIRE(cli({"--data", (dir / "file-data").string(), "init", "--seed", test::sampleSeed().string()}).exit_code == 0);
  REQUIRE(cli({"--data", (dir / "flag-data").string(), "init", "--seed", test::sampleSeed().string()}).exit_code == 0);
  const auto config = writeFile(dir / "server.toml", "[server]\ndata = \"file-data\"\n");

  std::istringstream password("long enough password\n");
  std::ostringstream out, err;
  const std::vector<std::string> add{"fieldcheck-server", "--config", config.string(), "user", "add", "from.file", "--role", "admin"};
  std::vector<const char*> argv;
  for (const auto& a : add) argv.push_back(a.c_str());
  REQUIRE(runServerCli(static_cast<int>(argv.size()), argv.data(), password, out, err) == 0);

  CHECK_THAT(cli({"--config", config.string(), "user", "list"}).out, Catch::Contains("from.file"));
  const auto overridden = cli({"--config", config.string(), "--data", (dir / "flag-data").string(), "user", "list"});
  CHECK(overridden.exit_code == 0);
  CHECK_THAT(overridden.out, !Catch::Contains("from.file") && Catch::Contains("0 người dùng / users"));

  const auto neither = cli({"user", "list"});
  CHECK(neither.exit_code == 2);
  CHECK_THAT(neither.err, Catch::Contains("The provincial data folder is needed: --data FOLDER, or --config FILE with [server] data."));
  const auto no_data_in_file = cli({"--config", writeFile(dir / "bare.toml", "[log]\nformat = \"json\"\n").string(), "user", "list"});
  CHECK(no_data_in_file.exit_code == 2);

  const auto bad = cli({"--config", writeFile(dir / "bad.toml", "[server]\ndata = \"file-data\"\nthreads = 99\n").string(), "user", "list"});
  CHECK(bad.exit_code == kConfigRefusedExit);
  CHECK_THAT(bad.err, Catch::Contains("bad.toml line 3: [server] threads must be a whole number from 1 to 64."));
}

TEST_CASE("server cli: serve's flags are checked over the file before anything is served", "[config]") {
  test::TempDir dir;
  REQUIRE(cli({"--data", (dir / "data").string(), "init", "--seed", test::sampleSeed().string()}).exit_code == 0);
  const auto plain = writeFile(dir / "plain.toml", "[server]\ndata = \"data\"\n");

  const auto proxy = cli({"--config", plain.string(), "serve", "--trusted-proxy", "10.0.0.1", "--trusted-proxy", "proxy.example"});
  CHECK(proxy.exit_code == 1);
  CHECK_THAT(proxy.err, Catch::Contains("--trusted-proxy “proxy.example” is not an IP address"));
  const auto half_tls = cli({"--config", plain.string(), "serve", "--tls-cert", "c.pem"});
  CHECK(half_tls.exit_code == 1);
  CHECK_THAT(half_tls.err, Catch::Contains("HTTPS needs both the certificate and the key"));
  const auto listen = cli({"--config", plain.string(), "serve", "--listen", "127.0.0.1:8470", "--listen", "somewhere"});
  CHECK(listen.exit_code == 1);
  CHECK_THAT(listen.err, Catch::Contains("“somewhere” must look like HOST:PORT"));
  CHECK(cli({"--config", plain.string(), "serve", "--threads", "65"}).exit_code == 2);
  CHECK(cli({"--config", plain.string(), "serve", "--log-format", "xml"}).exit_code == 2);
}

TEST_CASE("tokens: a device token expires once unused for longer than its lifetime, not before", "[config]") {
  const std::int64_t now_ms = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  const auto day = std::chrono::hours(24);
  CHECK_FALSE(deviceTokenExpired("2023-11-13T22:13:20Z", day, now_ms));
  CHECK(deviceTokenExpired("2023-11-13T22:13:19Z", day, now_ms));
  CHECK_FALSE(deviceTokenExpired("2023-11-14T22:00:00Z", day, now_ms));
  CHECK(deviceTokenExpired("2023-08-01T00:00:00Z", 90 * day, now_ms));
  CHECK_FALSE(deviceTokenExpired("2019-01-01T00:00:00Z", std::chrono::hours(0), now_ms));
  CHECK(deviceTokenExpired("yesterday", day, now_ms));
  CHECK(deviceTokenExpired("", day, now_ms));
}

TEST_CASE("tokens: a laptop's token unused too long gets 401 token_expired, audited, and a new login works", "[config]") {
  test::TempDir dir;
  auto opened = openSqliteStorage(dir.path(), true);
  REQUIRE(opened.ok());
  auto& storage = *opened.value();
  REQUIRE(storage.importSeed(loadSeed(test::sampleSeed()).value()).ok());
  REQUIRE(storage.addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  LoginBudget logins{30, std::chrono::minutes(5), 100};
  const TokenLifetime lifetime(std::chrono::hours(24 * 2));
  const auto call = [&](const std::string& method, const std::string& target, const std::string& token, const std::string& body = "") {
    std::map<std::string, std::string> headers{{"fieldcheck-protocol", "1"}};
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    return handle({method, target, headers, body, "127.0.0.1"}, storage, logins);
  };
  const auto login = [&] {
    auto r = call("POST", "/v1/login", "",
                  R"({"user":"lan","password":"secret-pass","device_name":"Laptop 1","device_id":"0123456789abcdef0123456789abcdef"})");
    REQUIRE(r.status == 200);
    return json::parse(r.body)["token"].get<std::string>();
  };
  const std::string device = "0123456789abcdef0123456789abcdef";
  // The laptop away for `days`: its token issued, its enrolment and its last sync that long ago.
  // `dated`: its token says when it was issued (as tokens do since they expire), else not.
  const auto awayFor = [&](int days, bool dated = true) {
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto token = (dated ? std::to_string(now_s - days * 86'400) + "." : std::string()) + std::string(43, 'x') + std::to_string(days);
    REQUIRE(storage.enrolDevice("lan", device, "Laptop 1", tokenHash(token)).ok());
    SQLite::Database db((dir / "provincial.db").string(), SQLite::OPEN_READWRITE);
    const auto ago = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-" + std::to_string(days) + " days')";
    db.exec("UPDATE devices SET enrolled_at = " + ago + ", last_seen_at = " + ago);
    return token;
  };
  const auto expiredAudits = [&] {
    SQLite::Database db((dir / "provincial.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM audit WHERE action = 'token.expired'").getInt();
  };

  CHECK(call("GET", "/v1/whoami", login()).status == 200);
  CHECK(call("GET", "/v1/whoami", awayFor(1)).status == 200);
  const auto token = awayFor(3);
  const auto refused = call("GET", "/v1/whoami", token);
  CHECK(refused.status == 401);
  const auto error = json::parse(refused.body)["error"];
  CHECK(error["code"] == "token_expired");
  CHECK_THAT(error["en"].get<std::string>(), Catch::Contains("expired after more than 2 days unused; log in again"));
  CHECK_THAT(error["vi"].get<std::string>(), Catch::Contains("hãy đăng nhập lại"));
  CHECK(expiredAudits() == 1);
  // A sync is refused before its body is read, and every route the same.
  const ApiRequest sync_head{"POST", "/v1/sync", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}}, "", "127.0.0.1"};
  const auto admitted = admitBody(sync_head, 1000, storage);
  REQUIRE(std::holds_alternative<ApiResponse>(admitted));
  CHECK(json::parse(std::get<ApiResponse>(admitted).body)["error"]["code"] == "token_expired");
  CHECK(call("POST", "/v1/sync", token, "{}").status == 401);
  CHECK(call("GET", "/v1/uploads/" + std::string(64, 'a'), token).status == 401);
  CHECK(expiredAudits() == 4);
  // An unknown token is not called expired.
  CHECK(json::parse(call("GET", "/v1/whoami", "not-a-token").body)["error"]["code"] == "unauthorized");

  // A new login: its token counts from its issue, though the laptop's last sync is 3 days old.
  const auto again = login();
  CHECK(storage.devices("lan")[0].last_seen_at < tokenIssuedAt(again));
  CHECK(call("GET", "/v1/whoami", again).status == 200);
  CHECK(json::parse(call("GET", "/v1/whoami", token).body)["error"]["code"] == "unauthorized");

  // A token that does not say when it was issued counts from the laptop's last sync.
  CHECK(call("GET", "/v1/whoami", awayFor(1, false)).status == 200);
  CHECK(call("GET", "/v1/whoami", awayFor(3, false)).status == 401);

  const auto long_gone = awayFor(400);
  setDeviceTokenUnused(std::chrono::hours(0));
  CHECK(call("GET", "/v1/whoami", long_gone).status == 200);
}

TEST_CASE("tokens: a new token says the second it was issued, and nothing else does", "[config]") {
  const auto before = std::chrono::system_clock::now();
  const auto issued = tokenIssuedAt(newToken().token);
  REQUIRE(issued.size() == std::string("2019-05-03T02:00:00Z").size());
  const auto at = [](std::chrono::system_clock::time_point t) {
    const auto seconds = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text);
  };
  CHECK(issued >= at(before));
  CHECK(issued <= at(std::chrono::system_clock::now()));
  CHECK(tokenIssuedAt("1700000000.abc") == "2023-11-14T22:13:20Z");
  CHECK(tokenIssuedAt("randomtextwithoutadot") == "");
  CHECK(tokenIssuedAt(".abc") == "");
  CHECK(tokenIssuedAt("17x0000000.abc") == "");
  CHECK(tokenIssuedAt("1234567890123.abc") == "");
}

TEST_CASE("trusted proxies: a caller's padding of X-Forwarded-For cannot hide the address the proxy appended",
          "[config][tls]") {
  const TrustedProxies trusted({"127.0.0.1"});
  // nginx appends the address it saw to what the caller sent: however long the caller's part,
  // the hop the proxy wrote is the one believed.
  CHECK(believedPeer("127.0.0.1", std::string(1100, 'a') + ", 203.0.113.9", trusted) == "203.0.113.9");
  CHECK(believedPeer("127.0.0.1", std::string(1020, 'a') + ", 10.1.2.3, 203.0.113.9", trusted) == "203.0.113.9");
  CHECK(believedPeer("127.0.0.1", "10.1.2.3, 127.0.0.1", trusted) == "10.1.2.3");
  // From a peer that is no trusted proxy the header is not read at all.
  CHECK(believedPeer("198.51.100.4", "127.0.0.1", trusted) == "198.51.100.4");
  CHECK_FALSE(isLoopbackHost(believedPeer("127.0.0.1", std::string(1100, 'a') + ", 203.0.113.9", trusted)));
}
