// What the console reads from the provincial database: the inspections table (filters, orders,
// pages, the capped count), a record's revisions, and the audit log.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "fieldcheck/crypto.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;

namespace {

// One inspection as the test made it: what the console's table must show of it.
struct Made {
  std::string id, number, district, establishment, state, day, inspector;
};

// A province with two districts, each with an inspector and a supervisor, and 36 inspections in
// every state, on different days, of three establishments per district, pushed through the push
// path; then the reports' index refreshed.
struct Province {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  std::vector<std::string> districts;
  std::map<std::string, std::vector<std::string>> establishments;  // by district
  std::map<std::string, Identity> people;                          // by name
  std::map<std::string, int> numbered;                             // by user
  std::map<std::string, std::int64_t> seq;                         // by user
  std::map<std::string, std::string> abbreviations;                // by district
  std::vector<Made> made;

  Province() {
    storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    for (const auto& [code, name] : storage->districts())
      if (districts.size() < 2) districts.push_back(code);
    for (const auto& d : storage->heads("district"))
      abbreviations[textField(d, "code")] = textField(d, "abbreviation");
    for (const auto& e : storage->heads("establishment")) {
      auto& list = establishments[textField(e, "district")];
      if (list.size() < 3) list.push_back(e.id);
    }
    for (const auto& d : districts) {
      enrol("insp-" + d, Role::kInspector, d);
      enrol("sup-" + d, Role::kSupervisor, d);
    }
    for (int i = 0; i < 36; ++i) {
      const auto& district = districts[static_cast<std::size_t>(i % 2)];
      const auto& establishment = establishments[district][static_cast<std::size_t>(i / 2 % 3)];
      const char* states[] = {"draft", "submitted", "approved", "returned"};
      make(district, establishment, states[i / 2 % 4], i);
    }
    storage->refreshReportIndex();
  }

  void enrol(const std::string& name, Role role, const std::string& district) {
    REQUIRE(storage->addUser({name, role, district, false, ""}, hashPassword("secret-pass")).ok());
    people[name] = Identity{name, role, district, newDocumentId()};
    REQUIRE(storage->enrolDevice(name, people[name].device, "laptop", newToken().hash).ok());
  }

  void push(const std::string& user, const Document& doc, const std::string& base = "") {
    const auto outcome = pushBatch(people[user], {{++seq[user], base, doc}}, *storage);
    INFO((outcome.refused.empty() ? "" : outcome.refused[0].reason.en));
    REQUIRE(outcome.refused.empty());
  }

  // Inspection `i` of `establishment`, visited on 2019-01-01 + i*3 days, brought to `state`: a
  // draft or submitted record by the inspector; approved: made by the supervisor; returned: the
  // inspector's, returned by the supervisor in a second revision.
  void make(const std::string& district, const std::string& establishment, const std::string& state,
            int i) {
    const auto maker = (state == "approved" ? "sup-" : "insp-") + district;
    const auto& who = people[maker];
    auto doc = test::sampleInspection(maker, who.device, district, {establishment}, i);
    const DateTime visit{1'546'300'800'000 + i * 3 * 86'400'000LL + 9 * 3'600'000LL, 420};
    doc.fields["visit_time"] = visit;
    doc.fields["_started_at"] = visit;
    doc.fields["_finalized_at"] = visit;
    const auto number = RecordNumber{districtAbbreviation(district, abbreviations[district]),
                                     laptopMarker(who.device), ++numbered[maker]}
                            .text();
    doc.fields["_number"] = number;
    if (state == "draft") doc.fields["_status"] = "draft";
    if (state == "approved") {
      doc.fields["_review"] = "approved";
      doc.fields["_reviewed_by"] = maker;
      doc.fields["_reviewed_at"] = visit;
    }
    doc = firstRevision(doc.id, doc.kind, doc.fields, maker, who.device, doc.stamp);
    push(maker, doc);
    if (state == "returned") {
      const auto supervisor = "sup-" + district;
      auto fields = doc.fields;
      fields["_status"] = "draft";
      fields["_review"] = "returned";
      fields["_review_comment"] = "Thiếu chữ ký.";
      fields["_reviewed_by"] = supervisor;
      fields["_reviewed_at"] = visit;
      push(supervisor,
           nextRevision(doc, fields, supervisor, people[supervisor].device,
                        HybridTimestamp{doc.stamp.wall_ms + 1, 0}),
           doc.revision);
    }
    const auto day = formatDateTime(visit).substr(0, 10);
    // Found again by day and establishment: the numbers of a district's abbreviation are unique.
    made.push_back({doc.id, number, district, establishment, state, day, maker});
  }

