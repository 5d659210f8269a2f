// The JSON the app's API answers with (API.md): a record's Form as the core sees it, rows of lists,
// histories, conflicts, sync counts. Each says what the inspector service decided; none decides.
#include "app_json.h"

#include <algorithm>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/review.h"

namespace fieldcheck::client {

using nlohmann::json;
namespace f = inspection_fields;

json problemJson(const Problem& p) {
  json details = json::array();
  for (const auto& d : p.details) details.push_back(bilingualJson(d));
  return json{{"error", {{"vi", p.message.vi}, {"en", p.message.en}, {"details", details}}}};
}

namespace {

json bi(const Bilingual& text) { return bilingualJson(text); }

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

json formJson(const InspectorService& service, const InspectionView& v) {
  const auto& doc = v.inspection;
  const auto session = service.session();
  const auto standing = inspectionStanding(doc, v.unsent);
  const bool draft = textField(doc, f::kStatus) == kStatusDraft;
  FormContext context;
  context.number = service.recordName(doc);
  context.commune_name = v.establishment.id.empty() ? "" : service.communeName(textField(v.establishment, "commune"));
  context.district_name = v.establishment.id.empty() ? "" : service.districtName(textField(v.establishment, "district"));
  context.standing_code = standing.code;
  context.standing_label = standing.label;
  context.editable = draft || session.may_review;
  context.may_review = session.may_review && !draft;
  context.unsent = v.unsent;
  context.photo_here = [&service](const std::string& sha256) { return service.photoFile(sha256).has_value(); };
  return fieldcheck::formJson(doc, v.establishment, *v.checklist, v.state, v.failures, context);
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
