// Benchmark: the field link. The real `fieldcheck` and `fieldcheck-server` programs through the
// test proxy on loopback.
//
//   fieldcheck-bench-link [--rounds 3] [--photo-kib 2048]
//
// Rows: a day's work (20 finalized inspections, no photos) synced over a 64 kbit/s link with
// 300 ms of latency each way, against the same sync over the proxy unthrottled; the same day's
// work over HTTPS through the same links (the server restarted on the same data with a
// certificate of a CA made in the run, the laptop logged in with it), against plain HTTP over the
// same link, each round taking both in turn; the bytes of a
// photo sent again after the link is cut at 90% of it (on an unthrottled link: the count does
// not depend on the speed, and the 2G case is the end-to-end test in test_slow_link.cpp),
// against the photo's size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <signal.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "fieldcheck/seed.h"
#include "home.h"
#include "local_store.h"
#include "support/fault_proxy.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/sample_inspection.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

using namespace fieldcheck;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr int kDaysInspections = 20;
constexpr std::uint64_t kTwoGBytesPerSecond = 64'000 / 8;
constexpr unsigned kTwoGLatencyMs = 300;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Logs the laptop in through the proxy on `port`: over HTTPS when `ca` (the CA to trust) is given.
bool loginThrough(const test::Laptop& laptop, unsigned short port, const std::filesystem::path& ca = {}) {
  std::vector<std::string> args{"login", "--server", (ca.empty() ? "http" : "https") + std::string("://127.0.0.1:") + std::to_string(port),
                                "--user", laptop.user};
  if (!ca.empty()) args.insert(args.end(), {"--ca", ca.string()});
  const auto r = laptop.run(args, "bench-password\n");
  if (r.exit_code != 0) std::fprintf(stderr, "login failed: %s\n", r.err.c_str());
  return r.exit_code == 0;
}

// Writes a day's finalized inspections into the laptop's store, as the inspector would have.
bool writeDaysWork(const test::Laptop& laptop, const std::vector<std::string>& establishments, int day) {
  auto store = client::LocalStore::open(client::Home{laptop.home}.database(), false);
  if (!store) return false;
  for (int n = 0; n < kDaysInspections; ++n) {
    const auto doc = test::sampleInspection(laptop.user, store.value().device(), "bao-lac", establishments, day * 100 + n);
    if (!store.value().write(doc.id, "inspection", [&](const Document*) -> Result<Fields> { return doc.fields; })) return false;
  }
  return true;
}

