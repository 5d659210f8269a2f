// The server over HTTPS (issue 17): real fieldcheck-server processes, real TCP on 127.0.0.1,
// certificates made in the test by tests/support/test_ca, TLS clients by `openssl s_client`.
#include <utility>

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "fieldcheck/files.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

extern char** environ;

using namespace fieldcheck::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const kOpenssl = "/usr/bin/openssl";

/// `openssl verify` of `cert` against `ca`: true when the chain holds now.
bool verifies(const CertificateFiles& ca, const CertificateFiles& cert) {
  return runProcess({kOpenssl, "verify", "-CAfile", ca.cert.string(), cert.cert.string()}).exit_code == 0;
}

bool verifiesForHost(const CertificateFiles& ca, const CertificateFiles& cert, const std::string& ip) {
  return runProcess({kOpenssl, "verify", "-CAfile", ca.cert.string(), "-verify_ip", ip, cert.cert.string()}).exit_code == 0;
}

void initProvince(const fs::path& data) {
  REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data.string(), "lan", {"--role", "inspector", "--district", "bao-lac"}));
  REQUIRE(addServerUser(data.string(), "hoa", {"--role", "admin"}));
}

/// An answer read off a TLS connection by `openssl s_client`.
struct TlsReply {
  bool handshake = false;  // the handshake completed and the server's certificate verified
  unsigned status = 0;     // 0: no answer
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;
  std::string client_output;  // what s_client printed, for a failure's message
};

TlsReply parseReply(const ProcessResult& result) {
  TlsReply reply;
  reply.client_output = result.out + result.err;
  reply.handshake = result.exit_code == 0 || result.out.rfind("HTTP/1.1 ", 0) == 0;
  const auto& text = result.out;
  if (text.rfind("HTTP/1.1 ", 0) != 0) return reply;
  reply.status = static_cast<unsigned>(std::stoi(text.substr(9, 3)));
  const auto head_end = text.find("\r\n\r\n");
  std::istringstream head(text.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = line.substr(colon + 2);
  }
  if (head_end != std::string::npos) reply.body = text.substr(head_end + 4);
  return reply;
}

/// One HTTP/1.1 request over TLS to 127.0.0.1:`port`, the server verified against `ca` for
/// 127.0.0.1 (s_client's `extra` arguments after), the connection closed after the answer.
TlsReply httpsRequest(unsigned short port, const fs::path& ca, const std::string& method, const std::string& target,
                      const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
                      const std::vector<std::string>& extra = {}) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  if (!body.empty()) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + body;
  std::vector<std::string> argv{kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-quiet",
                                "-verify_return_error", "-CAfile", ca.string(), "-verify_ip", "127.0.0.1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ProcessOptions options;
  options.input = raw;
  return parseReply(runProcess(argv, options));
}

/// Whether a TLS handshake with only protocol `version` (s_client's -tls1, -tls1_1, -tls1_2,
/// -tls1_3) completes; the client allows every cipher (SECLEVEL=0) so that the server decides.
bool handshakeWith(unsigned short port, const fs::path& ca, const std::string& version) {
  ProcessOptions options;  // an empty input: the client ends after the handshake
  const auto result = runProcess({kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-verify_return_error",
                                  "-CAfile", ca.string(), version, "-cipher", "DEFAULT@SECLEVEL=0"},
                                 options);
  return result.exit_code == 0 && result.out.find("Cipher is (NONE)") == std::string::npos;
}

/// The server's log so far.
std::string logOf(const ServerProcess& server) { return fieldcheck::readWholeFile(server.logFile()); }

