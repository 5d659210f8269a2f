// Test certificates made with the openssl command (issue 17, TLS-S engineer).
#include "support/test_ca.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/process.h"

namespace fieldcheck::test {
namespace {

namespace fs = std::filesystem;

const char* const kOpenssl = "/usr/bin/openssl";
const char* const kFaketime = "/usr/bin/faketime";

std::string run(const std::vector<std::string>& argv, const std::string& input = "") {
  ProcessOptions options;
  options.input = input;
  // faketime reads its moment in local time: UTC, so that the expired certificate's dates do not
  // depend on the machine's zone.
  options.env["TZ"] = "UTC";
  const auto result = runProcess(argv, options);
  if (result.exit_code != 0) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    throw std::runtime_error("test CA: `" + line + "` failed (" + std::to_string(result.exit_code) + "): " + result.err);
  }
  return result.out;
}

void newKey(const fs::path& key) {
  run({kOpenssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.string()});
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("test CA: cannot write " + path.string());
}

CertificateFiles makeCa(const fs::path& folder, const std::string& name, const std::string& common_name) {
  CertificateFiles ca{folder / (name + ".crt"), folder / (name + ".key")};
  newKey(ca.key);
  // req -x509 takes basicConstraints CA:TRUE and the key identifiers from openssl.cnf's v3_ca.
  run({kOpenssl, "req", "-x509", "-new", "-key", ca.key.string(), "-sha256", "-days", "3650", "-subj",
       "/CN=" + common_name, "-out", ca.cert.string()});
  return ca;
}

/// A server certificate for `san` signed by `ca`; `faketime_at` (when not empty) is the moment
/// the signing believes it is, and `days` how long it lasts from then. Its key is a new one, or the
/// file `same_key` when given (a renewal).
CertificateFiles makeServer(const fs::path& folder, const std::string& name, const CertificateFiles& ca,
                            const std::string& san, int serial, const std::string& faketime_at = "", int days = 825,
                            const fs::path& same_key = {}) {
  CertificateFiles out{folder / (name + ".crt"), same_key.empty() ? folder / (name + ".key") : same_key};
  if (same_key.empty()) newKey(out.key);
  const auto csr = folder / (name + ".csr");
  const auto ext = folder / (name + ".ext");
  run({kOpenssl, "req", "-new", "-key", out.key.string(), "-subj", "/CN=" + name, "-out", csr.string()});
  writeFile(ext, "subjectAltName=" + san +
                     "\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  std::vector<std::string> argv;
  if (!faketime_at.empty()) argv = {kFaketime, faketime_at};
  for (std::string a : {std::string(kOpenssl), std::string("x509"), std::string("-req")}) argv.push_back(a);
  for (const auto& a : std::vector<std::string>{"-in", csr.string(), "-CA", ca.cert.string(), "-CAkey", ca.key.string(),
                                                "-set_serial", std::to_string(serial), "-days", std::to_string(days),
                                                "-sha256", "-extfile", ext.string(), "-out", out.cert.string()})
    argv.push_back(a);
  run(argv);
  fs::remove(csr);
  fs::remove(ext);
  return out;
}

/// The value after "=" in a line openssl prints ("sha256 Fingerprint=AB:CD:…\n", whose label's case
/// differs between OpenSSL versions, or "notAfter=Jan 31 00:00:00 2020 GMT\n").
std::string valueOf(const std::string& printed) {
  const auto eq = printed.find('=');
  if (eq == std::string::npos) return "";
  auto value = printed.substr(eq + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
  return value;
}

}  // namespace

TestCertificates makeTestCertificates(const fs::path& folder) {
  fs::create_directories(folder);
  const std::string here = "IP:127.0.0.1,DNS:localhost";
  TestCertificates c;
  c.ca = makeCa(folder, "ca", "Fieldcheck Test CA");
  c.good = makeServer(folder, "server", c.ca, here, 1001);
  c.wrong_host = makeServer(folder, "wrong-host", c.ca, "DNS:other-host.example", 1002);
  c.expired = makeServer(folder, "expired", c.ca, here, 1003, "2020-01-01 00:00:00", 30);
  c.changed = makeServer(folder, "changed", c.ca, here, 1004);
  c.renewed = makeServer(folder, "renewed", c.ca, here, 1005, "", 90, c.good.key);
  c.other_ca = makeCa(folder, "other-ca", "Fieldcheck Other Test CA");

  c.self_signed = {folder / "self-signed.crt", folder / "self-signed.key"};
  newKey(c.self_signed.key);
  run({kOpenssl, "req", "-x509", "-new", "-key", c.self_signed.key.string(), "-sha256", "-days", "825", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=" + here, "-out", c.self_signed.cert.string()});
  return c;
}

std::string certificateFingerprint(const fs::path& cert) {
  return valueOf(run({kOpenssl, "x509", "-in", cert.string(), "-noout", "-fingerprint", "-sha256"}));
}

std::string certificateEndDate(const fs::path& cert) {
  return valueOf(run({kOpenssl, "x509", "-in", cert.string(), "-noout", "-enddate"}));
}

std::string servedCertificateFingerprint(unsigned short port) {
  ProcessOptions options;
  const auto served = runProcess({kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername",
                                  "localhost"},
                                 options);
  const auto begin = served.out.find("-----BEGIN CERTIFICATE-----");
  const auto end = served.out.find("-----END CERTIFICATE-----");
  if (begin == std::string::npos || end == std::string::npos) return "";
  ProcessOptions pem;
  pem.input = served.out.substr(begin, end - begin) + "-----END CERTIFICATE-----\n";
  const auto printed = runProcess({kOpenssl, "x509", "-noout", "-fingerprint", "-sha256"}, pem);
  if (printed.exit_code != 0) return "";
  return valueOf(printed.out);
}

}  // namespace fieldcheck::test
