// Consolidation: the plan report's figures against a hand-counted province, and exports read back
// by independent readers (Python's strict CSV reader, openpyxl for XLSX) and compared to the database.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "exports.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/text.h"
#include "plan_report.h"
#include "push_rules.h"
#include "support/process.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using nlohmann::json;

namespace {

const std::string kLanDevice = "0000000000000000000000000000a001";
const std::string kMinhDevice = "0000000000000000000000000000a002";
const std::string kPlan = "632-KH-UBND-2019";

std::string establishment(const std::string& code) { return seedDocumentId("establishment", code); }

// The hand-counted province (plan period 2019-03-04 to 2019-12-31). Inspections, by district:
//
//   Bảo Lạc   #1 CS-15 approved  2019-05-03 violations no_worker_register   actions fine            2,000,000
//             #2 CS-15 approved  2019-08-10 violations prostitution         actions fine, referral  5,000,000
//             #3 CS-27 submitted 2019-06-01 violations none                 actions none
//             #4 CS-39 draft     2019-06-02 violations underage_worker      actions referral   (a draft: counts nowhere)
//             #5 CS-39 approved  2018-12-20 violations no_security_cert.    actions reminder   (before the period)
//   Hà Quảng  #6 CS-17 approved  2019-04-02 violations room_standard, no_guest_register
//                                           actions fine, suspension  10,000,000
//             #7 CS-17 returned  2019-04-03 violations none                 actions reminder
//
// Periodic reports: Bảo Lạc's Thị trấn Bảo Lạc 2019-Q2 (plan yes, free yes) then 2019-Q4 (plan
// yes, free no: the latest counts); Xã Hưng Thịnh 2019 (plan no, free yes); Xã Cô Ba only a 2018
// report (plan yes: outside the period). Hà Quảng's Thị trấn Xuân Hòa 2019 (plan yes, free yes);
// Xã Trường Hà a draft (plan yes: not counted). District reports: Bảo Lạc 2019 (support 3,
// officials 8 of 10); Hà Quảng 2019-Q1 (support 9, 1 of 9) then 2019-Q3 (support 2, 5 of 5).
struct Province {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> db;
  Identity lan{"lan", Role::kInspector, std::string("bao-lac"), kLanDevice};
  Identity minh{"minh", Role::kInspector, std::string("ha-quang"), kMinhDevice};
  std::int64_t lan_seq = 0, minh_seq = 0;
  std::map<int, std::string> ids;  // fixture number → inspection id

