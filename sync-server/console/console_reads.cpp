// The console API's reads (API.md): places, the dashboard, inspections, photos, conflicts,
// establishments, periodic reports, the audit log, the plan report and exports, each in the
// caller's scope. No SQL and no rule here: storage answers, roles.h decides, this shapes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>
#include <fstream>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "console_api.h"
#include "console_json.h"
#include "console_trust.h"
#include "exports.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/form_json.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/text.h"
#include "operator_actions.h"
#include "plan_report.h"
#include "table_writer.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

using nlohmann::json;
using namespace console;
namespace f = inspection_fields;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// One request's reading: who asks, what they asked, and what was already read for it.
class Reader {
 public:
  Reader(const User& caller, ProvincialStorage& storage, const HttpTarget& target)
      : caller_(caller), storage_(storage), target_(target), places_(storage) {}

  const User& caller() const { return caller_; }
  ProvincialStorage& storage() { return storage_; }
  const HttpTarget& target() const { return target_; }
  PlaceNames& places() { return places_; }

  std::int32_t offset() {
    if (!offset_) offset_ = provinceOffsetMinutes(storage_);
    return *offset_;
  }

  // A document's head, read once per request.
  const Document* head(const std::string& id) {
    auto it = heads_.find(id);
    if (it == heads_.end()) it = heads_.emplace(id, id.empty() ? std::nullopt : storage_.head(id)).first;
    return it->second ? &*it->second : nullptr;
  }

  // The checklist of a template document, parsed once per request.
  std::shared_ptr<const ChecklistTemplate> checklist(const std::string& template_id) {
    auto it = checklists_.find(template_id);
    if (it != checklists_.end()) return it->second;
    std::shared_ptr<const ChecklistTemplate> parsed;
    if (const auto* doc = head(template_id))
      if (auto t = templateFromDocument(*doc)) parsed = std::make_shared<const ChecklistTemplate>(std::move(t.value()));
    return checklists_.emplace(template_id, parsed).first->second;
  }

  // The province's establishment record template; nullptr when none.
  std::shared_ptr<const ChecklistTemplate> establishmentChecklist() {
    if (!establishment_checklist_read_) {
      establishment_checklist_read_ = true;
      for (const auto& t : storage_.heads(std::string(kinds::kTemplate)))
        if (auto parsed = templateFromDocument(t); parsed && parsed.value().purpose == "establishment") {
          heads_.emplace(t.id, t);
          establishment_checklist_ = checklist(t.id);
          break;
        }
    }
    return establishment_checklist_;
  }

  // {id, code, name} of an establishment.
  json establishmentJson(const std::string& id) {
    const auto* e = head(id);
    if (!e) return json{{"id", id}, {"code", ""}, {"name", ""}};
    return json{{"id", id}, {"code", textField(*e, "code")}, {"name", textField(*e, "name")}};
  }

  // How the provincial record names what fields point to (form_json.h describeField).
  RecordNaming naming() {
    RecordNaming n;
    n.district_name = [this](const std::string& code) { return places_.district(code); };
    n.commune_name = [this](const std::string& code) { return places_.commune(code); };
    n.document_name = [this](const std::string& id) { return documentName(id); };
    n.record_name = [](const Document& record) { return recordName(record); };
    n.checklist = [this](const Document& d) -> std::shared_ptr<const ChecklistTemplate> {
      if (d.kind == kinds::kEstablishment) return establishmentChecklist();
      return checklist(textField(d, f::kTemplate));
    };
    return n;
  }

  std::string documentName(const std::string& id) {
    const auto* doc = head(id);
    if (doc && (doc->kind == kinds::kInspection || doc->kind == kinds::kReport)) return recordName(*doc);
    if (doc && doc->kind == kinds::kEstablishment) return textField(*doc, "code") + " " + textField(*doc, "name");
    return id.substr(0, 8);
  }

  // What the caller may pull: the photos of records in their scope.
  PullScope pullScope() const {
    PullScope scope;
    const std::string own = mayHaveDistrict(caller_.role) ? caller_.district.value_or("") : "";
    scope.whole_province = own.empty();
    scope.district = own;
    scope.conflicts = mayResolveConflicts(caller_.role);
    return scope;
  }

 private:
  const User& caller_;
  ProvincialStorage& storage_;
  const HttpTarget& target_;
  PlaceNames places_;
  std::optional<std::int32_t> offset_;
  std::map<std::string, std::optional<Document>> heads_;
  std::map<std::string, std::shared_ptr<const ChecklistTemplate>> checklists_;
  std::shared_ptr<const ChecklistTemplate> establishment_checklist_;
  bool establishment_checklist_read_ = false;
};

// A variant's answer when it holds one.
template <class T>
const ApiResponse* failed(const std::variant<T, ApiResponse>& v) {
  return std::get_if<ApiResponse>(&v);
}

std::vector<std::pair<std::string, std::string>> districtsInScope(Reader& r, const std::string& only) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [code, name] : r.storage().districts())
    if ((only.empty() || code == only) && sees(r.caller(), code)) out.emplace_back(code, name);
  sortVietnamese(out, [](const auto& d) -> const std::string& { return d.second; });
  return out;
}

// ---- places ---------------------------------------------------------------------------------

ApiResponse places(Reader& r) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> communes;
  for (const auto& c : r.storage().heads(std::string(kinds::kCommune)))
    communes[textField(c, "district")].emplace_back(textField(c, "code"), textField(c, "name"));
  json districts = json::array();
  for (const auto& [code, name] : districtsInScope(r, "")) {
    auto& list = communes[code];
    sortVietnamese(list, [](const auto& c) -> const std::string& { return c.second; });
    json cs = json::array();
    for (const auto& [c, n] : list) cs.push_back({{"code", c}, {"name", n}});
    districts.push_back({{"code", code}, {"name", name}, {"communes", cs}});
  }
  return jsonAnswer({{"districts", districts}});
}

// ---- devices (the dashboard's) ----------------------------------------------------------------

std::int64_t isoMs(const std::string& iso) {
  std::string text = iso;
  if (const auto dot = text.find('.'); dot != std::string::npos) {
    auto end = dot + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    text.erase(dot, end - dot);
  }
  const auto at = parseDateTime(text, 0);
  return at ? at->epoch_ms : 0;
}

