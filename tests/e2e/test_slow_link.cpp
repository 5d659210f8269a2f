// Photos over a 2G link, end to end on the real programs: a laptop sends a 2 MB photo through
// the test proxy at 64 kbit/s with 300 ms of latency each way, the link is cut at 90% of the
// photo, and the upload resumes from what the server holds. Its own test program, registered
// first, because the link is as slow as a real one (about four and a half minutes).
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "support/fault_proxy.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::test;
using nlohmann::json;

namespace {

constexpr std::uint64_t kPhotoBytes = 2 * 1024 * 1024;
constexpr std::uint64_t kChunkBytes = 64 * 1024;
constexpr std::uint64_t kTwoGBytesPerSecond = 64'000 / 8;

// A JPEG by its content (what the programs check), of incompressible bytes.
std::string fakePhoto(std::uint64_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string bytes("\xFF\xD8\xFF\xE0", 4);
  while (bytes.size() < size) bytes.push_back(static_cast<char>(rng() & 0xFF));
  return bytes;
}

void addUser(const std::string& data, const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), {serverBinary(), "--data", data, "user", "add", name});
  ProcessOptions password;
  password.input = "password-of-" + name + "\n";
  REQUIRE(runProcess(args, password).exit_code == 0);
}

void login(const Laptop& laptop, unsigned short port) {
  auto r = laptop.run({"login", "--server", "http://127.0.0.1:" + std::to_string(port), "--user", laptop.user},
                      "password-of-" + laptop.user + "\n");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("attachments: a 2 MB photo over a 64 kbit/s, 300 ms link cut at 90% resumes, re-sending at most one chunk",
          "[attachments][slow]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  addUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"});
  addUser(data, "giam", {"--role", "supervisor", "--district", "bao-lac"});
  ServerProcess server(data);
  Laptop lan{(dir / "lan").string(), "lan"}, giam{(dir / "giam").string(), "giam"};

  // In the office, on a good link: set up, then an inspection with its photo, offline.
  login(lan, server.port());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"inspect", "new", "--establishment", establishment});
  REQUIRE(created.exit_code == 0);
  const auto id = created.out.substr(0, 32);
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
  login(lan, proxy.port());
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
  login(giam, server.port());
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
