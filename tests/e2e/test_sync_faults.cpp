// Sync over a link that drops: the real programs through a proxy that cuts connections at random
// byte offsets both ways. After many cut syncs and one clean one, every change is on the server
// exactly once and every laptop agrees with it.
#include <catch2/catch.hpp>

#include <map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "http_client.h"
#include "support/fault_proxy.h"
#include "support/sample_inspection.h"
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
        auto made = l.run({"--json", "inspect", "new", "--establishment", code.get<std::string>()});
        REQUIRE(made.exit_code == 0);
        REQUIRE(l.run({"inspect", "set", nlohmann::json::parse(made.out)["id"].get<std::string>(), "workers_total=" + std::to_string(round)}).exit_code == 0);
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

TEST_CASE("faults: a first sync of many pages over a link that drops stores every change once", "[sync][faults][slow]") {
  // More than two pages of inspections wait for the province's laptop, which fetches each next
  // page while storing the current one; the link cuts answers at random bytes.
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{{"lan", "inspector"}, {"tinh", "provincial"}}) {
    ProcessOptions password;
    password.input = "password-of-" + name + "\n";
    std::vector<std::string> args{serverBinary(), "--data", data, "user", "add", name, "--role", role};
    if (name == "lan") args.insert(args.end(), {"--district", "bao-lac"});
    REQUIRE(runProcess(args, password).exit_code == 0);
  }
  ServerProcess server(data);

  // Lan's device pushes 2,300 inspections straight to the server.
  std::vector<std::string> bao_lac;
  const auto seed = fieldcheck::loadSeed(sampleSeed());
  REQUIRE(seed.ok());
  for (const auto& d : seed.value().documents)
    if (d.kind == "establishment" && d.fields.at("district") == fieldcheck::Value{"bao-lac"}) bao_lac.push_back(d.id);
  const auto device = fieldcheck::newDocumentId();
  fieldcheck::client::HttpConnection http({"127.0.0.1", std::to_string(server.port())});
  std::map<std::string, std::string> headers{{"Fieldcheck-Protocol", "1"}, {"Content-Type", "application/json"}};
  auto login = http.request("POST", "/v1/login", headers,
                            json{{"user", "lan"}, {"password", "password-of-lan"}, {"device_name", "test"}, {"device_id", device}}.dump(),
                            std::chrono::seconds(30));
  REQUIRE(login.ok());
  REQUIRE(login.value().status == 200);
  headers["Authorization"] = "Bearer " + json::parse(login.value().body)["token"].get<std::string>();
  headers["Content-Type"] = fieldcheck::protocol::kBinaryMediaType;
  constexpr int kInspections = 2300;
  std::int64_t seq = 0;
  for (int start = 0; start < kInspections; start += 500) {
    fieldcheck::protocol::SyncRequest push;
    push.page_limit = 1;
    for (int n = start; n < std::min(kInspections, start + 500); ++n)
      push.push.push_back({++seq, "", sampleInspection("lan", device, "bao-lac", bao_lac, n)});
    auto r = http.request("POST", "/v1/sync", headers, fieldcheck::protocol::toBinary(push), std::chrono::seconds(60));
    REQUIRE(r.ok());
    REQUIRE(r.value().status == 200);
    REQUIRE(fieldcheck::protocol::syncResponseFromBinary(r.value().body).value().refused.empty());
  }

  FaultProxy proxy(server.port(), FaultPlan{1, 0.7, 150'000, 0, 0});
  Laptop tinh{(dir / "tinh").string(), "tinh"};
  proxy.heal();
  REQUIRE(tinh.run({"login", "--server", "http://127.0.0.1:" + std::to_string(proxy.port()), "--user", "tinh"},
                   "password-of-tinh\n")
              .exit_code == 0);
  proxy.breakAgain();
  int attempts = 0;
  while (tinh.run({"sync"}).exit_code != 0 && ++attempts < 40) {
  }
  INFO("syncs that stopped " << attempts << ", connections " << proxy.connections() << ", cut " << proxy.cutsDone());
  CHECK(proxy.cutsDone() >= 1);
  proxy.heal();
  REQUIRE(tinh.run({"sync"}).exit_code == 0);

  std::map<std::string, std::string> on_server;
  {
    SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
    SQLite::Statement heads(db, "SELECT id, revision FROM heads WHERE kind = 'inspection'");
    while (heads.executeStep()) on_server[heads.getColumn(0).getString()] = heads.getColumn(1).getString();
  }
  CHECK(on_server.size() == static_cast<std::size_t>(kInspections));
  CHECK(tinh.inspections() == on_server);
  SQLite::Database laptop((dir / "tinh" / "fieldcheck.db").string(), SQLite::OPEN_READONLY);
  CHECK(laptop.execAndGet("SELECT count(*) FROM (SELECT doc_id, revision FROM revisions GROUP BY 1, 2 HAVING count(*) > 1)").getInt() == 0);
  CHECK(laptop.execAndGet("SELECT count(*) FROM revisions WHERE kind = 'inspection'").getInt() == kInspections);
}
