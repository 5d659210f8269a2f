// Sync end to end on the real programs over loopback: a server, inspectors of two districts and
// a provincial officer, each in their own home.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <ctime>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/province.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

// Bảo Lạc's team: Lan (the province's inspector there), a second inspector Hoa and their
// supervisor Giám, each with a laptop in the province's folder. `lan_clock`: Lan's clock offset.
struct BaoLacTeam {
  Laptop lan, hoa, giam;
  BaoLacTeam(Province& province, const std::string& lan_clock = "")
      : lan{(province.dir / "lan").string(), "lan", lan_clock},
        hoa{(province.dir / "hoa").string(), "hoa"},
        giam{(province.dir / "giam").string(), "giam"} {
    province.addUser("hoa", {"--role", "inspector", "--district", "bao-lac"});
    province.addUser("giam", {"--role", "supervisor", "--district", "bao-lac"});
  }
};

// Logs each laptop in to the server on `port` and syncs it once (its first pull).
void loginAndSync(std::initializer_list<const Laptop*> laptops, unsigned short port) {
  for (const auto* laptop : laptops) {
    laptop->loginTo(port);
    REQUIRE(laptop->run({"sync"}).exit_code == 0);
  }
}

// Bảo Lạc's team on a running server, Lan and Giám logged in and synced once, and the first
// establishment Lan's laptop lists.
struct BaoLacOnline {
  Province province;
  BaoLacTeam team{province};
  ServerProcess server{province.data};
  std::string establishment;

  BaoLacOnline() {
    loginAndSync({&team.lan, &team.giam}, server.port());
    establishment = team.lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  }
};

std::vector<std::string> codes(const json& establishments) {
  std::vector<std::string> out;
  for (const auto& e : establishments) out.push_back(e["fields"]["district"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("sync: what one inspector pushes reaches the province, and nobody sees beyond their scope", "[sync][e2e]") {
  Province province;
  ServerProcess server(province.data);
  Laptop lan{(province.dir / "lan").string(), "lan"}, minh{(province.dir / "minh").string(), "minh"},
      tinh{(province.dir / "tinh").string(), "tinh"};
  lan.loginTo(server.port());
  minh.loginTo(server.port());
  tinh.loginTo(server.port());

  SECTION("a fresh home needs no seed: its first sync pulls its district") {
    auto first = lan.runJson({"sync"});
    CHECK(first["pulled"].get<int>() > 0);
    auto mine = lan.runJson({"establishments"});
    REQUIRE_FALSE(mine.empty());
    for (const auto& d : codes(mine)) CHECK(d == "bao-lac");
    CHECK(tinh.runJson({"sync"})["pulled"].get<int>() > 50);
    CHECK(tinh.runJson({"establishments"}).size() == 47);
  }

  SECTION("a finalized inspection travels to the provincial officer and not to another district") {
    REQUIRE(lan.runJson({"sync"})["pulled"].get<int>() > 0);
    REQUIRE(minh.runJson({"sync"})["pulled"].get<int>() > 0);
    const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    const auto id = completeDraft(lan, establishment);
    REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);

    auto pushed = lan.runJson({"sync"});
    CHECK(pushed["pushed"] == 1);  // three local revisions, sent as one
    CHECK(pushed["refused"] == 0);
    CHECK(lan.runJson({"status"})["pending_changes"] == 0);

    tinh.runJson({"sync"});
    auto seen = tinh.runJson({"inspect", "show", id});
    CHECK(seen["status"] == "finalized");
    CHECK(seen["complete"] == true);
    CHECK(seen["author"] == "lan");
    minh.runJson({"sync"});
    CHECK(minh.run({"inspect", "show", id}).exit_code == 1);

    SECTION("a sync with nothing new is one small round trip") {
      auto idle = lan.runJson({"sync"});
      CHECK(idle["round_trips"] == 1);
      CHECK(idle["pushed"] == 0);
      CHECK(idle["pulled"] == 0);
      CHECK(idle["bytes_sent"].get<int>() <= 300);
      CHECK(idle["bytes_received"].get<int>() <= 300);
    }
  }

  SECTION("a revoked user's laptop is turned away and keeps its work") {
    REQUIRE(lan.runJson({"sync"})["pulled"].get<int>() > 0);
    const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    REQUIRE(lan.run({"inspect", "new", "--establishment", establishment}).exit_code == 0);
    REQUIRE(runProcess({serverBinary(), "--data", province.data, "user", "revoke", "lan"}).exit_code == 0);
    auto refused = lan.run({"sync"});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Catch::Contains("log in again"));
    CHECK(lan.runJson({"status"})["pending_changes"] == 1);
  }

  SECTION("a lost laptop revoked on its own is turned away, and its user goes on with another") {
    REQUIRE(lan.runJson({"sync"})["pulled"].get<int>() > 0);
    const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    REQUIRE(lan.run({"inspect", "new", "--establishment", establishment}).exit_code == 0);
    Laptop replacement{(province.dir / "lan-new").string(), "lan"};
    replacement.loginTo(server.port());
    const auto lost_device = [&] {
      SQLite::Database db(lan.home + "/fieldcheck.db", SQLite::OPEN_READONLY);
      return db.execAndGet("SELECT value FROM settings WHERE key = 'device_id'").getString();
    }();
    REQUIRE(json::parse(runProcess({serverBinary(), "--data", province.data, "device", "list", "--user", "lan", "--json"}).out).size() == 2);

    auto revoked = runProcess({serverBinary(), "--data", province.data, "device", "revoke", lost_device});
    INFO(revoked.err);
    REQUIRE(revoked.exit_code == 0);
    CHECK_THAT(revoked.out, Catch::Contains(lost_device) && Catch::Contains("its next sync is refused"));
    const auto devices = json::parse(runProcess({serverBinary(), "--data", province.data, "device", "list", "--json"}).out);
    for (const auto& d : devices) CHECK(d["revoked"] == (d["id"] == lost_device));

    auto refused = lan.run({"sync"});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Catch::Contains("log in again"));
    CHECK(lan.runJson({"status"})["pending_changes"] == 1);  // its work stays on it
    auto again = lan.login("http://127.0.0.1:" + std::to_string(server.port()));
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::Contains("access was revoked"));

    // The user, the other laptop and everyone else go on.
    CHECK(replacement.runJson({"sync"})["pulled"].get<int>() > 0);
    REQUIRE(replacement.run({"inspect", "new", "--establishment", establishment}).exit_code == 0);
    CHECK(replacement.runJson({"sync"})["pushed"] == 1);
    CHECK(minh.run({"sync"}).exit_code == 0);
    CHECK(runProcess({serverBinary(), "--data", province.data, "device", "revoke", "ffffffff"}).exit_code == 1);
  }

  SECTION("a laptop that cannot reach the server says so and loses nothing") {
    REQUIRE(lan.runJson({"sync"})["pulled"].get<int>() > 0);
    const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    REQUIRE(lan.run({"inspect", "new", "--establishment", establishment}).exit_code == 0);
    CHECK(server.stop(SIGTERM) == 0);
    auto offline = lan.run({"sync"});
    CHECK(offline.exit_code == 1);
    CHECK_THAT(offline.err, Catch::Contains("Cannot connect to the server"));
    CHECK_THAT(offline.err, Catch::Contains("next sync goes on from there"));
    CHECK(lan.runJson({"status"})["pending_changes"] == 1);
  }
}

