// The server killed with SIGKILL at random moments while laptops push, then restarted: once the
// laptops' syncs finish, nothing is lost and nothing is duplicated.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

TEST_CASE("server crash: SIGKILL during concurrent pushes loses and duplicates nothing", "[sync][crash][slow]") {
  const std::uint64_t seed = 632;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  const std::vector<std::pair<std::string, std::string>> users{{"lan", "bao-lac"}, {"minh", "ha-quang"}};
  for (const auto& [name, district] : users) {
    ProcessOptions password;
    password.input = "password-of-" + name + "\n";
    REQUIRE(runProcess({serverBinary(), "--data", data, "user", "add", name, "--role", "inspector", "--district", district},
                       password)
                .exit_code == 0);
  }
  const auto port = freePort();
  auto server = std::make_unique<ServerProcess>(data, port);
  auto client = [&](const std::string& user, std::vector<std::string> args) {
    args.insert(args.begin(), {clientBinary(), "--home", (dir / user).string()});
    return args;
  };
  for (const auto& [name, _] : users) {
    ProcessOptions password;
    password.input = "password-of-" + name + "\n";
    REQUIRE(runProcess(client(name, {"login", "--server", "http://127.0.0.1:" + std::to_string(port), "--user", name}),
                       password)
                .exit_code == 0);
    REQUIRE(runProcess(client(name, {"sync"})).exit_code == 0);
  }

  int created = 0, interrupted = 0;
  std::uniform_int_distribution<int> kill_after_ms(0, 120);
  for (int round = 0; round < 8; ++round) {
    for (const auto& [name, _] : users) {
      const auto establishments = json::parse(runProcess(client(name, {"establishments", "--json"})).out);
      for (int k = 0; k < 4; ++k) {
        const auto code = establishments[static_cast<std::size_t>(k % establishments.size())]["fields"]["code"].get<std::string>();
        auto made = runProcess(client(name, {"--json", "inspect", "new", "--establishment", code}));
        REQUIRE(made.exit_code == 0);
        REQUIRE(runProcess(client(name, {"inspect", "set", nlohmann::json::parse(made.out)["id"].get<std::string>(), "workers_total=" + std::to_string(k)}))
                    .exit_code == 0);
        ++created;
      }
    }
    // Both laptops sync at once; the server dies under them and comes back.
    std::vector<RunningProcess> syncs;
    for (const auto& [name, _] : users) syncs.emplace_back(client(name, {"sync"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    server->stop(SIGKILL);
    server = std::make_unique<ServerProcess>(data, port);
    for (auto& s : syncs) interrupted += s.wait() != 0;  // finished after retries, or gave up: both are fine
  }
  INFO(interrupted << " syncs gave up");

  for (const auto& [name, _] : users) {
    auto clean = runProcess(client(name, {"sync", "--json"}));
    INFO(clean.err);
    REQUIRE(clean.exit_code == 0);
    auto status = json::parse(runProcess(client(name, {"status", "--json"})).out);
    CHECK(status["pending_changes"] == 0);
    CHECK(status["refused"].empty());
  }
  CHECK(server->stop(SIGTERM) == 0);

  SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(db.execAndGet("SELECT count(*) FROM documents WHERE kind = 'inspection'").getInt() == created);
  CHECK(db.execAndGet("SELECT count(*) FROM (SELECT doc_id, revision FROM changes GROUP BY 1, 2 HAVING count(*) > 1)").getInt() == 0);
  std::map<std::string, std::string> on_server;
  SQLite::Statement heads(db, "SELECT id, revision FROM heads WHERE kind = 'inspection'");
  while (heads.executeStep()) on_server[heads.getColumn(0).getString()] = heads.getColumn(1).getString();
  std::map<std::string, std::string> on_laptops;
  for (const auto& [name, _] : users)
    for (const auto& i : json::parse(runProcess(client(name, {"inspect", "list", "--json"})).out))
      on_laptops[i["id"].get<std::string>()] = i["revision"].get<std::string>();
  CHECK(on_laptops == on_server);
}
