// The server's rules for incoming changes.
#include "push_rules.h"

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/review.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"

#include <algorithm>
#include <map>
#include <memory>

namespace fieldcheck::server {
namespace {

PushDecision refuse(const protocol::PushEntry& e, std::string code, std::string vi, std::string en) {
  PushDecision d;
  d.refusal = {e.seq, e.doc.id, std::move(code), {std::move(vi), std::move(en)}};
  return d;
}

PushDecision accept(const Identity& who, std::string district, bool merge) {
  PushDecision d;
  d.accept = true;
  d.district = std::move(district);
  d.merge = merge;
  d.may_resolve = mayResolveConflicts(who.role);
  return d;
}

bool inScope(const Identity& who, const std::string& district) { return worksIn(who.district, district); }

// Templates parsed once per serving thread and template revision (revisions are immutable).
std::shared_ptr<const ChecklistTemplate> parsedTemplate(const Document& template_doc) {
  thread_local std::map<std::string, std::shared_ptr<const ChecklistTemplate>> cache;
  if (auto it = cache.find(template_doc.revision); it != cache.end()) return it->second;
  auto parsed = templateFromDocument(template_doc);
  if (!parsed) return nullptr;
  auto shared = std::make_shared<const ChecklistTemplate>(std::move(parsed.value()));
  cache.emplace(template_doc.revision, shared);
  return shared;
}

bool isInspectionOrRecord(const std::string& kind) {
  return kind == kinds::kInspection || kind == kinds::kEstablishment || kind == kinds::kReport;
}

namespace f = inspection_fields;

// Reports are of a commune or of a district, as their template's purpose says.
std::string_view reportPurpose(const Document& report) {
  return textField(report, f::kCommune).empty() ? "district_report" : "commune_report";
}

// What inspections and reports share once their scope holds: a finalized one is no longer an
// inspector's to edit, and only supervisors review.
PushDecision judgeFilled(const Identity& who, const protocol::PushEntry& e, const std::optional<Document>& head,
                         const std::string& district, bool concurrent) {
  if (head && textField(*head, f::kStatus) == kStatusFinalized && !mayAmendFinalized(who.role))
    return refuse(e, "finalized", "Phiếu đã hoàn tất nên cán bộ kiểm tra không sửa được; hãy báo giám sát viên.",
                  "The inspection is finalized and an inspector cannot edit it; ask a supervisor.");
  // An inspector deletes only a draft whose last revision their own laptop wrote (the device is
  // what the server can check, not the name a laptop claims); someone else's is a supervisor's.
  if (e.doc.deleted && head && !head->deleted && !mayDiscardOthersWork(who.role) && head->device != who.device)
    return refuse(e, "role", "Cán bộ kiểm tra chỉ xóa được phiếu nháp do chính máy mình ghi; hãy báo giám sát viên.",
                  "An inspector may delete only a draft last written on their own laptop; ask a supervisor.");
  if (auto bad = reviewFieldsProblem(e.doc, head ? &*head : nullptr, mayReview(who.role)))
    return refuse(e, "review", bad->vi, bad->en);
  return accept(who, district, concurrent);
}

// A record's number (record_number.h) is given once, by the laptop that creates the record, and
// never changes: a new record's number is of its district and of the sending device (one of its
// laptop numbers in that district or province-wide, or its marker from before its first login),
// and every later revision carries the same. A record without one was made by an older program.
std::optional<PushDecision> numberRefusal(const Identity& who, const protocol::PushEntry& e,
                                          const std::optional<Document>& head, const std::string& district,
                                          const HeadLookup& lookup) {
  const auto number = e.doc.fields.count(f::kNumber) ? textField(e.doc, f::kNumber) : std::string();
  if (head) {
    if (number == textField(*head, f::kNumber) && (number.empty() == !head->fields.count(f::kNumber))) return std::nullopt;
    return refuse(e, "number", "Số phiếu đã cấp thì không đổi được.", "A record's number, once given, cannot change.");
  }
  if (!e.doc.fields.count(f::kNumber)) return std::nullopt;
  const auto parsed = parseRecordNumber(number);
  const auto place = lookup(seedDocumentId(kinds::kDistrict, district));
  const bool laptop_ok =
      parsed && (parsed->laptop == laptopMarker(who.device) ||
                 std::any_of(who.laptop_numbers.begin(), who.laptop_numbers.end(), [&](const auto& n) {
                   return n.second == parsed->laptop && (n.first == district || n.first.empty());
                 }));
  if (!parsed || parsed->text() != number || !place ||
      parsed->district != districtAbbreviation(district, textField(*place, "abbreviation")) || !laptop_ok)
    return refuse(e, "number", "Số phiếu “" + number + "” không phải số máy này cấp cho một phiếu của huyện này.",
                  "The record number “" + number + "” is not one this laptop gives to a record of this district.");
  return std::nullopt;
}

}  // namespace

PullScope pullScope(const Identity& who) {
  PullScope scope;
  scope.device = who.device;
  scope.whole_province = !who.district.has_value();
  if (who.district) scope.district = *who.district;
  scope.conflicts = mayResolveConflicts(who.role);
  return scope;
}

std::optional<protocol::Refusal> precheckPush(const Identity& who, const protocol::PushEntry& e,
                                              std::string_view fields_json, const HeadLookup& lookup,
                                              const ChecklistTemplate* record_template,
                                              const ConstraintContext& context) {
  auto refused = [&](std::string code, std::string vi, std::string en) {
    return std::optional<protocol::Refusal>(refuse(e, std::move(code), std::move(vi), std::move(en)).refusal);
  };
  const auto& doc = e.doc;
  // The token binds the device and the user: history and exports name whoever the token says
  // wrote the change (a laptop renames the work done before its first login when it logs in).
  if (doc.device != who.device)
    return refused("not_yours", "Thay đổi không được ghi trên thiết bị này.", "The change was not written on this device.");
  if (doc.author != who.user)
    return refused("author", "Thay đổi ghi tên người viết “" + doc.author + "”, không phải người đã đăng nhập (" + who.user + ").",
                   "The change names “" + doc.author + "” as its author, not the user who logged in (" + who.user + ").");
  if (computeRevision(doc, fields_json) != doc.revision)
    return refused("integrity", "Mã phiên bản không khớp nội dung (dữ liệu hỏng trên đường truyền?).",
                   "The revision id does not match the content (damaged in transit?).");
  if (!doc.stamp.valid())
    return refused("clock", "Dấu thời gian của thay đổi không hợp lệ (không đồng hồ nào tạo ra được).",
                   "The change's clock stamp is not valid (no clock makes such a stamp).");
  if (!isInspectionOrRecord(doc.kind))
    return refused("kind", "Vai trò này không được gửi loại tài liệu “" + doc.kind + "”.",
                   "This role may not send documents of kind “" + doc.kind + "”.");
  if (doc.kind == kinds::kEstablishment) {
    // A record is checked against its template as an inspection is; a deletion carries no
    // record to check (judgePush decides who may delete).
    if (doc.deleted) return std::nullopt;
    if (!record_template)
      return refused("unknown_template", "Máy chủ không có mẫu hồ sơ cơ sở.", "The server has no establishment record template.");
    const auto issues = recordIssues(*record_template, doc.fields, {"code"});
    if (!issues.empty())
      return refused("invalid", "Hồ sơ cơ sở không hợp lệ: " + issues.front().vi, "The establishment record is not valid: " + issues.front().en);
    return std::nullopt;
  }
  if (doc.kind == kinds::kReport && !periodDays(textField(doc, f::kPeriod)))
    return refused("invalid", "Kỳ báo cáo không hợp lệ (2019, 2019-Q3 hoặc 2019-07).",
                   "The report's period is not valid (2019, 2019-Q3 or 2019-07).");
  const auto status = textField(doc, f::kStatus);
  if (status != "draft" && status != "finalized")
    return refused("invalid", "Trạng thái phiếu “" + status + "” không hợp lệ.", "Inspection status “" + status + "” is not valid.");
  // Templates never change under a revision id, so answers are checked before the transaction.
  const auto template_doc = lookup(textField(doc, f::kTemplate));
  if (!template_doc || template_doc->kind != kinds::kTemplate)
    return refused("unknown_template", "Phiếu dùng mẫu không có trên máy chủ.",
                   "The inspection uses a template the server does not have.");
  const auto checklist = parsedTemplate(*template_doc);
  if (!checklist)
    return refused("unknown_template", "Mẫu phiếu trên máy chủ bị lỗi.", "The template on the server is faulty.");
  if (checklist->purpose != (doc.kind == kinds::kReport ? reportPurpose(doc) : std::string_view("inspection")))
    return refused("unknown_template", "Mẫu phiếu không dùng cho loại hồ sơ này.", "The template is not one for this kind of record.");
  for (const auto& [name, value] : doc.fields) {
    if (name.empty() || name[0] == '_') continue;
    const auto* q = checklist->find(name);
    if (!q) return refused("invalid", "Câu trả lời cho câu hỏi lạ “" + name + "”.", "An answer to an unknown question “" + name + "”.");
    if (auto issue = checkAnswer(*q, value)) return refused("invalid", issue->vi, issue->en);
  }
  // A finalized record holds to its template's error constraints; drafts may be half-way.
  if (status == kStatusFinalized && !doc.deleted && !checklist->constraints.empty()) {
    const auto commune = textField(doc, f::kCommune);
    const auto subject = lookup(doc.kind != kinds::kReport ? textField(doc, f::kEstablishment)
                                : !commune.empty()       ? seedDocumentId(kinds::kCommune, commune)
                                                         : seedDocumentId(kinds::kDistrict, textField(doc, f::kDistrict)));
    const Fields& about = subject ? subject->fields : Fields{};
    Fields answers;
    for (const auto& [name, value] : doc.fields)
      if (!name.empty() && name[0] != '_') answers.emplace(name, value);
    const ChecklistState state(*checklist, answers, about);
    for (const auto& failure : failedConstraints(*checklist, state, about, context, doc.fields))
      if (failure.constraint->level == ConstraintLevel::kError)
        return refused("constraint",
                       "Phiếu đã hoàn tất không đạt kiểm tra “" + failure.constraint->id + "”: " + failure.constraint->message.vi,
                       "The finalized record fails check “" + failure.constraint->id + "”: " + failure.constraint->message.en);
  }
  return std::nullopt;
}

PushOutcome pushBatch(const Identity& who, std::vector<protocol::PushEntry> entries, ProvincialStorage& storage) {
  // The templates a batch uses, read once (outside the transaction).
  HeadCache templates;
  const auto lookup = cachingLookup(templates, [&](const std::string& id) { return storage.head(id); });
  // The establishments' record template, read when the batch corrects an establishment.
  std::shared_ptr<const ChecklistTemplate> record_template;
  if (std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.doc.kind == kinds::kEstablishment; }))
    for (const auto& t : storage.heads(std::string(kinds::kTemplate)))
      if (textField(t, "purpose") == "establishment") record_template = parsedTemplate(t);
  // What constraints read besides the record, on the server's own clock; only a batch that
  // carries a finalized record needs it.
  ConstraintContext context;
  context.now_ms = wallClockMs();
  if (std::any_of(entries.begin(), entries.end(), [](const auto& e) {
        return e.doc.kind != kinds::kEstablishment && textField(e.doc, f::kStatus) == kStatusFinalized;
      })) {
    const auto provinces = storage.heads(std::string(kinds::kProvince));
    context = constraintContext(context.now_ms, provinces.empty() ? nullptr : &provinces.front(),
                                storage.heads(std::string(kinds::kPlan)));
  }
  std::vector<CheckedEntry> checked;
  checked.reserve(entries.size());
  for (auto& entry : entries) {
    CheckedEntry c{std::move(entry), {}, std::nullopt};
    c.fields_json = canonicalFieldsJson(c.entry.doc.fields);
    c.refusal = precheckPush(who, c.entry, c.fields_json, lookup, record_template.get(), context);
    checked.push_back(std::move(c));
  }
  return storage.applyPush(who, checked, judgePush);
}

