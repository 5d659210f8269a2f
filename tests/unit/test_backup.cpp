// Backups: the archive's round trip, every kind of damage refused with nothing restored, the
// restored server's new identity, and what a laptop does when it meets a restored server.
#include <catch2/catch.hpp>

#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "backup.h"
#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/protocol.h"
#include "local_store.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "sync_engine.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
namespace fs = std::filesystem;

namespace {

const std::string kDevice = "0000000000000000000000000000d001";

// A provincial data folder with the sample province, a user, two inspections and a photo.
struct Province {
  test::TempDir dir;
  fs::path data = dir / "data";
  Identity lan{"lan", Role::kInspector, std::string("bao-lac"), kDevice};
  std::string photo = test::sampleJpeg(200'000);
  std::string photo_sha = sha256Hex(photo);
  std::int64_t highest_seq = 0;
  std::string server_id;

  Province() {
    makePrivateDir(data);
    auto storage = std::move(openSqliteStorage(data, true).value());
    const auto seed = loadSeed(test::sampleSeed()).value();
    REQUIRE(storage->importSeed(seed).ok());
    REQUIRE(storage->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
    REQUIRE(storage->enrolDevice("lan", kDevice, "laptop", newToken().hash).ok());
    (void)storage->serverKeys();  // the bundle keys, in keys/
    const Document* establishment = nullptr;
    for (const auto& d : seed.documents)
      if (d.kind == "establishment" && d.fields.at("district") == Value{std::string("bao-lac")}) establishment = &d;
    REQUIRE(establishment);
    std::vector<protocol::PushEntry> entries;
    for (int i = 1; i <= 2; ++i) {
      Fields answers{{"_establishment", establishment->id},
                     {"_template", seedDocumentId("template", "establishment-inspection")},
                     {"_district", establishment->fields.at("district")},
                     {"_status", "draft"}};
      if (i == 1) answers["photo_premises"] = AttachmentRef{photo_sha, photo.size(), "image/jpeg"};
      entries.push_back({i, "", firstRevision(newDocumentId(), "inspection", answers, "lan", kDevice, HybridTimestamp{1, 0})});
    }
    REQUIRE(pushBatch(lan, entries, *storage).refused.empty());
    REQUIRE(storage->appendUpload(lan, photo_sha, 0, photo.size(), "image/jpeg", photo, sha256Hex(photo)).value().state.complete);
    SQLite::Database db((data / "provincial.db").string(), SQLite::OPEN_READONLY);
    highest_seq = db.execAndGet("SELECT max(seq) FROM changes").getInt64();
    server_id = storage->identity().id;
  }
};

std::string readAll(const fs::path& file) { return readWholeFile(file); }

void writeAll(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A restore refused: says why, and leaves neither the folder nor a staging folder behind.
void requireRefused(const Result<RestoreSummary>& restored, const fs::path& target, const std::string& why) {
  REQUIRE_FALSE(restored.ok());
  CHECK_THAT(restored.problem().message.en, Catch::Contains(why));
  CHECK_FALSE(restored.problem().message.vi.empty());
  CHECK_FALSE(fs::exists(target));
  for (const auto& entry : fs::directory_iterator(target.parent_path()))
    CHECK(entry.path().filename().string().find(".restoring-") == std::string::npos);
}

}  // namespace

TEST_CASE("backup: an archive restores the database, the attachments and the keys, under a new identity", "[backup]") {
  Province p;
  REQUIRE(p.server_id.size() == 32);
  const auto archive = p.dir / "province.fcbackup";
  auto written = writeBackup(p.data, archive, std::nullopt);
  REQUIRE(written.ok());
  CHECK(written.value().server_id == p.server_id);
  CHECK(written.value().highest_seq == p.highest_seq);
  CHECK(written.value().attachments == 1);
  CHECK_FALSE(fs::exists(fs::path(archive.string() + ".partial")));
  // Compressed: the seed and the records shrink, the incompressible photo does not grow.
  CHECK(fs::file_size(archive) < written.value().database_bytes + p.photo.size());

  const auto target = p.dir / "restored";
  auto restored = restoreBackup(archive, target, std::nullopt);
  REQUIRE(restored.ok());
  CHECK(restored.value().backed_up_server_id == p.server_id);
  CHECK(restored.value().restored_seq == p.highest_seq);
  CHECK(restored.value().attachments == 1);
  CHECK(readAll(target / "attachments" / p.photo_sha.substr(0, 2) / p.photo_sha) == p.photo);
  CHECK(readAll(target / "keys" / "sealing.secret") == readAll(p.data / "keys" / "sealing.secret"));
  CHECK((fs::status(target / "keys" / "sealing.secret").permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);

  auto storage = std::move(openSqliteStorage(target, false).value());
  const auto identity = storage->identity();
  CHECK(identity.id == restored.value().server_id);
  CHECK(identity.id != p.server_id);
  CHECK(identity.id.size() == 32);
  CHECK(identity.restored_seq == p.highest_seq);
  CHECK(storage->documentCount("inspection") == 2);
  // The server's bundle keys came along: laptops' sealed bundles still open.
  auto original = std::move(openSqliteStorage(p.data, false).value());
  CHECK(storage->serverKeys().sealing.public_hex == original->serverKeys().sealing.public_hex);
  // Its answers carry the new identity, the restore's sequence and how far it holds the device.
  const auto answer = storage->pull({false, "bao-lac", kDevice, false}, 0, 10);
  CHECK(answer.server_id == identity.id);
  CHECK(answer.restored_seq == p.highest_seq);
  CHECK(answer.device_seq == 2);
  // Its photos are there for the device that sent them.
  CHECK(storage->uploadState(p.photo_sha, kDevice).complete);
}

TEST_CASE("backup: a sealed archive restores with its secret key only", "[backup]") {
  Province p;
  const auto pub = p.dir / "backup.pub", secret = p.dir / "backup.secret";
  REQUIRE(makeBackupKeys(pub, secret).ok());
  CHECK((fs::status(secret).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  CHECK_FALSE(makeBackupKeys(pub, p.dir / "other.secret").ok());  // never overwrites a key
  const auto archive = p.dir / "sealed.fcbackup";
  REQUIRE(writeBackup(p.data, archive, pub).value().sealed);
  // Nothing of the database shows through the seal.
  CHECK(readAll(archive).find("SQLite format 3") == std::string::npos);

  SECTION("with its key") {
    auto restored = restoreBackup(archive, p.dir / "restored", secret);
    REQUIRE(restored.ok());
    CHECK(restored.value().attachments == 1);
  }
  SECTION("without a key") {
    requireRefused(restoreBackup(archive, p.dir / "restored", std::nullopt), p.dir / "restored", "sealed");
  }
  SECTION("with another key") {
    REQUIRE(makeBackupKeys(p.dir / "other.pub", p.dir / "other.secret").ok());
    requireRefused(restoreBackup(archive, p.dir / "restored", p.dir / "other.secret"), p.dir / "restored", "another key");
  }
}

TEST_CASE("backup: an unsealed archive given a key is refused", "[backup]") {
  Province p;
  REQUIRE(makeBackupKeys(p.dir / "backup.pub", p.dir / "backup.secret").ok());
  const auto archive = p.dir / "plain.fcbackup";
  REQUIRE(writeBackup(p.data, archive, std::nullopt).ok());
  requireRefused(restoreBackup(archive, p.dir / "restored", p.dir / "backup.secret"), p.dir / "restored", "not sealed");
}

TEST_CASE("backup: a flipped byte anywhere in an archive is refused and nothing is restored", "[backup]") {
  Province p;
  const bool sealed = GENERATE(false, true);
  INFO("sealed: " << sealed);
  std::optional<fs::path> pub, secret;
  if (sealed) {
    pub = p.dir / "backup.pub";
    secret = p.dir / "backup.secret";
    REQUIRE(makeBackupKeys(*pub, *secret).ok());
  }
  const auto archive = p.dir / "province.fcbackup";
  REQUIRE(writeBackup(p.data, archive, pub).ok());
  const auto bytes = readAll(archive);
  // Every byte of the header and the end, and a spread of bytes between (a fixed stride).
  std::vector<std::size_t> places;
  for (std::size_t i = 0; i < std::min<std::size_t>(200, bytes.size()); ++i) places.push_back(i);
  for (std::size_t i = 200; i < bytes.size(); i += bytes.size() / 97 + 1) places.push_back(i);
  for (std::size_t i = bytes.size() > 64 ? bytes.size() - 64 : 0; i < bytes.size(); ++i) places.push_back(i);
  const auto damaged = p.dir / "damaged.fcbackup";
  const auto target = p.dir / "restored";
  for (const auto at : places) {
    auto copy = bytes;
    copy[at] = static_cast<char>(copy[at] ^ 0x01);
    writeAll(damaged, copy);
    INFO("byte " << at << " of " << bytes.size());
    const auto restored = restoreBackup(damaged, target, secret);
    REQUIRE_FALSE(restored.ok());
    REQUIRE_FALSE(fs::exists(target));
  }
}

TEST_CASE("backup: a truncated archive is refused and nothing is restored", "[backup]") {
  Province p;
  const auto archive = p.dir / "province.fcbackup";
  REQUIRE(writeBackup(p.data, archive, std::nullopt).ok());
  const auto bytes = readAll(archive);
  const auto cut = p.dir / "cut.fcbackup";
  const auto target = p.dir / "restored";
  for (const std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{13}, bytes.size() / 3, bytes.size() / 2,
                                 bytes.size() - 40, bytes.size() - 4, bytes.size() - 1}) {
    writeAll(cut, bytes.substr(0, keep));
    INFO("kept " << keep << " of " << bytes.size());
    requireRefused(restoreBackup(cut, target, std::nullopt), target, "truncated");
  }
  // And bytes added after its end.
  writeAll(cut, bytes + "x");
  requireRefused(restoreBackup(cut, target, std::nullopt), target, "damaged");
}

TEST_CASE("backup: a restore never writes into a folder that holds a database or anything else", "[backup]") {
  Province p;
  const auto archive = p.dir / "province.fcbackup";
  REQUIRE(writeBackup(p.data, archive, std::nullopt).ok());
  const auto before = readAll(p.data / "provincial.db");
  auto onLive = restoreBackup(archive, p.data, std::nullopt);
  REQUIRE_FALSE(onLive.ok());
  CHECK_THAT(onLive.problem().message.en, Catch::Contains("never overwrites") && Catch::Contains("new folder"));
  CHECK(readAll(p.data / "provincial.db") == before);

  const auto other = p.dir / "other";
  fs::create_directories(other);
  writeAll(other / "notes.txt", "keep me");
  auto onOther = restoreBackup(archive, other, std::nullopt);
  REQUIRE_FALSE(onOther.ok());
  CHECK_THAT(onOther.problem().message.en, Catch::Contains("not empty"));
  CHECK(readAll(other / "notes.txt") == "keep me");

  // An empty folder (made ready by an administrator) is fine.
  const auto empty = p.dir / "empty";
  fs::create_directories(empty);
  CHECK(restoreBackup(archive, empty, std::nullopt).ok());
}

TEST_CASE("backup: a file that is not a backup is refused as such", "[backup]") {
  test::TempDir dir;
  writeAll(dir / "photo.jpg", test::sampleJpeg(5'000));
  auto restored = restoreBackup(dir / "photo.jpg", dir / "restored", std::nullopt);
  REQUIRE_FALSE(restored.ok());
  CHECK_THAT(restored.problem().message.en, Catch::Contains("not a Fieldcheck backup"));
  CHECK_FALSE(fs::exists(dir / "restored"));
}

TEST_CASE("backup: a laptop that meets a restored server goes back to what both histories share", "[backup][sync]") {
  test::TempDir dir;
  auto opened = client::LocalStore::open(dir / "laptop.db", true);
  REQUIRE(opened.ok());
  auto& store = opened.value();
  // Five saves, all acknowledged by the old server, whose history the laptop pulled to 900.
  for (int i = 0; i < 5; ++i)
    REQUIRE(store.write(newDocumentId(), "note", [&](const Document*) -> Result<Fields> { return Fields{{"n", std::int64_t{i}}}; }).ok());
  protocol::SyncResponse answer;
  answer.acked_through = 5;
  answer.cursor = 900;
  answer.server_id = "0123456789abcdef0123456789abcdef";
  REQUIRE(store.restartWithServer(answer.server_id, 0, 0) == false);  // the first identity heard: remembered
  store.applySync(answer);
  REQUIRE(store.pendingChanges() == 0);
  REQUIRE(store.setting("pull_cursor") == "900");

  SECTION("the same identity again changes nothing") {
    CHECK_FALSE(store.restartWithServer(answer.server_id, 100, 2));
    CHECK(store.pendingChanges() == 0);
    CHECK(store.setting("pull_cursor") == "900");
  }
  SECTION("another identity: pull from the restore's sequence, send again what the server lacks") {
    CHECK(store.restartWithServer("fedcba9876543210fedcba9876543210", 700, 2));
    CHECK(store.setting("server_id") == "fedcba9876543210fedcba9876543210");
    CHECK(store.setting("pull_cursor") == "700");
    CHECK(store.pendingChanges() == 3);
    const auto batch = store.nextPushBatch(100);
    REQUIRE(batch.size() == 3);
    CHECK(batch.front().seq == 3);
    CHECK(batch.back().seq == 5);
    // New documents: sent with no base, as the first time.
    for (const auto& entry : batch) CHECK(entry.base_revision.empty());
  }
  SECTION("a laptop behind the restore's sequence keeps its cursor") {
    CHECK(store.restartWithServer("fedcba9876543210fedcba9876543210", 1'000, 5));
    CHECK(store.setting("pull_cursor") == "900");
    CHECK(store.pendingChanges() == 0);
  }
}

TEST_CASE("wire: the server's identity travels in version 2, and a laptop of version 1 is answered in version 1", "[wire][backup]") {
  protocol::SyncRequest request;
  request.cursor = 41;
  request.server_id = "0123456789abcdef0123456789abcdef";
  auto back = protocol::syncRequestFromBinary(protocol::toBinary(request));
  REQUIRE(back.ok());
  CHECK(back.value().server_id == request.server_id);
  auto from_json = protocol::syncRequestFromJson(protocol::toJson(request));
  REQUIRE(from_json.ok());
  CHECK(from_json.value().server_id == request.server_id);

  // A request of version 1 reads with no identity (nullopt), in both forms.
  request.server_id.reset();
  const auto v1 = protocol::toBinary(request);
  CHECK(v1.substr(1, 4) == std::string("\x01\x00\x00\x00", 4));  // SyncRequest's class version
  REQUIRE(protocol::syncRequestFromBinary(v1).ok());
  CHECK_FALSE(protocol::syncRequestFromBinary(v1).value().server_id.has_value());
  CHECK_FALSE(protocol::syncRequestFromJson(protocol::toJson(request)).value().server_id.has_value());

  protocol::SyncResponse response;
  response.cursor = 77;
  response.server_id = "fedcba9876543210fedcba9876543210";
  response.restored_seq = 70;
  response.device_seq = 12;
  auto again = protocol::syncResponseFromBinary(protocol::toBinary(response));
  REQUIRE(again.ok());
  CHECK(again.value().server_id == response.server_id);
  CHECK(again.value().restored_seq == 70);
  CHECK(again.value().device_seq == 12);
  auto again_json = protocol::syncResponseFromJson(protocol::toJson(response));
  REQUIRE(again_json.ok());
  CHECK(again_json.value().device_seq == 12);

  // Without an identity, the answer is byte for byte version 1, which laptops of version 1 read.
  response.server_id.clear();
  const auto answer_v1 = protocol::toBinary(response);
  CHECK(answer_v1.substr(1, 4) == std::string("\x01\x00\x00\x00", 4));
  CHECK_FALSE(protocol::toJson(response).contains("server_id"));

  // An identity that is not 32 lowercase hex digits is refused, and never written.
  response.server_id = "not an id";
  CHECK_FALSE(protocol::syncResponseFromJson(protocol::toJson(response)).ok());
  CHECK_THROWS(protocol::toBinary(response));
}

TEST_CASE("backup: a USB receipt from a restored server is not applied, and the laptop goes back as a sync would",
          "[backup][bundle]") {
  test::TempDir dir;
  auto opened = client::LocalStore::open(dir / "laptop.db", true);
  REQUIRE(opened.ok());
  auto& store = opened.value();
  for (int i = 0; i < 4; ++i)
    REQUIRE(store.write(newDocumentId(), "note", [&](const Document*) -> Result<Fields> { return Fields{{"n", std::int64_t{i}}}; }).ok());
  const auto signing = newSigningKeys();
  store.setSetting("server_signing_key", signing.public_hex);
  protocol::SyncResponse synced;
  synced.acked_through = 4;
  synced.cursor = 500;
  synced.server_id = "0123456789abcdef0123456789abcdef";
  store.restartWithServer(synced.server_id, 0, 0);
  store.applySync(synced);
  REQUIRE(store.pendingChanges() == 0);

  // The server's disk was lost; its backup, which held 1 of this laptop's 4, was restored.
  bundle::Receipt receipt;
  receipt.device = store.device();
  protocol::SyncResponse answer;
  answer.acked_through = 1;
  answer.cursor = 520;
  answer.server_id = "fedcba9876543210fedcba9876543210";
  answer.restored_seq = 450;
  answer.device_seq = 1;
  answer.changes.push_back(protocol::PulledChange::of(
      510, firstRevision(newDocumentId(), "note", Fields{{"n", std::int64_t{9}}}, "minh", "0000000000000000000000000000d009",
                         HybridTimestamp{1, 0})));
  receipt.answers.push_back(answer);
  const auto file = dir / "receipt.fcr";
  appendDurably(file, bundle::writeReceipt(receipt, signing.secret_hex));

  auto imported = client::importReceipt(store, file);
  REQUIRE_FALSE(imported.ok());
  CHECK_THAT(imported.problem().message.en, Catch::Contains("restored from a backup"));
  CHECK(store.setting("server_id") == answer.server_id);
  CHECK(store.setting("pull_cursor") == "450");
  CHECK(store.pendingChanges() == 3);  // sent again at the next sync
  CHECK(store.heads("note").size() == 4);  // nothing of the receipt's other history was stored
}