// Seconds `fieldcheck sync` takes, or -1 when it fails.
double timedSync(const test::Laptop& laptop) {
  const auto t0 = Clock::now();
  const auto r = laptop.run({"sync"});
  if (r.exit_code != 0) {
    std::fprintf(stderr, "sync failed: %s\n", r.err.c_str());
    return -1;
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3;
  std::uint64_t photo_bytes = 2048 * 1024;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::max(1, std::atoi(argv[++i])) : 1; };
    if (!std::strcmp(argv[i], "--rounds")) rounds = next();
    else if (!std::strcmp(argv[i], "--photo-kib")) photo_bytes = static_cast<std::uint64_t>(next()) * 1024;
    else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--photo-kib N]\n", argv[0]);
      return 2;
    }
  }
  test::TempDir dir;
  const auto data = (dir / "data").string();
  if (test::runProcess({test::serverBinary(), "--data", data, "init", "--seed", test::sampleSeed().string()}).exit_code != 0) return 1;
  test::ProcessOptions password;
  password.input = "bench-password\n";
  if (test::runProcess({test::serverBinary(), "--data", data, "user", "add", "lan", "--role", "inspector", "--district", "bao-lac"},
                       password)
          .exit_code != 0)
    return 1;
  std::vector<std::string> establishments;
  const auto seed = loadSeed(test::sampleSeed());
  if (!seed) return 1;
  for (const auto& d : seed.value().documents)
    if (d.kind == "establishment" && textField(d, "district") == "bao-lac") establishments.push_back(d.id);

  // Plain HTTP or HTTPS by turns, on the same data and port (the proxies forward to it).
  const auto certs = test::makeTestCertificates(dir / "certs");
  const auto port = test::freePort();
  auto server = std::make_unique<test::ServerProcess>(data, port);
  auto serveOver = [&](bool tls) {
    server->stop(SIGTERM);
    server.reset();
    server = std::make_unique<test::ServerProcess>(
        data, port, tls ? std::vector<std::string>{"--tls-cert", certs.good.cert.string(), "--tls-key", certs.good.key.string()}
                        : std::vector<std::string>{});
  };
  test::FaultPlan two_g;
  two_g.cut_probability = 0;
  two_g.delay_ms = kTwoGLatencyMs;
  two_g.bytes_per_second = kTwoGBytesPerSecond;
  test::FaultPlan clear;
  clear.cut_probability = 0;
  test::FaultProxy slow(port, two_g), fast(port, clear);
  const test::Laptop lan{(dir / "lan").string(), "lan"};
  if (!loginThrough(lan, port) || lan.run({"sync"}).exit_code != 0) return 1;

  // A day's work, alternately over 2G and over the clear link, each round new inspections; then
  // the same over HTTPS, and back to plain HTTP for the next round.
  std::vector<double> over_2g, over_clear, tls_over_2g, tls_over_clear;
  int day = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const bool tls : {false, true}) {
      if (tls) serveOver(true);
      for (auto* proxy : {&slow, &fast}) {
        if (!loginThrough(lan, proxy->port(), tls ? certs.ca.cert : std::filesystem::path()) ||
            !writeDaysWork(lan, establishments, day++))
          return 1;
        const auto s = timedSync(lan);
        if (s < 0) return 1;
        (proxy == &slow ? (tls ? tls_over_2g : over_2g) : (tls ? tls_over_clear : over_clear)).push_back(s);
      }
      if (tls) serveOver(false);
    }
  }

  // A photo cut at 90%: what is sent again.
  std::vector<double> resent;
  for (int round = 0; round < rounds; ++round) {
    const auto photo = test::sampleJpeg(photo_bytes, round + 1);
    const auto file = dir / ("photo-" + std::to_string(round) + ".jpg");
    { std::ofstream(file, std::ios::binary) << photo; }
    auto created = lan.run({"--json", "inspect", "new", "--establishment", establishments.front()});
    if (created.exit_code != 0 ||
        lan.run({"inspect", "attach", nlohmann::json::parse(created.out)["id"].get<std::string>(), "photo_premises", file.string()})
                .exit_code != 0)
      return 1;
    // Counting every byte sent up through it: the login's and the record's are a few hundred, the
    // rest is the photo.
    test::FaultProxy at_ninety(port, [&] {
      auto p = clear;
      p.cut_upload_at = static_cast<std::int64_t>(photo_bytes * 9 / 10);
      return p;
    }());
    if (!loginThrough(lan, at_ninety.port())) return 1;
    const auto r = lan.run({"sync", "--json"});
    if (r.exit_code != 0 || at_ninety.cutsDone() != 1) {
      std::fprintf(stderr, "the cut sync failed or was not cut: %s\n", r.err.c_str());
      return 1;
    }
    const auto sent = json::parse(r.out)["attachment_bytes_sent"].get<double>();
    resent.push_back(sent - static_cast<double>(photo_bytes));
    std::fprintf(stderr, "round %d: day's work over 2G %.2f s (clear %.2f s), over HTTPS %.2f s (clear %.2f s); photo re-sent %.0f B\n",
                 round + 1, over_2g[static_cast<std::size_t>(round)], over_clear[static_cast<std::size_t>(round)],
                 tls_over_2g[static_cast<std::size_t>(round)], tls_over_clear[static_cast<std::size_t>(round)], resent.back());
  }
  server->stop(SIGTERM);

  std::printf("The field link: the real programs through the test proxy; median of %d rounds\n\n", rounds);
  std::printf("| benchmark | measured | baseline (same run) | ratio | target |\n|---|---:|---:|---:|---|\n");
  std::printf("| a day's work (%d finalized inspections, no photos) over 64 kbit/s, %u ms each way | %.2f s | clear link %.2f s | %.1f | <= 5 s |\n",
              kDaysInspections, kTwoGLatencyMs, median(over_2g), median(over_clear), median(over_2g) / median(over_clear));
  std::printf("| the same day's work over HTTPS through the same 64 kbit/s link (clear link over HTTPS %.2f s) | %.2f s | plain HTTP over it %.2f s | %.2f | <= 5 s |\n",
              median(tls_over_clear), median(tls_over_2g), median(over_2g), median(tls_over_2g) / median(over_2g));
  std::printf("| bytes re-sent after a cut at 90%% of a %llu KiB photo | %.0f B | photo %llu B | %.3f | <= 65,536 B |\n",
              static_cast<unsigned long long>(photo_bytes / 1024), median(resent), static_cast<unsigned long long>(photo_bytes),
              median(resent) / static_cast<double>(photo_bytes));
  return 0;
}
