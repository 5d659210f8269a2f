// Exports: the columns of each kind of record, and each record's cells.
#include "exports.h"

#include <map>
#include <memory>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"

namespace fieldcheck::server {
namespace {

namespace f = inspection_fields;

struct Column {
  std::string header;
  std::function<Cell(const HeadRow& row)> cell;
};

const std::string& pick(const Bilingual& text, bool english) { return english ? text.en : text.vi; }

// What a person reads in a cell for an answer to `q` (GPS positions and photos have their own
// columns and cells: gpsColumns, photoCell).
Cell answerCell(const Question* q, const Value& value, bool english) {
  if (value.isNull()) return {};
  if (const auto* yes = value.get<bool>()) return std::string(*yes ? (english ? "Yes" : "Có") : (english ? "No" : "Không"));
  if (const auto* n = value.get<std::int64_t>()) return *n;
  if (const auto* d = value.get<double>()) return *d;
  if (const auto* at = value.get<DateTime>()) return *at;
  if (const auto* code = value.get<std::string>()) {
    if (q && q->type == QuestionType::kDate && isIsoDate(*code)) return Day{*code};
    if (q && q->type == QuestionType::kSingleChoice)
      if (const auto* c = q->findChoice(*code)) return pick(c->label, english);
    return *code;
  }
  if (const auto* list = value.get<Choices>()) {
    std::string out;
    for (const auto& code : *list) {
      const auto* c = q ? q->findChoice(code) : nullptr;
      out += (out.empty() ? "" : "; ") + (c ? pick(c->label, english) : code);
    }
    return out;
  }
  if (const auto* ref = value.get<AttachmentRef>()) return ref->sha256;
  return displayValue(value);
}

const Value* fieldOf(const Document& doc, const std::string& name) {
  auto it = doc.fields.find(name);
  return it == doc.fields.end() ? nullptr : &it->second;
}

Cell fieldCell(const Document& doc, const char* name, const Question* q, bool english) {
  const auto* v = fieldOf(doc, name);
  return v ? answerCell(q, *v, english) : Cell{};
}

// The server's "2019-05-03T02:00:00.123Z" as a date in the province's offset.
Cell receivedCell(const std::string& received_at, std::int32_t offset) {
  auto at = parseDateTime(received_at.substr(0, 19), 0);
  if (!at) return received_at;
  at->offset_minutes = offset;
  return *at;
}

// The questions of every template with `purpose`, in order, each id once (worded as the first
// template, in id order, that asks it).
std::vector<Question> questionsOf(ProvincialStorage& db, const std::string& purpose) {
  std::vector<Question> out;
  for (const auto& doc : db.heads(std::string(kinds::kTemplate))) {
    if (textField(doc, "purpose") != purpose) continue;
    auto t = parseTemplate(textField(doc, "definition"), textField(doc, "template_id"));
    if (!t) continue;
    for (auto& q : t.value().questions)
      if (std::none_of(out.begin(), out.end(), [&](const Question& o) { return o.id == q.id; })) out.push_back(std::move(q));
  }
  return out;
}

// How a record is named in the file names of its photos, until records have numbers.


void addQuestionColumns(std::vector<Column>& columns, const std::vector<Question>& questions, bool english) {
  std::map<std::string, int> seen;
  for (const auto& q : questions) {
    auto header = pick(q.label, english);
    if (q.unit) header += " (" + *q.unit + ")";
    if (seen[header]++) header += " [" + q.id + "]";  // two questions with one wording stay apart
    if (q.type == QuestionType::kGps) {
      // Two number columns, so a spreadsheet or a map tool reads them without parsing text.
      for (const bool latitude : {true, false})
        columns.push_back({header + (latitude ? (english ? " — latitude" : " — vĩ độ") : (english ? " — longitude" : " — kinh độ")),
                           [id = q.id, latitude](const HeadRow& row) -> Cell {
                             const auto* v = fieldOf(row.doc, id);
                             const auto* point = v ? v->get<GeoPoint>() : nullptr;
                             if (!point) return {};
                             return latitude ? point->latitude : point->longitude;
                           }});
    } else if (q.type == QuestionType::kPhoto || q.type == QuestionType::kSignature) {
      columns.push_back({header, [id = q.id](const HeadRow& row) -> Cell {
                           const auto* v = fieldOf(row.doc, id);
                           const auto* ref = v ? v->get<AttachmentRef>() : nullptr;
                           if (!ref) return {};
                           return photoName(recordName(row.doc), id, 1, ref->media_type);  // one image per question
                         }});
    } else {
      columns.push_back({header, [q, english](const HeadRow& row) { return fieldCell(row.doc, q.id.c_str(), &q, english); }});
    }
  }
}

}  // namespace


Result<std::size_t> exportRecords(ProvincialStorage& db, const ExportOptions& o, TableWriter& table) {
  const bool en = o.english;
  std::string district;
  if (!o.district.empty()) {
    auto code = db.findDistrict(o.district);
    if (!code) return problem("Không có huyện “" + o.district + "”.", "There is no district “" + o.district + "”.");
    district = *code;
  }
  if (!o.changed_since.empty() && (o.changed_since.size() != 10 || !parseDateTime(o.changed_since, 0)))
    return problem("--since phải là một ngày dạng YYYY-MM-DD.", "--since must be a date as YYYY-MM-DD.");
  const auto offset = static_cast<std::int32_t>(std::stoi(db.setting("utc_offset_minutes").value_or("0")));
  std::map<std::string, std::string> district_names;
  for (const auto& [code, name] : db.districts()) district_names[code] = name;
  auto districtName = [district_names](const std::string& code) {
    auto it = district_names.find(code);
    return it == district_names.end() ? code : it->second;
  };
  auto L = [en](const char* vi, const char* english) { return std::string(en ? english : vi); };

  std::vector<Column> columns;
  auto text = [](const std::string& s) { return s.empty() ? Cell{} : Cell{s}; };
  // Inspections and periodic reports by the number people say (record_number.h), then every
  // record by its id.
  if (o.kind == "inspection" || o.kind == "report")
    columns.push_back({L("Số phiếu", "Number"), [](const HeadRow& r) { return Cell{recordName(r.doc)}; }});
  columns.push_back({L("Mã", "Id"), [](const HeadRow& r) { return Cell{r.doc.id}; }});
  columns.push_back({L("Huyện", "District"), [=](const HeadRow& r) { return text(districtName(r.district)); }});
  std::string kind = o.kind;
  if (o.kind == "inspection" || o.kind == "report") {
    // The establishments (or communes) inspections and reports are of, read once.
    std::map<std::string, std::pair<std::string, std::string>> subjects;
    for (const auto k : {kinds::kEstablishment, kinds::kCommune})
      for (const auto& d : db.heads(std::string(k))) subjects[d.kind == kinds::kCommune ? textField(d, "code") : d.id] = {textField(d, "code"), textField(d, "name")};
    auto subject = [subjects](const Document& d) {
      const auto key = d.kind == kinds::kReport ? textField(d, f::kCommune) : textField(d, f::kEstablishment);
      auto it = subjects.find(key);
      return it == subjects.end() ? std::pair<std::string, std::string>{} : it->second;
    };
    if (o.kind == "inspection") {
      columns.push_back({L("Mã cơ sở", "Establishment code"), [=](const HeadRow& r) { return text(subject(r.doc).first); }});
      columns.push_back({L("Tên cơ sở", "Establishment"), [=](const HeadRow& r) { return text(subject(r.doc).second); }});
    } else {
      columns.push_back({L("Xã", "Commune"), [=](const HeadRow& r) { return text(subject(r.doc).second); }});
      columns.push_back({L("Kỳ báo cáo", "Period"), [](const HeadRow& r) { return Cell{textField(r.doc, f::kPeriod)}; }});
    }
    columns.push_back({L("Tình trạng", "State"), [en](const HeadRow& r) { return Cell{pick(reviewStateLabel(reviewState(r.doc)), en)}; }});
    // Who made the record, apart from who reviewed it and who changed it last (a supervisor's
    // amendment, a merge, a review).
    columns.push_back({o.kind == "inspection" ? L("Người kiểm tra", "Inspector") : L("Người lập", "Prepared by"),
                       [=](const HeadRow& r) { return text(r.created_by); }});
    columns.push_back({L("Người sửa cuối", "Last changed by"), [](const HeadRow& r) { return Cell{r.doc.author}; }});
    columns.push_back({L("Bắt đầu", "Started"), [en](const HeadRow& r) { return fieldCell(r.doc, f::kStartedAt, nullptr, en); }});
    columns.push_back({L("Hoàn tất", "Finalized"), [en](const HeadRow& r) { return fieldCell(r.doc, f::kFinalizedAt, nullptr, en); }});
    columns.push_back({L("Người duyệt", "Reviewed by"), [en](const HeadRow& r) { return fieldCell(r.doc, f::kReviewedBy, nullptr, en); }});
    columns.push_back({L("Ngày duyệt", "Reviewed at"), [en](const HeadRow& r) { return fieldCell(r.doc, f::kReviewedAt, nullptr, en); }});
    columns.push_back({L("Nhận xét duyệt", "Review comment"), [en](const HeadRow& r) { return fieldCell(r.doc, f::kReviewComment, nullptr, en); }});
    // Warnings the inspector confirmed ("CHECK:FINGERPRINT:USER" entries): which, and by whom.
    columns.push_back({L("Cảnh báo đã xác nhận", "Warnings confirmed"), [](const HeadRow& r) {
                         const auto* v = fieldOf(r.doc, kConfirmedField);
                         const auto shown = v ? confirmationsText(*v) : std::string();
                         return shown.empty() ? Cell{} : Cell{shown};
                       }});
    auto questions = questionsOf(db, o.kind == "inspection" ? "inspection" : "commune_report");
    if (o.kind == "report")
      for (auto& q : questionsOf(db, "district_report"))
        if (std::none_of(questions.begin(), questions.end(), [&](const Question& x) { return x.id == q.id; })) questions.push_back(std::move(q));
    addQuestionColumns(columns, questions, en);
  } else if (o.kind == "establishment") {
    // The code people say (CS-43) and the commune by its name; the record's district and commune
    // are stored as codes, shown here by name (the district in the second column).
    std::map<std::string, std::string> commune_names;
    for (const auto& c : db.heads(std::string(kinds::kCommune))) commune_names[textField(c, "code")] = textField(c, "name");
    columns.push_back({L("Mã cơ sở", "Establishment code"), [=](const HeadRow& r) { return text(textField(r.doc, "code")); }});
    columns.push_back({L("Xã, phường, thị trấn", "Commune, ward or town"), [=](const HeadRow& r) {
                         const auto code = textField(r.doc, "commune");
                         const auto it = commune_names.find(code);
                         return text(it == commune_names.end() ? code : it->second);
                       }});
    auto questions = questionsOf(db, "establishment");
    std::erase_if(questions, [](const Question& q) { return q.id == "district" || q.id == "commune"; });
    addQuestionColumns(columns, questions, en);
  } else if (o.kind == "conflict") {
    // One row per record, named as people know it (conflictNames: its number or code and name,
    // each field by its question's label); the fields in conflict listed in one cell each way.
    const auto templates = db.heads(std::string(kinds::kTemplate));
    struct Named {
      std::string key;
      ConflictRecord record;
      ConflictNames names;
    };
    auto last = std::make_shared<Named>();
    auto named = [last, &db, templates](const Document& d) -> const Named& {
      if (last->key != d.id + d.revision) {
        last->key = d.id + d.revision;
        last->record = ConflictRecord::fromDocument(d).value_or(ConflictRecord{});
        last->names = conflictNames(last->record, [&db](const std::string& id) { return db.head(id); }, templates);
      }
      return *last;
    };
    auto record = [named](const Document& d) -> const ConflictRecord& { return named(d).record; };
    auto sideText = [named, en](const Document& d, bool applied) {
      const auto& n = named(d);
      std::string out;
      for (const auto& c : n.record.conflicts) {
        const auto& side = applied ? c.winner : c.other;
        const auto label = n.names.fields.find(c.field);
        const auto field = c.field.empty() ? std::string(en ? "(the record)" : "(hồ sơ)")
                           : label != n.names.fields.end() ? pick(label->second, en)
                                                            : c.field;
        out += (out.empty() ? "" : "; ") + field + ": " +
               (side.deleted ? std::string(en ? "(deleted)" : "(đã xoá)") : side.value ? displayValue(*side.value) : std::string("—"));
      }
      return out;
    };
    columns.push_back({L("Số", "Number"), [=](const HeadRow& r) { return Cell{record(r.doc).number}; }});
    columns.push_back({L("Tình trạng", "State"), [=](const HeadRow& r) {
                         return Cell{record(r.doc).resolved ? L("Đã giải quyết", "resolved") : L("Chờ quyết định", "open")};
                       }});
    columns.push_back({L("Hồ sơ", "Record"), [=](const HeadRow& r) {
                         const auto& n = named(r.doc);
                         return Cell{n.names.record.empty() ? n.record.doc_id : n.names.record};
                       }});
    columns.push_back({L("Giá trị đang áp dụng", "Applied values"), [=](const HeadRow& r) { return Cell{sideText(r.doc, true)}; }});
    columns.push_back({L("Người ghi (áp dụng)", "Applied by"), [=](const HeadRow& r) {
                         const auto& c = record(r.doc);
                         return c.conflicts.empty() ? Cell{} : Cell{c.applied().author};
                       }});
    columns.push_back({L("Giá trị bên kia", "Other values"), [=](const HeadRow& r) { return Cell{sideText(r.doc, false)}; }});
    columns.push_back({L("Người ghi (bên kia)", "Other by"), [=](const HeadRow& r) {
                         const auto& c = record(r.doc);
                         return c.conflicts.empty() ? Cell{} : Cell{c.other().author};
                       }});
    columns.push_back({L("Người giải quyết", "Resolved by"), [=](const HeadRow& r) { return text(record(r.doc).resolved_by); }});
  } else {
    return problem("Loại “" + o.kind + "” không xuất được; chọn inspection, report, establishment hoặc conflict.",
                   "Cannot export “" + o.kind + "”; choose inspection, report, establishment or conflict.");
  }
  columns.push_back({L("Máy chủ nhận lúc", "Received by the server"), [offset](const HeadRow& r) { return receivedCell(r.received_at, offset); }});

  std::vector<std::string> headers;
  for (const auto& c : columns) headers.push_back(c.header);
  table.header(headers);
  std::size_t rows = 0;
  std::vector<Cell> cells(columns.size());
  db.scanHeads({kind, district, o.changed_since}, [&](const HeadRow& row) {
    if (o.keep && !o.keep(row)) return;
    for (std::size_t i = 0; i < columns.size(); ++i) cells[i] = columns[i].cell(row);
    table.row(cells);
    ++rows;
  });
  table.finish();
  return rows;
}

}  // namespace fieldcheck::server
