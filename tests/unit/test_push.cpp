// The server's push: exactly once per (device, sequence), scope and rules, refusals that survive resends.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "fieldcheck/crypto.h"
#include "provincial_storage.h"
#include "group_commit.h"
#include "push_rules.h"
#include "fieldcheck/hybrid_clock.h"
#include "support/sample_images.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;

namespace {

const std::string kDevice = "0000000000000000000000000000d001";

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  Identity lan{"lan", Role::kInspector, std::string("bao-lac"), kDevice};
  Seed seed = loadSeed(test::sampleSeed()).value();

  Fixture() {
    storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(seed).ok());
    REQUIRE(storage->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
    REQUIRE(storage->enrolDevice("lan", kDevice, "laptop", newToken().hash).ok());
  }

  const Document& seedDoc(const std::string& kind, const std::string& district) const {
    for (const auto& d : seed.documents)
      if (d.kind == kind && (district.empty() || d.fields.at("district") == Value{district})) return d;
    throw std::runtime_error("no seed document of kind " + kind + " in " + district);
  }

  Document inspectionOf(const Document& establishment, Fields answers = {}) const {
    answers["_establishment"] = establishment.id;
    answers["_template"] = seedDocumentId("template", "establishment-inspection");
    answers["_district"] = establishment.fields.at("district");
    answers["_status"] = "draft";
    return firstRevision(newDocumentId(), "inspection", answers, "lan", kDevice, HybridTimestamp{1, 0});
  }

  PushOutcome push(const std::vector<protocol::PushEntry>& entries) { return pushAs(lan, entries); }

  PushOutcome pushAs(const Identity& who, const std::vector<protocol::PushEntry>& entries) {
    return pushBatch(who, entries, *storage);
  }

  // Another user with a device of their own.
  Identity enrol(const std::string& name, Role role, const std::string& district, const std::string& device) {
    REQUIRE(storage->addUser({name, role, district, false, ""}, hashPassword("secret-pass")).ok());
    REQUIRE(storage->enrolDevice(name, device, "laptop", newToken().hash).ok());
    return Identity{name, role, district, device};
  }

  long long changes() {
    SQLite::Database db((dir / "provincial.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM changes").getInt64();
  }
};

}  // namespace

TEST_CASE("push: a batch sent twice in a row adds its revisions once and is acknowledged both times", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const std::vector<protocol::PushEntry> batch = {{3, "", f.inspectionOf(est, {{"workers_total", 4}})},
                                                  {7, "", f.inspectionOf(est, {{"workers_total", 9}})}};
  const auto before = f.changes();
  auto first = f.push(batch);
  CHECK(first.acked_through == 7);
  CHECK(first.refused.empty());
  CHECK(f.changes() == before + 2);
  auto again = f.push(batch);
  CHECK(again.acked_through == 7);
  CHECK(f.changes() == before + 2);
}

TEST_CASE("push: a batch re-sent after a newer revision of its document changes nothing", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto first = f.inspectionOf(est, {{"workers_total", 1}});
  REQUIRE(f.push({{1, "", first}}).acked_through == 1);
  auto second = nextRevision(first, first.fields, "lan", kDevice, HybridTimestamp{2, 0});
  second.fields["workers_total"] = 2;
  second.revision = computeRevision(second);
  REQUIRE(f.push({{2, first.revision, second}}).refused.empty());
  const auto before = f.changes();

  // The first batch arrives again (a copy delayed on the link, or a laptop restored from a backup).
  const auto again = f.push({{1, "", first}});
  CHECK(again.acked_through == 2);
  CHECK(again.refused.empty());
  CHECK(f.changes() == before);
  CHECK(f.storage->head(first.id)->revision == second.revision);
  CHECK(f.storage->head(first.id)->fields.at("workers_total") == Value{2});
  CHECK(f.storage->conflicts({false, "", 0}).empty());
}

TEST_CASE("push: after a lost acknowledgement, the device's next edit still fast-forwards", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto first = f.inspectionOf(est, {{"workers_total", 1}});
  REQUIRE(f.push({{1, "", first}}).refused.empty());  // applied; say its answer never arrived
  auto second = nextRevision(first, first.fields, "lan", kDevice, HybridTimestamp{2, 0});
  second.fields["workers_total"] = 2;
  second.revision = computeRevision(second);
  // The laptop still believes the server has nothing of this document.
  auto outcome = f.push({{1, "", first}, {2, "", second}});
  CHECK(outcome.refused.empty());
  CHECK(f.storage->head(first.id)->revision == second.revision);
}

TEST_CASE("push: a change outside the district is refused, recorded, and does not block the rest", "[push]") {
  Fixture f;
  const auto& mine = f.seedDoc("establishment", "bao-lac");
  const auto& theirs = f.seedDoc("establishment", "ha-quang");
  auto foreign = f.inspectionOf(theirs);
  const std::vector<protocol::PushEntry> batch = {{1, "", foreign}, {2, "", f.inspectionOf(mine)}};
  const auto before = f.changes();
  auto outcome = f.push(batch);
  CHECK(outcome.acked_through == 2);
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].seq == 1);
  CHECK(outcome.refused[0].code == "scope");
  CHECK(f.changes() == before + 1);

  SECTION("a resent batch still reports the refusal") {
    auto again = f.push(batch);
    REQUIRE(again.refused.size() == 1);
    CHECK(again.refused[0].code == "scope");
  }
}