json devicesJson(Reader& r) {
  struct Row {
    DeviceRecord device;
    std::optional<std::string> district;
    std::int64_t seen_ms = 0;
  };
  std::vector<Row> rows;
  for (const auto& user : r.storage().users()) {
    const std::string district = user.district.value_or("");
    // Province-wide users' laptops are the province's: shown to province-wide readers only.
    if (district.empty() ? mayHaveDistrict(r.caller().role) && r.caller().district && !r.caller().district->empty()
                         : !sees(r.caller(), district))
      continue;
    for (auto& d : r.storage().devices(user.name)) rows.push_back({d, user.district, isoMs(d.last_seen_at)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.seen_ms > b.seen_ms; });
  const auto stale_before = nowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleStaleDevice).count();
  json all = json::array(), stale = json::array(), never = json::array();
  for (const auto& row : rows) {
    const auto& d = row.device;
    const bool is_stale = !d.revoked && row.seen_ms != 0 && row.seen_ms < stale_before;
    json j{{"id", d.id},
           {"name", d.name},
           {"user", d.user},
           {"district", row.district ? r.places().districtJson(*row.district) : json()},
           {"enrolled_text", momentText(d.enrolled_at, r.offset())},
           {"last_seen_text", d.last_seen_at.empty() ? json() : json(momentText(d.last_seen_at, r.offset()))},
           {"stale", is_stale},
           {"revoked", d.revoked}};
    if (is_stale) stale.push_back(j);
    if (d.last_seen_at.empty() && !d.revoked) never.push_back(j);
    all.push_back(std::move(j));
  }
  return json{{"rows", all}, {"stale", stale}, {"never", never}};
}

// ---- dashboard and plan report ------------------------------------------------------------------

json statesJson(const StateCounts& s) {
  return json{{"draft", s.draft}, {"submitted", s.submitted}, {"approved", s.approved}, {"returned", s.returned}};
}

std::string figureText(double v, bool percent) {
  return percent ? formatNumber(std::round(v * 10) / 10, true) + "%" : formatNumber(std::round(v * 100) / 100, true);
}

// The figure a target must reach: its share, its least, or its figure; null when it has none.
json goalNumber(const PlanTarget& t) {
  if (t.goal_percent) return *t.goal_percent;
  if (t.goal_min) return *t.goal_min;
  if (t.goal) return *t.goal;
  return nullptr;
}

json targetsJson(const PlanReport& report) {
  json targets = json::array();
  for (const auto& t : report.targets) {
    json by = json::array();
    for (const auto& [code, name] : report.districts) {
      const auto it = t.by_district.find(code);
      by.push_back({{"code", code}, {"figure_text", figureText(it == t.by_district.end() ? 0 : it->second, t.percent)}});
    }
    targets.push_back({{"label", bilingualJson(t.target.label)},
                       // The plan names units in English only: the Vietnamese text is the goal
                       // as the Vietnamese report writes it, without a unit.
                       {"goal_text", bilingualJson({planGoalText(t.target),
                                                    planGoalText(t.target) + (t.target.unit.empty() || t.percent ? "" : " " + t.target.unit)})},
                       {"goal", goalNumber(t.target)},
                       {"total", t.total},
                       {"total_text", figureText(t.total, t.percent)},
                       {"met", t.met},
                       {"percent", t.percent},
                       {"by_district", by}});
  }
  return targets;
}

// The dashboard's figures of one scope (a district, or "" for the province): each target, the
// inspections by state per district, the establishments not inspected. Computed once for every
// console user of that scope within tuning::kConsoleDashboardReuse (or until the console changes a
// record), one computation at a time in the process: twenty people opening the dashboard cost the
// server one report over the province, not twenty.
json dashboardFigures(Reader& r, const std::string& district,
                      const std::vector<std::pair<std::string, std::string>>& districts) {
  struct Computed {
    std::int64_t at_ms = 0;
    std::uint64_t changes = 0;
    json figures;
  };
  static std::mutex mutex;
  static std::map<std::string, Computed> computed;
  const std::lock_guard lock(mutex);
  // One server has one database; a process that opens several (the tests) keeps them apart by
  // their folders.
  const auto key = r.storage().scratchFolder().string() + "|" + district;
  const auto now = nowMs();
  const auto reuse_ms = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleDashboardReuse).count();
  if (const auto it = computed.find(key);
      it != computed.end() && it->second.changes == consoleChanges() && now - it->second.at_ms < reuse_ms)
    return it->second.figures;
  const auto changes = consoleChanges();
  refreshReportIndexIfDue(r.storage());
  json body{{"plan", json()}, {"targets", json::array()}, {"states", json::array()},
            {"states_total", statesJson({})}, {"not_inspected", json::array()}};
  std::map<std::string, StateCounts> states;
  StateCounts total;
  auto report = buildPlanReport(r.storage(), "", district, IndexRefresh::kAsItStands);
  if (report) {
    const auto& p = report.value();
    body["plan"] = {{"code", p.plan.code}, {"title", bilingualJson(p.plan.title)}};
    body["targets"] = targetsJson(p);
    states = p.states;
    total = p.all_states;
    for (const auto& [code, name] : districts) {
      const auto it = p.not_inspected.find(code);
      body["not_inspected"].push_back(
          {{"district", placeJson(code, name)}, {"count", it == p.not_inspected.end() ? 0 : it->second.size()}});
    }
  } else {
    // No plan (or a faulty one): the states still count, from the reports' index.
    r.storage().scanFilled({"inspection", district, 0, 1}, [&](const FilledRow& row) {
      auto& s = states[std::string(row.district)];
      for (auto* counts : {&s, &total}) {
        if (row.state == "draft") ++counts->draft;
        if (row.state == "submitted") ++counts->submitted;
        if (row.state == "approved") ++counts->approved;
        if (row.state == "returned") ++counts->returned;
      }
    });
  }
  for (const auto& [code, name] : districts) {
    auto j = statesJson(states[code]);
    j["district"] = placeJson(code, name);
    body["states"].push_back(j);
  }
  body["states_total"] = statesJson(total);
  computed[key] = Computed{now, changes, body};
  return body;
}

