// Conflict records as documents, and resolutions.
#include "fieldcheck/conflict_record.h"

#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"

namespace fieldcheck {
namespace {

// The record's own conflict (a deletion against an edit) has no field name; in the document it
// is the flag "whole".
constexpr const char* kWhole = "whole";
constexpr std::string_view kOpen = "open";
constexpr std::string_view kResolved = "resolved";

std::string valueKey(std::string_view part, const std::string& field) { return std::string(part) + ":" + field; }

void putSide(Fields& fields, std::string_view name, const ConflictSide& side) {
  const std::string prefix(name);
  fields[prefix + "_revision"] = side.revision;
  fields[prefix + "_author"] = side.author;
  fields[prefix + "_device"] = side.device;
  fields[prefix + "_stamp"] = side.stamp.toString();
  fields[prefix + "_deleted"] = side.deleted;
}

std::optional<Value> valueAt(const Fields& fields, const std::string& key) {
  auto it = fields.find(key);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

std::string text(const Fields& fields, const std::string& key) {
  auto it = fields.find(key);
  const auto* s = it == fields.end() ? nullptr : it->second.get<std::string>();
  return s ? *s : std::string();
}

ConflictSide sideFrom(const Fields& fields, std::string_view name) {
  const std::string prefix(name);
  ConflictSide side;
  side.revision = text(fields, prefix + "_revision");
  side.author = text(fields, prefix + "_author");
  side.device = text(fields, prefix + "_device");
  side.stamp = HybridTimestamp::parse(text(fields, prefix + "_stamp")).value_or(HybridTimestamp{});
  const auto deleted = valueAt(fields, prefix + "_deleted");
  side.deleted = deleted && deleted->get<bool>() && *deleted->get<bool>();
  return side;
}

std::string fieldLabel(const std::string& field) { return field.empty() ? "(cả hồ sơ / whole record)" : field; }

std::string sideText(const ConflictSide& side) {
  if (side.deleted) return "(đã xóa / deleted)";
  return side.value ? displayValue(*side.value) : "(không có / none)";
}

std::string whenText(const HybridTimestamp& stamp, std::int32_t offset_minutes) {
  return formatDateTimeForPeople(DateTime{stamp.wall_ms / 1000 * 1000, offset_minutes});
}

}  // namespace

Fields ConflictRecord::toFields() const {
  Fields fields;
  fields["number"] = number;
  fields["document"] = doc_id;
  fields["document_kind"] = doc_kind;
  fields["district"] = district;
  fields["base_revision"] = base_revision;
  fields["merge_revision"] = merge_revision;
  fields["recorded"] = recorded.toString();
  fields["status"] = std::string(resolved ? kResolved : kOpen);
  if (resolved) {
    fields["resolved_by"] = resolved_by;
    fields["resolution"] = resolution;
  }
  Choices names;
  bool whole = false;
  for (const auto& c : conflicts) {
    if (c.field.empty()) {
      whole = true;
      continue;
    }
    names.push_back(c.field);
    if (c.base) fields[valueKey("base", c.field)] = *c.base;
    if (c.winner.value) fields[valueKey("applied", c.field)] = *c.winner.value;
    if (c.other.value) fields[valueKey("other", c.field)] = *c.other.value;
  }
  fields["fields"] = names;
  fields[kWhole] = whole;
  if (!conflicts.empty()) {
    putSide(fields, "applied", applied());
    putSide(fields, "other", other());
  }
  return fields;
}

std::optional<ConflictRecord> ConflictRecord::fromDocument(const Document& doc) {
  if (doc.kind != kinds::kConflict || doc.deleted) return std::nullopt;
  const auto& f = doc.fields;
  ConflictRecord r;
  r.id = doc.id;
  const auto number = valueAt(f, "number");
  const auto names = valueAt(f, "fields");
  if (!number || !number->get<std::int64_t>() || !names || !names->get<Choices>()) return std::nullopt;
  r.number = *number->get<std::int64_t>();
  r.doc_id = text(f, "document");
  r.doc_kind = text(f, "document_kind");
  r.district = text(f, "district");
  r.base_revision = text(f, "base_revision");
  r.merge_revision = text(f, "merge_revision");
  r.recorded = HybridTimestamp::parse(text(f, "recorded")).value_or(HybridTimestamp{});
  r.resolved = text(f, "status") == kResolved;
  r.resolved_by = text(f, "resolved_by");
  r.resolution = text(f, "resolution");
  const auto applied = sideFrom(f, "applied");
  const auto other = sideFrom(f, "other");
  const auto whole = valueAt(f, kWhole);
  if (whole && whole->get<bool>() && *whole->get<bool>()) r.conflicts.push_back({"", std::nullopt, applied, other});
  for (const auto& name : *names->get<Choices>()) {
    FieldConflict c{name, valueAt(f, valueKey("base", name)), applied, other};
    c.winner.value = valueAt(f, valueKey("applied", name));
    c.other.value = valueAt(f, valueKey("other", name));
    r.conflicts.push_back(std::move(c));
  }
  if (r.conflicts.empty()) return std::nullopt;
  return r;
}

Result<bool> addTakeChoice(ConflictDecision& decision, std::string_view text) {
  auto side = [](std::string_view s) -> std::optional<ConflictSideChoice> {
    if (s == "applied") return ConflictSideChoice::kApplied;
    if (s == "other") return ConflictSideChoice::kOther;
    return std::nullopt;
  };
  const auto eq = text.find('=');
  const auto choice = side(eq == std::string_view::npos ? text : text.substr(eq + 1));
  if (!choice || eq == 0)
    return problem("“" + std::string(text) + "” không hợp lệ: dùng applied (giữ giá trị đang áp dụng), other (lấy bên kia) "
                       "hoặc TRƯỜNG=applied|other.",
                   "“" + std::string(text) + "” is not valid: use applied (keep the value applied), other (take the "
                       "other side's) or FIELD=applied|other.");
  if (eq == std::string_view::npos) decision.everything = *choice;
  else decision.sides[std::string(text.substr(0, eq))] = *choice;
  return true;
}

Result<Document> resolvingRevision(const ConflictRecord& record, const ConflictDecision& decision, const Document& head,
                                   const Document* other_revision, std::string author, std::string device,
                                   HybridTimestamp stamp) {
  std::set<std::string> in_conflict;
  for (const auto& c : record.conflicts) in_conflict.insert(c.field);
  std::vector<std::string> strangers, undecided;
  for (const auto& [field, _] : decision.sides)
    if (!in_conflict.count(field)) strangers.push_back(field);
  for (const auto& [field, _] : decision.values)
    if (!in_conflict.count(field)) strangers.push_back(field);
  auto listed = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + fieldLabel(n);
    return out;
  };
  if (!strangers.empty())
    return problem("Xung đột #" + std::to_string(record.number) + " không có trường: " + listed(strangers) + ".",
                   "Conflict #" + std::to_string(record.number) + " has no field: " + listed(strangers) + ".");

