// A `fieldcheck` process killed with SIGKILL at random moments mid-save leaves a consistent
// database holding every save that completed.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;

TEST_CASE("crash: saves killed at random moments leave every completed save and nothing torn", "[crash][slow]") {
  TempDir dir;
  const std::string home = (dir / "home").string();
  REQUIRE(runProcess({clientBinary(), "--home", home, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  auto created = runProcess({clientBinary(), "--home", home, "inspect", "new", "--establishment", "CS-01"});
  REQUIRE(created.exit_code == 0);
  const std::string id = created.out.substr(0, 32);

  const std::uint64_t seed = 632;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, 25'000);
  int last_completed = 0;  // the value of the last save whose command returned
  int completed = 0;
  for (int value = 1; value <= 60; ++value) {
    RunningProcess p({clientBinary(), "--home", home, "inspect", "set", id.substr(0, 8),
                      "workers_total=" + std::to_string(value)});
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    if (auto code = p.kill()) {
      REQUIRE(*code == 0);
      last_completed = value;
      ++completed;
    }
  }
  INFO("completed " << completed << " of 60 saves");

  SQLite::Database db((dir / "home" / "fieldcheck.db").string(), SQLite::OPEN_READWRITE);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  SQLite::Statement fk(db, "PRAGMA foreign_key_check");
  CHECK_FALSE(fk.executeStep());
  // Every head points at a stored revision, and every local revision has exactly one outbox entry.
  CHECK(db.execAndGet("SELECT count(*) FROM documents d LEFT JOIN revisions r "
                      "ON r.doc_id = d.id AND r.revision = d.revision WHERE r.doc_id IS NULL").getInt() == 0);
  CHECK(db.execAndGet("SELECT count(*) FROM revisions WHERE author != 'seed'").getInt() ==
        db.execAndGet("SELECT count(*) FROM outbox").getInt());

  // The head holds the last completed save, or a later one that committed just before its kill.
  const auto head = db.execAndGet("SELECT json_extract(fields, '$.workers_total') FROM heads WHERE id = '" + id + "'");
  const int value = head.isNull() ? 0 : head.getInt();
  CHECK(value >= last_completed);
  // Every completed save is in the history.
  if (last_completed > 0) {
    CHECK(db.execAndGet("SELECT count(*) FROM revisions WHERE doc_id = '" + id +
                        "' AND json_extract(fields, '$.workers_total') = " + std::to_string(last_completed))
              .getInt() == 1);
  }
  // And the client still works on the file afterwards.
  auto after = runProcess({clientBinary(), "--home", home, "inspect", "set", id.substr(0, 8), "workers_total=99"});
  CHECK(after.exit_code == 0);
}
