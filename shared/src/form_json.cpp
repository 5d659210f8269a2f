// A record's Form as JSON, the same for the inspector's app and the provincial console.
#include "fieldcheck/form_json.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"

namespace fieldcheck {

using nlohmann::json;
namespace f = inspection_fields;

json bilingualJson(const Bilingual& text) { return json{{"vi", text.vi}, {"en", text.en}}; }

namespace {

json bi(const Bilingual& text) { return bilingualJson(text); }

// The text an input shows for a stored answer, in a form parseAnswerInput reads back to the same value.
std::string inputText(const Value& v) {
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

json establishmentBrief(const Document& establishment, const FormContext& context) {
  if (establishment.id.empty()) return json();
  return json{{"code", textField(establishment, "code")},
              {"name", textField(establishment, "name")},
              {"owner", textField(establishment, "owner")},
              {"address", textField(establishment, "address")},
              {"commune_name", context.commune_name},
              {"district_name", context.district_name}};
}

}  // namespace

json questionJson(const Question& q, const Value& value) {
  json j{{"id", q.id},
         {"type", questionTypeName(q.type)},
         {"label", bi(q.label)},
         {"hint", q.hint ? bi(*q.hint) : json()},
         {"unit", q.unit ? json(*q.unit) : json()},
         {"required", q.required},
         {"input", inputText(value)},
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

json formJson(const Document& record, const Document& establishment, const ChecklistTemplate& checklist,
              const ChecklistState& state, const std::vector<ConstraintFailure>& failures, const FormContext& context) {
  json sections = json::array();
  std::optional<Bilingual> current;
  for (const auto& s : state.questions()) {
    if (!s.relevant) continue;
    const auto section = s.question->section.value_or(Bilingual{});
    if (sections.empty() || !current || !(section == *current)) {
      sections.push_back({{"label", bi(section)}, {"questions", json::array()}});
      current = section;
    }
    auto q = questionJson(*s.question, s.value);
    q["required"] = s.required;
    if (s.issue) q["issue"] = bi(*s.issue);
    for (const auto& failure : failures) {
      const auto& concerns = failure.constraint->questions;
      if (std::find(concerns.begin(), concerns.end(), s.question->id) != concerns.end()) q["messages"].push_back(failureJson(failure));
    }
    if (const auto* ref = s.value.get<AttachmentRef>())
      q["photo"] = {{"sha256", ref->sha256},
                    {"url", "/api/photos/" + ref->sha256},
                    {"name", photoName(context.number, s.question->id, 1)},  // one image per question
                    {"local", context.photo_here && context.photo_here(ref->sha256)}};
    sections.back()["questions"].push_back(std::move(q));
  }
  json missing = json::array();
  for (const auto* issue : state.issues())
    missing.push_back({{"question", issue->question->id},
                       {"label", bi(issue->question->label)},
                       {"message", issue->issue ? bi(*issue->issue)
                                                : json{{"vi", "Chưa trả lời (bắt buộc)"}, {"en", "Not answered (required)"}}}});
  json constraints = json::array();
  for (const auto& failure : failures) constraints.push_back(failureJson(failure));
  return json{{"id", record.id},
              {"number", context.number},
              {"title", bi(checklist.title)},
              {"kind", record.kind},
              {"establishment", establishmentBrief(establishment, context)},
              {"standing", {{"code", context.standing_code}, {"label", bi(context.standing_label)}}},
              {"editable", context.editable},
              {"may_review", context.may_review},
              {"unsent", context.unsent},
              {"return_comment",
               reviewState(record) == ReviewState::kReturned ? json(textField(record, f::kReviewComment)) : json()},
              {"complete", state.complete()},
              {"answered", state.answeredCount()},
              {"applicable", state.relevantCount()},
              {"sections", sections},
              {"missing", missing},
              {"constraints", constraints}};
}

std::vector<RevisionChanges> revisionChanges(const std::vector<Document>& history) {
  std::vector<RevisionChanges> changes;
  std::map<std::string, const Document*> by_revision;
  const Document* previous = nullptr;
  for (const auto& r : history) {
    const Document* parent = previous;
    if (!r.parents.empty())
      if (auto it = by_revision.find(r.parents.front()); it != by_revision.end()) parent = it->second;
    auto& change = changes.emplace_back();
    for (const auto& [name, value] : r.fields) {
      const auto before = parent ? parent->fields.find(name) : Fields::const_iterator{};
      if (!parent || before == parent->fields.end() || !(before->second == value)) change.set.emplace_back(name, value);
    }
    if (parent)
      for (const auto& [name, value] : parent->fields)
        if (!r.fields.count(name)) change.cleared.push_back(name);
    by_revision[r.revision] = &r;
    previous = &r;
  }
  return changes;
}

FieldDescription describeField(const Document& doc, const std::string& name, const Value& value, const RecordNaming& naming) {
  if (value.isNull()) return {describeField(doc, name, Value{std::string()}, naming).label, "—"};
  const auto shown = displayValue(value);
  if (name == f::kNumber) return {{"Số phiếu", "Number"}, shown};
  if (name == "code" && doc.kind == kinds::kEstablishment) return {{"Mã cơ sở", "Code"}, shown};
  if (name == f::kStatus) return {{"Trạng thái", "Status"}, shown == kStatusDraft ? "nháp / draft" : "đã hoàn tất / finalized"};
  if (name == f::kReview) return {{"Duyệt", "Review"}, reviewStateLabel(reviewState(doc)).vi + " / " + reviewStateLabel(reviewState(doc)).en};
  if (name == f::kReviewComment) return {{"Nhận xét", "Comment"}, shown};
  if (name == f::kReviewedBy) return {{"Người duyệt", "Reviewed by"}, shown};
  if (name == f::kReviewedAt) return {{"Ngày duyệt", "Reviewed at"}, shown};
  if (name == f::kStartedAt) return {{"Bắt đầu", "Started"}, shown};
  if (name == f::kFinalizedAt) return {{"Hoàn tất lúc", "Finalized at"}, shown};
  if (name == f::kPeriod) return {{"Kỳ", "Period"}, shown};
  if (name == f::kDistrict || name == "district") return {{"Huyện", "District"}, naming.district_name(shown)};
  if (name == f::kCommune || name == "commune") return {{"Xã", "Commune"}, naming.commune_name(shown)};
  if (name == f::kEstablishment) return {{"Cơ sở", "Establishment"}, naming.document_name(shown)};
  if (name == f::kTemplate || name == f::kTemplateVersion) return {{"Mẫu phiếu", "Template"}, shown};
  if (name == kConfirmedField) return {{"Cảnh báo đã xác nhận", "Warnings confirmed"}, confirmationsText(value)};
  // An answer: by its question's label and read as the question reads it.
  const auto checklist = naming.checklist(doc);
  if (const auto* q = checklist ? checklist->find(name) : nullptr) {
    if (takesAttachment(q->type) && value.get<AttachmentRef>()) return {q->label, photoName(naming.record_name(doc), name, 1)};
    return {q->label, displayAnswer(*q, value)};
  }
  return {{name, name}, shown};
}

}  // namespace fieldcheck
