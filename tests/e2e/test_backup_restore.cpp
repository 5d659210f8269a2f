// Backups end to end on the real programs: a backup taken while ten laptops sync, restored into a
// new folder and served on the same port; the laptops notice the restored server and send again
// what it lacks, exactly once, photos included, and converge; an approval of a revision the
// restored server lacks waits for it instead of being refused.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "fieldcheck/crypto.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_checks.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::test;
using nlohmann::json;

namespace {

constexpr int kLaptops = 10;

void writeFile(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool serverHoldsPhoto(const std::filesystem::path& data, const std::string& sha, const std::string& device) {
  if (!std::filesystem::exists(data / "attachments" / sha.substr(0, 2) / sha)) return false;
  SQLite::Database db((data / "provincial.db").string(), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement st(db, "SELECT 1 FROM attachment_holders WHERE sha256 = ? AND device = ?");
  st.bind(1, sha);
  st.bind(2, device);
  return st.executeStep();
}

// The server's head of document `id`: its revision, author, parents and fields.
json serverHead(const std::filesystem::path& data, const std::string& id) {
  SQLite::Database db((data / "provincial.db").string(), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement st(db, "SELECT revision, author, parents, fields FROM heads WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return json();
  return json{{"revision", st.getColumn(0).getString()},
              {"author", st.getColumn(1).getString()},
              {"parents", json::parse(st.getColumn(2).getString())},
              {"fields", json::parse(st.getColumn(3).getString())}};
}

// Every revision of document `id` in the server's log, by author, each with how many times.
std::map<std::pair<std::string, std::string>, int> serverLogOf(const std::filesystem::path& data, const std::string& id) {
  SQLite::Database db((data / "provincial.db").string(), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement st(db, "SELECT author, revision FROM changes WHERE doc_id = ?");
  st.bind(1, id);
  std::map<std::pair<std::string, std::string>, int> out;
  while (st.executeStep()) ++out[{st.getColumn(0).getString(), st.getColumn(1).getString()}];
  return out;
}

// The refusals a laptop holds (what `fieldcheck status` lists).
long long laptopRefusals(const Laptop& laptop) {
  SQLite::Database db(laptop.home + "/fieldcheck.db", SQLite::OPEN_READONLY, 10'000);
  return db.execAndGet("SELECT count(*) FROM refusals").getInt64();
}

// A province whose server is restored from a backup taken before `author` sent a finalized
// inspection and Giám, the district's supervisor, pulled it, approved it and sent his approval:
// the restored server has neither, both laptops hold both. Served again on the same port.
struct ApprovalAfterBackup {
  TempDir dir;
  std::filesystem::path data = dir / "data", restored = dir / "restored";
  Laptop author, giam{(dir / "giam").string(), "giam"};
  std::string id;  // the inspection
  std::optional<ServerProcess> server;

  ApprovalAfterBackup(const std::string& author_name, const std::string& author_role)
      : author{(dir / author_name).string(), author_name} {
    REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
    REQUIRE(addServerUser(data.string(), author_name, {"--role", author_role, "--district", "bao-lac"}));
    REQUIRE(addServerUser(data.string(), "giam", {"--role", "supervisor", "--district", "bao-lac"}));
    server.emplace(data);
    const auto port = server->port();
    for (const auto* laptop : {&author, &giam}) {
      laptop->loginTo(port);
      REQUIRE(laptop->run({"sync"}).exit_code == 0);
    }
    const auto establishment = author.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    const auto backup = runProcess({serverBinary(), "--data", data.string(), "backup", "--to", (dir / "province.fcbackup").string()});
    INFO(backup.err);
    REQUIRE(backup.exit_code == 0);
    id = completeDraft(author, establishment);
    REQUIRE(author.run({"inspect", "finalize", id}).exit_code == 0);
    REQUIRE(author.runJson({"sync"})["refused"] == 0);
    REQUIRE(giam.run({"sync"}).exit_code == 0);
    const auto approved = giam.run({"inspect", "review", id, "--approve"});
    INFO(approved.err);
    REQUIRE(approved.exit_code == 0);
    REQUIRE(giam.runJson({"sync"})["refused"] == 0);
    REQUIRE(server->stop(SIGTERM) == 0);
    server.reset();
    const auto restore = runProcess({serverBinary(), "--data", restored.string(), "restore", "--from", (dir / "province.fcbackup").string()});
    INFO(restore.err);
    REQUIRE(restore.exit_code == 0);
    REQUIRE(serverHead(restored, id).is_null());
    server.emplace(restored, port);
  }

  // Giám's laptop syncs first with the restored server: it sends his approval again, which is
  // neither refused nor lost but waits on the server for the revision it approves.
  void approverSyncsFirst() {
    const auto first = giam.runJson({"sync"});
    CHECK(first.value("server_restored", false));
    CHECK(first["refused"] == 0);
    CHECK(laptopRefusals(giam) == 0);
    CHECK(giam.runJson({"status"})["pending_changes"] == 0);
    const auto status = runProcess({serverBinary(), "--data", restored.string(), "status"});
    INFO(status.err);
    REQUIRE(status.exit_code == 0);
    CHECK_THAT(status.out, Catch::Contains("1 thay đổi chờ bản ghi mà chúng dựa vào") &&
                               Catch::Contains("1 changes wait for the record they are based on"));
  }

  // Both sync until neither has anything to send or pull; nothing waits in the server, and both
  // laptops hold the server's head. (Each revision is once in the server's log by its unique
  // index: the tests count the log's revisions by author instead.)
  json settle() {
    for (int round = 0; round < 2; ++round)
      for (const auto* laptop : {&author, &giam}) {
        const auto synced = laptop->runJson({"sync"});
        INFO(laptop->user << " round " << round << ": " << synced.dump());
        CHECK(synced["refused"] == 0);
      }
    const auto status = runProcess({serverBinary(), "--data", restored.string(), "status", "--json"});
    REQUIRE(status.exit_code == 0);
    CHECK(json::parse(status.out)["parked_changes"] == 0);
    const auto head = serverHead(restored, id);
    REQUIRE_FALSE(head.is_null());
    CHECK(author.inspections().at(id) == head["revision"]);
    CHECK(giam.inspections().at(id) == head["revision"]);
    CHECK(laptopRefusals(author) == 0);
    CHECK(laptopRefusals(giam) == 0);
    return head;
  }
};

// Runs `work(i)` for each laptop on its own thread; returns the failures they reported.
std::vector<std::string> onEveryLaptop(const std::function<std::optional<std::string>(int)>& work) {
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < kLaptops; ++i)
    threads.emplace_back([&, i] {
      if (auto failed = work(i)) {
        std::lock_guard lock(mutex);
        failures.push_back(*failed);
      }
    });
  for (auto& t : threads) t.join();
  return failures;
}

}  // namespace

TEST_CASE("backup: a backup taken during ten concurrent syncs, restored, loses nothing any laptop holds and duplicates nothing",
          "[backup][e2e]") {
  TempDir dir;
  const auto data = dir / "data";
  REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
  std::vector<Laptop> laptops;
  for (int i = 0; i < kLaptops; ++i) {
    const auto name = "insp" + std::to_string(i);
    REQUIRE(addServerUser(data.string(), name, {"--role", "inspector", "--district", "bao-lac"}));
    laptops.push_back({(dir / name).string(), name});
  }
  std::optional<ServerProcess> server;
  server.emplace(data);
  const auto port = server->port();
  REQUIRE(onEveryLaptop([&](int i) -> std::optional<std::string> {
            const auto login = laptops[i].login("http://127.0.0.1:" + std::to_string(port));
            if (login.exit_code != 0) return laptops[i].user + " login: " + login.err;
            const auto sync = laptops[i].run({"sync"});
            if (sync.exit_code != 0) return laptops[i].user + " sync: " + sync.err;
            return std::nullopt;
          }).empty());
  const auto establishment = laptops[0].runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  // Each laptop's photo taken before the backup, and the one taken after it.
  std::vector<std::string> devices, photos, later_photos;
  for (int i = 0; i < kLaptops; ++i) {
    devices.push_back(laptopDevice(laptops[i]));
    const auto photo = sampleJpeg(60'000 + static_cast<std::size_t>(i), i);
    writeFile(std::filesystem::path(laptops[i].home) / "photo.jpg", photo);
    photos.push_back(sha256Hex(photo));
    const auto later = sampleJpeg(70'000 + static_cast<std::size_t>(i), 100 + i);
    writeFile(std::filesystem::path(laptops[i].home) / "later.jpg", later);
    later_photos.push_back(sha256Hex(later));
  }

  // Each laptop: a new inspection (the first with a photo, and the first after the backup with
  // another), then a sync, over and over.
  std::atomic<bool> stop{false}, backed_up{false};
  std::atomic<int> cycles[kLaptops] = {};
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> workers;
  // Stopped and joined however the test leaves this scope (a failed REQUIRE throws).
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    void joinAll() {
      stop = true;
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
    ~Joiner() { joinAll(); }
  } joiner{stop, workers};
  for (int i = 0; i < kLaptops; ++i)
    workers.emplace_back([&, i] {
      const auto& laptop = laptops[i];
      auto failed = [&](const std::string& what, const ProcessResult& r) {
        std::lock_guard lock(mutex);
        failures.push_back(laptop.user + " " + what + ": " + r.err + r.out);
      };
      bool later_attached = false;
      while (!stop) {
        const bool after_backup = backed_up;
        const auto created = laptop.run({"--json", "inspect", "new", "--establishment", establishment});
        if (created.exit_code != 0) return failed("inspect new", created);
        if (cycles[i] == 0 || (after_backup && !later_attached)) {
          const auto id = json::parse(created.out)["id"].get<std::string>();
          const auto file = laptop.home + (cycles[i] == 0 ? "/photo.jpg" : "/later.jpg");
          const auto attached = laptop.run({"inspect", "attach", id, "photo_premises", file});
          if (attached.exit_code != 0) return failed("inspect attach", attached);
          later_attached = after_backup;
        }
        const auto synced = laptop.run({"sync"});
        if (synced.exit_code != 0) return failed("sync", synced);
        ++cycles[i];
      }
    });
  auto waitForCycles = [&](const std::vector<int>& at_least) {
    for (int i = 0; i < kLaptops; ++i)
      while (cycles[i] < at_least[i] && failures.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  waitForCycles(std::vector<int>(kLaptops, 2));

  // What each laptop had acknowledged before the backup began.
  std::vector<std::map<std::string, std::string>> before;
  for (const auto& laptop : laptops) before.push_back(acknowledgedRevisions(laptop));
  const auto backup = runProcess({serverBinary(), "--data", data.string(), "backup", "--to", (dir / "province.fcbackup").string()});
  INFO(backup.err << backup.out);
  REQUIRE(backup.exit_code == 0);
  backed_up = true;
  // And every laptop goes on past the backup: the server acknowledges work the backup lacks.
  std::vector<int> after_backup;
  for (const auto& c : cycles) after_backup.push_back(c + 2);
  waitForCycles(after_backup);
  joiner.joinAll();
  INFO((failures.empty() ? "" : failures.front()));
  REQUIRE(failures.empty());
  std::size_t acknowledged_after_backup = 0;
  for (int i = 0; i < kLaptops; ++i) acknowledged_after_backup += acknowledgedRevisions(laptops[i]).size() - before[i].size();
  REQUIRE(acknowledged_after_backup >= 2 * kLaptops);

  // The server's disk is lost; the backup is restored into a new folder and served on the same
  // port, the address the laptops keep.
  REQUIRE(server->stop(SIGTERM) == 0);
  server.reset();
  const auto restored = dir / "restored";
  const auto restore = runProcess({serverBinary(), "--data", restored.string(), "restore", "--from", (dir / "province.fcbackup").string()});
  INFO(restore.err);
  REQUIRE(restore.exit_code == 0);
  for (int i = 0; i < kLaptops; ++i) {
    const auto held = serverRevisions(restored, devices[i]);
    for (const auto& [doc, revision] : before[i]) {
      INFO(laptops[i].user << " acknowledged " << doc << " " << revision << " before the backup");
      CHECK(held.count({doc, revision}) == 1);
    }
    CHECK(serverHoldsPhoto(restored, photos[i], devices[i]));  // uploaded in the first cycle, before the backup
    CHECK_FALSE(serverHoldsPhoto(restored, later_photos[i], devices[i]));
  }
  server.emplace(restored, port);

  // Every laptop syncs twice: the first notices the new identity and sends again, the second
  // pulls what the others sent again.
  for (int round = 0; round < 2; ++round) {
    const auto failed = onEveryLaptop([&](int i) -> std::optional<std::string> {
      const auto sync = laptops[i].run({"--json", "sync"});
      if (sync.exit_code != 0) return laptops[i].user + " sync after the restore: " + sync.err;
      // The first says so (its text line says it in both languages; JSON here).
      if (round == 0 && !json::parse(sync.out).value("server_restored", false))
        return laptops[i].user + " first sync after the restore did not say the server was restored: " + sync.out;
      return std::nullopt;
    });
    INFO((failed.empty() ? "" : failed.front()));
    REQUIRE(failed.empty());
  }
  for (int i = 0; i < kLaptops; ++i) {
    INFO(laptops[i].user);
    CHECK(laptops[i].runJson({"status"})["pending_changes"] == 0);
    const auto ever = acknowledgedRevisions(laptops[i]);
    const auto held = serverRevisions(restored, devices[i]);
    std::set<std::string> docs_held;
    for (const auto& [key, count] : held) docs_held.insert(key.first);
    for (const auto& [doc, revision] : ever) {
      INFO("acknowledged " << doc << " " << revision);
      CHECK(held.count({doc, revision}) == 1);
    }
    // One revision per inspection (each was sent once, as its latest): nothing twice.
    CHECK(held.size() == ever.size());
    CHECK(docs_held.size() == ever.size());
    CHECK(serverHoldsPhoto(restored, photos[i], devices[i]));
    CHECK(serverHoldsPhoto(restored, later_photos[i], devices[i]));  // uploaded again
  }
  // Every laptop converged on the same inspections, as the server holds them.
  const auto heads = laptops[0].inspections();
  std::size_t written = 0;
  for (int i = 0; i < kLaptops; ++i) written += acknowledgedRevisions(laptops[i]).size();
  CHECK(heads.size() == written);
  for (int i = 1; i < kLaptops; ++i) {
    INFO(laptops[i].user);
    CHECK(laptops[i].inspections() == heads);
  }
}

TEST_CASE("backup: a USB bundle made before a restore changes nothing on the restored server, and the next one brings everything once",
          "[backup][bundle][e2e]") {
  TempDir dir;
  const auto data = dir / "data";
  REQUIRE(runProcess({serverBinary(), "--data", data.string(), "init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data.string(), "lan", {"--role", "inspector", "--district", "bao-lac"}));
  Laptop lan{(dir / "lan").string(), "lan"};
  const auto establishment = [&] {
    ServerProcess server(data);
    REQUIRE(lan.login("http://127.0.0.1:" + std::to_string(server.port())).exit_code == 0);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    const auto code = lan.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
    REQUIRE(runProcess({serverBinary(), "--data", data.string(), "backup", "--to", (dir / "province.fcbackup").string()}).exit_code == 0);
    // Acknowledged by the server after the backup: the restored server will lack it.
    completeDraft(lan, code);
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    REQUIRE(server.stop(SIGTERM) == 0);
    return code;
  }();
  // Made offline, after that sync: the bundle starts past what the restored server holds.
  completeDraft(lan, establishment);
  const auto restored = dir / "restored";
  REQUIRE(runProcess({serverBinary(), "--data", restored.string(), "restore", "--from", (dir / "province.fcbackup").string()})
              .exit_code == 0);
  const auto device = laptopDevice(lan);
  const auto import = [&](const std::string& name) {
    const auto bundle = dir / (name + ".fcb"), receipt = dir / (name + ".fcr");
    REQUIRE(lan.run({"bundle", "export", bundle.string()}).exit_code == 0);
    const auto imported = runProcess({serverBinary(), "--data", restored.string(), "bundle", "import", bundle.string(), "--receipt",
                                      receipt.string()});
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    return std::pair{imported.out, receipt};
  };

  const auto [said, receipt] = import("first");
  CHECK_THAT(said, Catch::Contains("restored from a backup: none of its changes was applied"));
  CHECK(serverRevisions(restored, device).empty());
  // The laptop takes the receipt as a sync's answer from a restored server: it goes back to what
  // the server holds of it, and its next bundle carries both inspections.
  const auto taken = lan.run({"bundle", "import", receipt.string()});
  CHECK(taken.exit_code == 1);
  CHECK_THAT(taken.err, Catch::Contains("from a server restored from a backup") && Catch::Contains("export a new bundle"));
  const auto [said_again, receipt_again] = import("second");
  CHECK_THAT(said_again, !Catch::Contains("restored from a backup"));
  REQUIRE(lan.run({"bundle", "import", receipt_again.string()}).exit_code == 0);
  checkServerHoldsExactly(restored, lan, 2);
}

TEST_CASE("backup: after a restore, an approval sent again before the revision it approves waits for it, then follows it once",
          "[backup][e2e]") {
  ApprovalAfterBackup province("lan", "inspector");
  auto& lan = province.author;
  auto& giam = province.giam;
  province.approverSyncsFirst();
  // Lan's laptop sends her inspection again: Giám's approval follows it at once.
  const auto sent = lan.runJson({"sync"});
  CHECK(sent.value("server_restored", false));
  CHECK(sent["refused"] == 0);

  const auto head = province.settle();
  CHECK(head["author"] == "giam");
  CHECK(head["fields"].value("_review", json()) == "approved");
  CHECK(head["fields"].value("_reviewed_by", json()) == "giam");
  const auto log = serverLogOf(province.restored, province.id);
  CHECK(log.size() == 2);  // Lan's revision and Giám's on top of it: no merge was needed
  REQUIRE(head["parents"].size() == 1);
  CHECK(log.count({"lan", head["parents"][0].get<std::string>()}) == 1);
  CHECK(log.count({"giam", head["revision"].get<std::string>()}) == 1);
  CHECK(lan.runJson({"inspect", "show", province.id})["review_state"] == "approved");
  CHECK(giam.runJson({"inspect", "show", province.id})["review_state"] == "approved");
  CHECK(giam.runJson({"conflicts", "list"}).empty());
}

TEST_CASE("backup: after a restore, an approval of a revision its author replaced by a later one before sending again is "
          "merged with it, nothing of the approval lost",
          "[backup][e2e]") {
  // The inspection's author is a supervisor too, who may amend a finalized inspection.
  ApprovalAfterBackup province("trang", "supervisor");
  auto& trang = province.author;
  auto& giam = province.giam;
  // Trang corrects her inspection before her laptop syncs with the restored server: it sends only
  // the correction, whose parent is the revision Giám approved, which thus never comes.
  const auto amended = trang.run({"inspect", "set", province.id, "workers_total=5"});
  INFO(amended.err);
  REQUIRE(amended.exit_code == 0);
  province.approverSyncsFirst();
  CHECK(trang.runJson({"sync"})["refused"] == 0);

  const auto head = province.settle();
  // Giám's approval is in the server's log once, and merged into the head with Trang's correction:
  // what the two set differently is a conflict Giám's laptop lists, both values kept.
  const auto log = serverLogOf(province.restored, province.id);
  CHECK(std::count_if(log.begin(), log.end(), [](const auto& r) { return r.first.first == "giam"; }) == 1);
  CHECK(std::count_if(log.begin(), log.end(), [](const auto& r) { return r.first.first == "trang"; }) == 1);
  CHECK(head["author"] == "server");
  CHECK(head["parents"].size() == 2);
  const auto conflicts = giam.runJson({"conflicts", "list"});
  auto listed = [&](const std::string& field, const json& value) {
    for (const auto& record : conflicts)
      for (const auto& f : record["fields"])
        if (f["field"] == field && (f["applied"] == value || f["other"] == value)) return true;
    return false;
  };
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{{"_review", "approved"}, {"_reviewed_by", "giam"}}) {
    INFO(field);
    CHECK((head["fields"].value(field, json()) == value || listed(field, value)));
  }
  CHECK(listed("workers_total", 4));  // Giám approved 4 workers, Trang corrected it to 5
  CHECK(listed("workers_total", 5));
  CHECK(conflicts.size() == 1);
}
