// Benchmark: the provincial console over a province of a million inspections, with baselines
// measured in the same run.
//
//   fieldcheck-bench-console [--inspections 1000000] [--province DIR] [--rounds 20]
//                            [--users 20] [--laptops 50] [--laptop-inspections 1000] [--think-ms
//                            1000]
//
// The province is support/province_generator.h's, made through the server's push path (or, with
// --province DIR, the one already in DIR/data, else made there and kept). Rows, each against a
// baseline of the same run, with the absolute target beside it:
// - the dashboard's server time (handleConsoleApi, as the server calls it) against a plain count
//   of the inspections by district and state in the reports' index;
// - one page of the inspections table with filters, orders and pages as people use them, p99,
//   against 50 rows read straight from the reports' index;
// - one inspection with its history, p99, against reading its head alone;
// - on the real server on 127.0.0.1: laptops pushing inspections (each on its own connection, in
//   batches, durable) while console users, logged in through POST /api/session, browse the
//   dashboard, the table and records (one request, then a pause of --think-ms): the ingest rate
//   against the same laptops pushing with nobody browsing, and the server's peak memory (VmHWM).
// Prints a Markdown table; asserts no timing. Every loop is bounded in count and time.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include "accounts.h"
#include "console/console_api.h"
#include "console/console_json.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "http_client.h"
#include "provincial_storage.h"
#include "support/bench_laptops.h"
#include "support/process.h"
#include "support/province_generator.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct Options {
  long inspections = 1'000'000;
  std::string province;  // a folder whose data/ is reused, or made and kept
  int rounds = 20;       // requests of each kind measured in process
  int users = 20;
  int laptops = 50;
  int laptop_inspections = 1000;
  int think_ms = 1000;
  int batch = 200;       // entries per push
  int run_seconds = 20;  // each ingest run pushes rounds of inspections for at least this long
  int deadline_s = 600;  // the whole run gives up past this
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double ms(Clock::duration d) { return seconds(d) * 1000; }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// The requests people make of the table: filters, orders and pages.
std::vector<std::string> tableTargets(const std::vector<std::string>& districts,
                                      const std::vector<std::string>& inspectors,
                                      const std::vector<std::string>& establishments) {
  std::vector<std::string> t;
  const char* states[] = {"draft", "submitted", "approved", "returned"};
  const char* sorts[] = {"day", "number", "state", "district", "inspector"};
  for (std::size_t i = 0; i < districts.size(); ++i) {
    const auto& d = districts[i];
    const auto* state = states[i % 4];
    const auto* sort = sorts[i % 5];
    t.push_back("/api/inspections?district=" + d);
    t.push_back("/api/inspections?district=" + d + "&state=" + state +
                "&page=" + std::to_string(1 + i % 5));
    t.push_back("/api/inspections?district=" + d + "&state=submitted&sort=" + sort +
                "&order=asc&page=2");
    t.push_back("/api/inspections?district=" + d + "&from=2019-03-01&to=2019-03-31&per_page=100");
    t.push_back("/api/inspections?state=" + std::string(states[(i + 1) % 4]) + "&sort=" + sort +
                "&page=" + std::to_string(1 + i % 3));
  }
  for (std::size_t i = 0; i < inspectors.size() && i < 6; ++i)
    t.push_back("/api/inspections?inspector=" + inspectors[i] +
                "&sort=number&order=desc&page=" + std::to_string(1 + i));
  for (std::size_t i = 0; i < establishments.size() && i < 6; ++i)
    t.push_back("/api/inspections?establishment=" + establishments[i]);
  t.push_back("/api/inspections");
  t.push_back("/api/inspections?sort=number&page=20");
  t.push_back("/api/inspections?from=2019-06-01&to=2019-06-30&sort=district&order=asc&page=4");
  return t;
}