TEST_CASE("sync: work done before a laptop's first login becomes its user's, and nobody logs in over another's unsent work",
          "[sync][e2e]") {
  Province province;
  province.addUser("hoa", {"--role", "inspector", "--district", "bao-lac"});
  Laptop lan{(province.dir / "lan").string(), "lan"};
  const Laptop hoa_on_lans_laptop{lan.home, "hoa"};
  // Lan sets her laptop up offline under a name of her own and inspects before she ever logs in.
  REQUIRE(lan.run({"init", "--seed", sampleSeed().string(), "--user", "Lan (máy huyện)"}).exit_code == 0);
  std::string code;
  for (const auto& e : lan.runJson({"establishments"}))
    if (e["fields"]["district"] == "bao-lac") code = e["fields"]["code"].get<std::string>();
  REQUIRE_FALSE(code.empty());
  const auto id = completeDraft(lan, code);
  // Offline still, she confirms a warning: the GPS she took is outside the province.
  REQUIRE(lan.run({"inspect", "set", id, "location=21.0278, 105.8342"}).exit_code == 0);
  REQUIRE(lan.run({"inspect", "confirm", id, "location_in_province"}).exit_code == 0);
  const auto drafted = lan.inspections().at(id);

  ServerProcess server(province.data);
  lan.loginTo(server.port());
  const auto renamed = lan.inspections().at(id);
  CHECK(renamed != drafted);  // the author is part of what a revision id hashes
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  CHECK(lan.runJson({"status"})["pending_changes"] == 0);
  auto authors = [&](const std::string& db_file, const std::string& sql) {
    SQLite::Database db(db_file, SQLite::OPEN_READONLY);
    SQLite::Statement st(db, sql);
    std::set<std::string> out;
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
  };
  CHECK(authors(province.data + "/provincial.db", "SELECT author FROM changes WHERE kind = 'inspection'") ==
        std::set<std::string>{"lan"});
  CHECK(authors(lan.home + "/fieldcheck.db", "SELECT author FROM revisions WHERE origin = 'local'") == std::set<std::string>{"lan"});
  // Her confirmation is hers too: a supervisor reads her login name, not the laptop's set-up name.
  const auto confirmations = authors(province.data + "/provincial.db",
                                     "SELECT value FROM heads, json_each(json_extract(fields, '$._confirmed.choices')) WHERE kind = 'inspection'");
  REQUIRE(confirmations.size() == 1);
  CHECK_THAT(*confirmations.begin(), Catch::StartsWith("location_in_province:") && Catch::EndsWith(":lan"));

  // Lan edits again: Hoa's login on Lan's laptop is refused before it reaches the server, and
  // Lan's work stays hers and still goes.
  REQUIRE(lan.run({"inspect", "set", id, "workers_total=5"}).exit_code == 0);
  auto refused = hoa_on_lans_laptop.login("http://127.0.0.1:" + std::to_string(server.port()));
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("unsent changes of lan") && Catch::Contains("thay đổi chưa gửi của lan"));
  CHECK(lan.runJson({"status"})["user"] == "lan");
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  CHECK(lan.runJson({"status"})["pending_changes"] == 0);
  CHECK(authors(province.data + "/provincial.db", "SELECT author FROM changes WHERE kind = 'inspection'") ==
        std::set<std::string>{"lan"});
}

