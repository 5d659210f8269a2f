// A server restored from a backup and the laptops that knew it before: what each kind of laptop
// does on its first sync with the restored server (see protocol.h on restores). A laptop that
// remembers the old identity is tested in test_backup_restore.cpp; here, a laptop that never heard
// one (updated from a version without identities), a laptop of protocol version 1, and a new
// laptop that logs in to the restored server.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <fstream>

#include "support/laptop.h"
#include "fieldcheck/bundle.h"
#include "fieldcheck/protocol.h"
#include "support/process.h"
#include "support/sample_inspection.h"
#include "support/server_checks.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::test;
using nlohmann::json;

namespace {

// A province whose server was backed up after the inspector "lan" of Bảo Lạc had synced once, and
// then acknowledged one more inspection; the backup restored into `restored`, not yet served. When
// `forget_identity`, lan's laptop forgets the server's identity, as a laptop updated from a
// version of Fieldcheck without identities never had one.
struct RestoredProvince {
  TempDir dir;
  std::filesystem::path data = dir / "data", restored = dir / "restored";
  Laptop lan{(dir / "lan").string(), "lan"};
  unsigned short port = freePort();  // the old server's and the restored one's: the laptops' address
  std::string establishment;

  explicit RestoredProvince(bool forget_identity) {
    REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
    REQUIRE(addServerUser(data.string(), "lan", {"--role", "inspector", "--district", "bao-lac"}));
    {
      ServerProcess server(data, port);
      REQUIRE(lan.login("http://127.0.0.1:" + std::to_string(port)).exit_code == 0);
      REQUIRE(lan.run({"sync"}).exit_code == 0);
      establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
      completeDraft(lan, establishment);
      REQUIRE(lan.run({"sync"}).exit_code == 0);
      REQUIRE(runProcess({serverBinary(), "--data", data.string(), "backup", "--to", (dir / "province.fcbackup").string()})
                  .exit_code == 0);
      // Acknowledged by the server after the backup: the restored server lacks it.
      completeDraft(lan, establishment);
      REQUIRE(lan.run({"sync"}).exit_code == 0);
      REQUIRE(server.stop(SIGTERM) == 0);
    }
    REQUIRE(acknowledgedRevisions(lan).size() == 2);
    if (forget_identity) {
      SQLite::Database db(lan.home + "/fieldcheck.db", SQLite::OPEN_READWRITE, 10'000);
      REQUIRE(db.exec("DELETE FROM settings WHERE key = 'server_id'") == 1);
    }
    REQUIRE(runProcess({serverBinary(), "--data", restored.string(), "restore", "--from", (dir / "province.fcbackup").string()})
                .exit_code == 0);
  }

  // Every revision lan's laptop had acknowledged is on the restored server, and nothing else of
  // lan's (the log's (document, revision) index is unique, so a revision twice would show as
  // another revision: a merge or a copy).
  void checkRestoredHoldsAll() const { checkServerHoldsExactly(restored, lan, 2); }

  // `laptop`, logged in and never synced, makes an inspection and carries it in a bundle to the
  // restored server: applied at once (not set aside as another history's), and acknowledged.
  void checkFirstBundleApplied(const Laptop& laptop) const {
    completeDraft(laptop, establishment);
    const auto bundle = dir / (laptop.user + ".fcb"), receipt = dir / (laptop.user + ".fcr");
    REQUIRE(laptop.run({"bundle", "export", bundle.string()}).exit_code == 0);
    const auto imported =
        runProcess({serverBinary(), "--data", restored.string(), "bundle", "import", bundle.string(), "--receipt", receipt.string()});
    INFO(imported.out << imported.err);
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.out, !Catch::Contains("restored from a backup"));
    REQUIRE(laptop.run({"bundle", "import", receipt.string()}).exit_code == 0);
    checkServerHoldsExactly(restored, laptop, 1);
  }
};

}  // namespace