TEST_CASE("push: forged, tampered, misfiled and invalid changes are refused with a reason", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  protocol::PushEntry entry{1, "", f.inspectionOf(est)};
  std::string expected;
  SECTION("written on another device") {
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "lan", "someone-else", HybridTimestamp{});
    expected = "not_yours";
  }
  // The author is whoever the token names: a laptop cannot write as its supervisor, nor as the server.
  SECTION("naming a supervisor as its author") {
    f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "giam", kDevice, HybridTimestamp{1, 0});
    expected = "author";
  }
  SECTION("naming the server as its author") {
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "server", kDevice, HybridTimestamp{1, 0});
    expected = "author";
  }
  SECTION("naming its user in other letters") {
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "LAN", kDevice, HybridTimestamp{1, 0});
    expected = "author";
  }
  SECTION("a clock stamp whose counter no clock reaches") {
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "lan", kDevice, HybridTimestamp{1, 4'000'000'000u});
    expected = "clock";
  }
  SECTION("a clock stamp whose wall time outgrows its text") {
    entry.doc = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "lan", kDevice,
                              HybridTimestamp{HybridTimestamp::kMaxWallMs + 1, 0});
    expected = "clock";
  }
  SECTION("content changed after its revision id was computed") {
    entry.doc.fields["workers_total"] = 99;
    expected = "integrity";
  }
  SECTION("a district that is not its establishment's") {
    entry.doc.fields["_district"] = "ha-quang";
    entry.doc.revision = computeRevision(entry.doc);
    expected = "scope";
  }
  SECTION("an existing inspection moved to an establishment of the user's own district") {
    const auto minh = f.enrol("minh", Role::kInspector, "ha-quang", "0000000000000000000000000000d003");
    const auto theirs_fields = f.inspectionOf(f.seedDoc("establishment", "ha-quang")).fields;
    const auto theirs = firstRevision(entry.doc.id, "inspection", theirs_fields, "minh", minh.device, HybridTimestamp{1, 0});
    REQUIRE(f.pushAs(minh, {{1, "", theirs}}).refused.empty());
    entry.base_revision = theirs.revision;  // a hostile laptop that learnt the id and revision
    expected = "scope";
  }
  SECTION("a status the protocol does not know") {
    entry.doc.fields["_status"] = "approved";
    entry.doc.revision = computeRevision(entry.doc);
    expected = "invalid";
  }
  SECTION("an answer out of bounds") {
    entry.doc.fields["workers_under_18"] = -5;
    entry.doc.revision = computeRevision(entry.doc);
    expected = "invalid";
  }
  // The fields a review writes, as `by` writes them.
  auto reviewed = [](Fields fields, const char* review, const char* by) {
    fields["_review"] = review;
    fields["_reviewed_by"] = by;
    fields["_reviewed_at"] = DateTime{1'556'866'800'000, 420};
    return fields;
  };
  SECTION("an inspector approving an inspection of their own") {
    entry.doc.fields = reviewed(entry.doc.fields, "approved", "lan");
    entry.doc.fields["_status"] = "finalized";
    entry.doc.revision = computeRevision(entry.doc);
    expected = "review";
  }
  SECTION("an inspector dropping a supervisor's return without finalizing again") {
    const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
    auto fields = reviewed(entry.doc.fields, "returned", "giam");
    fields["_review_comment"] = "Thiếu sổ đăng ký";
    const auto returned = firstRevision(entry.doc.id, "inspection", fields, "giam", giam.device, HybridTimestamp{1, 0});
    REQUIRE(f.pushAs(giam, {{1, "", returned}}).refused.empty());
    entry.base_revision = returned.revision;  // still a draft, the return's fields gone
    expected = "review";
  }
  SECTION("a return without its reason, even from a supervisor") {
    const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
    const auto returned =
        firstRevision(entry.doc.id, "inspection", reviewed(entry.doc.fields, "returned", "giam"), "giam", giam.device, HybridTimestamp{1, 0});
    const auto outcome = f.pushAs(giam, {{1, "", returned}});
    REQUIRE(outcome.refused.size() == 1);
    CHECK(outcome.refused[0].code == "review");
    expected = "unknown_base";  // the entry itself then names a base the server never had
    entry.base_revision = "1-0000";
  }
  SECTION("a kind an inspector may not write") {
    entry.doc = firstRevision(newDocumentId(), "template", {{"definition", "{}"}}, "lan", kDevice, HybridTimestamp{});
    expected = "kind";
  }
  SECTION("an edit based on a revision the server never had") {
    const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
    const auto theirs = firstRevision(entry.doc.id, "inspection", entry.doc.fields, "giam", giam.device, HybridTimestamp{1, 0});
    REQUIRE(f.pushAs(giam, {{1, "", theirs}}).refused.empty());
    expected = "unknown_base";
    entry.base_revision = "1-0000";
  }
  auto outcome = f.push({entry});
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].code == expected);
  CHECK_FALSE(outcome.refused[0].reason.vi.empty());
}

TEST_CASE("push: answers at their bounds are accepted and one step past them is refused", "[push][validation]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  // The sample template's bounds: workers 0 to 1,000, a fine of 100,000 to 500,000,000 VND, the
  // smallest karaoke room up to 500 m².
  const auto [question, at_bound, past_bound] = GENERATE(table<std::string, Value, Value>({
      {"workers_total", 1000, 1001},
      {"workers_total", 0, -1},
      {"workers_under_18", 1000, 1001},
      {"fine_amount", 500'000'000, 500'000'001},
      {"fine_amount", 100'000, 99'999},
      {"karaoke_smallest_room_m2", 500.0, 500.01},
  }));
  INFO(question << ": " << displayValue(at_bound) << " then " << displayValue(past_bound));
  const auto past = f.inspectionOf(est, {{question, past_bound}});
  const auto at = f.inspectionOf(est, {{question, at_bound}});
  const auto outcome = f.push({{1, "", past}, {2, "", at}});
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].seq == 1);
  CHECK(outcome.refused[0].code == "invalid");
  CHECK_FALSE(f.storage->head(past.id));
  REQUIRE(f.storage->head(at.id));
  CHECK(f.storage->head(at.id)->fields.at(question) == at_bound);
}

