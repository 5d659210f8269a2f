// The client's local store and the inspector service on real SQLite files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "attachment_store.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/seed.h"
#include "inspector_service.h"
#include "local_store.h"
#include "support/sample_images.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::client;

namespace {

LocalStore openStore(const std::filesystem::path& file) {
  auto s = LocalStore::open(file, true);
  REQUIRE(s.ok());
  return std::move(s.value());
}

long long count(const std::filesystem::path& file, const std::string& sql) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::string fileBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

LocalStore::Edit setField(const std::string& name, Value value) {
  return [=](const Document* current) -> Result<Fields> {
    Fields f = current ? current->fields : Fields{};
    f[name] = value;
    return f;
  };
}

InspectorService initService(const test::TempDir& dir) {
  Home home{dir / "home"};
  auto init = initHome(home, test::sampleSeed(), "Nông Văn Kiểm");
  REQUIRE(init.ok());
  auto svc = InspectorService::open(home);
  REQUIRE(svc.ok());
  return std::move(svc.value());
}

std::string errors(const Problem& p) {
  std::string out = p.message.en;
  for (const auto& d : p.details) out += "\n" + d.en;
  return out;
}

}  // namespace

TEST_CASE("store: a save writes the document, its history and an outbox entry together", "[store]") {
  test::TempDir dir;
  const auto file = dir / "fieldcheck.db";
  auto store = openStore(file);
  const std::string id = "00000000000000000000000000000001";
  auto first = store.write(id, "inspection", setField("workers_total", 3));
  REQUIRE(first.ok());
  auto second = store.write(id, "inspection", setField("workers_total", 4));
  REQUIRE(second.ok());

  CHECK(count(file, "SELECT count(*) FROM documents") == 1);
  CHECK(count(file, "SELECT count(*) FROM revisions") == 2);
  CHECK(count(file, "SELECT count(*) FROM outbox") == 2);
  CHECK(count(file, "SELECT max(seq) FROM outbox") == count(file, "SELECT head_seq FROM documents"));
  CHECK(second.value().parents == std::vector<std::string>{first.value().revision});
  CHECK(second.value().stamp > first.value().stamp);
  CHECK(store.head(id)->fields.at("workers_total") == Value{4});
  CHECK(store.history(id).size() == 2);
  CHECK(store.pendingChanges() == 2);
  CHECK(count(file, "SELECT json_extract(fields, '$.workers_total') FROM heads") == 4);

  SECTION("an edit that refuses writes nothing") {
    auto refused = store.write(id, "inspection", [](const Document*) -> Result<Fields> {
      return problem("không", "no");
    });
    CHECK_FALSE(refused.ok());
    CHECK(count(file, "SELECT count(*) FROM revisions") == 2);
    CHECK(count(file, "SELECT count(*) FROM outbox") == 2);
  }
  SECTION("an edit that changes nothing makes no revision") {
    auto same = store.write(id, "inspection", setField("workers_total", 4));
    REQUIRE(same.ok());
    CHECK(same.value().revision == second.value().revision);
    CHECK(count(file, "SELECT count(*) FROM outbox") == 2);
  }
}

TEST_CASE("store: an acknowledgement of a batch whose answer was lost bases the next push on what the server got",
          "[store]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string a = "00000000000000000000000000000001", b = "00000000000000000000000000000002";
  const auto a1 = store.write(a, "establishment", setField("owner", "một")).value();
  REQUIRE(store.write(b, "establishment", setField("owner", "hai")).ok());
  const auto a2 = store.write(a, "establishment", setField("owner", "ba")).value();
  // The first batch carries a as its latest revision, a2 (a1 coalesced away); its answer is lost.
  const auto lost = store.nextPushBatch(10);
  REQUIRE(lost.size() == 2);
  CHECK(lost.back().doc.revision == a2.revision);
  const auto a3 = store.write(a, "establishment", setField("address", "bốn")).value();
  // The next, smaller batch sends a1 again; the server acknowledges through the lost batch's end.
  const auto resent = store.nextPushBatch(1);
  REQUIRE(resent.size() == 1);
  CHECK(resent[0].doc.revision == a1.revision);
  protocol::SyncResponse ack;
  ack.acked_through = lost.back().seq;
  store.applySync(ack);
  const auto next = store.nextPushBatch(10);
  REQUIRE(next.size() == 1);
  CHECK(next[0].doc.revision == a3.revision);
  CHECK(next[0].base_revision == a2.revision);  // what the server has, not a1 it never received
}

