// The real `fieldcheck-server` with a configuration file: started from it alone, refused at start
// when it is wrong, its keys overridden by serve's flags; device tokens that expire unused (the
// server's clock moved ahead with faketime), and `user devices NAME`.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

#include <signal.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "support/laptop.h"
#include "support/process.h"
#include "support/province.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

// The tests' province (support/province.h) with a configuration file, the server's commands and
// its audit log.
struct ConfiguredProvince : Province {
  // etc/server.toml under the province's folder, holding `text`.
  std::string config(const std::string& text) const {
    std::filesystem::create_directories(dir / "etc");
    const auto file = dir / "etc" / "server.toml";
    std::ofstream(file) << text;
    return file.string();
  }

  // A configuration of the province's data whose device tokens expire after `days` unused.
  std::string tokensUnusedFor(int days) const {
    return config("[server]\ndata = \"../data\"\n\n[tokens]\ndevice_token_unused_days = " + std::to_string(days) + "\n");
  }

  // `fieldcheck-server ARGS...`, its clock `clock_offset` ahead when given ("+3d", as faketime reads it).
  ProcessResult server(std::vector<std::string> args, const std::string& clock_offset = "") const {
    args.insert(args.begin(), serverBinary());
    if (!clock_offset.empty()) args.insert(args.begin(), {"/usr/bin/faketime", "-f", clock_offset});
    return runProcess(args);
  }

