// Test certificates made with the openssl command (issue 17, TLS-S engineer): a CA of the test's
// own and server certificates signed by it, good, for the wrong host, expired and changed.
#pragma once

#include <filesystem>
#include <string>

namespace fieldcheck::test {

/// A certificate and its private key (PEM files).
struct CertificateFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// What makeTestCertificates wrote. Every key is EC P-256; every server certificate is signed by
/// `ca` unless said otherwise.
struct TestCertificates {
  CertificateFiles ca;          // self-signed CA (CN "Fieldcheck Test CA"), valid ten years
  CertificateFiles good;        // SAN IP:127.0.0.1, DNS:localhost, valid from an hour ago for 825 days
  CertificateFiles wrong_host;  // SAN DNS:other-host.example only (not 127.0.0.1, not localhost)
  CertificateFiles expired;     // SAN as `good`, valid 2020-01-01 to 2020-01-31 only (UTC)
  CertificateFiles changed;     // SAN as `good`, another key and serial: a "changed" certificate
  CertificateFiles renewed;     // `good` renewed: its very key (the same file), another serial, valid 90 days
  CertificateFiles self_signed; // SAN as `good` but self-signed (no CA trusts it)
  CertificateFiles other_ca;    // a second CA, which signed nothing here (for "another province")
};

/// Makes a CA and the server certificates above in `folder` (created if missing) with the
/// `openssl` command (and `faketime` for the expired one). Takes well under a second. Throws
/// std::runtime_error with openssl's output when a command fails.
TestCertificates makeTestCertificates(const std::filesystem::path& folder);

/// The SHA-256 fingerprint of a PEM certificate file, as `openssl x509 -fingerprint -sha256`
/// prints it after "=" (uppercase hex pairs joined by ':'). Throws when the file is no certificate.
std::string certificateFingerprint(const std::filesystem::path& cert);

/// When a PEM certificate file stops being valid, as `openssl x509 -enddate` prints it after "="
/// ("Jan 31 00:00:00 2020 GMT"). The expired certificate's end is not exactly midnight when the
/// machine is slow: faketime's clock runs on from the moment it was given.
std::string certificateEndDate(const std::filesystem::path& cert);

/// The SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:`port` presents
/// (`openssl s_client`), in the form of certificateFingerprint; empty when no handshake completed.
std::string servedCertificateFingerprint(unsigned short port);

}  // namespace fieldcheck::test