TEST_CASE("store: a pulled revision never replaces an edit still waiting to be sent", "[store]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string a = "00000000000000000000000000000001", b = "00000000000000000000000000000002";
  const auto a1 = store.write(a, "establishment", setField("owner", "một")).value();
  const auto b1 = store.write(b, "establishment", setField("owner", "hai")).value();
  protocol::SyncResponse acked;
  acked.acked_through = store.nextPushBatch(10).back().seq;
  store.applySync(acked);
  const auto a2 = store.write(a, "establishment", setField("owner", "ba")).value();  // waits to be sent
  REQUIRE(store.pendingChanges() == 1);

  // Another laptop changed both records on the server; this laptop pulls the two revisions.
  const std::string other = "0000000000000000000000000000beef";
  auto theirs = [&](const Document& base) {
    return nextRevision(base, {{"owner", Value{"của máy khác"}}}, "hoa", other, HybridTimestamp{base.stamp.wall_ms + 1, 0});
  };
  const auto a_theirs = theirs(a1), b_theirs = theirs(b1);
  protocol::SyncResponse page;
  page.acked_through = acked.acked_through;
  page.changes = {protocol::PulledChange::of(1, a_theirs), protocol::PulledChange::of(2, b_theirs)};
  page.cursor = 2;
  CHECK(store.applySync(page) == 2);

  // A record with no local edit takes the pulled revision; the one with a pending edit keeps it on
  // top, still based on what the server had when it was made, so the server merges the two.
  CHECK(store.head(b)->revision == b_theirs.revision);
  CHECK(store.head(a)->revision == a2.revision);
  CHECK(store.head(a)->fields.at("owner") == Value{"ba"});
  CHECK(store.pendingChanges() == 1);
  const auto next = store.nextPushBatch(10);
  REQUIRE(next.size() == 1);
  CHECK(next[0].doc.revision == a2.revision);
  CHECK(next[0].base_revision == a1.revision);
  CHECK(store.history(a).size() == 3);  // its own two and the pulled one, kept for history
}

TEST_CASE("store: a pulled revision stamped ahead moves this laptop's clock, so its next edit comes after it", "[store][clock]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string id = "00000000000000000000000000000001";
  const auto mine = store.write(id, "establishment", setField("owner", "một")).value();
  protocol::SyncResponse acked;
  acked.acked_through = store.nextPushBatch(10).back().seq;
  store.applySync(acked);

  // Another laptop's clock and the server's run a day ahead of this one's.
  const HybridTimestamp ahead{mine.stamp.wall_ms + 24LL * 3600 * 1000, 7};
  const auto theirs = nextRevision(mine, {{"owner", Value{"hai"}}}, "hoa", "0000000000000000000000000000beef", ahead);
  protocol::SyncResponse page;
  page.acked_through = acked.acked_through;
  page.changes = {protocol::PulledChange::of(1, theirs)};
  page.cursor = 1;
  page.server_wall_ms = ahead.wall_ms;
  REQUIRE(store.applySync(page) == 1);
  REQUIRE(store.head(id)->revision == theirs.revision);

  SECTION("an edit of the same record") {
    const auto next = store.write(id, "establishment", setField("owner", "ba")).value();
    CHECK(next.stamp > ahead);
    CHECK(next.parents == std::vector<std::string>{theirs.revision});
  }
  SECTION("an edit of another record, after the store is opened again") {
    auto reopened = openStore(dir / "fieldcheck.db");
    const auto next = reopened.write("00000000000000000000000000000002", "establishment", setField("owner", "bốn")).value();
    CHECK(next.stamp > ahead);
  }
}

