// Sync with no link, end to end on the real programs: a bundle carried on a USB stick, applied by
// the server exactly once, and its signed receipt carried back.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::test;
using nlohmann::json;

namespace {

void writeFile(const std::filesystem::path& file, const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; }

}  // namespace

TEST_CASE("bundle: work carried on a USB stick is applied once, and the signed receipt closes it on the laptop",
          "[bundle][e2e]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  for (const auto* name : {"lan", "hoa"}) REQUIRE(addServerUser(data, name, {"--role", "inspector", "--district", "bao-lac"}));
  ServerProcess server(data);
  Laptop lan{(dir / "lan").string(), "lan"}, hoa{(dir / "hoa").string(), "hoa"};
  for (const auto* l : {&lan, &hoa}) {
    l->loginTo(server.port());
    REQUIRE(l->run({"sync"}).exit_code == 0);
  }
  auto changes = [&] {
    SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM changes").getInt64();
  };
  auto serverHas = [&](const std::string& id) {
    SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT count(*) FROM documents WHERE id = ?");
    st.bind(1, id);
    st.executeStep();
    return st.getColumn(0).getInt() == 1;
  };
  auto serverImport = [&](const std::filesystem::path& bundle, const std::filesystem::path& receipt) {
    return runProcess({serverBinary(), "--data", data, "bundle", "import", bundle.string(), "--receipt", receipt.string()});
  };

  // Weeks without a link: an inspection with its photo.
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"--json", "inspect", "new", "--establishment", establishment});
  REQUIRE(created.exit_code == 0);
  const auto id = nlohmann::json::parse(created.out)["id"].get<std::string>();
  REQUIRE(lan.run({"inspect", "set", id, "team_members=Đoàn liên ngành số 2", "workers_total=6"}).exit_code == 0);
  const auto photo = samplePng(300'000);
  writeFile(dir / "giay-phep.png", photo);
  REQUIRE(lan.run({"inspect", "attach", id, "photo_documents", (dir / "giay-phep.png").string()}).exit_code == 0);
  // The owner's signature, photographed: attached the same way; the same image again is stored once.
  REQUIRE(lan.run({"inspect", "attach", id, "signature_owner", (dir / "giay-phep.png").string()}).exit_code == 0);
  CHECK(lan.run({"inspect", "attach", id, "workers_total", (dir / "giay-phep.png").string()}).exit_code == 1);

  const auto usb = dir / "usb";
  std::filesystem::create_directories(usb);
  const auto exported = lan.runJson({"bundle", "export", (usb / "lan.fcb").string()});
  CHECK(exported["changes"] == 1);
  CHECK(exported["attachments"] == 1);
  const auto bundle = readWholeFile(usb / "lan.fcb");
  CHECK(bundle.find("Đoàn liên ngành") == std::string::npos);  // sealed: nothing readable on the stick
  CHECK(bundle.find(id) == std::string::npos);
  CHECK(lan.runJson({"status"})["pending_changes"] == 4);  // new, answers, photo, signature: kept until a receipt says otherwise

  SECTION("a damaged or cut bundle is refused and nothing is taken from it") {
    auto tampered = bundle;
    tampered[tampered.size() / 2] = static_cast<char>(tampered[tampered.size() / 2] ^ 0x01);
    writeFile(usb / "tampered.fcb", tampered);
    writeFile(usb / "cut.fcb", bundle.substr(0, bundle.size() - 1000));
    for (const auto* name : {"tampered.fcb", "cut.fcb"}) {
      auto refused = serverImport(usb / name, usb / "receipt.fcr");
      CHECK(refused.exit_code == 1);
      CHECK_THAT(refused.err, Catch::Contains("damaged, altered or cut short"));
    }
    CHECK_FALSE(serverHas(id));
  }

  SECTION("applied once, however often it is imported; the receipt closes it, and only on its laptop") {
    auto applied = serverImport(usb / "lan.fcb", usb / "receipt.fcr");
    INFO(applied.err);
    REQUIRE(applied.exit_code == 0);
    CHECK(serverHas(id));
    const auto sha = sha256Hex(photo);
    CHECK(readWholeFile(std::filesystem::path(data) / "attachments" / sha.substr(0, 2) / sha) == photo);
    const auto after_first = changes();
    REQUIRE(serverImport(usb / "lan.fcb", usb / "receipt-again.fcr").exit_code == 0);
    CHECK(changes() == after_first);

    auto not_mine = hoa.run({"bundle", "import", (usb / "receipt.fcr").string()});
    CHECK(not_mine.exit_code == 1);
    CHECK_THAT(not_mine.err, Catch::Contains("another laptop"));
    auto receipt = readWholeFile(usb / "receipt.fcr");
    receipt[receipt.size() - 10] = static_cast<char>(receipt[receipt.size() - 10] ^ 0x01);
    writeFile(usb / "forged.fcr", receipt);
    auto forged = lan.run({"bundle", "import", (usb / "forged.fcr").string()});
    CHECK(forged.exit_code == 1);
    CHECK_THAT(forged.err, Catch::Contains("not signed by this laptop's server, or was altered"));
    CHECK(lan.runJson({"status"})["pending_changes"] == 4);

    const auto closed = lan.runJson({"bundle", "import", (usb / "receipt.fcr").string()});
    CHECK(closed["acknowledged"] == 4);
    CHECK(closed["attachments"] == 1);
    const auto status = lan.runJson({"status"});
    CHECK(status["pending_changes"] == 0);
    CHECK(status["pending_uploads"] == 0);
    CHECK(lan.runJson({"sync"})["pushed"] == 0);  // the link back: nothing sent twice
    CHECK(changes() == after_first);

    // The other way round: changes that went online before their bundle arrived.
    REQUIRE(lan.run({"inspect", "set", id, "workers_total=7"}).exit_code == 0);
    REQUIRE(lan.run({"bundle", "export", (usb / "lan-2.fcb").string()}).exit_code == 0);
    REQUIRE(lan.runJson({"sync"})["pushed"] == 1);
    const auto after_online = changes();
    REQUIRE(serverImport(usb / "lan-2.fcb", usb / "receipt-2.fcr").exit_code == 0);
    CHECK(changes() == after_online);
    const auto revision = lan.runJson({"inspect", "show", id})["revision"];
    REQUIRE(lan.run({"bundle", "import", (usb / "receipt-2.fcr").string()}).exit_code == 0);
    CHECK(lan.runJson({"inspect", "show", id})["revision"] == revision);  // the older receipt regresses nothing
    CHECK(lan.runJson({"inspect", "show", id})["fields"]["workers_total"] == 7);
    CHECK(lan.runJson({"status"})["pending_changes"] == 0);
  }
}

