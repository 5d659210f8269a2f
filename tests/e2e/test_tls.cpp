// The laptop over HTTPS (issue 17): the real `fieldcheck` and `fieldcheck-server` processes on
// 127.0.0.1, with certificates of a CA made in the test (tests/support/test_ca). A laptop logs in,
// syncs and moves photos over TLS; a server it cannot verify, or one whose key changed since the
// login, is refused with its message and sent nothing (the server's laptops, records and log show).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

using namespace fieldcheck::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A province with an inspector (Lan) and a supervisor (Giám) of Bảo Lạc, their laptops, and the
// test's CA with its certificates.
struct Province {
  TempDir dir;
  std::string data = (dir / "data").string();
  TestCertificates certs = makeTestCertificates(dir / "certs");
  Laptop lan{(dir / "lan").string(), "lan"};
  Laptop giam{(dir / "giam").string(), "giam"};

  Province() {
    REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
    REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
    REQUIRE(addServerUser(data, "giam", {"--role", "supervisor", "--district", "bao-lac"}));
  }

  /// The server serving `served` over HTTPS on `port` (0: a free one).
  std::unique_ptr<ServerProcess> serve(const CertificateFiles& served, unsigned short port = 0) const {
    return std::make_unique<ServerProcess>(data, port, std::vector<std::string>{"--tls-cert", served.cert.string(), "--tls-key",
                                                                                served.key.string()});
  }

  /// The laptops `user` has enrolled, as the server lists them.
  std::size_t laptopsOf(const std::string& user) const {
    const auto r = runProcess({serverBinary(), "--data", data, "device", "list", "--user", user, "--json"});
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out).size();
  }
};

std::string url(const ServerProcess& server, const std::string& host = "127.0.0.1") {
  return "https://" + host + ":" + std::to_string(server.port());
}

ProcessResult loginWith(const Laptop& laptop, const std::string& server_url, const std::optional<fs::path>& ca) {
  std::vector<std::string> args{"login", "--server", server_url, "--user", laptop.user};
  if (ca) args.insert(args.end(), {"--ca", ca->string()});
  return laptop.run(args, testPassword(laptop.user) + "\n");
}

// The SHA-256 of a certificate's public key, as the openssl command computes it.
std::string keySha256(const fs::path& cert) {
  const auto r = runProcess({"/bin/sh", "-c",
                             "/usr/bin/openssl x509 -in '" + cert.string() +
                                 "' -noout -pubkey | /usr/bin/openssl pkey -pubin -outform DER | /usr/bin/openssl dgst -sha256 -r"});
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 64);
}

