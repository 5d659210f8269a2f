// The `fieldcheck` command line: CLI11 binds each command's options, one function per command
// calls the inspector service or the sync engine, and cli_print.h says what people and scripts read.
#include "cli.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Exception.h>

#include "app/app_server.h"
#include "attachment_store.h"
#include "cli_print.h"
#include "fieldcheck/cli_usage.h"
#include "fieldcheck/files.h"
#include "fieldcheck/sqlite_database.h"
#include "fill_session.h"
#include "inspector_service.h"
#include "platform.h"
#include "sync_engine.h"

namespace fieldcheck::client {
namespace {

using nlohmann::json;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool json = false;  // --json: every result and problem as JSON on `out`
};

// Prints `p` and returns the exit code of a user error.
int fail(const Io& io, const Problem& p) {
  printProblem(io.out, io.err, io.json, p);
  return 1;
}

// Prints `j` for a script and returns the exit code of success.
int printJson(const Io& io, const json& j) {
  io.out << j.dump(2) << "\n";
  return 0;
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

// ---- One function per command: its options in, the operation (inspector_service.h,
// sync_engine.h), then what a person or a script reads (cli_print.h). ----

struct InitOptions {
  std::string seed_dir;
  std::string user = platform::currentUserName();
};

int initCommand(const Home& home, const Io& io, const InitOptions& o) {
  auto r = initHome(home, pathFromUtf8(o.seed_dir), o.user);
  if (!r) return fail(io, r.problem());
  if (io.json) return printJson(io, initJson(home, r.value()));
  printInit(io.out, home, r.value());
  return 0;
}

struct LoginOptions {
  std::string server, user, device_name = platform::hostName();
  std::string ca_file;  // a province's own CA (PEM), for an https server
};

int loginCommand(const Home& home, const Io& io, const LoginOptions& o) {
  if (platform::isTerminal(stdin)) io.err << "Mật khẩu / Password: " << std::flush;
  const auto password = platform::readSecretLine();
  auto r = login(home, o.server, o.user, password, o.device_name, pathFromUtf8(o.ca_file));
  if (!r) return fail(io, r.problem());
  const auto& key = r.value().server_key_sha256;
  if (io.json) {
    auto j = loginJson(r.value());
    if (!key.empty()) j["server_key_sha256"] = key;
    return printJson(io, j);
  }
  printLogin(io.out, r.value());
  // What a provincial IT officer can compare with the server's certificate.
  if (!key.empty())
    io.out << "Đã xác minh chứng chỉ máy chủ; khóa (SHA-256) / Server certificate verified; key (SHA-256): " << key << "\n";
  return 0;
}

int syncCommand(const Home& home, const Io& io) {
  auto store = LocalStore::open(home.database(), false);
  if (!store) return fail(io, store.problem());
  const bool show_progress = !io.json && platform::isTerminal(stderr);
  const auto started = std::chrono::steady_clock::now();
  auto r = synchronize(store.value(), home.attachments(), [&](const SyncCounts& c) {
    if (show_progress)
      printSyncProgress(io.err, c, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  });
  if (show_progress) io.err << "\n";
  if (!r) return fail(io, r.problem());
  if (io.json) {
    printJson(io, syncJson(r.value()));
  } else {
    printSynced(io.out, r.value());
    // Edits of this laptop that a merge set aside: the inspector hears it here, not by chance.
    if (auto service = InspectorService::open(home)) printWaitingEdits(io.out, service.value().waitingEdits());
  }
  warnClockSkew(io.err, r.value().clock_skew_ms);
  return 0;
}

int bundleExportCommand(const Home& home, const Io& io, const std::string& file) {
  auto store = LocalStore::open(home.database(), false);
  if (!store) return fail(io, store.problem());
  auto written = exportBundle(store.value(), home.attachments(), pathFromUtf8(file));
  if (!written) return fail(io, written.problem());
  if (io.json) return printJson(io, bundleJson(written.value()));
  printBundleWritten(io.out, file, written.value());
  return 0;
}

int bundleImportCommand(const Home& home, const Io& io, const std::string& receipt_file) {
  auto store = LocalStore::open(home.database(), false);
  if (!store) return fail(io, store.problem());
  auto applied = importReceipt(store.value(), pathFromUtf8(receipt_file));
  if (!applied) return fail(io, applied.problem());
  if (io.json) return printJson(io, receiptJson(applied.value()));
  printReceipt(io.out, applied.value());
  return 0;
}

struct FetchOptions {
  std::string photo, out_file;
};

int attachmentFetchCommand(const Home& home, const Io& io, const FetchOptions& o) {
  auto fetched = fetchPhoto(home, o.photo);
  if (!fetched) return fail(io, fetched.problem());
  const auto path = AttachmentStore(home.attachments()).pathOf(fetched.value());
  // Where a person finds it: --out, else the current folder under the photo's name.
  const auto out_file = o.out_file.empty() ? photoFileName(home, fetched.value()) : o.out_file;
  std::error_code ec;
  std::filesystem::copy_file(path, pathFromUtf8(out_file), std::filesystem::copy_options::overwrite_existing, ec);
  if (ec)
    return fail(io, problem("Không chép được ảnh ra " + out_file + " (" + ec.message() + ").",
                            "Cannot copy the attachment to " + out_file + " (" + ec.message() + ")."));
  const auto& shown = out_file;
  if (io.json) return printJson(io, fetchedJson(fetched.value(), shown));
  printFetched(io.out, fetched.value(), shown);
  return 0;
}

struct EstablishmentsOptions {
  std::optional<std::string> district, search;
};

int establishmentsCommand(const InspectorService& svc, const Io& io, const EstablishmentsOptions& o) {
  auto r = svc.establishments(o.district, o.search);
  if (!r) return fail(io, r.problem());
  if (io.json) return printJson(io, establishmentsJson(svc, r.value()));
  printEstablishments(io.out, svc, r.value());
  return 0;
}

int establishmentShowCommand(const InspectorService& svc, const Io& io, const std::string& ref) {
  auto r = svc.findEstablishment(ref);
  if (!r) return fail(io, r.problem());
  if (io.json) return printJson(io, documentJson(r.value()));
  printEstablishment(io.out, svc, r.value());
  return 0;
}

struct EstablishmentSetOptions {
  std::string ref;
  std::vector<std::string> values;
};

int establishmentSetCommand(InspectorService& svc, const Io& io, const EstablishmentSetOptions& o) {
  std::vector<std::string> bad;
  const auto changes = toAssignments(o.values, bad);
  if (!bad.empty()) return fail(io, badAssignments(bad));
  auto r = svc.correctEstablishment(o.ref, changes);
  if (!r) return fail(io, r.problem());
  if (io.json) return printJson(io, documentJson(r.value()));
  printEstablishmentSaved(io.out, svc, r.value());
  return 0;
}

struct NewRecordOptions {
  std::string establishment;  // an inspection of it; else a periodic report of:
  std::optional<std::string> commune, district, template_ref;
  std::string period;
};

int inspectNewCommand(InspectorService& svc, const Io& io, const NewRecordOptions& o) {
  auto r = o.establishment.empty() ? svc.newReport(o.template_ref, o.commune, o.district, o.period)
                                   : svc.newInspection(o.establishment, o.template_ref);
  if (!r) return fail(io, r.problem());
  if (io.json) return printJson(io, newRecordJson(r.value()));
  auto v = svc.view(r.value().id);
  if (!v) return fail(io, v.problem());
  printNewRecord(io.out, svc, r.value(), v.value());
  return 0;
}

// After a change to a record: the record as scripts read it, or `tell` for people.
int recordChanged(const InspectorService& svc, const Io& io, const Result<Document>& changed,
                  const std::function<void(const InspectionView&)>& tell) {
  if (!changed) return fail(io, changed.problem());
  auto v = svc.view(changed.value().id);
  if (!v) return fail(io, v.problem());
  if (io.json) return printJson(io, inspectionJson(svc, v.value()));
  tell(v.value());
  return 0;
}

int inspectSetCommand(InspectorService& svc, const Io& io, const std::string& ref, const std::vector<std::string>& answers) {
  std::vector<std::string> bad;
  const auto pairs = toAssignments(answers, bad);
  if (!bad.empty()) return fail(io, badAssignments(bad));
  return recordChanged(svc, io, svc.setAnswers(ref, pairs), [&](const InspectionView& v) { printAnswersSaved(io.out, v); });
}

struct AttachOptions {
  std::string question, file;
};

int inspectAttachCommand(InspectorService& svc, const Io& io, const std::string& ref, const AttachOptions& o) {
  return recordChanged(svc, io, svc.attach(ref, o.question, pathFromUtf8(o.file)), [&](const InspectionView& v) { printAnswersSaved(io.out, v); });
}

int inspectFinalizeCommand(InspectorService& svc, const Io& io, const std::string& ref) {
  return recordChanged(svc, io, svc.finalize(ref), [&](const InspectionView& v) { printFinalized(io.out, svc, v.inspection); });
}

int inspectConfirmCommand(InspectorService& svc, const Io& io, const std::string& ref, const std::string& constraint) {
  return recordChanged(svc, io, svc.confirm(ref, constraint),
                       [&](const InspectionView& v) { printConfirmed(io.out, svc, constraint, v); });
}

struct ReviewOptions {
  bool approve = false, give_back = false;
  std::string comment;
};

int inspectReviewCommand(InspectorService& svc, const Io& io, const std::string& ref, const ReviewOptions& o) {
  if (!o.approve && !o.give_back)
    return fail(io, problem("Chọn --approve (duyệt) hoặc --return --comment \"...\" (trả lại để sửa).",
                            "Choose --approve, or --return --comment \"...\" to return it for correction."));
  return recordChanged(svc, io, svc.review(ref, {o.approve, o.comment}),
                       [&](const InspectionView& v) { printReviewed(io.out, svc, v.inspection); });
}

int inspectDiscardCommand(InspectorService& svc, const Io& io, const std::string& ref) {
  auto gone = svc.discard(ref);
  if (!gone) return fail(io, gone.problem());
  if (io.json) return printJson(io, documentJson(gone.value()));
  printDiscarded(io.out, svc, gone.value());
  return 0;
}

int inspectShowCommand(const InspectorService& svc, const Io& io, const std::string& ref) {
  auto v = svc.view(ref);
  if (!v) return fail(io, v.problem());
  if (io.json) return printJson(io, inspectionJson(svc, v.value()));
  printInspection(io.out, svc, v.value());
  return 0;
}

int inspectListCommand(const InspectorService& svc, const Io& io, const std::optional<std::string>& status) {
  auto records = svc.inspections(status);
  if (!records) return fail(io, records.problem());
  json list = json::array();
  if (!io.json) printInspectionListHeader(io.out);
  for (const auto& doc : records.value()) {
    auto v = svc.view(doc.id);
    if (!v) return fail(io, v.problem());
    if (io.json) list.push_back(inspectionJson(svc, v.value()));
    else printInspectionListRow(io.out, svc, v.value());
  }
  if (io.json) return printJson(io, list);
  printInspectionListEnd(io.out, records.value().size());
  return 0;
}

int historyCommand(const InspectorService& svc, const Io& io, const std::string& ref) {
  auto doc = svc.findInspectionOrEstablishment(ref);
  if (!doc) return fail(io, doc.problem());
  const auto revisions = svc.history(doc.value().id);
  if (io.json) return printJson(io, historyJson(revisions));
  printHistory(io.out, svc, doc.value(), revisions, revisionChanges(revisions));
  return 0;
}

struct ConflictOptions {
  std::string ref;
  bool all = false;
  std::vector<std::string> takes, sets;
};

// `conflicts list` (`one` false) or `conflicts show` (`one` true).
int conflictsShowCommand(const InspectorService& svc, const Io& io, const ConflictOptions& o, bool one) {
  std::vector<ConflictView> views;
  if (one) {
    auto found = svc.findConflict(o.ref);
    if (!found) return fail(io, found.problem());
    views.push_back(std::move(found.value()));
  } else {
    views = svc.conflicts(o.all);
  }
  if (io.json) {
    const auto list = conflictsJson(svc, views);
    return printJson(io, one ? list[0] : list);
  }
  printConflicts(io.out, svc, views, one);
  if (!one) printConflictCount(io.out, views.size(), o.all);
  return 0;
}

int conflictsResolveCommand(InspectorService& svc, const Io& io, const ConflictOptions& o) {
  auto resolved = svc.resolveConflict(o.ref, o.takes, o.sets);
  if (!resolved) return fail(io, resolved.problem());
  if (io.json) return printJson(io, documentJson(resolved.value()));
  const auto found = svc.findConflict(o.ref);  // by its number, as people name it
  printResolved(io.out, found ? found.value().record.number : 0, resolved.value());
  return 0;
}

int statusCommand(const InspectorService& svc, const Io& io) {
  const auto s = svc.status();
  if (io.json) return printJson(io, statusJson(s));
  printStatus(io.out, svc, s);
  return 0;
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
  InitOptions init_options;
  init->add_option("--seed", init_options.seed_dir, "Thư mục dữ liệu mẫu / seed folder (e.g. packaging/seed/cao-bang-2019)")->required();
  init->add_option("--user", init_options.user, "Tên cán bộ kiểm tra / the inspector's name");

  // establishments
  auto* list_est = app.add_subcommand("establishments", "Danh sách cơ sở / list establishments");
  EstablishmentsOptions est_list_options;
  list_est->add_option("--district", est_list_options.district, "Huyện (tên hoặc mã, dấu không bắt buộc) / district name or code");
  list_est->add_option("--search", est_list_options.search, "Tìm theo tên, mã, địa chỉ, chủ (dấu không bắt buộc) / search words");

  // establishment show|set
  auto* est = app.add_subcommand("establishment", "Một cơ sở / one establishment");
  est->require_subcommand(1);
  EstablishmentSetOptions est_options;
  auto* est_show = est->add_subcommand("show", "Xem hồ sơ cơ sở / show an establishment's record");
  est_show->add_option("ID", est_options.ref, "Mã cơ sở (CS-01) hoặc id / establishment code or id")->required();
  auto* est_set = est->add_subcommand("set", "Sửa hồ sơ cơ sở theo thực tế / correct an establishment's record");
  est_set->add_option("ID", est_options.ref, "Mã cơ sở (CS-01) hoặc id / establishment code or id")->required();
  est_set->add_option("FIELD=VALUE", est_options.values, "Ví dụ / e.g. workers=12 status=closed")->required();

  // inspect
  auto* inspect = app.add_subcommand("inspect", "Phiếu kiểm tra và báo cáo định kỳ / inspections and periodic reports");
  inspect->alias("form");
  inspect->require_subcommand(1);
  std::string insp_ref;  // the record of every inspect command but new and list
  std::optional<std::string> status_filter;
  auto* i_new = inspect->add_subcommand("new", "Bắt đầu phiếu mới / start a new inspection or periodic report");
  NewRecordOptions new_options;
  // Exactly one subject: an establishment (an inspection), or a commune or district (a periodic report).
  auto* subject = i_new->add_option_group("subject", "Một trong / one of");
  subject->add_option("--establishment", new_options.establishment, "Mã cơ sở hoặc id / establishment code or id");
  subject->add_option("--commune", new_options.commune, "Báo cáo của xã (tên hoặc mã) / a commune's periodic report");
  subject->add_option("--district", new_options.district, "Báo cáo của huyện / a district's periodic report");
  subject->require_option(1);
  i_new->add_option("--period", new_options.period, "Kỳ báo cáo: 2019, 2019-Q3 hoặc 2019-07 (mặc định năm nay) / report period");
  i_new->add_option("--template", new_options.template_ref, "Mã mẫu phiếu khi có nhiều / template id when there are several");
  auto* i_fill = inspect->add_subcommand("fill", "Điền phiếu từng câu / fill question by question");
  i_fill->add_option("ID", insp_ref, "Mã phiếu hoặc phần đầu như `inspect list` hiện / inspection id or its beginning as `inspect list` shows it")->required();
  auto* i_set = inspect->add_subcommand("set", "Trả lời không cần hỏi / set answers without prompts");
  i_set->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  std::vector<std::string> answers;
  i_set->add_option("QUESTION=VALUE", answers, "Ví dụ / e.g. workers_total=12 karaoke_door_transparent=c")->required();
  auto* i_attach = inspect->add_subcommand("attach", "Đính kèm ảnh / attach a photo");
  i_attach->add_option("ID", insp_ref, "Mã phiếu / inspection id or prefix")->required();
  AttachOptions attach_options;
  i_attach->add_option("QUESTION", attach_options.question, "Câu hỏi ảnh / photo question")->required();
  i_attach->add_option("FILE", attach_options.file, "Tệp JPEG hoặc PNG / JPEG or PNG file")->required();
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
  ReviewOptions review_options;
  auto* approve_flag = i_review->add_flag("--approve", review_options.approve, "Duyệt / approve");
  auto* return_flag = i_review->add_flag("--return", review_options.give_back, "Trả lại để sửa / return for correction");
  approve_flag->excludes(return_flag);
  i_review->add_option("--comment", review_options.comment, "Nhận xét; bắt buộc khi trả lại / comment; needed to return");

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
  FetchOptions fetch_options;
  a_fetch->add_option("PHOTO", fetch_options.photo,
                      "Tên ảnh (HA-2-0007-photo_front-1), hoặc mã SHA-256 hay phần đầu của nó, như `inspect show` hiện / "
                      "the photo's name (HA-2-0007-photo_front-1), or its SHA-256 or the start of it, as `inspect show` shows them")
      ->required();
  a_fetch->add_option("--out", fetch_options.out_file, "Chép ảnh ra tệp này / also copy it to this file");

  auto* conflicts = app.add_subcommand("conflicts", "Xung đột chờ giám sát viên quyết định, làm được khi không có mạng / "
                                                    "conflicts waiting for a supervisor, offline");
  conflicts->require_subcommand(1);
  auto* c_list = conflicts->add_subcommand("list", "Các xung đột chưa giải quyết / open conflicts");
  ConflictOptions conflict_options;
  c_list->add_flag("--all", conflict_options.all, "Cả xung đột đã giải quyết / resolved ones too");
  auto* c_show = conflicts->add_subcommand("show", "Một xung đột: gốc và hai bên, ai và khi nào / one conflict: base and both sides, who and when");
  c_show->add_option("ID", conflict_options.ref, "Số xung đột hoặc mã (id) / the conflict's number or id")->required();
  auto* c_resolve = conflicts->add_subcommand(
      "resolve", "Quyết định: giữ giá trị đang áp dụng, lấy bên kia hoặc nhập giá trị mới / decide: keep the value applied, "
                 "take the other or enter a new value");
  c_resolve->add_option("ID", conflict_options.ref, "Số xung đột hoặc mã (id) / the conflict's number or id")->required();
  c_resolve->add_option("--take", conflict_options.takes, "applied | other | TRƯỜNG/FIELD=applied|other");
  c_resolve->add_option("--set", conflict_options.sets, "TRƯỜNG=GIÁ_TRỊ / FIELD=VALUE");

  auto* login_cmd = app.add_subcommand(
      "login", "Đăng nhập máy chủ tỉnh; mật khẩu đọc từ đầu vào / enrol this laptop with the server (password on standard input)");
  LoginOptions login_options;
  login_cmd->add_option("--server", login_options.server,
                        "Địa chỉ máy chủ / server address, e.g. https://fieldcheck.caobang.gov.vn or http://127.0.0.1:8470")
      ->required();
  login_cmd->add_option("--ca", login_options.ca_file,
                        "Chứng chỉ CA riêng của tỉnh (PEM), thay cho các CA của hệ thống; máy này giữ một bản / the province's "
                        "own CA certificate (PEM), instead of the system's CAs; this laptop keeps a copy");
  login_cmd->add_option("--user", login_options.user, "Tên đăng nhập / login name")->required();
  login_cmd->add_option("--device-name", login_options.device_name, "Tên máy này / this laptop's name");
  auto* sync_cmd = app.add_subcommand("sync", "Gửi thay đổi và nhận cập nhật / push the outbox, then pull updates");

  auto* ui_cmd = app.add_subcommand(
      "ui", "Mở ứng dụng trong trình duyệt, trên máy này, không cần mạng / open the app in the browser, on this laptop, offline");
  AppOptions ui_options;
  ui_cmd->add_option("--port", ui_options.port, "Cổng trên 127.0.0.1 (mặc định: một cổng trống) / port on 127.0.0.1 (default: a free one)");
  bool ui_no_browser = false;
  ui_cmd->add_flag("--no-browser", ui_no_browser, "Không tự mở trình duyệt, chỉ in địa chỉ / only print the address");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportUsageError(app, e, out, err);
  }


  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportUsageError(app, e, out, err);
  }

  const Io io{in, out, err, g.json};
  // A broken promise of the machine (a failing disk, a damaged file) is told here, once, for
  // every command.
  try {
    if (init->parsed() || login_cmd->parsed() || sync_cmd->parsed() || b_export->parsed() || b_import->parsed() ||
        a_fetch->parsed() || ui_cmd->parsed()) {
      auto home = resolveHome(g.home);
      if (!home) return fail(io, home.problem());
      if (ui_cmd->parsed()) {
        ui_options.home = home.value();
        ui_options.open_browser = !ui_no_browser;
        return serveApp(ui_options, out, err);
      }
      if (init->parsed()) return initCommand(home.value(), io, init_options);
      if (login_cmd->parsed()) return loginCommand(home.value(), io, login_options);
      if (sync_cmd->parsed()) return syncCommand(home.value(), io);
      if (b_export->parsed()) return bundleExportCommand(home.value(), io, bundle_file);
      if (b_import->parsed()) return bundleImportCommand(home.value(), io, bundle_file);
      return attachmentFetchCommand(home.value(), io, fetch_options);
    }

    auto service = openService(g);
    if (!service) return fail(io, service.problem());
    auto& svc = service.value();
    if (list_est->parsed()) return establishmentsCommand(svc, io, est_list_options);
    if (est_show->parsed()) return establishmentShowCommand(svc, io, est_options.ref);
    if (est_set->parsed()) return establishmentSetCommand(svc, io, est_options);
    if (i_new->parsed()) return inspectNewCommand(svc, io, new_options);
    if (i_fill->parsed()) return runFill(svc, insp_ref, in, out);
    if (i_discard->parsed()) return inspectDiscardCommand(svc, io, insp_ref);
    if (i_set->parsed()) return inspectSetCommand(svc, io, insp_ref, answers);
    if (i_attach->parsed()) return inspectAttachCommand(svc, io, insp_ref, attach_options);
    if (i_final->parsed()) return inspectFinalizeCommand(svc, io, insp_ref);
    if (i_review->parsed()) return inspectReviewCommand(svc, io, insp_ref, review_options);
    if (i_confirm->parsed()) return inspectConfirmCommand(svc, io, insp_ref, confirm_constraint);
    if (i_show->parsed()) return inspectShowCommand(svc, io, insp_ref);
    if (i_list->parsed()) return inspectListCommand(svc, io, status_filter);
    if (history->parsed()) return historyCommand(svc, io, history_ref);
    if (c_list->parsed() || c_show->parsed()) return conflictsShowCommand(svc, io, conflict_options, c_show->parsed());
    if (c_resolve->parsed()) return conflictsResolveCommand(svc, io, conflict_options);
    if (status->parsed()) return statusCommand(svc, io);
  } catch (const SQLite::Exception& e) {
    auto home = resolveHome(g.home);
    return fail(io, storageProblem(home ? home.value().database() : std::filesystem::path("fieldcheck.db"), e));
  }
  return 2;
}

}  // namespace fieldcheck::client