TEST_CASE("push: an establishment's record is checked against its template and its district's communes", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  auto corrected = [&](const std::function<void(Fields&)>& change) {
    auto fields = est.fields;
    change(fields);
    return nextRevision(est, fields, "lan", kDevice, HybridTimestamp{est.stamp.wall_ms + 1, 0});
  };
  std::string other_district_commune;
  for (const auto& d : f.seed.documents)
    if (d.kind == "commune" && textField(d, "district") == "ha-quang") other_district_commune = textField(d, "code");
  REQUIRE_FALSE(other_district_commune.empty());

  const auto [what, change, code] = GENERATE_COPY(table<std::string, std::function<void(Fields&)>, std::string>({
      {"a negative worker count", [](Fields& x) { x["workers"] = -3; }, "invalid"},
      {"a kind the template does not list", [](Fields& x) { x["kind"] = "casino"; }, "invalid"},
      {"a status the template does not list", [](Fields& x) { x["status"] = "demolished"; }, "invalid"},
      {"a field the template does not have", [](Fields& x) { x["secret_note"] = "x"; }, "invalid"},
      {"its required name removed", [](Fields& x) { x.erase("name"); }, "invalid"},
      {"a number where text belongs", [](Fields& x) { x["owner"] = 42; }, "invalid"},
      {"a commune of another district", [=](Fields& x) { x["commune"] = other_district_commune; }, "scope"},
      {"a commune that does not exist", [](Fields& x) { x["commune"] = "bao-lac/xa-khong-co"; }, "scope"},
      {"its district changed", [](Fields& x) { x["district"] = "ha-quang"; }, "scope"},
  }));
  INFO(what);
  const auto outcome = f.push({{1, est.revision, corrected(change)}});
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].code == code);
  CHECK(f.storage->head(est.id)->revision == est.revision);
  // A correction as the template allows goes through.
  const auto fine = corrected([](Fields& x) { x["workers"] = 10'000; x["status"] = "closed"; x["phone"] = "0206 385 1111"; });
  REQUIRE(f.push({{2, est.revision, fine}}).refused.empty());
  CHECK(f.storage->head(est.id)->revision == fine.revision);
}

TEST_CASE("push: an inspector deletes neither an establishment nor a record another laptop wrote last", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto hoa = f.enrol("hoa", Role::kInspector, "bao-lac", "0000000000000000000000000000d004");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  auto deletion = [](const Document& head, const Identity& by) {
    auto gone = nextRevision(head, head.fields, by.user, by.device, HybridTimestamp{head.stamp.wall_ms + 1, 0});
    gone.deleted = true;
    gone.revision = computeRevision(gone);
    return gone;
  };

  // An establishment: not by an inspector; by the district's supervisor, yes.
  auto refused = f.push({{1, est.revision, deletion(est, f.lan)}});
  REQUIRE(refused.refused.size() == 1);
  CHECK(refused.refused[0].code == "role");
  CHECK_FALSE(f.storage->head(est.id)->deleted);
  REQUIRE(f.pushAs(giam, {{1, est.revision, deletion(est, giam)}}).refused.empty());
  CHECK(f.storage->head(est.id)->deleted);

  // Drafts: Hoa's is not Lan's to delete; Lan deletes her own.
  const auto& other = f.seedDoc("establishment", "bao-lac");
  auto hoas = f.inspectionOf(other);
  hoas = firstRevision(hoas.id, "inspection", hoas.fields, "hoa", hoa.device, HybridTimestamp{1, 0});
  REQUIRE(f.pushAs(hoa, {{1, "", hoas}}).refused.empty());
  auto not_hers = f.push({{2, hoas.revision, deletion(hoas, f.lan)}});
  REQUIRE(not_hers.refused.size() == 1);
  CHECK(not_hers.refused[0].code == "role");
  CHECK_FALSE(f.storage->head(hoas.id)->deleted);
  const auto lans = f.inspectionOf(other);
  REQUIRE(f.push({{3, "", lans}}).refused.empty());
  REQUIRE(f.push({{4, lans.revision, deletion(lans, f.lan)}}).refused.empty());
  CHECK(f.storage->head(lans.id)->deleted);
}

TEST_CASE("push: periodic reports are scoped by their commune's district and checked against their own template", "[push]") {
  Fixture f;
  Fields fields{{"_template", seedDocumentId("template", "commune-report")},
                {"_template_version", 1},
                {"_district", "bao-lac"},
                {"_commune", "bao-lac/xa-co-ba"},
                {"_period", "2019-Q2"},
                {"_status", "finalized"},
                {"has_prevention_plan", true},
                {"free_of_prostitution", true}};
  auto report = [&](Fields changed) {
    return firstRevision(newDocumentId(), "report", std::move(changed), "lan", kDevice, HybridTimestamp{1, 0});
  };
  std::string expected;
  Fields bad = fields;
  SECTION("a commune of another district, even named as this one") {
    bad["_commune"] = "ha-quang/xa-soc-ha";
    expected = "scope";
  }
  SECTION("another district's report") {
    bad = {{"_template", seedDocumentId("template", "district-report")}, {"_template_version", 1}, {"_district", "ha-quang"},
           {"_period", "2019"}, {"_status", "finalized"}, {"support_model_establishments", 2}};
    expected = "scope";
  }
  SECTION("a period that is not a year, a quarter or a month") {
    bad["_period"] = "2019-Q5";
    expected = "invalid";
  }
  SECTION("the inspection checklist used as a commune's report") {
    bad["_template"] = seedDocumentId("template", "establishment-inspection");
    expected = "unknown_template";
  }
  SECTION("an answer the report's template does not ask") {
    bad["workers_total"] = 3;
    expected = "invalid";
  }
  const auto outcome = f.push({{1, "", report(fields)}, {2, "", report(bad)}});
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].seq == 2);
  CHECK(outcome.refused[0].code == expected);
}