std::string statusText(unsigned status) {
  return status == 200 ? "" : " (HTTP " + std::to_string(status) + ")";
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? argv[++i] : ""; };
    auto number = [&] { return std::max(1, std::atoi(next())); };
    if (!std::strcmp(argv[i], "--inspections"))
      opt.inspections = std::max(100L, std::atol(next()));
    else if (!std::strcmp(argv[i], "--province"))
      opt.province = next();
    else if (!std::strcmp(argv[i], "--rounds"))
      opt.rounds = number();
    else if (!std::strcmp(argv[i], "--users"))
      opt.users = number();
    else if (!std::strcmp(argv[i], "--laptops"))
      opt.laptops = number();
    else if (!std::strcmp(argv[i], "--laptop-inspections"))
      opt.laptop_inspections = number();
    else if (!std::strcmp(argv[i], "--think-ms"))
      opt.think_ms = std::max(0, std::atoi(next()));
    else if (!std::strcmp(argv[i], "--run-seconds"))
      opt.run_seconds = number();
    else if (!std::strcmp(argv[i], "--deadline"))
      opt.deadline_s = number();
    else {
      std::fprintf(stderr,
                   "usage: fieldcheck-bench-console [--inspections N] [--province DIR] [--rounds "
                   "N] [--users N] [--laptops N] "
                   "[--laptop-inspections N] [--think-ms MS] [--run-seconds S] [--deadline S]\n");
      return 2;
    }
  }
  const auto deadline = Clock::now() + std::chrono::seconds(opt.deadline_s);
  test::TempDir temp;
  const std::filesystem::path dir =
      opt.province.empty() ? temp.path() : std::filesystem::path(opt.province);
  const auto data = dir / "data";
  if (std::filesystem::exists(data / "provincial.db")) {
    std::printf("Reusing the province in %s\n\n", data.c_str());
  } else {
    const auto province = test::generateProvince(data, opt.inspections);
    if (!province) return 1;
    std::printf(
        "Generated %ld inspections through the push path in %.1f s; the reports' index took them "
        "in %.1f s\n\n",
        province->inspections, province->generate_s, province->index_s);
  }

  // ---- In process: the console's reads as the server calls them -----------------------------
  auto opened = server::openSqliteStorage(data, false);
  if (!opened) return 1;
  auto& storage = *opened.value();
  const auto hash = server::hashPassword(test::kGeneratedPassword);
  auto addUser = [&](const std::string& name, Role role, std::optional<std::string> district) {
    return storage.userWithHash(name) ||
           storage.addUser({name, role, district, false, ""}, hash).ok();
  };
  std::vector<std::string> districts;
  for (const auto& [code, name] : storage.districts()) districts.push_back(code);
  if (!addUser("tinh", Role::kProvincial, std::nullopt)) return 1;
  const auto provincial = storage.userWithHash("tinh")->first;
  storage.refreshReportIndex();
  const auto inspections = static_cast<double>(storage.documentCount("inspection"));
  std::vector<std::string> inspectors, establishments, ids;
  std::map<std::string, std::vector<std::string>> ids_by_district;
  {
    for (const auto& d : districts)
      inspectors.push_back("insp-" + d), inspectors.push_back("sup-" + d);
    server::InspectionQuery first;
    first.sort = server::InspectionQuery::Sort::kNumber;
    first.limit = 200;
    const auto sample = storage.listInspections(first);
    for (const auto& r : sample.rows) {
      ids.push_back(r.doc_id);
      ids_by_district[r.district].push_back(r.doc_id);
      if (establishments.size() < 6 && std::find(establishments.begin(), establishments.end(),
                                                 r.establishment_id) == establishments.end())
        establishments.push_back(r.establishment_id);
    }
    if (ids.empty()) {
      std::fprintf(stderr, "the province has no inspection listed\n");
      return 1;
    }
  }
  const auto targets = tableTargets(districts, inspectors, establishments);
  auto get = [&](const std::string& target) {
    server::ApiRequest request{"GET", target, {}, "", "127.0.0.1"};
    const auto t0 = Clock::now();
    const auto response = server::handleConsoleApi(request, provincial, storage);
    return std::pair{ms(Clock::now() - t0), response.status};
  };
  SQLite::Database raw((data / "provincial.db").string(), SQLite::OPEN_READONLY);
  std::vector<double> dashboard_ms, dashboard_base_ms, page_ms, page_base_ms, record_ms,
      record_base_ms;
  unsigned dashboard_status = 200, page_status = 200, record_status = 200;
  std::mt19937 random(16);  // fixed: the same pages and records every run
  for (int round = 0; round < std::max(3, opt.rounds / 4) && Clock::now() < deadline; ++round) {
    // Each time computed anew, as for the first user after a change: the figures it shares with
    // the scope's other users for a few seconds are not what is measured.
    server::console::reportIndexChanged();
    const auto [t, status] = get("/api/dashboard");
    dashboard_ms.push_back(t);
    if (status != 200) dashboard_status = status;
    const auto b0 = Clock::now();
    SQLite::Statement counts(raw,
                             "SELECT district, state, count(*) FROM report_index WHERE kind = "
                             "'inspection' GROUP BY 1, 2");
    while (counts.executeStep()) {
    }
    dashboard_base_ms.push_back(ms(Clock::now() - b0));
  }
  for (int round = 0; round < opt.rounds && Clock::now() < deadline; ++round)
    for (const auto& target : targets) {
      const auto [t, status] = get(target);
      page_ms.push_back(t);
      if (std::getenv("FIELDCHECK_BENCH_SLOW") && t > 50) std::fprintf(stderr, "%.1f ms: %s\n", t, target.c_str());
      if (status != 200) page_status = status;
      const auto b0 = Clock::now();
      SQLite::Statement rows(raw,
                             "SELECT doc_id, number, district, subject, state, day, inspector, "
                             "updated_at FROM report_index "
                             "WHERE kind = 'inspection' LIMIT 50");
      while (rows.executeStep()) {
      }
      page_base_ms.push_back(ms(Clock::now() - b0));
    }
  for (int round = 0; round < opt.rounds * 10 && Clock::now() < deadline; ++round) {
    const auto& id = ids[random() % ids.size()];
    const auto [t, status] = get("/api/inspections/" + id);
    record_ms.push_back(t);
    if (std::getenv("FIELDCHECK_BENCH_SLOW") && t > 30) std::fprintf(stderr, "%.1f ms: /api/inspections/%s\n", t, id.c_str());
    if (status != 200) record_status = status;
    const auto b0 = Clock::now();
    if (!storage.head(id)) return 1;
    record_base_ms.push_back(ms(Clock::now() - b0));
  }

  // ---- The real server: laptops push while console users browse ------------------------------
  std::vector<std::string> console_users;
  std::vector<std::string> console_districts;  // each user's district, "" for the province
  for (int i = 0; i < opt.users; ++i) {
    // One in four province-wide, the others supervisors of a district each.
    const auto name = "console" + std::to_string(i);
    const bool province_wide = i % 4 == 0;
    if (!addUser(name, province_wide ? Role::kProvincial : Role::kSupervisor,
                 province_wide
                     ? std::nullopt
                     : std::optional(districts[static_cast<std::size_t>(i) % districts.size()])))
      return 1;
    console_users.push_back(name);
    console_districts.push_back(province_wide ? "" : districts[static_cast<std::size_t>(i) % districts.size()]);
  }
  auto laptops = test::BenchLaptops::enrol(storage, opt.laptops, "console-bench-laptop", hash);
  if (!laptops) return 1;
  opened.value().reset();

  test::ServerProcess server(data);
  const client::ServerAddress address{"127.0.0.1", std::to_string(server.port())};
  if (!laptops->login(address, test::kGeneratedPassword)) return 1;

  // Each console user: logs in, then browses until told to stop (or the deadline), one request
  // then a pause; counts its answers and their times.
  struct Browsing {
    std::atomic<bool> stop{false};
    std::atomic<long> requests{0}, failures{0};
    std::atomic<int> logged_in{0}, refused{0};
    std::atomic<unsigned> last_status{0};
    std::mutex mutex;
    std::vector<double> answer_ms;
  };
  // What a user of `district` ("" for the province) browses: the tables and records in their
  // scope (a supervisor asking for another district's gets a 404, which is not what is measured).
  auto inScope = [&](const std::string& district) {
    std::pair<std::vector<std::string>, std::vector<std::string>> scoped;
    for (const auto& t : targets)
      if (district.empty() || t.find("district=") == std::string::npos || t.find("district=" + district) != std::string::npos)
        scoped.first.push_back(t);
    if (district.empty()) scoped.second = ids;
    else if (const auto it = ids_by_district.find(district); it != ids_by_district.end()) scoped.second = it->second;
    return scoped;
  };
  auto browse = [&](Browsing& b, const std::string& user, const std::string& district, unsigned seed) {
    const auto [my_targets, my_ids] = inScope(district);
    test::HttpReply login;
    try {
      login = test::httpRequest(
          server.port(), "POST", "/api/session", {{"Content-Type", "application/json"}},
          json{{"user", user}, {"password", test::kGeneratedPassword}}.dump());
    } catch (const std::exception&) {
    }
    const auto cookie =
        login.headers.count("set-cookie")
            ? login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'))
            : std::string();
    std::string csrf;
    if (login.status == 200)
      if (const auto me = json::parse(login.body, nullptr, false);
          me.is_object() && me.contains("csrf"))
        csrf = me["csrf"].get<std::string>();
    if (cookie.empty() || csrf.empty()) {
      std::fprintf(stderr, "%s could not log in to the console (HTTP %u)\n", user.c_str(),
                   login.status);
      ++b.refused;
      return;
    }
    ++b.logged_in;
    const std::map<std::string, std::string> headers{{"Cookie", cookie},
                                                     {"X-Fieldcheck-CSRF", csrf}};
    client::HttpConnection http(address);
    std::mt19937 pick(seed);
    while (!b.stop && Clock::now() < deadline) {
      const auto k = pick() % 10;
      const auto target = k == 0  ? std::string("/api/dashboard")
                          : k < 6 || my_ids.empty() ? my_targets[pick() % my_targets.size()]
                                                    : "/api/inspections/" + my_ids[pick() % my_ids.size()];
      const auto t0 = Clock::now();
      auto r = http.request("GET", target, headers, "", std::chrono::seconds(30));
      const double t = ms(Clock::now() - t0);
      ++b.requests;
      if (!r || r.value().status != 200) {
        // The first failure of each kind is told, so that a failed run says why.
        const unsigned status = r ? r.value().status : 0;
        if (b.failures++ == 0 || status != b.last_status.exchange(status))
          std::fprintf(stderr, "console: %s answered %u: %s\n", target.c_str(), status,
                       r ? r.value().body.substr(0, 200).c_str() : r.problem().message.en.c_str());
      }
      {
        std::lock_guard lock(b.mutex);
        b.answer_ms.push_back(t);
      }
      for (int slept = 0; slept < opt.think_ms && !b.stop; slept += 50)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, opt.think_ms - slept)));
    }
  };
  // Ingest: every laptop pushes its inspections at once, alone, then with the console users
  // browsing, then alone again (the database grows between them; the baseline is the mean of the
  // two runs alone).
  std::vector<double> alone_rates;
  double with_rate = 0;
  Browsing browsing;
  long peak_kib = 0;
  for (int run = 0; run < 3; ++run) {
    std::vector<std::thread> users;
    if (run == 1) {
      browsing.stop = false;
      for (std::size_t i = 0; i < console_users.size(); ++i)
        users.emplace_back(browse, std::ref(browsing), console_users[i], console_districts[i], static_cast<unsigned>(i));
      // Everyone logged in (or refused) before the clock starts, for at most 60 s.
      const auto wait_until = std::min(deadline, Clock::now() + std::chrono::seconds(60));
      while (browsing.logged_in + browsing.refused < opt.users && Clock::now() < wait_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    long pushed = 0;
    double pushing_s = 0;
    while (pushing_s < opt.run_seconds && Clock::now() < deadline) {
      const auto round = laptops->pushInspections(opt.laptop_inspections, opt.batch);
      if (round.seconds < 0) break;
      pushed += round.inspections;
      pushing_s += round.seconds;
    }
    browsing.stop = true;  // only the run with the console users started any
    for (auto& u : users) u.join();
    if (const auto peak = test::peakMemoryKiB(server.pid())) peak_kib = std::max(peak_kib, *peak);
    if (pushed == 0) return 1;
    const double rate = static_cast<double>(pushed) / pushing_s;
    std::fprintf(stderr, "run %d: %ld inspections in %.1f s, %.0f/s%s\n", run + 1, pushed,
                 pushing_s, rate, run == 1 ? " with the console users" : "");
    if (run == 1)
      with_rate = rate;
    else
      alone_rates.push_back(rate);
    if (Clock::now() > deadline) break;
  }
  server.stop(SIGTERM);
  const double alone_rate =
      alone_rates.empty() ? 0 : (alone_rates.front() + alone_rates.back()) / 2;

  auto met = [](bool ok, bool measured) {
    return measured ? (ok ? "yes" : "**no**") : "not measured";
  };
  std::printf(
      "Console over %.0f inspections; in process: %zu dashboards, %zu table pages (%zu kinds), %zu "
      "records; "
      "%d console users browsing (a pause of %d ms between requests) while %d laptops push %d "
      "inspections each.\n\n",
      inspections, dashboard_ms.size(), page_ms.size(), targets.size(), record_ms.size(), opt.users,
      opt.think_ms, opt.laptops, opt.laptop_inspections);
  std::printf(
      "| what | measured | baseline (same run) | ratio | target | met "
      "|\n|---|---:|---:|---:|---|---|\n");
  const double dash = median(dashboard_ms), dash_base = median(dashboard_base_ms);
  std::printf(
      "| dashboard, server time (median)%s | %.1f ms | inspections counted by district and state "
      "in the reports' index %.1f ms "
      "| %.1f | <= 1 s | %s |\n",
      statusText(dashboard_status).c_str(), dash, dash_base, dash / dash_base,
      met(dash <= 1000, dashboard_status == 200));
  const double page = percentile(page_ms, 0.99), page_base = percentile(page_base_ms, 0.99);
  std::printf(
      "| inspections table, one page with filters, p99 (p50 %.2f ms)%s | %.2f ms | 50 rows read "
      "from the reports' index, p99 "
      "%.2f ms | %.1f | <= 50 ms | %s |\n",
      percentile(page_ms, 0.5), statusText(page_status).c_str(), page, page_base, page / page_base,
      met(page <= 50, page_status == 200));
  const double record = percentile(record_ms, 0.99), record_base = percentile(record_base_ms, 0.99);
  std::printf(
      "| one inspection with its history, p99 (p50 %.2f ms)%s | %.2f ms | its head read alone, p99 "
      "%.2f ms | %.1f | <= 30 ms | %s |\n",
      percentile(record_ms, 0.5), statusText(record_status).c_str(), record, record_base,
      record / record_base, met(record <= 30, record_status == 200));
  const bool browsed = browsing.requests > 0 && browsing.failures == 0 && browsing.refused == 0;
  std::printf(
      "| sync ingest, %d laptops, while %d console users browse (%d logged in, %ld requests, %ld "
      "failed; p99 "
      "answer %.1f ms) | %.0f "
      "inspections/s | nobody browsing %.0f/s | %.2f | >= 0.8 | %s |\n",
      opt.laptops, opt.users, browsing.logged_in.load(), browsing.requests.load(),
      browsing.failures.load(), percentile(browsing.answer_ms, 0.99), with_rate, alone_rate,
      with_rate / alone_rate, met(with_rate >= 0.8 * alone_rate, browsed));
  std::printf("| server peak memory (VmHWM) during all that | %.1f MB | | | <= 96 MB | %s |\n",
              static_cast<double>(peak_kib) / 1024, met(peak_kib <= 96 * 1024, peak_kib > 0));
  return 0;
}
