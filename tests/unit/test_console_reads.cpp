// The console's reads (sync-server/console/API.md) on a real provincial database filled through
// the push path: scope by role and district, the inspections table, one inspection's Form as the
// app's, exports read back, and the plan report's HTML keeping markup inert.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app/app_api.h"
#include "console_api.h"
#include "console_json.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/text.h"
#include "inspector_service.h"
#include "plan_report.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "support/sample_images.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using nlohmann::json;

namespace {

struct Made {
  std::string id, number, district, state;
};

// A province with two districts (of two establishments or more), each with an inspector and a supervisor, a provincial officer,
// and 16 inspections (every state, on different days) pushed through the push path.
struct Province {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  std::vector<std::string> districts;
  std::map<std::string, std::vector<std::string>> establishments;  // ids by district
  std::map<std::string, Identity> people;
  std::map<std::string, std::int64_t> seq;
  std::map<std::string, int> numbered;
  std::map<std::string, std::string> abbreviations;  // by district
  std::vector<Made> made;

  Province() {
    storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    for (const auto& d : storage->heads("district")) abbreviations[textField(d, "code")] = textField(d, "abbreviation");
    for (const auto& e : storage->heads("establishment")) establishments[textField(e, "district")].push_back(e.id);
    for (const auto& [code, name] : storage->districts())
      if (districts.size() < 2 && establishments[code].size() >= 2) districts.push_back(code);
    REQUIRE(districts.size() == 2);
    for (const auto& d : districts) {
      enrol("insp-" + d, Role::kInspector, d);
      enrol("sup-" + d, Role::kSupervisor, d);
    }
    enrol("prov", Role::kProvincial, std::nullopt);
    const char* states[] = {"draft", "submitted", "approved", "returned"};
    for (int i = 0; i < 16; ++i) make(districts[static_cast<std::size_t>(i % 2)], states[i / 2 % 4], i);
    storage->refreshReportIndex();
  }

  void enrol(const std::string& name, Role role, const std::optional<std::string>& district,
             const std::string& device = newDocumentId()) {
    REQUIRE(storage->addUser({name, role, district, false, ""}, hashPassword("secret-pass")).ok());
    people[name] = Identity{name, role, district, device};
    REQUIRE(storage->enrolDevice(name, device, "laptop", newToken().hash).ok());
  }

  void push(const std::string& user, const Document& doc, const std::string& base = "") {
    const auto outcome = pushBatch(people[user], {{++seq[user], base, doc}}, *storage);
    INFO((outcome.refused.empty() ? "" : outcome.refused[0].reason.en));
    REQUIRE(outcome.refused.empty());
  }

  void make(const std::string& district, const std::string& state, int i) {
    const auto maker = (state == "approved" ? "sup-" : "insp-") + district;
    const auto& who = people[maker];
    auto doc = test::sampleInspection(maker, who.device, district, {establishments[district][0]}, i);
    const DateTime visit{1'546'300'800'000 + i * 3 * 86'400'000LL + 9 * 3'600'000LL, 420};
    doc.fields["visit_time"] = visit;
    const auto number = RecordNumber{districtAbbreviation(district, abbreviations[district]), laptopMarker(who.device), ++numbered[maker]}.text();
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
      push(supervisor, nextRevision(doc, fields, supervisor, people[supervisor].device, HybridTimestamp{doc.stamp.wall_ms + 1, 0}),
           doc.revision);
    }
    made.push_back({doc.id, number, district, state});
  }

  User user(const std::string& name) {
    for (const auto& u : storage->users())
      if (u.name == name) return u;
    FAIL("no user " << name);
    return {};
  }

  ApiResponse get(const std::string& who, const std::string& target) {
    return handleConsoleApi({"GET", target, {}, "", "127.0.0.1"}, user(who), *storage);
  }

  json ok(const std::string& who, const std::string& target) {
    const auto answer = get(who, target);
    INFO(target << " " << answer.body);
    REQUIRE(answer.status == 200);
    return json::parse(answer.body);
  }

  std::size_t madeIn(const std::string& district, const std::string& state = "") const {
    std::size_t n = 0;
    for (const auto& m : made) n += m.district == district && (state.empty() || m.state == state);
    return n;
  }
};