TEST_CASE("push: a clock stamp centuries ahead is taken but orders its edit no later than its arrival", "[push][clock]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  const auto base = f.inspectionOf(est, {{"workers_total", 4}});
  REQUIRE(f.push({{1, "", base}}).refused.empty());
  // Lan's laptop claims the year 2500 for its edit; the server takes it (a laptop whose clock is
  // wrong still syncs its work).
  auto forged_fields = base.fields;
  forged_fields["workers_total"] = 99;
  const HybridTimestamp year_2500{16'725'225'600'000, 0};
  const auto forged = nextRevision(base, forged_fields, "lan", kDevice, year_2500);
  REQUIRE(f.push({{2, base.revision, forged}}).refused.empty());
  const auto arrived = wallClockMs();
  // Giám edits the same draft afterwards, from the same base, with a true clock.
  while (wallClockMs() <= arrived) std::this_thread::yield();
  auto honest_fields = base.fields;
  honest_fields["workers_total"] = 7;
  const auto honest = nextRevision(base, honest_fields, "giam", giam.device, HybridTimestamp{wallClockMs(), 0});
  REQUIRE(f.pushAs(giam, {{1, base.revision, honest}}).refused.empty());

  // The later edit by the clocks the server can check wins provisionally; the forged one waits.
  const auto head = f.storage->head(base.id);
  REQUIRE(head);
  CHECK(head->fields.at("workers_total") == Value{7});
  const auto records = f.storage->conflicts({true, base.id, 0});
  REQUIRE(records.size() == 1);
  REQUIRE(records[0].conflicts.size() == 1);
  CHECK(records[0].conflicts[0].winner.author == "giam");
  CHECK(records[0].conflicts[0].other.revision == forged.revision);
  // The server's own revisions carry its clock, not the forged one.
  CHECK(head->stamp.wall_ms <= wallClockMs());
  CHECK(records[0].recorded.wall_ms <= wallClockMs());
}

TEST_CASE("push: an edit against a head another device wrote meanwhile is merged, its conflicts recorded", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  const auto base = f.inspectionOf(est, {{"workers_total", 4}, {"workers_women", 2}, {"notes", "lần đầu"}});
  REQUIRE(f.push({{1, "", base}}).refused.empty());
  // Both edit the same draft from the same base, offline: Lan later by the clock.
  const auto theirs = nextRevision(base, {{"_establishment", base.fields.at("_establishment")}, {"_template", base.fields.at("_template")},
                                          {"_district", "bao-lac"}, {"_status", "draft"}, {"workers_total", 5},
                                          {"workers_women", 3}, {"notes", "lần đầu"}},
                                   "giam", giam.device, HybridTimestamp{10, 0});
  REQUIRE(f.pushAs(giam, {{1, base.revision, theirs}}).refused.empty());
  auto mine_fields = base.fields;
  mine_fields["workers_total"] = 6;
  mine_fields["notes"] = "đã nhắc nhở";
  const auto mine = nextRevision(base, mine_fields, "lan", kDevice, HybridTimestamp{20, 0});
  const auto before = f.changes();
  auto outcome = f.push({{2, base.revision, mine}});
  CHECK(outcome.refused.empty());
  CHECK(outcome.acked_through == 2);
  CHECK(f.changes() == before + 3);  // Lan's revision in the history, the merge as the head, the record

  const auto head = f.storage->head(base.id);
  REQUIRE(head);
  CHECK(head->parents == std::vector<std::string>{theirs.revision, mine.revision});
  CHECK(head->device == "server");
  // The merge comes after both edits it merges, in every replica's history and clock.
  CHECK(head->stamp > mine.stamp);
  CHECK(head->stamp > theirs.stamp);
  CHECK(head->fields.at("workers_women") == Value{3});        // only Giám changed it
  CHECK(head->fields.at("notes") == Value{"đã nhắc nhở"});     // only Lan changed it
  CHECK(head->fields.at("workers_total") == Value{6});        // both: Lan's is later
  const auto records = f.storage->conflicts({true, base.id, 0});
  REQUIRE(records.size() == 1);
  CHECK(records[0].merge_revision == head->revision);
  CHECK(records[0].base_revision == base.revision);
  CHECK(records[0].district == "bao-lac");
  CHECK(records[0].number == 1);
  CHECK(f.storage->conflicts().size() == 1);
  REQUIRE(records[0].conflicts.size() == 1);
  const auto& conflict = records[0].conflicts[0];
  CHECK(conflict.field == "workers_total");
  CHECK(conflict.base == Value{4});
  CHECK(conflict.winner.value == Value{6});
  CHECK(conflict.winner.author == "lan");
  CHECK(conflict.other.value == Value{5});
  CHECK(conflict.other.author == "giam");
  CHECK(conflict.other.revision == theirs.revision);
  const ConflictDecision keep{ConflictSideChoice::kApplied, {}, {}};

  SECTION("the same batch sent again changes nothing") {
    CHECK(f.push({{2, base.revision, mine}}).refused.empty());
    CHECK(f.changes() == before + 3);
    CHECK(f.storage->conflicts({true, base.id, 0}).size() == 1);
  }
  SECTION("keeping the value applied closes the conflict with a revision of both sides") {
    const auto kept = f.storage->resolveConflict(records[0].number, keep, "giam");
    REQUIRE(kept.ok());
    const auto now = f.storage->head(base.id);
    CHECK(now->revision == kept.value());
    CHECK(now->parents == std::vector<std::string>{head->revision, theirs.revision});
    CHECK(now->fields == head->fields);
    CHECK(now->author == "giam");
    CHECK(f.storage->conflicts().empty());
    const auto closed = f.storage->conflicts({false, base.id, 0});
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].resolved);
    CHECK(closed[0].resolved_by == "giam");
    CHECK(closed[0].resolution == kept.value());
    CHECK_FALSE(f.storage->resolveConflict(records[0].number, keep, "giam").ok());  // once only
  }
  SECTION("a decision that leaves a field undecided, or names another, changes nothing") {
    CHECK_FALSE(f.storage->resolveConflict(records[0].number, ConflictDecision{}, "giam").ok());
    ConflictDecision stranger{ConflictSideChoice::kOther, {{"notes", ConflictSideChoice::kOther}}, {}};
    CHECK_FALSE(f.storage->resolveConflict(records[0].number, stranger, "giam").ok());
    CHECK(f.storage->head(base.id)->revision == head->revision);
    CHECK(f.storage->conflicts().size() == 1);
  }
  SECTION("a new value for the field") {
    ConflictDecision typed{std::nullopt, {}, {{"workers_total", Value{7}}}};
    REQUIRE(f.storage->resolveConflict(records[0].number, typed, "giam").ok());
    CHECK(f.storage->head(base.id)->fields.at("workers_total") == Value{7});
    CHECK(f.storage->head(base.id)->fields.at("notes") == Value{"đã nhắc nhở"});
  }
  SECTION("only supervisors and above pull the record, in their district") {
    auto pulls_record = [&](const PullScope& scope) {
      for (const auto& change : f.storage->pull(scope, 0, 1000).changes)
        if (change.doc.id == records[0].id) return true;
      return false;
    };
    CHECK(pulls_record({false, "bao-lac", "x", true}));
    CHECK(pulls_record({true, "", "x", true}));
    CHECK_FALSE(pulls_record({false, "bao-lac", "x", false}));  // an inspector
    CHECK_FALSE(pulls_record({false, "ha-quang", "x", true}));  // another district's supervisor
  }
  SECTION("a supervisor's pushed revision with the other side as a parent resolves it") {
    auto fields = head->fields;
    fields["workers_total"] = 5;
    auto resolution = nextRevision(*head, fields, "giam", giam.device, HybridTimestamp{40, 0});
    resolution.parents.push_back(theirs.revision);
    resolution.revision = computeRevision(resolution);
    REQUIRE(f.pushAs(giam, {{2, head->revision, resolution}}).refused.empty());
    CHECK(f.storage->head(base.id)->revision == resolution.revision);
    CHECK(f.storage->conflicts().empty());
    CHECK(f.storage->conflicts({false, base.id, 0}).at(0).resolved_by == "giam");
  }
  SECTION("an inspector's revision with two parents resolves nothing") {
    auto resolution = nextRevision(*head, head->fields, "lan", kDevice, HybridTimestamp{40, 0});
    resolution.fields["notes"] = "thêm";
    resolution.parents.push_back(theirs.revision);
    resolution.revision = computeRevision(resolution);
    REQUIRE(f.push({{3, head->revision, resolution}}).refused.empty());
    CHECK(f.storage->conflicts().size() == 1);
  }
  SECTION("both devices pull the merge") {
    for (const auto& device : {kDevice, giam.device}) {
      const auto page = f.storage->pull({true, "", device}, 0, 1000);
      bool seen = false;
      for (const auto& change : page.changes) seen = seen || change.doc.revision == head->revision;
      CHECK(seen);
    }
  }
}

