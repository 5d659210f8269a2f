// The server over HTTPS (issue 17): real fieldcheck-server processes, real TCP on 127.0.0.1,
// certificates made in the test by tests/support/test_ca.
#include <catch2/catch.hpp>

#include <string>

#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

using namespace fieldcheck::test;

namespace {

/// `openssl verify` of `cert` against `ca`: true when the chain holds now.
bool verifies(const CertificateFiles& ca, const CertificateFiles& cert) {
  return runProcess({"/usr/bin/openssl", "verify", "-CAfile", ca.cert.string(), cert.cert.string()}).exit_code == 0;
}

bool verifiesForHost(const CertificateFiles& ca, const CertificateFiles& cert, const std::string& ip) {
  return runProcess({"/usr/bin/openssl", "verify", "-CAfile", ca.cert.string(), "-verify_ip", ip, cert.cert.string()})
             .exit_code == 0;
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
