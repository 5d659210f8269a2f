// The `fieldcheck` command line.
#include "cli.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Exception.h>
#include <nlohmann/json.hpp>

#include "attachment_store.h"
#include "fieldcheck/cli_usage.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/sqlite_database.h"
#include "fieldcheck/text.h"
#include "fill_session.h"
#include "inspector_service.h"
#include "platform.h"
#include "sync_engine.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

using nlohmann::json;
namespace f = inspection_fields;

struct Output {
  bool json = false;
  std::ostream& out;
  std::ostream& err;
};

int fail(const Output& o, const Problem& p) {
  if (o.json) {
    json details = json::array();
    for (const auto& d : p.details) details.push_back({{"vi", d.vi}, {"en", d.en}});
    o.out << json{{"error", {{"vi", p.message.vi}, {"en", p.message.en}, {"details", details}}}}.dump(2) << "\n";
  } else {
    o.err << "Lỗi: " << p.message.vi << "\nError: " << p.message.en << "\n";
    for (const auto& d : p.details) o.err << "  - " << d.vi << "\n    " << d.en << "\n";
  }
  return 1;
}

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


json documentJson(const Document& doc) {
  return json{{"id", doc.id},         {"kind", doc.kind},     {"revision", doc.revision},
              {"parents", doc.parents}, {"author", doc.author}, {"device", doc.device},
              {"stamp", doc.stamp.toString()}, {"fields", fieldsToJson(doc.fields)}};
}

std::string establishmentLine(const InspectorService& service, const Document& est) {
  const auto district = textField(est, "district");  // empty for a district itself
  return textField(est, "code") + " " + textField(est, "name") + (district.empty() ? "" : " — " + service.districtName(district));
}

// An establishment's record as people read it: each field by its label in the record template's
// order, choices by their labels, the district and commune by their names; fields the template
// does not ask (the code, the district) first.
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

// This laptop's edits a merge set aside for now, one line each in both languages.
void printWaitingEdits(std::ostream& out, const std::vector<WaitingEdit>& waiting) {
  for (const auto& w : waiting)
    out << "  ⧗ " << w.record << ", " << w.field.vi << ": giá trị " << w.mine << " của bạn chờ giám sát viên quyết định "
        << "(đang áp dụng: " << w.applied << ", của " << w.by << ")\n    " << w.record << ", " << w.field.en << ": your "
        << w.mine << " waits for a supervisor's decision (applied for now: " << w.applied << ", by " << w.by << ")\n";
}

json waitingEditsJson(const std::vector<WaitingEdit>& waiting) {
  json list = json::array();
  for (const auto& w : waiting)
    list.push_back({{"record", w.record}, {"field", {{"vi", w.field.vi}, {"en", w.field.en}}}, {"mine", w.mine},
                    {"applied", w.applied}, {"by", w.by}});
  return list;
}

struct Globals {
  std::optional<std::string> home;
  bool json = false;
};

Result<InspectorService> openService(const Globals& g) {
  auto home = resolveHome(g.home);
  if (!home) return home.problem();
  return InspectorService::open(home.value());
}

std::vector<Assignment> toAssignments(const std::vector<std::string>& items, std::vector<std::string>& bad) {
  std::vector<Assignment> out;
  for (const auto& item : items) {
    if (auto a = parseAssignment(item)) out.push_back(*a);
    else bad.push_back(item);
  }
  return out;
}

