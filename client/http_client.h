// The client's HTTP and HTTPS transport to the sync server (the only client file that includes
// Beast and OpenSSL).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fieldcheck/result.h"

namespace fieldcheck::client {

struct ServerAddress {
  std::string host;
  std::string port;
  bool https = false;
  std::string url() const { return (https ? "https://" : "http://") + host + ":" + port; }
};

/// Reads "https://HOST[:PORT]" (port 443 when absent) or "http://HOST[:PORT]" (port 8470 when
/// absent). Refuses anything else with a message.
Result<ServerAddress> parseServerUrl(std::string_view url);

/// What an https connection believes about the server, beyond its host name. Ignored for http.
struct ServerTrust {
  /// A province's own CA certificates (PEM): when set, only a chain to one of them is accepted;
  /// when empty, a chain to the system's CA store.
  std::string ca_pem;
  /// The SHA-256 (hex) of the server's public key (its SubjectPublicKeyInfo) this laptop verified
  /// at login: a certificate with another key is refused even when its chain is good. Empty: the
  /// first key a connection verifies is the one it keeps to (a reconnect must find it again).
  std::string key_sha256;
};

/// The SHA-256 (hex) of the public key of the first certificate in `certificate_pem` (its
/// SubjectPublicKeyInfo, DER), as an https connection computes it from the server's certificate.
/// A Problem when `certificate_pem` holds no readable certificate.
Result<std::string> publicKeySha256(std::string_view certificate_pem);

/// Reads a CA's certificates (PEM, as `fieldcheck login --ca FILE` is given them): their text, or
/// a Problem when the file cannot be read, is too large or holds no certificate.
Result<std::string> readCaCertificates(const std::filesystem::path& file);

/// The message for a server certificate OpenSSL's verification refused with `verify_result` (an
/// X509_V_ERR_… value): a wrong host name, an expired or not yet valid certificate, an unknown
/// CA each say what it means and what to do; any other names OpenSSL's reason.
Problem certificateRefused(long verify_result, const ServerAddress& address);

/// The message for a server whose chain is good but whose key is not the one this laptop
/// verified at login (`pinned`, now `found`).
Problem serverKeyChanged(const ServerAddress& address, const std::string& pinned, const std::string& found);

struct HttpReply {
  unsigned status = 0;
  std::string body;  // decompressed when the server compressed it
};

/// One keep-alive HTTP/1.1 connection, over TLS for an https address, opened on first use and
/// reopened after a failure. Every operation (connecting, the TLS handshake, sending, receiving)
/// has its deadline. Over TLS: TLS 1.2 or 1.3, the host name sent (SNI, for a name) and checked
/// against the certificate (its DNS or IP names), the chain checked against `trust`'s CA or the
/// system's, then the key against `trust`'s; a server that fails a check is sent no request byte,
/// and the connection stays refused (a retry cannot make a certificate valid). Not thread-safe.
class HttpConnection {
 public:
  explicit HttpConnection(ServerAddress address, ServerTrust trust = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Opens the connection now unless it is open, within `timeout`: nullopt when open, else why
  /// not (refused() says whether the server was refused or only not reached).
  std::optional<Problem> open(std::chrono::milliseconds timeout);

  /// Sends one request and reads the reply, within `timeout`. Bodies worth it are sent
  /// zstd-compressed, and a compressed reply is decompressed. A Problem means the request may
  /// or may not have reached the server (no connection, cut, timed out), or, when refused(), that
  /// it did not: retrying is safe only for idempotent requests, which every sync request is. Any
  /// HTTP status is a reply.
  Result<HttpReply> request(const std::string& method, const std::string& target,
                            const std::map<std::string, std::string>& headers, const std::string& body,
                            std::chrono::milliseconds timeout);

  /// Whether the server failed a TLS check (certificate, host name, key): nothing was sent to it.
  bool refused() const { return refused_.has_value(); }
  /// The SHA-256 (hex) of the key of the server this connection verified; empty over http or
  /// before the first connection.
  const std::string& serverKeySha256() const { return trust_.key_sha256; }

  /// Bytes sent and received so far, headers included (over TLS: the HTTP bytes, before encryption).
  std::uint64_t bytesSent() const { return bytes_sent_; }
  std::uint64_t bytesReceived() const { return bytes_received_; }

 private:
  struct Impl;
  std::optional<Problem> connect(std::chrono::milliseconds timeout);
  std::unique_ptr<Impl> impl_;
  ServerAddress address_;
  ServerTrust trust_;
  std::optional<Problem> refused_;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace fieldcheck::client