  std::set<std::string> ids(const InspectionQuery& query) {
    auto q = query;
    q.limit = 1000;
    std::set<std::string> out;
    for (const auto& r : storage->listInspections(q).rows) out.insert(r.doc_id);
    return out;
  }

  std::set<std::string> madeWhere(const std::function<bool(const Made&)>& keep) const {
    std::set<std::string> out;
    for (const auto& m : made)
      if (keep(m)) out.insert(m.id);
    return out;
  }
};

// A query with only what `set` gives it.
template <class Query, class Set>
Query with(Set set) {
  Query q;
  set(q);
  return q;
}

std::string sortKey(const InspectionListRow& r, InspectionQuery::Sort sort) {
  using Sort = InspectionQuery::Sort;
  switch (sort) {
    case Sort::kNumber:
      return r.number;
    case Sort::kState:
      return r.state + "|" + r.day;
    case Sort::kDistrict:
      return r.district + "|" + r.day;
    case Sort::kInspector:
      return r.inspector + "|" + r.day;
    case Sort::kDay:
      break;
  }
  return r.day;
}

}  // namespace

TEST_CASE(
    "console: the inspections table lists each inspection with its number, district, "
    "establishment, state, day, maker and arrival",
    "[console]") {
  Province p;
  InspectionQuery all;
  all.limit = 1000;
  const auto page = p.storage->listInspections(all);
  REQUIRE(page.rows.size() == p.made.size());  // the periodic reports of the seed are not listed
  CHECK(page.total == p.made.size());
  CHECK_FALSE(page.total_capped);
  std::map<std::string, InspectionListRow> by_id;
  for (const auto& r : page.rows) by_id[r.doc_id] = r;
  for (const auto& m : p.made) {
    INFO(m.id);
    REQUIRE(by_id.count(m.id));
    const auto& r = by_id[m.id];
    CHECK(std::tie(r.number, r.district, r.establishment_id, r.state, r.day, r.inspector) ==
          std::tie(m.number, m.district, m.establishment, m.state, m.day, m.inspector));
    CHECK(r.updated_at.size() == 24);  // "2019-05-03T02:00:00.123Z"
  }
}

TEST_CASE(
    "console: a record returned by its supervisor still names its inspector, in its new state, "
    "after the next refresh",
    "[console]") {
  Province p;
  const auto& submitted = *std::find_if(p.made.begin(), p.made.end(),
                                        [](const Made& m) { return m.state == "submitted"; });
  const auto head = p.storage->head(submitted.id).value();
  auto before = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.establishment = submitted.establishment;
    q.limit = 1000;
  }));
  std::string updated_before;
  for (const auto& r : before.rows)
    if (r.doc_id == submitted.id) updated_before = r.updated_at;
  auto fields = head.fields;
  const auto supervisor = "sup-" + submitted.district;
  fields["_review"] = "approved";
  fields["_reviewed_by"] = supervisor;
  fields["_reviewed_at"] = DateTime{1'560'000'000'000, 420};
  p.push(supervisor,
         nextRevision(head, fields, supervisor, p.people[supervisor].device,
                      HybridTimestamp{head.stamp.wall_ms + 5, 0}),
         head.revision);
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) {
           q.state = "approved";
           q.establishment = submitted.establishment;
         })).count(submitted.id) == 0);  // not refreshed yet
  p.storage->refreshReportIndex();
  const auto after = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.state = "approved";
    q.establishment = submitted.establishment;
    q.limit = 1000;
  }));
  const auto row = std::find_if(after.rows.begin(), after.rows.end(),
                                [&](const auto& r) { return r.doc_id == submitted.id; });
  REQUIRE(row != after.rows.end());
  CHECK(row->inspector == submitted.inspector);
  CHECK(row->updated_at >= updated_before);
}

TEST_CASE(
    "console: each filter of the inspections table keeps exactly the inspections that match it",
    "[console]") {
  Province p;
  const auto d0 = p.districts[0], d1 = p.districts[1];
  const auto est = p.establishments[d1][1];
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.district = d0; })) ==
        p.madeWhere([&](const Made& m) { return m.district == d0; }));
  for (const auto* state : {"draft", "submitted", "approved", "returned"}) {
    INFO(state);
    const auto expected = p.madeWhere([&](const Made& m) { return m.state == state; });
    CHECK_FALSE(expected.empty());
    CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.state = state; })) == expected);
  }
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) {
    q.district = d1;
    q.state = "returned";
  })) == p.madeWhere([&](const Made& m) { return m.district == d1 && m.state == "returned"; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) {
    q.day_from = "2019-02-01";
    q.day_to = "2019-03-10";
  })) == p.madeWhere([](const Made& m) { return m.day >= "2019-02-01" && m.day <= "2019-03-10"; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.day_from = "2019-03-01"; })) ==
        p.madeWhere([](const Made& m) { return m.day >= "2019-03-01"; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.day_to = "2019-01-07"; })) ==
        p.madeWhere([](const Made& m) { return m.day <= "2019-01-07"; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.establishment = est; })) ==
        p.madeWhere([&](const Made& m) { return m.establishment == est; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) { q.inspector = "sup-" + d0; })) ==
        p.madeWhere([&](const Made& m) { return m.inspector == "sup-" + d0; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) {
    q.district = d0;
    q.state = "draft";
    q.day_from = "2019-01-01";
    q.day_to = "2019-12-31";
    q.inspector = "insp-" + d0;
  })) == p.madeWhere([&](const Made& m) { return m.district == d0 && m.state == "draft"; }));
  CHECK(p.ids(with<InspectionQuery>([&](auto& q) {
           q.district = d0;
           q.establishment = est;
         })).empty());  // that establishment is in the other district
}