TEST_CASE("push: an edit against a deletion is a conflict of the record, decided either way", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  const auto base = f.inspectionOf(est, {{"workers_total", 4}});
  REQUIRE(f.push({{1, "", base}}).refused.empty());
  auto gone = nextRevision(base, base.fields, "giam", giam.device, HybridTimestamp{10, 0});
  gone.deleted = true;
  gone.revision = computeRevision(gone);
  REQUIRE(f.pushAs(giam, {{1, base.revision, gone}}).refused.empty());
  auto fields = base.fields;
  fields["workers_total"] = 7;
  const auto mine = nextRevision(base, fields, "lan", kDevice, HybridTimestamp{20, 0});
  REQUIRE(f.push({{2, base.revision, mine}}).refused.empty());

  // The later edit stands provisionally; the deletion waits for a decision.
  CHECK_FALSE(f.storage->head(base.id)->deleted);
  const auto records = f.storage->conflicts({true, base.id, 0});
  REQUIRE(records.size() == 1);
  REQUIRE(records[0].conflicts.size() == 1);
  CHECK(records[0].conflicts[0].field.empty());
  CHECK(records[0].other().deleted);
  REQUIRE(f.storage->resolveConflict(records[0].number, {ConflictSideChoice::kOther, {}, {}}, "giam").ok());
  CHECK(f.storage->head(base.id)->deleted);
}

TEST_CASE("group commit: concurrent jobs are each written once, in groups within the limit", "[push]") {
  struct Job {
    int id = 0;
    std::size_t weight = 1;
    int result = 0;
  };
  GroupCommit<Job> group(10, [](const Job& j) { return j.weight; });
  std::mutex seen_mutex;
  std::multiset<int> written;
  std::vector<std::size_t> group_weights;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 200; ++k) {
        Job job{t * 1000 + k, static_cast<std::size_t>(1 + (k % 4)), 0};
        group.run(job, [&](const std::vector<Job*>& jobs) {
          std::lock_guard lock(seen_mutex);
          std::size_t weight = 0;
          for (auto* j : jobs) {
            written.insert(j->id);
            weight += j->weight;
            j->result = j->id * 2;
          }
          group_weights.push_back(jobs.size() == 1 ? 0 : weight);
        });
        if (job.result != job.id * 2) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(written.size() == 1600);
  for (int id : written) CHECK(written.count(id) == 1);
  for (auto w : group_weights) CHECK(w <= 10);
}

TEST_CASE("group commit: a failed write fails every job of its group, and the next group goes on", "[push]") {
  struct Job {
    bool poison = false;
  };
  GroupCommit<Job> group(100, [](const Job&) { return std::size_t{1}; });
  Job poisoned{true};
  CHECK_THROWS_AS(group.run(poisoned,
                            [](const std::vector<Job*>& jobs) {
                              for (auto* j : jobs)
                                if (j->poison) throw std::runtime_error("disk full");
                            }),
                  std::runtime_error);
  Job fine{false};
  bool wrote = false;
  group.run(fine, [&](const std::vector<Job*>&) { wrote = true; });
  CHECK(wrote);
}

