// Sync over a link that drops: the real programs through a proxy that cuts connections at random
// byte offsets both ways. After many cut syncs and one clean one, every change is on the server
// exactly once and every laptop agrees with it.
#include <catch2/catch.hpp>

#include <map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "support/fault_proxy.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

// Two inspectors work for `rounds` rounds over a link that behaves as `plan` says, syncing after
// each; then the link heals (cuts stop; delay and throttling stay) and everyone syncs once more.
// The server must then hold every inspection exactly once, at the revision its laptop has, and
// every laptop, the province's included, must agree with it.
void workOverBadLink(const FaultPlan& plan, int rounds, std::uint64_t min_cuts) {
  INFO("proxy seed " << plan.seed);
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  for (const auto& [name, district] : std::vector<std::pair<std::string, std::string>>{{"lan", "bao-lac"}, {"minh", "ha-quang"}}) {
    ProcessOptions password;
    password.input = "password-of-" + name + "\n";
    REQUIRE(runProcess({serverBinary(), "--data", data, "user", "add", name, "--role", "inspector", "--district", district},
                       password)
                .exit_code == 0);
  }
  ProcessOptions password;
  password.input = "password-of-tinh\n";
  REQUIRE(runProcess({serverBinary(), "--data", data, "user", "add", "tinh", "--role", "provincial"}, password).exit_code == 0);

  ServerProcess server(data);
  FaultProxy proxy(server.port(), plan);
  const auto url = "http://127.0.0.1:" + std::to_string(proxy.port());
  std::vector<Laptop> inspectors{{(dir / "lan").string(), "lan"}, {(dir / "minh").string(), "minh"}};
  Laptop tinh{(dir / "tinh").string(), "tinh"};

  proxy.heal();  // enrolment on a good link; the work below goes over a bad one
  for (const auto* l : {&inspectors[0], &inspectors[1], &tinh}) {
    auto r = l->run({"login", "--server", url, "--user", l->user}, "password-of-" + l->user + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(l->run({"sync"}).exit_code == 0);
  }
  proxy.breakAgain();

  int created = 0, failed_syncs = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& l : inspectors) {
      const auto establishments = l.runJson({"establishments"});
      REQUIRE_FALSE(establishments.empty());
      for (int k = 0; k < 2; ++k) {
        const auto code = establishments[static_cast<std::size_t>((round + k) % establishments.size())]["fields"]["code"];
        auto made = l.run({"inspect", "new", "--establishment", code.get<std::string>()});
        REQUIRE(made.exit_code == 0);
        REQUIRE(l.run({"inspect", "set", made.out.substr(0, 32), "workers_total=" + std::to_string(round)}).exit_code == 0);
        ++created;
      }
      // Edit an older draft too, so that documents already on the server change again.
      const auto mine = l.inspections();
      REQUIRE(l.run({"inspect", "set", mine.begin()->first, "notes=round " + std::to_string(round)}).exit_code == 0);
      if (l.run({"sync"}).exit_code != 0) ++failed_syncs;
    }
  }
  INFO("connections " << proxy.connections() << ", cut " << proxy.cutsDone() << ", syncs that gave up " << failed_syncs);
  CHECK(proxy.cutsDone() >= min_cuts);

  proxy.heal();
  for (const auto& l : inspectors) {
    auto done = l.runJson({"sync"});
    CHECK(l.runJson({"status"})["pending_changes"] == 0);
    CHECK(l.runJson({"status"})["refused"].empty());
  }
  REQUIRE(tinh.run({"sync"}).exit_code == 0);

  // The server holds each inspection once, at the revision its laptop has; nothing is duplicated.
  std::map<std::string, std::string> on_server;
  {
    SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
    SQLite::Statement heads(db, "SELECT id, revision FROM heads WHERE kind = 'inspection'");
    while (heads.executeStep()) on_server[heads.getColumn(0).getString()] = heads.getColumn(1).getString();
    CHECK(db.execAndGet("SELECT count(*) FROM (SELECT doc_id, revision FROM changes GROUP BY 1, 2 HAVING count(*) > 1)").getInt() == 0);
  }
  CHECK(on_server.size() == static_cast<std::size_t>(created));
  std::map<std::string, std::string> on_laptops;
  for (const auto& l : inspectors)
    for (const auto& [id, revision] : l.inspections()) on_laptops[id] = revision;
  CHECK(on_laptops == on_server);
  CHECK(tinh.inspections() == on_server);
}

}  // namespace

TEST_CASE("faults: syncs cut at random bytes lose nothing and duplicate nothing", "[sync][faults][slow]") {
  workOverBadLink(FaultPlan{20190304, 0.6, 1500, 0, 0}, 8, 5);
}

TEST_CASE("faults: a slow, throttled link that also drops still converges exactly once", "[sync][faults][slow]") {
  // 64 kbit/s with 100 ms added to every chunk each way, and cuts in half of the connections.
  workOverBadLink(FaultPlan{632, 0.5, 700, 100, 8000}, 4, 1);
}