PushDecision judgePush(const Identity& who, const protocol::PushEntry& e, const std::optional<Document>& head,
                       const HeadLookup& lookup) {
  const auto& doc = e.doc;
  if (head && head->kind != doc.kind)
    return refuse(e, "kind", "Vai trò này không được gửi loại tài liệu “" + doc.kind + "”.",
                  "This role may not send documents of kind “" + doc.kind + "”.");
  // The base names the revision the device last knew the server to have. When the server's head
  // is another one written by this same device, the device's acknowledgement of it was lost (a
  // cut response) and its new revision descends from it: a fast-forward, not a concurrent edit.
  // Each device's edits of a document form one line, and another device's accepted edit would
  // have become the head instead. Otherwise a head other than the base was written meanwhile:
  // the two are merged field by field against the base.
  const bool concurrent = head && head->revision != e.base_revision && head->device != who.device;
  if (!head && !e.base_revision.empty())
    return refuse(e, "unknown_base", "Máy chủ không có bản ghi mà thay đổi này dựa vào.",
                  "The server does not have the record this change is based on.");

  if (doc.kind == kinds::kEstablishment) {
    // Records are created by the provincial office; the field teams correct them.
    if (!head)
      return refuse(e, "kind", "Cơ sở mới do văn phòng tỉnh tạo, không tạo từ máy kiểm tra.",
                    "New establishments are created by the provincial office, not from a field laptop.");
    const auto district = textField(*head, "district");
    if (!inScope(who, district))
      return refuse(e, "scope", "Cơ sở này không thuộc huyện của bạn.", "This establishment is not in your district.");
    if (doc.deleted && !head->deleted) {
      if (!mayDiscardOthersWork(who.role))
        return refuse(e, "role", "Chỉ giám sát viên hoặc văn phòng tỉnh mới xóa được cơ sở.",
                      "Only a supervisor or the provincial office may delete an establishment.");
      return accept(who, district, concurrent);
    }
    if (textField(doc, "district") != district || textField(doc, "code") != textField(*head, "code"))
      return refuse(e, "scope", "Mã hoặc huyện của cơ sở do văn phòng tỉnh sửa, không sửa từ máy kiểm tra.",
                    "An establishment's code and district are changed by the provincial office, not from a field laptop.");
    // Its commune, when it names one, is one of its district's, as the server knows them.
    if (const auto commune = textField(doc, "commune"); !commune.empty()) {
      const auto known = lookup(seedDocumentId(kinds::kCommune, commune));
      if (!known || known->kind != kinds::kCommune || textField(*known, "district") != district)
        return refuse(e, "scope", "Xã, phường “" + commune + "” không thuộc huyện của cơ sở.",
                      "The commune “" + commune + "” is not in the establishment's district.");
    }
    return accept(who, district, concurrent);
  }

  if (doc.kind == kinds::kReport) {
    // A report: scoped by its commune's district (or its district) as the server knows them.
    const auto commune_code = textField(doc, f::kCommune);
    const auto subject = lookup(commune_code.empty() ? seedDocumentId(kinds::kDistrict, textField(doc, f::kDistrict))
                                                     : seedDocumentId(kinds::kCommune, commune_code));
    const auto district = subject ? textField(*subject, commune_code.empty() ? "code" : "district") : std::string();
    if (!subject || district != textField(doc, f::kDistrict) || !inScope(who, district))
      return refuse(e, "scope", "Báo cáo của xã hoặc huyện ngoài phạm vi của bạn.", "The report is of a commune or district outside your scope.");
    if (head && (textField(*head, f::kCommune) != commune_code || textField(*head, f::kDistrict) != district))
      return refuse(e, "scope", "Không được chuyển báo cáo sang xã, huyện khác.", "A report cannot be moved to another commune or district.");
    if (auto refused = numberRefusal(who, e, head, district, lookup)) return *refused;
    return judgeFilled(who, e, head, district, concurrent);
  }

  // An inspection: scoped by its establishment's district on the server.
  const auto establishment = lookup(textField(doc, f::kEstablishment));
  if (!establishment || establishment->kind != kinds::kEstablishment)
    return refuse(e, "unknown_establishment", "Phiếu kiểm tra một cơ sở không có trên máy chủ.",
                  "The inspection is of an establishment the server does not have.");
  const auto district = textField(*establishment, "district");
  if (!inScope(who, district) || textField(doc, f::kDistrict) != district)
    return refuse(e, "scope", "Phiếu kiểm tra cơ sở ngoài huyện của bạn.",
                  "The inspection is of an establishment outside your district.");
  // An inspection stays on its establishment: moving it would carry another district's record
  // into this one.
  if (head && textField(*head, f::kEstablishment) != textField(doc, f::kEstablishment))
    return refuse(e, "scope", "Không được chuyển phiếu kiểm tra sang cơ sở khác.",
                  "An inspection cannot be moved to another establishment.");
  if (auto refused = numberRefusal(who, e, head, district, lookup)) return *refused;

  return judgeFilled(who, e, head, district, concurrent);
}

}  // namespace fieldcheck::server
