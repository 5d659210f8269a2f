// The JSON the app's API answers with (API.md): a record's Form as the core sees it, rows of lists,
// histories, conflicts, sync counts. Each says what the inspector service decided; none decides.
#include "app_json.h"

#include <algorithm>
#include <cstdio>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/review.h"

namespace fieldcheck::client {

using nlohmann::json;
namespace f = inspection_fields;

json bilingualJson(const Bilingual& text) { return json{{"vi", text.vi}, {"en", text.en}}; }

json problemJson(const Problem& p) {
  json details = json::array();
  for (const auto& d : p.details) details.push_back(bilingualJson(d));
  return json{{"error", {{"vi", p.message.vi}, {"en", p.message.en}, {"details", details}}}};
}

namespace {

json bi(const Bilingual& text) { return bilingualJson(text); }

// The text an input shows for a stored answer, in a form parseAnswerInput reads back to the same value.
std::string inputText(const Question& q, const Value& v) {
  if (v.isNull()) return "";
  if (const auto* b = v.get<bool>()) return *b ? "yes" : "no";
  if (auto number = v.asNumber()) return formatNumber(*number, true);
  if (const auto* text = v.get<std::string>()) return *text;
  if (const auto* dt = v.get<DateTime>()) return formatDateTime(*dt).substr(0, 16);  // "2019-05-03T14:30", local
  if (const auto* choices = v.get<Choices>()) {
    std::string out;
    for (const auto& code : *choices) out += (out.empty() ? "" : ",") + code;
    return out;
  }
  if (const auto* point = v.get<GeoPoint>()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6f, %.6f", point->latitude, point->longitude);
    return buffer;
  }
  (void)q;
  return "";
}

json choicesJson(const Question& q) {
  json list = json::array();
  if (q.type == QuestionType::kYesNo) {
    list.push_back({{"code", "yes"}, {"label", {{"vi", "Có"}, {"en", "Yes"}}}});
    list.push_back({{"code", "no"}, {"label", {{"vi", "Không"}, {"en", "No"}}}});
    return list;
  }
  for (const auto& c : q.choices) list.push_back({{"code", c.code}, {"label", bi(c.label)}});
  return list;
}

json failureJson(const ConstraintFailure& failure) {
  const auto& c = *failure.constraint;
  return json{{"id", c.id},
              {"constraint", c.id},
              {"level", constraintLevelName(c.level)},
              {"message", bi(c.message)},
              {"questions", c.questions},
              {"confirmed", failure.confirmed},
              {"confirmed_by", failure.confirmed ? json(failure.confirmed_by) : json()}};
}

json standingJson(const InspectionStanding& standing) {
  return json{{"code", standing.code}, {"label", bi(standing.label)}};
}

json establishmentBrief(const InspectorService& service, const Document& establishment) {
  if (establishment.id.empty()) return json();
  return json{{"code", textField(establishment, "code")},
              {"name", textField(establishment, "name")},
              {"owner", textField(establishment, "owner")},
              {"address", textField(establishment, "address")},
              {"commune_name", service.communeName(textField(establishment, "commune"))},
              {"district_name", service.districtName(textField(establishment, "district"))}};
}

std::string choiceLabel(const ChecklistTemplate* record, const char* question, const std::string& code, bool vi) {
  const auto* q = record ? record->find(question) : nullptr;
  const auto* choice = q ? q->findChoice(code) : nullptr;
  return choice ? (vi ? choice->label.vi : choice->label.en) : code;
}

std::string conflictWhen(const InspectorService& service, const ConflictSide& side) {
  return formatDateTimeForPeople(DateTime{side.stamp.wall_ms / 1000 * 1000, service.utcOffsetMinutes()});
}

std::string sideShown(const InspectorService& service, const Document& head, const std::string& field, const ConflictSide& side) {
  if (side.deleted) return "(đã xoá / deleted)";
  if (!side.value || side.value->isNull()) return "";
  return service.describeField(head, field, *side.value).shown;
}

}  // namespace

// A question's description and its answer, for a form or a record.
json questionJson(const Question& q, const Value& value) {
  json j{{"id", q.id},
         {"type", questionTypeName(q.type)},
         {"label", bi(q.label)},
         {"hint", q.hint ? bi(*q.hint) : json()},
         {"unit", q.unit ? json(*q.unit) : json()},
         {"required", q.required},
         {"input", inputText(q, value)},
         {"shown", value.isNull() ? std::string() : displayAnswer(q, value)},
         {"choices", choicesJson(q)},
         {"exclusive", q.exclusive},
         {"min", q.min ? json(*q.min) : json()},
         {"max", q.max ? json(*q.max) : json()},
         {"max_length", q.max_length},
         {"issue", json()},
         {"messages", json::array()},
         {"photo", json()}};
  if (q.type == QuestionType::kDateTime || q.type == QuestionType::kDate) {
    // The template's date types are named "datetime" and "date"; the page says date_time.
    j["type"] = q.type == QuestionType::kDate ? "date" : "date_time";
  }
  return j;
}

json formJson(const InspectorService& service, const InspectionView& v) {
  const auto& doc = v.inspection;
  const auto session = service.session();
  const auto state = reviewState(doc);
  json sections = json::array();
  std::optional<Bilingual> current;
  for (const auto& s : v.state.questions()) {
    if (!s.relevant) continue;
    const auto section = s.question->section.value_or(Bilingual{});
    if (sections.empty() || !current || !(section == *current)) {
      sections.push_back({{"label", bi(section)}, {"questions", json::array()}});
      current = section;
    }
    auto q = questionJson(*s.question, s.value);
    q["required"] = s.required;
    if (s.issue) q["issue"] = bi(*s.issue);
    for (const auto& failure : v.failures) {
      const auto& concerns = failure.constraint->questions;
      if (std::find(concerns.begin(), concerns.end(), s.question->id) != concerns.end()) q["messages"].push_back(failureJson(failure));
    }
    if (const auto* ref = s.value.get<AttachmentRef>())
      q["photo"] = {{"sha256", ref->sha256},
                    {"url", "/api/photos/" + ref->sha256},
                    {"name", service.photoName(doc, s.question->id)},
                    {"local", service.photoFile(ref->sha256).has_value()}};  // false: on the server only
    sections.back()["questions"].push_back(std::move(q));
  }
  json missing = json::array();
  for (const auto* issue : v.state.issues())
    missing.push_back({{"question", issue->question->id},
                       {"label", bi(issue->question->label)},
                       {"message", issue->issue ? bi(*issue->issue)
                                                : json{{"vi", "Chưa trả lời (bắt buộc)"}, {"en", "Not answered (required)"}}}});
  json constraints = json::array();
  for (const auto& failure : v.failures) constraints.push_back(failureJson(failure));
  const bool draft = textField(doc, f::kStatus) == kStatusDraft;
  return json{{"id", doc.id},
              {"number", service.recordName(doc)},
              {"title", bi(v.checklist->title)},
              {"kind", doc.kind},
              {"establishment", establishmentBrief(service, v.establishment)},
              {"standing", standingJson(inspectionStanding(doc, v.unsent))},
              {"editable", draft || session.may_review},
              {"may_review", session.may_review && !draft},
              {"unsent", v.unsent},
              {"return_comment", state == ReviewState::kReturned ? json(textField(doc, f::kReviewComment)) : json()},
              {"complete", v.state.complete()},
              {"answered", v.state.answeredCount()},
              {"applicable", v.state.relevantCount()},
              {"sections", sections},
              {"missing", missing},
              {"constraints", constraints}};
}

json recordRowJson(const InspectorService& service, const InspectionView& v) {
  const auto& doc = v.inspection;
  const auto state = reviewState(doc);
  return json{{"id", doc.id},
              {"number", service.recordName(doc)},
              {"kind", doc.kind},
              {"title", bi(v.checklist->title)},
              {"establishment", establishmentBrief(service, v.establishment)},
              {"standing", standingJson(inspectionStanding(doc, v.unsent))},
              {"updated", formatDateTimeForPeople(DateTime{doc.stamp.wall_ms / 1000 * 1000, service.utcOffsetMinutes()})},
              {"unsent", v.unsent},
              {"return_comment", state == ReviewState::kReturned ? json(textField(doc, f::kReviewComment)) : json()}};
}

json establishmentItemJson(const InspectorService& service, const ChecklistTemplate* record, const Document& e) {
  const auto kind = textField(e, "kind");
  const auto status = textField(e, "status");
  return json{{"id", e.id},
              {"code", textField(e, "code")},
              {"name", textField(e, "name")},
              {"kind", {{"vi", choiceLabel(record, "kind", kind, true)}, {"en", choiceLabel(record, "kind", kind, false)}}},
              {"district", textField(e, "district")},
              {"district_name", service.districtName(textField(e, "district"))},
              {"commune", textField(e, "commune")},
              {"commune_name", service.communeName(textField(e, "commune"))},
              {"address", textField(e, "address")},
              {"status", {{"vi", choiceLabel(record, "status", status, true)}, {"en", choiceLabel(record, "status", status, false)}}}};
}

json conflictRowJson(const InspectorService& service, const ConflictView& v) {
  const auto names = service.conflictNamesOf(v.record);
  json fields = json::array();
  for (const auto& c : v.record.conflicts) {
    auto found = names.fields.find(c.field);
    fields.push_back(found != names.fields.end() ? bi(found->second) : json{{"vi", c.field}, {"en", c.field}});
  }
  return json{{"number", v.record.number},
              {"record", names.record.empty() ? v.record.doc_kind + " " + v.record.doc_id.substr(0, 8) : names.record},
              {"fields", fields},
              {"open", v.open()},
              {"opened", formatDateTimeForPeople(DateTime{v.record.recorded.wall_ms / 1000 * 1000, service.utcOffsetMinutes()})}};
}

json syncCountsJson(const SyncCounts& c) {
  return json{{"pushed", c.pushed}, {"refused", c.refused}, {"pulled", c.pulled}, {"round_trips", c.round_trips},
              {"attachments_sent", c.attachments_sent}, {"attachments_refused", c.attachments_refused},
              {"attachment_bytes_sent", c.attachment_bytes_sent}, {"bytes_sent", c.bytes_sent},
              {"bytes_received", c.bytes_received}, {"clock_skew_ms", c.clock_skew_ms}};
}


json historyJson(const InspectorService& service, const Document& doc) {
  const auto revisions = service.history(doc.id);
  const auto changes = revisionChanges(revisions);
  json list = json::array();
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    const auto& r = revisions[i];
    json changed = json::array();
    for (const auto& [name, value] : changes[i].set) {
      // Which template version a record uses is the program's business, not the reader's.
      if (name == f::kTemplate || name == f::kTemplateVersion) continue;
      const auto field = service.describeField(r, name, value);
      changed.push_back({{"field", name}, {"label", bi(field.label)}, {"shown", field.shown}});
    }
    for (const auto& name : changes[i].cleared) {
      const auto field = service.describeField(r, name, Value{});
      changed.push_back({{"field", name}, {"label", bi(field.label)}, {"shown", ""}, {"cleared", true}});
    }
    list.push_back({{"revision", r.revision.substr(0, 12)},
                    // The seed's revisions carry no time: "" rather than 1970.
                    {"when", r.stamp.wall_ms == 0 ? std::string()
                                                  : formatDateTimeForPeople(DateTime{r.stamp.wall_ms / 1000 * 1000,
                                                                                     service.utcOffsetMinutes()})},
                    {"author", r.author},
                    {"device", deviceName(r.device)},
                    {"merge", r.parents.size() > 1 && r.device == "server"},
                    {"resolution", r.parents.size() > 1 && r.device != "server"},
                    {"deleted", r.deleted},
                    {"changes", changed}});
  }
  return json{{"name", service.documentName(doc.id)}, {"revisions", list}};
}

json conflictJson(const InspectorService& service, const ConflictView& v) {
  auto j = conflictRowJson(service, v);
  const auto head = service.history(v.record.doc_id);
  const Document current = head.empty() ? Document{} : head.back();
  const auto names = service.conflictNamesOf(v.record);
  json fields = json::array();
  for (const auto& c : v.record.conflicts) {
    auto label = names.fields.find(c.field);
    fields.push_back({{"field", c.field},
                      {"label", label != names.fields.end() ? bi(label->second) : json{{"vi", c.field}, {"en", c.field}}},
                      {"base", c.base && !c.base->isNull() ? service.describeField(current, c.field, *c.base).shown : ""},
                      {"applied", sideShown(service, current, c.field, c.winner)},
                      {"other", sideShown(service, current, c.field, c.other)},
                      {"applied_by", c.winner.author},
                      {"other_by", c.other.author},
                      {"applied_when", conflictWhen(service, c.winner)},
                      {"other_when", conflictWhen(service, c.other)}});
  }
  j["fields"] = fields;
  return j;
}

}  // namespace fieldcheck::client