TEST_CASE("sync: two inspectors correct the same record offline, a supervisor resolves the conflict offline, and all converge",
          "[sync][e2e]") {
  Province province;
  BaoLacTeam team(province);
  auto& [lan, hoa, giam] = team;
  const auto port = freePort();
  std::optional<ServerProcess> server;
  server.emplace(province.data, port);
  loginAndSync({&lan, &hoa, &giam}, port);
  const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();

  // Offline, Lan first and Hoa later: both change the number of workers, each one more field.
  REQUIRE(lan.run({"establishment", "set", code, "workers=14", "phone=0206 385 1111"}).exit_code == 0);
  REQUIRE(hoa.run({"establishment", "set", code, "workers=9", "status=closed"}).exit_code == 0);
  for (const auto* l : {&lan, &hoa, &lan, &hoa}) REQUIRE(l->run({"sync"}).exit_code == 0);

  const auto on_lan = lan.runJson({"establishment", "show", code});
  const auto on_hoa = hoa.runJson({"establishment", "show", code});
  CHECK(on_lan["revision"] == on_hoa["revision"]);
  CHECK(on_lan["fields"]["phone"] == "0206 385 1111");  // only Lan changed it
  CHECK(on_lan["fields"]["status"] == "closed");        // only Hoa changed it
  CHECK(on_lan["fields"]["workers"] == 9);              // both: Hoa's edit is the later one
  CHECK(hoa.runJson({"status"})["refused"].empty());
  CHECK(lan.runJson({"status"})["pending_changes"] == 0);
  // Lan's 14 was set aside for Hoa's 9: her laptop tells her, at each sync and in its status, and
  // Hoa's, whose values stand, says nothing.
  const auto told = lan.run({"sync"});
  CHECK_THAT(told.out, Catch::Contains("Số người lao động: giá trị 14 của bạn chờ giám sát viên quyết định (đang áp dụng: 9, của hoa)") &&
                           Catch::Contains("Number of workers: your 14 waits for a supervisor's decision (applied for now: 9, by hoa)"));
  const auto waiting = lan.runJson({"status"})["waiting_decisions"];
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0]["mine"] == "14");
  CHECK(waiting[0]["applied"] == "9");
  CHECK(waiting[0]["by"] == "hoa");
  CHECK_THAT(waiting[0]["record"].get<std::string>(), Catch::StartsWith(code));
  CHECK(hoa.runJson({"status"})["waiting_decisions"].empty());
  CHECK_THAT(hoa.run({"sync"}).out, !Catch::Contains("waits for a supervisor"));

  SQLite::Database db(province.data + "/provincial.db", SQLite::OPEN_READONLY);
  SQLite::Statement head(db, "SELECT h.revision FROM heads h WHERE json_extract(h.fields, '$.code') = ?");
  head.bind(1, code);
  REQUIRE(head.executeStep());
  CHECK(head.getColumn(0).getString() == on_lan["revision"].get<std::string>());

  // The server records one conflict, with both values and who wrote them.
  auto listed = runProcess({serverBinary(), "--data", province.data, "conflicts", "list", "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto records = json::parse(listed.out);
  REQUIRE(records.size() == 1);
  REQUIRE(records[0]["fields"].size() == 1);
  CHECK(records[0]["fields"][0]["field"] == "workers");
  CHECK(records[0]["fields"][0]["applied"] == 9);
  CHECK(records[0]["fields"][0]["other"] == 14);
  CHECK(records[0]["applied"]["author"] == "hoa");
  CHECK(records[0]["other"]["author"] == "lan");
  const auto number = std::to_string(records[0]["number"].get<int>());
  auto shown = runProcess({serverBinary(), "--data", province.data, "conflicts", "show", number});
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("workers") && Catch::Contains("lan") && Catch::Contains("hoa"));
  // Named as people know them: the establishment's code and name, the question's label.
  const auto name = on_lan["fields"]["name"].get<std::string>();
  CHECK_THAT(shown.out, Catch::Contains(code + " " + name) && Catch::Contains("Số người lao động / Number of workers"));
  auto one_line = runProcess({serverBinary(), "--data", province.data, "conflicts", "list"});
  CHECK_THAT(one_line.out, Catch::Contains(code + " " + name) && Catch::Contains("Số người lao động"));
  auto missing = runProcess({serverBinary(), "--data", province.data, "conflicts", "show", "999"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("conflicts list"));

  // Inspectors do not receive conflict records; the supervisor's laptop does.
  CHECK(lan.runJson({"conflicts", "list"}).empty());
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  const auto on_giam = giam.runJson({"conflicts", "list"});
  REQUIRE(on_giam.size() == 1);
  CHECK(on_giam[0]["number"] == records[0]["number"]);
  CHECK(on_giam[0]["fields"][0]["other"] == 14);
  CHECK(giam.runJson({"status"})["open_conflicts"] == 1);
  auto side_by_side = giam.run({"conflicts", "show", number});
  CHECK_THAT(side_by_side.out, Catch::Contains("Applied") && Catch::Contains("hoa") && Catch::Contains("lan"));
  CHECK_THAT(side_by_side.out, Catch::Contains(code + " " + name) && Catch::Contains("Số người lao động / Number of workers"));
  // The id that the list prints names it as well as its number, whole or by its beginning.
  const auto conflict_id = on_giam[0]["id"].get<std::string>();
  for (const auto& ref : {conflict_id, conflict_id.substr(0, 8), "#" + number}) {
    INFO(ref);
    auto by_ref = giam.runJson({"conflicts", "show", ref});
    CHECK(by_ref["number"] == on_giam[0]["number"]);
  }
  CHECK(giam.run({"conflicts", "show", "ffffffff"}).exit_code == 1);

  SECTION("the supervisor resolves it offline on the laptop, then every home and the server show it") {
    CHECK(server->stop(SIGTERM) == 0);
    auto by_inspector = lan.run({"conflicts", "resolve", number, "--take", "other"});
    CHECK(by_inspector.exit_code == 1);
    CHECK_THAT(by_inspector.err, Catch::Contains("supervisor"));
    auto undecided = giam.run({"conflicts", "resolve", number});
    CHECK(undecided.exit_code == 1);
    CHECK_THAT(undecided.err, Catch::Contains("--take"));
    auto resolved = giam.run({"conflicts", "resolve", number, "--take", "other"});
    INFO(resolved.err);
    REQUIRE(resolved.exit_code == 0);
    CHECK(giam.runJson({"conflicts", "list"}).empty());
    CHECK(giam.runJson({"conflicts", "list", "--all"})[0]["resolved_here"].is_string());
    CHECK(giam.runJson({"establishment", "show", code})["fields"]["workers"] == 14);
    CHECK(giam.run({"conflicts", "resolve", number, "--take", "applied"}).exit_code == 1);  // once only
    CHECK(giam.runJson({"status"})["pending_changes"] == 1);
    CHECK_FALSE(lan.runJson({"status"})["waiting_decisions"].empty());  // not decided until the decision arrives

    server.emplace(province.data, port);
    REQUIRE(giam.run({"sync"}).exit_code == 0);
    for (const auto* l : {&lan, &hoa, &giam}) {
      REQUIRE(l->run({"sync"}).exit_code == 0);
      const auto shown_now = l->runJson({"establishment", "show", code});
      CHECK(shown_now["fields"]["workers"] == 14);
      CHECK(shown_now["fields"]["status"] == "closed");
      CHECK(shown_now["fields"]["phone"] == "0206 385 1111");
      CHECK(shown_now["author"] == "giam");
    }
    CHECK(json::parse(runProcess({serverBinary(), "--data", province.data, "conflicts", "list", "--json"}).out).empty());
    CHECK(lan.runJson({"status"})["waiting_decisions"].empty());  // decided: nothing waits any more
    const auto all = json::parse(runProcess({serverBinary(), "--data", province.data, "conflicts", "list", "--all", "--json"}).out);
    REQUIRE(all.size() == 1);
    CHECK(all[0]["status"] == "resolved");
    CHECK(all[0]["resolved_by"] == "giam");
    const auto on_giam_now = giam.runJson({"conflicts", "list", "--all"});
    CHECK(on_giam_now[0]["status"] == "resolved");
    CHECK(giam.runJson({"status"})["open_conflicts"] == 0);

    // The history shows every revision: both edits, the merge and the resolution.
    auto history = giam.run({"history", code});
    CHECK_THAT(history.out, Catch::Contains("automatic merge") && Catch::Contains("conflict resolution") &&
                                Catch::Contains("lan") && Catch::Contains("hoa") && Catch::Contains("[workers] = 14"));
  }

  SECTION("resolved on the server with a new value; an inspector may not decide") {
    auto by_inspector = runProcess({serverBinary(), "--data", province.data, "conflicts", "resolve", number, "--take", "other", "--by", "hoa"});
    CHECK(by_inspector.exit_code == 1);
    auto bad_value = runProcess({serverBinary(), "--data", province.data, "conflicts", "resolve", number, "--set", "workers=nhiều", "--by", "giam"});
    CHECK(bad_value.exit_code == 1);
    CHECK_THAT(bad_value.err, Catch::Contains("workers"));
    REQUIRE(runProcess({serverBinary(), "--data", province.data, "conflicts", "resolve", number, "--set", "workers=12", "--by", "giam"}).exit_code == 0);
    CHECK(json::parse(runProcess({serverBinary(), "--data", province.data, "conflicts", "list", "--json"}).out).empty());
    for (const auto* l : {&lan, &hoa, &giam}) {
      REQUIRE(l->run({"sync"}).exit_code == 0);
      CHECK(l->runJson({"establishment", "show", code})["fields"]["workers"] == 12);
    }
    CHECK(giam.runJson({"conflicts", "list"}).empty());
    CHECK(lan.runJson({"status"})["waiting_decisions"].empty());  // a decision made on the server settles it too
  }
}

TEST_CASE("sync: an inspector's edit of an inspection finalized meanwhile is refused and shown, and a supervisor amends it",
          "[sync][e2e]") {
  Province province;
  BaoLacTeam team(province);
  auto& [lan, hoa, giam] = team;
  ServerProcess server(province.data);
  loginAndSync({&lan, &hoa, &giam}, server.port());
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  const auto id = completeDraft(lan, establishment);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  // Hoa finalizes the shared draft while Lan, offline, still corrects her copy.
  REQUIRE(hoa.run({"sync"}).exit_code == 0);
  REQUIRE(hoa.run({"inspect", "finalize", id}).exit_code == 0);
  REQUIRE(hoa.run({"sync"}).exit_code == 0);
  REQUIRE(lan.run({"inspect", "set", id, "workers_total=5"}).exit_code == 0);

  const auto synced = lan.runJson({"sync"});
  CHECK(synced["refused"] == 1);
  const auto status = lan.runJson({"status"});
  REQUIRE(status["refused"].size() == 1);
  CHECK(status["refused"][0]["code"] == "finalized");
  CHECK_THAT(lan.run({"status"}).out, Catch::Contains("ask a supervisor") && Catch::Contains("báo giám sát viên"));
  const auto on_lan = lan.runJson({"inspect", "show", id});
  CHECK(on_lan["status"] == "finalized");  // the server's record, not the refused edit
  auto again = lan.run({"inspect", "set", id, "workers_total=5"});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("ask a supervisor"));

  // The supervisor amends it with a new revision; an amendment that breaks it is refused.
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  CHECK(giam.run({"inspect", "set", id, "workers_total="}).exit_code == 1);
  auto amended = giam.run({"inspect", "set", id, "workers_total=5"});
  INFO(amended.err);
  REQUIRE(amended.exit_code == 0);
  REQUIRE(giam.runJson({"sync"})["refused"] == 0);
  for (const auto* l : {&lan, &hoa}) {
    REQUIRE(l->run({"sync"}).exit_code == 0);
    const auto shown = l->runJson({"inspect", "show", id});
    CHECK(shown["status"] == "finalized");
    CHECK(shown["author"] == "giam");
  }
  // Every revision stays in the history: Lan's draft, Hoa's finalization, the amendment.
  const auto history = hoa.runJson({"history", id});
  REQUIRE(history.size() >= 3);
  CHECK(history.back()["author"] == "giam");
  CHECK_THAT(hoa.run({"history", id}).out, Catch::Contains("lan") && Catch::Contains("hoa") &&
                                              Catch::Contains("Number of workers [workers_total] = 5"));
}

