// Benchmark: consolidation over a province of a million inspections, with baselines measured in
// the same run.
//
//   fieldcheck-bench-consolidation [--inspections 1000000] [--rounds 3] [--keep DIR]
//
// The generator fills a provincial database through the server's own push path: every district's
// inspectors push drafts and finalized inspections, its supervisor pushes approved ones, and each
// commune and district files quarterly reports. Rows: the plan report (the real program writing
// the HTML report) against a plain scan of the reports' index; the CSV export (the real program)
// against dumping the same heads' stored JSON text, and its peak memory; XLSX for comparison; a
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

#include "accounts.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "http_client.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "support/process.h"
#include "support/sample_inspection.h"
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

struct DistrictTeam {
  std::string district;
  std::vector<std::string> establishments;
  std::vector<std::string> communes;
  server::Identity inspector, supervisor;
  std::int64_t inspector_seq = 0, supervisor_seq = 0;
};

// Inspection `n` of a district as its state has it: a draft (one in ten), submitted (two in ten)
// or approved by the supervisor (the rest), visited on a day of 2019 (some before the plan's
// period), with violations and actions that vary.
Document inspectionOf(const DistrictTeam& team, long n, bool& by_supervisor) {
  static const Choices kViolations[] = {{"none"}, {"no_worker_register"}, {"no_security_certificate", "room_standard"},
                                        {"prostitution"}, {"underage_worker"}, {"no_guest_register"}, {"other"}};
  static const Choices kActions[] = {{"none"}, {"reminder"}, {"reminder", "fine"}, {"fine"}, {"fine", "suspension"}, {"referral"}};
  const int k = static_cast<int>(n % 10);
  by_supervisor = k >= 3;
  const auto& who = by_supervisor ? team.supervisor : team.inspector;
  auto doc = test::sampleInspection(who.user, who.device, team.district, team.establishments, static_cast<int>(n % 1'000'000'000));
  auto& f = doc.fields;
  const DateTime visit{1'546'300'800'000 + (n % 365) * 86'400'000LL + 9 * 3'600'000LL, 420};  // 2019-01-01 + n days, 09:00 local
  f["visit_time"] = visit;
  f["_started_at"] = visit;
  f["_finalized_at"] = visit;
  f["violations"] = kViolations[n % 7];
  f["actions"] = kActions[n % 6];
  const bool fined = n % 6 == 2 || n % 6 == 3 || n % 6 == 4;
  // No fine where no violation was found: the server refuses such a finalized record.
  if (fined && n % 7 == 0) f["actions"] = Choices{"reminder"};
  if (fined && n % 7 != 0) f["fine_amount"] = 1'000'000 + (n % 20) * 500'000;
  else f.erase("fine_amount");
  if (k == 0) f["_status"] = "draft";
  if (by_supervisor) {
    f["_review"] = "approved";
    f["_reviewed_by"] = who.user;
    f["_reviewed_at"] = DateTime{visit.epoch_ms + 86'400'000, 420};
  }
  return firstRevision(doc.id, doc.kind, std::move(f), who.user, who.device, doc.stamp);
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
  std::filesystem::remove_all(data);
  if (test::runProcess({test::serverBinary(), "--data", data, "init", "--seed", test::sampleSeed().string()}).exit_code != 0) return 1;

  // ---- The generator -------------------------------------------------------------------------
  std::vector<DistrictTeam> teams;
  std::string provincial_token;
  {
    auto storage = server::openSqliteStorage(data, false);
    if (!storage) return 1;
    auto& db = *storage.value();
    const auto hash = server::hashPassword("bench-password");
    for (const auto& [code, name] : db.districts()) {
      DistrictTeam t;
      t.district = code;
      t.inspector = {"insp-" + code, Role::kInspector, code, newDocumentId()};
      t.supervisor = {"sup-" + code, Role::kSupervisor, code, newDocumentId()};
      for (const auto* who : {&t.inspector, &t.supervisor}) {
        if (!db.addUser({who->user, who->role, code, false, ""}, hash).ok()) return 1;
        if (!db.enrolDevice(who->user, who->device, "bench", server::newToken().hash).ok()) return 1;
      }
      teams.push_back(std::move(t));
    }
    for (const auto& e : db.heads("establishment"))
      for (auto& t : teams)
        if (t.district == textField(e, "district")) t.establishments.push_back(e.id);
    for (const auto& c : db.heads("commune"))
      for (auto& t : teams)
        if (t.district == textField(c, "district")) t.communes.push_back(textField(c, "code"));
    if (!db.addUser({"tinh", Role::kProvincial, std::nullopt, false, ""}, hash).ok()) return 1;
    const auto token = server::newToken();
    provincial_token = token.token;
    if (!db.enrolDevice("tinh", newDocumentId(), "bench", token.hash).ok()) return 1;

    const auto g0 = Clock::now();
    constexpr std::size_t kBatch = 1000;  // the protocol's largest batch
    std::vector<std::vector<protocol::PushEntry>> by_inspector(teams.size()), by_supervisor(teams.size());
    auto flush = [&](std::size_t t, bool supervisor) {
      auto& batch = supervisor ? by_supervisor[t] : by_inspector[t];
      if (batch.empty()) return true;
      const auto outcome = server::pushBatch(supervisor ? teams[t].supervisor : teams[t].inspector, std::move(batch), db);
      batch.clear();
      if (!outcome.refused.empty()) std::fprintf(stderr, "refused: %s\n", outcome.refused[0].reason.en.c_str());
      return outcome.refused.empty();
    };
    for (long n = 0; n < opt.inspections; ++n) {
      const auto t = static_cast<std::size_t>(n) % teams.size();
      bool supervisor = false;
      auto doc = inspectionOf(teams[t], n / static_cast<long>(teams.size()), supervisor);
      auto& seq = supervisor ? teams[t].supervisor_seq : teams[t].inspector_seq;
      auto& batch = supervisor ? by_supervisor[t] : by_inspector[t];
      batch.push_back({++seq, "", std::move(doc)});
      if (batch.size() == kBatch && !flush(t, supervisor)) return 1;
    }
    // Quarterly reports of every commune and district, filed by the district's inspector.
    long r = 0;
    for (std::size_t t = 0; t < teams.size(); ++t)
      for (const auto* quarter : {"2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"}) {
        auto file = [&](Fields fields) {
          fields["_period"] = quarter;
          fields["_status"] = "finalized";
          fields["_district"] = teams[t].district;
          fields["_template_version"] = 1;
          by_inspector[t].push_back({++teams[t].inspector_seq, "",
                                     firstRevision(newDocumentId(), "report", std::move(fields), teams[t].inspector.user,
                                                   teams[t].inspector.device, HybridTimestamp{1'560'000'000'000 + ++r, 0})});
        };
        for (const auto& commune : teams[t].communes)
          file({{"_template", seedDocumentId("template", "commune-report")}, {"_commune", commune},
                {"has_prevention_plan", r % 5 != 0}, {"free_of_prostitution", r % 7 != 0}});
        file({{"_template", seedDocumentId("template", "district-report")}, {"support_model_establishments", 1 + r % 3},
              {"officials_total", 20}, {"officials_trained", 10 + r % 11}});
      }
    for (std::size_t t = 0; t < teams.size(); ++t)
      if (!flush(t, false) || !flush(t, true)) return 1;
    const double generate_s = seconds(Clock::now() - g0);
    const auto i0 = Clock::now();
    const auto indexed = db.refreshReportIndex();
    const double index_s = seconds(Clock::now() - i0);
    std::printf("Generated %ld inspections and %ld periodic reports in %.1f s (%.0f per s, through the push path); the reports' "
                "index took them in %.1f s (%.0f per s); database %.0f MB\n\n",
                opt.inspections, r, generate_s, static_cast<double>(opt.inspections) / generate_s, index_s,
                static_cast<double>(indexed) / index_s, static_cast<double>(std::filesystem::file_size(std::filesystem::path(data) / "provincial.db")) / 1e6);
  }

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