/// Waits (at most ten seconds) until the server's log holds `text`; whether it came.
bool waitForLog(const ServerProcess& server, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (logOf(server).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<std::string> tlsArgs(const CertificateFiles& files) {
  return {"--tls-cert", files.cert.string(), "--tls-key", files.key.string()};
}

const std::map<std::string, std::string> kV1{{"Fieldcheck-Protocol", "1"}};

/// The status of GET /v1/health over plain HTTP to `address`:`port` (0 when no answer came).
unsigned healthAt(const std::string& address, unsigned short port) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address(address), port});
  net::write(socket, net::buffer(std::string("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  std::string answer;
  boost::system::error_code ec;
  char buffer[4096];
  while (!ec) answer.append(buffer, socket.read_some(net::buffer(buffer), ec));
  return answer.rfind("HTTP/1.1 ", 0) == 0 ? static_cast<unsigned>(std::stoi(answer.substr(9, 3))) : 0;
}

std::string wrongLogin(const std::string& user) {
  return R"({"user":")" + user + R"(","password":"not-the-password","device_name":"laptop","device_id":"0123456789abcdef0123456789abcdef"})";
}

}  // namespace

TEST_CASE("test CA: the good certificate verifies for 127.0.0.1 and the others fail as named", "[tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  CHECK(verifiesForHost(certs.ca, certs.good, "127.0.0.1"));
  CHECK(verifiesForHost(certs.ca, certs.changed, "127.0.0.1"));
  CHECK_FALSE(verifiesForHost(certs.ca, certs.wrong_host, "127.0.0.1"));
  CHECK(verifies(certs.ca, certs.wrong_host));
  CHECK_FALSE(verifies(certs.ca, certs.expired));
  CHECK_FALSE(verifies(certs.ca, certs.self_signed));
  CHECK_FALSE(verifies(certs.other_ca, certs.good));
  CHECK(certificateFingerprint(certs.good.cert) != certificateFingerprint(certs.changed.cert));
  CHECK(certificateFingerprint(certs.good.cert).size() == 32 * 3 - 1);
}

TEST_CASE("server over TLS: TLS 1.3 and 1.2 are accepted and TLS 1.1 and 1.0 refused by the server", "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  ServerProcess server(dir / "data", 0, tlsArgs(certs.good));
  CHECK(logOf(server).find("https://127.0.0.1:") != std::string::npos);
  CHECK(handshakeWith(server.port(), certs.ca.cert, "-tls1_3"));
  CHECK(handshakeWith(server.port(), certs.ca.cert, "-tls1_2"));
  CHECK_FALSE(handshakeWith(server.port(), certs.ca.cert, "-tls1_1"));
  CHECK_FALSE(handshakeWith(server.port(), certs.ca.cert, "-tls1"));
  // The server said no (not the client): its log names the protocol, once per connection.
  CHECK(waitForLog(server, "unsupported protocol"));
  CHECK(occurrences(logOf(server), "TLS handshake from 127.0.0.1 failed") == 2);
  // TLS 1.2 offers only forward-secret AEAD suites: a CBC or plain-RSA suite is refused.
  ProcessOptions none;
  CHECK(runProcess({kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()), "-tls1_2", "-cipher",
                    "AES128-SHA:AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA"},
                   none)
            .exit_code != 0);
  // No renegotiation: s_client's "R" asks for one over TLS 1.2 and the server refuses it.
  ProcessOptions renegotiate;
  renegotiate.input = "R\n";
  const auto refused = runProcess({kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()), "-tls1_2",
                                   "-CAfile", certs.ca.cert.string()},
                                  renegotiate);
  CHECK(refused.out.find("Compression: NONE") != std::string::npos);
  CHECK((refused.out + refused.err).find("RENEGOTIATING") != std::string::npos);
  CHECK((refused.out + refused.err).find("no renegotiation") != std::string::npos);
}