Problem badAssignments(const std::vector<std::string>& bad) {
  Problem p = problem("Mỗi giá trị phải có dạng TÊN=GIÁ_TRỊ (ví dụ workers=12).",
                      "Each value must look like NAME=VALUE (for example workers=12).");
  for (const auto& b : bad) p.details.push_back({"“" + b + "”", "“" + b + "”"});
  return p;
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

void printInspection(const Output& o, const InspectorService& service, const InspectionView& v) {
  const auto& doc = v.inspection;
  const bool finalized = textField(doc, f::kStatus) == kStatusFinalized;
  const auto state = inspectionStanding(doc, v.unsent).label;
  o.out << (doc.kind == "report" ? "Báo cáo định kỳ / Periodic report " : "Phiếu kiểm tra / Inspection ") << service.recordName(doc) << "\n"
        << "  Trạng thái / Status: " << state.vi << " / " << state.en << "\n";
  if (const auto by = textField(doc, f::kReviewedBy); !by.empty()) {
    o.out << "  Người duyệt / Reviewed by: " << by;
    if (const auto* at = doc.fields.count(f::kReviewedAt) ? doc.fields.at(f::kReviewedAt).get<DateTime>() : nullptr)
      o.out << ", " << formatDateTimeForPeople(*at);
    o.out << "\n";
  }
  if (const auto comment = textField(doc, f::kReviewComment); !comment.empty())
    o.out << "  Nhận xét / Comment: " << comment << "\n";
  o.out
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
      o.out << "== " << q.section->vi << " / " << q.section->en << " ==\n";
    }
    const char* mark = s.issue ? "✗" : (s.value.isNull() ? "·" : "✓");
    o.out << " " << mark << " " << n << ". " << q.label.vi << (s.required ? " *" : "") << " [" << q.id << "]\n"
          << "      " << q.label.en << "\n"
          << "      → "
          << (s.value.isNull()             ? std::string("(chưa trả lời / not answered)")
              : takesAttachment(q.type)    ? service.photoName(doc, q.id) + " — " + displayAnswer(q, s.value)
                                           : displayAnswer(q, s.value))
          << "\n";

    if (s.issue && !s.value.isNull()) o.out << "      ✗ " << s.issue->vi << " / " << s.issue->en << "\n";
  }
  if (!v.failures.empty()) {
    o.out << "\n== Kiểm tra giữa các câu trả lời / Checks across answers ==\n";
    printFailures(o.out, v.failures);
  }
  const auto issues = v.state.issues();
  const auto open = std::count_if(v.failures.begin(), v.failures.end(), [](const ConstraintFailure& f) { return !f.confirmed; });
  if (!finalized) {
    if (open > 0)
      o.out << "\nCòn " << open << " kiểm tra chưa đạt: lỗi phải sửa; cảnh báo sửa hoặc xác nhận bằng `fieldcheck inspect confirm "
            << service.recordName(doc) << " MÃ` / " << open << " check(s) not met: correct errors; correct warnings or confirm them with "
            << "`fieldcheck inspect confirm " << service.recordName(doc) << " ID`\n";
    if (issues.empty() && open == 0)
      o.out << "\nĐã đủ. Hoàn tất bằng / Complete. Finalize with: fieldcheck inspect finalize " << service.recordName(doc) << "\n";
    else if (!issues.empty())
      o.out << "\nCòn " << issues.size() << " câu thiếu hoặc sai / " << issues.size()
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

// When the last sync ended (kept in UTC), in the province's local time as people read it.
std::string lastSync(const InspectorService& service, const std::string& utc) {
  auto at = parseDateTime(utc, 0);
  if (!at) return utc;
  at->offset_minutes = service.utcOffsetMinutes();
  return formatDateTimeForPeople(*at);
}

// Warns when this laptop's clock was found off the server's (at the last sync) by more than
// the tuning allows. Merges stay right either way (hybrid clock); the times people read do not.
void warnClockSkew(std::ostream& out, std::int64_t skew_ms) {
  if (std::abs(skew_ms) <= std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kClockSkewWarning).count()) return;
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

}  // namespace

