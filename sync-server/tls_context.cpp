// The server's TLS context from PEM files, checked before use (see tls_context.h).
#include "tls_context.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace fieldcheck::server {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites without the finite-field DHE ones: forward secrecy and
// authenticated encryption only. TLS 1.3's suites are OpenSSL's defaults (all of them AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure on this thread, emptied from its queue.
std::string openSslReason() {
  std::string reason;
  while (const auto code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;  // the last is the nearest to the call that failed
  }
  return reason.empty() ? "unknown" : reason;
}

bool readable(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return static_cast<bool>(in);
}

Problem unreadable(const std::filesystem::path& file, const char* what_vi, const char* what_en) {
  return problem(std::string("Không đọc được ") + what_vi + " “" + file.string() +
                     "”: tệp không có hoặc không có quyền đọc. Hãy kiểm tra đường dẫn --tls-cert/--tls-key ([tls] cert, key).",
                 std::string("Cannot read the ") + what_en + " “" + file.string() +
                     "”: the file is missing or not readable. Check the path given to --tls-cert/--tls-key ([tls] cert, key).");
}

}  // namespace

Result<std::shared_ptr<TlsContext>> makeTlsContext(const std::filesystem::path& cert, const std::filesystem::path& key) {
  if (!readable(cert)) return unreadable(cert, "chứng chỉ TLS", "TLS certificate");
  if (!readable(key)) return unreadable(key, "khoá riêng TLS", "TLS private key");
  ERR_clear_error();
  auto context = std::make_shared<TlsContext>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(native, 0);  // the newest OpenSSL has: 1.3
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return problem("Không đặt được bộ mã hoá TLS 1.2: " + openSslReason(), "Cannot set the TLS 1.2 ciphers: " + openSslReason());

  if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
    const auto reason = openSslReason();
    return problem("Tệp “" + cert.string() + "” không chứa chứng chỉ TLS dạng PEM dùng được (" + reason +
                       "). Hãy cho --tls-cert tệp chứng chỉ (-----BEGIN CERTIFICATE-----).",
                   "The file “" + cert.string() + "” holds no usable PEM TLS certificate (" + reason +
                       "). Give --tls-cert the certificate file (-----BEGIN CERTIFICATE-----).");
  }
  if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const auto reason = openSslReason();
    return problem("Tệp “" + key.string() + "” không chứa khoá riêng dạng PEM dùng được, hoặc khoá không khớp với chứng chỉ “" +
                       cert.string() + "” (" + reason + "). Hãy cho --tls-key khoá riêng của chính chứng chỉ đó.",
                   "The file “" + key.string() + "” holds no usable PEM private key, or one that does not match the certificate “" +
                       cert.string() + "” (" + reason + "). Give --tls-key the private key of that certificate.");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    const auto reason = openSslReason();
    return problem("Khoá riêng “" + key.string() + "” không khớp với chứng chỉ “" + cert.string() + "” (" + reason +
                       "). Hãy cho --tls-key khoá riêng của chính chứng chỉ đó.",
                   "The private key “" + key.string() + "” does not match the certificate “" + cert.string() + "” (" + reason +
                       "). Give --tls-key the private key of that certificate.");
  }
  return context;
}

std::optional<Problem> TlsContexts::reload(const std::filesystem::path& cert, const std::filesystem::path& key) {
  auto next = makeTlsContext(cert, key);
  if (!next) return next.problem();
  std::lock_guard lock(mutex_);
  current_ = std::move(next.value());
  return std::nullopt;
}

std::optional<CertificateSummary> summarizeCertificate(const std::filesystem::path& cert) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(cert.c_str(), "rb"), &std::fclose);
  if (!file) return std::nullopt;
  std::unique_ptr<X509, void (*)(X509*)> x509(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  ERR_clear_error();
  if (!x509) return std::nullopt;
  CertificateSummary summary;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(x509.get(), EVP_sha256(), digest, &length) != 1) return std::nullopt;
  static const char* const kHex = "0123456789ABCDEF";
  for (unsigned i = 0; i < length; ++i) {
    if (i) summary.fingerprint += ':';
    summary.fingerprint += kHex[digest[i] >> 4];
    summary.fingerprint += kHex[digest[i] & 0xF];
  }
  const ASN1_TIME* not_after = X509_get0_notAfter(x509.get());
  std::unique_ptr<BIO, int (*)(BIO*)> text(BIO_new(BIO_s_mem()), &BIO_free);
  if (text && ASN1_TIME_print(text.get(), not_after) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(text.get(), &data);
    if (size > 0) summary.not_after.assign(data, static_cast<std::size_t>(size));
  }
  summary.expired = X509_cmp_current_time(not_after) < 0;
  ERR_clear_error();
  return summary;
}

}  // namespace fieldcheck::server
