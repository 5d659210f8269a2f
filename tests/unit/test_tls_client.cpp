// The laptop's HTTPS: server addresses, the key a laptop pins, the messages of a refused server,
// and HttpConnection against a TLS server in the test's own process that counts what reaches it.
#include <utility>  // before Asio: Boost 1.74's headers use std::exchange without it

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/x509_vfy.h>

#include "http_client.h"
#include "support/process.h"
#include "support/test_ca.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::client;
namespace fs = std::filesystem;

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The SHA-256 of a certificate's public key as the openssl command computes it (SPKI in DER).
std::string opensslKeyHash(const fs::path& cert) {
  const auto r = test::runProcess({"/bin/sh", "-c",
                                   "/usr/bin/openssl x509 -in '" + cert.string() +
                                       "' -noout -pubkey | /usr/bin/openssl pkey -pubin -outform DER | "
                                       "/usr/bin/openssl dgst -sha256 -r"});
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 64);
}

// A certificate renewed with the same key as `from` (another serial, the same names), signed by `ca`.
test::CertificateFiles renewed(const test::TestCertificates& c, const fs::path& folder) {
  const auto csr = folder / "renewed.csr", ext = folder / "renewed.ext";
  { std::ofstream(ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"; }
  REQUIRE(test::runProcess({"/usr/bin/openssl", "req", "-new", "-key", c.good.key.string(), "-subj", "/CN=renewed", "-out",
                            csr.string()})
              .exit_code == 0);
  test::CertificateFiles out{folder / "renewed.crt", c.good.key};
  REQUIRE(test::runProcess({"/usr/bin/openssl", "x509", "-req", "-in", csr.string(), "-CA", c.ca.cert.string(), "-CAkey",
                            c.ca.key.string(), "-set_serial", "2001", "-days", "30", "-sha256", "-extfile", ext.string(),
                            "-out", out.cert.string()})
              .exit_code == 0);
  return out;
}

// A TLS server on 127.0.0.1 in this process, one connection at a time, on its own thread: it
// completes handshakes with its certificate, counts them and every byte that reaches it after
// them, and answers one request per connection with 200 "ok".
class TlsServer {
 public:
  /// Shows `files` at the first connection and `later` (when given) at the ones after it.
  explicit TlsServer(const test::CertificateFiles& files, std::optional<test::CertificateFiles> later = std::nullopt) {
    ctx_.use_certificate_chain_file(files.cert.string());
    ctx_.use_private_key_file(files.key.string(), ssl::context::pem);
    const auto& after = later ? *later : files;
    later_ctx_.use_certificate_chain_file(after.cert.string());
    later_ctx_.use_private_key_file(after.key.string(), ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsServer() {
    stopping_ = true;
    beast::error_code ignored;
    tcp::socket wake(ioc_);
    wake.connect({net::ip::make_address("127.0.0.1"), port_}, ignored);  // unblocks accept
    thread_.join();
  }
  ServerAddress address(const std::string& host = "127.0.0.1") const { return {host, std::to_string(port_), true}; }
  // Each after the server is done with every connection it accepted (the client has hung up).
  int handshakes() const { return settle(), handshakes_.load(); }
  int connections() const { return settle(), connections_.load(); }
  std::size_t bytesAfterHandshake() const { return settle(), bytes_.load(); }

 private:
  void settle() const {
    for (int waited_ms = 0; finished_ < connections_ && waited_ms < 10'000; waited_ms += 5)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void serve() {
    while (!stopping_) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      answer(std::move(socket));
      ++finished_;
    }
  }
  void answer(tcp::socket socket) {
    beast::error_code ec;
    beast::ssl_stream<tcp::socket> stream(std::move(socket), connections_++ == 0 ? ctx_ : later_ctx_);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    ++handshakes_;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    const auto used = http::read(stream, buffer, req, ec);
    bytes_ += used + buffer.size();
    if (ec) return;
    http::response<http::string_body> res{http::status::ok, 11};
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    http::write(stream, res, ec);
    stream.shutdown(ec);
  }
  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_server}, later_ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> handshakes_{0}, connections_{0}, finished_{0};
  std::atomic<std::size_t> bytes_{0};
};

Result<HttpReply> get(HttpConnection& connection) {
  return connection.request("GET", "/v1/anything", {}, "", std::chrono::seconds(10));
}

}  // namespace

TEST_CASE("https client: an https address defaults to port 443 and an http one to 8470", "[tls]") {
  auto https = parseServerUrl("https://fieldcheck.caobang.gov.vn");
  REQUIRE(https);
  CHECK(https.value().https);
  CHECK(https.value().host == "fieldcheck.caobang.gov.vn");
  CHECK(https.value().port == "443");
  CHECK(https.value().url() == "https://fieldcheck.caobang.gov.vn:443");

  auto with_port = parseServerUrl("https://127.0.0.1:8443/");
  REQUIRE(with_port);
  CHECK(with_port.value().https);
  CHECK(with_port.value().port == "8443");

  auto http = parseServerUrl("http://127.0.0.1");
  REQUIRE(http);
  CHECK_FALSE(http.value().https);
  CHECK(http.value().port == "8470");
  CHECK(http.value().url() == "http://127.0.0.1:8470");
  // What a login keeps is read back the same.
  auto again = parseServerUrl(https.value().url());
  REQUIRE(again);
  CHECK(again.value().url() == https.value().url());
}

TEST_CASE("https client: an address that is not http or https, or has a path, a user or a bad port, is refused", "[tls]") {
  const auto url = GENERATE(as<std::string>{}, "ftp://host", "host:8470", "https://", "https://:443", "https://host/v1",
                            "https://user@host", "https://host:", "https://host:0", "https://host:70000", "https://host:44a",
                            "HTTPS://host");
  auto r = parseServerUrl(url);
  INFO(url);
  REQUIRE_FALSE(r);
  CHECK(r.problem().message.en.find("https://HOST[:PORT]") != std::string::npos);
  CHECK(r.problem().message.vi.find("https://TÊN_MÁY[:CỔNG]") != std::string::npos);
}

TEST_CASE("https client: the pin is the SHA-256 of the certificate's public key, kept by a renewal with the same key", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  auto good = publicKeySha256(readFile(c.good.cert));
  REQUIRE(good);
  CHECK(good.value() == opensslKeyHash(c.good.cert));

  auto same_key = publicKeySha256(readFile(renewed(c, dir.path()).cert));
  REQUIRE(same_key);
  CHECK(same_key.value() == good.value());

  auto other_key = publicKeySha256(readFile(c.changed.cert));
  REQUIRE(other_key);
  CHECK(other_key.value() != good.value());

  CHECK_FALSE(publicKeySha256("not a certificate"));
  CHECK_FALSE(publicKeySha256(readFile(c.good.key)));
}

TEST_CASE("https client: a CA file is read when it holds a certificate and refused otherwise", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  auto ca = readCaCertificates(c.ca.cert);
  REQUIRE(ca);
  CHECK(ca.value() == readFile(c.ca.cert));

  { std::ofstream(dir / "notes.txt") << "the CA is on the other stick\n"; }
  auto not_pem = readCaCertificates(dir / "notes.txt");
  REQUIRE_FALSE(not_pem);
  CHECK(not_pem.problem().message.en.find("holds no PEM certificate") != std::string::npos);
  auto missing = readCaCertificates(dir / "missing.pem");
  REQUIRE_FALSE(missing);
  CHECK(missing.problem().message.en.find("Cannot read") != std::string::npos);
}

TEST_CASE("https client: a wrong name, an expired certificate, an unknown CA and a changed key each have their own message", "[tls]") {
  const ServerAddress address{"fieldcheck.example", "443", true};
  const auto host = certificateRefused(X509_V_ERR_HOSTNAME_MISMATCH, address).message;
  const auto ip = certificateRefused(X509_V_ERR_IP_ADDRESS_MISMATCH, address).message;
  const auto expired = certificateRefused(X509_V_ERR_CERT_HAS_EXPIRED, address).message;
  const auto not_yet = certificateRefused(X509_V_ERR_CERT_NOT_YET_VALID, address).message;
  const auto unknown = certificateRefused(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, address).message;
  const auto self_signed = certificateRefused(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, address).message;
  const auto other = certificateRefused(X509_V_ERR_CERT_REVOKED, address).message;
  const auto changed = serverKeyChanged(address, std::string(64, 'a'), std::string(64, 'b'));

  CHECK(host == ip);
  CHECK(host.en.find("not for the name “fieldcheck.example”") != std::string::npos);
  CHECK(host.vi.find("không dành cho tên “fieldcheck.example”") != std::string::npos);
  CHECK(expired.en.find("has expired") != std::string::npos);
  CHECK(expired.en.find("clock") != std::string::npos);
  CHECK(expired.vi.find("đã hết hạn") != std::string::npos);
  CHECK(not_yet.en.find("not valid yet") != std::string::npos);
  CHECK(unknown == self_signed);
  CHECK(unknown.en.find("--ca FILE") != std::string::npos);
  CHECK(unknown.vi.find("--ca TỆP") != std::string::npos);
  CHECK(other.en.find("certificate revoked") != std::string::npos);  // OpenSSL's reason, named
  CHECK(changed.message.en.find("has changed") != std::string::npos);
  CHECK(changed.message.en.find("run `fieldcheck login --server https://fieldcheck.example:443 --user NAME` again") != std::string::npos);
  CHECK(changed.message.vi.find("đã thay đổi") != std::string::npos);
  CHECK(changed.details.at(0).en.find(std::string(64, 'b')) != std::string::npos);
  for (const auto& m : {host, expired, not_yet, unknown, other, changed.message}) {
    INFO(m.en);
    CHECK(m.en.find("Nothing was sent") != std::string::npos);
    CHECK(m.vi.find("Chưa gửi gì") != std::string::npos);
  }
  const std::set<std::string> distinct{host.en, expired.en, not_yet.en, unknown.en, other.en, changed.message.en};
  CHECK(distinct.size() == 6);
}

TEST_CASE("https client: a server of the given CA is asked over TLS and the key it verified is its certificate's", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  TlsServer server(c.good);
  HttpConnection connection(server.address(), {readFile(c.ca.cert), ""});
  auto reply = get(connection);
  REQUIRE(reply);
  CHECK(reply.value().status == 200);
  CHECK(reply.value().body == "ok");
  CHECK_FALSE(connection.refused());
  CHECK(connection.serverKeySha256() == publicKeySha256(readFile(c.good.cert)).value());
  CHECK(connection.bytesSent() > 0);
  CHECK(server.bytesAfterHandshake() == connection.bytesSent());

  SECTION("by its name as well as its address") {
    HttpConnection by_name(server.address("localhost"), {readFile(c.ca.cert), ""});
    auto named = get(by_name);
    REQUIRE(named);
    CHECK(named.value().status == 200);
  }
  SECTION("and with the key pinned, a renewal with the same key too") {
    TlsServer renewed_server(renewed(c, dir.path()));
    HttpConnection pinned(renewed_server.address(), {readFile(c.ca.cert), connection.serverKeySha256()});
    auto again = get(pinned);
    REQUIRE(again);
    CHECK(again.value().status == 200);
  }
}

TEST_CASE("https client: a server whose certificate fails a check receives no request byte, with the check's message", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  const auto ca = readFile(c.ca.cert);
  struct Case {
    const char* what;
    test::CertificateFiles served;
    std::string ca;
    long verify_result;
  };
  const std::vector<Case> cases{
      {"another name", c.wrong_host, ca, X509_V_ERR_HOSTNAME_MISMATCH},
      {"expired", c.expired, ca, X509_V_ERR_CERT_HAS_EXPIRED},
      {"a CA not given (the system's store)", c.good, "", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {"another CA than the one given", c.good, readFile(c.other_ca.cert), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {"self-signed", c.self_signed, ca, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
  };
  // An index, not the cases: each run of the test case makes its certificates in a new folder.
  const auto& k = cases.at(GENERATE(range<std::size_t>(0, 5)));
  INFO(k.what);
  TlsServer server(k.served);
  HttpConnection connection(server.address(), {k.ca, ""});
  auto reply = connection.request("POST", "/v1/login", {{"Content-Type", "application/json"}}, R"({"password":"secret"})",
                                  std::chrono::seconds(10));
  REQUIRE_FALSE(reply);
  CHECK(connection.refused());
  CHECK(reply.problem().message == certificateRefused(k.verify_result, server.address()).message);
  CHECK(server.handshakes() == 0);
  CHECK(server.bytesAfterHandshake() == 0);
  CHECK(connection.bytesSent() == 0);
}

TEST_CASE("https client: a server with another key than the pinned one is refused after the handshake and sent nothing", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  const auto pinned = publicKeySha256(readFile(c.good.cert)).value();
  TlsServer server(c.changed);  // the same CA, the same names, another key
  HttpConnection connection(server.address(), {readFile(c.ca.cert), pinned});
  auto reply = get(connection);
  REQUIRE_FALSE(reply);
  CHECK(connection.refused());
  const auto found = publicKeySha256(readFile(c.changed.cert)).value();
  CHECK(reply.problem().message == serverKeyChanged(server.address(), pinned, found).message);
  CHECK(server.handshakes() == 1);  // the chain was good: only the key tells
  CHECK(server.bytesAfterHandshake() == 0);
  CHECK(connection.bytesSent() == 0);

  SECTION("and stays refused without connecting again") {
    CHECK_FALSE(get(connection));
    CHECK(connection.open(std::chrono::seconds(10)).has_value());
    CHECK(server.connections() == 1);
  }
}

TEST_CASE("https client: a connection keeps to the key of its first handshake when it reconnects", "[tls]") {
  test::TempDir dir;
  const auto c = test::makeTestCertificates(dir / "certs");
  TlsServer server(c.good, c.changed);  // the first connection shows one key, later ones another
  HttpConnection connection(server.address(), {readFile(c.ca.cert), ""});
  auto first = get(connection);  // the server closes after each answer
  REQUIRE(first);
  CHECK(connection.serverKeySha256() == publicKeySha256(readFile(c.good.cert)).value());
  auto second = get(connection);
  REQUIRE_FALSE(second);
  CHECK(connection.refused());
  CHECK(second.problem().message.en.find("has changed") != std::string::npos);
  CHECK(server.handshakes() == 2);
  CHECK(server.bytesAfterHandshake() == connection.bytesSent());  // the first request's only
}

TEST_CASE("https client: a server that answers in plain HTTP at an https address is refused as not speaking HTTPS", "[tls]") {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::thread plain([&] {
    beast::error_code ec;
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (ec) return;
    char hello[512];
    socket.read_some(net::buffer(hello), ec);  // the ClientHello, read as a request
    net::write(socket, net::buffer(std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  });
  HttpConnection connection({"127.0.0.1", std::to_string(port), true}, {});
  auto reply = get(connection);
  plain.join();
  REQUIRE_FALSE(reply);
  CHECK(connection.refused());
  CHECK(reply.problem().message.en.find("does not speak HTTPS as this laptop needs (TLS 1.2 or later)") != std::string::npos);
  CHECK(reply.problem().message.vi.find("không nói HTTPS") != std::string::npos);
  CHECK(connection.bytesSent() == 0);
}