TEST_CASE("server over TLS: a request gets the same answer as over plain HTTP", "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  HttpReply plain_health, plain_login;
  {
    ServerProcess plain(dir / "data");
    plain_health = httpRequest(plain.port(), "GET", "/v1/health");
    plain_login = httpRequest(plain.port(), "POST", "/v1/login", kV1, wrongLogin("lan"));
    CHECK(plain.stop(SIGTERM) == 0);
  }
  ServerProcess server(dir / "data", 0, tlsArgs(certs.good));
  auto health = httpsRequest(server.port(), certs.ca.cert, "GET", "/v1/health");
  INFO(health.client_output);
  CHECK(health.status == 200);
  CHECK(health.status == plain_health.status);
  CHECK(health.body == plain_health.body);
  CHECK(health.headers["content-type"] == plain_health.headers["content-type"]);
  auto login = httpsRequest(server.port(), certs.ca.cert, "POST", "/v1/login",
                                  {{"Fieldcheck-Protocol", "1"}, {"Content-Type", "application/json"}}, wrongLogin("lan"));
  CHECK(login.status == 401);
  CHECK(login.status == plain_login.status);
  CHECK(login.body == plain_login.body);
  // A laptop logs in over TLS.
  auto good = httpsRequest(server.port(), certs.ca.cert, "POST", "/v1/login", kV1,
                                 R"({"user":"lan","password":")" + testPassword("lan") +
                                     R"(","device_name":"laptop","device_id":"0123456789abcdef0123456789abcdef"})");
  CHECK(good.status == 200);
  CHECK(json::parse(good.body).contains("token"));
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server over TLS: plain HTTP sent to its port is closed unanswered and others are still served", "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  ServerProcess server(dir / "data", 0, tlsArgs(certs.good));
  CHECK_THROWS(httpRequest(server.port(), "GET", "/v1/health"));
  CHECK(waitForLog(server, "TLS handshake from 127.0.0.1 failed"));
  CHECK(httpsRequest(server.port(), certs.ca.cert, "GET", "/v1/health").status == 200);

  // Connections that hold half a handshake, or send nonsense, hold nobody up.
  namespace net = boost::asio;
  net::io_context ioc;
  const net::ip::tcp::endpoint at{net::ip::make_address("127.0.0.1"), server.port()};
  net::ip::tcp::socket half(ioc), nonsense(ioc), silent(ioc);
  half.connect(at);
  // A TLS record header announcing a ClientHello of 512 bytes, and 5 of them.
  net::write(half, net::buffer(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10)));
  nonsense.connect(at);
  net::write(nonsense, net::buffer(std::string(4096, '\x17')));
  silent.connect(at);
  for (int i = 0; i < 5; ++i) CHECK(httpsRequest(server.port(), certs.ca.cert, "GET", "/v1/health").status == 200);
  // The nonsense is answered by a closed connection, not a hang.
  const timeval five_seconds{5, 0};
  setsockopt(nonsense.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  char buffer[1024];
  boost::system::error_code ec;
  for (int i = 0; i < 10 && !ec; ++i) nonsense.read_some(net::buffer(buffer), ec);
  CHECK(ec == net::error::eof);
  CHECK(server.stop(SIGTERM) == 0);
  // One line per failed connection, never one per byte.
  CHECK(occurrences(logOf(server), "TLS handshake from") <= 3);
}