TEST_CASE("store: a pulled revision stamped beyond the server's clock moves this laptop's clock only as far as the server's",
          "[store][clock]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string id = "00000000000000000000000000000001";
  const auto mine = store.write(id, "establishment", setField("owner", "một")).value();
  // A laptop that forged the year 2500 (or whose clock says so), pulled through a server whose
  // clock reads an hour after this laptop's; the stamp's counter is as full as it gets.
  const HybridTimestamp year_2500{16'725'225'600'000, HybridTimestamp::kMaxCounter};
  const auto theirs = nextRevision(mine, {{"owner", Value{"hai"}}}, "hoa", "0000000000000000000000000000beef", year_2500);
  protocol::SyncResponse page;
  page.changes = {protocol::PulledChange::of(1, theirs)};
  page.cursor = 1;
  page.server_wall_ms = mine.stamp.wall_ms + 3'600'000;
  REQUIRE(store.applySync(page) == 1);

  auto reopened = openStore(dir / "fieldcheck.db");
  const auto next = reopened.write("00000000000000000000000000000002", "establishment", setField("owner", "bốn")).value();
  CHECK(next.stamp.valid());
  CHECK(next.stamp.wall_ms <= page.server_wall_ms + 1);  // at most the server's clock, then one tick
  CHECK(next.stamp > mine.stamp);
  // And what it writes next is still a stamp the server takes.
  const auto after = reopened.write(id, "establishment", setField("owner", "năm")).value();
  CHECK(after.stamp > next.stamp);
  CHECK(after.stamp.valid());
}