  std::int64_t audits(const std::string& action) const {
    SQLite::Database db((dir / "data" / "provincial.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT count(*) FROM audit WHERE action = ?");
    st.bind(1, action);
    st.executeStep();
    return st.getColumn(0).getInt64();
  }
};

// True once 127.0.0.1:`port` answers its health check, within 20 s.
bool answersHealth(unsigned short port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (httpRequest(port, "GET", "/v1/health").status == 200) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool refusesConnections(unsigned short port) {
  try {
    httpRequest(port, "GET", "/v1/health");
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

// A server process started while it lives sees its wall clock `offset` ahead (faketime, preloaded
// into the server alone: the variables are set only around its start).
class ServerClockAhead {
 public:
  explicit ServerClockAhead(const std::string& offset) {
    setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", 1);  // Debian package faketime
    setenv("FAKETIME", offset.c_str(), 1);
    setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
  }
  ~ServerClockAhead() {
    unsetenv("LD_PRELOAD");
    unsetenv("FAKETIME");
    unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
  }
  ServerClockAhead(const ServerClockAhead&) = delete;
  ServerClockAhead& operator=(const ServerClockAhead&) = delete;
};

// A device logged in over HTTP as `user`: its token.
std::string loginOverHttp(unsigned short port, const std::string& user, const std::string& device_id) {
  const auto reply = httpRequest(port, "POST", "/v1/login", {{"Fieldcheck-Protocol", "1"}, {"Content-Type", "application/json"}},
                                 json{{"user", user}, {"password", testPassword(user)}, {"device_name", "Máy thử / Test device"},
                                      {"device_id", device_id}}
                                     .dump());
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return json::parse(reply.body)["token"].get<std::string>();
}

HttpReply whoami(unsigned short port, const std::string& token) {
  return httpRequest(port, "GET", "/v1/whoami", {{"Fieldcheck-Protocol", "1"}, {"Authorization", "Bearer " + token}});
}

}  // namespace

TEST_CASE("server config: the server runs from --config alone, its data folder and address from the file", "[server-config]") {
  ConfiguredProvince p;
  const auto port = freePort();
  // The data folder relative to the file's own folder (etc/ beside data/).
  const auto config = p.config("[server]\ndata = \"../data\"\nlisten = [\"127.0.0.1:" + std::to_string(port) +
                               "\"]\nthreads = 1\n\n[log]\nformat = \"text\"\n");
  RunningProcess server({serverBinary(), "--config", config, "serve"});
  REQUIRE(answersHealth(port));
  CHECK(json::parse(httpRequest(port, "GET", "/v1/health").body)["province"] == "Cao Bằng");
  // The other commands read the data folder from the file too.
  const auto users = p.server({"--config", config, "user", "list"});
  CHECK(users.exit_code == 0);
  CHECK_THAT(users.out, Catch::Contains("lan") && Catch::Contains("3 người dùng / users"));
}

TEST_CASE("server config: serve's flags override the file's keys", "[server-config]") {
  ConfiguredProvince p;
  const auto file_port = freePort();
  const auto config = p.config("[server]\ndata = \"/nowhere/at/all\"\nlisten = [\"127.0.0.1:" + std::to_string(file_port) +
                               "\"]\n\n[log]\nformat = \"json\"\n");
  // ServerProcess gives --data and --listen 127.0.0.1:0 on the command line: they win over the file.
  {
    ServerProcess server(p.data, 0, {"--threads", "3"}, {"--config", config});
    CHECK(server.port() != file_port);
    CHECK(answersHealth(server.port()));
    CHECK(refusesConnections(file_port));
    server.stop(SIGTERM);
  }
  // The file's log format, then the flag's over it.
  const auto jsonLines = [](const std::filesystem::path& file) {
    std::ifstream log(file);
    std::size_t count = 0;
    for (std::string line; std::getline(log, line);) count += json::accept(line) && json::parse(line).contains("level");
    return count;
  };
  {
    ServerProcess server(p.data, 0, {}, {"--config", config});
    REQUIRE(answersHealth(server.port()));
    server.stop(SIGTERM);
    CHECK(jsonLines(server.logFile()) > 0);
  }
  {
    ServerProcess server(p.data, 0, {"--log-format", "text"}, {"--config", config});
    REQUIRE(answersHealth(server.port()));
    server.stop(SIGTERM);
    std::ifstream log(server.logFile());
    std::string line;
    std::size_t lines = 0;
    while (std::getline(log, line)) {
      ++lines;
      INFO(line);
      CHECK_FALSE(json::accept(line));
    }
    CHECK(lines > 0);
  }
  // A flag that is wrong is refused before anything is served.
  const auto proxy = p.server({"--config", config, "--data", p.data, "serve", "--listen", "127.0.0.1:0", "--trusted-proxy", "nginx"});
  CHECK(proxy.exit_code == 1);
  CHECK_THAT(proxy.err, Catch::Contains("--trusted-proxy “nginx” is not an IP address"));
}

TEST_CASE("server config: a wrong file stops the server at start with exit code 78, the file's line and the reason", "[server-config]") {
  ConfiguredProvince p;
  const auto port = freePort();
  const auto config = p.config("[server]\ndata = \"../data\"\nlisten = [\"127.0.0.1:" + std::to_string(port) +
                               "\"]\n\n[limits]\nmax_conections = 10\n");
  const auto refused = p.server({"--config", config, "serve"});
  CHECK(refused.exit_code == 78);
  CHECK_THAT(refused.err, Catch::Contains(config + " dòng 6: bảng [limits] không có khóa “max_conections”"));
  CHECK_THAT(refused.err, Catch::Contains(config + " line 6: the table [limits] has no key “max_conections”; the keys accepted: "
                                                   "max_body_mib_in_flight, max_connections,"));
  CHECK(refusesConnections(port));

  std::ofstream(config) << "[server]\ndata = \"../data\"\n[tls]\ncert = \"server.crt\"\n";
  const auto half = p.server({"--config", config, "serve"});
  CHECK(half.exit_code == 78);
  CHECK_THAT(half.err, Catch::Contains("line 4: [tls] needs both cert and key"));

  const auto neither = p.server({"serve"});
  CHECK(neither.exit_code == 2);
  CHECK_THAT(neither.err, Catch::Contains("--data FOLDER, or --config FILE with [server] data"));
}

TEST_CASE("server config: a laptop's token unused longer than the configured days is refused until it logs in again",
          "[server-config]") {
  ConfiguredProvince p;
  const auto port = freePort();
  const auto config = p.tokensUnusedFor(2);
  Laptop lan{(p.dir / "lan").string(), "lan"};
  std::string token;
  {
    ServerProcess server(p.data, port, {}, {"--config", config});
    lan.loginTo(port);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    token = loginOverHttp(port, "minh", "0123456789abcdef0123456789abcdef");
    CHECK(whoami(port, token).status == 200);
    server.stop(SIGTERM);
  }
  SECTION("one day later both still work") {
    std::optional<ServerProcess> server;
    {
      const ServerClockAhead ahead("+1d");
      server.emplace(p.data, port, std::vector<std::string>{}, std::vector<std::string>{"--config", config});
    }
    CHECK(whoami(port, token).status == 200);
    CHECK(lan.run({"sync"}).exit_code == 0);
    CHECK(p.audits("token.expired") == 0);
  }
  SECTION("three days later both are refused, audited, and a new login works") {
    std::optional<ServerProcess> server;
    {
      const ServerClockAhead ahead("+3d");
      server.emplace(p.data, port, std::vector<std::string>{}, std::vector<std::string>{"--config", config});
    }
    const auto refused = whoami(port, token);
    CHECK(refused.status == 401);
    const auto error = json::parse(refused.body)["error"];
    CHECK(error["code"] == "token_expired");
    CHECK_THAT(error["en"].get<std::string>(), Catch::Contains("expired after more than 2 days unused; log in again"));
    const auto sync = lan.run({"sync"});
    CHECK(sync.exit_code != 0);
    // What the inspector reads (the laptop says it in its own words for every 401).
    INFO(sync.err);
    CHECK_THAT(sync.err, Catch::Contains("log in again"));
    CHECK(p.audits("token.expired") >= 2);

    const auto listed = json::parse(p.server({"--config", config, "user", "devices", "lan", "--json"}, "+3d").out);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["expired"] == true);

    // Logged in again: its new token counts from the login, before any sync.
    lan.loginTo(port);
    const auto after = json::parse(p.server({"--config", config, "user", "devices", "lan", "--json"}, "+3d").out);
    REQUIRE(after.size() == 1);
    CHECK(after[0]["expired"] == false);
    CHECK(lan.run({"sync"}).exit_code == 0);
    CHECK(whoami(port, token).status == 401);
    CHECK(whoami(port, loginOverHttp(port, "minh", "0123456789abcdef0123456789abcdef")).status == 200);
  }
}

TEST_CASE("server cli: user devices NAME lists a user's laptops with when each was enrolled and last seen", "[server-config]") {
  ConfiguredProvince p;
  Laptop lan{(p.dir / "lan").string(), "lan"};
  {
    ServerProcess server(p.data);
    lan.loginTo(server.port());
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    loginOverHttp(server.port(), "lan", "0123456789abcdef0123456789abcdef");
    server.stop(SIGTERM);
  }
  const auto listed = p.server({"--data", p.data, "user", "devices", "lan", "--json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  const auto devices = json::parse(listed.out);
  REQUIRE(devices.size() == 2);
  for (const auto& d : devices) {
    CHECK(d["id"].get<std::string>().size() == 32);
    CHECK_FALSE(d["name"].get<std::string>().empty());
    CHECK(std::regex_match(d["enrolled_at"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    // The laptop synced; the device that only logged in never did.
    CHECK(d["last_seen_at"].is_string() == (d["id"] != "0123456789abcdef0123456789abcdef"));
    CHECK(d["revoked"] == false);
    CHECK(d["expired"] == false);
  }

  REQUIRE(p.server({"--data", p.data, "device", "revoke", "0123456789ab"}).exit_code == 0);
  const auto text = p.server({"--data", p.data, "user", "devices", "lan"});
  REQUIRE(text.exit_code == 0);
  // People's dates (dd/mm/yyyy HH:MM), as `device list` prints them.
  CHECK(std::regex_search(text.out, std::regex(R"(enrolled \d\d/\d\d/\d{4} \d\d:\d\d  lần cuối/last seen \d\d/\d\d/\d{4} \d\d:\d\d)")));
  CHECK_THAT(text.out, Catch::Contains("0123456789abcdef0123456789abcdef  Máy thử / Test device") &&
                           Catch::Contains("lần cuối/last seen chưa đồng bộ/never  ĐÃ THU HỒI / REVOKED") &&
                           Catch::Contains("ĐÃ THU HỒI / REVOKED") && Catch::Contains("2 máy / devices"));

  const auto none = p.server({"--data", p.data, "user", "devices", "minh"});
  CHECK(none.exit_code == 0);
  CHECK_THAT(none.out, Catch::Contains("0 máy / devices"));
  const auto unknown = p.server({"--data", p.data, "user", "devices", "nobody"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("There is no user “nobody”.") && Catch::Contains("fieldcheck-server user list"));
}

TEST_CASE("server config: a laptop that only sends USB bundles keeps its login: each bundle imported counts as its token's use",
          "[server-config][bundle]") {
  ConfiguredProvince p;
  const auto port = freePort();
  const auto config = p.tokensUnusedFor(2);
  Laptop lan{(p.dir / "lan").string(), "lan"};
  {
    ServerProcess server(p.data, port, {}, {"--config", config});
    lan.loginTo(port);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    server.stop(SIGTERM);
  }
  // Offline from then on: its work goes by USB stick, imported two days after the login.
  completeDraft(lan, lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>());
  const auto bundle = (p.dir / "lan.fcb").string(), receipt = (p.dir / "lan.fcr").string();
  REQUIRE(lan.run({"bundle", "export", bundle}).exit_code == 0);
  const auto imported = p.server({"--config", config, "bundle", "import", bundle, "--receipt", receipt}, "+2d");
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);

  // Three days after the login, one after the bundle: unused for less than two days.
  const auto listed = json::parse(p.server({"--config", config, "user", "devices", "lan", "--json"}, "+3d").out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["expired"] == false);
  std::optional<ServerProcess> server;
  {
    const ServerClockAhead ahead("+3d");
    server.emplace(p.data, port, std::vector<std::string>{}, std::vector<std::string>{"--config", config});
  }
  const auto sync = lan.run({"sync"});
  INFO(sync.err);
  CHECK(sync.exit_code == 0);
  CHECK(p.audits("token.expired") == 0);
}