TEST_CASE(
    "console: each order of the inspections table sorts by its column, then by day, both ways",
    "[console]") {
  using Sort = InspectionQuery::Sort;
  const auto sort =
      GENERATE(Sort::kDay, Sort::kNumber, Sort::kState, Sort::kDistrict, Sort::kInspector);
  const bool descending = GENERATE(true, false);
  Province p;
  const auto page = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.sort = sort;
    q.descending = descending;
    q.limit = 1000;
  }));
  REQUIRE(page.rows.size() == p.made.size());
  std::set<std::string> keys;
  for (std::size_t i = 1; i < page.rows.size(); ++i) {
    const auto a = sortKey(page.rows[i - 1], sort), b = sortKey(page.rows[i], sort);
    INFO("row " << i << ": " << a << " then " << b);
    CHECK((descending ? a >= b : a <= b));
  }
  for (const auto& r : page.rows) keys.insert(sortKey(r, sort));
  CHECK(keys.size() > 1);  // the order is over values that differ
}

TEST_CASE(
    "console: pages of the inspections table follow each other without overlap or gap, in every "
    "order",
    "[console]") {
  using Sort = InspectionQuery::Sort;
  const auto sort =
      GENERATE(Sort::kDay, Sort::kNumber, Sort::kState, Sort::kDistrict, Sort::kInspector);
  Province p;
  // Days and states repeat, so only the tie-break keeps pages apart.
  const auto whole = with<InspectionQuery>([&](auto& q) {
    q.sort = sort;
    q.limit = 1000;
  });
  const auto all = p.storage->listInspections(whole).rows;
  std::vector<std::string> paged;
  for (std::size_t offset = 0;; offset += 5) {
    const auto page = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
      q.sort = sort;
      q.offset = offset;
      q.limit = 5;
    }));
    CHECK(page.total == p.made.size());
    for (const auto& r : page.rows) paged.push_back(r.doc_id);
    if (page.rows.size() < 5) break;
  }
  std::vector<std::string> expected;
  for (const auto& r : all) expected.push_back(r.doc_id);
  CHECK(paged == expected);
  CHECK(std::set<std::string>(paged.begin(), paged.end()).size() == p.made.size());
}

TEST_CASE("console: the inspections' count stops at its cap and says there are more", "[console]") {
  Province p;
  const auto capped = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.limit = 3;
    q.count_up_to = 10;
  }));
  CHECK(capped.rows.size() == 3);
  CHECK(capped.total == 10);
  CHECK(capped.total_capped);
  const auto exact = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.limit = 3;
    q.count_up_to = p.made.size();
  }));
  CHECK(exact.total == p.made.size());
  CHECK_FALSE(exact.total_capped);
  const auto filtered = p.storage->listInspections(with<InspectionQuery>([&](auto& q) {
    q.district = p.districts[0];
    q.state = "draft";
    q.limit = 1;
  }));
  CHECK(filtered.total == p.madeWhere([&](const Made& m) {
                             return m.district == p.districts[0] && m.state == "draft";
                           }).size());
  CHECK_FALSE(filtered.total_capped);
}