int runCli(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "fieldcheck — phiếu kiểm tra cơ sở, làm việc không cần mạng / establishment inspections, offline-first"};
  app.set_help_all_flag("--help-all", "Mọi lệnh và tùy chọn / every command and option");
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_option("--home", g.home, "Thư mục dữ liệu / data folder (else FIELDCHECK_HOME, else the per-user data folder)");
  app.add_flag("--json", g.json, "In JSON cho script / print JSON for scripts");

  // init
  auto* init = app.add_subcommand("init", "Khởi tạo dữ liệu từ thư mục mẫu, không cần mạng / set up a home offline from a seed folder");
  std::string seed_dir;
  std::string user = platform::currentUserName();
  init->add_option("--seed", seed_dir, "Thư mục dữ liệu mẫu / seed folder (e.g. packaging/seed/cao-bang-2019)")->required();
  init->add_option("--user", user, "Tên cán bộ kiểm tra / the inspector's name");

  // establishments
  auto* list_est = app.add_subcommand("establishments", "Danh sách cơ sở / list establishments");
  std::optional<std::string> district, search;
  list_est->add_option("--district", district, "Huyện (tên hoặc mã, dấu không bắt buộc) / district name or code");
  list_est->add_option("--search", search, "Tìm theo tên, mã, địa chỉ, chủ (dấu không bắt buộc) / search words");

  // establishment show|set
  auto* est = app.add_subcommand("establishment", "Một cơ sở / one establishment");
  est->require_subcommand(1);
  std::string est_ref;
  std::vector<std::string> est_values;
  auto* est_show = est->add_subcommand("show", "Xem hồ sơ cơ sở / show an establishment's record");
  est_show->add_option("ID", est_ref, "Mã cơ sở (CS-01) hoặc id / establishment code or id")->required();
  auto* est_set = est->add_subcommand("set", "Sửa hồ sơ cơ sở theo thực tế / correct an establishment's record");
  est_set->add_option("ID", est_ref, "Mã cơ sở (CS-01) hoặc id / establishment code or id")->required();
  est_set->add_option("FIELD=VALUE", est_values, "Ví dụ / e.g. workers=12 status=closed")->required();

  // inspect
  auto* inspect = app.add_subcommand("inspect", "Phiếu kiểm tra và báo cáo định kỳ / inspections and periodic reports");
  inspect->alias("form");
  inspect->require_subcommand(1);
  std::string insp_ref, establishment_ref, question;
  std::optional<std::string> template_ref, status_filter;
  std::vector<std::string> answers;
  std::string attach_file;
  auto* i_new = inspect->add_subcommand("new", "Bắt đầu phiếu mới / start a new inspection or periodic report");
  std::optional<std::string> report_commune, report_district;
  std::string report_period;
  // Exactly one subject: an establishment (an inspection), or a commune or district (a periodic report).
  auto* subject = i_new->add_option_group("subject", "Một trong / one of");
  subject->add_option("--establishment", establishment_ref, "Mã cơ sở hoặc id / establishment code or id");
  subject->add_option("--commune", report_commune, "Báo cáo của xã (tên hoặc mã) / a commune's periodic report");
  subject->add_option("--district", report_district, "Báo cáo của huyện / a district's periodic report");
  subject->require_option(1);
  i_new->add_option("--period", report_period, "Kỳ báo cáo: 2019, 2019-Q3 hoặc 2019-07 (mặc định năm nay) / report period");
  i_new->add_option("--template", template_ref, "Mã mẫu phiếu khi có nhiều / template id when there are several");
  auto* i_fill = inspect->add_subcommand("fill", "Điền phiếu từng câu / fill question by question");
  i_fill->add_option("ID", insp_ref, "Mã phiếu hoặc phần đầu như `inspect list` hiện / inspection id or its beginning as `inspect list` shows it")->required();
  auto* i_set = inspect->add_subcommand("set", "Trả lời không cần hỏi / set answers without prompts");
  i_set->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  i_set->add_option("QUESTION=VALUE", answers, "Ví dụ / e.g. workers_total=12 karaoke_door_transparent=c")->required();
  auto* i_attach = inspect->add_subcommand("attach", "Đính kèm ảnh / attach a photo");
  i_attach->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  i_attach->add_option("QUESTION", question, "Câu hỏi ảnh / photo question")->required();
  i_attach->add_option("FILE", attach_file, "Tệp JPEG hoặc PNG / JPEG or PNG file")->required();
  auto* i_show = inspect->add_subcommand("show", "Xem phiếu / show an inspection");
  i_show->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  auto* i_list = inspect->add_subcommand("list", "Danh sách phiếu / list inspections");
  i_list->add_option("--status", status_filter, "draft | finalized | submitted | approved | returned")
      ->check(CLI::IsMember({"draft", "finalized", "submitted", "approved", "returned"}));
  auto* i_final = inspect->add_subcommand("finalize", "Hoàn tất phiếu / finalize an inspection");
  i_final->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  auto* i_confirm = inspect->add_subcommand(
      "confirm", "Xác nhận một cảnh báo cho các câu trả lời hiện có / confirm a warning for the current answers");
  i_confirm->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  std::string confirm_constraint;
  i_confirm->add_option("CHECK", confirm_constraint, "Mã cảnh báo như `inspect show` hiện / the warning's id as `inspect show` shows it")
      ->required();
  auto* i_discard = inspect->add_subcommand(
      "discard", "Bỏ một phiếu nháp (máy chủ vẫn giữ lịch sử) / throw away a draft inspection (the server keeps its history)");
  i_discard->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  auto* i_review = inspect->add_subcommand(
      "review", "Giám sát viên duyệt hoặc trả lại phiếu đã hoàn tất, làm được khi không có mạng / a supervisor approves or "
                "returns a finalized inspection, offline too");
  i_review->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  bool review_approve = false, review_return = false;
  std::string review_comment;
  auto* approve_flag = i_review->add_flag("--approve", review_approve, "Duyệt / approve");
  auto* return_flag = i_review->add_flag("--return", review_return, "Trả lại để sửa / return for correction");
  approve_flag->excludes(return_flag);
  i_review->add_option("--comment", review_comment, "Nhận xét; bắt buộc khi trả lại / comment; needed to return");

  auto* history = app.add_subcommand("history", "Lịch sử sửa đổi / every revision of an inspection or establishment");
  std::string history_ref;
  history->add_option("ID", history_ref, "Mã phiếu hoặc cơ sở / inspection or establishment")->required();

  auto* status = app.add_subcommand("status", "Tình trạng máy này / this laptop's state");

  auto* bundle_cmd = app.add_subcommand("bundle", "Đồng bộ không cần mạng, qua USB / sync with no link, on a USB stick");
  bundle_cmd->require_subcommand(1);
  std::string bundle_file;
  auto* b_export = bundle_cmd->add_subcommand(
      "export", "Ghi mọi thay đổi chưa gửi và ảnh vào một tệp mang tới văn phòng có mạng / write everything not yet sent to a file");
  b_export->add_option("FILE", bundle_file, "Tệp gói (ví dụ trên USB) / the bundle file (e.g. on a USB stick)")->required();
  auto* b_import = bundle_cmd->add_subcommand(
      "import", "Nhận biên nhận của máy chủ mang về / apply the receipt the server wrote");
  b_import->add_option("RECEIPT", bundle_file, "Tệp biên nhận / the receipt file")->required();

  auto* attachment = app.add_subcommand("attachment", "Ảnh đính kèm / attachments");
  attachment->require_subcommand(1);
  auto* a_fetch = attachment->add_subcommand(
      "fetch", "Tải một ảnh từ máy chủ (giám sát viên, cán bộ tỉnh) / fetch an attachment from the server (supervisors, provincial staff)");
  std::string fetch_sha, fetch_out;
  a_fetch->add_option("PHOTO", fetch_sha,
                      "Tên ảnh (HA-2-0007-photo_front-1), hoặc mã SHA-256 hay phần đầu của nó, như `inspect show` hiện / "
                      "the photo's name (HA-2-0007-photo_front-1), or its SHA-256 or the start of it, as `inspect show` shows them")
      ->required();
  a_fetch->add_option("--out", fetch_out, "Chép ảnh ra tệp này / also copy it to this file");

  auto* conflicts = app.add_subcommand("conflicts", "Xung đột chờ giám sát viên quyết định, làm được khi không có mạng / "
                                                    "conflicts waiting for a supervisor, offline");
  conflicts->require_subcommand(1);
  auto* c_list = conflicts->add_subcommand("list", "Các xung đột chưa giải quyết / open conflicts");
  bool all_conflicts = false;
  c_list->add_flag("--all", all_conflicts, "Cả xung đột đã giải quyết / resolved ones too");
  std::string conflict_ref;
  auto* c_show = conflicts->add_subcommand("show", "Một xung đột: gốc và hai bên, ai và khi nào / one conflict: base and both sides, who and when");
  c_show->add_option("ID", conflict_ref, "Số xung đột hoặc mã (id) / the conflict's number or id")->required();
  auto* c_resolve = conflicts->add_subcommand(
      "resolve", "Quyết định: giữ giá trị đang áp dụng, lấy bên kia hoặc nhập giá trị mới / decide: keep the value applied, "
                 "take the other or enter a new value");
  c_resolve->add_option("ID", conflict_ref, "Số xung đột hoặc mã (id) / the conflict's number or id")->required();
  std::vector<std::string> takes, sets;
  c_resolve->add_option("--take", takes, "applied | other | TRƯỜNG/FIELD=applied|other");
  c_resolve->add_option("--set", sets, "TRƯỜNG=GIÁ_TRỊ / FIELD=VALUE");

  auto* login_cmd = app.add_subcommand(
      "login", "Đăng nhập máy chủ tỉnh; mật khẩu đọc từ đầu vào / enrol this laptop with the server (password on standard input)");
  std::string server_url, login_user, device_name = platform::hostName();
  login_cmd->add_option("--server", server_url, "Địa chỉ máy chủ / server address, e.g. http://127.0.0.1:8470")->required();
  login_cmd->add_option("--user", login_user, "Tên đăng nhập / login name")->required();
  login_cmd->add_option("--device-name", device_name, "Tên máy này / this laptop's name");
  auto* sync_cmd = app.add_subcommand("sync", "Gửi thay đổi và nhận cập nhật / push the outbox, then pull updates");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportUsageError(app, e, out, err);
  }

  Output o{g.json, out, err};
  try {
    if (init->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(o, home.problem());
      auto r = initHome(home.value(), seed_dir, user);
      if (!r) return fail(o, r.problem());
      const auto& s = r.value();
      if (o.json) {
        out << json{{"home", home.value().dir.string()}, {"province", s.province}, {"establishments", s.establishments},
                    {"documents", s.documents}, {"device", s.device}, {"already_initialised", s.already_initialised}}
                   .dump(2)
            << "\n";
      } else {
        out << (s.already_initialised ? "Đã cập nhật / Updated " : "Đã khởi tạo / Initialised ") << home.value().dir.string()
            << "\n  Tỉnh / Province: " << s.province << "\n  Cơ sở / Establishments: " << s.establishments
            << "\n  Máy / Device: " << s.device << "\n"
            << "Tiếp theo / Next: fieldcheck establishments\n";
      }
      return 0;
    }

    if (login_cmd->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(o, home.problem());
      if (platform::isTerminal(stdin)) err << "Mật khẩu / Password: " << std::flush;
      const auto password = platform::readSecretLine();
      auto r = login(home.value(), server_url, login_user, password, device_name);
      if (!r) return fail(o, r.problem());
      const auto& l = r.value();
      if (o.json) {
        out << json{{"server", l.server}, {"user", l.user},     {"role", l.role},
                    {"district", l.district}, {"device", l.device}, {"laptop_number", l.laptop_number},
                    {"removed_outside", l.removed_outside}}
                       .dump(2)
            << "\n";
      } else {
        out << "Đã đăng nhập / Logged in: " << l.user << " (" << l.role << (l.district.empty() ? "" : ", " + l.district)
            << ") @ " << l.server << "\n";
        if (!l.laptop_number.empty())
          out << "Số máy / Laptop number: " << l.laptop_number
              << " (phiếu mới của máy này mang số như / new records made here are numbered like "
              << (l.district.empty() ? "HA-" : "") << l.laptop_number << "-0001)\n";
        if (l.removed_outside > 0)
          out << "Đã bỏ " << l.removed_outside << " hồ sơ ngoài huyện của bạn khỏi máy này / Removed " << l.removed_outside
              << " records outside your district from this laptop\n";
        out << "Tiếp theo / Next: fieldcheck sync\n";

      }

      return 0;
    }

    if (sync_cmd->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(o, home.problem());
      auto store = LocalStore::open(home.value().database(), false);
      if (!store) return fail(o, store.problem());
      const bool show_progress = !o.json && platform::isTerminal(stderr);
      const auto started = std::chrono::steady_clock::now();
      auto r = synchronize(store.value(), home.value().attachments(), [&](const SyncCounts& c) {
        if (!show_progress) return;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        err << "\r↑ " << c.pushed << " thay đổi/changes " << c.attachments_sent << " ảnh/photos " << c.bytes_sent / 1024
            << " KiB   ↓ " << c.pulled << " thay đổi/changes " << c.bytes_received / 1024 << " KiB   "
            << static_cast<long>((c.bytes_sent + c.bytes_received) / 1024 / std::max(seconds, 0.001)) << " KiB/s   "
            << std::flush;
      });
      if (show_progress) err << "\n";
      if (!r) return fail(o, r.problem());
      const auto& c = r.value();
      if (o.json) {
        out << json{{"pushed", c.pushed}, {"refused", c.refused}, {"pulled", c.pulled}, {"round_trips", c.round_trips},
                    {"attachments_sent", c.attachments_sent}, {"attachments_refused", c.attachments_refused},
                    {"attachment_bytes_sent", c.attachment_bytes_sent}, {"bytes_sent", c.bytes_sent},
                    {"bytes_received", c.bytes_received}, {"clock_skew_ms", c.clock_skew_ms}}
                   .dump(2)
            << "\n";
      } else {
        out << "Đã đồng bộ / Synced: gửi/sent " << c.pushed << ", từ chối/refused " << c.refused << ", nhận/received "
            << c.pulled << " (" << c.round_trips << " lượt/round trips)";
        if (c.attachments_sent + c.attachments_refused > 0)
          out << "; ảnh/photos " << c.attachments_sent << " (" << c.attachment_bytes_sent / 1024 << " KiB)";
        out << "\n";
        if (c.refused + c.attachments_refused > 0) out << "Xem lý do / See why: fieldcheck status\n";
        // Edits of this laptop that a merge set aside: the inspector hears it here, not by chance.
        if (auto service = InspectorService::open(home.value())) printWaitingEdits(out, service.value().waitingEdits());
      }
      warnClockSkew(err, c.clock_skew_ms);
      return 0;
    }

    if (b_export->parsed() || b_import->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(o, home.problem());
      auto store = LocalStore::open(home.value().database(), false);
      if (!store) return fail(o, store.problem());
      if (b_export->parsed()) {
        auto written = exportBundle(store.value(), home.value().attachments(), bundle_file);
        if (!written) return fail(o, written.problem());
        const auto& w = written.value();
        if (o.json) {
          out << json{{"changes", w.changes}, {"attachments", w.attachments}, {"bytes", w.bytes}}.dump(2) << "\n";
        } else {
          out << "Đã ghi " << w.changes << " thay đổi và " << w.attachments << " ảnh vào " << bundle_file << " ("
              << w.bytes / 1024 << " KiB, chỉ máy chủ đọc được). Mang tệp tới văn phòng có mạng; khi có biên nhận, chạy "
              << "`fieldcheck bundle import BIÊN_NHẬN`. Các thay đổi vẫn giữ trên máy này tới lúc đó.\n"
              << "Wrote " << w.changes << " changes and " << w.attachments << " photos to " << bundle_file << " ("
              << w.bytes / 1024 << " KiB, readable by the server only). Carry it to an office with a link; with the receipt, "
              << "run `fieldcheck bundle import RECEIPT`. The changes stay on this laptop until then.\n";
        }
        return 0;
      }
      auto applied = importReceipt(store.value(), bundle_file);
      if (!applied) return fail(o, applied.problem());
      const auto& a = applied.value();
      if (o.json) {
        out << json{{"acknowledged", a.acknowledged}, {"refused", a.refused}, {"pulled", a.pulled}, {"attachments", a.attachments}}.dump(2)
            << "\n";
      } else {
        out << "Biên nhận / Receipt: máy chủ đã nhận / the server has " << a.acknowledged << " thay đổi/changes ("
            << a.refused << " từ chối/refused), " << a.attachments << " ảnh/photos; nhận về / received " << a.pulled
            << " thay đổi/changes\n";
        if (a.refused > 0) out << "Xem lý do / See why: fieldcheck status\n";
      }
      return 0;
    }

    if (a_fetch->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(o, home.problem());
      auto store = LocalStore::open(home.value().database(), false);
      if (!store) return fail(o, store.problem());
      // A photo's name ("HA-2-0007-photo_front-1") stands for the hash its record holds.
      if (auto service = InspectorService::open(home.value()))
        if (auto named = service.value().photoByName(fetch_sha)) {
          if (!*named) return fail(o, named->problem());
          fetch_sha = named->value().sha256;
        }
      auto fetched = fetchAttachment(store.value(), home.value().attachments(), fetch_sha);
      if (!fetched) return fail(o, fetched.problem());
      const auto path = AttachmentStore(home.value().attachments()).pathOf(fetched.value());
      if (!fetch_out.empty()) {
        std::error_code ec;
        std::filesystem::copy_file(path, fetch_out, std::filesystem::copy_options::overwrite_existing, ec);
        if (ec)
          return fail(o, problem("Không chép được ảnh ra " + fetch_out + " (" + ec.message() + ").",
                                 "Cannot copy the attachment to " + fetch_out + " (" + ec.message() + ")."));
      }
      const auto shown = fetch_out.empty() ? path.string() : fetch_out;
      if (o.json) out << json{{"sha256", fetched.value().sha256}, {"size", fetched.value().size_bytes},
                              {"type", fetched.value().media_type}, {"path", shown}}.dump(2) << "\n";
      else out << "Đã tải / Fetched: " << shown << " (" << fetched.value().size_bytes / 1024 << " KiB)\n";
      return 0;
    }

    auto service = openService(g);
    if (!service) return fail(o, service.problem());
    auto& svc = service.value();

    if (list_est->parsed()) {
      auto r = svc.establishments(district, search);
      if (!r) return fail(o, r.problem());
      if (o.json) {
        json list = json::array();
        for (const auto& e : r.value()) {
          auto j = documentJson(e);
          j["district_name"] = svc.districtName(textField(e, "district"));
          list.push_back(std::move(j));
        }
        out << list.dump(2) << "\n";
        return 0;
      }
      // Kinds by their Vietnamese label, as the record template names them.
      const auto record = svc.establishmentTemplate();
      const auto* kind_question = record ? record->find("kind") : nullptr;
      auto kindOf = [&](const Document& e) {
        const auto code = textField(e, "kind");
        const auto* choice = kind_question ? kind_question->findChoice(code) : nullptr;
        return choice ? choice->label.vi : code;
      };
      std::size_t kind_width = 11;
      for (const auto& e : r.value()) kind_width = std::max(kind_width, columns(kindOf(e)) + 2);
      out << pad("Mã/Code", 8) << pad("Tên / Name", 34) << pad("Loại/Kind", kind_width) << pad("Huyện / District", 22)
          << "Xã / Commune\n";
      for (const auto& e : r.value())
        out << pad(textField(e, "code"), 8) << pad(textField(e, "name"), 34) << pad(kindOf(e), kind_width)
            << pad(svc.districtName(textField(e, "district")), 22) << svc.communeName(textField(e, "commune")) << "\n";
      out << r.value().size() << " cơ sở / establishments\n";
      return 0;
    }

    if (est_show->parsed() || est_set->parsed()) {
      Result<Document> r = est_show->parsed() ? svc.findEstablishment(est_ref) : [&]() -> Result<Document> {
        std::vector<std::string> bad;
        auto changes = toAssignments(est_values, bad);
        if (!bad.empty()) return badAssignments(bad);
        return svc.correctEstablishment(est_ref, changes);
      }();
      if (!r) return fail(o, r.problem());
      if (o.json) {
        out << documentJson(r.value()).dump(2) << "\n";
        return 0;
      }
      if (est_set->parsed()) out << "Đã lưu / Saved: " << establishmentLine(svc, r.value()) << "\n";
      printEstablishment(out, svc, r.value());
      return 0;
    }

    if (i_new->parsed()) {
      if (report_period.empty())  // this year, on the province's calendar
        report_period = formatDateTime(DateTime{wallClockMs(), svc.utcOffsetMinutes()}).substr(0, 4);
      auto r = establishment_ref.empty() ? svc.newReport(template_ref, report_commune, report_district, report_period)
                                         : svc.newInspection(establishment_ref, template_ref);
      if (!r) return fail(o, r.problem());
      if (o.json) {
        auto j = documentJson(r.value());
        j["number"] = textField(r.value(), f::kNumber);
        out << j.dump(2) << "\n";
        return 0;
      }
      const auto name = svc.recordName(r.value());
      auto v = svc.view(r.value().id);
      if (!v) return fail(o, v.problem());
      out << (r.value().kind == "report" ? "Báo cáo mới / New periodic report " : "Phiếu mới / New inspection ") << name
          << ": " << establishmentLine(svc, v.value().establishment) << "\n"
          << "Tiếp theo / Next: fieldcheck inspect fill " << name << "\n";
      return 0;
    }

    if (i_fill->parsed()) return runFill(svc, insp_ref, in, out);

    if (i_discard->parsed()) {
      auto gone = svc.discard(insp_ref);
      if (!gone) return fail(o, gone.problem());
      if (o.json) out << documentJson(gone.value()).dump(2) << "\n";
      else
        out << "Đã bỏ phiếu / Discarded: " << svc.recordName(gone.value())
            << " (gửi khi đồng bộ; lịch sử vẫn còn / sent with the next sync; its history stays)\n";
      return 0;
    }

    if (i_set->parsed() || i_attach->parsed() || i_final->parsed() || i_review->parsed() || i_confirm->parsed()) {
      Result<Document> r = [&]() -> Result<Document> {
        if (i_attach->parsed()) return svc.attach(insp_ref, question, attach_file);
        if (i_confirm->parsed()) return svc.confirm(insp_ref, confirm_constraint);
        if (i_final->parsed()) return svc.finalize(insp_ref);
        if (i_review->parsed()) {
          if (!review_approve && !review_return)
            return problem("Chọn --approve (duyệt) hoặc --return --comment \"...\" (trả lại để sửa).",
                           "Choose --approve, or --return --comment \"...\" to return it for correction.");
          return svc.review(insp_ref, {review_approve, review_comment});
        }
        std::vector<std::string> bad;
        auto pairs = toAssignments(answers, bad);
        if (!bad.empty()) return badAssignments(bad);
        return svc.setAnswers(insp_ref, pairs);
      }();
      if (!r) return fail(o, r.problem());
      auto v = svc.view(r.value().id);
      if (!v) return fail(o, v.problem());
      if (o.json) {
        out << inspectionJson(svc, v.value()).dump(2) << "\n";
      } else if (i_final->parsed()) {
        out << "Đã hoàn tất phiếu / Inspection finalized: " << svc.recordName(r.value()) << "\n";
      } else if (i_review->parsed()) {
        const auto state = reviewStateLabel(reviewState(r.value()));
        out << state.vi << " / " << state.en << ": " << svc.recordName(r.value()) << " (gửi khi đồng bộ / sent with the next sync)\n";
      } else if (i_confirm->parsed()) {
        out << "Đã xác nhận / Confirmed: " << confirm_constraint << " (" << svc.recordName(r.value())
            << "; gửi khi đồng bộ / sent with the next sync)\n";
        printFailures(out, v.value().failures);
      } else {
        out << "Đã lưu / Saved. Đã trả lời / Answered " << v.value().state.answeredCount() << "/"
            << v.value().state.relevantCount() << "; còn thiếu / still missing: " << v.value().state.issues().size()
            << "\n";
        // Saved all the same: the inspector may be half-way; finalize refuses until they are resolved.
        if (!v.value().failures.empty()) {
          out << "Kiểm tra giữa các câu trả lời (đã lưu; phải xử lý trước khi hoàn tất) / "
                 "Checks across answers (saved; resolve them before finalizing):\n";
          printFailures(out, v.value().failures);
        }
      }
      return 0;
    }

    if (i_show->parsed()) {
      auto v = svc.view(insp_ref);
      if (!v) return fail(o, v.problem());
      if (o.json) out << inspectionJson(svc, v.value()).dump(2) << "\n";
      else printInspection(o, svc, v.value());
      return 0;
    }

    if (i_list->parsed()) {
      auto r = svc.inspections(status_filter);
      if (!r) return fail(o, r.problem());
      json list = json::array();
      if (!o.json)
        out << pad("Số / Number", 14) << pad("Trạng thái/Status", 19) << pad("Trả lời/Answered", 18) << "Cơ sở / Establishment\n";
      for (const auto& doc : r.value()) {
        auto v = svc.view(doc.id);
        if (!v) return fail(o, v.problem());
        if (o.json) {
          list.push_back(inspectionJson(svc, v.value()));
          continue;
        }
        const auto shown = svc.recordName(doc);
        out << pad(shown, std::max<std::size_t>(14, shown.size() + 2)) << pad(std::string(inspectionStanding(doc, v.value().unsent).code), 19)

            << pad(std::to_string(v.value().state.answeredCount()) + "/" + std::to_string(v.value().state.relevantCount()), 18)
            << establishmentLine(svc, v.value().establishment) << "\n";
      }
      if (o.json) out << list.dump(2) << "\n";
      else out << r.value().size() << " phiếu / inspections\n";
      return 0;
    }

    if (history->parsed()) {
      Result<Document> doc = svc.findInspection(history_ref, true);
      if (!doc) doc = svc.findEstablishment(history_ref);
      if (!doc)
        return fail(o, problem("Không tìm thấy phiếu hay cơ sở “" + history_ref + "”.",
                               "No inspection or establishment “" + history_ref + "”."));
      const auto revisions = svc.history(doc.value().id);
      if (o.json) {
        json list = json::array();
        for (const auto& r : revisions) list.push_back(documentJson(r));
        out << list.dump(2) << "\n";
        return 0;
      }
      out << "Lịch sử / History: " << svc.documentName(doc.value().id) << "\n";
      // Each revision shows what it changed against its first parent (the revision it was made
      // on), or against the one before it when that parent never reached this laptop.

      std::map<std::string, const Document*> by_revision;
      const Document* previous = nullptr;
      for (const auto& r : revisions) {
        out << r.revision.substr(0, 12) << "  " << r.author << "  "
            << formatDateTimeForPeople(DateTime{r.stamp.wall_ms / 1000 * 1000, svc.utcOffsetMinutes()}) << "  device " << r.device.substr(0, 8);
        if (r.parents.size() > 1)
          out << (r.device == "server" ? "  gộp tự động / automatic merge" : "  giải quyết xung đột / conflict resolution");
        if (r.deleted) out << "  (đã xóa / deleted)";
        out << "\n";
        const Document* parent = previous;
        if (!r.parents.empty())
          if (auto it = by_revision.find(r.parents.front()); it != by_revision.end()) parent = it->second;
        for (const auto& [name, value] : r.fields) {
          const auto before = parent ? parent->fields.find(name) : Fields::const_iterator{};
          if (!parent || before == parent->fields.end() || !(before->second == value))
            out << "    " << name << " = " << displayValue(value) << "\n";
        }
        if (parent)
          for (const auto& [name, value] : parent->fields)
            if (!r.fields.count(name)) out << "    " << name << " (xóa / cleared)\n";
        by_revision[r.revision] = &r;
        previous = &r;
      }
      return 0;
    }

    if (c_list->parsed() || c_show->parsed()) {
      std::vector<ConflictView> views;
      if (c_show->parsed()) {
        auto found = svc.findConflict(conflict_ref);
        if (!found) return fail(o, found.problem());
        views.push_back(std::move(found.value()));
      } else {
        views = svc.conflicts(all_conflicts);
      }
      if (o.json) {
        json list = json::array();
        for (const auto& v : views) {
          auto j = conflictToJson(v.record, svc.utcOffsetMinutes());
          j["resolved_here"] = v.resolved_here.empty() ? json() : json(v.resolved_here);
          list.push_back(std::move(j));
        }
        out << (c_show->parsed() ? list[0] : list).dump(2) << "\n";
        return 0;
      }
      for (const auto& v : views)
        printConflict(out, v.record, svc.utcOffsetMinutes(), c_show->parsed(),
                      v.resolved_here.empty() ? "" : "đã giải quyết trên máy này, chờ đồng bộ / resolved here, waiting to sync",
                      svc.conflictNamesOf(v.record));
      if (c_list->parsed()) out << views.size() << (all_conflicts ? " xung đột / conflicts\n" : " xung đột chưa giải quyết / open conflicts\n");
      return 0;
    }

    if (c_resolve->parsed()) {
      auto resolved = svc.resolveConflict(conflict_ref, takes, sets);
      if (!resolved) return fail(o, resolved.problem());
      const auto found = svc.findConflict(conflict_ref);
      const auto conflict_number = found ? found.value().record.number : 0;
      if (o.json) {
        out << documentJson(resolved.value()).dump(2) << "\n";
        return 0;
      }
      out << "Đã giải quyết xung đột #" << conflict_number << " trên máy này; lần đồng bộ tới sẽ gửi đi.\n"
          << "Resolved conflict #" << conflict_number << " on this laptop; the next sync sends it. (" << resolved.value().revision.substr(0, 12)
          << ")\n";
      return 0;
    }

    if (status->parsed()) {
      const auto s = svc.status();
      if (o.json) {
        json refused = json::array();
        for (const auto& r : s.refused)
          refused.push_back({{"seq", r.seq}, {"doc_id", r.doc_id}, {"code", r.code}, {"vi", r.reason.vi}, {"en", r.reason.en}});
        json refused_uploads = json::array();
        for (const auto& u : s.refused_uploads)
          refused_uploads.push_back({{"sha256", u.ref.sha256}, {"vi", u.refused->vi}, {"en", u.refused->en}});
        out << json{{"province", s.province}, {"user", s.user}, {"device", s.device}, {"drafts", s.drafts},
                    {"finalized", s.finalized}, {"returned", s.returned}, {"pending_changes", s.pending_changes}, {"server", s.server},
                    {"last_sync", s.last_sync}, {"clock_skew_ms", s.clock_skew_ms}, {"open_conflicts", s.open_conflicts},
                    {"pending_uploads", s.pending_uploads}, {"refused_uploads", refused_uploads}, {"refused", refused},
                    {"waiting_decisions", waitingEditsJson(s.waiting)}, {"outside_district", s.outside}}

                   .dump(2)
            << "\n";
      } else {
        out << "Tỉnh / Province: " << s.province << "\nCán bộ / User: " << s.user << "\nMáy / Device: " << s.device
            << "\nPhiếu nháp / Drafts: " << s.drafts << "\nPhiếu đã hoàn tất / Finalized: " << s.finalized
            << (s.returned ? "\nPhiếu bị trả lại để sửa / Returned for correction: " + std::to_string(s.returned) +
                                 " (fieldcheck inspect list --status returned)"
                           : std::string())
            << "\nThay đổi chờ gửi / Changes waiting to be sent: " << s.pending_changes
            << "\nMáy chủ / Server: " << (s.server.empty() ? "(chưa đăng nhập / not logged in)" : s.server)
            << "\nĐồng bộ lần cuối / Last sync: " << (s.last_sync.empty() ? "(chưa / never)" : lastSync(svc, s.last_sync)) << "\n";
        warnClockSkew(out, s.clock_skew_ms);
        if (s.open_conflicts > 0)
          out << "Xung đột chờ quyết định / Conflicts waiting for a decision: " << s.open_conflicts
              << " (fieldcheck conflicts list)\n";
        if (s.pending_uploads > 0) out << "Ảnh chờ gửi / Photos waiting to be sent: " << s.pending_uploads << "\n";
        for (const auto& u : s.refused_uploads)
          out << "  ✗ ảnh/photo " << svc.photoName(u.ref.sha256) << ": " << u.refused->vi << "\n    " << u.refused->en << "\n";
        for (const auto& r : s.refused)
          out << "  ✗ " << svc.documentName(r.doc_id) << ": " << r.reason.vi << "\n    " << r.reason.en << "\n";
        printWaitingEdits(out, s.waiting);
        for (const auto& name : s.outside)
          out << "  ⚠ " << name << ": chưa gửi và ngoài huyện của bạn, máy chủ sẽ không nhận; vẫn giữ trên máy để không mất\n"
              << "    " << name << ": not sent and outside your district, so the server will not take it; kept on this laptop so nothing is lost\n";
      }
      return 0;
    }
  } catch (const SQLite::Exception& e) {
    auto home = resolveHome(g.home);
    return fail(o, storageProblem(home ? home.value().database() : std::filesystem::path("fieldcheck.db"), e));
  }
  return 2;
}

}  // namespace fieldcheck::client