TEST_CASE("server over TLS: SIGHUP gives new connections a new certificate and keeps the old one when the new files are broken",
          "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  const CertificateFiles served{dir / "served.crt", dir / "served.key"};
  fs::copy_file(certs.good.cert, served.cert);
  fs::copy_file(certs.good.key, served.key);
  ServerProcess server(dir / "data", 0, tlsArgs(served));
  REQUIRE(servedCertificateFingerprint(server.port()) == certificateFingerprint(certs.good.cert));

  fs::copy_file(certs.changed.cert, served.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(certs.changed.key, served.key, fs::copy_options::overwrite_existing);
  ::kill(server.pid(), SIGHUP);
  REQUIRE(waitForLog(server, "TLS certificate reloaded"));
  CHECK(servedCertificateFingerprint(server.port()) == certificateFingerprint(certs.changed.cert));
  CHECK(logOf(server).find(certificateFingerprint(certs.changed.cert) + ", valid until ") != std::string::npos);
  CHECK(httpsRequest(server.port(), certs.ca.cert, "GET", "/v1/health").status == 200);

  // A broken certificate, then a key of another certificate: the one in use stays, and the log
  // says why.
  {
    std::ofstream broken(served.cert, std::ios::trunc);
    broken << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  }
  ::kill(server.pid(), SIGHUP);
  REQUIRE(waitForLog(server, "was not reloaded"));
  CHECK(logOf(server).find(served.cert.string()) != std::string::npos);
  CHECK(servedCertificateFingerprint(server.port()) == certificateFingerprint(certs.changed.cert));
  fs::copy_file(certs.good.cert, served.cert, fs::copy_options::overwrite_existing);  // the key is still changed's
  ::kill(server.pid(), SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (occurrences(logOf(server), "was not reloaded") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(occurrences(logOf(server), "was not reloaded") == 2);
  CHECK(servedCertificateFingerprint(server.port()) == certificateFingerprint(certs.changed.cert));
  CHECK(httpsRequest(server.port(), certs.ca.cert, "GET", "/v1/health").status == 200);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server over TLS: a connection open across a reload goes on being served while new ones get the new certificate", "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  const CertificateFiles served{dir / "served.crt", dir / "served.key"};
  fs::copy_file(certs.good.cert, served.cert);
  fs::copy_file(certs.good.key, served.key);
  ServerProcess server(dir / "data", 0, tlsArgs(served));
  // s_client keeps its connection while its input is open: a request now, another after the
  // reload, on the same connection (keep-alive), both answered.
  const auto request = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int to_client[2];
  REQUIRE(pipe(to_client) == 0);
  const auto out_file = dir / "client.out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_client[0], 0);
  posix_spawn_file_actions_addclose(&actions, to_client[1]);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const auto err_file = dir / "client.err";
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args{kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()), "-quiet",
                                "-verify_return_error", "-CAfile", certs.ca.cert.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t client = -1;
  REQUIRE(posix_spawn(&client, argv[0], &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_client[0]);
  const auto answers = [&] { return occurrences(fieldcheck::readWholeFile(out_file), "HTTP/1.1 200 OK"); };
  const auto waitForAnswers = [&](std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (answers() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return answers();
  };
  REQUIRE(::write(to_client[1], request, std::strlen(request)) > 0);
  CHECK(waitForAnswers(1) == 1);

  fs::copy_file(certs.changed.cert, served.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(certs.changed.key, served.key, fs::copy_options::overwrite_existing);
  ::kill(server.pid(), SIGHUP);
  REQUIRE(waitForLog(server, "TLS certificate reloaded"));
  CHECK(servedCertificateFingerprint(server.port()) == certificateFingerprint(certs.changed.cert));
  // The last request closes the connection, and the client ends with it.
  const auto last = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(to_client[1], last, std::strlen(last)) > 0);
  CHECK(waitForAnswers(2) == 2);
  ::close(to_client[1]);
  int status = 0;
  waitpid(client, &status, 0);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("server over TLS: a missing or bad certificate or a key of another certificate is refused at start, naming the file",
          "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  const auto start = [&](const fs::path& cert, const fs::path& key) {
    return runProcess({serverBinary(), "--data", (dir / "data").string(), "serve", "--listen", "127.0.0.1:0", "--tls-cert",
                       cert.string(), "--tls-key", key.string()});
  };
  const auto missing = start(dir / "pki" / "nowhere.crt", certs.good.key);
  CHECK(missing.exit_code == 78);
  CHECK(missing.err.find("nowhere.crt") != std::string::npos);
  CHECK(missing.err.find("Lỗi:") != std::string::npos);
  CHECK(missing.err.find("Error:") != std::string::npos);

  const auto not_pem = dir / "not-pem.crt";
  std::ofstream(not_pem) << "this is not a certificate\n";
  const auto bad = start(not_pem, certs.good.key);
  CHECK(bad.exit_code == 78);
  CHECK(bad.err.find(not_pem.string()) != std::string::npos);

  const auto mismatched = start(certs.good.cert, certs.changed.key);
  CHECK(mismatched.exit_code == 78);
  CHECK(mismatched.err.find(certs.changed.key.string()) != std::string::npos);
  CHECK(mismatched.err.find("does not match") != std::string::npos);

  const auto key_as_cert = start(certs.good.key, certs.good.key);
  CHECK(key_as_cert.exit_code == 78);

  // An expired certificate is served (the service stays up for its operator) and the log warns.
  ServerProcess expired(dir / "data", 0, tlsArgs(certs.expired));
  const auto end = certificateEndDate(certs.expired.cert);
  CHECK(end.find("Jan 31 00:00:") == 0);
  CHECK(end.find("2020 GMT") != std::string::npos);
  INFO(logOf(expired));
  CHECK(waitForLog(expired, "expired on " + end));
  CHECK(logOf(expired).find("renew it and send SIGHUP") != std::string::npos);
  CHECK(expired.stop(SIGTERM) == 0);
}

TEST_CASE("server: plain HTTP on a network address is refused at start unless plain_http is anywhere", "[server][e2e][tls]") {
  TempDir dir;
  initProvince(dir / "data");
  const auto refused = runProcess({serverBinary(), "--data", (dir / "data").string(), "serve", "--listen", "0.0.0.0:0"});
  CHECK(refused.exit_code == 78);
  CHECK(refused.err.find("0.0.0.0") != std::string::npos);
  CHECK(refused.err.find("--tls-cert") != std::string::npos);
  CHECK(refused.err.find("plain_http = \"anywhere\"") != std::string::npos);
  CHECK(refused.err.find("Lỗi:") != std::string::npos);
  // Loopback is plain HTTP's own, every address of it, each served.
  {
    ServerProcess loopback(dir / "data", 0, {"--listen", "127.0.0.2:0"});
    CHECK(httpRequest(loopback.port(), "GET", "/v1/health").status == 200);
    const auto log = logOf(loopback);
    const auto at = log.find("http://127.0.0.2:");
    REQUIRE(at != std::string::npos);
    const auto second_port = static_cast<unsigned short>(std::stoi(log.substr(at + 17)));
    CHECK(healthAt("127.0.0.2", second_port) == 200);
    CHECK(loopback.stop(SIGTERM) == 0);
  }
  ServerProcess anywhere(dir / "data", 0, {"--listen", "0.0.0.0:0", "--plain-http-anywhere"});
  CHECK(httpRequest(anywhere.port(), "GET", "/v1/health").status == 200);
  const auto log = logOf(anywhere);
  CHECK(log.find("http://0.0.0.0:") != std::string::npos);
  CHECK(anywhere.stop(SIGTERM) == 0);
}

TEST_CASE("server: X-Forwarded-For names the client for the login budget only when a trusted proxy sends it", "[server][e2e][tls]") {
  TempDir dir;
  initProvince(dir / "data");
  const auto config = dir / "server.toml";
  std::ofstream(config) << "[login]\nmax_failed_per_address = 3\n";
  const auto from = [](const std::string& address) {
    auto headers = kV1;
    headers["X-Forwarded-For"] = "198.51.100.9, " + address;
    return headers;
  };
  SECTION("from a trusted proxy, each forwarded address has its own budget") {
    ServerProcess server(dir / "data", 0, {"--trusted-proxy", "127.0.0.1"}, {"--config", config.string()});
    for (int i = 0; i < 3; ++i) CHECK(httpRequest(server.port(), "POST", "/v1/login", from("203.0.113.7"), wrongLogin("lan")).status == 401);
    CHECK(httpRequest(server.port(), "POST", "/v1/login", from("203.0.113.7"), wrongLogin("lan")).status == 429);
    CHECK(httpRequest(server.port(), "POST", "/v1/login", from("203.0.113.8"), wrongLogin("hoa")).status == 401);
    // The log names the client, not the proxy.
    CHECK(logOf(server).find("from 203.0.113.7") != std::string::npos);
    // A proxy chain names the right-most address that is not a trusted proxy.
    auto chained = kV1;
    chained["X-Forwarded-For"] = "203.0.113.7, 203.0.113.9, 127.0.0.1";
    CHECK(httpRequest(server.port(), "POST", "/v1/login", chained, wrongLogin("hoa")).status == 401);
    CHECK(logOf(server).find("from 203.0.113.9") != std::string::npos);
  }
  SECTION("from any other peer, the header is ignored and the socket's address counts") {
    ServerProcess server(dir / "data", 0, {"--trusted-proxy", "10.9.8.7"}, {"--config", config.string()});
    for (int i = 0; i < 3; ++i) CHECK(httpRequest(server.port(), "POST", "/v1/login", from("203.0.113.7"), wrongLogin("lan")).status == 401);
    CHECK(httpRequest(server.port(), "POST", "/v1/login", from("203.0.113.8"), wrongLogin("hoa")).status == 429);
    CHECK(logOf(server).find("203.0.113") == std::string::npos);
  }
}

TEST_CASE("console: its cookie is Secure over TLS and behind a trusted proxy that says https, and not over plain HTTP",
          "[server][e2e][tls]") {
  TempDir dir;
  const auto certs = makeTestCertificates(dir / "pki");
  initProvince(dir / "data");
  auto login = R"({"user":"hoa","password":")" + testPassword("hoa") + R"("})";
  const std::map<std::string, std::string> json_type{{"Content-Type", "application/json"}};
  {
    ServerProcess server(dir / "data", 0, tlsArgs(certs.good));
    const auto origin = "https://127.0.0.1:" + std::to_string(server.port());
    auto headers = json_type;
    headers["Origin"] = origin;
    auto session = httpsRequest(server.port(), certs.ca.cert, "POST", "/api/session", headers, login);
    INFO(session.client_output);
    REQUIRE(session.status == 200);
    CHECK(session.headers["set-cookie"].find("; Secure") != std::string::npos);
    CHECK(session.headers["set-cookie"].find("HttpOnly") != std::string::npos);
    // The page's own origin over TLS is https://HOST:PORT; its http:// twin is another origin.
    headers["Origin"] = "http://127.0.0.1:" + std::to_string(server.port());
    auto other = httpsRequest(server.port(), certs.ca.cert, "POST", "/api/session", headers, login);
    CHECK(other.status == 403);
    CHECK(server.stop(SIGTERM) == 0);
  }
  {
    ServerProcess plain(dir / "data");
    auto session = httpRequest(plain.port(), "POST", "/api/session", json_type, login);
    REQUIRE(session.status == 200);
    CHECK(session.headers["set-cookie"].find("Secure") == std::string::npos);
    // X-Forwarded-Proto from a peer that is not a trusted proxy changes nothing.
    auto forwarded = json_type;
    forwarded["X-Forwarded-Proto"] = "https";
    CHECK(httpRequest(plain.port(), "POST", "/api/session", forwarded, login).headers["set-cookie"].find("Secure") ==
          std::string::npos);
    CHECK(plain.stop(SIGTERM) == 0);
  }
  ServerProcess proxied(dir / "data", 0, {"--trusted-proxy", "127.0.0.1"});
  auto forwarded = json_type;
  forwarded["X-Forwarded-Proto"] = "https";
  forwarded["Origin"] = "https://127.0.0.1";
  auto session = httpRequest(proxied.port(), "POST", "/api/session", forwarded, login);
  REQUIRE(session.status == 200);
  CHECK(session.headers["set-cookie"].find("; Secure") != std::string::npos);
  CHECK(proxied.stop(SIGTERM) == 0);
}

TEST_CASE("server: a trusted proxy's connections are capped in all but not as one address's", "[server][e2e][tls]") {
  TempDir dir;
  initProvince(dir / "data");
  const auto config = dir / "server.toml";
  std::ofstream(config) << "[limits]\nmax_connections = 10\nmax_connections_per_address = 2\n";
  namespace net = boost::asio;
  net::io_context ioc;
  const auto hold = [&](unsigned short port, std::vector<net::ip::tcp::socket>& held) {
    for (int i = 0; i < 2; ++i) {
      held.emplace_back(ioc);
      held.back().connect({net::ip::make_address("127.0.0.1"), port});
    }
    // The server registers a connection when it accepts it: a request on a third shows it has.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  SECTION("any other peer gets two") {
    ServerProcess server(dir / "data", 0, {}, {"--config", config.string()});
    std::vector<net::ip::tcp::socket> held;
    hold(server.port(), held);
    CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 503);
  }
  SECTION("a trusted proxy gets more") {
    ServerProcess server(dir / "data", 0, {"--trusted-proxy", "127.0.0.1"}, {"--config", config.string()});
    std::vector<net::ip::tcp::socket> held;
    hold(server.port(), held);
    CHECK(httpRequest(server.port(), "GET", "/v1/health").status == 200);
  }
}