TEST_CASE("console: an inspection's history lists every revision the server received, oldest first",
          "[console]") {
  Province p;
  const auto& returned = *std::find_if(p.made.begin(), p.made.end(),
                                       [](const Made& m) { return m.state == "returned"; });
  const auto head = p.storage->head(returned.id).value();
  auto fields = head.fields;
  fields.erase("_review");
  fields.erase("_reviewed_by");
  fields.erase("_reviewed_at");
  fields.erase("_review_comment");
  fields["_status"] = "finalized";
  fields["notes"] = "Đã bổ sung chữ ký.";
  p.push(returned.inspector,
         nextRevision(head, fields, returned.inspector, p.people[returned.inspector].device,
                      HybridTimestamp{head.stamp.wall_ms + 10, 0}),
         head.revision);
  const auto history = p.storage->history(returned.id);
  REQUIRE(history.size() == 3);
  CHECK(history[0].doc.author == returned.inspector);
  CHECK(history[0].doc.parents.empty());
  CHECK(history[1].doc.author == "sup-" + returned.district);
  CHECK(textField(history[1].doc, "_review") == "returned");
  CHECK(history[1].doc.parents == std::vector<std::string>{history[0].doc.revision});
  CHECK(history[2].doc.revision == p.storage->head(returned.id)->revision);
  CHECK(textField(history[2].doc, "notes") == "Đã bổ sung chữ ký.");
  for (std::size_t i = 1; i < history.size(); ++i)
    CHECK(history[i - 1].received_at <= history[i].received_at);
  CHECK(p.storage->history(newDocumentId()).empty());
}

TEST_CASE(
    "console: the audit log is read newest first, by user and by the start of an action, in pages "
    "before an id",
    "[console]") {
  Province p;
  p.storage->audit("admin", "console", "user.add", "lan");
  p.storage->audit("admin", "console", "user.revoke", "lan");
  p.storage->audit("tinh", "console", "login", "");
  p.storage->audit("admin", "console", "login", "");
  p.storage->audit("admin", "console", "user_add", "an underscore is not a pattern");
  const auto all = p.storage->auditEntries({});
  REQUIRE(all.size() >= 5);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].id > all[i].id);
  CHECK(all[0].action == "user_add");
  CHECK(all[0].at.size() == 24);
  const auto admin = p.storage->auditEntries(with<AuditQuery>([&](auto& q) { q.user = "admin"; }));
  REQUIRE(admin.size() == 4);
  CHECK(admin[0].action == "user_add");
  CHECK(admin[3].action == "user.add");
  const auto users =
      p.storage->auditEntries(with<AuditQuery>([&](auto& q) { q.action = "user."; }));
  REQUIRE(users.size() == 2);
  CHECK(users[0].action == "user.revoke");
  CHECK(users[1].detail == "lan");
  const auto logins = p.storage->auditEntries(with<AuditQuery>([&](auto& q) {
    q.user = "admin";
    q.action = "login";
  }));
  REQUIRE(logins.size() == 1);
  CHECK(logins[0].user == "admin");
  // Pages: each starts before the last id of the one before, and together they are the whole log.
  std::vector<std::int64_t> paged;
  for (std::int64_t before = 0;;) {
    const auto page = p.storage->auditEntries(with<AuditQuery>([&](auto& q) {
      q.before_id = before;
      q.limit = 2;
    }));
    for (const auto& e : page) paged.push_back(e.id);
    if (page.size() < 2) break;
    before = page.back().id;
  }
  std::vector<std::int64_t> ids;
  for (const auto& e : all) ids.push_back(e.id);
  CHECK(paged == ids);
}

TEST_CASE("console: a record is found by its number whether or not the reports' index has taken it yet", "[console]") {
  Province p;
  const auto& indexed = p.made.front();
  CHECK(p.storage->idsWithNumber(indexed.number) == std::vector<std::string>{indexed.id});
  const auto district = p.districts[0];
  p.make(district, p.establishments[district][0], "submitted", 40);  // pushed after the last refresh
  const auto& fresh = p.made.back();
  CHECK(p.storage->idsWithNumber(fresh.number) == std::vector<std::string>{fresh.id});
  p.storage->refreshReportIndex();
  CHECK(p.storage->idsWithNumber(fresh.number) == std::vector<std::string>{fresh.id});
  CHECK(p.storage->idsWithNumber("HA-9-9999").empty());
}

TEST_CASE("console: a range of days read in the order of districts keeps exactly those days, in that order, both ways", "[console]") {
  const bool descending = GENERATE(true, false);
  Province p;
  auto q = with<InspectionQuery>([&](auto& q) {
    q.day_from = "2019-01-20";
    q.day_to = "2019-03-01";
    q.sort = InspectionQuery::Sort::kDistrict;
    q.descending = descending;
    q.limit = 1000;
  });
  const auto page = p.storage->listInspections(q);
  std::set<std::string> ids;
  for (const auto& r : page.rows) ids.insert(r.doc_id);
  CHECK(ids == p.madeWhere([](const Made& m) { return m.day >= "2019-01-20" && m.day <= "2019-03-01"; }));
  for (std::size_t i = 1; i < page.rows.size(); ++i) {
    const auto a = sortKey(page.rows[i - 1], q.sort), b = sortKey(page.rows[i], q.sort);
    CHECK((descending ? a >= b : a <= b));
  }
  CHECK(page.total == ids.size());
}