ApiResponse dashboard(Reader& r) {
  const auto scope = districtScope(r.target(), r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  const auto& district = std::get<std::string>(scope);
  const auto districts = districtsInScope(r, district);
  json ds = json::array();
  for (const auto& [code, name] : districts) ds.push_back({{"code", code}, {"name", name}});
  json body{{"generated_text", momentText(nowMs(), r.offset())},
            {"district", r.target().param("district") ? json(district) : json()},
            {"districts", ds}};
  body.update(dashboardFigures(r, district, districts));
  body["devices"] = devicesJson(r);
  return jsonAnswer(body);
}

// The report's styles as the console serves them (a hashed asset): its pages allow no inline style.
const std::string& reportStylesheet() {
  static const std::string path = consoleAssets().hashedPath("report.css");
  return path;
}

ApiResponse planReport(Reader& r, bool html) {
  const auto scope = districtScope(r.target(), r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  const auto& district = std::get<std::string>(scope);
  refreshReportIndexIfDue(r.storage());
  auto report = buildPlanReport(r.storage(), "", district, IndexRefresh::kAsItStands);
  if (!report) return problemAnswer(404, "no_plan", report.problem());
  if (html) {
    std::ostringstream out;
    writePlanReport(out, report.value(), ReportFormat::kHtml, reportStylesheet());
    ApiResponse answer;
    answer.content_type = "text/html; charset=utf-8";
    answer.body = out.str();
    return answer;
  }
  const auto query = r.target().param("district");
  return jsonAnswer({{"html_url", "/api/plan-report.html?district=" + (query ? district : std::string())},
                     {"plan", {{"code", report.value().plan.code}, {"title", bilingualJson(report.value().plan.title)}}},
                     {"targets", targetsJson(report.value())}});
}

// ---- inspections ----------------------------------------------------------------------------

json inspectionRowJson(Reader& r, const InspectionListRow& row) {
  return json{{"id", row.doc_id},
              {"number", row.number},
              {"district", r.places().districtJson(row.district)},
              {"establishment", r.establishmentJson(row.establishment_id)},
              {"state", stateJson(row.state)},
              {"day", row.day},
              {"day_text", dayText(row.day)},
              {"inspector", row.inspector},
              {"updated_text", momentText(row.updated_at, r.offset())}};
}

// The establishment a parameter names: its id, or its code (any case); nullopt when none.
std::optional<Document> findEstablishment(Reader& r, const std::string& ref) {
  if (const auto* doc = r.head(ref); doc && doc->kind == kinds::kEstablishment && !doc->deleted) return *doc;
  const auto folded = foldForSearch(ref);
  for (const auto& e : r.storage().heads(std::string(kinds::kEstablishment)))
    if (!e.deleted && foldForSearch(textField(e, "code")) == folded) return e;
  return std::nullopt;
}

// The inspections table's filters of the request (API.md) into `q`, the district narrowed to the
// caller's scope; an answer when one is not valid.
std::optional<ApiResponse> inspectionFilters(Reader& r, InspectionQuery& q) {
  const auto& t = r.target();
  const auto scope = districtScope(t, r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  q.district = std::get<std::string>(scope);
  if (const auto state = t.param("state")) {
    if (!reviewStateOfCode(*state))
      return badParameter("state", {"draft, submitted, approved hoặc returned.", "draft, submitted, approved or returned."});
    q.state = *state;
  }
  for (const auto& [name, slot] : {std::pair{"from", &q.day_from}, std::pair{"to", &q.day_to}})
    if (const auto day = t.param(name)) {
      if (!isIsoDate(*day)) return badParameter(name, {"một ngày dạng YYYY-MM-DD, ví dụ 2019-05-03.", "a day as YYYY-MM-DD, e.g. 2019-05-03."});
      *slot = *day;
    }
  if (const auto e = t.param("establishment")) {
    const auto found = findEstablishment(r, *e);
    // An unknown establishment lists nothing, like any filter nothing matches.
    q.establishment = found ? found->id : "\x01unknown";
  }
  if (const auto who = t.param("inspector")) q.inspector = *who;
  if (const auto sort = t.param("sort")) {
    using Sort = InspectionQuery::Sort;
    static const std::map<std::string, Sort> sorts{{"day", Sort::kDay}, {"number", Sort::kNumber}, {"state", Sort::kState},
                                                  {"district", Sort::kDistrict}, {"inspector", Sort::kInspector}};
    const auto it = sorts.find(*sort);
    if (it == sorts.end()) return badParameter("sort", {"day, number, state, district hoặc inspector.", "day, number, state, district or inspector."});
    q.sort = it->second;
  }
  if (const auto order = t.param("order")) {
    if (*order != "asc" && *order != "desc") return badParameter("order", {"asc hoặc desc.", "asc or desc."});
    q.descending = *order == "desc";
  }
  return std::nullopt;
}

// Orders rows of several listings as one listing would (API.md's sort and order).
std::string rowSortKey(const InspectionListRow& row, InspectionQuery::Sort sort) {
  using Sort = InspectionQuery::Sort;
  switch (sort) {
    case Sort::kNumber: return row.number;
    case Sort::kState: return row.state + "|" + row.day;
    case Sort::kDistrict: return row.district + "|" + row.day;
    case Sort::kInspector: return row.inspector + "|" + row.day;
    case Sort::kDay: break;
  }
  return row.day + "|" + row.number;
}

// The table's search box (`q`): a record's number names that record; otherwise the inspections of
// the establishments whose code is `text` or whose name holds its words (accents optional), in
// the caller's scope, with the other filters.
InspectionPage searchInspections(Reader& r, const InspectionQuery& q, const std::string& text) {
  InspectionPage out;
  for (const auto& id : r.storage().idsWithNumber(toUpperVietnamese(text))) {
    const auto* doc = r.head(id);
    if (!doc || doc->deleted || doc->kind != kinds::kInspection || !sees(r.caller(), textField(*doc, f::kDistrict))) continue;
    if (!q.district.empty() && textField(*doc, f::kDistrict) != q.district) continue;
    const auto revisions = r.storage().history(id);
    out.rows.push_back({doc->id, recordName(*doc), textField(*doc, f::kDistrict), textField(*doc, f::kEstablishment),
                        std::string(reviewStateCode(reviewState(*doc))), visitDay(*doc),
                        revisions.empty() ? doc->author : revisions.front().doc.author,
                        revisions.empty() ? "" : revisions.back().received_at});
  }
  if (!out.rows.empty()) {
    out.total = out.rows.size();
    if (q.offset > 0) out.rows.clear();
    return out;
  }
  std::vector<std::string> establishments;
  const auto folded = foldForSearch(text);
  const auto words = searchWords(text);
  for (const auto& e : r.storage().heads(std::string(kinds::kEstablishment))) {
    const auto district = textField(e, "district");
    if (e.deleted || !sees(r.caller(), district) || (!q.district.empty() && district != q.district)) continue;
    if (!q.establishment.empty() && e.id != q.establishment) continue;
    if (foldForSearch(textField(e, "code")) == folded) {
      establishments = {e.id};
      break;
    }
    if (!words.empty() && foldedMatches(foldForSearch(textField(e, "name")), words) &&
        establishments.size() < tuning::kConsoleMaxSearchEstablishments)
      establishments.push_back(e.id);
  }
  // Each establishment's first rows up to the page's end, merged in the table's order.
  for (const auto& id : establishments) {
    auto one = q;
    one.establishment = id;
    one.offset = 0;
    one.limit = q.offset + q.limit;
    auto page = r.storage().listInspections(one);
    out.total += page.total;
    out.total_capped = out.total_capped || page.total_capped;
    for (auto& row : page.rows) out.rows.push_back(std::move(row));
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), [&q](const InspectionListRow& a, const InspectionListRow& b) {
    const auto ka = rowSortKey(a, q.sort), kb = rowSortKey(b, q.sort);
    return q.descending ? kb < ka : ka < kb;
  });
  const auto first = std::min(out.rows.size(), q.offset);
  const auto last = std::min(out.rows.size(), q.offset + q.limit);
  out.rows = std::vector<InspectionListRow>(out.rows.begin() + static_cast<std::ptrdiff_t>(first),
                                            out.rows.begin() + static_cast<std::ptrdiff_t>(last));
  return out;
}

ApiResponse inspections(Reader& r) {
  const auto& t = r.target();
  InspectionQuery q;
  if (auto answer = inspectionFilters(r, q)) return *answer;
  const auto page = intParam(t, "page", 1, 1, 1'000'000);
  if (const auto* answer = failed(page)) return *answer;
  const auto per_page = intParam(t, "per_page", 50, 1, static_cast<std::int64_t>(tuning::kConsoleMaxPageRows));
  if (const auto* answer = failed(per_page)) return *answer;
  q.limit = static_cast<std::size_t>(std::get<std::int64_t>(per_page));
  q.offset = static_cast<std::size_t>(std::get<std::int64_t>(page) - 1) * q.limit;

  refreshReportIndexIfDue(r.storage());
  const auto result = t.param("q") ? searchInspections(r, q, *t.param("q")) : r.storage().listInspections(q);
  json rows = json::array();
  for (const auto& row : result.rows) rows.push_back(inspectionRowJson(r, row));
  return jsonAnswer({{"rows", rows},
                     {"page", std::get<std::int64_t>(page)},
                     {"per_page", q.limit},
                     {"total", result.total},
                     {"total_capped", result.total_capped}});
}

// The record `ref` names (its id or number) when the caller sees it; nullopt otherwise.
std::optional<Document> recordInScope(Reader& r, const std::string& ref) {
  auto id = findRecordId(r.storage(), ref);
  if (!id) return std::nullopt;
  const auto* doc = r.head(id.value());
  if (!doc || doc->deleted || (doc->kind != kinds::kInspection && doc->kind != kinds::kReport)) return std::nullopt;
  if (!sees(r.caller(), textField(*doc, f::kDistrict))) return std::nullopt;
  return *doc;
}

ApiResponse recordNotFound(const std::string& ref) {
  return notFound({"Không có phiếu “" + ref + "” trong phạm vi của bạn.", "No record “" + ref + "” in your scope."});
}

json historyJson(Reader& r, const std::vector<RevisionEntry>& revisions) {
  const auto naming = r.naming();
  std::vector<Document> docs;
  for (const auto& entry : revisions) docs.push_back(entry.doc);
  const auto changed = revisionChanges(docs);
  json list = json::array();
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    const auto& doc = revisions[i].doc;
    json changes = json::array();
    for (const auto& [name, value] : changed[i].set) {
      // Which template version a record uses is the program's business, not the reader's.
      if (name == f::kTemplate || name == f::kTemplateVersion) continue;
      const auto field = describeField(doc, name, value, naming);
      changes.push_back({{"field", name}, {"label", bilingualJson(field.label)}, {"shown", field.shown}});
    }
    for (const auto& name : changed[i].cleared) {
      const auto field = describeField(doc, name, Value{}, naming);
      changes.push_back({{"field", name}, {"label", bilingualJson(field.label)}, {"shown", ""}, {"cleared", true}});
    }
    Bilingual what{"Sửa", "Edited"};
    if (i == 0) what = {"Tạo", "Created"};
    if (doc.deleted) what = {"Huỷ", "Discarded"};
    if (doc.parents.size() > 1) what = doc.device == "server" ? Bilingual{"Gộp", "Merged"} : Bilingual{"Giải quyết xung đột", "Conflict resolved"};
    list.push_back({{"at_text", momentText(revisions[i].received_at, r.offset())},
                    {"by", doc.author},
                    {"device", deviceName(doc.device)},
                    {"what", bilingualJson(what)},
                    {"changes", changes}});
  }
  return list;
}

ApiResponse inspection(Reader& r, const std::string& ref) {
  const auto found = recordInScope(r, ref);
  if (!found) return recordNotFound(ref);
  const auto& doc = *found;
  const auto district = textField(doc, f::kDistrict);
  // A periodic report is about its commune or district, shown where an inspection shows its establishment.
  const auto commune = textField(doc, f::kCommune);
  const auto* subject = doc.kind != kinds::kReport ? r.head(textField(doc, f::kEstablishment))
                        : !commune.empty()        ? r.head(seedDocumentId(kinds::kCommune, commune))
                                                  : r.head(seedDocumentId(kinds::kDistrict, district));
  const auto checklist = r.checklist(textField(doc, f::kTemplate));
  const auto state = reviewState(doc);
  const Document establishment = subject ? *subject : Document{};
  json form;
  if (checklist) {
    Fields answers;
    for (const auto& [name, value] : doc.fields)
      if (!name.empty() && name[0] != '_') answers.emplace(name, value);
    const ChecklistState checklist_state(*checklist, answers, establishment.fields);
    const auto provinces = r.storage().heads(std::string(kinds::kProvince));
    const auto context = constraintContext(nowMs(), provinces.empty() ? nullptr : &provinces.front(),
                                           r.storage().heads(std::string(kinds::kPlan)));
    const auto failures = failedConstraints(*checklist, checklist_state, establishment.fields, context, doc.fields);
    FormContext fc;
    fc.number = recordName(doc);
    fc.commune_name = establishment.id.empty() ? "" : r.places().commune(textField(establishment, "commune"));
    fc.district_name = establishment.id.empty() ? "" : r.places().district(textField(establishment, "district"));
    fc.standing_code = reviewStateCode(state);
    fc.standing_label = reviewStateLabel(state);
    const auto scope = r.pullScope();
    fc.photo_here = [&r, scope](const std::string& sha256) { return r.storage().attachmentFile(scope, sha256).has_value(); };
    form = formJson(doc, establishment, *checklist, checklist_state, failures, fc);
  }
  json photos = json::array();
  if (checklist)
    for (const auto& q : checklist->questions)
      if (const auto it = doc.fields.find(q.id); it != doc.fields.end())
        if (const auto* ref = it->second.get<AttachmentRef>())
          photos.push_back({{"sha256", ref->sha256}, {"url", "/api/photos/" + ref->sha256}, {"label", bilingualJson(q.label)}});
  json review;
  if (state == ReviewState::kApproved || state == ReviewState::kReturned) {
    std::string at_text;
    if (const auto it = doc.fields.find(f::kReviewedAt); it != doc.fields.end())
      if (const auto* at = it->second.get<DateTime>()) at_text = momentText(at->epoch_ms, r.offset());
    review = {{"by", textField(doc, f::kReviewedBy)}, {"at_text", at_text}, {"comment", textField(doc, f::kReviewComment)}};
  }
  json conflicts = json::array();
  for (const auto& c : r.storage().conflicts({true, doc.id, 0})) conflicts.push_back(c.number);
  const bool finalized = textField(doc, f::kStatus) == kStatusFinalized;
  // Who made it: the author of its first revision (a review or amendment writes later ones).
  const auto revisions = r.storage().history(doc.id);
  return jsonAnswer({{"id", doc.id},
                     {"number", recordName(doc)},
                     {"kind", doc.kind},
                     {"district", r.places().districtJson(district)},
                     {"state", stateJson(state)},
                     {"inspector", revisions.empty() ? doc.author : revisions.front().doc.author},
                     {"form", form},
                     {"photos", photos},
                     {"review", review},
                     {"history", historyJson(r, revisions)},
                     {"conflicts", conflicts},
                     {"may",
                      {{"review", mayReview(r.caller().role) && state == ReviewState::kSubmitted},
                       {"amend", mayAmendFinalized(r.caller().role) && finalized}}}});
}

ApiResponse photo(Reader& r, const std::string& sha256) {
  const auto file = isSha256Hex(sha256) ? r.storage().attachmentFile(r.pullScope(), sha256) : std::nullopt;
  if (!file) return notFound({"Không có ảnh này trong phạm vi của bạn.", "No such photo in your scope."});
  ApiResponse answer;
  answer.content_type = file->second;
  try {
    answer.body = readWholeFile(file->first);
  } catch (const std::system_error&) {
    return notFound({"Không đọc được ảnh này trên máy chủ.", "This photo cannot be read on the server."});
  }
  return answer;
}

// ---- conflicts ------------------------------------------------------------------------------

struct ConflictShown {
  json row;
  ConflictNames names;
};

ConflictShown conflictRow(Reader& r, const ConflictRecord& c, const std::vector<Document>& templates) {
  auto names = conflictNames(c, [&r](const std::string& id) -> std::optional<Document> {
    const auto* doc = r.head(id);
    return doc ? std::optional<Document>(*doc) : std::nullopt;
  }, templates);
  json fields = json::array();
  for (const auto& fc : c.conflicts) {
    const auto it = names.fields.find(fc.field);
    fields.push_back(it != names.fields.end() ? bilingualJson(it->second)
                     : fc.field.empty()      ? json{{"vi", "Cả phiếu"}, {"en", "The whole record"}}
                                             : json{{"vi", fc.field}, {"en", fc.field}});
  }
  const auto* head = r.head(c.doc_id);
  json record{{"id", c.doc_id},
              {"kind", c.doc_kind},
              {"number", head && (head->kind == kinds::kInspection || head->kind == kinds::kReport) ? recordName(*head) : ""},
              {"code", head && head->kind == kinds::kEstablishment ? textField(*head, "code") : ""},
              {"title", names.record.empty() ? c.doc_kind + " " + c.doc_id.substr(0, 8) : names.record}};
  json row{{"number", c.number},
           {"record", record},
           {"district", r.places().districtJson(c.district)},
           {"fields", fields},
           {"opened_text", momentText(c.recorded.wall_ms, r.offset())},
           {"open", !c.resolved}};
  return {row, names};
}

ApiResponse conflictList(Reader& r) {
  const auto scope = districtScope(r.target(), r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  const auto& district = std::get<std::string>(scope);
  const bool all = r.target().param("all").value_or("0") != "0";
  const auto templates = r.storage().heads(std::string(kinds::kTemplate));
  json rows = json::array();
  for (const auto& c : r.storage().conflicts({!all, "", 0})) {
    if (!sees(r.caller(), c.district) || (!district.empty() && c.district != district)) continue;
    rows.push_back(conflictRow(r, c, templates).row);
  }
  return jsonAnswer({{"rows", rows}});
}

ApiResponse conflict(Reader& r, const std::string& ref) {
  const auto none = notFound({"Không có xung đột số “" + ref + "” trong phạm vi của bạn.", "No conflict number “" + ref + "” in your scope."});
  std::int64_t number = 0;
  for (const char c : ref) {
    if (c < '0' || c > '9' || number > 1'000'000'000'000) return none;
    number = number * 10 + (c - '0');
  }
  if (number == 0) return none;
  const auto found = r.storage().conflicts({false, "", number});
  if (found.empty() || !sees(r.caller(), found.front().district)) return none;
  const auto& c = found.front();
  const auto templates = r.storage().heads(std::string(kinds::kTemplate));
  auto shown = conflictRow(r, c, templates);
  const Document* head = r.head(c.doc_id);
  const Document current = head ? *head : Document{};
  const auto naming = r.naming();
  const auto valueShown = [&](const std::string& field, const ConflictSide& side) -> std::string {
    if (side.deleted) return "(đã xoá / deleted)";
    if (!side.value || side.value->isNull()) return "";
    return describeField(current, field, *side.value, naming).shown;
  };
  // The resolving revision: what was decided for each field, by whom and when.
  std::optional<Document> resolution;
  if (c.resolved)
    for (auto& entry : r.storage().history(c.doc_id))
      if (entry.doc.revision == c.resolution) resolution = std::move(entry.doc);
  const auto decisionOf = [&](const FieldConflict& fc) -> json {
    if (!resolution) return nullptr;
    ConflictSide kept;
    kept.deleted = resolution->deleted;
    if (const auto it = resolution->fields.find(fc.field); !fc.field.empty() && it != resolution->fields.end()) kept.value = it->second;
    const auto same = [&](const ConflictSide& side) {
      if (fc.field.empty()) return side.deleted == kept.deleted;
      const bool kept_empty = !kept.value || kept.value->isNull(), side_empty = !side.value || side.value->isNull();
      return !side.deleted && (kept_empty ? side_empty : !side_empty && *side.value == *kept.value);
    };
    const std::string taken = same(fc.winner) ? "applied" : same(fc.other) ? "other" : "set";
    std::string value = fc.field.empty() ? (kept.deleted ? "(đã xoá / deleted)" : "(giữ hồ sơ / kept)") : valueShown(fc.field, kept);
    return {{"value", value},
            {"taken", taken},
            {"by", resolution->author},
            {"when", momentText(resolution->stamp.wall_ms, r.offset())}};
  };
  json fields = json::array();
  for (std::size_t i = 0; i < c.conflicts.size(); ++i) {
    const auto& fc = c.conflicts[i];
    fields.push_back({{"field", fc.field},
                      {"decision", decisionOf(fc)},
                      {"label", shown.row["fields"][i]},
                      {"base", fc.base && !fc.base->isNull() ? describeField(current, fc.field, *fc.base, naming).shown : ""},
                      {"applied", valueShown(fc.field, fc.winner)},
                      {"other", valueShown(fc.field, fc.other)},
                      {"applied_by", fc.winner.author},
                      {"applied_device", deviceName(fc.winner.device)},
                      {"applied_when", momentText(fc.winner.stamp.wall_ms, r.offset())},
                      {"other_by", fc.other.author},
                      {"other_device", deviceName(fc.other.device)},
                      {"other_when", momentText(fc.other.stamp.wall_ms, r.offset())}});
  }
  auto body = shown.row;
  body["resolved_by"] = c.resolved ? json(c.resolved_by) : json();
  body["fields"] = fields;
  body["may"] = {{"resolve", c.resolved ? false : mayResolveConflicts(r.caller().role)}};
  return jsonAnswer(body);
}

// ---- establishments -------------------------------------------------------------------------

std::string choiceLabel(const ChecklistTemplate* record, const char* question, const std::string& code, bool vi) {
  const auto* q = record ? record->find(question) : nullptr;
  const auto* choice = q ? q->findChoice(code) : nullptr;
  return choice ? (vi ? choice->label.vi : choice->label.en) : code;
}

ApiResponse establishments(Reader& r) {
  const auto& t = r.target();
  const auto scope = districtScope(t, r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  const auto& district = std::get<std::string>(scope);
  const auto commune = t.param("commune");
  const auto words = searchWords(t.param("q").value_or(""));
  const auto page = intParam(t, "page", 1, 1, 1'000'000);
  if (const auto* answer = failed(page)) return *answer;
  const auto per_page = intParam(t, "per_page", 50, 1, static_cast<std::int64_t>(tuning::kConsoleMaxPageRows));
  if (const auto* answer = failed(per_page)) return *answer;

  std::vector<Document> matching;
  for (auto& e : r.storage().heads(std::string(kinds::kEstablishment))) {
    if (e.deleted) continue;
    const auto d = textField(e, "district");
    if (!sees(r.caller(), d) || (!district.empty() && d != district)) continue;
    if (commune && textField(e, "commune") != *commune) continue;
    if (!words.empty() && !foldedMatches(foldForSearch(textField(e, "code") + " " + textField(e, "name")), words)) continue;
    matching.push_back(std::move(e));
  }
  sortVietnamese(matching, [](const Document& e) { return textField(e, "code"); });
  const auto limit = static_cast<std::size_t>(std::get<std::int64_t>(per_page));
  const auto first = std::min(matching.size(), static_cast<std::size_t>(std::get<std::int64_t>(page) - 1) * limit);
  const auto last = std::min(matching.size(), first + limit);

  // Visits of the page's establishments, from the reports' index: each one's count and latest.
  refreshReportIndexIfDue(r.storage());
  struct Visits {
    std::size_t count = 0;
    std::string last_day, last_state;
  };
  std::map<std::string, Visits> visits;
  for (std::size_t i = first; i < last; ++i) {
    InspectionQuery q;
    q.establishment = matching[i].id;
    q.limit = 1;
    const auto latest = r.storage().listInspections(q);
    auto& v = visits[matching[i].id];
    v.count = latest.total;
    if (!latest.rows.empty()) v.last_day = latest.rows.front().day, v.last_state = latest.rows.front().state;
  }
  const auto record = r.establishmentChecklist();
  json rows = json::array();
  for (std::size_t i = first; i < last; ++i) {
    const auto& e = matching[i];
    const auto kind = textField(e, "kind");
    const auto& v = visits[e.id];
    rows.push_back({{"id", e.id},
                    {"code", textField(e, "code")},
                    {"name", textField(e, "name")},
                    {"kind", {{"vi", choiceLabel(record.get(), "kind", kind, true)}, {"en", choiceLabel(record.get(), "kind", kind, false)}}},
                    {"district", r.places().districtJson(textField(e, "district"))},
                    {"commune", r.places().communeJson(textField(e, "commune"))},
                    {"address", textField(e, "address")},
                    {"owner", textField(e, "owner")},
                    {"visits", v.count},
                    {"last_visit_text", dayText(v.last_day)},
                    {"last_state", stateJson(v.last_state)}});
  }
  return jsonAnswer({{"rows", rows}, {"total", matching.size()}, {"page", std::get<std::int64_t>(page)}, {"per_page", limit}});
}

ApiResponse establishment(Reader& r, const std::string& ref) {
  const auto found = findEstablishment(r, ref);
  if (!found || !sees(r.caller(), textField(*found, "district")))
    return notFound({"Không có cơ sở “" + ref + "” trong phạm vi của bạn.", "No establishment “" + ref + "” in your scope."});
  const auto& e = *found;
  const auto naming = r.naming();
  json fields = json::array();
  if (const auto record = r.establishmentChecklist()) {
    for (const auto& q : record->questions) {
      const auto it = e.fields.find(q.id);
      const auto shown = it == e.fields.end() || it->second.isNull() ? "" : describeField(e, q.id, it->second, naming).shown;
      fields.push_back({{"field", q.id}, {"label", bilingualJson(q.label)}, {"shown", shown}});
    }
  }
  refreshReportIndexIfDue(r.storage());
  InspectionQuery q;
  q.establishment = e.id;
  q.limit = tuning::kConsoleMaxPageRows;
  json visits = json::array();
  for (const auto& row : r.storage().listInspections(q).rows) visits.push_back(inspectionRowJson(r, row));
  return jsonAnswer({{"id", e.id},
                     {"code", textField(e, "code")},
                     {"name", textField(e, "name")},
                     {"fields", fields},
                     {"district", r.places().districtJson(textField(e, "district"))},
                     {"commune", r.places().communeJson(textField(e, "commune"))},
                     {"visits", visits}});
}

// ---- periodic reports -----------------------------------------------------------------------

ApiResponse reports(Reader& r) {
  const auto& t = r.target();
  const auto scope = districtScope(t, r.caller(), r.storage());
  if (const auto* answer = failed(scope)) return *answer;
  const auto& district = std::get<std::string>(scope);
  const auto kind = t.param("kind").value_or("commune");
  if (kind != "commune" && kind != "district") return badParameter("kind", {"commune hoặc district.", "commune or district."});
  if (const auto period = t.param("period"); period && !periodDays(*period))
    return badParameter("period", {"một năm (2019), quý (2019-Q3) hoặc tháng (2019-07).", "a year (2019), a quarter (2019-Q3) or a month (2019-07)."});

  refreshReportIndexIfDue(r.storage());
  struct Filed {
    std::string doc_id, state, day;
  };
  std::set<std::string> periods;
  std::vector<std::tuple<std::string, std::string, Filed>> filed;  // (subject, period, record)
  r.storage().scanFilled({"report", district, 0, 1}, [&](const FilledRow& row) {
    if (!sees(r.caller(), std::string(row.district))) return;
    const bool of_district = row.subject == row.district;
    if (of_district != (kind == "district")) return;
    periods.insert(std::string(row.period));
    filed.emplace_back(std::string(row.subject), std::string(row.period),
                       Filed{std::string(row.doc_id), std::string(row.state), std::string(row.day)});
  });
  std::string period = t.param("period").value_or(periods.empty() ? std::string() : *periods.rbegin());
  if (period.empty()) {
    // Nothing filed yet: this quarter on the province's calendar.
    const auto today = momentText(nowMs(), r.offset());  // "30/11/2026 10:00"
    const auto month = std::stoi(today.substr(3, 2));
    period = today.substr(6, 4) + "-Q" + std::to_string((month - 1) / 3 + 1);
  }
  // The subjects of the scope: every commune (or district), each with its report of the period.
  std::vector<std::tuple<std::string, std::string, std::string>> subjects;  // (code, name, district)
  if (kind == "district") {
    for (const auto& [code, name] : districtsInScope(r, district)) subjects.emplace_back(code, name, code);
  } else {
    for (const auto& c : r.storage().heads(std::string(kinds::kCommune))) {
      const auto d = textField(c, "district");
      if (!sees(r.caller(), d) || (!district.empty() && d != district)) continue;
      subjects.emplace_back(textField(c, "code"), textField(c, "name"), d);
    }
    sortVietnamese(subjects, [](const auto& s) -> const std::string& { return std::get<1>(s); });
  }
  json missing_rows = json::array(), filed_rows = json::array();
  std::size_t missing = 0;
  for (const auto& [code, name, d] : subjects) {
    const Filed* record = nullptr;
    for (const auto& [subject, p, f] : filed)
      if (subject == code && p == period && (!record || f.day > record->day)) record = &f;
    json row{{"subject", placeJson(code, name)},
             {"district", r.places().districtJson(d)},
             {"kind", kind},
             {"state", record ? stateJson(record->state) : json()},
             {"record", json()}};
    if (record) {
      const auto* doc = r.head(record->doc_id);
      row["record"] = {{"id", record->doc_id}, {"number", doc ? recordName(*doc) : ""}};
      filed_rows.push_back(row);
    } else {
      ++missing;
      missing_rows.push_back(row);
    }
  }
  for (auto& row : filed_rows) missing_rows.push_back(std::move(row));
  periods.insert(period);
  return jsonAnswer({{"periods", json(std::vector<std::string>(periods.begin(), periods.end()))},
                     {"period", period},
                     {"kind", kind},
                     {"rows", missing_rows},
                     {"missing", missing},
                     {"filed", subjects.size() - missing}});
}

// ---- audit ----------------------------------------------------------------------------------

// What each action of the audit log is, as people say it; the code itself for one not listed.
Bilingual auditActionLabel(const std::string& action) {
  static const std::map<std::string, Bilingual, std::less<>> labels{
      {"login", {"Máy đăng nhập", "Laptop logged in"}},
      {"login.refused", {"Đăng nhập bị từ chối", "Login refused"}},
      {"push", {"Máy gửi dữ liệu", "Laptop sent records"}},
      {"attachment", {"Nhận ảnh", "Photo received"}},
      {"attachment.fetch", {"Máy tải ảnh", "Laptop fetched a photo"}},
      {"bundle.import", {"Nhận gói dữ liệu của máy", "Laptop's bundle imported"}},
      {"bundle.import.by", {"Nhận gói dữ liệu", "Bundle imported"}},
      {"user.add", {"Thêm người dùng", "User added"}},
      {"user.reset", {"Đặt lại mật khẩu", "Password reset"}},
      {"user.revoke", {"Thu hồi người dùng", "User revoked"}},
      {"device.revoke", {"Thu hồi máy", "Laptop revoked"}},
      {"inspection.approve", {"Duyệt phiếu", "Inspection approved"}},
      {"inspection.return", {"Trả lại phiếu", "Inspection returned"}},
      {"conflict.resolve", {"Giải quyết xung đột", "Conflict resolved"}},
      {"init", {"Khởi tạo dữ liệu", "Data set up"}},
      {"report", {"Lập báo cáo", "Report made"}},
      {"export", {"Xuất dữ liệu", "Records exported"}},
      {"console.login", {"Đăng nhập bảng điều khiển", "Console login"}},
      {"console.logout", {"Đăng xuất bảng điều khiển", "Console logout"}},
      {"console.password", {"Đổi mật khẩu", "Password changed"}},
  };
  const auto it = labels.find(action);
  return it == labels.end() ? Bilingual{action, action} : it->second;
}

// The laptops of the audit log as people say them, each read once per request: its user's name
// for it and its laptop number ("LAPTOP-LAN, máy số 2"), the console and the server's command
// line as words, the marker of a laptop the server does not know.
class AuditDeviceNames {
 public:
  explicit AuditDeviceNames(ProvincialStorage& storage) : storage_(storage) {}

  json of(const std::string& user, const std::string& device) {
    if (device.empty()) return nullptr;
    if (device == "console") return bilingualJson({"Bảng điều khiển", "Console"});
    if (device == "cli") return bilingualJson({"Dòng lệnh trên máy chủ", "Server command line"});
    const auto key = user + '\n' + device;
    auto it = names_.find(key);
    if (it == names_.end()) it = names_.emplace(key, bilingualJson(name(user, device))).first;
    return it->second;
  }

 private:
  Bilingual name(const std::string& user, const std::string& device) {
    if (!districts_) {
      districts_.emplace();
      for (const auto& u : storage_.users()) (*districts_)[u.name] = u.district.value_or("");
    }
    const auto owner = districts_->find(user);
    if (owner != districts_->end())
      for (const auto& d : storage_.devices(user)) {
        if (d.id != device) continue;
        // A laptop is enrolled by its login, which gives it its number in its user's scope then
        // (api.cpp): this reads the number it has.
        const auto number = storage_.laptopNumber(device, owner->second);
        const auto shown = d.name.empty() ? laptopMarker(device) : d.name;
        return {shown + ", máy số " + number, shown + ", laptop " + number};
      }
    const auto marker = laptopMarker(device);
    if (marker.empty()) return {device, device};
    return {"máy " + marker, "laptop " + marker};
  }

  ProvincialStorage& storage_;
  std::optional<std::map<std::string, std::string>> districts_;  // user → district code, "" province-wide
  std::map<std::string, json> names_;
};

ApiResponse audit(Reader& r) {
  if (!maySeeAuditLog(r.caller().role))
    return forbidden({"Chỉ cán bộ tỉnh và quản trị viên xem được nhật ký.", "Only provincial officers and administrators may read the audit log."});
  const auto& t = r.target();
  AuditQuery q;
  q.user = t.param("user").value_or("");
  q.action = t.param("action").value_or("");
  const auto before = intParam(t, "before", 0, 0, INT64_MAX);
  if (const auto* answer = failed(before)) return *answer;
  const auto limit = intParam(t, "limit", 100, 1, static_cast<std::int64_t>(tuning::kConsoleMaxPageRows));
  if (const auto* answer = failed(limit)) return *answer;
  q.before_id = std::get<std::int64_t>(before);
  q.limit = static_cast<std::size_t>(std::get<std::int64_t>(limit));
  const auto entries = r.storage().auditEntries(q);
  AuditDeviceNames names(r.storage());
  json rows = json::array();
  for (const auto& e : entries)
    rows.push_back({{"id", e.id}, {"at_text", momentText(e.at, r.offset())}, {"user", e.user}, {"device", e.device},
                    {"device_name", names.of(e.user, e.device)}, {"action", e.action},
                    {"action_label", bilingualJson(auditActionLabel(e.action))}, {"detail", e.detail}});
  return jsonAnswer({{"rows", rows}, {"next_before", entries.size() == q.limit ? json(entries.back().id) : json()}});
}

// ---- export ---------------------------------------------------------------------------------

ApiResponse exportFile(Reader& r) {
  if (!mayExport(r.caller().role))
    return forbidden({"Thanh tra viên không tải được dữ liệu; hãy nhờ giám sát viên.", "Inspectors may not download records; ask a supervisor."});
  const auto& t = r.target();
  const auto format = t.param("format").value_or("csv");
  if (format != "csv" && format != "xlsx" && format != "jsonl") return badParameter("format", {"csv, xlsx hoặc jsonl.", "csv, xlsx or jsonl."});
  const auto kind = t.param("kind").value_or("inspection");
  if (kind != "inspection" && kind != "establishment" && kind != "report" && kind != "conflict")
    return badParameter("kind", {"inspection, establishment, report hoặc conflict.", "inspection, establishment, report or conflict."});
  const auto lang = t.param("lang").value_or("vi");
  if (lang != "vi" && lang != "en") return badParameter("lang", {"vi hoặc en.", "vi or en."});
  InspectionQuery q;
  if (auto answer = inspectionFilters(r, q)) return *answer;
  ExportOptions options;
  options.kind = kind;
  options.district = q.district;
  options.changed_since = t.param("since").value_or("");
  if (!options.changed_since.empty() && !isIsoDate(options.changed_since))
    return badParameter("since", {"một ngày dạng YYYY-MM-DD.", "a day as YYYY-MM-DD."});
  options.english = lang == "en";
  // The inspections table's filters: the file holds the rows the filtered table shows.
  if (kind == "inspection" &&
      (!q.state.empty() || !q.day_from.empty() || !q.day_to.empty() || !q.establishment.empty() || !q.inspector.empty()))
    options.keep = [q](const HeadRow& row) {
      const auto& doc = row.doc;
      if (!q.state.empty() && reviewStateCode(reviewState(doc)) != q.state) return false;
      if (!q.establishment.empty() && textField(doc, f::kEstablishment) != q.establishment) return false;
      if (!q.inspector.empty() && row.created_by != q.inspector) return false;
      if (!q.day_from.empty() || !q.day_to.empty()) {
        const auto day = visitDay(doc);
        if ((!q.day_from.empty() && day < q.day_from) || (!q.day_to.empty() && day > q.day_to)) return false;
      }
      return true;
    };

  std::error_code ec;
  const auto folder = r.storage().scratchFolder();
  try {
    // The file names businesses, owners and workers: its folder is the server's alone.
    makePrivateDir(folder);
  } catch (const std::filesystem::filesystem_error&) {
    return errorAnswer(503, "export_failed",
                       {"Không tạo được thư mục tạm " + folder.string() + " cho tệp xuất. Hãy báo quản trị viên.",
                        "The temporary folder " + folder.string() + " for the export cannot be made. Tell the administrator."});
  }
  const auto file = folder / ("export-" + randomSecret(12) + "." + format);
  const auto today = momentText(nowMs(), r.offset());  // "30/11/2026 10:00"
  const auto name = "fieldcheck-" + kind + "-" + today.substr(6, 4) + "-" + today.substr(3, 2) + "-" + today.substr(0, 2) + "." + format;
  try {
    Result<std::size_t> written = std::size_t{0};
    if (format == "xlsx") {
      auto writer = xlsxWriter(file, kind);
      if (!writer) return problemAnswer(503, "export_failed", writer.problem());
      written = exportRecords(r.storage(), options, *writer.value());
    } else {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      auto writer = format == "csv" ? csvWriter(out) : jsonlWriter(out);
      written = exportRecords(r.storage(), options, *writer);
      out.close();
      if (!out) throw TableWriteError("the export file could not be written");
    }
    if (!written) {
      std::filesystem::remove(file, ec);
      return problemAnswer(400, "bad_parameter", written.problem());
    }
  } catch (const TableWriteError& e) {
    std::filesystem::remove(file, ec);
    return errorAnswer(503, "export_failed",
                       {"Không ghi được tệp xuất (ổ đĩa đầy?). Hãy báo quản trị viên.", "The export file could not be written (disk full?). Tell the administrator."});
  }
  ApiResponse answer;
  answer.content_type = format == "csv"    ? "text/csv; charset=utf-8"
                        : format == "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                           : "application/x-ndjson; charset=utf-8";
  answer.body_file = file;
  answer.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  r.storage().audit(r.caller().name, "console", "export", kind + " " + format + (options.district.empty() ? "" : " " + options.district));
  return answer;
}

}  // namespace

namespace {

// One read: its path (segments; "*" stands for any one, never empty) and its handler.
struct ReadRoute {
  std::vector<std::string_view> pattern;
  ApiResponse (*handler)(Reader&, const std::vector<std::string>&);
};

const std::vector<ReadRoute>& readRoutes() {
  using S = const std::vector<std::string>&;
  static const std::vector<ReadRoute> table{
      {{"api", "places"}, [](Reader& r, S) { return places(r); }},
      {{"api", "dashboard"}, [](Reader& r, S) { return dashboard(r); }},
      {{"api", "inspections"}, [](Reader& r, S) { return inspections(r); }},
      {{"api", "inspections", "*"}, [](Reader& r, S s) { return inspection(r, s[2]); }},
      {{"api", "photos", "*"}, [](Reader& r, S s) { return photo(r, s[2]); }},
      {{"api", "conflicts"}, [](Reader& r, S) { return conflictList(r); }},
      {{"api", "conflicts", "*"}, [](Reader& r, S s) { return conflict(r, s[2]); }},
      {{"api", "establishments"}, [](Reader& r, S) { return establishments(r); }},
      {{"api", "establishments", "*"}, [](Reader& r, S s) { return establishment(r, s[2]); }},
      {{"api", "reports"}, [](Reader& r, S) { return reports(r); }},
      {{"api", "audit"}, [](Reader& r, S) { return audit(r); }},
      {{"api", "plan-report"}, [](Reader& r, S) { return planReport(r, false); }},
      {{"api", "plan-report.html"}, [](Reader& r, S) { return planReport(r, true); }},
      {{"api", "export"}, [](Reader& r, S) { return exportFile(r); }},
  };
  return table;
}

const ReadRoute* readRouteOf(const std::vector<std::string>& segments) {
  for (const auto& route : readRoutes()) {
    if (route.pattern.size() != segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < segments.size(); ++i)
      same = route.pattern[i] == "*" ? !segments[i].empty() : route.pattern[i] == segments[i];
    if (same) return &route;
  }
  return nullptr;
}

}  // namespace

bool isConsoleReadPath(const std::vector<std::string>& segments) { return readRouteOf(segments) != nullptr; }

ApiResponse handleConsoleRead(const ApiRequest& request, const User& caller, ProvincialStorage& storage) {
  const auto target = parseTarget(request);
  if (!target) return badTarget();
  const auto* route = readRouteOf(target->segments);
  if (!route) return notFound({"Không có địa chỉ này trong bảng điều khiển.", "The console has no such address."});
  Reader r(caller, storage, *target);
  return route->handler(r, target->segments);
}

}  // namespace fieldcheck::server
