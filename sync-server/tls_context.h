// The server's TLS settings (Asio's SSL over Debian's OpenSSL 3): one context per certificate,
// built from the PEM files of [tls] cert and key, and swapped for a new one on SIGHUP.
#pragma once

#include "asio_config.h"

#include <boost/asio/ssl.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fieldcheck/result.h"

namespace fieldcheck::server {

using TlsContext = boost::asio::ssl::context;

/// A server context holding the certificate chain in `cert` and the private key in `key` (PEM):
/// TLS 1.2 and 1.3 only, TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 only (1.3 with
/// OpenSSL's suites), the server's cipher order, no compression, no renegotiation. A file that
/// is missing or unreadable, that holds no certificate or no key, or a key that does not match
/// the certificate is a Problem naming the file, in both languages. Never throws.
Result<std::shared_ptr<TlsContext>> makeTlsContext(const std::filesystem::path& cert, const std::filesystem::path& key);

/// The context new connections are given. A connection keeps the context it was given (it holds
/// the shared_ptr) until it ends, so a reload never touches open connections. Thread-safe.
class TlsContexts {
 public:
  explicit TlsContexts(std::shared_ptr<TlsContext> first) : current_(std::move(first)) {}

  std::shared_ptr<TlsContext> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  /// Makes a new context from the files and, when that works, gives it to new connections; when
  /// it does not, keeps the one in use and returns the Problem.
  std::optional<Problem> reload(const std::filesystem::path& cert, const std::filesystem::path& key);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<TlsContext> current_;
};

/// What the log says of the first certificate in the PEM file `cert`.
struct CertificateSummary {
  std::string fingerprint;  // SHA-256, "AB:CD:…"
  std::string not_after;    // "Mar  1 12:00:00 2029 GMT", as OpenSSL prints it
  bool expired = false;     // not_after has passed
};

/// The summary of `cert`; nullopt when it cannot be read. Never throws.
std::optional<CertificateSummary> summarizeCertificate(const std::filesystem::path& cert);

}  // namespace fieldcheck::server