TEST_CASE("attachments: a photo that cannot be sent is listed with why, and the others still go", "[attachments][e2e]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  ServerProcess server(data);
  Laptop lan{(dir / "lan").string(), "lan"};
  lan.loginTo(server.port());
  REQUIRE(lan.run({"sync"}).exit_code == 0);
  const auto establishment = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  auto created = lan.run({"--json", "inspect", "new", "--establishment", establishment});
  REQUIRE(created.exit_code == 0);
  const auto id = nlohmann::json::parse(created.out)["id"].get<std::string>();
  const auto kept = sampleJpeg(100'004, 1), lost = sampleJpeg(100'004, 2);
  writeFile(dir / "kept.jpg", kept);
  writeFile(dir / "lost.jpg", lost);
  REQUIRE(lan.run({"inspect", "attach", id, "photo_premises", (dir / "kept.jpg").string()}).exit_code == 0);
  REQUIRE(lan.run({"inspect", "attach", id, "photo_documents", (dir / "lost.jpg").string()}).exit_code == 0);
  // The laptop's copy of one photo is lost (a disk error, a careless cleanup).
  const auto lost_sha = sha256Hex(lost);
  std::filesystem::remove(std::filesystem::path(lan.home) / "attachments" / lost_sha.substr(0, 2) / lost_sha);

  const auto synced = lan.runJson({"sync"});
  CHECK(synced["pushed"] == 1);  // the record itself went first
  CHECK(synced["attachments_sent"] == 1);
  CHECK(synced["attachments_refused"] == 1);
  const auto status = lan.runJson({"status"});
  CHECK(status["pending_uploads"] == 0);
  REQUIRE(status["refused_uploads"].size() == 1);
  CHECK(status["refused_uploads"][0]["sha256"] == lost_sha);
  CHECK_THAT(status["refused_uploads"][0]["en"].get<std::string>(), Catch::Contains("attach it again"));
  const auto kept_sha = sha256Hex(kept);
  CHECK(readWholeFile(std::filesystem::path(data) / "attachments" / kept_sha.substr(0, 2) / kept_sha) == kept);
  // The server shows the record waiting for the photo that never came.
  const auto waiting = json::parse(runProcess({serverBinary(), "--data", data, "attachments", "waiting", "--json"}).out);
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0]["sha256"] == lost_sha);
  CHECK(waiting[0]["document"] == id);
}

