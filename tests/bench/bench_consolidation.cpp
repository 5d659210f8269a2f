// Benchmark: consolidation over a province of a million inspections, with baselines measured in
// the same run.
//
//   fieldcheck-bench-consolidation [--inspections 1000000] [--rounds 3] [--keep DIR]
//
// The generator (support/province_generator.h) fills a provincial database through the server's
// own push path: every district's inspectors push drafts and finalized inspections, its supervisor
// pushes approved ones, and each commune and district files quarterly reports. Rows: the plan
// report (the real program writing the HTML report) against a plain scan of the reports' index;
// the CSV export (the real program) against dumping the same heads' stored JSON text, and its peak
// memory; XLSX for comparison; a
// provincial laptop's pull pages over HTTP from the real server (request sent to page decoded and
// checked, as the client does) at the 99th percentile, at the client's page size and at the
// largest the protocol allows, against a sync with nothing to do. Prints a Markdown table;
// asserts no timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "fieldcheck/protocol.h"
#include "http_client.h"
#include "support/process.h"
#include "support/province_generator.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "tuning.h"

using namespace fieldcheck;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  long inspections = 1'000'000;
  int rounds = 3;
  std::string keep;  // a folder to build the province in and keep, instead of a temporary one
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Measured {
  int exit_code = -1;
  double seconds = 0;
  long peak_kib = 0;
};

