// The real server over real TCP on 127.0.0.1: login, limits, a hostile client, a clean stop.
#include <utility>

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>

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

}  // namespace

TEST_CASE("server: logs in over TCP and stops cleanly on SIGTERM", "[server][e2e]") {
  TempDir dir;
  initProvince(dir);
  ServerProcess server(dir / "data");
  auto health = httpRequest(server.port(), "GET", "/v1/health");
  CHECK(health.status == 200);
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
  boost::asio::ip::tcp::socket big(ioc);
  big.connect(at);
  boost::asio::write(big, boost::asio::buffer(std::string(
      "POST /v1/login HTTP/1.1\r\nHost: x\r\nFieldcheck-Protocol: 1\r\nContent-Length: 17825792\r\n\r\n{")));
  boost::beast::flat_buffer buffer;
  boost::beast::http::response<boost::beast::http::string_body> refused;
  boost::beast::http::read(big, buffer, refused);
  CHECK(refused.result_int() == 413);

  // A client that sends half a request and then nothing, and one that sends garbage.
  boost::asio::ip::tcp::socket stalled(ioc), garbage(ioc);
  stalled.connect(at);
  boost::asio::write(stalled, boost::asio::buffer(std::string("POST /v1/login HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{")));
  garbage.connect(at);
  boost::asio::write(garbage, boost::asio::buffer(std::string("\x16\x03\x01 not http at all\r\n\r\n")));

  for (int i = 0; i < 5; ++i) CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  CHECK(server.stop(SIGTERM) == 0);
}
