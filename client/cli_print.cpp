// What the `fieldcheck` command line prints, for people and for scripts.
#include "cli_print.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <ostream>
#include <set>

#include "fieldcheck/conflict_record.h"
#include "fieldcheck/files.h"
#include "fieldcheck/text.h"

namespace fieldcheck::client {
namespace {

using nlohmann::json;
namespace f = inspection_fields;

// Width in terminal columns of NFC text: one per code point (Vietnamese letters are
// precomposed), which is what aligns the tables.
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(std::string s, std::size_t width) {
  const auto w = columns(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

std::string establishmentLine(const InspectorService& service, const Document& est) {
  const auto district = textField(est, "district");  // empty for a district itself
  return textField(est, "code") + " " + textField(est, "name") + (district.empty() ? "" : " — " + service.districtName(district));
}

// The constraints an inspection breaks, one entry each in both languages: level, message, id,
// and for a warning whether (and by whom) it is confirmed.
void printFailures(std::ostream& out, const std::vector<ConstraintFailure>& failures) {
  for (const auto& failure : failures) {
    const auto line = describeFailure(failure);
    out << "  " << (failure.constraint->level == ConstraintLevel::kError ? "✗ " : "⚠ ") << line.vi << "\n    "
        << line.en << "\n";
  }
}

json failuresJson(const std::vector<ConstraintFailure>& failures) {
  json list = json::array();
  for (const auto& failure : failures) {
    const auto& c = *failure.constraint;
    list.push_back({{"id", c.id},
                    {"level", constraintLevelName(c.level)},
                    {"message", {{"vi", c.message.vi}, {"en", c.message.en}}},
                    {"questions", c.questions},
                    {"confirmed", failure.confirmed},
                    {"confirmed_by", failure.confirmed ? json(failure.confirmed_by) : json()}});
  }
  return list;
}

json waitingEditsJson(const std::vector<WaitingEdit>& waiting) {
  json list = json::array();
  for (const auto& w : waiting)
    list.push_back({{"record", w.record}, {"field", {{"vi", w.field.vi}, {"en", w.field.en}}}, {"mine", w.mine},
                    {"applied", w.applied}, {"by", w.by}});
  return list;
}
// When the last sync ended (kept in UTC), in the province's local time as people read it.
std::string lastSync(const InspectorService& service, const std::string& utc) {
  auto at = parseDateTime(utc, 0);
  if (!at) return utc;
  at->offset_minutes = service.utcOffsetMinutes();
  return formatDateTimeForPeople(*at);
}

}  // namespace

void printProblem(std::ostream& out, std::ostream& err, bool json_out, const Problem& p) {
  if (json_out) {
    json details = json::array();
    for (const auto& d : p.details) details.push_back({{"vi", d.vi}, {"en", d.en}});
    out << json{{"error", {{"vi", p.message.vi}, {"en", p.message.en}, {"details", details}}}}.dump(2) << "\n";
  } else {
    err << "Lỗi: " << p.message.vi << "\nError: " << p.message.en << "\n";
    for (const auto& d : p.details) err << "  - " << d.vi << "\n    " << d.en << "\n";
  }
}

json documentJson(const Document& doc) {
  return json{{"id", doc.id},         {"kind", doc.kind},     {"revision", doc.revision},
              {"parents", doc.parents}, {"author", doc.author}, {"device", doc.device},
              {"stamp", doc.stamp.toString()}, {"fields", fieldsToJson(doc.fields)}};
}

void printWaitingEdits(std::ostream& out, const std::vector<WaitingEdit>& waiting) {
  for (const auto& w : waiting)
    out << "  ⧗ " << w.record << ", " << w.field.vi << ": giá trị " << w.mine << " của bạn chờ giám sát viên quyết định "
        << "(đang áp dụng: " << w.applied << ", của " << w.by << ")\n    " << w.record << ", " << w.field.en << ": your "
        << w.mine << " waits for a supervisor's decision (applied for now: " << w.applied << ", by " << w.by << ")\n";
}

void warnClockSkew(std::ostream& out, std::int64_t skew_ms) {
  if (!clockSkewWorthWarning(skew_ms)) return;
  const auto minutes = (std::abs(skew_ms) + 30'000) / 60'000;  // rounded, as are hours and days
  std::string vi, en;
  if (minutes >= 2 * 24 * 60) {
    vi = std::to_string((minutes + 12 * 60) / (24 * 60)) + " ngày";
    en = std::to_string((minutes + 12 * 60) / (24 * 60)) + " days";
  } else if (minutes >= 120) {
    vi = std::to_string((minutes + 30) / 60) + " giờ";
    en = std::to_string((minutes + 30) / 60) + " hours";
  } else {
    vi = std::to_string(minutes) + " phút";
    en = std::to_string(minutes) + " minutes";
  }
  const bool behind = skew_ms > 0;  // the server's clock is ahead of this laptop's
  out << "Cảnh báo: đồng hồ máy này " << (behind ? "chậm" : "nhanh") << " hơn máy chủ " << vi
      << "; hãy chỉnh ngày giờ của máy. Dữ liệu vẫn được gộp đúng, nhưng giờ ghi trên phiếu sẽ sai.\n"
      << "Warning: this laptop's clock is " << en << (behind ? " behind" : " ahead of")
      << " the server's; set the date and time. Data still merges correctly, but the times recorded will be wrong.\n";
}

// Fields the template does not ask (the code, the district) come first.
void printEstablishment(std::ostream& out, const InspectorService& service, const Document& est) {
  const auto& fields = est.fields;
  auto text = [&](const std::string& name) { return textField(est, name); };
  out << "  Mã cơ sở / Code: " << text("code") << "\n";
  std::set<std::string> shown = {"code"};
  if (const auto record = service.establishmentTemplate())
    for (const auto& q : record->questions) {
      const auto it = fields.find(q.id);
      if (it == fields.end()) continue;
      shown.insert(q.id);
      // Places by their names, with the code their label asks for.
      const auto value = q.id == "district" ? service.districtName(text("district")) + " (" + text("district") + ")"
                         : q.id == "commune" ? service.communeName(text("commune")) + " (" + text("commune") + ")"
                                             : displayAnswer(q, it->second);
      out << "  " << q.label.vi << " / " << q.label.en << ": " << value << "\n";
    }
  if (!shown.count("district")) {
    out << "  Huyện / District: " << service.districtName(text("district")) << "\n";
    shown.insert("district");
  }
  for (const auto& [name, value] : fields)  // anything the template does not name, as stored
    if (!shown.count(name)) out << "  " << name << ": " << displayValue(value) << "\n";
}

void printInspection(std::ostream& out, const InspectorService& service, const InspectionView& v) {
  const auto& doc = v.inspection;
  const bool finalized = textField(doc, f::kStatus) == kStatusFinalized;
  const auto state = inspectionStanding(doc, v.unsent).label;
  out << (doc.kind == "report" ? "Báo cáo định kỳ / Periodic report " : "Phiếu kiểm tra / Inspection ") << service.recordName(doc) << "\n"
        << "  Trạng thái / Status: " << state.vi << " / " << state.en << "\n";
  if (const auto by = textField(doc, f::kReviewedBy); !by.empty()) {
    out << "  Người duyệt / Reviewed by: " << by;
    if (const auto* at = doc.fields.count(f::kReviewedAt) ? doc.fields.at(f::kReviewedAt).get<DateTime>() : nullptr)
      out << ", " << formatDateTimeForPeople(*at);
    out << "\n";
  }
  if (const auto comment = textField(doc, f::kReviewComment); !comment.empty())
    out << "  Nhận xét / Comment: " << comment << "\n";
  out
        << (doc.kind == "report" ? "  Xã, huyện / Commune, district: " : "  Cơ sở / Establishment: ")
        << establishmentLine(service, v.establishment)
        << (doc.kind == "report" ? "\n  Kỳ / Period: " + textField(doc, f::kPeriod) : std::string()) << "\n"
        << "  Mẫu / Template: " << v.checklist->title.vi << " (" << v.checklist->id << " v" << v.checklist->version << ")\n"
        << "  Đã trả lời / Answered: " << v.state.answeredCount() << "/" << v.state.relevantCount() << "\n\n";
  int n = 0;
  std::string section;
  for (const auto& s : v.state.questions()) {
    if (!s.relevant) continue;
    ++n;
    const auto& q = *s.question;
    if (q.section && q.section->vi != section) {
      section = q.section->vi;
      out << "== " << q.section->vi << " / " << q.section->en << " ==\n";
    }
    const char* mark = s.issue ? "✗" : (s.value.isNull() ? "·" : "✓");
    out << " " << mark << " " << n << ". " << q.label.vi << (s.required ? " *" : "") << " [" << q.id << "]\n"
          << "      " << q.label.en << "\n"
          << "      → "
          << (s.value.isNull()             ? std::string("(chưa trả lời / not answered)")
              : takesAttachment(q.type)    ? service.photoName(doc, q.id) + " — " + displayAnswer(q, s.value)
                                           : displayAnswer(q, s.value))
          << "\n";

    if (s.issue && !s.value.isNull()) out << "      ✗ " << s.issue->vi << " / " << s.issue->en << "\n";
  }
  if (!v.failures.empty()) {
    out << "\n== Kiểm tra giữa các câu trả lời / Checks across answers ==\n";
    printFailures(out, v.failures);
  }
  const auto issues = v.state.issues();
  const auto open = std::count_if(v.failures.begin(), v.failures.end(), [](const ConstraintFailure& f) { return !f.confirmed; });
  if (!finalized) {
    if (open > 0)
      out << "\nCòn " << open << " kiểm tra chưa đạt: lỗi phải sửa; cảnh báo sửa hoặc xác nhận bằng `fieldcheck inspect confirm "
            << service.recordName(doc) << " MÃ` / " << open << " check(s) not met: correct errors; correct warnings or confirm them with "
            << "`fieldcheck inspect confirm " << service.recordName(doc) << " ID`\n";
    if (issues.empty() && open == 0)
      out << "\nĐã đủ. Hoàn tất bằng / Complete. Finalize with: fieldcheck inspect finalize " << service.recordName(doc) << "\n";
    else if (!issues.empty())
      out << "\nCòn " << issues.size() << " câu thiếu hoặc sai / " << issues.size()
            << " answer(s) missing or invalid (*: bắt buộc / required)\n";
  }
}

json inspectionJson(const InspectorService& service, const InspectionView& v) {
  json questions = json::array();
  for (const auto& s : v.state.questions()) {
    json q{{"id", s.question->id},
           {"type", questionTypeName(s.question->type)},
           {"label", {{"vi", s.question->label.vi}, {"en", s.question->label.en}}},
           {"relevant", s.relevant},
           {"required", s.required},
           {"value", valueToJson(s.value)}};
    if (s.issue) q["issue"] = {{"vi", s.issue->vi}, {"en", s.issue->en}};
    questions.push_back(std::move(q));
  }
  auto j = documentJson(v.inspection);
  j["number"] = textField(v.inspection, f::kNumber);
  j["status"] = textField(v.inspection, f::kStatus);
  j["review_state"] = inspectionStanding(v.inspection, v.unsent).code;
  j["unsent"] = v.unsent;
  j["establishment"] = {{"id", v.establishment.id},
                        {"code", textField(v.establishment, "code")},
                        {"name", textField(v.establishment, "name")},
                        {"district", service.districtName(textField(v.establishment, "district"))}};
  j["template"] = {{"id", v.checklist->id}, {"version", v.checklist->version}};
  j["answered"] = v.state.answeredCount();
  j["applicable"] = v.state.relevantCount();
  j["complete"] = v.state.complete();
  j["questions"] = std::move(questions);
  j["constraints"] = failuresJson(v.failures);
  return j;
}


// ---- init, login, sync, bundles, attachments ----

json initJson(const Home& home, const InitSummary& s) {
  return json{{"home", utf8Of(home.dir)}, {"province", s.province}, {"establishments", s.establishments},
              {"documents", s.documents}, {"device", s.device}, {"already_initialised", s.already_initialised}};
}

void printInit(std::ostream& out, const Home& home, const InitSummary& s) {
  out << (s.already_initialised ? "Đã cập nhật / Updated " : "Đã khởi tạo / Initialised ") << utf8Of(home.dir)
      << "\n  Tỉnh / Province: " << s.province << "\n  Cơ sở / Establishments: " << s.establishments
      << "\n  Máy / Device: " << s.device << "\n"
      << "Tiếp theo / Next: fieldcheck establishments\n";
}

json loginJson(const LoginResult& l) {
  return json{{"server", l.server}, {"user", l.user},     {"role", l.role},
              {"district", l.district}, {"device", l.device}, {"laptop_number", l.laptop_number},
              {"removed_outside", l.removed_outside}};
}

void printLogin(std::ostream& out, const LoginResult& l) {
  out << "Đã đăng nhập / Logged in: " << l.user << " (" << l.role << (l.district.empty() ? "" : ", " + l.district)
      << ") @ " << l.server << "\n";
  if (!l.laptop_number.empty())
    out << "Số máy / Laptop number: " << l.laptop_number
        << " (phiếu mới của máy này mang số như / new records made here are numbered like "
        << (l.number_prefix.empty() ? "HA-" + l.laptop_number : l.number_prefix) << "-0001)\n";
  if (l.removed_outside > 0)
    out << "Đã bỏ " << l.removed_outside << " hồ sơ ngoài huyện của bạn khỏi máy này / Removed " << l.removed_outside
        << " records outside your district from this laptop\n";
  out << "Tiếp theo / Next: fieldcheck sync\n";
}

void printSyncProgress(std::ostream& err, const SyncCounts& c, double seconds) {
  err << "\r↑ " << c.pushed << " thay đổi/changes " << c.attachments_sent << " ảnh/photos " << c.bytes_sent / 1024
      << " KiB   ↓ " << c.pulled << " thay đổi/changes " << c.bytes_received / 1024 << " KiB   "
      << static_cast<long>((c.bytes_sent + c.bytes_received) / 1024 / std::max(seconds, 0.001)) << " KiB/s   "
      << std::flush;
}

json syncJson(const SyncCounts& c) {
  auto j = json{{"pushed", c.pushed}, {"refused", c.refused}, {"pulled", c.pulled}, {"round_trips", c.round_trips},
                {"attachments_sent", c.attachments_sent}, {"attachments_refused", c.attachments_refused},
                {"attachment_bytes_sent", c.attachment_bytes_sent}, {"bytes_sent", c.bytes_sent},
                {"bytes_received", c.bytes_received}, {"clock_skew_ms", c.clock_skew_ms}};
  if (c.server_restored) j["server_restored"] = true;
  return j;
}

void printSynced(std::ostream& out, const SyncCounts& c) {
  out << "Đã đồng bộ / Synced: gửi/sent " << c.pushed << ", từ chối/refused " << c.refused << ", nhận/received "
      << c.pulled << " (" << c.round_trips << " lượt/round trips)";
  if (c.attachments_sent + c.attachments_refused > 0)
    out << "; ảnh/photos " << c.attachments_sent << " (" << c.attachment_bytes_sent / 1024 << " KiB)";
  out << "\n";
  if (c.refused + c.attachments_refused > 0) out << "Xem lý do / See why: fieldcheck status\n";
  if (c.server_restored)
    out << "Máy chủ đã được khôi phục từ bản sao lưu; những gì nó thiếu đã được gửi lại. / The server was restored from a "
           "backup; what it lacked was sent again.\n";
}

json bundleJson(const BundleSummary& w) {
  return json{{"changes", w.changes}, {"attachments", w.attachments}, {"bytes", w.bytes}};
}

void printBundleWritten(std::ostream& out, const std::string& file, const BundleSummary& w) {
  out << "Đã ghi " << w.changes << " thay đổi và " << w.attachments << " ảnh vào " << file << " ("
      << w.bytes / 1024 << " KiB, chỉ máy chủ đọc được). Mang tệp tới văn phòng có mạng; khi có biên nhận, chạy "
      << "`fieldcheck bundle import BIÊN_NHẬN`. Các thay đổi vẫn giữ trên máy này tới lúc đó.\n"
      << "Wrote " << w.changes << " changes and " << w.attachments << " photos to " << file << " ("
      << w.bytes / 1024 << " KiB, readable by the server only). Carry it to an office with a link; with the receipt, "
      << "run `fieldcheck bundle import RECEIPT`. The changes stay on this laptop until then.\n";
}

json receiptJson(const ReceiptSummary& a) {
  return json{{"acknowledged", a.acknowledged}, {"refused", a.refused}, {"pulled", a.pulled}, {"attachments", a.attachments}};
}

void printReceipt(std::ostream& out, const ReceiptSummary& a) {
  out << "Biên nhận / Receipt: máy chủ đã nhận / the server has " << a.acknowledged << " thay đổi/changes ("
      << a.refused << " từ chối/refused), " << a.attachments << " ảnh/photos; nhận về / received " << a.pulled
      << " thay đổi/changes\n";
  if (a.refused > 0) out << "Xem lý do / See why: fieldcheck status\n";
}

json fetchedJson(const AttachmentRef& ref, const std::string& shown) {
  return json{{"sha256", ref.sha256}, {"size", ref.size_bytes}, {"type", ref.media_type}, {"path", shown}};
}

void printFetched(std::ostream& out, const AttachmentRef& ref, const std::string& shown) {
  out << "Đã tải / Fetched: " << shown << " ("
      << (ref.size_bytes < 1024 ? std::to_string(ref.size_bytes) + " B" : std::to_string(ref.size_bytes / 1024) + " KiB") << ")\n";
}

// ---- establishments ----

json establishmentsJson(const InspectorService& service, const std::vector<Document>& establishments) {
  json list = json::array();
  for (const auto& e : establishments) {
    auto j = documentJson(e);
    j["district_name"] = service.districtName(textField(e, "district"));
    list.push_back(std::move(j));
  }
  return list;
}

void printEstablishments(std::ostream& out, const InspectorService& service, const std::vector<Document>& establishments) {
  // Kinds by their Vietnamese label, as the record template names them.
  const auto record = service.establishmentTemplate();
  const auto* kind_question = record ? record->find("kind") : nullptr;
  auto kindOf = [&](const Document& e) {
    const auto code = textField(e, "kind");
    const auto* choice = kind_question ? kind_question->findChoice(code) : nullptr;
    return choice ? choice->label.vi : code;
  };
  std::size_t kind_width = 11;
  for (const auto& e : establishments) kind_width = std::max(kind_width, columns(kindOf(e)) + 2);
  out << pad("Mã/Code", 8) << pad("Tên / Name", 34) << pad("Loại/Kind", kind_width) << pad("Huyện / District", 22)
      << "Xã / Commune\n";
  for (const auto& e : establishments)
    out << pad(textField(e, "code"), 8) << pad(textField(e, "name"), 34) << pad(kindOf(e), kind_width)
        << pad(service.districtName(textField(e, "district")), 22) << service.communeName(textField(e, "commune")) << "\n";
  out << establishments.size() << " cơ sở / establishments\n";
}

void printEstablishmentSaved(std::ostream& out, const InspectorService& service, const Document& est) {
  out << "Đã lưu / Saved: " << establishmentLine(service, est) << "\n";
  printEstablishment(out, service, est);
}

// ---- inspections and periodic reports ----

json newRecordJson(const Document& record) {
  auto j = documentJson(record);
  j["number"] = textField(record, f::kNumber);
  return j;
}

void printNewRecord(std::ostream& out, const InspectorService& service, const Document& record, const InspectionView& v) {
  const auto name = service.recordName(record);
  out << (record.kind == "report" ? "Báo cáo mới / New periodic report " : "Phiếu mới / New inspection ") << name
      << ": " << establishmentLine(service, v.establishment) << "\n"
      << "Tiếp theo / Next: fieldcheck inspect fill " << name << "\n";
}

void printDiscarded(std::ostream& out, const InspectorService& service, const Document& record) {
  out << "Đã bỏ phiếu / Discarded: " << service.recordName(record)
      << " (gửi khi đồng bộ; lịch sử vẫn còn / sent with the next sync; its history stays)\n";
}

void printAnswersSaved(std::ostream& out, const InspectionView& v) {
  out << "Đã lưu / Saved. Đã trả lời / Answered " << v.state.answeredCount() << "/" << v.state.relevantCount()
      << "; còn thiếu / still missing: " << v.state.issues().size() << "\n";
  // Saved all the same: the inspector may be half-way; finalize refuses until they are resolved.
  if (!v.failures.empty()) {
    out << "Kiểm tra giữa các câu trả lời (đã lưu; phải xử lý trước khi hoàn tất) / "
           "Checks across answers (saved; resolve them before finalizing):\n";
    printFailures(out, v.failures);
  }
}

void printFinalized(std::ostream& out, const InspectorService& service, const Document& record) {
  out << "Đã hoàn tất phiếu / Inspection finalized: " << service.recordName(record) << "\n";
}

void printReviewed(std::ostream& out, const InspectorService& service, const Document& record) {
  const auto state = reviewStateLabel(reviewState(record));
  out << state.vi << " / " << state.en << ": " << service.recordName(record) << " (gửi khi đồng bộ / sent with the next sync)\n";
}

void printConfirmed(std::ostream& out, const InspectorService& service, const std::string& constraint, const InspectionView& v) {
  out << "Đã xác nhận / Confirmed: " << constraint << " (" << service.recordName(v.inspection)
      << "; gửi khi đồng bộ / sent with the next sync)\n";
  printFailures(out, v.failures);
}

// Wide enough for the longest number, one made before a laptop's first login ("BLC-MK7Q2XA-0001").
constexpr std::size_t kNumberColumn = 18;

void printInspectionListHeader(std::ostream& out) {
  out << pad("Số / Number", kNumberColumn) << pad("Trạng thái/Status", 19) << pad("Trả lời/Answered", 18) << "Cơ sở / Establishment\n";
}

void printInspectionListRow(std::ostream& out, const InspectorService& service, const InspectionView& v) {
  const auto shown = service.recordName(v.inspection);
  out << pad(shown, std::max<std::size_t>(kNumberColumn, shown.size() + 2)) << pad(std::string(inspectionStanding(v.inspection, v.unsent).code), 19)
      << pad(std::to_string(v.state.answeredCount()) + "/" + std::to_string(v.state.relevantCount()), 18)
      << establishmentLine(service, v.establishment) << "\n";
}

void printInspectionListEnd(std::ostream& out, std::size_t count) { out << count << " phiếu / inspections\n"; }

// ---- history, conflicts, status ----

json historyJson(const std::vector<Document>& revisions) {
  json list = json::array();
  for (const auto& r : revisions) list.push_back(documentJson(r));
  return list;
}

void printHistory(std::ostream& out, const InspectorService& service, const Document& doc,
                  const std::vector<Document>& revisions, const std::vector<RevisionChanges>& changes) {
  out << "Lịch sử / History: " << service.documentName(doc.id) << "\n";
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    const auto& r = revisions[i];
    out << r.revision.substr(0, 12) << "  " << r.author << "  "
        << formatDateTimeForPeople(DateTime{r.stamp.wall_ms / 1000 * 1000, service.utcOffsetMinutes()}) << "  " << deviceName(r.device);
    if (r.parents.size() > 1)
      out << (r.device == "server" ? "  gộp tự động / automatic merge" : "  giải quyết xung đột / conflict resolution");
    if (r.deleted) out << "  (đã xóa / deleted)";
    out << "\n";
    // Each field by its label, its name in brackets (what `inspect set` takes), and its value as read.
    for (const auto& [name, value] : changes[i].set) {
      const auto field = service.describeField(r, name, value);
      out << "    " << (field.label.vi == field.label.en ? field.label.vi : field.label.vi + " / " + field.label.en)
          << " [" << name << "] = " << field.shown << "\n";
    }
    for (const auto& name : changes[i].cleared) {
      const auto field = service.describeField(r, name, Value{});
      out << "    " << (field.label.vi == field.label.en ? field.label.vi : field.label.vi + " / " + field.label.en) << " [" << name
          << "] (xóa / cleared)\n";
    }
  }
}

json conflictsJson(const InspectorService& service, const std::vector<ConflictView>& views) {
  json list = json::array();
  for (const auto& v : views) {
    auto j = conflictToJson(v.record, service.utcOffsetMinutes());
    j["resolved_here"] = v.resolved_here.empty() ? json() : json(v.resolved_here);
    list.push_back(std::move(j));
  }
  return list;
}

void printConflicts(std::ostream& out, const InspectorService& service, const std::vector<ConflictView>& views, bool detailed) {
  for (const auto& v : views)
    printConflict(out, v.record, service.utcOffsetMinutes(), detailed,
                  v.resolved_here.empty() ? "" : "đã giải quyết trên máy này, chờ đồng bộ / resolved here, waiting to sync",
                  service.conflictNamesOf(v.record));
}

void printConflictCount(std::ostream& out, std::size_t count, bool all) {
  out << count << (all ? " xung đột / conflicts\n" : " xung đột chưa giải quyết / open conflicts\n");
}

void printResolved(std::ostream& out, std::int64_t number, const Document& resolution) {
  out << "Đã giải quyết xung đột #" << number << " trên máy này; lần đồng bộ tới sẽ gửi đi.\n"
      << "Resolved conflict #" << number << " on this laptop; the next sync sends it. (" << resolution.revision.substr(0, 12)
      << ")\n";
}

json statusJson(const StatusSummary& s) {
  json refused = json::array();
  for (const auto& r : s.refused)
    refused.push_back({{"seq", r.seq}, {"doc_id", r.doc_id}, {"code", r.code}, {"vi", r.reason.vi}, {"en", r.reason.en}});
  json refused_uploads = json::array();
  for (const auto& u : s.refused_uploads)
    refused_uploads.push_back({{"sha256", u.ref.sha256}, {"vi", u.refused->vi}, {"en", u.refused->en}});
  return json{{"province", s.province}, {"user", s.user}, {"device", s.device}, {"drafts", s.drafts},
              {"finalized", s.finalized}, {"returned", s.returned}, {"pending_changes", s.pending_changes}, {"server", s.server},
              {"last_sync", s.last_sync}, {"clock_skew_ms", s.clock_skew_ms}, {"open_conflicts", s.open_conflicts},
              {"pending_uploads", s.pending_uploads}, {"refused_uploads", refused_uploads}, {"refused", refused},
              {"waiting_decisions", waitingEditsJson(s.waiting)}, {"outside_district", s.outside}};
}

void printStatus(std::ostream& out, const InspectorService& service, const StatusSummary& s) {
  out << "Tỉnh / Province: " << s.province << "\nCán bộ / User: " << s.user << "\nMáy / Device: " << s.device
      << "\nPhiếu nháp / Drafts: " << s.drafts << "\nPhiếu đã hoàn tất / Finalized: " << s.finalized
      << (s.returned ? "\nPhiếu bị trả lại để sửa / Returned for correction: " + std::to_string(s.returned) +
                           " (fieldcheck inspect list --status returned)"
                     : std::string())
      << "\nThay đổi chờ gửi / Changes waiting to be sent: " << s.pending_changes
      << "\nMáy chủ / Server: " << (s.server.empty() ? "(chưa đăng nhập / not logged in)" : s.server)
      << "\nĐồng bộ lần cuối / Last sync: " << (s.last_sync.empty() ? "(chưa / never)" : lastSync(service, s.last_sync)) << "\n";
  warnClockSkew(out, s.clock_skew_ms);
  if (s.open_conflicts > 0)
    out << "Xung đột chờ quyết định / Conflicts waiting for a decision: " << s.open_conflicts
        << " (fieldcheck conflicts list)\n";
  if (s.pending_uploads > 0) out << "Ảnh chờ gửi / Photos waiting to be sent: " << s.pending_uploads << "\n";
  for (const auto& u : s.refused_uploads)
    out << "  ✗ ảnh/photo " << service.photoName(u.ref.sha256) << ": " << u.refused->vi << "\n    " << u.refused->en << "\n";
  for (const auto& r : s.refused)
    out << "  ✗ " << service.documentName(r.doc_id) << ": " << r.reason.vi << "\n    " << r.reason.en << "\n";
  printWaitingEdits(out, s.waiting);
  for (const auto& name : s.outside)
    out << "  ⚠ " << name << ": chưa gửi và ngoài huyện của bạn, máy chủ sẽ không nhận; vẫn giữ trên máy để không mất "
        << "(nếu không cần nữa: `fieldcheck inspect discard SỐ`)\n"
        << "    " << name << ": not sent and outside your district, so the server will not take it; kept on this laptop so nothing "
        << "is lost (if it is not needed: `fieldcheck inspect discard NUMBER`)\n";
}

}  // namespace fieldcheck::client
