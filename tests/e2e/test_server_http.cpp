// The real server over real TCP on 127.0.0.1: login, limits, a hostile client, a clean stop.
#include <utility>

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "fieldcheck/compression.h"
#include "fieldcheck/files.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

void initProvince(const TempDir& dir) {
  REQUIRE(runProcess({serverBinary(), "--data", (dir / "data").string(), "init", "--seed", sampleSeed().string()})
              .exit_code == 0);
  ProcessOptions password;
  password.input = "secret-pass\n";
  REQUIRE(runProcess({serverBinary(), "--data", (dir / "data").string(), "user", "add", "lan", "--role", "inspector",
                      "--district", "bao-lac"},
                     password)
              .exit_code == 0);
}

const std::map<std::string, std::string> kV1{{"Fieldcheck-Protocol", "1"}};

// What the server started by ServerProcess on `dir`/data has logged so far.
std::string serverLog(const TempDir& dir) { return fieldcheck::readWholeFile(dir / "data-server.log"); }

using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Sends `raw` on a new connection and reads the answer, waiting at most five seconds; nullopt when
// no answer came. The connection is closed on return.
std::optional<Response> rawExchange(unsigned short port, const std::string& raw) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const timeval five_seconds{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  boost::system::error_code ec;
  boost::asio::write(socket, boost::asio::buffer(raw), ec);  // the server may answer before all is sent
  boost::beast::flat_buffer buffer;
  Response reply;
  boost::beast::http::read(socket, buffer, reply, ec);
  if (ec) return std::nullopt;
  return reply;
}

// The status of rawExchange's answer; 0 when none came.
unsigned rawRequest(unsigned short port, const std::string& raw) {
  const auto reply = rawExchange(port, raw);
  return reply ? reply->result_int() : 0;
}

}  // namespace

TEST_CASE("server: logs in over TCP and stops cleanly on SIGTERM", "[server][e2e]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  auto health = httpRequest(server.port(), "GET", "/v1/health");
  CHECK(health.status == 200);
  CHECK(health.headers["x-content-type-options"] == "nosniff");  // no answer is read as another type
  CHECK(health.headers["cache-control"] == "no-store");
  auto login = httpRequest(server.port(), "POST", "/v1/login", kV1,
                           R"({"user":"lan","password":"secret-pass","device_name":"laptop","device_id":"0123456789abcdef0123456789abcdef"})");
  REQUIRE(login.status == 200);
  const auto token = json::parse(login.body)["token"].get<std::string>();
  auto headers = kV1;
  headers["Authorization"] = "Bearer " + token;
  auto who = httpRequest(server.port(), "GET", "/v1/whoami", headers);
  CHECK(who.status == 200);
  CHECK(json::parse(who.body)["district"] == "bao-lac");
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server: an oversized body is refused and a stalled client does not block others", "[server][e2e]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");

  boost::asio::io_context ioc;
  const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), server.port());

  // A body announced larger than the limit is refused from its headers, before it is read.
  CHECK(rawRequest(server.port(), "POST /v1/login HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\n"
                                  "Content-Length: 17825792\r\n\r\n{") == 413);

  // A client that sends half a request and then nothing, and one that sends garbage.
  boost::asio::ip::tcp::socket stalled(ioc), garbage(ioc);
  stalled.connect(at);
  boost::asio::write(stalled, boost::asio::buffer(std::string("POST /v1/login HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{")));
  garbage.connect(at);
  boost::asio::write(garbage, boost::asio::buffer(std::string("\x16\x03\x01 not http at all\r\n\r\n")));

  for (int i = 0; i < 5; ++i) CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  CHECK(server.stop(SIGTERM) == 0);
}

namespace {

// The server's open sockets (its listening socket and its connections), as /proc shows them.
std::size_t openSockets(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    const auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.string().rfind("socket:", 0) == 0) ++n;
  }
  return n;
}


}  // namespace

