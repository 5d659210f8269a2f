// Benchmark: the cost of saving one answer durably (document + history + outbox) as a ratio of a
// plain SQLite insert of the same row in the same durability mode, measured in the same run.
//
//   fieldcheck-bench-save [--ops N] [--rounds R] [--dir DIR]
//
// Runs R rounds; each round times N saves through the store, N answers through the inspector
// service (parse, validate, save), and N plain inserts, interleaved so that a noisy neighbour
// affects all three alike. Prints a Markdown table of the median round.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "inspector_service.h"
#include "local_store.h"

using namespace fieldcheck;
using namespace fieldcheck::client;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int ops = 1000;
  int rounds = 5;
  fs::path dir;
};

// About 30 answers, as a real inspection holds.
Fields realisticAnswers() {
  Fields f{{"_status", "draft"}, {"_establishment", std::string(32, 'e')}, {"_template", std::string(32, 't')},
           {"visit_time", DateTime{1'556'868'600'000, 420}}, {"team_members", "Nông Văn A, Lê Thị B, Hoàng Đức C"},
           {"location", GeoPoint{22.6657, 106.257, 8.0}}, {"violations", Choices{"no_worker_register", "room_standard"}},
           {"actions", Choices{"reminder", "fine"}}, {"fine_amount", 7'500'000},
           {"notes", "Cơ sở đã được nhắc nhở về việc niêm yết tài liệu tuyên truyền."}};
  for (int i = 0; i < 20; ++i) f["q" + std::to_string(i)] = Value{i % 3 == 0 ? Value{true} : Value{i * 7}};
  return f;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) opt.ops = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) opt.rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) opt.dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--ops N] [--rounds R] [--dir DIR]\n", argv[0]);
      return 2;
    }
  }
  const bool own_dir = opt.dir.empty();
  if (own_dir) opt.dir = fs::temp_directory_path() / ("fieldcheck-bench-" + newDocumentId().substr(0, 8));
  fs::create_directories(opt.dir);

  // The store, on its own file.
  auto store_result = LocalStore::open(opt.dir / "store.db", true);
  if (!store_result) {
    std::fprintf(stderr, "cannot open the store: %s\n", store_result.problem().message.en.c_str());
    return 1;
  }
  auto& store = store_result.value();
  const std::string doc_id = newDocumentId();
  const Fields base = realisticAnswers();
  if (!store.write(doc_id, "inspection", [&](const Document*) -> Result<Fields> { return base; })) return 1;

  // The inspector service, on a home set up from the sample province.
  Home home{opt.dir / "home"};
  if (!initHome(home, FIELDCHECK_SEED_DIR, "bench")) return 1;
  auto service = InspectorService::open(home);
  if (!service) return 1;
  const auto inspection = service.value().newInspection("CS-01", std::nullopt);
  if (!inspection) return 1;

  // The baseline: the same row, inserted plainly, in the same durability mode.
  SQLite::Database plain((opt.dir / "plain.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  plain.exec("PRAGMA journal_mode = WAL");
  plain.exec("PRAGMA synchronous = FULL");
  plain.exec("CREATE TABLE answers(id TEXT PRIMARY KEY, fields TEXT NOT NULL)");
  SQLite::Statement insert(plain, "INSERT INTO answers(id, fields) VALUES (?, ?)");

  std::vector<double> store_s, service_s, plain_s;
  std::int64_t counter = 0;
  auto time_store = [&] {
    const auto t0 = Clock::now();
    for (int i = 0; i < opt.ops; ++i) {
      const auto value = ++counter;
      auto r = store.write(doc_id, "inspection", [&](const Document* current) -> Result<Fields> {
        Fields f = current->fields;
        f["workers_total"] = value;
        return f;
      });
      if (!r) std::exit(1);
    }
    store_s.push_back(seconds(Clock::now() - t0));
  };
  auto time_service = [&] {
    const auto t0 = Clock::now();
    for (int i = 0; i < opt.ops; ++i) {
      auto r = service.value().setAnswers(inspection.value().id, {{"workers_total", std::to_string(++counter % 1000)}});
      if (!r) std::exit(1);
    }
    service_s.push_back(seconds(Clock::now() - t0));
  };
  auto time_plain = [&] {
    const auto t0 = Clock::now();
    for (int i = 0; i < opt.ops; ++i) {
      Fields f = base;
      f["workers_total"] = ++counter;
      insert.reset();
      insert.bind(1, std::to_string(counter));
      insert.bind(2, canonicalFieldsJson(f));
      insert.exec();
    }
    plain_s.push_back(seconds(Clock::now() - t0));
  };
  // Rotate the order each round so that no variant always follows the same neighbour's writes.
  const std::function<void()> variants[] = {time_store, time_service, time_plain};
  for (int round = 0; round < opt.rounds; ++round)
    for (int k = 0; k < 3; ++k) variants[(round + k) % 3]();

  const double store_us = median(store_s) / opt.ops * 1e6;
  const double service_us = median(service_s) / opt.ops * 1e6;
  const double plain_us = median(plain_s) / opt.ops * 1e6;
  std::printf("Save one answer, durable (WAL, synchronous=FULL); %d ops x %d rounds, median round\n\n", opt.ops,
              opt.rounds);
  std::printf("| benchmark | µs/op | plain insert µs/op | ratio | target |\n");
  std::printf("|---|---:|---:|---:|---|\n");
  std::printf("| store save: document + history + outbox | %.1f | %.1f | %.2f | ≤ 1.30 |\n", store_us, plain_us,
              store_us / plain_us);
  std::printf("| service answer: parse, validate, save | %.1f | %.1f | %.2f | (for information) |\n", service_us,
              plain_us, service_us / plain_us);

  if (own_dir) {
    std::error_code ec;
    fs::remove_all(opt.dir, ec);
  }
  return 0;
}