  Province() {
    db = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(db->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    for (const auto& [who, district] : {std::pair{&lan, "bao-lac"}, std::pair{&minh, "ha-quang"}}) {
      REQUIRE(db->addUser({who->user, Role::kInspector, std::string(district), false, ""}, hashPassword("secret-pass")).ok());
      REQUIRE(db->enrolDevice(who->user, who->device, "laptop", newToken().hash).ok());
    }
    REQUIRE(db->addUser({"giam", Role::kSupervisor, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());

    inspect(1, lan, "CS-15", "2019-05-03", {"no_worker_register"}, {"fine"}, 2'000'000, "approved");
    inspect(2, lan, "CS-15", "2019-08-10", {"prostitution"}, {"fine", "referral"}, 5'000'000, "approved");
    inspect(3, lan, "CS-27", "2019-06-01", {"none"}, {"none"}, 0, "submitted");
    inspect(4, lan, "CS-39", "2019-06-02", {"underage_worker"}, {"referral"}, 0, "draft");
    inspect(5, lan, "CS-39", "2018-12-20", {"no_security_certificate"}, {"reminder"}, 0, "approved");
    inspect(6, minh, "CS-17", "2019-04-02", {"room_standard", "no_guest_register"}, {"fine", "suspension"}, 10'000'000, "approved");
    inspect(7, minh, "CS-17", "2019-04-03", {"none"}, {"reminder"}, 0, "returned");

    communeReport(lan, "bao-lac/thi-tran-bao-lac", "2019-Q2", true, true, true);
    communeReport(lan, "bao-lac/thi-tran-bao-lac", "2019-Q4", true, false, true);
    communeReport(lan, "bao-lac/xa-hung-thinh", "2019", false, true, true);
    communeReport(lan, "bao-lac/xa-co-ba", "2018", true, true, true);
    communeReport(minh, "ha-quang/thi-tran-xuan-hoa", "2019", true, true, true);
    communeReport(minh, "ha-quang/xa-truong-ha", "2019", true, true, false);
    districtReport(lan, "bao-lac", "2019", 3, 10, 8);
    districtReport(minh, "ha-quang", "2019-Q1", 9, 9, 1);
    districtReport(minh, "ha-quang", "2019-Q3", 2, 5, 5);
  }

  void push(const Identity& who, const Document& doc, const std::string& base = "") {
    auto& seq = who.user == "lan" ? lan_seq : minh_seq;
    const auto outcome = pushBatch(who, {{++seq, base, doc}}, *db);
    INFO(doc.kind << " " << (outcome.refused.empty() ? "" : outcome.refused[0].reason.en));
    REQUIRE(outcome.refused.empty());
  }

  void inspect(int n, const Identity& who, const std::string& code, const std::string& day, Choices violations, Choices actions,
               std::int64_t fine, const std::string& state) {
    auto doc = test::sampleInspection(who.user, who.device, *who.district, {establishment(code)}, n);
    auto& f = doc.fields;
    const auto visit = parseDateTime(day + " 09:00", 420).value();
    f["visit_time"] = visit;
    f["_started_at"] = visit;
    f["_finalized_at"] = visit;
    f["violations"] = std::move(violations);
    f["actions"] = actions;
    if (fine > 0) f["fine_amount"] = fine;
    else f.erase("fine_amount");
    if (state == "draft") f["_status"] = "draft";
    doc = firstRevision(doc.id, doc.kind, f, who.user, who.device, doc.stamp);
    push(who, doc);
    ids[n] = doc.id;
    if (state == "approved" || state == "returned") {
      const auto at = parseDateTime("2020-01-05 10:00", 420).value();
      REQUIRE(db->amend(doc.id, [&](const Document& head) {
                    return reviewedFields(head, {state == "approved", state == "returned" ? "Sai số liệu" : ""}, "giam", at);
                  }, "giam").ok());
    }
  }

  void form(const Identity& who, Fields fields, bool finalized) {
    fields["_status"] = finalized ? "finalized" : "draft";
    fields["_started_at"] = DateTime{1'560'000'000'000, 420};
    push(who, firstRevision(newDocumentId(), "report", std::move(fields), who.user, who.device, HybridTimestamp{1'560'000'000'000, 0}));
  }

  void communeReport(const Identity& who, const std::string& commune, const std::string& period, bool plan, bool free, bool finalized) {
    form(who,
         {{"_template", seedDocumentId("template", "commune-report")}, {"_template_version", 1}, {"_district", *who.district},
          {"_commune", commune}, {"_period", period}, {"has_prevention_plan", plan}, {"free_of_prostitution", free}},
         finalized);
  }

  void districtReport(const Identity& who, const std::string& district, const std::string& period, int support, int total, int trained) {
    form(who,
         {{"_template", seedDocumentId("template", "district-report")}, {"_template_version", 1}, {"_district", district},
          {"_period", period}, {"support_model_establishments", support}, {"officials_total", total}, {"officials_trained", trained}},
         true);
  }

  PlanReport report(const std::string& district = "") {
    auto r = buildPlanReport(*db, kPlan, district);
    INFO((r ? "" : r.problem().message.en));
    REQUIRE(r.ok());
    return r.value();
  }
};

const TargetFigure& target(const PlanReport& r, const std::string& code) {
  for (const auto& t : r.targets)
    if (t.target.code == code) return t;
  FAIL("no target " << code);
  throw std::logic_error("unreachable");
}

double byDistrict(const TargetFigure& t, const std::string& d) { return t.by_district.count(d) ? t.by_district.at(d) : 0; }

double breakdown(const PlanReport& r, const std::string& field, const std::string& code, const std::string& district = "") {
  for (const auto& b : r.breakdowns)
    if (b.breakdown.field == field)
      for (const auto& row : b.rows)
        if (row.code == code) return district.empty() ? row.total : (row.by_district.count(district) ? row.by_district.at(district) : 0);
  return -1;
}

json readBack(const std::string& kind, const std::filesystem::path& file) {
  auto r = test::runProcess({"/usr/bin/python3", std::string(FIELDCHECK_TEST_DIR) + "/support/read_table.py", kind, file.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out)["rows"];
}

// Exports the records of `kind` in `format` ("csv" or "xlsx") to `file`, requires `rows` of them,
// and reads the file back as a person's spreadsheet would (read_table.py).
json exportedTable(ProvincialStorage& db, const std::string& kind, const std::string& format,
                   const std::filesystem::path& file, std::size_t rows) {
  if (format == "xlsx") {
    auto table = xlsxWriter(file, "Hồ sơ");
    REQUIRE(table.ok());
    REQUIRE(exportRecords(db, {kind, "", "", false}, *table.value()).value() == rows);
  } else {
    std::ofstream out(file, std::ios::binary);
    auto table = csvWriter(out);
    REQUIRE(exportRecords(db, {kind, "", "", false}, *table).value() == rows);
  }
  return readBack(format, file);
}

// The position of the column headed `name` in a table's first row.
std::size_t columnOf(const json& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("report: each target's figure matches the hand-counted province, per district and in all", "[report]") {
  Province p;
  const auto r = p.report();

  const auto& inspected = target(r, "establishments_inspected");  // distinct establishments approved in the period
  CHECK(byDistrict(inspected, "bao-lac") == 1);                   // CS-15 twice; CS-27 only submitted; CS-39 before it
  CHECK(byDistrict(inspected, "ha-quang") == 1);
  CHECK(inspected.total == 2);
  CHECK_FALSE(inspected.met);

  const auto& cases = target(r, "criminal_cases");  // referrals among finalized inspections: #2 (#4 is a draft)
  CHECK(cases.total == 1);
  CHECK(byDistrict(cases, "bao-lac") == 1);

  const auto& with_plan = target(r, "communes_with_plan");  // latest report in the period, as a share of communes
  CHECK(with_plan.percent);
  CHECK(byDistrict(with_plan, "bao-lac") == Approx(100.0 / 3));
  CHECK(byDistrict(with_plan, "ha-quang") == Approx(100.0 / 3));
  CHECK(with_plan.total == Approx(100.0 * 2 / 32));  // 32 communes in the sample

  const auto& free = target(r, "communes_free");
  CHECK(byDistrict(free, "bao-lac") == 1);  // Thị trấn Bảo Lạc's latest (Q4) says no; Hưng Thịnh yes
  CHECK(byDistrict(free, "ha-quang") == 1);
  CHECK(free.total == 2);

  const auto& support = target(r, "support_model");  // each district's latest report
  CHECK(byDistrict(support, "bao-lac") == 3);
  CHECK(byDistrict(support, "ha-quang") == 2);
  CHECK(support.total == 5);

  const auto& trained = target(r, "officials_trained");
  CHECK(byDistrict(trained, "bao-lac") == Approx(80));
  CHECK(byDistrict(trained, "ha-quang") == Approx(100));
  CHECK(trained.total == Approx(100.0 * 13 / 15));

  // Violations and actions of finalized inspections in the period; fines summed.
  CHECK(breakdown(r, "violations", "no_worker_register", "bao-lac") == 1);
  CHECK(breakdown(r, "violations", "prostitution") == 1);
  CHECK(breakdown(r, "violations", "none") == 1);
  CHECK(breakdown(r, "violations", "underage_worker") == 0);
  CHECK(breakdown(r, "violations", "no_security_certificate") == 0);
  CHECK(breakdown(r, "violations", "room_standard", "ha-quang") == 1);
  CHECK(breakdown(r, "actions", "fine") == 3);
  CHECK(breakdown(r, "actions", "referral") == 1);
  CHECK(breakdown(r, "actions", "reminder") == 0);  // #5 before the period, #7 returned
  CHECK(breakdown(r, "fine_amount", "", "bao-lac") == 7'000'000);
  CHECK(breakdown(r, "fine_amount", "") == 17'000'000);

  // Where the inspections stand.
  CHECK(r.states.at("bao-lac").approved == 3);
  CHECK(r.states.at("bao-lac").submitted == 1);
  CHECK(r.states.at("bao-lac").draft == 1);
  CHECK(r.states.at("ha-quang").returned == 1);
  CHECK(r.all_states.approved == 4);

  SECTION("one district's report counts that district only") {
    const auto one = p.report("Bảo Lạc");
    CHECK(one.districts.size() == 1);
    CHECK(target(one, "establishments_inspected").total == 1);
    CHECK(target(one, "communes_with_plan").total == Approx(100.0 / 3));
    CHECK(breakdown(one, "fine_amount", "") == 7'000'000);
  }

  SECTION("an approval after a report is counted by the next one (the index catches up)") {
    const auto at = parseDateTime("2020-01-06 10:00", 420).value();
    REQUIRE(p.db->amend(p.ids[3], [&](const Document& head) { return reviewedFields(head, {true, ""}, "giam", at); }, "giam").ok());
    CHECK(target(p.report(), "establishments_inspected").total == 3);
  }

  SECTION("a form's target counts only approved reports when the plan says so") {
    const auto plan_id = seedDocumentId("plan", kPlan);
    REQUIRE(p.db->amend(plan_id, [](const Document& plan) -> Result<Fields> {
                  auto definition = json::parse(textField(plan, "definition"));
                  for (auto& t : definition["targets"])
                    if (t["code"] == "communes_free") t["measure"]["status"] = "approved";
                  auto fields = plan.fields;
                  fields["definition"] = definition.dump();
                  return fields;
                }, "admin").ok());
    const auto strict = p.report();
    CHECK(target(strict, "communes_free").total == 0);  // every commune report here is only submitted
    CHECK(target(strict, "communes_with_plan").total == Approx(100.0 * 2 / 32));  // its own measure unchanged
  }

  SECTION("an unknown plan or district is refused with what exists") {
    auto unknown = buildPlanReport(*p.db, "KH-2030", "");
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.problem().message.en, Catch::Contains("632-KH-UBND-2019"));
    CHECK_FALSE(buildPlanReport(*p.db, kPlan, "Atlantis").ok());
  }

  SECTION("every format carries the figures") {
    std::ostringstream text, csv, js, html;
    writePlanReport(text, r, ReportFormat::kText);
    writePlanReport(csv, r, ReportFormat::kCsv);
    writePlanReport(js, r, ReportFormat::kJson);
    writePlanReport(html, r, ReportFormat::kHtml);
    CHECK_THAT(text.str(), Catch::Contains("17.000.000") && Catch::Contains("86,7%"));
    const auto parsed = json::parse(js.str());
    CHECK(parsed["targets"][0]["figure"] == 2);
    // The CSV, read back strictly: one row per target and district, the province's first.
    const auto csv_file = p.dir / "report.csv";
    std::ofstream(csv_file, std::ios::binary) << csv.str();
    bool found = false;
    const auto& label = target(r, "establishments_inspected").target.label;
    for (const auto& row : readBack("csv", csv_file))
      if (row[1] == label.vi && row[2] == label.en && row[3] == "Toàn bộ / All") {
        CHECK(std::stod(row[4].get<std::string>()) == 2);
        CHECK(row[5] == "47");
        found = true;
      }
    CHECK(found);
    // What people read names targets by their labels, never by the plan's codes (JSON keeps them).
    for (const auto& t : r.targets) {
      INFO(t.target.code);
      CHECK_THAT(text.str() + csv.str() + html.str(), !Catch::Contains(t.target.code));
      CHECK_THAT(js.str(), Catch::Contains("\"" + t.target.code + "\""));
    }
    // One self-contained page: no script, nothing fetched from the network; a chart per target.
    const auto page = html.str();
    CHECK_THAT(page, Catch::Contains("<html lang=\"vi\">") && Catch::Contains("size: A4") && Catch::Contains("<svg"));
    CHECK_THAT(page, !Catch::Contains("<script") && !Catch::Contains("http://") && !Catch::Contains("https://") &&
                         !Catch::Contains("<link") && !Catch::Contains("<img"));
  }
}

TEST_CASE("export: CSV and XLSX read back by independent readers hold what the database holds", "[export]") {
  Province p;
  const std::string format = GENERATE("csv", "xlsx");
  const auto file = p.dir / ("inspections." + format);
  ExportOptions options{"inspection", "", "", false};
  std::size_t rows = 0;
  if (format == "xlsx") {
    auto table = xlsxWriter(file, "Hồ sơ");
    REQUIRE(table.ok());
    rows = exportRecords(*p.db, options, *table.value()).value();
  } else {
    std::ofstream out(file, std::ios::binary);
    auto table = csvWriter(out);
    rows = exportRecords(*p.db, options, *table).value();
  }
  CHECK(rows == 7);
  const auto table = readBack(format, file);
  REQUIRE(table.size() == 8);
  const auto& header = table[0];
  auto column = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    FAIL("no column " << name);
    return 0;
  };
  // Vietnamese labels as headers, one column per question of the checklist.
  const auto id = column("Mã"), state = column("Tình trạng"), visit = column("Ngày giờ kiểm tra"),
             actions = column("Biện pháp xử lý"), fine = column("Số tiền phạt (VND)"), women = column("Số lao động nữ");
  std::map<std::string, json> by_id;
  for (std::size_t i = 1; i < table.size(); ++i) by_id[table[i][id].get<std::string>()] = table[i];
  for (const auto& head : p.db->heads("inspection")) {
    INFO(head.id);
    REQUIRE(by_id.count(head.id));
    const auto& row = by_id[head.id];
    CHECK(row[state] == reviewStateLabel(reviewState(head)).vi);
    // Dates as dates in the province's time, numbers as numbers, choices by their labels.
    const auto visit_text = formatDateTime(*head.fields.at("visit_time").get<DateTime>()).substr(0, 19);
    if (format == "xlsx") {
      CHECK(row[visit]["datetime"] == visit_text);
      CHECK(row[women] == *head.fields.at("workers_women").get<std::int64_t>());
    } else {
      CHECK(row[visit] == visit_text.substr(0, 10) + " " + visit_text.substr(11));
      CHECK(row[women] == std::to_string(*head.fields.at("workers_women").get<std::int64_t>()));
    }
    const auto* amount = head.fields.count("fine_amount") ? head.fields.at("fine_amount").get<std::int64_t>() : nullptr;
    if (amount && format == "xlsx") CHECK(row[fine] == *amount);
    if (amount && format == "csv") CHECK(row[fine] == std::to_string(*amount));
    if (!amount) CHECK((row[fine].is_null() || row[fine] == ""));
  }
  CHECK_THAT(by_id[p.ids[2]][actions].get<std::string>(), Catch::Equals("Phạt tiền; Chuyển cơ quan điều tra"));

  SECTION("one district, and English headers") {
    std::ostringstream out;
    auto csv = csvWriter(out);
    CHECK(exportRecords(*p.db, {"inspection", "ha-quang", "", true}, *csv).value() == 2);
    CHECK_THAT(out.str(), Catch::Contains("Action taken") && Catch::Contains("Fine"));
  }
}

TEST_CASE("export: text a spreadsheet would run as a formula is written as text in CSV, and numbers stay numbers", "[export]") {
  Province p;
  const std::vector<std::string> hostile = {"=HYPERLINK(\"http://example.invalid\",\"Bấm\")", "+84 206 385 0000",
                                            "-1+1", "@SUM(A1)", "\t=1+1"};
  for (std::size_t i = 0; i < hostile.size(); ++i)
    REQUIRE(p.db->amend(p.ids[static_cast<int>(i) + 1], [&](const Document& head) -> Result<Fields> {
                  auto fields = head.fields;
                  fields["notes"] = hostile[i];
                  return fields;
                }, "giam").ok());
  const auto file = p.dir / "inspections.csv";
  {
    std::ofstream out(file, std::ios::binary);
    auto table = csvWriter(out);
    REQUIRE(exportRecords(*p.db, {"inspection", "", "", true}, *table).value() == 7);
  }
  const auto table = readBack("csv", file);
  std::size_t notes = 0, id = 0, fine = 0;
  for (std::size_t i = 0; i < table[0].size(); ++i) {
    if (table[0][i] == "Team notes") notes = i;
    if (table[0][i] == "Id") id = i;
    if (table[0][i] == "Amount of the fine (VND)") fine = i;
  }
  REQUIRE(notes > 0);
  std::set<std::string> seen;
  for (std::size_t r = 1; r < table.size(); ++r) {
    const auto text = table[r][notes].get<std::string>();
    for (std::size_t i = 0; i < hostile.size(); ++i)
      if (table[r][id] == p.ids[static_cast<int>(i) + 1]) CHECK(text == "'" + hostile[i]);
    seen.insert(text);
    if (table[r][id] == p.ids[2]) CHECK(table[r][fine] == "5000000");  // a number, not text
  }
  CHECK(seen.count("'=HYPERLINK(\"http://example.invalid\",\"Bấm\")") == 1);

  // Numbers written as numbers keep their sign; ordinary text is as it was.
  std::ostringstream out;
  auto direct = csvWriter(out);
  direct->row({Cell{std::int64_t{-5}}, Cell{-2.5}, Cell{std::string("Karaoke Hoàng Gia")}, Cell{std::string("-5")}});
  CHECK(out.str() == "-5,-2.5,Karaoke Hoàng Gia,\"'-5\"\r\n");
}

TEST_CASE("export: establishments and conflicts as JSON Lines, one object per record, with --since and unknown names", "[export]") {
  Province p;
  std::ostringstream lines;
  auto jsonl = jsonlWriter(lines);
  REQUIRE(exportRecords(*p.db, {"establishment", "", "", false}, *jsonl).value() == 47);
  std::istringstream in(lines.str());
  std::size_t count = 0;
  for (std::string line; std::getline(in, line); ++count) {
    const auto record = json::parse(line);
    CHECK_FALSE(record["Tên cơ sở"].get<std::string>().empty());
    CHECK(record["Loại hình"].is_string());  // a choice's label, not its code
  }
  CHECK(count == 47);
  // The hand-counted province has no concurrent edits: a conflicts export is its header alone.
  std::ostringstream conflicts;
  auto csv = csvWriter(conflicts);
  CHECK(exportRecords(*p.db, {"conflict", "", "", false}, *csv).value() == 0);
  CHECK_THAT(conflicts.str(), Catch::Contains("Giá trị bên kia"));
  // Two inspectors change the same answer of a draft offline: one conflict, one row with both values.
  const Identity hoa{"hoa", Role::kInspector, std::string("bao-lac"), "0000000000000000000000000000a003"};
  REQUIRE(p.db->addUser({"hoa", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  REQUIRE(p.db->enrolDevice("hoa", hoa.device, "laptop", newToken().hash).ok());
  const auto draft = p.db->head(p.ids[4]).value();
  auto edit = [&](const Identity& who, std::int64_t seq, std::int64_t workers) {
    auto fields = draft.fields;
    fields["workers_total"] = workers;
    const auto doc = nextRevision(draft, fields, who.user, who.device, HybridTimestamp{draft.stamp.wall_ms + seq, 0});
    REQUIRE(pushBatch(who, {{seq, draft.revision, doc}}, *p.db).refused.empty());
  };
  edit(hoa, 1, 5);
  edit(p.lan, ++p.lan_seq, 9);
  std::ostringstream one;
  auto conflict_csv = csvWriter(one);
  CHECK(exportRecords(*p.db, {"conflict", "", "", false}, *conflict_csv).value() == 1);
  // Named as people know them: the record by what it inspects, the field by its question's label.
  const auto establishment = p.db->head(textField(draft, "_establishment")).value();
  CHECK_THAT(one.str(), Catch::Contains("Tổng số người lao động: 5") && Catch::Contains("Tổng số người lao động: 9") &&
                            Catch::Contains("Chờ quyết định") &&
                            Catch::Contains("phiếu kiểm tra / inspection of " + textField(establishment, "code") + " " +
                                            textField(establishment, "name")));
  CHECK_THAT(one.str(), !Catch::Contains("workers_total") && !Catch::Contains(p.ids[4]));

  std::ostringstream ignored;
  auto none = csvWriter(ignored);
  CHECK(exportRecords(*p.db, {"inspection", "", "2999-01-01", false}, *none).value() == 0);  // nothing changed since
  auto all = csvWriter(ignored);
  CHECK(exportRecords(*p.db, {"inspection", "", "2000-01-01", false}, *all).value() == 7);
  auto bad = csvWriter(ignored);
  CHECK_FALSE(exportRecords(*p.db, {"inspection", "Atlantis", "", false}, *bad).ok());
  CHECK_FALSE(exportRecords(*p.db, {"inspection", "", "yesterday", false}, *bad).ok());
  CHECK_FALSE(exportRecords(*p.db, {"photo", "", "", false}, *bad).ok());
}

TEST_CASE("text: Vietnamese order puts Hạ Lang before Hòa An and each letter where the alphabet has it, unlike byte order", "[text]") {
  const VietnameseCollator before;
  // (earlier, later) in Vietnamese; byte order has each pair the other way round.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"Hạ Lang", "Hòa An"},        // a before o; tones weigh only after the letters
      {"Thạch An", "Thông Nông"},   // a before ô
      {"Ân Thi", "Bắc Mê"},         // â is an a, before b
      {"Đà Lạt", "Em"},             // đ comes after d and before e
      {"Ưng Hòa", "Vĩnh Yên"},      // ư after u, before v
      {"Ơn", "Phú Thọ"},            // ơ after o, before p
  };
  for (const auto& [a, b] : pairs) {
    INFO(a << " / " << b);
    CHECK(b < a);  // bytes: the later one first
    CHECK(before(a, b));
    CHECK_FALSE(before(b, a));
  }
  // Letters that byte order already places: d before đ, a before ă before â, o before ô before ơ.
  CHECK(before("Dương", "Đông"));
  CHECK(before("Hà", "Hăng"));
  CHECK(before("Hăng", "Hâm"));
  CHECK(before("Cô", "Cơ"));
  CHECK(before("Hà Quảng", "Hà Giang") == false);
  CHECK(before("CS-9", "CS-10"));  // numbers as numbers
  CHECK_FALSE(before("Hòa An", "Hòa An"));

  std::vector<std::string> districts = {"Trùng Khánh", "Hòa An", "Thông Nông", "Hạ Lang", "Bảo Lâm", "Thạch An", "Hà Quảng",
                                        "Thành phố Cao Bằng", "Bảo Lạc"};
  sortVietnamese(districts, [](const std::string& s) -> const std::string& { return s; });
  CHECK(districts == std::vector<std::string>{"Bảo Lạc", "Bảo Lâm", "Hạ Lang", "Hà Quảng", "Hòa An", "Thạch An", "Thành phố Cao Bằng",
                                              "Thông Nông", "Trùng Khánh"});
  CHECK(toUpperVietnamese("Ủy ban nhân dân tỉnh Cao Bằng") == "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG");
}

TEST_CASE("report: districts in Vietnamese order, the establishments not yet inspected, and the records the figures leave out", "[report]") {
  Province p;
  const auto r = p.report();
  // Districts by their names in Vietnamese order (the seed lists them otherwise).
  std::vector<std::string> names;
  for (const auto& d : r.districts) names.push_back(d.second);
  CHECK(names == std::vector<std::string>{"Bảo Lạc", "Bảo Lâm", "Hạ Lang", "Hà Quảng", "Hòa An", "Nguyên Bình", "Phục Hòa",
                                          "Quảng Uyên", "Thạch An", "Thành phố Cao Bằng", "Thông Nông", "Trà Lĩnh", "Trùng Khánh"});

  // Left out: inspections #4 (draft), #7 (returned), #5 (before the period); periodic reports of
  // Xã Trường Hà (draft) and Xã Cô Ba (2018). Each once, under its first reason.
  CHECK(r.left_out.drafts == 2);
  CHECK(r.left_out.returned == 1);
  CHECK(r.left_out.outside_period == 2);
  CHECK(r.left_out.total() == 5);

  // Not yet inspected: each establishment of a district without a finalized inspection in the
  // period. Visited: CS-15 (#1, #2), CS-27 (#3, submitted), CS-17 (#6); CS-39 had only a draft
  // and one before the period.
  const std::set<std::string> visited = {"CS-15", "CS-27", "CS-17"};
  std::map<std::string, std::vector<std::string>> expected;
  for (const auto& e : p.db->heads("establishment"))
    if (!visited.count(textField(e, "code"))) expected[textField(e, "district")].push_back(textField(e, "code"));
  std::map<std::string, std::vector<std::string>> listed;
  for (const auto& [d, list] : r.not_inspected)
    for (const auto& e : list) listed[d].push_back(e.code);
  for (auto& [d, codes] : expected) std::sort(codes.begin(), codes.end());  // CS-01..CS-47: zero-padded, byte order is number order
  CHECK(listed == expected);
  CHECK(std::find(listed["bao-lac"].begin(), listed["bao-lac"].end(), "CS-39") != listed["bao-lac"].end());
  CHECK(std::find(listed["bao-lac"].begin(), listed["bao-lac"].end(), "CS-15") == listed["bao-lac"].end());

  SECTION("one district's report leaves out that district's records only") {
    const auto one = p.report("Hà Quảng");
    CHECK(one.left_out.drafts == 1);  // Xã Trường Hà's report
    CHECK(one.left_out.returned == 1);
    CHECK(one.left_out.outside_period == 0);
    CHECK(one.not_inspected.size() == 1);
  }

  SECTION("the HTML page is headed, dated and signed as an administrative report") {
    auto pinned = r;
    const std::vector<std::pair<std::string, std::string>> dates = {
        {"2026-11-30 10:15", "Cao Bằng, ngày 30 tháng 11 năm 2026"},
        {"2026-02-05 08:00", "Cao Bằng, ngày 05 tháng 02 năm 2026"},  // day below 10, months 1 and 2: a leading zero
        {"2027-03-04 08:00", "Cao Bằng, ngày 04 tháng 3 năm 2027"}};
    for (const auto& [at, line] : dates) {
      pinned.generated_at = at;
      std::ostringstream html;
      writePlanReport(html, pinned, ReportFormat::kHtml);
      CHECK_THAT(html.str(), Catch::Contains("<i>" + line + "</i>"));
    }
    std::ostringstream html;
    writePlanReport(html, pinned, ReportFormat::kHtml);
    const auto page = html.str();
    CHECK_THAT(page, Catch::Contains("UBND TỈNH CAO BẰNG") && Catch::Contains("/BC-SLĐTBXH") && Catch::Contains("Nơi nhận:") &&
                         Catch::Contains("Số liệu không tính 5 hồ sơ: 2 bản nháp, 1 bị trả lại chờ sửa, 2 ngoài kỳ báo cáo.") &&
                         Catch::Contains("The figures leave out 5 records: 2 drafts, 1 returned for correction, 2 outside the period.") &&
                         Catch::Contains("04/03/2019 – 31/12/2019"));
    // Hạ Lang's section comes before Hòa An's.
    CHECK(page.find("<h3>Hạ Lang (") < page.find("<h3>Hòa An ("));
  }

  SECTION("a plan without a report heading is headed by its province") {
    const auto plan_id = seedDocumentId("plan", kPlan);
    REQUIRE(p.db->amend(plan_id, [](const Document& plan) -> Result<Fields> {
                  auto definition = json::parse(textField(plan, "definition"));
                  definition.erase("report");
                  auto fields = plan.fields;
                  fields["definition"] = definition.dump();
                  return fields;
                }, "admin").ok());
    const auto plain = p.report();
    CHECK(plain.heading.issuer == std::vector<std::string>{"UBND TỈNH CAO BẰNG"});
    CHECK(plain.heading.place == "Cao Bằng");
    CHECK_FALSE(plain.heading.signer_title.empty());
  }
}

TEST_CASE("export: an inspection names who made it apart from its reviewer and last editor, GPS as two numbers, photos by name", "[export]") {
  Province p;
  // #1: made by Lan, approved by Giám, then amended by the province's officer.
  REQUIRE(p.db->amend(p.ids[1], [](const Document& head) -> Result<Fields> {
                auto fields = head.fields;
                fields["notes"] = std::string("Bổ sung sau khi duyệt");
                fields["photo_premises"] = AttachmentRef{std::string(64, 'a'), 1234, "image/jpeg"};
                fields["correction_deadline"] = std::string("2019-06-15");  // a date question: a day
                return fields;
              }, "tinh").ok());
  const std::string format = GENERATE("csv", "xlsx");
  const auto file = p.dir / ("inspections." + format);
  const auto table = exportedTable(*p.db, "inspection", format, file, 7);
  const auto& header = table[0];
  auto column = [&](const std::string& name) { return columnOf(header, name); };
  const auto id = column("Mã"), inspector = column("Người kiểm tra"), reviewer = column("Người duyệt"),
             last = column("Người sửa cuối"), lat = column("Vị trí GPS — vĩ độ"), lon = column("Vị trí GPS — kinh độ"),
             photo = column("Ảnh cơ sở"), deadline = column("Hạn khắc phục vi phạm");
  auto number = [&](const json& cell) { return cell.is_number() ? cell.get<double>() : std::stod(cell.get<std::string>()); };
  bool seen = false;
  for (std::size_t i = 1; i < table.size(); ++i) {
    const auto& row = table[i];
    const auto head = p.db->head(row[id].get<std::string>()).value();
    INFO(head.id);
    const auto* point = head.fields.at("location").get<GeoPoint>();
    REQUIRE(point);
    if (format == "xlsx") CHECK(row[lat].is_number());
    CHECK(number(row[lat]) == Approx(point->latitude));
    CHECK(number(row[lon]) == Approx(point->longitude));
    CHECK(row[last] == head.author);
    if (head.id == p.ids[1]) {
      seen = true;
      CHECK(row[inspector] == "lan");
      CHECK(row[reviewer] == "giam");
      CHECK(row[last] == "tinh");
      CHECK(row[photo] == head.id.substr(0, 8) + "-photo_premises-1.jpg");
      // A day: a date cell in XLSX (shown dd/mm/yyyy), ISO text in CSV, never a date and time.
      if (format == "xlsx") CHECK(row[deadline] == json{{"datetime", "2019-06-15T00:00:00"}});
      else CHECK(row[deadline] == "2019-06-15");
    } else {
      CHECK(row[inspector] == (head.id == p.ids[6] || head.id == p.ids[7] ? "minh" : "lan"));  // #1-#5 Lan's, #6-#7 Minh's
    }
  }
  CHECK(seen);
  CHECK(photoName("HA-2-0007", "photo_front", 2, "image/png") == "HA-2-0007-photo_front-2.png");
}

TEST_CASE("export: establishments carry their code and their commune's and district's names, and XLSX prints as an office files it", "[export]") {
  Province p;
  const std::string format = GENERATE("csv", "xlsx");
  const auto file = p.dir / ("establishments." + format);
  const auto table = exportedTable(*p.db, "establishment", format, file, 47);
  REQUIRE(table.size() == 48);
  const auto& header = table[0];
  auto column = [&](const std::string& name) { return columnOf(header, name); };
  const auto code = column("Mã cơ sở"), commune = column("Xã, phường, thị trấn"), district = column("Huyện"), name = column("Tên cơ sở");
  std::map<std::string, std::string> communes, districts;
  for (const auto& c : p.db->heads("commune")) communes[textField(c, "code")] = textField(c, "name");
  for (const auto& [c, n] : p.db->districts()) districts[c] = n;
  std::set<std::string> codes;
  for (std::size_t i = 1; i < table.size(); ++i) {
    const auto& row = table[i];
    const auto e = p.db->head(establishment(row[code].get<std::string>())).value();
    INFO(row[code]);
    codes.insert(row[code].get<std::string>());
    CHECK(row[name] == textField(e, "name"));
    CHECK(row[district] == districts.at(textField(e, "district")));
    if (!textField(e, "commune").empty()) CHECK(row[commune] == communes.at(textField(e, "commune")));
  }
  CHECK(codes.size() == 47);
  CHECK(codes.count("CS-43") == 1);
  // No slug where a person reads names, no question id in a header.
  for (const auto& h : header) CHECK_THAT(h.get<std::string>(), !Catch::Contains("_") && !Catch::Contains("(mã)"));
  if (format == "csv") {
    CHECK_THAT(fieldcheck::readWholeFile(file), !Catch::Contains("thanh-pho-cao-bang/"));
    return;
  }
  auto layout = test::runProcess({"/usr/bin/python3", std::string(FIELDCHECK_TEST_DIR) + "/support/read_table.py", "xlsx-layout", file.string()});
  INFO(layout.err);
  REQUIRE(layout.exit_code == 0);
  const auto sheet = json::parse(layout.out)["sheets"][0];
  CHECK(sheet["orientation"] == "landscape");
  CHECK(sheet["paper"] == 9);  // A4
  CHECK(sheet["fit_to_page"] == true);
  CHECK(sheet["fit_width"] == 1);
  CHECK(sheet["fit_height"] == 0);
  CHECK(sheet["print_title_rows"] == "$1:$1");
  CHECK(sheet["freeze_panes"] == "A2");
  // Widths follow the content: the address column is wider than the code column, none past the cap.
  const auto widths = sheet["widths"];
  REQUIRE(widths.size() == header.size());
  for (const auto& w : widths) CHECK((w.is_number() && w.get<double>() <= 51));
  CHECK(widths[column("Địa chỉ")].get<double>() > widths[code].get<double>() + 10);
}