TEST_CASE("sync: a laptop whose token expired unused is told so in the server's words, other refused logins still say log in again",
          "[sync][e2e]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  const auto port = freePort();
  Laptop lan{(dir / "lan").string(), "lan"};
  {
    ServerProcess server(data, port);
    lan.loginTo(port);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    server.stop(SIGTERM);
  }

  SECTION("unused longer than the server's days (90 by default): the server's reason, naming the expiry") {
    std::optional<ServerProcess> server;
    {
      // The server's wall clock 100 days ahead (faketime, preloaded into the server alone).
      setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", 1);
      setenv("FAKETIME", "+100d", 1);
      setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
      server.emplace(data, port);
      unsetenv("LD_PRELOAD");
      unsetenv("FAKETIME");
      unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
    }
    const auto sync = lan.run({"sync"});
    INFO(sync.err);
    CHECK(sync.exit_code != 0);
    CHECK_THAT(sync.err, Catch::Contains("expired after more than 90 days unused; log in again (fieldcheck login)"));
    CHECK_THAT(sync.err, Catch::Contains("đã hết hạn vì không dùng quá 90 ngày"));
    CHECK_THAT(sync.err, !Catch::Contains("revoked, or the server was restored"));
  }
  SECTION("a revoked laptop: the generic reason") {
    {
      SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READWRITE);
      REQUIRE(db.exec("UPDATE devices SET revoked = 1") == 1);
    }
    ServerProcess server(data, port);
    const auto sync = lan.run({"sync"});
    INFO(sync.err);
    CHECK(sync.exit_code != 0);
    CHECK_THAT(sync.err, Catch::Contains("revoked, or the server was restored from a backup older than this login?); log in again."));
    CHECK_THAT(sync.err, !Catch::Contains("expired"));
  }
}