// Every key of `j`, with its path, objects' keys and the first element of arrays, recursively.
void collectKeys(const json& j, const std::string& path, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      out.insert(path + "/" + key);
      collectKeys(value, path + "/" + key, out);
    }
  } else if (j.is_array() && !j.empty()) {
    collectKeys(j.front(), path + "[]", out);
  }
}

std::string fileText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("console: a supervisor of one district gets 404 for another district's record by id, by number and by filter", "[console]") {
  Province p;
  const auto mine = p.districts[0], theirs = p.districts[1];
  const auto& other = *std::find_if(p.made.begin(), p.made.end(), [&](const Made& m) { return m.district == theirs; });
  const auto& own = *std::find_if(p.made.begin(), p.made.end(), [&](const Made& m) { return m.district == mine; });
  const auto supervisor = "sup-" + mine;
  CHECK(p.get(supervisor, "/api/inspections/" + other.id).status == 404);
  CHECK(p.get(supervisor, "/api/inspections/" + other.number).status == 404);
  CHECK(p.get(supervisor, "/api/inspections?district=" + theirs).status == 404);
  CHECK(p.get(supervisor, "/api/dashboard?district=" + theirs).status == 404);
  CHECK(p.get(supervisor, "/api/inspections/no-such-record").status == 404);
  // The same answer as an unknown record: nothing tells the other district's record exists.
  CHECK(json::parse(p.get(supervisor, "/api/inspections/" + other.number).body)["error"]["code"] == "not_found");
  CHECK(p.ok(supervisor, "/api/inspections/" + own.number)["id"] == own.id);
  CHECK(p.ok(supervisor, "/api/inspections/" + own.id)["number"] == own.number);
  // The province sees both.
  CHECK(p.ok("prov", "/api/inspections/" + other.number)["id"] == other.id);
  CHECK(p.ok("prov", "/api/inspections?district=" + theirs)["total"] == p.madeIn(theirs));
}

TEST_CASE("console: an inspector lists only the inspections of their own district", "[console]") {
  Province p;
  const auto mine = p.districts[0];
  const auto list = p.ok("insp-" + mine, "/api/inspections?per_page=200");
  CHECK(list["total"] == p.madeIn(mine));
  REQUIRE(list["rows"].size() == p.madeIn(mine));
  for (const auto& row : list["rows"]) CHECK(row["district"]["code"] == mine);
  const auto places = p.ok("insp-" + mine, "/api/places");
  REQUIRE(places["districts"].size() == 1);
  CHECK(places["districts"][0]["code"] == mine);
  CHECK(p.get("insp-" + mine, "/api/export?format=csv").status == 403);
  CHECK(p.get("insp-" + mine, "/api/audit").status == 403);
}

TEST_CASE("console: the inspections table filters by state and pages through the rest", "[console]") {
  Province p;
  const auto approved = p.ok("prov", "/api/inspections?state=approved&per_page=200");
  std::size_t expected = 0;
  for (const auto& m : p.made) expected += m.state == "approved";
  REQUIRE(approved["rows"].size() == expected);
  for (const auto& row : approved["rows"]) {
    CHECK(row["state"]["code"] == "approved");
    CHECK(row["state"]["label"]["vi"] == "Đã duyệt");
    CHECK(row["state"]["label"]["en"] == "Approved");
    CHECK(row["day_text"].get<std::string>().size() == 10);  // "03/05/2019"
  }
  const auto first = p.ok("prov", "/api/inspections?per_page=5&page=1&sort=number&order=asc");
  const auto second = p.ok("prov", "/api/inspections?per_page=5&page=2&sort=number&order=asc");
  CHECK(first["total"] == p.made.size());
  REQUIRE(first["rows"].size() == 5);
  REQUIRE(second["rows"].size() == 5);
  std::set<std::string> seen;
  for (const auto* page : {&first, &second})
    for (const auto& row : (*page)["rows"]) seen.insert(row["id"].get<std::string>());
  CHECK(seen.size() == 10);
  CHECK(first["rows"][4]["number"].get<std::string>() < second["rows"][0]["number"].get<std::string>());
  // The search box: a record's number names it; an establishment's name (without accents) its inspections.
  const auto& one = p.made.front();
  auto found = p.ok("prov", "/api/inspections?q=" + one.number);
  REQUIRE(found["rows"].size() == 1);
  CHECK(found["rows"][0]["id"] == one.id);
  const auto establishment = p.storage->head(p.establishments[one.district][0]).value();
  const auto words = foldForSearch(textField(establishment, "name"));
  std::string query;
  for (const char c : words) query += c == ' ' ? '+' : c;
  found = p.ok("prov", "/api/inspections?per_page=200&q=" + query);
  CHECK(found["total"] == p.madeIn(one.district));
  for (const auto& row : found["rows"]) CHECK(row["establishment"]["id"] == establishment.id);
  CHECK(p.ok("sup-" + p.districts[1], "/api/inspections?q=" + one.number)["rows"].empty() == (one.district != p.districts[1]));
  CHECK(p.get("prov", "/api/inspections?state=finished").status == 400);
  CHECK(p.get("prov", "/api/inspections?per_page=201").status == 400);
  CHECK(p.get("prov", "/api/inspections?from=2019-02-30").status == 400);
}

