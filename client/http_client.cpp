// HTTP/1.1 client on Boost.Beast, over TCP or TLS (OpenSSL), synchronous for its caller with a
// deadline on every operation.
#include <utility>  // before Asio: Boost 1.74's headers use std::exchange without it

#include "http_client.h"

#include <cstdio>
#include <fstream>
#include <optional>

#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#ifdef _WIN32
#include <wincrypt.h>  // the system's certificate store (Asio has included windows.h)
#endif
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace fieldcheck::client {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t kMaxReplyBodyBytes = 64 * 1024 * 1024;
// Smaller bodies gain nothing from compression.
constexpr std::size_t kWorthCompressingBytes = 256;
// A CA file holds a few certificates: anything larger is not one.
constexpr std::uintmax_t kMaxCaFileBytes = 1024 * 1024;

constexpr std::string_view kHttpScheme = "http://";
constexpr std::string_view kHttpsScheme = "https://";

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// The SHA-256 (hex) of `cert`'s SubjectPublicKeyInfo in DER: what stays the same when a
// certificate is renewed with the same key.
std::string publicKeyHash(X509* cert) {
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (size <= 0) return {};
  std::string hash = sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  return hash;
}

// The certificates in `pem`, in order (none when it holds none or is damaged after them).
std::vector<X509Ptr> readCertificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(cert);
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

bool isIpAddress(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<ServerAddress> parseServerUrl(std::string_view url) {
  auto bad = problem("Địa chỉ máy chủ phải có dạng https://TÊN_MÁY[:CỔNG] hoặc http://TÊN_MÁY[:CỔNG], ví dụ "
                     "https://fieldcheck.caobang.gov.vn hay http://127.0.0.1:8470.",
                     "The server address must look like https://HOST[:PORT] or http://HOST[:PORT], for example "
                     "https://fieldcheck.caobang.gov.vn or http://127.0.0.1:8470.");
  ServerAddress address;
  std::string_view default_port;
  if (url.substr(0, kHttpsScheme.size()) == kHttpsScheme) {
    url.remove_prefix(kHttpsScheme.size());
    address.https = true;
    default_port = "443";
  } else if (url.substr(0, kHttpScheme.size()) == kHttpScheme) {
    url.remove_prefix(kHttpScheme.size());
    default_port = "8470";
  } else {
    return bad;
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@ ") != std::string_view::npos) return bad;
  const auto colon = url.rfind(':');
  address.host = std::string(url.substr(0, colon));
  address.port = std::string(colon == std::string_view::npos ? default_port : url.substr(colon + 1));
  if (address.host.empty() || address.port.empty() || address.port.size() > 5 ||
      address.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(address.port) == 0 ||
      std::stoul(address.port) > 65535)
    return bad;
  return address;
}

Result<std::string> publicKeySha256(std::string_view certificate_pem) {
  const auto certs = readCertificates(certificate_pem);
  if (certs.empty())
    return problem("Không đọc được chứng chỉ (PEM) nào.", "No certificate (PEM) could be read.");
  auto hash = publicKeyHash(certs.front().get());
  if (hash.empty()) return problem("Không đọc được khóa của chứng chỉ.", "The certificate's key could not be read.");
  return hash;
}

Result<std::string> readCaCertificates(const std::filesystem::path& file) {
  const auto unreadable = problem("Không đọc được tệp chứng chỉ CA " + utf8Of(file) + ".",
                                  "Cannot read the CA certificate file " + utf8Of(file) + ".");
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return unreadable;
  if (size > kMaxCaFileBytes)
    return problem("Tệp " + utf8Of(file) + " quá lớn để là chứng chỉ CA (tối đa 1 MiB).",
                   "The file " + utf8Of(file) + " is too large for a CA certificate (1 MiB at most).");
  std::string pem(static_cast<std::size_t>(size), '\0');
  std::ifstream in(file, std::ios::binary);  // through the wide API on Windows
  if (!in.read(pem.data(), static_cast<std::streamsize>(pem.size()))) return unreadable;
  if (readCertificates(pem).empty())
    return problem("Tệp " + utf8Of(file) + " không chứa chứng chỉ nào dạng PEM (“-----BEGIN CERTIFICATE-----”). Hãy dùng "
                       "tệp chứng chỉ CA mà cán bộ kỹ thuật của tỉnh đưa.",
                   "The file " + utf8Of(file) + " holds no PEM certificate (“-----BEGIN CERTIFICATE-----”). Use the CA "
                       "certificate file the province's IT staff gave you.");
  return pem;
}

namespace {

// The system's trusted certificate authorities for `context`: OpenSSL's default paths on Linux; on
// Windows the "ROOT" certificate store (OpenSSL built for MinGW has no folder of CAs to read).
void useSystemCertificates(ssl::context& context, boost::system::error_code& ec) {
#ifdef _WIN32
  HCERTSTORE roots = CertOpenSystemStoreW(0, L"ROOT");
  if (roots == nullptr) {
    ec = boost::system::error_code(static_cast<int>(GetLastError()), boost::system::system_category());
    return;
  }
  X509_STORE* store = SSL_CTX_get_cert_store(context.native_handle());
  for (PCCERT_CONTEXT cert = CertEnumCertificatesInStore(roots, nullptr); cert != nullptr;
       cert = CertEnumCertificatesInStore(roots, cert)) {
    const unsigned char* der = cert->pbCertEncoded;
    if (X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded))) {
      X509_STORE_add_cert(store, x509);  // a certificate already there is no failure
      X509_free(x509);
    }
  }
  CertCloseStore(roots, 0);
#else
  context.set_default_verify_paths(ec);
#endif
}

}  // namespace

Problem certificateRefused(long verify_result, const ServerAddress& address) {
  const auto url = address.url();
  switch (verify_result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return problem("Chứng chỉ của máy chủ không dành cho tên “" + address.host + "”: địa chỉ có thể gõ sai, hoặc máy đang trả "
                         "lời không phải máy chủ của tỉnh. Chưa gửi gì tới nó. Hãy hỏi cán bộ kỹ thuật của tỉnh địa chỉ đúng "
                         "(tên ghi trong chứng chỉ).",
                     "The server's certificate is not for the name “" + address.host + "”: the address may be mistyped, or "
                         "the machine answering is not the province's server. Nothing was sent to it. Ask the province's IT "
                         "staff for the right address (the name in the certificate).");
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return problem("Chứng chỉ của máy chủ " + url + " đã hết hạn (hoặc đồng hồ của máy này chạy nhanh). Chưa gửi gì tới nó. "
                         "Hãy xem ngày giờ của máy này; nếu đúng, báo cán bộ kỹ thuật của tỉnh gia hạn chứng chỉ.",
                     "The certificate of the server " + url + " has expired (or this laptop's clock is fast). Nothing was "
                         "sent to it. Check this laptop's date and time; if they are right, ask the province's IT staff to "
                         "renew the certificate.");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return problem("Chứng chỉ của máy chủ " + url + " chưa có hiệu lực (đồng hồ của máy này có thể chạy chậm). Chưa gửi gì "
                         "tới nó. Hãy chỉnh ngày giờ của máy này rồi thử lại; nếu đã đúng, báo cán bộ kỹ thuật của tỉnh.",
                     "The certificate of the server " + url + " is not valid yet (this laptop's clock may be slow). "
                         "Nothing was sent to it. Set this laptop's date and time and try again; if they are right, tell "
                         "the province's IT staff.");
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return problem("Chứng chỉ của máy chủ " + url + " không do tổ chức cấp chứng chỉ (CA) nào mà máy này tin cấp. Chưa gửi gì "
                         "tới nó. Nếu tỉnh dùng CA riêng, hãy đăng nhập với tệp chứng chỉ CA của tỉnh: `fieldcheck login "
                         "--server " + url + " --user TÊN --ca TỆP`; nếu không, máy đang trả lời có thể không phải máy chủ "
                         "của tỉnh.",
                     "The certificate of the server " + url + " was not issued by a certificate authority (CA) this laptop "
                         "trusts. Nothing was sent to it. If the province runs its own CA, log in with the province's CA "
                         "certificate file: `fieldcheck login --server " + url + " --user NAME --ca FILE`; if not, the "
                         "machine answering may not be the province's server.");
    default:
      return problem("Không xác minh được chứng chỉ của máy chủ " + url + " (" + X509_verify_cert_error_string(verify_result) +
                         "). Chưa gửi gì tới nó. Hãy báo cán bộ kỹ thuật của tỉnh.",
                     "The certificate of the server " + url + " could not be verified (" +
                         X509_verify_cert_error_string(verify_result) + "). Nothing was sent to it. Tell the province's IT staff.");
  }
}

Problem serverKeyChanged(const ServerAddress& address, const std::string& pinned, const std::string& found) {
  const auto url = address.url();
  auto p = problem("Chứng chỉ của máy chủ " + url + " đã thay đổi: khóa của nó không còn là khóa máy này đã xác minh khi đăng "
                       "nhập. Có thể tỉnh đã thay chứng chỉ, nhưng cũng có thể một máy khác đang giả làm máy chủ. Chưa gửi gì "
                       "tới nó. Hãy hỏi cán bộ kỹ thuật của tỉnh; nếu tỉnh thật sự đã thay, chạy lại `fieldcheck login "
                       "--server " + url + " --user TÊN` để tin chứng chỉ mới.",
                   "The certificate of the server " + url + " has changed: its key is no longer the one this laptop "
                       "verified at login. The province may have replaced it, or another machine may be posing as the "
                       "server. Nothing was sent to it. Ask the province's IT staff; if the province really replaced it, "
                       "run `fieldcheck login --server " + url + " --user NAME` again to trust the new one.");
  p.details.push_back({"Khóa đã xác minh (SHA-256): " + pinned + "; khóa máy chủ đưa bây giờ: " + found + ".",
                       "Key verified (SHA-256): " + pinned + "; key the server shows now: " + found + "."});
  return p;
}

struct HttpConnection::Impl {
  net::io_context ioc;
  std::optional<ssl::context> tls;  // made at the first https connection
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void close() {
    if (plain || secure) {
      beast::error_code ignored;
      lowest().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      lowest().socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }

  // Runs the asynchronous operation `start` begins (it calls its argument with the error and the
  // bytes moved) to its end: the stream's deadline applies only to asynchronous operations.
  template <class Start>
  std::pair<beast::error_code, std::size_t> run(Start&& start) {
    std::pair<beast::error_code, std::size_t> out{net::error::operation_aborted, 0};
    start([&out](beast::error_code ec, std::size_t bytes) { out = {ec, bytes}; });
    ioc.restart();
    ioc.run();
    return out;
  }
};

HttpConnection::HttpConnection(ServerAddress address, ServerTrust trust)
    : impl_(std::make_unique<Impl>()), address_(std::move(address)), trust_(std::move(trust)) {}
HttpConnection::~HttpConnection() { impl_->close(); }

std::optional<Problem> HttpConnection::connect(std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  beast::error_code ec;
  auto failed = [&](const char* what_vi, const char* what_en) -> std::optional<Problem> {
    s.close();
    return problem(std::string(what_vi) + " " + address_.url() + " (" + ec.message() + ").",
                   std::string(what_en) + " " + address_.url() + " (" + ec.message() + ").");
  };
  auto refuse = [&](Problem why) -> std::optional<Problem> {
    s.close();
    refused_ = std::move(why);
    return refused_;
  };
  s.close();
  net::ip::tcp::resolver resolver(s.ioc);
  const auto endpoints = resolver.resolve(address_.host, address_.port, ec);
  if (ec) return failed("Không tìm thấy máy chủ", "Cannot find the server");
  if (address_.https) {
    if (!s.tls) {
      s.tls.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(s.tls->native_handle(), TLS1_2_VERSION);
      s.tls->set_verify_mode(ssl::verify_peer);
      if (!trust_.ca_pem.empty()) s.tls->add_certificate_authority(net::buffer(trust_.ca_pem), ec);
      else useSystemCertificates(*s.tls, ec);
      if (ec) {
        s.tls.reset();
        return refuse(problem("Không nạp được chứng chỉ CA để xác minh máy chủ (" + ec.message() + "). Hãy đăng nhập lại với "
                                  "`--ca TỆP` đúng.",
                              "Cannot load the CA certificates to verify the server with (" + ec.message() + "). Log in "
                                  "again with the right `--ca FILE`."));
      }
    }
    s.secure.emplace(s.ioc, *s.tls);
    SSL* ssl = s.secure->native_handle();
    // The name checked against the certificate (OpenSSL's own check, so that its verify result
    // says which check failed); SNI only for a name, never for an IP address (RFC 6066).
    if (isIpAddress(address_.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, address_.host.c_str());
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl, address_.host.c_str());
    }
  } else {
    s.plain.emplace(s.ioc);
  }
  s.lowest().expires_after(timeout);
  std::tie(ec, std::ignore) = s.run([&](auto done) {
    s.lowest().async_connect(endpoints, [done](beast::error_code e, const net::ip::tcp::endpoint&) { done(e, 0); });
  });
  if (ec) return failed("Không kết nối được máy chủ", "Cannot connect to the server");
  if (s.secure) {
    s.lowest().expires_after(timeout);
    std::tie(ec, std::ignore) = s.run([&](auto done) {
      s.secure->async_handshake(ssl::stream_base::client, [done](beast::error_code e) { done(e, 0); });
    });
    SSL* ssl = s.secure->native_handle();
    if (ec) {
      if (const long verified = SSL_get_verify_result(ssl); verified != X509_V_OK)
        return refuse(certificateRefused(verified, address_));
      // A server that answers in something other than TLS, or only in versions or ciphers this
      // laptop refuses, will not change at a retry; a cut or a timeout might.
      if (ec.category() == net::error::get_ssl_category() && ec != net::ssl::error::stream_truncated)
        return refuse(problem("Máy chủ " + address_.url() + " không nói HTTPS như máy này cần (TLS 1.2 trở lên): " + ec.message() +
                                  ". Chưa gửi gì tới nó. Hãy xem lại địa chỉ (http:// hay https://, cổng) với cán bộ kỹ thuật của tỉnh.",
                              "The server " + address_.url() + " does not speak HTTPS as this laptop needs (TLS 1.2 or later): " +
                                  ec.message() + ". Nothing was sent to it. Check the address (http:// or https://, the port) "
                                  "with the province's IT staff."));
      return failed("Không bắt tay TLS được với máy chủ", "The TLS handshake failed with the server");
    }
    const X509Ptr cert(SSL_get1_peer_certificate(ssl));
    const auto key = cert ? publicKeyHash(cert.get()) : std::string();
    if (key.empty())
      return refuse(problem("Máy chủ " + address_.url() + " không đưa chứng chỉ đọc được. Chưa gửi gì tới nó.",
                            "The server " + address_.url() + " shows no readable certificate. Nothing was sent to it."));
    // The chain is good; the key must still be the one verified at login (or at this
    // connection's first handshake).
    if (trust_.key_sha256.empty()) trust_.key_sha256 = key;
    else if (key != trust_.key_sha256) return refuse(serverKeyChanged(address_, trust_.key_sha256, key));
  }
  s.connected = true;
  return std::nullopt;
}

std::optional<Problem> HttpConnection::open(std::chrono::milliseconds timeout) {
  if (refused_) return refused_;
  if (impl_->connected) return std::nullopt;
  return connect(timeout);
}

Result<HttpReply> HttpConnection::request(const std::string& method, const std::string& target,
                                          const std::map<std::string, std::string>& headers, const std::string& body,
                                          std::chrono::milliseconds timeout) {
  if (auto not_open = open(timeout)) return *not_open;
  auto& s = *impl_;
  beast::error_code ec;
  auto failed = [&](const char* what_vi, const char* what_en) {
    s.close();
    return problem(std::string(what_vi) + " " + address_.url() + " (" + ec.message() + ").",
                   std::string(what_en) + " " + address_.url() + " (" + ec.message() + ").");
  };
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, address_.host);
  req.set(http::field::user_agent, "fieldcheck");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.set(http::field::accept_encoding, std::string(kContentCoding));
  const auto type = headers.find("Content-Type");
  const bool image = type != headers.end() && type->second.rfind("image/", 0) == 0;  // compressed already
  if (body.size() >= kWorthCompressingBytes && !image) {
    req.set(http::field::content_encoding, std::string(kContentCoding));
    req.body() = compress(body);
  } else {
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBodyBytes);
  std::size_t bytes = 0;
  // The same exchange over either stream.
  auto write = [&](auto& stream) {
    return s.run([&](auto done) { http::async_write(stream, req, done); });
  };
  auto read = [&](auto& stream) {
    return s.run([&](auto done) { http::async_read(stream, s.buffer, parser, done); });
  };
  s.lowest().expires_after(timeout);
  std::tie(ec, bytes) = s.secure ? write(*s.secure) : write(*s.plain);
  bytes_sent_ += bytes;
  if (ec) return failed("Mất kết nối khi gửi tới", "The connection dropped while sending to");
  s.lowest().expires_after(timeout);
  std::tie(ec, bytes) = s.secure ? read(*s.secure) : read(*s.plain);
  bytes_received_ += bytes;
  if (ec) return failed("Mất kết nối khi nhận từ", "The connection dropped while receiving from");
  auto res = parser.release();
  if (std::string(res[http::field::content_encoding]) == kContentCoding) {
    auto plain = decompress(res.body(), kMaxReplyBodyBytes);
    if (!plain) return failed("Trả lời hỏng từ", "A damaged answer from");
    res.body() = std::move(plain.value());
  }
  if (!res.keep_alive()) s.close();
  return HttpReply{res.result_int(), std::move(res.body())};
}

}  // namespace fieldcheck::client