// What the server has written to its log so far.
std::string logOf(const ServerProcess& server) {
  std::ifstream in(server.logFile(), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits (at most 5 s) until the server's log names `text`: a request's line may be written just
// after its answer went out.
bool logShows(const ServerProcess& server, const std::string& text) {
  for (int waited_ms = 0; waited_ms < 5'000; waited_ms += 50) {
    if (logOf(server).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE("tls: with the province's CA a laptop logs in, syncs and sends a photo over https that a supervisor fetches",
          "[tls][e2e]") {
  Province province;
  auto server = province.serve(province.certs.good);
  const auto& certs = province.certs;
  const auto& lan = province.lan;
  const auto& giam = province.giam;
  // The CA comes on a USB stick that leaves with whoever brought it: the laptop keeps its own copy.
  const auto stick = province.dir / "usb";
  fs::create_directories(stick);
  fs::copy_file(certs.ca.cert, stick / "ca.crt");
  auto login = loginWith(lan, url(*server), stick / "ca.crt");
  INFO(login.err);
  REQUIRE(login.exit_code == 0);
  CHECK_THAT(login.out, Catch::Contains("Server certificate verified; key (SHA-256): " + keySha256(certs.good.cert)));
  fs::remove_all(stick);
  // The name in the certificate serves as well as its address (the name is sent, SNI).
  auto by_name = loginWith(giam, url(*server, "localhost"), certs.ca.cert);
  INFO(by_name.err);
  REQUIRE(by_name.exit_code == 0);
  CHECK(province.laptopsOf("lan") == 1);
  CHECK(logShows(*server, "/v1/login"));  // what the refusals below do not find

  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  const auto id = completeDraft(lan, establishment);
  const auto photo = province.dir / "phong.jpg";
  std::ofstream(photo, std::ios::binary) << sampleJpeg(150'000);
  REQUIRE(lan.run({"inspect", "attach", id, "photo_premises", photo.string()}).exit_code == 0);
  REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);
  const auto synced = lan.runJson({"sync"});
  CHECK(synced["pushed"].get<int>() >= 1);
  CHECK(synced["refused"] == 0);
  CHECK(synced["attachments_sent"] == 1);  // three chunks over the TLS connection

  REQUIRE(giam.run({"sync"}).exit_code == 0);
  REQUIRE(giam.inspections().count(id) == 1);
  const auto sha = giam.runJson({"inspect", "show", id})["fields"]["photo_premises"]["sha256"].get<std::string>();
  const auto fetched = province.dir / "fetched.jpg";
  auto fetch = giam.run({"attachment", "fetch", sha, "--out", fetched.string()});
  INFO(fetch.err);
  REQUIRE(fetch.exit_code == 0);
  CHECK(fieldcheck::readWholeFile(fetched) == fieldcheck::readWholeFile(photo));
}

TEST_CASE("tls: a wrong host name, an expired certificate and an unknown CA are each refused at login with their message, "
          "and nothing reaches the server",
          "[tls][e2e]") {
  const auto which = GENERATE(range(0, 5));
  Province province;
  const auto& certs = province.certs;
  struct Case {
    std::string what;
    CertificateFiles served;
    std::optional<fs::path> ca;
    std::string en, vi;
  };
  const std::string unknown_en = "was not issued by a certificate authority (CA) this laptop trusts";
  const std::string unknown_vi = "không do tổ chức cấp chứng chỉ (CA) nào mà máy này tin cấp";
  const std::vector<Case> cases{
      {"a certificate for another name", certs.wrong_host, certs.ca.cert, "The server's certificate is not for the name “127.0.0.1”",
       "Chứng chỉ của máy chủ không dành cho tên “127.0.0.1”"},
      {"an expired certificate", certs.expired, certs.ca.cert, "has expired (or this laptop's clock is fast)", "đã hết hạn"},
      {"the province's CA not given: the system's CAs do not know it", certs.good, std::nullopt, unknown_en, unknown_vi},
      {"another province's CA given", certs.good, certs.other_ca.cert, unknown_en, unknown_vi},
      {"a self-signed certificate", certs.self_signed, certs.ca.cert, unknown_en, unknown_vi},
  };
  const auto& k = cases.at(static_cast<std::size_t>(which));
  INFO(k.what);
  auto server = province.serve(k.served);
  auto refused = loginWith(province.lan, url(*server), k.ca);
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains(k.en) && Catch::Contains(k.vi) && Catch::Contains("Nothing was sent to it") &&
                              Catch::Contains("Chưa gửi gì tới nó"));
  // Nothing reached the server: no laptop enrolled, no request in its log; the laptop holds no login.
  CHECK(province.laptopsOf("lan") == 0);
  CHECK(logOf(*server).find("/v1/") == std::string::npos);
  CHECK_THAT(province.lan.run({"sync"}).err, Catch::Contains("not logged in"));
}

TEST_CASE("tls: a renewal with the same key goes on, a new key is refused at sync and fetch with nothing sent until the "
          "laptop logs in again",
          "[tls][e2e]") {
  Province province;
  const auto& certs = province.certs;
  const auto& lan = province.lan;
  const auto& giam = province.giam;
  const auto port = freePort();
  auto server = province.serve(certs.good, port);
  const auto address = url(*server);
  REQUIRE(loginWith(lan, address, certs.ca.cert).exit_code == 0);
  REQUIRE(loginWith(giam, address, certs.ca.cert).exit_code == 0);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();

  // The province renews its certificate with the same key: the laptops notice nothing.
  REQUIRE(keySha256(certs.renewed.cert) == keySha256(certs.good.cert));
  REQUIRE(certificateFingerprint(certs.renewed.cert) != certificateFingerprint(certs.good.cert));
  server->stop(SIGTERM);
  server = province.serve(certs.renewed, port);
  const auto first = completeDraft(lan, establishment);
  REQUIRE(lan.run({"inspect", "finalize", first}).exit_code == 0);
  auto renewed = lan.run({"sync", "--json"});
  INFO(renewed.err);
  REQUIRE(renewed.exit_code == 0);
  CHECK(json::parse(renewed.out)["pushed"].get<int>() >= 1);

  // A certificate with a new key from the same CA: its chain is good, the key is not Lan's.
  server->stop(SIGTERM);
  server = province.serve(certs.changed, port);
  const auto second = completeDraft(lan, establishment);
  REQUIRE(lan.run({"inspect", "finalize", second}).exit_code == 0);
  const auto pending = lan.runJson({"status"})["pending_changes"].get<int>();
  REQUIRE(pending > 0);
  auto refused = lan.run({"sync"});
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("The certificate of the server " + address + " has changed") &&
                              Catch::Contains("Chứng chỉ của máy chủ " + address + " đã thay đổi") &&
                              Catch::Contains("run `fieldcheck login --server " + address + " --user NAME` again") &&
                              Catch::Contains(keySha256(certs.changed.cert)));
  CHECK(lan.runJson({"status"})["pending_changes"] == pending);
  auto fetch = giam.run({"attachment", "fetch", std::string(64, 'a')});
  CHECK(fetch.exit_code == 1);
  CHECK_THAT(fetch.err, Catch::Contains("has changed"));
  CHECK(logOf(*server).find("/v1/") == std::string::npos);  // nothing reached the restarted server

  // Giám logs in again (the province's CA kept from the first login: no --ca) and trusts the new
  // key; Lan's second inspection is not on the server.
  auto giam_again = loginWith(giam, address, std::nullopt);
  INFO(giam_again.err);
  REQUIRE(giam_again.exit_code == 0);
  CHECK_THAT(giam_again.out, Catch::Contains(keySha256(certs.changed.cert)));
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  CHECK(giam.inspections().count(first) == 1);
  CHECK(giam.inspections().count(second) == 0);

  // Lan logs in again: what waited goes.
  REQUIRE(loginWith(lan, address, std::nullopt).exit_code == 0);
  auto after = lan.run({"sync", "--json"});
  INFO(after.err);
  REQUIRE(after.exit_code == 0);
  CHECK(lan.runJson({"status"})["pending_changes"] == 0);
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  CHECK(giam.inspections().count(second) == 1);
  CHECK(logShows(*server, "/v1/sync"));
}