TEST_CASE("storage: conflicts a schema-2 database recorded become conflict records when this version opens it", "[push]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  {
    // The table as schema 2 left it, with two fields of one merge and one of another.
    SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READWRITE);
    db.exec(R"sql(
CREATE TABLE conflicts_v2(
  id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, district TEXT, field TEXT NOT NULL, base TEXT,
  merge_revision TEXT NOT NULL, winner_value TEXT, winner_deleted INTEGER NOT NULL, winner_revision TEXT NOT NULL,
  winner_author TEXT NOT NULL, winner_device TEXT NOT NULL, winner_hlc TEXT NOT NULL, other_value TEXT,
  other_deleted INTEGER NOT NULL, other_revision TEXT NOT NULL, other_author TEXT NOT NULL, other_device TEXT NOT NULL,
  other_hlc TEXT NOT NULL, resolved_by TEXT, created_at TEXT NOT NULL DEFAULT 'x'))sql");
    SQLite::Statement insert(db,
                             "INSERT INTO conflicts_v2(doc_id, district, field, base, merge_revision, winner_value, "
                             "winner_deleted, winner_revision, winner_author, winner_device, winner_hlc, other_value, "
                             "other_deleted, other_revision, other_author, other_device, other_hlc, resolved_by) "
                             "VALUES (?, 'bao-lac', ?, '4', ?, ?, 0, '2-aa', 'hoa', 'd2', '0000000000000020-00000000', "
                             "?, 0, '2-bb', 'lan', 'd1', '0000000000000010-00000000', ?)");
    auto row = [&](const char* field, const char* merge, const char* winner, const char* other, const char* resolved) {
      insert.reset();
      insert.bind(1, est.id);
      insert.bind(2, field);
      insert.bind(3, merge);
      insert.bind(4, winner);
      insert.bind(5, other);
      if (resolved) insert.bind(6, resolved);
      else insert.bind(6);
      insert.exec();
    };
    row("workers", "3-m1", "9", "14", nullptr);
    row("phone", "3-m1", "\"0206 1\"", "\"0206 2\"", nullptr);
    row("owner", "3-m2", "\"An\"", "\"Bình\"", "4-r1");
  }
  f.storage.reset();
  f.storage = std::move(openSqliteStorage(f.dir.path(), false).value());
  const auto open = f.storage->conflicts();
  REQUIRE(open.size() == 1);
  CHECK(open[0].merge_revision == "3-m1");
  REQUIRE(open[0].conflicts.size() == 2);
  CHECK(open[0].conflicts[0].field == "workers");
  CHECK(open[0].conflicts[0].base == Value{4});
  CHECK(open[0].conflicts[0].winner.value == Value{9});
  CHECK(open[0].conflicts[1].other.value == Value{"0206 2"});
  CHECK(open[0].other().author == "lan");
  const auto all = f.storage->conflicts({false, "", 0});
  REQUIRE(all.size() == 2);
  CHECK(all[1].resolved);
  CHECK(all[1].resolution == "4-r1");
  SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READONLY);
  CHECK_FALSE(db.tableExists("conflicts_v2"));
}

TEST_CASE("storage: a photo a schema-7 database holds is read through the records of the device that first named it, and old partial files go",
          "[push][attachments]") {
  Fixture f;
  const auto minh = f.enrol("minh", Role::kInspector, "ha-quang", "0000000000000000000000000000d004");
  const auto photo = test::sampleJpeg(1'000);
  const AttachmentRef ref{sha256Hex(photo), photo.size(), "image/jpeg"};
  auto naming = [&](const Document& inspection, const Identity& who) {
    auto fields = inspection.fields;
    fields["photo_premises"] = ref;
    return firstRevision(inspection.id, "inspection", fields, who.user, who.device, HybridTimestamp{1, 0});
  };
  // Lan's record names the photo and her laptop sends it; later Minh's record of Hà Quảng names
  // it by its hash.
  REQUIRE(f.push({{1, "", naming(f.inspectionOf(f.seedDoc("establishment", "bao-lac")), f.lan)}}).refused.empty());
  REQUIRE(f.storage->appendUpload(f.lan, ref.sha256, 0, photo.size(), ref.media_type, photo, sha256Hex(photo)).ok());
  auto minhs = f.inspectionOf(f.seedDoc("establishment", "ha-quang"));
  REQUIRE(f.pushAs(minh, {{1, "", naming(minhs, minh)}}).refused.empty());
  {
    // The tables as schema 7 left them: no holders, references without their device, and an
    // upload received whole before uploads were kept per device.
    f.storage.reset();
    SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE attachment_holders; ALTER TABLE attachment_refs DROP COLUMN device; "
            "UPDATE uploads SET device = ''; DROP TABLE laptop_numbers; "
            "DROP TABLE console_sessions; ALTER TABLE users DROP COLUMN must_change_password; "
            "ALTER TABLE devices DROP COLUMN last_seen_at; DROP INDEX inspections_by_day; DROP INDEX inspections_by_district; "
            "DROP INDEX inspections_by_district_state; DROP INDEX inspections_by_state; DROP INDEX inspections_by_establishment; "
            "DROP INDEX inspections_by_inspector; DROP INDEX inspections_by_district_number; "
            "DROP INDEX inspections_by_district_inspector; DROP INDEX inspections_by_inspector_number; "
            "DROP INDEX inspections_by_number; DROP INDEX inspections_by_state_number; DROP INDEX inspections_by_district_state_number; DROP INDEX inspections_by_state_district; "
            "DROP INDEX inspections_by_state_inspector; DROP INDEX audit_by_user; ALTER TABLE report_index DROP COLUMN number; "
            "ALTER TABLE report_index DROP COLUMN inspector; ALTER TABLE report_index DROP COLUMN updated_at; "
            "DROP TABLE parked_changes; PRAGMA user_version = 7");

  }
  // A file of an upload in progress under schema 5's rule (its row went with schema 6), and one of
  // today's.
  const auto legacy_part = f.dir / "uploads" / (sha256Hex("old") + ".part");
  const auto device_part = f.dir / "uploads" / (sha256Hex("new") + "." + minh.device + ".part");
  std::filesystem::create_directories(f.dir / "uploads");
  for (const auto& file : {legacy_part, device_part}) std::ofstream(file) << "partial";
  f.storage = std::move(openSqliteStorage(f.dir.path(), false).value());
  CHECK_FALSE(std::filesystem::exists(legacy_part));
  CHECK(std::filesystem::exists(device_part));
  PullScope bao_lac, ha_quang;
  bao_lac.district = "bao-lac";
  ha_quang.district = "ha-quang";
  CHECK(f.storage->attachmentFile(bao_lac, ref.sha256));
  CHECK_FALSE(f.storage->attachmentFile(ha_quang, ref.sha256));
  CHECK(f.storage->uploadState(ref.sha256, f.lan.device).complete);
  CHECK_FALSE(f.storage->uploadState(ref.sha256, minh.device).complete);
}