TEST_CASE("sync: on a laptop set up from the seed, work outside the inspector's district is refused at once, not at the next sync",
          "[sync][e2e]") {
  Province province;
  Laptop lan{(province.dir / "lan").string(), "lan"};
  REQUIRE(lan.run({"init", "--seed", sampleSeed().string()}).exit_code == 0);
  ServerProcess server(province.data);
  // Before its first login the laptop knows no district of its own: it inspects a Hà Quảng
  // establishment, which its login keeps (unsent work stays) with its district.
  std::string elsewhere;
  for (const auto& e : lan.runJson({"establishments"}))
    if (e["fields"]["district"] == "ha-quang") elsewhere = e["fields"]["code"].get<std::string>();
  REQUIRE_FALSE(elsewhere.empty());
  REQUIRE(lan.run({"inspect", "new", "--establishment", elsewhere}).exit_code == 0);
  lan.loginTo(server.port());
  for (const auto& args : std::vector<std::vector<std::string>>{{"inspect", "new", "--establishment", elsewhere},
                                                               {"establishment", "set", elsewhere, "phone=0206 385 9999"},
                                                               {"inspect", "new", "--district", "ha-quang", "--period", "2019-Q3"}}) {
    INFO(args[0] << " " << args[1]);
    auto refused = lan.run(args);
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Catch::Contains("outside your district (Bảo Lạc)") && Catch::Contains("ngoài huyện của bạn"));
  }
  // Nothing more waits than the work from before the login, which the server refuses with its reason.
  CHECK(lan.runJson({"status"})["pending_changes"] == 1);
  REQUIRE(lan.runJson({"sync"})["refused"] == 1);
  const auto refused = lan.runJson({"status"})["refused"];
  REQUIRE(refused.size() == 1);
  CHECK(refused[0]["code"] == "scope");
}