TEST_CASE("server: requests that cannot be decoded are answered and leave no connection open", "[server][e2e][hostile]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  REQUIRE(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  const auto baseline = openSockets(server.pid());

  auto post = [](const std::string& target, const std::string& body, const std::string& type = "application/json") {
    return "POST " + target + " HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\nContent-Type: " + type +
           "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const auto [what, raw] = GENERATE_COPY(table<std::string, std::string>({
      {"bytes that are not UTF-8 in the path", "GET /v1/\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\nConnection: close\r\n\r\n"},
      {"bytes that are not UTF-8 in a header it echoes", "GET /v1/whoami HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: \xff\xfe\r\nConnection: close\r\n\r\n"},
      {"a JSON number too large for a double at login", post("/v1/login", R"({"user":"lan","password":1e999,"device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})")},
      {"a JSON number too large for a double in a sync", post("/v1/sync", R"({"push":[],"cursor":1e400,"page_limit":10})")},
      {"text that is not UTF-8 in a login", post("/v1/login", "{\"user\":\"\xff\xfe\",\"password\":\"secret-pass\",\"device_name\":\"x\",\"device_id\":\"0123456789abcdef0123456789abcdef\"}")},
  }));
  INFO(what);
  // Many times over: each must be answered, and none may leave its connection open on the server.
  for (int i = 0; i < 40; ++i) {
    const auto status = rawRequest(server.port(), raw);
    INFO("request " << i);
    REQUIRE(status >= 400);
    REQUIRE(status < 500);
  }
  std::size_t open = openSockets(server.pid());
  for (int wait = 0; wait < 50 && open > baseline; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    open = openSockets(server.pid());
  }
  CHECK(open <= baseline);
  CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  // Each refusal left a line in the log, its bytes from outside escaped.
  const auto log = serverLog(dir);
  std::size_t lines = 0;
  for (auto at = log.find("fieldcheck-server: refused "); at != std::string::npos; at = log.find("fieldcheck-server: refused ", at + 1))
    ++lines;
  CHECK(lines >= 40);
  CHECK(log.find('\xff') == std::string::npos);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server: a transfer coding other than chunked is refused and its connection closed, so no request hides in a body",
          "[server][e2e][hostile]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  const std::string coding = GENERATE("identity", "gzip, chunked", "xchunked", "chunked, identity");
  INFO(coding);
  // A proxy that frames the body by another rule would pass the GET inside it as a second request.
  const auto answer = rawExchange(server.port(), "POST /v1/login HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\n"
                                                 "Content-Type: application/json\r\nTransfer-Encoding: " + coding + "\r\n\r\n"
                                                 "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(answer);
  CHECK(answer->result_int() == 400);
  CHECK_THAT(answer->body(), Catch::Contains("bad_http"));
  CHECK_FALSE(answer->keep_alive());
  CHECK_THAT(serverLog(dir), Catch::Contains("refused POST /v1/login from 127.0.0.1: 400 bad_http"));
  // Chunked is taken as before.
  const std::string login = R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})";
  std::ostringstream hex;
  hex << std::hex << login.size();
  const auto chunked = rawExchange(server.port(), "POST /v1/login HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\n"
                                                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                                  hex.str() + "\r\n" + login + "\r\n0\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->result_int() == 200);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server: an enrolled caller's small compressed body of countless JSON values is refused before it takes the memory",
          "[server][e2e][hostile]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  auto login = httpRequest(server.port(), "POST", "/v1/login", kV1,
                           R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})");
  REQUIRE(login.status == 200);
  const auto token = json::parse(login.body)["token"].get<std::string>();
  // Sixteen MiB of empty objects, a few KiB once compressed: parsed whole, some 500 MB.
  std::string body = "{\"push\":[";
  while (body.size() < 16 * 1024 * 1024 - 16) body += "{},";
  body += "{}]}";
  const auto compressed = fieldcheck::compress(body);
  REQUIRE(compressed.size() < 64 * 1024);
  const auto before = peakMemoryKiB(server.pid());
  REQUIRE(before);
  auto refused = httpRequest(server.port(), "POST", "/v1/sync",
                             {{"Fieldcheck-Protocol", "1"}, {"Authorization", "Bearer " + token},
                              {"Content-Type", "application/json"}, {"Content-Encoding", "zstd"}},
                             compressed);
  CHECK(refused.status == 413);
  CHECK_THAT(refused.body, Catch::Contains("too_complex"));
  CHECK_THAT(serverLog(dir), Catch::Contains("refused POST /v1/sync from 127.0.0.1: 413 too_complex"));
  const auto after = peakMemoryKiB(server.pid());
  REQUIRE(after);
  INFO("peak before " << *before << " KiB, after " << *after << " KiB");
  CHECK(*after - *before < 96 * 1024);  // the body, its decompressed text and the parse's budget
  // A sync of the ordinary kind still goes through.
  auto ordinary = httpRequest(server.port(), "POST", "/v1/sync",
                              {{"Fieldcheck-Protocol", "1"}, {"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                              R"({"push":[],"cursor":0,"page_limit":10})");
  CHECK(ordinary.status == 200);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server: callers without a login cannot make it hold their bodies, nor take every connection", "[server][e2e][hostile]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  REQUIRE(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  boost::asio::io_context ioc;
  const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), server.port());

  SECTION("twenty strangers each sending a 15 MiB body to the sync endpoint") {
    const auto before = peakMemoryKiB(server.pid());
    REQUIRE(before);
    std::vector<boost::asio::ip::tcp::socket> strangers;
    for (int i = 0; i < 20; ++i) {
      strangers.emplace_back(ioc).connect(at);
      boost::asio::write(strangers.back(), boost::asio::buffer(std::string(
          "POST /v1/sync HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\nContent-Type: application/json\r\n"
          "Content-Length: 15728640\r\n\r\n")));
    }
    const std::string mib(1 << 20, ' ');
    for (int round = 0; round < 15; ++round)
      for (auto& s : strangers) {
        boost::system::error_code ignored;  // the server may have closed already: that is the point
        boost::asio::write(s, boost::asio::buffer(mib), ignored);
      }
    strangers.clear();
    const auto after = peakMemoryKiB(server.pid());
    REQUIRE(after);
    INFO("peak before " << *before << " KiB, after " << *after << " KiB");
    CHECK(*after - *before < 32 * 1024);  // what one request may hold, not twenty bodies
    CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  }

  SECTION("a body announced without a login is answered at once, before it is sent") {
    const auto answer = rawExchange(server.port(), "POST /v1/sync HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\n"
                                                   "Content-Length: 1000000\r\n\r\n");
    REQUIRE(answer);
    CHECK(answer->result_int() == 401);
    CHECK_FALSE(answer->keep_alive());
    CHECK_THAT(serverLog(dir), Catch::Contains("refused POST /v1/sync from 127.0.0.1: 401"));
  }

  SECTION("one address holds at most its share of connections, and gets them back") {
    constexpr int kShare = 200;  // tuning::kMaxConnectionsPerAddress
    std::vector<boost::asio::ip::tcp::socket> held;
    boost::beast::flat_buffer buffer;
    for (int i = 0; i < kShare; ++i) {
      auto& s = held.emplace_back(ioc);
      s.connect(at);
      // A whole request each, answered: the server has counted the connection.
      boost::asio::write(s, boost::asio::buffer(std::string("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")));
      boost::beast::http::response<boost::beast::http::string_body> ok;
      boost::beast::http::read(s, buffer, ok);
      REQUIRE(ok.result_int() == 200);
    }
    CHECK(rawRequest(server.port(), "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n") == 503);
    held.pop_back();
    unsigned status = 0;
    for (int wait = 0; wait < 50 && status != 200; ++wait) {  // the server notices the close soon
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      status = rawRequest(server.port(), "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }
    CHECK(status == 200);
  }
  CHECK(server.stop(SIGTERM) == 0);
}

namespace {

// Whether process `pid` (a child of the test, not yet reaped) is still running: not a zombie.
bool stillRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto after_name = line.rfind(')');  // the program's name, in parentheses, may hold spaces
  return after_name != std::string::npos && line.size() > after_name + 2 && line[after_name + 2] != 'Z';
}

// Whether process `pid` has `file` open (its /proc/PID/fd links).
bool holdsOpen(pid_t pid, const std::filesystem::path& file) {
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    if (std::filesystem::read_symlink(fd.path(), link_ec) == file) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("server: SIGHUP while it starts, before it listens, neither ends it nor stops it serving", "[server][e2e]") {
  TempDir dir;
  initProvince(dir);
  const auto database = std::filesystem::canonical(dir / "data" / "provincial.db");
  // The test holds the database locked, so the server's start waits in the middle (opening its
  // storage, as when it reads a large database): a window the test can hit on any machine.
  std::optional<SQLite::Database> holder;
  holder.emplace(database.string(), SQLite::OPEN_READWRITE);
  holder->exec("PRAGMA locking_mode = EXCLUSIVE");
  holder->exec("BEGIN EXCLUSIVE");
  const auto port = freePort();
  RunningProcess server({serverBinary(), "--data", (dir / "data").string(), "serve", "--listen", "127.0.0.1:" + std::to_string(port)});
  // The signals start once the server is in its start (its database open): before that, from its
  // birth to main, SIGHUP's default action is not the server's to change.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!holdsOpen(server.pid(), database) && stillRunning(server.pid()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(holdsOpen(server.pid(), database));
  // Well within the storage's busy timeout (10 s), which the held lock makes it wait.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(stillRunning(server.pid()));
  CHECK_THROWS(httpRequest(port, "GET", "/v1/health"));  // not listening yet: it was still starting
  holder.reset();

  // The rest of its start (listening, the reload handler set up) under SIGHUP too, until it answers.
  int answered = 0, hangups = 0;
  while (answered != 200 && hangups < 2000 && stillRunning(server.pid()) && std::chrono::steady_clock::now() < deadline) {
    ::kill(server.pid(), SIGHUP);
    ++hangups;
    try {
      answered = static_cast<int>(httpRequest(port, "GET", "/v1/health").status);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  INFO(hangups << " SIGHUPs sent");
  REQUIRE(answered == 200);
  // And it goes on serving, a reload asked of it now handled as one.
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(httpRequest(port, "GET", "/v1/health").status == 200);
  CHECK(stillRunning(server.pid()));
  REQUIRE(::kill(server.pid(), SIGTERM) == 0);
  CHECK(server.wait() == 0);
}