TEST_CASE("store: a photo another laptop attached is not this laptop's to upload, even when its revision carries it",
          "[store][attachments]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string id = "00000000000000000000000000000001";
  const AttachmentRef theirs{std::string(64, 'a'), 1'000, "image/jpeg"}, mine{std::string(64, 'b'), 2'000, "image/jpeg"};
  // Hoa's inspection with her photo, pulled by her supervisor's laptop.
  const auto pulled = firstRevision(id, "inspection", {{"photo_premises", theirs}, {"workers_total", 3}}, "hoa",
                                    "0000000000000000000000000000beef", HybridTimestamp{1'000, 0});
  protocol::SyncResponse page;
  page.changes = {protocol::PulledChange::of(1, pulled)};
  page.cursor = 1;
  page.server_wall_ms = 2'000;
  REQUIRE(store.applySync(page) == 1);

  // The supervisor amends an answer: the revision carries Hoa's photo, which stays hers to send.
  REQUIRE(store.write(id, "inspection", setField("workers_total", 4)).ok());
  CHECK(store.uploads(false).empty());
  // A photo attached on this laptop is this laptop's to send.
  REQUIRE(store.write(id, "inspection", setField("photo_documents", mine)).ok());
  const auto uploads = store.uploads(false);
  REQUIRE(uploads.size() == 1);
  CHECK(uploads[0].ref == mine);

  SECTION("a store from before, which listed Hoa's photo among its own, forgets it when opened again") {
    {
      SQLite::Database db((dir / "fieldcheck.db").string(), SQLite::OPEN_READWRITE);
      db.exec("INSERT INTO uploads(sha256, size, media_type, seq, refused_vi, refused_en) "
              "SELECT '" + theirs.sha256 + "', 1000, 'image/jpeg', min(seq), 'x', 'no longer on this laptop' "
              "FROM revisions WHERE origin = 'local'; PRAGMA user_version = 2");
    }
    REQUIRE(store.uploads(false).size() == 2);
    auto reopened = openStore(dir / "fieldcheck.db");
    const auto left = reopened.uploads(false);
    REQUIRE(left.size() == 1);
    CHECK(left[0].ref == mine);
  }
}

// [posix]: a full disk is Linux's /dev/full, which Windows has not; the Windows unit tests leave it out.
TEST_CASE("attachments: a photo that cannot be written whole (a full disk) leaves nothing behind, and what is kept is owner-only",
          "[store][attachments][posix]") {
  namespace fs = std::filesystem;
  test::TempDir dir;
  const AttachmentStore files(dir / "attachments");
  const auto jpeg = test::sampleJpeg(5'000);
  const AttachmentRef ref{sha256Hex(jpeg), jpeg.size(), "image/jpeg"};
  // The photo's file being written is the device that is always full: every write fails with ENOSPC.
  const auto part = fs::path(files.pathOf(ref).string() + ".part");
  fs::create_directories(part.parent_path());
  fs::create_symlink("/dev/full", part);
  auto full = files.store(jpeg, "a.jpg");
  REQUIRE_FALSE(full.ok());
  CHECK_THAT(full.problem().message.en, Catch::Contains("disk full") && Catch::Contains("nothing was kept"));
  CHECK_FALSE(fs::exists(fs::symlink_status(part)));
  CHECK_FALSE(fs::exists(files.pathOf(ref)));
  // With room again, the same photo is stored, readable by its owner only.
  REQUIRE(files.store(jpeg, "a.jpg").ok());
  CHECK(readWholeFile(files.pathOf(ref)) == jpeg);
  CHECK((fs::status(files.pathOf(ref)).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  CHECK_FALSE(fs::exists(part));
}

TEST_CASE("store: an older acknowledgement arriving late brings back no change already acknowledged", "[store]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string a = "00000000000000000000000000000001", b = "00000000000000000000000000000002";
  REQUIRE(store.write(a, "establishment", setField("owner", "một")).ok());
  const auto first = store.nextPushBatch(10).back().seq;
  REQUIRE(store.write(b, "establishment", setField("owner", "hai")).ok());
  const auto second = store.nextPushBatch(10).back().seq;
  protocol::SyncResponse online;
  online.acked_through = second;
  store.applySync(online);
  REQUIRE(store.pendingChanges() == 0);
  // The receipt of a bundle carried on a USB stick, made before that sync, is imported after it.
  protocol::SyncResponse late_receipt;
  late_receipt.acked_through = first;
  store.applySync(late_receipt);
  CHECK(store.pendingChanges() == 0);
  CHECK(store.nextPushBatch(10).empty());
}

TEST_CASE("store: a resolution is pushed as itself, not coalesced into a later edit", "[store]") {
  test::TempDir dir;
  auto store = openStore(dir / "fieldcheck.db");
  const std::string a = "00000000000000000000000000000001";
  REQUIRE(store.write(a, "establishment", setField("owner", "một")).ok());
  const auto resolution = store.writeRevision(a, [&](const Document& head, HybridTimestamp stamp) -> Result<Document> {
    Document next = nextRevision(head, head.fields, store.user(), store.device(), stamp);
    next.parents.push_back("1-00000000000000000000000000000009");
    return next;
  });
  REQUIRE(resolution.ok());
  CHECK(resolution.value().parents.size() == 2);
  const auto later = store.write(a, "establishment", setField("owner", "hai")).value();
  const auto batch = store.nextPushBatch(10);
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].doc.revision == resolution.value().revision);
  CHECK(batch[1].doc.revision == later.revision);
  CHECK(store.history(a).back().parents == std::vector<std::string>{resolution.value().revision});
}

TEST_CASE("store: the file is in WAL mode, keeps its device id and survives reopening", "[store]") {
  test::TempDir dir;
  const auto file = dir / "fieldcheck.db";
  std::string device;
  {
    auto store = openStore(file);
    device = store.device();
    REQUIRE(store.write("00000000000000000000000000000002", "establishment", setField("name", "Karaoke Hoàng Gia")).ok());
  }
  CHECK(device.size() == 32);
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  }
  auto reopened = openStore(file);
  CHECK(reopened.device() == device);
  CHECK(reopened.head("00000000000000000000000000000002")->fields.at("name") == Value{"Karaoke Hoàng Gia"});
}

TEST_CASE("store: a long session keeps the WAL file bounded (checkpoints recycle it)", "[store][slow]") {
  test::TempDir dir;
  const auto file = dir / "fieldcheck.db";
  auto store = openStore(file);
  const std::string id = "00000000000000000000000000000004";
  Fields answers;
  for (int i = 0; i < 30; ++i) answers["q" + std::to_string(i)] = std::string(40, 'a' + i % 26);
  for (int i = 0; i < 2500; ++i) {
    auto r = store.write(id, "inspection", [&](const Document*) -> Result<Fields> {
      answers["n"] = i;
      return answers;
    });
    REQUIRE(r.ok());
    (void)store.head(id);
    (void)store.pendingChanges();
  }
  // About 2.5 pages a save: without checkpoints the WAL would pass 25 MB; SQLite's automatic
  // checkpoint at 1000 pages keeps it near 4 MB when nothing pins an old snapshot.
  const auto wal_bytes = std::filesystem::file_size(file.string() + "-wal");
  INFO("WAL bytes " << wal_bytes);
  CHECK(wal_bytes < 8u * 1024 * 1024);
}

TEST_CASE("store: concurrent writers on one file lose no update", "[store]") {
  test::TempDir dir;
  const auto file = dir / "fieldcheck.db";
  const std::string id = "00000000000000000000000000000003";
  { auto store = openStore(file); REQUIRE(store.write(id, "counter", setField("n", 0)).ok()); }
  auto worker = [&] {
    auto store = openStore(file);
    for (int i = 0; i < 40; ++i) {
      auto r = store.write(id, "counter", [](const Document* current) -> Result<Fields> {
        Fields f = current->fields;
        f["n"] = *f["n"].get<std::int64_t>() + 1;
        return f;
      });
      REQUIRE(r.ok());
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  auto store = openStore(file);
  CHECK(store.head(id)->fields.at("n") == Value{80});
  CHECK(store.pendingChanges() == 81);
}

TEST_CASE("store: a file that is not ours is refused and left untouched", "[store]") {
  test::TempDir dir;
  const auto file = dir / "fieldcheck.db";
  SECTION("another program's SQLite database") {
    {
      SQLite::Database other(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      other.exec("CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts(owner) VALUES ('x')");
    }
    const auto before = fileBytes(file);
    auto r = LocalStore::open(file, true);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problem().message.en, Catch::Contains("is not Fieldcheck data"));
    CHECK(fileBytes(file) == before);
  }
  SECTION("a damaged file") {
    std::ofstream(file, std::ios::binary) << std::string(8192, '\x5a');
    const auto before = fileBytes(file);
    auto r = LocalStore::open(file, true);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problem().message.en, Catch::Contains("damaged or not a Fieldcheck database"));
    CHECK(fileBytes(file) == before);
  }
  SECTION("a database from a newer Fieldcheck") {
    { auto store = openStore(file); }
    { SQLite::Database db(file.string(), SQLite::OPEN_READWRITE); db.exec("PRAGMA user_version = 99"); }
    auto r = LocalStore::open(file, true);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problem().message.en, Catch::Contains("newer Fieldcheck"));
  }
  SECTION("no file at all, without create") {
    auto r = LocalStore::open(file, false);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problem().message.en, Catch::Contains("fieldcheck init"));
    CHECK_FALSE(std::filesystem::exists(file));
  }
}

TEST_CASE("service: init imports the seed once and keeps edits when run again", "[service]") {
  test::TempDir dir;
  Home home{dir / "home"};
  REQUIRE(initHome(home, test::sampleSeed(), "a").ok());
  {
    auto svc = InspectorService::open(home);
    REQUIRE(svc.ok());
    REQUIRE(svc.value().correctEstablishment("CS-01", {{"workers", "30"}}).ok());
  }
  auto again = initHome(home, test::sampleSeed(), "");
  REQUIRE(again.ok());
  CHECK(again.value().already_initialised);
  auto svc = InspectorService::open(home);
  CHECK(svc.value().findEstablishment("cs-01").value().fields.at("workers") == Value{30});
  CHECK(svc.value().status().pending_changes == 1);
  CHECK(svc.value().status().user == "a");
}

TEST_CASE("service: establishments are found by district and by words without accents", "[service]") {
  test::TempDir dir;
  auto svc = initService(dir);
  auto all = svc.establishments(std::nullopt, std::nullopt);
  REQUIRE(all.ok());
  CHECK(all.value().size() == 47);
  auto found = svc.establishments(std::nullopt, std::string("hoang gia"));
  REQUIRE(found.ok());
  REQUIRE_FALSE(found.value().empty());
  CHECK(found.value().front().fields.at("name") == Value{"Karaoke Hoàng Gia"});
  auto bao_lac = svc.establishments(std::string("bao lac"), std::nullopt);
  REQUIRE(bao_lac.ok());
  CHECK_FALSE(bao_lac.value().empty());
  for (const auto& e : bao_lac.value()) CHECK(e.fields.at("district") == Value{"bao-lac"});
  auto nowhere = svc.establishments(std::string("Hà Nội"), std::nullopt);
  REQUIRE_FALSE(nowhere.ok());
  CHECK_THAT(nowhere.problem().message.en, Catch::Contains("There is no district “Hà Nội”"));
}

TEST_CASE("service: answers at their bounds are saved and one step past them is refused", "[service][validation]") {
  test::TempDir dir;
  auto svc = initService(dir);
  const auto establishment = svc.establishments(std::nullopt, std::string("hoang gia")).value().front();
  const auto id = svc.newInspection(*establishment.fields.at("code").get<std::string>(), std::nullopt).value().id;
  // Each question's bounds as the sample template gives them: the value at the edge is taken,
  // the next one out is refused and saves nothing.
  struct Edge {
    const char* question;
    const char* at_bound;
    Value saved;
    const char* past_bound;
    const char* message;
  };
  const auto edge = GENERATE(Edge{"workers_total", "1000", Value{1000}, "1001", "must be from 0 to 1000"},
                             Edge{"workers_total", "0", Value{0}, "-1", "must be from 0 to 1000"},
                             Edge{"workers_under_18", "1.000", Value{1000}, "1.001", "must be from 0 to 1000"},
                             Edge{"fine_amount", "500.000.000", Value{500'000'000}, "500.000.001", "to 500,000,000 VND"},
                             Edge{"fine_amount", "100.000", Value{100'000}, "99.999", "from 100,000 to"},
                             Edge{"karaoke_smallest_room_m2", "500", Value{500.0}, "500,01", "from 0 to 500 m²"});
  INFO(edge.question << " = " << edge.at_bound << " then " << edge.past_bound);
  auto past = svc.setAnswers(id, {{edge.question, edge.past_bound}});
  REQUIRE_FALSE(past.ok());
  CHECK_THAT(errors(past.problem()), Catch::Contains(edge.message));
  CHECK_FALSE(svc.view(id).value().inspection.fields.count(edge.question));
  auto at = svc.setAnswers(id, {{edge.question, edge.at_bound}});
  INFO((at.ok() ? std::string() : errors(at.problem())));
  REQUIRE(at.ok());
  CHECK(at.value().fields.at(edge.question) == edge.saved);
}

TEST_CASE("service: an inspection goes from draft to finalized and then refuses edits", "[service]") {
  test::TempDir dir;
  auto svc = initService(dir);
  auto karaoke = svc.establishments(std::nullopt, std::string("hoang gia")).value().front();
  auto created = svc.newInspection(*karaoke.fields.at("code").get<std::string>(), std::nullopt);
  REQUIRE(created.ok());
  const auto id = created.value().id;

  auto refused = svc.finalize(id.substr(0, 8));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(errors(refused.problem()), Catch::Contains("“Room doors of transparent glass”: not answered (required)"));

  auto bad = svc.setAnswers(id, {{"workers_total", "12"}, {"workers_under_18", "-1"}});
  REQUIRE_FALSE(bad.ok());
  CHECK_FALSE(svc.view(id).value().inspection.fields.count("workers_total"));  // nothing saved

  auto set = svc.setAnswers(id, {{"visit_time", "2019-05-03 14:30"}, {"team_members", "Nông Văn A, Lê Thị B"},
                                 {"business_registration", "có"}, {"security_certificate", "có"},
                                 {"worker_register", "không"}, {"workers_total", "12"}, {"workers_women", "8"},
                                 {"workers_under_18", "0"}, {"karaoke_doors_transparent", "c"},
                                 {"karaoke_no_inner_locks", "k"}, {"karaoke_smallest_room_m2", "18,5"},
                                 {"prostitution_signs", "không"}, {"prevention_material", "1,2"},
                                 {"workers_informed", "c"}, {"violations", "no_worker_register, room_standard"},
                                 {"actions", "fine"}, {"conclusion", "serious"},
                                 {"location", "22.6657, 106.2570"}});
  REQUIRE(set.ok());
  auto missing_fine = svc.finalize(id);
  REQUIRE_FALSE(missing_fine.ok());
  REQUIRE(missing_fine.problem().details.size() == 1);
  CHECK_THAT(missing_fine.problem().details[0].en, Catch::Contains("Amount of the fine"));

  REQUIRE(svc.setAnswers(id, {{"fine_amount", "2.000.000"}}).ok());
  auto done = svc.finalize(id);
  REQUIRE(done.ok());
  CHECK(done.value().fields.at("_status") == Value{"finalized"});
  CHECK_FALSE(done.value().fields.count("guest_register"));

  auto late = svc.setAnswers(id, {{"notes", "thêm"}});
  REQUIRE_FALSE(late.ok());
  CHECK_THAT(late.problem().message.en, Catch::Contains("is finalized and can no longer be edited"));
  auto s = svc.status();
  CHECK(s.finalized == 1);
  CHECK(s.drafts == 0);
  CHECK(s.pending_changes == 4);  // new, two sets, finalize
}

TEST_CASE("service: a periodic report started without a period is this year's on the province's calendar", "[service]") {
  test::TempDir dir;
  auto svc = initService(dir);
  auto report = svc.newReport(std::nullopt, std::string("Xã Cô Ba"), std::nullopt, "");
  REQUIRE(report.ok());
  const auto year = formatDateTime(DateTime{wallClockMs(), svc.utcOffsetMinutes()}).substr(0, 4);
  CHECK(report.value().fields.at(inspection_fields::kPeriod) == Value{year});
}

TEST_CASE("service: a history is asked of an inspection by its number or id, of an establishment by its code, and names what each revision set and cleared",
          "[service]") {
  test::TempDir dir;
  auto svc = initService(dir);
  const auto made = svc.newInspection("CS-05", std::nullopt).value();
  const auto id = made.id;
  CHECK(svc.findInspectionOrEstablishment(textField(made, "_number")).value().id == id);
  CHECK(svc.findInspectionOrEstablishment(id.substr(0, 12)).value().id == id);
  // The code names the establishment, even one with an inspection here.
  CHECK(textField(svc.findInspectionOrEstablishment("CS-05").value(), "code") == "CS-05");
  CHECK(svc.findInspectionOrEstablishment("CS-06").value().kind == kinds::kEstablishment);
  auto neither = svc.findInspectionOrEstablishment("CS-999");
  REQUIRE_FALSE(neither.ok());
  CHECK(neither.problem().message.en == "No inspection or establishment “CS-999”.");

  REQUIRE(svc.setAnswers(id, {{"workers_total", "4"}}).ok());
  REQUIRE(svc.setAnswers(id, {{"workers_total", ""}}).ok());
  const auto revisions = svc.history(id);
  const auto changes = revisionChanges(revisions);
  REQUIRE(revisions.size() == 3);
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].set.size() == revisions[0].fields.size());  // the first sets everything it holds
  CHECK(changes[0].cleared.empty());
  const auto set_second = std::find_if(changes[1].set.begin(), changes[1].set.end(),
                                       [](const auto& field) { return field.first == "workers_total"; });
  REQUIRE(set_second != changes[1].set.end());
  CHECK(set_second->second == Value{4});
  CHECK(changes[1].set.size() < revisions[1].fields.size());  // only what changed
  CHECK(changes[2].cleared == std::vector<std::string>{"workers_total"});
}

TEST_CASE("service: photos are stored once by content and must really be images", "[service]") {
  test::TempDir dir;
  auto svc = initService(dir);
  const auto id = svc.newInspection("CS-02", std::nullopt).value().id;
  const std::string jpeg = test::sampleJpeg(1'004);
  std::ofstream(dir / "a.jpg", std::ios::binary) << jpeg;
  std::ofstream(dir / "same-photo.jpg", std::ios::binary) << jpeg;
  std::ofstream(dir / "not-a-photo.jpg", std::ios::binary) << "plain text";
  // It begins as a JPEG does, and goes on as a web page.
  std::ofstream(dir / "page.jpg", std::ios::binary) << std::string("\xFF\xD8\xFF\xE0", 4) + "<html><script>alert(1)</script></html>";
  std::ofstream(dir / "cut.jpg", std::ios::binary) << jpeg.substr(0, 600);

  auto first = svc.attach(id, "photo_premises", dir / "a.jpg");
  REQUIRE(first.ok());
  auto second = svc.attach(id, "photo_documents", dir / "same-photo.jpg");
  REQUIRE(second.ok());
  const auto* ref = second.value().fields.at("photo_documents").get<AttachmentRef>();
  REQUIRE(ref);
  CHECK(ref->media_type == "image/jpeg");
  CHECK(ref->size_bytes == jpeg.size());
  CHECK(first.value().fields.at("photo_premises") == second.value().fields.at("photo_documents"));
  std::size_t stored = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "home" / "attachments"))
    stored += e.is_regular_file();
  CHECK(stored == 1);

  auto fake = svc.attach(id, "photo_premises", dir / "not-a-photo.jpg");
  REQUIRE_FALSE(fake.ok());
  CHECK_THAT(fake.problem().message.en, Catch::Contains("is not a JPEG or PNG image"));
  for (const auto* name : {"page.jpg", "cut.jpg"}) {
    INFO(name);
    auto partial = svc.attach(id, "photo_premises", dir / name);
    REQUIRE_FALSE(partial.ok());
    CHECK_THAT(partial.problem().message.en, Catch::Contains("is not a whole image"));
    CHECK_THAT(partial.problem().message.vi, Catch::Contains("không phải ảnh trọn vẹn"));
  }
  auto wrong_question = svc.attach(id, "workers_total", dir / "a.jpg");
  REQUIRE_FALSE(wrong_question.ok());
}