TEST_CASE("push: a finalized record that breaks an error constraint is refused with the reason, a draft or a warning is not",
          "[push][constraint]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  auto finalized = [&](Fields changes) {
    auto doc = test::sampleInspection("lan", kDevice, "bao-lac", {est.id}, 1);
    for (auto& [name, value] : changes) {
      if (value.isNull()) doc.fields.erase(name);
      else doc.fields[name] = value;
    }
    return firstRevision(doc.id, doc.kind, doc.fields, doc.author, doc.device, doc.stamp);
  };
  const auto pushOne = [&](const Document& doc) { return f.push({{1, "", doc}}); };

  SECTION("a consistent finalized record is taken") { CHECK(pushOne(finalized({})).refused.empty()); }
  SECTION("15 women among 12 workers") {
    const auto outcome = pushOne(finalized({{"workers_total", 12}, {"workers_women", 15}}));
    REQUIRE(outcome.refused.size() == 1);
    CHECK(outcome.refused[0].code == "constraint");
    CHECK_THAT(outcome.refused[0].reason.en, Catch::Contains("women_within_workers") &&
                                                 Catch::Contains("The women workers cannot outnumber the workers"));
    CHECK_THAT(outcome.refused[0].reason.vi, Catch::Contains("Số lao động nữ không thể nhiều hơn"));
  }
  SECTION("a fine amount without the fine action") {
    const auto outcome = pushOne(finalized({{"actions", Choices{"reminder"}}}));
    REQUIRE(outcome.refused.size() == 1);
    CHECK_THAT(outcome.refused[0].reason.en, Catch::Contains("fine_amount_needs_fine"));
  }
  SECTION("a visit in the future, by the server's own clock") {
    const auto outcome = pushOne(finalized({{"visit_time", DateTime{wallClockMs() + 3 * 86'400'000LL, 420}}}));
    REQUIRE(outcome.refused.size() == 1);
    CHECK_THAT(outcome.refused[0].reason.en, Catch::Contains("visit_not_in_future"));
  }
  SECTION("prevention material none with another is refused as an invalid answer, draft or not") {
    auto doc = finalized({{"prevention_material", Choices{"prostitution", "none"}}, {"_status", "draft"}});
    const auto outcome = pushOne(doc);
    REQUIRE(outcome.refused.size() == 1);
    CHECK(outcome.refused[0].code == "invalid");
    CHECK_THAT(outcome.refused[0].reason.en, Catch::Contains("cannot be picked with another choice"));
  }
  SECTION("a draft may be half-way: it is taken") {
    CHECK(pushOne(finalized({{"workers_total", 12}, {"workers_women", 15}, {"_status", "draft"}})).refused.empty());
  }
  SECTION("a warning, confirmed or not, is never refused: a visit outside the plan's period, GPS outside the province") {
    CHECK(pushOne(finalized({{"visit_time", *parseDateTime("2018-11-02T09:00:00", 420)},
                             {"location", GeoPoint{21.0278, 105.8342, std::nullopt}}}))
              .refused.empty());
  }
}

// ---- A server restored from a backup: an edit based on a revision the backup lacked ----------

namespace {

// `doc`'s fields with `changes` set over them.
Fields changed(const Document& doc, const Fields& changes) {
  auto fields = doc.fields;
  for (const auto& [name, value] : changes) fields[name] = value;
  return fields;
}

long long parkedRows(Fixture& f) {
  SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM parked_changes").getInt64();
}

}  // namespace

TEST_CASE("push: on a restored server, an edit based on a revision it lacks waits, and is applied once that revision arrives",
          "[push][restore]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  // Lan's draft reached the server after its backup; Giám pulled it and corrected it.
  const auto lans = f.inspectionOf(est, {{"workers_total", 4}});
  const auto giams = nextRevision(lans, changed(lans, {{"workers_total", 5}}), "giam", giam.device, HybridTimestamp{10, 0});
  f.storage->restartHistory();  // restored from that backup: it has neither

  // Giám's laptop sends again first: acknowledged, not refused, and waiting.
  const auto waiting = f.pushAs(giam, {{1, lans.revision, giams}});
  CHECK(waiting.refused.empty());
  CHECK(waiting.acked_through == 1);
  CHECK_FALSE(f.storage->head(lans.id));
  CHECK(f.storage->parkedChangeCount() == 1);
  CHECK(parkedRows(f) == 1);
  CHECK(f.storage->auditEntries({"giam", "push.parked", 0, 10}).size() == 1);
  CHECK(f.pushAs(giam, {{1, lans.revision, giams}}).refused.empty());  // the same batch again changes nothing
  CHECK(f.storage->parkedChangeCount() == 1);

  // Lan's laptop sends hers again: Giám's follows it, once each, with no conflict.
  REQUIRE(f.push({{1, "", lans}}).refused.empty());
  const auto head = f.storage->head(lans.id);
  REQUIRE(head);
  CHECK(head->revision == giams.revision);
  CHECK(head->fields.at("workers_total") == Value{5});
  const auto history = f.storage->history(lans.id);
  REQUIRE(history.size() == 2);
  CHECK(history[0].doc.revision == lans.revision);
  CHECK(history[1].doc.revision == giams.revision);
  CHECK(f.storage->parkedChangeCount() == 0);
  CHECK(f.storage->conflicts({false, "", 0}).empty());
}