TEST_CASE("bundle: a receipt for a bundle made before a restore carries the restored server's changes from where both histories "
          "share, not from the laptop's cursor",
          "[bundle][backup][e2e]") {
  TempDir dir;
  const auto data = dir / "data", restored = dir / "restored";
  REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
  for (const auto* name : {"lan", "hoa"}) REQUIRE(addServerUser(data.string(), name, {"--role", "inspector", "--district", "bao-lac"}));
  Laptop lan{(dir / "lan").string(), "lan"}, hoa{(dir / "hoa").string(), "hoa"};
  const auto setting = [](const std::string& db_file, const std::string& key) {
    SQLite::Database db(db_file, SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT value FROM settings WHERE key = ?");
    st.bind(1, key);
    return st.executeStep() ? st.getColumn(0).getString() : std::string();
  };
  const auto port = freePort();
  std::vector<std::string> hoa_inspections;
  {
    ServerProcess server(data, port);
    for (const auto* l : {&lan, &hoa}) {
      l->loginTo(port);
      REQUIRE(l->run({"sync"}).exit_code == 0);
    }
    REQUIRE(runProcess({serverBinary(), "--data", data.string(), "backup", "--to", (dir / "province.fcbackup").string()}).exit_code == 0);
    // After the backup: Hoa's three inspections, each written twice, and Lan pulls all six changes.
    // Lan's cursor ends past what the restored history will number Hoa's inspections sent again.
    const auto establishment = hoa.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    for (int i = 0; i < 3; ++i) hoa_inspections.push_back(completeDraft(hoa, establishment));
    REQUIRE(hoa.run({"sync"}).exit_code == 0);
    for (const auto& id : hoa_inspections) REQUIRE(hoa.run({"inspect", "set", id, "workers_total=5"}).exit_code == 0);
    REQUIRE(hoa.run({"sync"}).exit_code == 0);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    REQUIRE(server.stop(SIGTERM) == 0);
  }
  const auto restore =
      runProcess({serverBinary(), "--data", restored.string(), "restore", "--from", (dir / "province.fcbackup").string()});
  INFO(restore.err);
  REQUIRE(restore.exit_code == 0);
  {
    // Hoa syncs with the restored server and sends its inspections again (the first sync notices
    // the restore): the restored history numbers them just past what both share.
    ServerProcess server(restored, port);
    for (int i = 0; i < 2; ++i) REQUIRE(hoa.run({"sync"}).exit_code == 0);
    REQUIRE(server.stop(SIGTERM) == 0);
  }
  const auto restored_seq = std::stoll(setting((restored / "provincial.db").string(), "restored_seq"));
  const auto lan_cursor = std::stoll(setting(lan.home + "/fieldcheck.db", "pull_cursor"));
  {
    SQLite::Database db((restored / "provincial.db").string(), SQLite::OPEN_READONLY);
    for (const auto& id : hoa_inspections) {
      SQLite::Statement st(db, "SELECT max(seq) FROM changes WHERE doc_id = ?");
      st.bind(1, id);
      REQUIRE(st.executeStep());
      INFO(id);
      REQUIRE_FALSE(st.getColumn(0).isNull());
      // What makes the case: the laptop's cursor would skip them.
      REQUIRE(st.getColumn(0).getInt64() > restored_seq);
      REQUIRE(st.getColumn(0).getInt64() <= lan_cursor);
    }
  }

  // Lan, offline all along, sends a new inspection by USB stick to the restored server.
  completeDraft(lan, lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>());
  const auto bundle = dir / "lan.fcb", receipt = dir / "lan.fcr";
  REQUIRE(lan.run({"bundle", "export", bundle.string()}).exit_code == 0);
  const auto imported =
      runProcess({serverBinary(), "--data", restored.string(), "bundle", "import", bundle.string(), "--receipt", receipt.string()});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.out, Catch::Contains("restored from a backup: none of its changes was applied"));

  const auto read = bundle::readReceipt(readWholeFile(receipt), setting(lan.home + "/fieldcheck.db", "server_signing_key"),
                                        setting(lan.home + "/fieldcheck.db", "device_id"));
  INFO((read ? std::string() : read.problem().message.en));
  REQUIRE(read);
  std::set<std::string> carried;
  for (const auto& answer : read.value().answers)
    for (const auto& change : answer.changes) {
      CHECK(change.seq > std::min(lan_cursor, restored_seq));
      carried.insert(change.doc.id);
    }
  for (const auto& id : hoa_inspections) {
    INFO("Hoa's inspection " << id << ", sent again to the restored server");
    CHECK(carried.count(id) == 1);
  }
}
