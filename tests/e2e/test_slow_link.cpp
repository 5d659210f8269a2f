// Photos over a 2G link, end to end on the real programs: a laptop sends a 2 MB photo through
// the test proxy at 64 kbit/s with 300 ms of latency each way, the link is cut at 90% of the
// photo, and the upload resumes from what the server holds. Its own test program, registered
// first, because the link is as slow as a real one (about four and a half minutes).
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <thread>
#include <tuple>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "support/fault_proxy.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::test;
using nlohmann::json;

namespace {

constexpr std::uint64_t kPhotoBytes = 2 * 1024 * 1024;
constexpr std::uint64_t kChunkBytes = 64 * 1024;
constexpr std::uint64_t kTwoGBytesPerSecond = 64'000 / 8;

// A JPEG by its structure (what the programs check), of incompressible bytes.
std::string fakePhoto(std::uint64_t size, std::uint64_t seed) { return sampleJpeg(size, static_cast<int>(seed)); }

}  // namespace

TEST_CASE("attachments: a 2 MB photo over a 64 kbit/s, 300 ms link cut at 90% resumes, re-sending at most one chunk",
          "[attachments][slow]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  REQUIRE(addServerUser(data, "giam", {"--role", "supervisor", "--district", "bao-lac"}));
  ServerProcess server(data);
  Laptop lan{(dir / "lan").string(), "lan"}, giam{(dir / "giam").string(), "giam"};

  // In the office, on a good link: set up, then an inspection with its photo, offline.
  lan.loginTo(server.port());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"--json", "inspect", "new", "--establishment", establishment});
  REQUIRE(created.exit_code == 0);
  const auto id = nlohmann::json::parse(created.out)["id"].get<std::string>();
  const auto photo = fakePhoto(kPhotoBytes, 632);
  const auto photo_file = dir / "phong-hat.jpg";
  { std::ofstream(photo_file, std::ios::binary) << photo; }
  auto attached = lan.run({"inspect", "attach", id, "photo_premises", photo_file.string()});
  INFO(attached.err);
  REQUIRE(attached.exit_code == 0);
  CHECK(lan.runJson({"status"})["pending_uploads"] == 1);

  // In the commune, on 2G: the link drops at 90% of the photo (counting every byte sent up).
  FaultPlan plan;
  plan.cut_probability = 0;
  plan.delay_ms = 300;
  plan.bytes_per_second = kTwoGBytesPerSecond;
  plan.cut_upload_at = static_cast<std::int64_t>(kPhotoBytes * 9 / 10);
  FaultProxy proxy(server.port(), plan);
  lan.loginTo(proxy.port());
  const auto synced = lan.run({"sync", "--json"});
  INFO(synced.err);
  REQUIRE(synced.exit_code == 0);
  const auto counts = json::parse(synced.out);
  CHECK(proxy.cutsDone() == 1);
  CHECK(counts["pushed"] == 1);
  CHECK(counts["attachments_sent"] == 1);
  const auto sent = counts["attachment_bytes_sent"].get<std::uint64_t>();
  CHECK(sent >= kPhotoBytes);
  CHECK(sent - kPhotoBytes <= kChunkBytes);  // one chunk again at most, never from zero
  CHECK(lan.runJson({"status"})["pending_uploads"] == 0);

  // The server holds it whole, nothing waits, and the supervisor can fetch it.
  const auto sha = sha256Hex(photo);
  CHECK(readWholeFile(std::filesystem::path(data) / "attachments" / sha.substr(0, 2) / sha) == photo);
  auto waiting = runProcess({serverBinary(), "--data", data, "attachments", "waiting", "--json"});
  REQUIRE(waiting.exit_code == 0);
  CHECK(json::parse(waiting.out).empty());
  giam.loginTo(server.port());
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  const auto fetched_file = dir / "fetched.jpg";
  auto fetched = giam.run({"attachment", "fetch", sha, "--out", fetched_file.string()});
  INFO(fetched.err);
  REQUIRE(fetched.exit_code == 0);
  CHECK(readWholeFile(fetched_file) == photo);
  auto by_inspector = lan.run({"attachment", "fetch", sha});
  CHECK(by_inspector.exit_code == 1);
  CHECK_THAT(by_inspector.err, Catch::Contains("supervisors"));
}

namespace {

// Two network namespaces joined by a veth pair whose both ends are shaped with tc's token
// bucket filter at 64 kbit/s. Removed (with their links) when the test ends.
class ShapedLink {
 public:
  ShapedLink() {
    const auto tag = std::to_string(::getpid() % 100000);
    server_ns_ = "fcsrv" + tag;
    laptop_ns_ = "fclap" + tag;
    const auto subnet = "10.231." + std::to_string(::getpid() % 250) + ".";
    server_ip_ = subnet + "1";
    laptop_ip_ = subnet + "2";
    const std::string server_if = "fcs" + tag, laptop_if = "fcl" + tag;
    ok_ = ip({"netns", "add", server_ns_}) && ip({"netns", "add", laptop_ns_}) &&
          ip({"link", "add", server_if, "type", "veth", "peer", "name", laptop_if}) &&
          ip({"link", "set", server_if, "netns", server_ns_}) && ip({"link", "set", laptop_if, "netns", laptop_ns_});
    for (const auto& [ns, dev, address] : {std::tuple{server_ns_, server_if, server_ip_}, std::tuple{laptop_ns_, laptop_if, laptop_ip_}}) {
      ok_ = ok_ && in(ns, {"/usr/sbin/ip", "link", "set", "lo", "up"}) &&
            in(ns, {"/usr/sbin/ip", "addr", "add", address + "/30", "dev", dev}) && in(ns, {"/usr/sbin/ip", "link", "set", dev, "up"}) &&
            in(ns, {"/usr/sbin/tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", "64kbit", "burst", "4kb", "latency", "2s"});
    }
  }
  ~ShapedLink() {
    (void)ip({"netns", "del", server_ns_});
    (void)ip({"netns", "del", laptop_ns_});
  }
  ShapedLink(const ShapedLink&) = delete;
  ShapedLink& operator=(const ShapedLink&) = delete;