TEST_CASE("console: one inspection's form has the same shape as the inspector's app's Form of the same record", "[console]") {
  Province p;
  // The record is made on a laptop, by the app's own code, then pushed.
  test::TempDir laptop_dir;
  client::Home home{laptop_dir / "home"};
  REQUIRE(client::initHome(home, test::sampleSeed(), "lan").ok());
  auto service = client::InspectorService::open(home);
  REQUIRE(service.ok());
  auto draft = service.value().newInspection("CS-05", std::nullopt);
  REQUIRE(draft.ok());
  REQUIRE(service.value().setAnswers(draft.value().id, {{"workers_total", "3"}, {"workers_women", "5"}}).ok());
  const auto doc = service.value().findInspection(draft.value().id).value();
  p.enrol("lan", Role::kInspector, textField(doc, "_district"), doc.device);
  p.push("lan", doc);

  auto app = client::AppApi::open(home);
  REQUIRE(app.ok());
  const auto app_answer = app.value()->handle({"GET", "/api/inspections/" + doc.id, "", ""});
  REQUIRE(app_answer.status == 200);
  const auto app_form = json::parse(app_answer.body);
  const auto inspection = p.ok("prov", "/api/inspections/" + doc.id);
  const auto& form = inspection["form"];

  std::set<std::string> app_keys, console_keys;
  collectKeys(app_form, "", app_keys);
  collectKeys(form, "", console_keys);
  CHECK(console_keys == app_keys);
  CHECK(form["number"] == app_form["number"]);
  CHECK(form["sections"] == app_form["sections"]);
  CHECK(form["constraints"] == app_form["constraints"]);
  CHECK(form["editable"] == false);
  CHECK(inspection["state"]["code"] == "draft");
  CHECK(inspection["inspector"] == "lan");
}