TEST_CASE("sync: an inspector discards a draft and the server keeps its history, and a finalized one is a supervisor's to discard",
          "[sync][e2e]") {
  BaoLacOnline online;
  auto& [lan, hoa, giam] = online.team;
  auto& province = online.province;
  const auto& establishment = online.establishment;
  const auto draft = completeDraft(lan, establishment), finalized = completeDraft(lan, establishment);
  REQUIRE(lan.run({"inspect", "finalize", finalized}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);

  auto refused = lan.run({"inspect", "discard", finalized});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("an inspector cannot discard it") && Catch::Contains("cán bộ kiểm tra không bỏ được"));
  REQUIRE(lan.run({"inspect", "discard", draft}).exit_code == 0);
  CHECK(lan.inspections().count(draft) == 0);
  auto shown = lan.run({"inspect", "show", draft});
  CHECK(shown.exit_code == 1);
  CHECK_THAT(shown.err, Catch::Contains("was discarded"));
  CHECK(lan.run({"history", draft}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);

  // On the server: the draft's head is its deletion, its history whole.
  auto serverRows = [&](const std::string& sql, const std::string& id) {
    SQLite::Database db(province.data + "/provincial.db", SQLite::OPEN_READONLY);
    SQLite::Statement st(db, sql);
    st.bind(1, id);
    REQUIRE(st.executeStep());
    return st.getColumn(0).getInt64();
  };
  CHECK(serverRows("SELECT c.deleted FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.id = ?", draft) == 1);
  CHECK(serverRows("SELECT count(*) FROM changes WHERE doc_id = ?", draft) >= 2);

  // The supervisor sees only the finalized one, and may discard it.
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  CHECK(giam.inspections().count(draft) == 0);
  REQUIRE(giam.inspections().count(finalized) == 1);
  REQUIRE(giam.run({"inspect", "discard", finalized}).exit_code == 0);
  REQUIRE(giam.runJson({"sync"})["refused"] == 0);
  CHECK(serverRows("SELECT c.deleted FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.id = ?", finalized) == 1);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  CHECK(lan.inspections().empty());
}

TEST_CASE("sync: a laptop whose clock is three years behind is warned, and its edits still merge field by field",
          "[sync][e2e]") {
  Province province;
  BaoLacTeam team(province, "-1095d");
  auto& [lan, hoa, giam] = team;
  ServerProcess server(province.data);
  for (const auto* l : {&lan, &hoa, &giam}) l->loginTo(server.port());
  auto first = lan.run({"sync"});
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("Warning: this laptop's clock is 1095 days behind the server's") &&
                            Catch::Contains("chậm hơn máy chủ 1095 ngày"));
  CHECK_THAT(lan.run({"status"}).out, Catch::Contains("1095 days behind"));
  auto on_time = hoa.run({"sync"});
  REQUIRE(on_time.exit_code == 0);
  CHECK_THAT(on_time.err, !Catch::Contains("clock"));
  const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();

  // Offline: Lan twice (her second edit is hers, whatever her clock says), Hoa once.
  REQUIRE(lan.run({"establishment", "set", code, "workers=14", "phone=0206 385 1111"}).exit_code == 0);
  REQUIRE(lan.run({"establishment", "set", code, "workers=15"}).exit_code == 0);
  CHECK(lan.runJson({"establishment", "show", code})["fields"]["workers"] == 15);
  REQUIRE(hoa.run({"establishment", "set", code, "workers=9", "status=closed"}).exit_code == 0);
  for (const auto* l : {&hoa, &lan, &hoa, &giam}) REQUIRE(l->run({"sync"}).exit_code == 0);

  const auto on_lan = lan.runJson({"establishment", "show", code});
  CHECK(on_lan["revision"] == hoa.runJson({"establishment", "show", code})["revision"]);
  CHECK(on_lan["fields"]["phone"] == "0206 385 1111");  // only Lan changed it: kept, however old her clock
  CHECK(on_lan["fields"]["status"] == "closed");
  CHECK(on_lan["fields"]["workers"] == 9);  // both changed it: Hoa's stamp is the later, provisionally
  const auto conflicts = giam.runJson({"conflicts", "list"});
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["fields"][0]["other"] == 15);  // Lan's value waits for the supervisor
  CHECK(conflicts[0]["other"]["author"] == "lan");
}