// Runs a program to completion: its wall time and its peak resident memory, read from /proc while
// it runs (a forked child's rusage would count this process's memory from before the exec).
Measured runMeasured(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  Measured m;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (const auto peak = test::peakMemoryKiB(pid, args[0])) m.peak_kib = std::max(m.peak_kib, *peak);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  m.seconds = seconds(Clock::now() - t0);
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? argv[++i] : ""; };
    if (!std::strcmp(argv[i], "--inspections")) opt.inspections = std::max(100L, std::atol(next()));
    else if (!std::strcmp(argv[i], "--rounds")) opt.rounds = std::max(1, std::atoi(next()));
    else if (!std::strcmp(argv[i], "--keep")) opt.keep = next();
    else {
      std::fprintf(stderr, "usage: fieldcheck-bench-consolidation [--inspections N] [--rounds N] [--keep DIR]\n");
      return 2;
    }
  }
  test::TempDir temp;
  const std::filesystem::path dir = opt.keep.empty() ? temp.path() : std::filesystem::path(opt.keep);
  const auto data = (dir / "data").string();
  const auto province = test::generateProvince(data, opt.inspections);
  if (!province) return 1;
  const auto& provincial_token = province->provincial_token;
  std::printf("Generated %ld inspections and %ld periodic reports in %.1f s (%.0f per s, through the push path); the reports' "
              "index took them in %.1f s (%.0f per s); database %.0f MB\n\n",
              province->inspections, province->reports, province->generate_s,
              static_cast<double>(province->inspections) / province->generate_s, province->index_s,
              static_cast<double>(province->indexed) / province->index_s,
              static_cast<double>(std::filesystem::file_size(std::filesystem::path(data) / "provincial.db")) / 1e6);

  // ---- The plan report -----------------------------------------------------------------------
  SQLite::Database raw((std::filesystem::path(data) / "provincial.db").string(), SQLite::OPEN_READONLY);
  std::vector<double> report_s, index_scan_s, export_s, dump_s, export_peak;
  const auto html = (dir / "report.html").string(), csv = (dir / "inspections.csv").string(), dump = (dir / "dump.jsonl").string();
  for (int round = 0; round < opt.rounds; ++round) {
    const auto m = runMeasured({test::serverBinary(), "--data", data, "report", "--plan", "632-KH-UBND-2019", "--format", "html", "--out", html});
    if (m.exit_code != 0) return 1;
    report_s.push_back(m.seconds);
    const auto s0 = Clock::now();
    SQLite::Statement scan(raw, "SELECT district, subject, state, day, codes, numbers FROM report_index");
    std::size_t bytes = 0;
    while (scan.executeStep())
      for (int c = 0; c < 6; ++c) bytes += static_cast<std::size_t>(scan.getColumn(c).getBytes());
    index_scan_s.push_back(seconds(Clock::now() - s0));
    if (bytes == 0) std::fprintf(stderr, "the reports' index is empty\n");

    // ---- The CSV export, and its baseline: the same heads' stored text written out as it is.
    const auto e = runMeasured({test::serverBinary(), "--data", data, "export", "--kind", "inspection", "--format", "csv", "--out", csv});
    if (e.exit_code != 0) return 1;
    export_s.push_back(e.seconds);
    export_peak.push_back(static_cast<double>(e.peak_kib));
    const auto d0 = Clock::now();
    {
      std::ofstream out(dump, std::ios::binary);
      SQLite::Statement heads(raw, "SELECT c.fields FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.kind = 'inspection' ORDER BY c.seq");
      while (heads.executeStep()) out << heads.getColumn(0).getText() << '\n';
    }
    dump_s.push_back(seconds(Clock::now() - d0));
  }
  const auto inspections = static_cast<double>(raw.execAndGet("SELECT count(*) FROM documents WHERE kind = 'inspection'").getInt64());
  const auto xlsx = runMeasured({test::serverBinary(), "--data", data, "export", "--kind", "inspection", "--format", "xlsx", "--out",
                                 (dir / "inspections.xlsx").string()});
  if (xlsx.exit_code != 0) return 1;

  // ---- A client's pull pages from the real server, over HTTP -------------------------------
  test::ServerProcess server(data);
  client::ServerAddress address{"127.0.0.1", std::to_string(server.port())};
  client::HttpConnection http(address);
  const std::map<std::string, std::string> headers{{"Fieldcheck-Protocol", "1"},
                                                   {"Content-Type", protocol::kBinaryMediaType},
                                                   {"Authorization", "Bearer " + provincial_token}};
  // Every page of the province from the start, as a fresh provincial laptop pulls it.
  struct Pull {
    std::vector<double> page_ms;
    std::size_t changes = 0;
    std::int64_t cursor = 0;
  };
  auto pullAll = [&](std::uint32_t page_limit) -> std::optional<Pull> {
    Pull p;
    while (true) {
      protocol::SyncRequest req;
      req.cursor = p.cursor;
      req.page_limit = page_limit;
      const auto p0 = Clock::now();
      auto r = http.request("POST", "/v1/sync", headers, protocol::toBinary(req), std::chrono::seconds(60));
      auto page = r && r.value().status == 200 ? protocol::syncResponseFromBinary(r.value().body)
                                               : Result<protocol::SyncResponse>(problem("", ""));
      if (!page) return std::nullopt;
      const double ms = seconds(Clock::now() - p0) * 1000;
      if (page.value().changes.empty()) return p;
      p.page_ms.push_back(ms);
      if (std::getenv("FIELDCHECK_BENCH_PAGES")) std::fprintf(stderr, "page %zu: %.2f ms\n", p.page_ms.size(), ms);
      p.changes += page.value().changes.size();
      p.cursor = page.value().cursor;
    }
  };
  const auto client_pages = pullAll(client::tuning::kPullPageChanges);
  const auto largest_pages = pullAll(static_cast<std::uint32_t>(protocol::kMaxPageChanges));
  if (!client_pages || !largest_pages) return 1;
  const auto cursor = client_pages->cursor;
  std::vector<double> idle_ms;
  for (int i = 0; i < 200; ++i) {
    protocol::SyncRequest req;
    req.cursor = cursor;
    const auto p0 = Clock::now();
    auto r = http.request("POST", "/v1/sync", headers, protocol::toBinary(req), std::chrono::seconds(60));
    if (!r || r.value().status != 200) return 1;
    idle_ms.push_back(seconds(Clock::now() - p0) * 1000);
  }

  const double rep = median(report_s), scan = median(index_scan_s), exp = median(export_s), dmp = median(dump_s);
  std::printf("Median of %d rounds; %.0f inspections.\n\n", opt.rounds, inspections);
  std::printf("| benchmark | measured | baseline (same run) | ratio | target |\n|---|---:|---:|---:|---|\n");
  std::printf("| plan report, HTML, the real program | %.2f s | plain scan of the reports' index %.2f s | %.1f | <= 2 s |\n", rep, scan,
              rep / scan);
  std::printf("| CSV export, the real program | %.0f rows/s (%.1f s) | stored JSON text dumped %.0f rows/s | %.2f | >= 50,000 rows/s |\n",
              inspections / exp, exp, inspections / dmp, dmp / exp);
  std::printf("| CSV export peak memory (VmHWM of the program) | %.1f MB | | | <= 64 MB |\n", median(export_peak) / 1024);
  std::printf("| XLSX export, the real program | %.0f rows/s (%.1f s), peak %.1f MB | | | |\n", inspections / xlsx.seconds, xlsx.seconds,
              static_cast<double>(xlsx.peak_kib) / 1024);
  for (const auto* p : {&*client_pages, &*largest_pages}) {
    const bool client_size = p == &*client_pages;
    std::printf("| a provincial laptop's pull page of %zu changes%s over HTTP (request to checked page), p99 (p50) | %.2f ms (%.2f ms), "
                "%zu pages, %zu changes | sync with nothing to do p99 %.2f ms | %.1f | %s |\n",
                client_size ? static_cast<std::size_t>(client::tuning::kPullPageChanges) : protocol::kMaxPageChanges,
                client_size ? " (the client's page)" : " (the most a page holds)", percentile(p->page_ms, 0.99),
                percentile(p->page_ms, 0.5), p->page_ms.size(), p->changes, percentile(idle_ms, 0.99),
                percentile(p->page_ms, 0.99) / percentile(idle_ms, 0.99), client_size ? "<= 10 ms" : "");
  }
  return 0;
}
