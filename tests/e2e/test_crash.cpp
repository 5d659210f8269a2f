// A `fieldcheck` process killed with SIGKILL at random moments mid-save leaves a consistent
// database holding every save that completed.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/store_checks.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;

TEST_CASE("crash: saves killed at random moments leave every completed save and nothing torn", "[crash][slow]") {
  TempDir dir;
  const std::string home = (dir / "home").string();
  REQUIRE(runProcess({clientBinary(), "--home", home, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  auto created = runProcess({clientBinary(), "--home", home, "--json", "inspect", "new", "--establishment", "CS-01"});
  REQUIRE(created.exit_code == 0);
  const std::string id = nlohmann::json::parse(created.out)["id"].get<std::string>();

  const std::uint64_t seed = 632;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, 25'000);
  int last_completed = 0;  // the value of the last save whose command returned
  int completed = 0;
  std::vector<bool> returned(61, false);
  for (int value = 1; value <= 60; ++value) {
    RunningProcess p({clientBinary(), "--home", home, "inspect", "set", id.substr(0, 8),
                      "workers_total=" + std::to_string(value)});
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    if (auto code = p.kill()) {
      REQUIRE(*code == 0);
      last_completed = value;
      returned[static_cast<std::size_t>(value)] = true;
      ++completed;
    }
  }
  INFO("completed " << completed << " of 60 saves");

  SQLite::Database db((dir / "home" / "fieldcheck.db").string(), SQLite::OPEN_READWRITE);
  // Sound; every head its document's latest revision; every revision written here (the new
  // inspection and each save that committed) waiting in the outbox.
  checkLaptopStoreSound(db);
  CHECK(db.execAndGet("SELECT count(*) FROM outbox").getInt() >= 1 + completed);

  checkSavesKept(db, id, returned, last_completed);
  // And the client still works on the file afterwards.
  auto after = runProcess({clientBinary(), "--home", home, "inspect", "set", id.substr(0, 8), "workers_total=99"});
  CHECK(after.exit_code == 0);
}