TEST_CASE("sync: a laptop whose clock is ten years ahead syncs its work, warned, and neither moves anyone's clock nor wins by it",
          "[sync][clock][e2e]") {
  Province province;
  BaoLacTeam team(province, "+3650d");
  auto& [lan, hoa, giam] = team;
  ServerProcess server(province.data);
  loginAndSync({&hoa, &giam}, server.port());
  lan.loginTo(server.port());
  auto first = lan.run({"sync"});
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("3650 days ahead of the server's") && Catch::Contains("nhanh hơn máy chủ 3650 ngày"));
  const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();

  // Both correct the same record offline: Lan first (her laptop says 2036) and syncs; Hoa after
  // her, before she has pulled Lan's edit.
  REQUIRE(lan.run({"establishment", "set", code, "workers=14", "phone=0206 385 1111"}).exit_code == 0);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  REQUIRE(hoa.run({"establishment", "set", code, "workers=9"}).exit_code == 0);
  for (const auto* l : {&hoa, &lan, &giam}) REQUIRE(l->run({"sync"}).exit_code == 0);

  // Lan's work arrived whole; the field both changed goes to Hoa, whose edit was the later by
  // the clock the server checks; Lan's value waits for the supervisor.
  const auto on_giam = giam.runJson({"establishment", "show", code});
  CHECK(on_giam["fields"]["phone"] == "0206 385 1111");
  CHECK(on_giam["fields"]["workers"] == 9);
  const auto conflicts = giam.runJson({"conflicts", "list"});
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0]["fields"][0]["other"] == 14);
  CHECK(conflicts[0]["other"]["author"] == "lan");

  // Pulling Lan's revisions moved no other laptop's clock into her decade: Hoa's and Giám's next
  // edits are stamped in this one.
  const auto decade_ahead = std::to_string(std::time(nullptr) + 5LL * 365 * 86'400) + "000";
  for (const auto* l : {&hoa, &giam}) {
    REQUIRE(l->run({"establishment", "set", code, "phone=0206 385 2222"}).exit_code == 0);
    SQLite::Database db(l->home + "/fieldcheck.db", SQLite::OPEN_READONLY);
    const auto stamp = db.execAndGet("SELECT hlc FROM revisions WHERE origin = 'local' ORDER BY seq DESC LIMIT 1").getString();
    INFO(l->user << "'s stamp " << stamp);
    CHECK(stamp.substr(0, 16) < std::string(16 - decade_ahead.size(), '0') + decade_ahead);
  }
  for (const auto* l : {&hoa, &giam}) REQUIRE(l->run({"sync"}).exit_code == 0);
}