  Document resolved = head;
  for (const auto& c : record.conflicts) {
    std::optional<ConflictSideChoice> choice = decision.everything;
    if (auto it = decision.sides.find(c.field); it != decision.sides.end()) choice = it->second;
    if (auto it = decision.values.find(c.field); it != decision.values.end()) {
      if (it->second.isNull()) resolved.fields.erase(c.field);
      else resolved.fields[c.field] = it->second;
      continue;
    }
    if (!choice) {
      undecided.push_back(c.field);
      continue;
    }
    if (*choice == ConflictSideChoice::kApplied) continue;  // the head already holds it
    if (c.field.empty()) {
      if (c.other.deleted) {
        resolved.deleted = true;
      } else {
        if (!other_revision)
          return problem("Máy này chưa có phiên bản " + c.other.revision + " của bên kia; hãy đồng bộ rồi thử lại.",
                         "This replica does not have the other side's revision " + c.other.revision + "; sync and try again.");
        resolved.deleted = false;
        resolved.fields = other_revision->fields;
      }
    } else if (c.other.value) {
      resolved.fields[c.field] = *c.other.value;
    } else {
      resolved.fields.erase(c.field);
    }
  }
  if (!undecided.empty())
    return problem("Chưa quyết định cho: " + listed(undecided) + ". Dùng --take applied|other cho mọi trường, --take TRƯỜNG=applied|other "
                       "hoặc --set TRƯỜNG=GIÁ_TRỊ cho từng trường.",
                   "No decision for: " + listed(undecided) + ". Use --take applied|other for every field, --take "
                       "FIELD=applied|other or --set FIELD=VALUE for each.");
  resolved.parents = {head.revision, record.other().revision};
  resolved.author = std::move(author);
  resolved.device = std::move(device);
  resolved.stamp = stamp;
  resolved.revision = computeRevision(resolved);
  return resolved;
}

namespace {

// Of `templates`, the one that asks `doc`'s fields: an inspection's own, or the establishment
// record template; nullptr when none does.
const Document* templateAsking(const Document& doc, const std::vector<Document>& templates) {
  for (const auto& t : templates)
    if (doc.kind == kinds::kInspection || doc.kind == kinds::kReport ? t.id == textField(doc, "_template")
                                       : doc.kind == kinds::kEstablishment && textField(t, "purpose") == "establishment")
      return &t;
  return nullptr;
}

}  // namespace

Result<Value> parseFieldInput(const Document& doc, const std::vector<Document>& templates, const std::string& field,
                              std::string_view input, std::int32_t offset_minutes) {
  if (const auto* t = templateAsking(doc, templates)) {
    auto checklist = templateFromDocument(*t);
    if (!checklist) return checklist.problem();
    if (const auto* question = checklist.value().find(field))
      return parseAnswerInput(*question, input, offset_minutes, wallClockMs());
  }
  if (input.empty()) return Value{};
  return Value{std::string(input)};
}

ConflictNames conflictNames(const ConflictRecord& record, const std::function<std::optional<Document>(const std::string&)>& lookup,
                            const std::vector<Document>& templates) {
  ConflictNames names;
  if (const auto place = record.district.empty() ? std::nullopt : lookup(seedDocumentId(kinds::kDistrict, record.district)))
    names.district = textField(*place, "name");
  const auto head = lookup(record.doc_id);
  if (!head) return names;
  // An inspection or periodic report by its number (record_number.h), then what it is of.
  const auto number = textField(*head, "_number");
  const auto numbered = number.empty() ? std::string() : number + " ";
  if (head->kind == kinds::kReport) {
    const auto commune = textField(*head, "_commune");
    const auto place = lookup(seedDocumentId(commune.empty() ? kinds::kDistrict : kinds::kCommune,
                                             commune.empty() ? textField(*head, "_district") : commune));
    if (place) names.record = numbered + "báo cáo / report of " + textField(*place, "name") + " " + textField(*head, "_period");
  }
  const auto establishment = head->kind == kinds::kEstablishment ? head : lookup(textField(*head, "_establishment"));
  if (establishment) {
    const auto subject = textField(*establishment, "code") + " " + textField(*establishment, "name");
    names.record = head->kind == kinds::kEstablishment ? subject : numbered + "phiếu kiểm tra / inspection of " + subject;
  }

  if (const auto* t = templateAsking(*head, templates))
    if (auto checklist = templateFromDocument(*t))
      for (const auto& c : record.conflicts)
        if (const auto* question = checklist.value().find(c.field)) names.fields[c.field] = question->label;
  return names;
}

Result<ConflictDecision> decisionFromInput(const std::vector<std::string>& takes, const std::vector<std::string>& sets,
                                           const Document& head, const std::vector<Document>& templates,
                                           std::int32_t offset_minutes) {
  if (takes.empty() && sets.empty())
    return problem("Hãy nói cách giải quyết: --take applied|other, --take TRƯỜNG=applied|other hoặc --set TRƯỜNG=GIÁ_TRỊ.",
                   "Say how to resolve it: --take applied|other, --take FIELD=applied|other or --set FIELD=VALUE.");
  ConflictDecision decision;
  for (const auto& take : takes)
    if (auto added = addTakeChoice(decision, take); !added) return added.problem();
  for (const auto& set : sets) {
    const auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      return problem("“" + set + "” không hợp lệ: dùng --set TRƯỜNG=GIÁ_TRỊ.", "“" + set + "” is not valid: use --set FIELD=VALUE.");
    const auto field = set.substr(0, eq);
    auto value = parseFieldInput(head, templates, field, std::string_view(set).substr(eq + 1), offset_minutes);
    if (!value) {
      auto p = problem("Giá trị cho “" + field + "” không hợp lệ.", "The value for “" + field + "” is not valid.");
      p.details.push_back(value.problem().message);
      return p;
    }
    decision.values[field] = std::move(value.value());
  }
  return decision;
}

nlohmann::json conflictToJson(const ConflictRecord& r, std::int32_t offset_minutes) {
  using nlohmann::json;
  auto side = [&](const ConflictSide& s) {
    return json{{"deleted", s.deleted}, {"revision", s.revision}, {"author", s.author}, {"device", s.device},
                {"at", whenText(s.stamp, offset_minutes)}};
  };
  auto value = [](const std::optional<Value>& v) { return v ? valueToJson(*v) : json(); };
  json fields = json::array();
  for (const auto& c : r.conflicts)
    fields.push_back({{"field", c.field}, {"base", value(c.base)}, {"applied", value(c.winner.value)}, {"other", value(c.other.value)}});
  return json{{"number", r.number},
              {"id", r.id},
              {"document", r.doc_id},
              {"kind", r.doc_kind},
              {"district", r.district},
              {"status", r.resolved ? kResolved : kOpen},
              {"resolved_by", r.resolved ? json(r.resolved_by) : json()},
              {"resolution", r.resolved ? json(r.resolution) : json()},
              {"fields", fields},
              {"applied", side(r.applied())},
              {"other", side(r.other())},
              {"base_revision", r.base_revision},
              {"merge_revision", r.merge_revision},
              {"recorded_at", whenText(r.recorded, offset_minutes)}};
}

void printConflict(std::ostream& out, const ConflictRecord& r, std::int32_t offset_minutes, bool detailed,
                   std::string_view state, const ConflictNames& names) {
  // A field by its question's label (Vietnamese in the one-line form, both in the detailed one).
  auto label = [&](const std::string& field, bool both) {
    const auto it = names.fields.find(field);
    if (it == names.fields.end()) return fieldLabel(field);
    return both ? it->second.vi + " / " + it->second.en : it->second.vi;
  };
  const auto record = names.record.empty() ? r.doc_kind + " " + r.doc_id.substr(0, 8) : names.record;
  const auto district = !names.district.empty() ? names.district : r.district.empty() ? std::string("*") : r.district;
  std::string status(state);
  if (status.empty())
    status = r.resolved ? "đã giải quyết bởi / resolved by " + r.resolved_by : std::string("chờ quyết định / open");
  const auto& a = r.applied();
  const auto& o = r.other();
  if (!detailed) {
    std::string fields;
    for (const auto& c : r.conflicts) fields += (fields.empty() ? "" : ", ") + label(c.field, false);
    out << "#" << r.number << "  " << record << "  " << district
        << "  " << fields << "  (" << a.author << " / " << o.author << ")  " << status << "\n";
    return;
  }
  out << "Xung đột / Conflict #" << r.number << "  " << record << "  " << district << "\n"
      << "  Tình trạng / Status: " << status << "\n"
      << "  Đang áp dụng / Applied: " << a.author << ", " << whenText(a.stamp, offset_minutes) << ", thiết bị / device "
      << deviceName(a.device) << "\n"
      << "  Bên kia / Other:        " << o.author << ", " << whenText(o.stamp, offset_minutes) << ", thiết bị / device "
      << deviceName(o.device) << "\n"
      << "  Trường / Field | Gốc / Base | Đang áp dụng / Applied | Bên kia / Other\n";
  for (const auto& c : r.conflicts)
    out << "  " << label(c.field, true) << " (" << fieldLabel(c.field) << ") | " << (c.base ? displayValue(*c.base) : "(không có / none)") << " | "
        << sideText(c.winner) << " | " << sideText(c.other) << "\n";
}

}  // namespace fieldcheck
