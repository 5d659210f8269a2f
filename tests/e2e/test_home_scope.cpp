// A home set up from the whole province's seed, after its user logs in: it keeps what the
// server's scope gives that user, and every piece of work not sent yet, wherever it is.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/laptop.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

TEST_CASE("scope: after login a seeded home keeps its district and its unsent work outside it, with the reason", "[e2e][scope]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  ServerProcess server(data);
  Laptop lan{(dir / "lan").string(), "lan"};

  REQUIRE(lan.run({"init", "--seed", sampleSeed().string(), "--user", "lan"}).exit_code == 0);
  REQUIRE(lan.runJson({"establishments"}).size() == 47);
  // Before the login this laptop does not know its user's district: any establishment will do.
  const auto elsewhere = lan.runJson({"establishments", "--district", "ha-quang"})[0]["fields"]["code"].get<std::string>();
  const auto kept = lan.runJson({"inspect", "new", "--establishment", elsewhere})["number"].get<std::string>();
  REQUIRE(lan.run({"inspect", "set", kept, "workers_total=3"}).exit_code == 0);

  auto login = lan.run({"--json", "login", "--server", "http://127.0.0.1:" + std::to_string(server.port()), "--user", "lan"},
                       "password-of-lan\n");
  INFO(login.err);
  REQUIRE(login.exit_code == 0);
  const auto removed = json::parse(login.out)["removed_outside"].get<int>();
  CHECK(removed > 40);  // every other district's establishments, communes and the districts themselves

  // Only Bảo Lạc's establishments remain, as the server's scope gives them, and the one the
  // unsent inspection is of.
  const auto mine = lan.runJson({"establishments"});
  REQUIRE(mine.size() > 1);
  for (const auto& e : mine) {
    INFO(e["fields"]["code"]);
    CHECK((e["fields"]["district"] == "bao-lac" || e["fields"]["code"] == elsewhere));
  }
  CHECK(lan.runJson({"establishments", "--district", "ha-quang"}).size() == 1);
  CHECK(lan.run({"establishment", "show", "CS-01"}).exit_code == 1);  // Thành phố Cao Bằng's

  // The unsent inspection outside it stays, and status says why it will not go.
  CHECK(lan.runJson({"inspect", "show", kept})["fields"]["workers_total"] == 3);
  const auto status = lan.runJson({"status"});
  REQUIRE(status["outside_district"].size() == 1);
  CHECK(status["outside_district"][0].get<std::string>().find(kept) != std::string::npos);
  const auto told = lan.run({"status"});
  CHECK(told.out.find(kept) != std::string::npos);
  CHECK(told.out.find("outside your district") != std::string::npos);
  CHECK(told.out.find("ngoài huyện của bạn") != std::string::npos);

  CHECK(told.out.find("fieldcheck inspect discard") != std::string::npos);  // and what to do if it is not needed

  // The first sync pulls the district back as it was; nothing outside it returns. The server
  // refuses the inspection, once, with its reason, however often the laptop syncs.
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  CHECK(lan.runJson({"establishments"}).size() == mine.size());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto refused = lan.runJson({"status"})["refused"];
  REQUIRE(refused.size() == 1);
  CHECK(refused[0]["code"] == "scope");
  // Thrown away, it is settled: nothing left to tell.
  REQUIRE(lan.run({"inspect", "discard", kept}).exit_code == 0);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto settled = lan.runJson({"status"});
  CHECK(settled["refused"].empty());
  CHECK(settled["outside_district"].empty());
}