TEST_CASE("push: on a restored server, an edit whose base never comes is merged with the later revision that descends from it, "
          "nothing of either lost",
          "[push][restore]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  const auto lans = f.inspectionOf(est, {{"workers_total", 4}, {"workers_women", 2}, {"notes", "lần đầu"}});
  const auto giams = nextRevision(lans, changed(lans, {{"workers_total", 5}}), "giam", giam.device, HybridTimestamp{10, 0});
  // Lan edited her draft again before her laptop sent anything to the restored server: it sends
  // only its latest revision, whose parent is the one Giám's edit is based on.
  const auto lans_later = nextRevision(lans, changed(lans, {{"workers_women", 3}, {"notes", "đã nhắc nhở"}}), "lan", kDevice,
                                       HybridTimestamp{20, 0});
  f.storage->restartHistory();

  SECTION("Giám's edit comes first and waits for it") {
    REQUIRE(f.pushAs(giam, {{1, lans.revision, giams}}).refused.empty());
    CHECK(f.storage->parkedChangeCount() == 1);
    REQUIRE(f.push({{1, "", lans_later}}).refused.empty());
  }
  SECTION("Lan's later revision comes first") {
    REQUIRE(f.push({{1, "", lans_later}}).refused.empty());
    REQUIRE(f.pushAs(giam, {{1, lans.revision, giams}}).refused.empty());
  }
  CHECK(f.storage->parkedChangeCount() == 0);
  const auto head = f.storage->head(lans.id);
  REQUIRE(head);
  CHECK(head->device == "server");
  CHECK(head->parents == std::vector<std::string>{lans_later.revision, giams.revision});
  std::map<std::string, int> revisions;
  for (const auto& r : f.storage->history(lans.id)) ++revisions[r.doc.revision];
  CHECK(revisions == std::map<std::string, int>{{lans_later.revision, 1}, {giams.revision, 1}, {head->revision, 1}});
  // Merged against the empty document: each field the two set differently is a conflict a
  // supervisor decides, the other value kept in its record.
  const auto records = f.storage->conflicts({true, lans.id, 0});
  REQUIRE(records.size() == 1);
  CHECK(records[0].merge_revision == head->revision);
  std::set<std::string> in_conflict;
  for (const auto& c : records[0].conflicts) in_conflict.insert(c.field);
  CHECK(in_conflict == std::set<std::string>{"notes", "workers_total", "workers_women"});
  for (const auto* side : {&giams, &lans_later})
    for (const auto& [name, value] : side->fields) {
      INFO(side->author << " " << name);
      const bool kept = head->fields.count(name) && head->fields.at(name) == value;
      const bool recorded = std::any_of(records[0].conflicts.begin(), records[0].conflicts.end(), [&](const auto& c) {
        return c.field == name && ((c.winner.value && *c.winner.value == value) || (c.other.value && *c.other.value == value));
      });
      CHECK((kept || recorded));
    }
}

TEST_CASE("push: on a restored server, a waiting edit the rules refuse once its base arrives is recorded refused and audited",
          "[push][restore]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto hoa = f.enrol("hoa", Role::kInspector, "bao-lac", "0000000000000000000000000000d004");
  const auto lans = f.inspectionOf(est, {{"workers_total", 4}});
  // Hoa deleted Lan's draft, which is not hers to delete: she could only be told once it is back.
  auto gone = nextRevision(lans, lans.fields, "hoa", hoa.device, HybridTimestamp{10, 0});
  gone.deleted = true;
  gone.revision = computeRevision(gone);
  f.storage->restartHistory();
  REQUIRE(f.pushAs(hoa, {{1, lans.revision, gone}}).refused.empty());
  CHECK(f.storage->parkedChangeCount() == 1);

  REQUIRE(f.push({{1, "", lans}}).refused.empty());
  CHECK(f.storage->parkedChangeCount() == 0);
  REQUIRE(f.storage->head(lans.id));
  CHECK(f.storage->head(lans.id)->revision == lans.revision);
  const auto audited = f.storage->auditEntries({"hoa", "push.parked_refused", 0, 10});
  REQUIRE(audited.size() == 1);
  CHECK_THAT(audited[0].detail, Catch::Contains(lans.id) && Catch::Contains("role"));
  // Her laptop learns it as for any refusal of an entry it sent.
  const auto again = f.pushAs(hoa, {{1, lans.revision, gone}});
  REQUIRE(again.refused.size() == 1);
  CHECK(again.refused[0].seq == 1);
  CHECK(again.refused[0].code == "role");
}

TEST_CASE("push: on a server never restored, an edit based on a revision it lacks is refused, never parked", "[push][restore]") {
  Fixture f;
  const auto& est = f.seedDoc("establishment", "bao-lac");
  const auto giam = f.enrol("giam", Role::kSupervisor, "bao-lac", "0000000000000000000000000000d002");
  const auto lans = f.inspectionOf(est, {{"workers_total", 4}});
  const auto giams = nextRevision(lans, changed(lans, {{"workers_total", 5}}), "giam", giam.device, HybridTimestamp{10, 0});
  SECTION("of a document it does not have") {}
  SECTION("of a document it has, at another revision") {
    const auto lans_later = nextRevision(lans, changed(lans, {{"workers_total", 6}}), "lan", kDevice, HybridTimestamp{20, 0});
    REQUIRE(f.push({{1, "", lans_later}}).refused.empty());
  }
  const auto outcome = f.pushAs(giam, {{1, lans.revision, giams}});
  REQUIRE(outcome.refused.size() == 1);
  CHECK(outcome.refused[0].code == "unknown_base");
  CHECK(f.storage->parkedChangeCount() == 0);
}