TEST_CASE("restore: a laptop that never heard the server's identity sends again, once, what it had sent after the backup",
          "[backup][e2e]") {
  RestoredProvince province(true);
  ServerProcess server(province.restored, province.port);
  const auto synced = province.lan.run({"sync"});
  INFO(synced.out << synced.err);
  REQUIRE(synced.exit_code == 0);
  CHECK_THAT(synced.out, Catch::Contains("The server was restored from a backup; what it lacked was sent again."));
  province.checkRestoredHoldsAll();
  // The laptop now knows the restored server: a second sync sends nothing again.
  const auto again = province.lan.runJson({"sync", "--json"});
  CHECK(again["pushed"] == 0);
  CHECK_FALSE(again.contains("server_restored"));
  province.checkRestoredHoldsAll();
}

TEST_CASE("restore: a bundle from a laptop that never heard the server's identity is applied to nothing, and the next brings everything once",
          "[backup][bundle][e2e]") {
  RestoredProvince province(true);
  const auto import = [&](const std::string& name) {
    const auto bundle = province.dir / (name + ".fcb"), receipt = province.dir / (name + ".fcr");
    REQUIRE(province.lan.run({"bundle", "export", bundle.string()}).exit_code == 0);
    const auto imported = runProcess({serverBinary(), "--data", province.restored.string(), "bundle", "import", bundle.string(),
                                      "--receipt", receipt.string()});
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    return std::pair{imported.out, receipt};
  };
  // Made offline after the last sync: without the identity check, the restored server would take
  // it and never hear of the inspection acknowledged after the backup.
  completeDraft(province.lan, province.establishment);
  const auto before = serverRevisions(province.restored, laptopDevice(province.lan));
  CHECK(before.size() == 1);  // the inspection synced before the backup
  const auto [said, receipt] = import("first");
  CHECK_THAT(said, Catch::Contains("restored from a backup: none of its changes was applied"));
  CHECK(serverRevisions(province.restored, laptopDevice(province.lan)) == before);
  const auto taken = province.lan.run({"bundle", "import", receipt.string()});
  CHECK(taken.exit_code == 1);
  CHECK_THAT(taken.err, Catch::Contains("from a server restored from a backup") && Catch::Contains("export a new bundle"));
  const auto [said_again, receipt_again] = import("second");
  CHECK_THAT(said_again, !Catch::Contains("restored from a backup"));
  REQUIRE(province.lan.run({"bundle", "import", receipt_again.string()}).exit_code == 0);
  checkServerHoldsExactly(province.restored, province.lan, 3);
}