TEST_CASE("console: an export is a file of every inspection in scope, with a name to save it under", "[console]") {
  Province p;
  const auto csv = p.get("prov", "/api/export?format=csv&kind=inspection");
  REQUIRE(csv.status == 200);
  REQUIRE_FALSE(csv.body_file.empty());
  const auto text = fileText(csv.body_file);
  CHECK(text.substr(0, 3) == "\xEF\xBB\xBF");
  std::size_t lines = 0;
  for (std::size_t at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n", at + 2)) ++lines;
  CHECK(lines == p.made.size() + 1);
  for (const auto& m : p.made) CHECK(text.find(m.number) != std::string::npos);
  bool named = false;
  for (const auto& [name, value] : csv.headers)
    named = named || (name == "Content-Disposition" && value.find("filename=\"fieldcheck-inspection-") != std::string::npos &&
                      value.find(".csv\"") != std::string::npos);
  CHECK(named);
  std::filesystem::remove(csv.body_file);

  // A supervisor's export holds their district's only.
  const auto mine = p.districts[0];
  const auto theirs = std::find_if(p.made.begin(), p.made.end(), [&](const Made& m) { return m.district != mine; })->number;
  const auto scoped = p.get("sup-" + mine, "/api/export?format=csv&kind=inspection");
  REQUIRE(scoped.status == 200);
  const auto scoped_text = fileText(scoped.body_file);
  CHECK(scoped_text.find(theirs) == std::string::npos);
  std::filesystem::remove(scoped.body_file);

  // The table's filters make the file hold the filtered table's rows, no more.
  const auto filtered = p.get("prov", "/api/export?format=csv&kind=inspection&state=approved&district=" + mine);
  REQUIRE(filtered.status == 200);
  const auto filtered_text = fileText(filtered.body_file);
  for (const auto& m : p.made)
    CHECK((filtered_text.find(m.number) != std::string::npos) == (m.state == "approved" && m.district == mine));
  std::filesystem::remove(filtered.body_file);

  const auto xlsx = p.get("prov", "/api/export?format=xlsx&kind=inspection&lang=en");
  REQUIRE(xlsx.status == 200);
  CHECK(fileText(xlsx.body_file).substr(0, 4) == std::string("PK\x03\x04", 4));
  std::filesystem::remove(xlsx.body_file);
  CHECK(p.get("prov", "/api/export?format=pdf").status == 400);
}

TEST_CASE("console: the plan report's HTML shows markup typed into a name as text and links its stylesheet", "[console]") {
  Province p;
  const auto district = p.districts[0];
  // An inspector corrects an establishment nobody inspected: its name is listed as not inspected.
  const auto id = p.establishments[district].back();
  const auto head = p.storage->head(id).value();
  auto fields = head.fields;
  fields["name"] = std::string("<img src=x onerror=alert(1)>");
  const auto inspector = "insp-" + district;
  p.push(inspector, nextRevision(head, fields, inspector, p.people[inspector].device, HybridTimestamp{head.stamp.wall_ms + 1, 0}),
         head.revision);

  const auto report = p.get("prov", "/api/plan-report.html?district=" + district);
  REQUIRE(report.status == 200);
  CHECK(report.content_type.find("text/html") == 0);
  CHECK(report.body.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(report.body.find("<img") == std::string::npos);
  CHECK(report.body.find("<style") == std::string::npos);
  CHECK(report.body.find("style=") == std::string::npos);
  CHECK(report.body.find("<link rel=\"stylesheet\" href=\"/static/report.") != std::string::npos);
  // In JSON the same name is a string like any other.
  const auto found = p.ok("prov", "/api/establishments/" + id);
  CHECK(found["name"] == "<img src=x onerror=alert(1)>");
  const auto summary = p.ok("sup-" + district, "/api/plan-report");
  CHECK(summary["html_url"] == "/api/plan-report.html?district=");
  CHECK_FALSE(summary["targets"].empty());
}

TEST_CASE("console: the dashboard counts each district's inspections by state and lists the laptops in scope", "[console]") {
  Province p;
  const auto mine = p.districts[0];
  const auto board = p.ok("sup-" + mine, "/api/dashboard");
  REQUIRE(board["states"].size() == 1);
  CHECK(board["states"][0]["district"]["code"] == mine);
  CHECK(board["states"][0]["approved"] == p.madeIn(mine, "approved"));
  CHECK(board["states"][0]["draft"] == p.madeIn(mine, "draft"));
  CHECK(board["states"][0]["returned"] == p.madeIn(mine, "returned"));
  std::set<std::string> users;
  for (const auto& d : board["devices"]["rows"]) users.insert(d["user"].get<std::string>());
  CHECK(users == std::set<std::string>{"insp-" + mine, "sup-" + mine});
  const auto all = p.ok("prov", "/api/dashboard");
  CHECK(all["states"].size() == p.storage->districts().size());
  CHECK(all["states_total"]["submitted"] == p.madeIn(p.districts[0], "submitted") + p.madeIn(p.districts[1], "submitted"));
}

TEST_CASE("console: the establishments list finds a name typed without its accents, in the caller's district only", "[console]") {
  Province p;
  const auto district = p.districts[0];
  const auto e = p.storage->head(p.establishments[district][0]).value();
  const auto name = textField(e, "name");
  const auto list = p.ok("sup-" + district, "/api/establishments?q=" + foldForSearch(name).substr(0, foldForSearch(name).find(' ')));
  bool found = false;
  for (const auto& row : list["rows"]) {
    CHECK(row["district"]["code"] == district);
    if (row["id"] == e.id) {
      found = true;
      CHECK(row["visits"] == p.madeIn(district));
      CHECK(row["last_visit_text"].get<std::string>().size() == 10);
      CHECK(row["last_state"]["code"].is_string());
    }
  }
  CHECK(found);
  const auto one = p.ok("sup-" + district, "/api/establishments/" + textField(e, "code"));
  CHECK(one["visits"].size() == p.madeIn(district));
  const auto other = p.storage->head(p.establishments[p.districts[1]][0]).value();
  CHECK(p.get("sup-" + district, "/api/establishments/" + textField(other, "code")).status == 404);
}

TEST_CASE("console: a conflict is listed and shown by its fields' labels to its district and the province, and is 404 to another district", "[console]") {
  Province p;
  const auto district = p.districts[0];
  const auto inspector = "insp-" + district, supervisor = "sup-" + district;
  // The inspector's draft, edited from the same base offline by its inspector and its supervisor.
  auto base = test::sampleInspection(inspector, p.people[inspector].device, district, {p.establishments[district][0]}, 99);
  base.fields["_status"] = "draft";
  base.fields["workers_total"] = 4;
  base = firstRevision(base.id, base.kind, base.fields, inspector, p.people[inspector].device, HybridTimestamp{10, 0});
  p.push(inspector, base);
  auto theirs_fields = base.fields;
  theirs_fields["workers_total"] = 5;
  p.push(supervisor, nextRevision(base, theirs_fields, supervisor, p.people[supervisor].device, HybridTimestamp{20, 0}), base.revision);
  auto mine_fields = base.fields;
  mine_fields["workers_total"] = 6;
  p.push(inspector, nextRevision(base, mine_fields, inspector, p.people[inspector].device, HybridTimestamp{30, 0}), base.revision);

  const auto list = p.ok(supervisor, "/api/conflicts");
  REQUIRE(list["rows"].size() == 1);
  const auto& row = list["rows"][0];
  CHECK(row["record"]["id"] == base.id);
  CHECK(row["district"]["code"] == district);
  CHECK(row["fields"][0]["en"] == "Number of workers");
  CHECK(row["open"] == true);
  const auto number = std::to_string(row["number"].get<std::int64_t>());
  const auto conflict = p.ok(supervisor, "/api/conflicts/" + number);
  REQUIRE(conflict["fields"].size() == 1);
  CHECK(conflict["fields"][0]["field"] == "workers_total");
  CHECK(conflict["fields"][0]["base"] == "4");
  CHECK(conflict["fields"][0]["applied"] == "6");
  CHECK(conflict["fields"][0]["other"] == "5");
  CHECK(conflict["fields"][0]["applied_by"] == inspector);
  CHECK(conflict["fields"][0]["other_by"] == supervisor);
  CHECK(p.ok("prov", "/api/conflicts")["rows"].size() == 1);
  CHECK(p.ok("prov", "/api/inspections/" + base.id)["conflicts"] == json::array({row["number"]}));
  const auto other = "sup-" + p.districts[1];
  CHECK(p.ok(other, "/api/conflicts")["rows"].empty());
  CHECK(p.get(other, "/api/conflicts/" + number).status == 404);
  CHECK(p.get(other, "/api/conflicts?district=" + district).status == 404);
}

TEST_CASE("console: the periodic reports list every commune of the scope, the missing ones first", "[console]") {
  Province p;
  const auto district = p.districts[0];
  std::set<std::string> communes;
  for (const auto& c : p.storage->heads("commune"))
    if (textField(c, "district") == district) communes.insert(textField(c, "code"));
  const auto reports = p.ok("sup-" + district, "/api/reports?kind=commune&period=2019-Q2");
  std::set<std::string> listed;
  bool filed_seen = false;
  for (const auto& row : reports["rows"]) {
    listed.insert(row["subject"]["code"].get<std::string>());
    CHECK(row["district"]["code"] == district);
    // Missing ones first: once a filed row is seen, no missing one follows.
    if (!row["record"].is_null()) filed_seen = true;
    else CHECK_FALSE(filed_seen);
  }
  CHECK(listed == communes);
  CHECK(reports["missing"].get<std::size_t>() + reports["filed"].get<std::size_t>() == communes.size());
  CHECK(p.get("sup-" + district, "/api/reports?period=2019-Q5").status == 400);
  CHECK(p.ok("sup-" + district, "/api/reports?kind=district")["rows"].size() == 1);
}

TEST_CASE("console: the audit log is the province's and the administrators' to read, newest first", "[console]") {
  Province p;
  CHECK(p.get("sup-" + p.districts[0], "/api/audit").status == 403);
  const auto page = p.ok("prov", "/api/audit?limit=3");
  REQUIRE(page["rows"].size() == 3);
  CHECK(page["rows"][0]["id"].get<std::int64_t>() > page["rows"][1]["id"].get<std::int64_t>());
  const auto next = p.ok("prov", "/api/audit?limit=3&before=" + std::to_string(page["next_before"].get<std::int64_t>()));
  REQUIRE_FALSE(next["rows"].empty());
  CHECK(next["rows"][0]["id"].get<std::int64_t>() < page["rows"][2]["id"].get<std::int64_t>());
}

TEST_CASE("console: the plan report written to a file carries the console's report styles inline, the console's links them", "[console]") {
  Province p;
  const auto report = buildPlanReport(*p.storage, "", "");
  REQUIRE(report.ok());
  std::ostringstream file, linked;
  writePlanReport(file, report.value(), ReportFormat::kHtml);
  writePlanReport(linked, report.value(), ReportFormat::kHtml, "/static/report.0123abcd.css");
  CHECK(file.str().find("<style>") != std::string::npos);
  CHECK(file.str().find("@page { size: A4") != std::string::npos);
  CHECK(linked.str().find("<style") == std::string::npos);
  CHECK(linked.str().find("<link rel=\"stylesheet\" href=\"/static/report.0123abcd.css\">") != std::string::npos);
}

TEST_CASE("console: a photo a record names is given to readers of its district and is 404 to another district", "[console]") {
  Province p;
  const auto district = p.districts[0];
  const auto inspector = "insp-" + district;
  const auto jpeg = test::sampleJpeg(4096, 7);
  const auto sha = sha256Hex(jpeg);
  auto doc = test::sampleInspection(inspector, p.people[inspector].device, district, {p.establishments[district][0]}, 77);
  doc.fields["photo_premises"] = AttachmentRef{sha, jpeg.size(), "image/jpeg"};
  doc = firstRevision(doc.id, doc.kind, doc.fields, inspector, p.people[inspector].device, doc.stamp);
  p.push(inspector, doc);
  REQUIRE(p.storage->appendUpload(p.people[inspector], sha, 0, jpeg.size(), "image/jpeg", jpeg, sha).ok());

  const auto photo = p.get("sup-" + district, "/api/photos/" + sha);
  REQUIRE(photo.status == 200);
  CHECK(photo.content_type == "image/jpeg");
  CHECK(photo.body == jpeg);
  CHECK(p.get("sup-" + p.districts[1], "/api/photos/" + sha).status == 404);
  CHECK(p.get("sup-" + district, "/api/photos/" + sha256Hex("nothing")).status == 404);
  CHECK(p.get("sup-" + district, "/api/photos/..%2F..%2Fprovincial.db").status == 404);
  const auto inspection = p.ok("sup-" + district, "/api/inspections/" + doc.id);
  REQUIRE(inspection["photos"].size() == 1);
  CHECK(inspection["photos"][0]["url"] == "/api/photos/" + sha);
  CHECK(inspection["photos"][0]["label"]["en"] == "Photo of the premises");
}

TEST_CASE("console: a record the console changed shows in its new state at the table's next read", "[console]") {
  Province p;
  const auto& submitted = *std::find_if(p.made.begin(), p.made.end(), [](const Made& m) { return m.state == "submitted"; });
  const auto supervisor = "sup-" + submitted.district;
  CHECK(p.ok(supervisor, "/api/inspections?q=" + submitted.number)["rows"][0]["state"]["code"] == "submitted");
  CHECK(p.ok(supervisor, "/api/inspections?state=submitted&per_page=200")["total"] == p.madeIn(submitted.district, "submitted"));
  const auto head = p.storage->head(submitted.id).value();
  auto fields = head.fields;
  fields["_review"] = "approved";
  fields["_reviewed_by"] = supervisor;
  fields["_reviewed_at"] = DateTime{1'560'000'000'000, 420};
  p.push(supervisor, nextRevision(head, fields, supervisor, p.people[supervisor].device, HybridTimestamp{head.stamp.wall_ms + 5, 0}),
         head.revision);
  console::reportIndexChanged();
  CHECK(p.ok(supervisor, "/api/inspections?state=submitted&per_page=200")["total"] == p.madeIn(submitted.district, "submitted") - 1);
}

TEST_CASE("console: an inspection's history tells who changed what, by the fields' labels, oldest first", "[console]") {
  Province p;
  const auto& returned = *std::find_if(p.made.begin(), p.made.end(), [](const Made& m) { return m.state == "returned"; });
  const auto inspection = p.ok("prov", "/api/inspections/" + returned.number);
  const auto& history = inspection["history"];
  REQUIRE(history.size() == 2);
  CHECK(history[0]["what"]["en"] == "Created");
  CHECK(history[0]["by"] == "insp-" + returned.district);
  CHECK(history[1]["by"] == "sup-" + returned.district);
  std::map<std::string, std::string> second;
  for (const auto& c : history[1]["changes"]) second[c["label"]["en"].get<std::string>()] = c["shown"].get<std::string>();
  // Only what the review changed, as people read it.
  CHECK(second.count("Comment") == 1);
  CHECK(second["Comment"] == "Thiếu chữ ký.");
  CHECK(second["Status"] == "nháp / draft");
  CHECK(second.count("Number of workers") == 0);
  CHECK(inspection["review"]["comment"] == "Thiếu chữ ký.");
  CHECK(inspection["inspector"] == "insp-" + returned.district);
  CHECK(inspection["state"]["label"]["vi"] == "Bị trả lại");
}

TEST_CASE("console: the dashboard gives each target's goal in both languages and its figures as numbers", "[console]") {
  Province p;
  const auto report = buildPlanReport(*p.storage, "", "");
  REQUIRE(report.ok());
  const auto board = p.ok("prov", "/api/dashboard");
  REQUIRE(board["targets"].size() == report.value().targets.size());
  REQUIRE_FALSE(board["targets"].empty());
  bool some_unit = false;
  for (std::size_t i = 0; i < report.value().targets.size(); ++i) {
    const auto& t = report.value().targets[i];
    const auto& shown = board["targets"][i];
    INFO(shown.dump());
    // The Vietnamese text is the goal as the Vietnamese report writes it: no English unit.
    CHECK(shown["goal_text"]["vi"] == planGoalText(t.target));
    CHECK(shown["goal_text"]["en"].get<std::string>().find(planGoalText(t.target)) == 0);
    if (!t.target.unit.empty() && !t.percent) {
      some_unit = true;
      CHECK(shown["goal_text"]["vi"].get<std::string>().find(t.target.unit) == std::string::npos);
      CHECK(shown["goal_text"]["en"].get<std::string>().find(t.target.unit) != std::string::npos);
    }
    CHECK(shown["total"].get<double>() == Approx(t.total));
    const auto goal = t.target.goal_percent ? t.target.goal_percent : t.target.goal_min ? t.target.goal_min : t.target.goal;
    if (goal) CHECK(shown["goal"].get<double>() == Approx(*goal));
    else CHECK(shown["goal"].is_null());
  }
  CHECK(some_unit);
  CHECK(p.ok("prov", "/api/plan-report")["targets"][0]["goal_text"] == board["targets"][0]["goal_text"]);
}

TEST_CASE("console: the audit log names laptops as people say them and what each action is in both languages", "[console]") {
  Province p;
  const auto district = p.districts[0];
  const auto inspector = "insp-" + district;
  const auto exported = p.get("prov", "/api/export?format=csv");
  REQUIRE(exported.status == 200);
  std::filesystem::remove(exported.body_file);
  const auto log = p.ok("prov", "/api/audit?limit=200");
  bool saw_push = false, saw_console = false;
  for (const auto& row : log["rows"]) {
    INFO(row.dump());
    if (row["action"] == "push" && row["user"] == inspector) {
      saw_push = true;
      CHECK(row["device"] == p.people[inspector].device);  // the log's own id, kept beside
      const auto number = p.storage->laptopNumber(p.people[inspector].device, district);
      CHECK(row["device_name"]["vi"] == "laptop, máy số " + number);
      CHECK(row["device_name"]["en"] == "laptop, laptop " + number);
      CHECK(row["action_label"]["vi"] == "Máy gửi dữ liệu");
      CHECK(row["action_label"]["en"] == "Laptop sent records");
      CHECK_FALSE(row["detail"].get<std::string>().empty());
    }
    if (row["action"] == "export") {
      saw_console = true;
      CHECK(row["device_name"]["vi"] == "Bảng điều khiển");
      CHECK(row["device_name"]["en"] == "Console");
      CHECK(row["action_label"]["vi"] == "Xuất dữ liệu");
    }
  }
  CHECK(saw_push);
  CHECK(saw_console);
}