TEST_CASE("sync: a laptop whose clock is behind stamps its next edit after the revision it pulled", "[sync][clock][e2e]") {
  Province province;
  BaoLacTeam team(province, "-1d");  // Lan's clock is a day behind; Hoa's is right
  auto& [lan, hoa, giam] = team;
  ServerProcess server(province.data);
  loginAndSync({&lan, &hoa}, server.port());
  const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  REQUIRE(hoa.run({"establishment", "set", code, "workers=9"}).exit_code == 0);
  REQUIRE(hoa.run({"sync"}).exit_code == 0);
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  REQUIRE(lan.runJson({"establishment", "show", code})["fields"]["workers"] == 9);
  REQUIRE(lan.run({"establishment", "set", code, "workers=10"}).exit_code == 0);

  // On Lan's laptop: the stamp of Hoa's revision she pulled, and of her own edit on top of it.
  auto stampOn = [&](const Laptop& laptop, const std::string& author) {
    SQLite::Database db(laptop.home + "/fieldcheck.db", SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT hlc FROM revisions WHERE kind = 'establishment' AND author = ? ORDER BY seq DESC LIMIT 1");
    st.bind(1, author);
    REQUIRE(st.executeStep());
    return st.getColumn(0).getString();
  };
  const auto pulled = stampOn(lan, "hoa"), own = stampOn(lan, "lan");
  INFO("pulled " << pulled << ", own " << own);
  CHECK(own > pulled);  // stamps are fixed-width text in stamp order
  CHECK(own.substr(0, 16) == pulled.substr(0, 16));  // her wall clock is behind: the same wall time, a later counter

  // The server takes her edit as the one after Hoa's: no conflict, her value is the head.
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  REQUIRE(hoa.run({"sync"}).exit_code == 0);
  CHECK(hoa.runJson({"establishment", "show", code})["fields"]["workers"] == 10);
}

TEST_CASE("review: a supervisor returns an inspection offline, the inspector corrects it, the server approves, and history "
          "keeps each round",
          "[sync][review][e2e]") {
  BaoLacOnline online;
  auto& [lan, hoa, giam] = online.team;
  auto& province = online.province;
  const auto& establishment = online.establishment;
  const auto id = completeDraft(lan, establishment);
  std::ofstream(province.dir / "phong.jpg", std::ios::binary) << sampleJpeg(20'000);
  REQUIRE(lan.run({"inspect", "attach", id, "photo_premises", (province.dir / "phong.jpg").string()}).exit_code == 0);
  // Everything the laptop keeps (its database, the photo) is its user's alone.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(lan.home)) {
    INFO(entry.path());
    CHECK((entry.status().permissions() & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
  }
  REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);
  // Finalized but not sent yet: the laptop says so, and does not call it submitted.
  CHECK(lan.runJson({"inspect", "show", id})["review_state"] == "finalized");
  CHECK(lan.runJson({"inspect", "list", "--status", "submitted"}).empty());
  CHECK_THAT(lan.run({"inspect", "show", id}).out, Catch::Contains("finalized, waiting to be sent") &&
                                                       Catch::Contains("Đã hoàn tất, chờ gửi"));
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);
  CHECK(lan.runJson({"inspect", "show", id})["review_state"] == "submitted");
  REQUIRE(giam.run({"sync"}).exit_code == 0);

  auto waiting = giam.runJson({"inspect", "list", "--status", "submitted"});
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0]["review_state"] == "submitted");
  // An inspector does not review, not even their own work.
  auto own = lan.run({"inspect", "review", id, "--approve"});
  CHECK(own.exit_code == 1);
  CHECK_THAT(own.err, Catch::Contains("Only a supervisor"));

  // The supervisor returns it before syncing again (saved on the laptop); a return needs its reason.
  auto bare = giam.run({"inspect", "review", id, "--return"});
  CHECK(bare.exit_code == 1);
  CHECK_THAT(bare.err, Catch::Contains("--comment"));
  REQUIRE(giam.run({"inspect", "review", id, "--return", "--comment", "Thiếu số lao động nữ / women workers miscounted"})
              .exit_code == 0);
  CHECK(giam.runJson({"status"})["pending_changes"] == 1);
  CHECK(giam.runJson({"inspect", "show", id})["review_state"] == "returned");
  REQUIRE(giam.runJson({"sync"})["refused"] == 0);
  // Lan's photo rode along in Giám's revision; it is Lan's to send, not a photo Giám lost.
  const auto giam_status = giam.runJson({"status"});
  CHECK(giam_status["pending_uploads"] == 0);
  CHECK(giam_status["refused_uploads"].empty());
  // Giám fetches it by the beginning of its SHA-256, as `inspect show` prints it.
  const auto photo_sha = giam.runJson({"inspect", "show", id})["fields"]["photo_premises"]["sha256"].get<std::string>();
  const auto fetched_file = province.dir / "fetched.jpg";
  auto fetched = giam.run({"attachment", "fetch", photo_sha.substr(0, 10), "--out", fetched_file.string()});
  INFO(fetched.err);
  CHECK(fetched.exit_code == 0);
  CHECK(fieldcheck::readWholeFile(fetched_file) == sampleJpeg(20'000));
  CHECK(giam.run({"attachment", "fetch", photo_sha.substr(0, 3)}).exit_code == 1);
  CHECK_THAT(giam.run({"attachment", "fetch", "0123456789"}).err, Catch::Contains("begins no photo"));

  // Back on the inspector's laptop as a draft with the comment; corrected and finalized again.
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto returned = lan.runJson({"inspect", "show", id});
  CHECK(returned["review_state"] == "returned");
  CHECK(returned["status"] == "draft");
  CHECK(lan.runJson({"status"})["returned"] == 1);
  CHECK_THAT(lan.run({"inspect", "show", id}).out, Catch::Contains("women workers miscounted"));
  REQUIRE(lan.run({"inspect", "set", id, "workers_women=3"}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);  // a correction keeps the supervisor's return
  REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);
  CHECK(lan.runJson({"inspect", "show", id})["review_state"] == "submitted");

  // The same review on the server: only an active supervisor in scope, named with --by.
  const auto prefix = id.substr(0, 8);
  auto by_inspector = runProcess({serverBinary(), "--data", province.data, "review", prefix, "--approve", "--by", "lan"});
  CHECK(by_inspector.exit_code == 1);
  province.addUser("giang", {"--role", "supervisor", "--district", "ha-quang"});
  auto other_district = runProcess({serverBinary(), "--data", province.data, "review", prefix, "--approve", "--by", "giang"});
  CHECK(other_district.exit_code == 1);
  CHECK_THAT(other_district.err, Catch::Contains("another district"));
  auto approved = runProcess({serverBinary(), "--data", province.data, "review", prefix, "--approve", "--by", "giam"});
  INFO(approved.err);
  REQUIRE(approved.exit_code == 0);
  CHECK_THAT(approved.out, Catch::Contains("Đã duyệt / Approved"));
  auto twice = runProcess({serverBinary(), "--data", province.data, "review", prefix, "--approve", "--by", "giam"});
  CHECK(twice.exit_code == 1);
  CHECK_THAT(twice.err, Catch::Contains("already approved"));

  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto shown = lan.runJson({"inspect", "show", id});
  CHECK(shown["review_state"] == "approved");
  CHECK(shown["status"] == "finalized");
  // An approved inspection is no longer the inspector's to edit.
  CHECK(lan.run({"inspect", "set", id, "workers_total=9"}).exit_code == 1);

  // Every round stays: the first finalization, the return, the correction, the second
  // finalization and the approval.
  const auto history = lan.runJson({"history", id});
  std::vector<std::string> reviews;
  for (const auto& r : history)
    if (r["fields"].contains("_review")) reviews.push_back(r["fields"]["_review"].get<std::string>());
  CHECK(std::count(reviews.begin(), reviews.end(), "returned") >= 1);
  CHECK(reviews.back() == "approved");
  CHECK(history.back()["author"] == "giam");
}

TEST_CASE("consolidation: what laptops sent becomes the plan report and exports of the real server program", "[sync][report][e2e]") {
  Province province;
  Laptop lan{(province.dir / "lan").string(), "lan"};
  province.addUser("giam", {"--role", "supervisor", "--district", "bao-lac"});
  ServerProcess server(province.data);
  lan.loginTo(server.port());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto establishments = lan.runJson({"establishments"});
  REQUIRE(establishments.size() >= 2);
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    ids.push_back(completeDraft(lan, establishments[i]["fields"]["code"].get<std::string>()));
    REQUIRE(lan.run({"inspect", "finalize", ids.back()}).exit_code == 0);
  }
  // A commune's periodic report, filled on the laptop like an inspection.
  auto form = lan.run({"--json", "form", "new", "--commune", "Xã Cô Ba", "--period", "2019-Q2"});
  REQUIRE(form.exit_code == 0);
  const auto form_id = nlohmann::json::parse(form.out)["id"].get<std::string>();
  REQUIRE(lan.run({"form", "set", form_id, "has_prevention_plan=c", "free_of_prostitution=c"}).exit_code == 0);
  REQUIRE(lan.run({"form", "finalize", form_id}).exit_code == 0);
  REQUIRE(lan.runJson({"sync"})["refused"] == 0);
  // Made within a minute, their ids begin alike: the list names each by its number, which finds it.
  std::istringstream listed(lan.run({"inspect", "list"}).out);
  std::string line;
  std::getline(listed, line);  // the header
  std::set<std::string> shown_ids;
  while (std::getline(listed, line) && line.find("phiếu / inspections") == std::string::npos) {
    const auto shown = line.substr(0, line.find(' '));
    auto found = lan.runJson({"inspect", "show", shown});
    CHECK(found["number"] == shown);
    shown_ids.insert(found["id"].get<std::string>());
  }
  CHECK(shown_ids == std::set<std::string>{ids[0], ids[1], form_id});
  auto server_cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {serverBinary(), "--data", province.data});
    return runProcess(args);
  };
  // Both inspections and the report began within a minute, so their ids share a long prefix: a
  // prefix that names several is refused, never taken for one of them.
  std::size_t common = 0;
  while (common < 32 && ids[0][common] == ids[1][common] && ids[0][common] == form_id[common]) ++common;
  if (common >= 4) {
    auto ambiguous = server_cli({"review", ids[0].substr(0, common), "--approve", "--by", "giam"});
    CHECK(ambiguous.exit_code == 1);
    CHECK_THAT(ambiguous.err, Catch::Contains("type more"));
  }
  auto reviewed = server_cli({"review", ids[0], "--approve", "--by", "giam"});
  INFO(reviewed.out << reviewed.err);
  REQUIRE(reviewed.exit_code == 0);
  const auto number = lan.runJson({"inspect", "show", ids[0]})["number"].get<std::string>();
  CHECK_THAT(reviewed.out, Catch::Contains(number));  // named by its number, as people say it
  // The number is as good as the id, in any case.
  const auto form_number = lan.runJson({"inspect", "show", form_id})["number"].get<std::string>();
  std::string typed = form_number;
  for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto by_number = server_cli({"review", typed, "--approve", "--by", "giam"});
  INFO(by_number.err);
  CHECK(by_number.exit_code == 0);
  CHECK_THAT(by_number.out, Catch::Contains(form_number));

  auto report = server_cli({"report", "--plan", "632-KH-UBND-2019", "--format", "json"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  const auto figures = json::parse(report.out);
  std::map<std::string, json> targets;
  for (const auto& t : figures["targets"]) targets[t["code"].get<std::string>()] = t;
  CHECK(targets["establishments_inspected"]["figure"] == 1);  // one approved; the other only submitted
  CHECK(targets["communes_with_plan"]["by_district"]["bao-lac"].get<double>() == Approx(100.0 / 3));
  CHECK(figures["inspections"]["bao-lac"]["approved"] == 1);
  CHECK(figures["inspections"]["bao-lac"]["submitted"] == 1);

  const auto html = province.dir / "report.html";
  REQUIRE(server_cli({"report", "--plan", "632-KH-UBND-2019", "--district", "Bảo Lạc", "--format", "html", "--out", html.string()})
              .exit_code == 0);
  const auto page = fieldcheck::readWholeFile(html);
  CHECK_THAT(page, Catch::Contains("<svg") && Catch::Contains("Bảo Lạc") && !Catch::Contains("<script"));

  // Exports: XLSX read back by openpyxl, CSV on standard output with its byte-order mark.
  const auto xlsx = province.dir / "inspections.xlsx";
  REQUIRE(server_cli({"export", "--kind", "inspection", "--format", "xlsx", "--out", xlsx.string()}).exit_code == 0);
  auto read = runProcess({"/usr/bin/python3", std::string(FIELDCHECK_TEST_DIR) + "/support/read_table.py", "xlsx", xlsx.string()});
  INFO(read.err);
  REQUIRE(read.exit_code == 0);
  const auto rows = json::parse(read.out)["rows"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][0] == "Số phiếu");
  CHECK(rows[0][1] == "Mã");
  std::set<std::string> exported{rows[1][1].get<std::string>(), rows[2][1].get<std::string>()};
  CHECK(exported == std::set<std::string>(ids.begin(), ids.end()));
  for (int row = 1; row <= 2; ++row)  // each record by the number its laptop gave it
    CHECK(rows[row][0] == lan.runJson({"inspect", "show", rows[row][1].get<std::string>()})["number"]);
  // Reports and exports name businesses and their owners: only their owner may read them.
  for (const auto& file : {html, xlsx}) {
    INFO(file);
    CHECK((std::filesystem::status(file).permissions() & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
  }
  auto csv = server_cli({"export", "--kind", "report", "--format", "csv"});
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK_THAT(csv.out, Catch::Contains("Xã Cô Ba") && Catch::Contains("2019-Q2"));
  auto no_file = server_cli({"export", "--kind", "inspection", "--format", "xlsx"});
  CHECK(no_file.exit_code == 1);
  CHECK_THAT(no_file.err, Catch::Contains("--out"));

  // The database stays open to SQL: a view per kind, a column per question.
  auto sql = runProcess({"/usr/bin/sqlite3", "-readonly", (std::filesystem::path(province.data) / "provincial.db").string(),
                         "SELECT count(*), sum(workers_total) FROM inspections WHERE state = 'approved' AND district = 'bao-lac';"});
  INFO(sql.err);
  REQUIRE(sql.exit_code == 0);
  CHECK(sql.out == "1|4\n");
  // Who reported and exported is in the audit log.
  auto audit = runProcess({"/usr/bin/sqlite3", "-readonly", (std::filesystem::path(province.data) / "provincial.db").string(),
                           "SELECT group_concat(DISTINCT action) FROM audit WHERE action IN ('report', 'export');"});
  CHECK_THAT(audit.out, Catch::Contains("report") && Catch::Contains("export"));
}

TEST_CASE("sync: an inspector's confirmation of a warning reaches the supervisor's laptop with who confirmed it",
          "[sync][e2e][constraint]") {
  BaoLacOnline online;
  auto& [lan, hoa, giam] = online.team;
  auto& province = online.province;
  const auto& establishment = online.establishment;
  const auto id = completeDraft(lan, establishment);
  // Far from Cao Bằng: a warning, which Lan confirms before she finalizes.
  REQUIRE(lan.run({"inspect", "set", id, "location=21.0278, 105.8342"}).exit_code == 0);
  CHECK(lan.run({"inspect", "finalize", id}).exit_code == 1);
  REQUIRE(lan.run({"inspect", "confirm", id, "location_in_province"}).exit_code == 0);
  REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);
  const auto synced = lan.runJson({"sync"});
  CHECK(synced["refused"] == 0);

  REQUIRE(giam.run({"sync"}).exit_code == 0);
  const auto shown = giam.runJson({"inspect", "show", id});
  CHECK(shown["status"] == "finalized");
  REQUIRE(shown["constraints"].size() == 1);
  CHECK(shown["constraints"][0]["id"] == "location_in_province");
  CHECK(shown["constraints"][0]["confirmed"] == true);
  CHECK(shown["constraints"][0]["confirmed_by"] == "lan");
  CHECK_THAT(giam.run({"inspect", "show", id}).out, Catch::Contains("confirmed by lan") && Catch::Contains("đã xác nhận bởi lan"));
  // The provincial office's export says which warning was confirmed, and by whom.
  const auto exported = runProcess({serverBinary(), "--data", province.data, "export", "--kind", "inspection", "--format", "csv"});
  REQUIRE(exported.exit_code == 0);
  CHECK_THAT(exported.out, Catch::Contains("Cảnh báo đã xác nhận") && Catch::Contains("location_in_province (lan)"));
}