TEST_CASE("restore: a laptop of protocol version 1 is told to update Fieldcheck by a restored server, and nothing is applied",
          "[backup][e2e]") {
  RestoredProvince province(false);
  ServerProcess server(province.restored, province.port);
  SQLite::Database db(province.lan.home + "/fieldcheck.db", SQLite::OPEN_READONLY, 10'000);
  const auto token = db.execAndGet("SELECT value FROM settings WHERE key = 'token'").getString();
  const auto device = laptopDevice(province.lan);
  // A request of version 1 (no server_id) with an inspection new to the server.
  protocol::SyncRequest request;
  request.server_id.reset();
  request.push.push_back({1000, "", sampleInspection("lan", device, "bao-lac", {province.establishment}, 1)});
  const auto before = serverRevisions(province.restored, device);
  const auto reply = httpRequest(server.port(), "POST", "/v1/sync",
                                 {{"authorization", "Bearer " + token}, {"content-type", protocol::kJsonMediaType}, {"fieldcheck-protocol", "1"}},
                                 protocol::toJson(request).dump());
  INFO(reply.body);
  CHECK(reply.status == 409);
  const auto body = json::parse(reply.body);
  CHECK(body["error"]["code"] == "update_required");
  CHECK_THAT(body["error"]["vi"].get<std::string>(), Catch::Contains("Hãy cập nhật Fieldcheck"));
  CHECK_THAT(body["error"]["en"].get<std::string>(), Catch::Contains("Update Fieldcheck, then sync again"));
  CHECK(serverRevisions(province.restored, device) == before);

  // The same laptop with the program of today (version 2) goes on.
  REQUIRE(province.lan.run({"sync"}).exit_code == 0);
  province.checkRestoredHoldsAll();
}

TEST_CASE("restore: a new laptop that logs in to a restored server has its first bundle applied at once", "[backup][bundle][e2e]") {
  RestoredProvince province(false);
  REQUIRE(addServerUser(province.restored.string(), "binh", {"--role", "inspector", "--district", "bao-lac"}));
  Laptop binh{(province.dir / "binh").string(), "binh"};
  // Set up from the province's seed, as a district's laptop comes on a USB stick.
  REQUIRE(binh.run({"init", "--seed", sampleSeed().string()}).exit_code == 0);
  {
    ServerProcess server(province.restored, province.port);
    REQUIRE(binh.login("http://127.0.0.1:" + std::to_string(server.port())).exit_code == 0);
    REQUIRE(server.stop(SIGTERM) == 0);
  }
  // Offline from the login on: the laptop never synced, and its first bundle is its first contact.
  province.checkFirstBundleApplied(binh);
}

TEST_CASE("restore: a laptop that logged in to the server before its restore and never synced has its first bundle applied after logging in again",
          "[backup][bundle][e2e]") {
  RestoredProvince province(false);
  REQUIRE(addServerUser(province.data.string(), "binh", {"--role", "inspector", "--district", "bao-lac"}));
  Laptop binh{(province.dir / "binh").string(), "binh"};
  REQUIRE(binh.run({"init", "--seed", sampleSeed().string()}).exit_code == 0);
  {
    ServerProcess old_server(province.data, province.port);
    REQUIRE(binh.login("http://127.0.0.1:" + std::to_string(province.port)).exit_code == 0);
    REQUIRE(old_server.stop(SIGTERM) == 0);
  }
  // Binh is not in the backup: the restored server knows neither the user nor the laptop.
  REQUIRE(addServerUser(province.restored.string(), "binh", {"--role", "inspector", "--district", "bao-lac"}));
  {
    ServerProcess server(province.restored, province.port);
    REQUIRE(binh.login("http://127.0.0.1:" + std::to_string(province.port)).exit_code == 0);
    REQUIRE(server.stop(SIGTERM) == 0);
  }
  province.checkFirstBundleApplied(binh);
}

TEST_CASE("restore: a laptop that synced but never heard the server's identity does not take it at a new login, and still sends again what the backup lacks",
          "[backup][e2e]") {
  RestoredProvince province(true);
  ServerProcess server(province.restored, province.port);
  // Its token still works (it is in the backup); a login again, as after an expired token.
  REQUIRE(province.lan.login("http://127.0.0.1:" + std::to_string(province.port)).exit_code == 0);
  const auto synced = province.lan.run({"sync"});
  INFO(synced.out << synced.err);
  REQUIRE(synced.exit_code == 0);
  province.checkRestoredHoldsAll();
}

TEST_CASE("restore: a bundle of protocol version 1 is refused by a restored server with what to do, and nothing is applied",
          "[backup][bundle][e2e]") {
  RestoredProvince province(false);
  SQLite::Database db(province.lan.home + "/fieldcheck.db", SQLite::OPEN_READONLY, 10'000);
  const auto setting = [&](const std::string& key) {
    SQLite::Statement st(db, "SELECT value FROM settings WHERE key = ?");
    st.bind(1, key);
    REQUIRE(st.executeStep());
    return st.getColumn(0).getString();
  };
  const auto device = laptopDevice(province.lan);
  // As a laptop of version 1 writes it: its batches name no identity.
  bundle::Bundle old{device, setting("token"), {{{1000, "", sampleInspection("lan", device, "bao-lac", {province.establishment}, 1)}}},
                     0, {}, std::nullopt};
  const auto file = province.dir / "old.fcb";
  {
    std::ofstream out(file, std::ios::binary);
    out << bundle::writeBundle(old, setting("server_sealing_key"));
  }
  const auto before = serverRevisions(province.restored, device);
  const auto imported = runProcess({serverBinary(), "--data", province.restored.string(), "bundle", "import", file.string(),
                                    "--receipt", (province.dir / "old.fcr").string()});
  INFO(imported.out << imported.err);
  CHECK(imported.exit_code != 0);
  CHECK_THAT(imported.err, Catch::Contains("Hãy cập nhật Fieldcheck") && Catch::Contains("Update Fieldcheck, then sync again"));
  CHECK_FALSE(std::filesystem::exists(province.dir / "old.fcr"));
  CHECK(serverRevisions(province.restored, device) == before);
}