  bool ok() const { return ok_; }
  const std::string& serverNs() const { return server_ns_; }
  const std::string& laptopNs() const { return laptop_ns_; }
  const std::string& serverIp() const { return server_ip_; }
  const std::string& laptopIp() const { return laptop_ip_; }

  /// Why this machine cannot make one, or "" when it can.
  static std::string whyNot() {
    if (::geteuid() != 0) return "the test does not run as root";
    if (!std::filesystem::exists("/usr/sbin/ip") || !std::filesystem::exists("/usr/sbin/tc")) return "ip or tc (iproute2) is missing";
    const auto probe = "fcprobe" + std::to_string(::getpid() % 100000);
    if (!ip({"netns", "add", probe})) return "network namespaces are not available here";
    (void)ip({"netns", "del", probe});
    return "";
  }

  /// Cuts every TCP connection of the server's namespace, as a link dropping would.
  bool cut() const { return in(server_ns_, {"/usr/bin/ss", "-K", "dst", laptop_ip_}); }

 private:
  static bool ip(std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/sbin/ip");
    return runProcess(args).exit_code == 0;
  }
  static bool in(const std::string& ns, std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/sbin/ip", "netns", "exec", ns});
    return runProcess(args).exit_code == 0;
  }

  std::string server_ns_, laptop_ns_, server_ip_, laptop_ip_;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("attachments: over a real 64 kbit/s link (tc tbf on a veth pair between namespaces), a cut photo resumes",
          "[attachments][slow][netns]") {
  if (const auto why = ShapedLink::whyNot(); !why.empty()) {
    WARN("skipped: " << why << "; the proxy test above covers the same behaviour");
    return;
  }
  constexpr std::uint64_t kSmallPhotoBytes = 512 * 1024;  // about a minute at 64 kbit/s
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  ShapedLink link;
  REQUIRE(link.ok());
  Laptop lan{(dir / "lan").string(), "lan"};
  {
    // Set up in the office: the same database served on loopback for the first sync.
    ServerProcess office(data);
    lan.loginTo(office.port());
    REQUIRE(lan.run({"sync"}).exit_code == 0);
  }
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"--json", "inspect", "new", "--establishment", establishment});
  REQUIRE(created.exit_code == 0);
  const auto photo = fakePhoto(kSmallPhotoBytes, 2019);
  { std::ofstream(dir / "phong.jpg", std::ios::binary) << photo; }
  REQUIRE(lan.run({"inspect", "attach", nlohmann::json::parse(created.out)["id"].get<std::string>(), "photo_premises", (dir / "phong.jpg").string()}).exit_code == 0);

  // Plain HTTP on the veth pair's address: a network the test made itself between its own
  // namespaces, so the server is told so (it serves plain HTTP only on loopback otherwise). HTTPS
  // over the same kind of link is measured by bench_link.
  RunningProcess server({"/usr/sbin/ip", "netns", "exec", link.serverNs(), serverBinary(), "--data", data, "serve", "--listen",
                         link.serverIp() + ":8470", "--plain-http-anywhere"});
  lan.netns = link.laptopNs();
  bool logged_in = false;
  for (int attempt = 0; attempt < 20 && !logged_in; ++attempt) {
    logged_in = lan.login("http://" + link.serverIp() + ":8470").exit_code == 0;
    if (!logged_in) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  REQUIRE(logged_in);

  // The sync runs while the test watches the server's copy grow, and cuts the link near 90%.
  ProcessResult synced;
  std::thread syncing([&] { synced = lan.run({"sync", "--json"}); });
  bool cut = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  while (!cut && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    try {
      SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
      SQLite::Statement st(db, "SELECT received FROM uploads WHERE sha256 = ?");
      st.bind(1, sha256Hex(photo));
      if (st.executeStep() && static_cast<std::uint64_t>(st.getColumn(0).getInt64()) >= kSmallPhotoBytes * 85 / 100) cut = link.cut();
    } catch (const SQLite::Exception&) {
      // not yet created, or busy: look again
    }
  }
  syncing.join();
  server.kill();
  INFO(synced.err);
  CHECK(cut);
  REQUIRE(synced.exit_code == 0);
  const auto counts = json::parse(synced.out);
  CHECK(counts["attachments_sent"] == 1);
  const auto sent = counts["attachment_bytes_sent"].get<std::uint64_t>();
  CHECK(sent - kSmallPhotoBytes <= kChunkBytes);
  const auto sha = sha256Hex(photo);
  CHECK(readWholeFile(std::filesystem::path(data) / "attachments" / sha.substr(0, 2) / sha) == photo);
}
