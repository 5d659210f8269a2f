// The `fieldcheck-server` command line.
#include "server_cli.h"

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#ifndef _WIN32
#include <termios.h>
#include <unistd.h>
#endif

#include "accounts.h"
#include "fieldcheck/cli_usage.h"
#include "bundle_import.h"
#include "exports.h"
#include "plan_report.h"
#include "fieldcheck/bundle.h"
#include "http_server.h"
#include "fieldcheck/files.h"
#include "fieldcheck/review.h"
#include "fieldcheck/sqlite_database.h"
#include "provincial_storage.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

using nlohmann::json;

int fail(std::ostream& err, const Problem& p) {
  err << "Lỗi: " << p.message.vi << "\nError: " << p.message.en << "\n";
  for (const auto& d : p.details) err << "  - " << d.vi << "\n    " << d.en << "\n";
  return 1;
}

// One line from standard input; on a terminal, asked for without echo.
std::string readPassword(std::istream& in, std::ostream& err) {
  std::string line;
#ifndef _WIN32
  if (&in == &std::cin && ::isatty(STDIN_FILENO)) {
    err << "Mật khẩu / Password: " << std::flush;
    termios old_mode{};
    tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(in, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
    err << "\n";
    return line;
  }
#endif
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Writes what `write` produces to `file` (whole or not at all: a partial file is renamed only once
// complete), or to `out` when no file is named.
Result<bool> writeOutput(const std::string& file, std::ostream& out, const std::function<void(std::ostream&)>& write) {
  if (file.empty()) {
    write(out);
    return true;
  }
  const auto partial = file + ".partial";
  {
    std::ofstream to(partial, std::ios::binary | std::ios::trunc);
    if (!to) return problem("Không tạo được tệp " + file + ".", "Cannot create the file " + file + ".");
    write(to);
    to.flush();
    if (!to) {
      std::filesystem::remove(partial);
      return problem("Không ghi được tệp " + file + " (ổ đĩa đầy?).", "Cannot write the file " + file + " (disk full?).");
    }
  }
  std::filesystem::rename(partial, file);
  return true;
}

// The id of the inspection or periodic report that `ref` (an id, or an id prefix that names only
// it among them) names.
Result<std::string> findInspectionId(ProvincialStorage& db, std::string ref) {
  for (auto& c : ref) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> ids;
  if (ref.size() >= 4)
    for (const auto kind : {kinds::kInspection, kinds::kReport})
      for (auto& id : db.idsWithPrefix(std::string(kind), ref, 2)) ids.push_back(std::move(id));
  if (ids.size() == 1) return ids.front();
  if (ids.empty())
    return problem("Không có phiếu “" + ref + "” (cần ít nhất 4 ký tự đầu của mã).",
                   "There is no inspection “" + ref + "” (give at least the first 4 characters of its id).");
  return problem("Có nhiều phiếu bắt đầu bằng “" + ref + "”; hãy gõ thêm ký tự.",
                 "Several inspections begin with “" + ref + "”; type more of the id.");
}

}  // namespace

int runServerCli(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err) {
  CLI::App app{"fieldcheck-server — máy chủ đồng bộ cấp tỉnh / the provincial sync server"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string data_dir;
  app.add_option("--data", data_dir, "Thư mục dữ liệu của tỉnh / the provincial data folder")->required();

  auto* init = app.add_subcommand("init", "Tạo cơ sở dữ liệu tỉnh từ thư mục mẫu / create the provincial database from a seed folder");
  std::string seed_dir;
  init->add_option("--seed", seed_dir, "Thư mục dữ liệu mẫu / seed folder")->required();

  auto* user = app.add_subcommand("user", "Người dùng / users");
  user->require_subcommand(1);
  std::string name, role_name;
  std::optional<std::string> district;
  bool json_out = false;
  auto* user_add = user->add_subcommand("add", "Thêm người dùng; mật khẩu đọc từ đầu vào chuẩn / add a user; password read from standard input");
  user_add->add_option("NAME", name, "Tên đăng nhập / login name")->required();
  user_add->add_option("--role", role_name, "inspector | supervisor | provincial | admin")
      ->required()
      ->check(CLI::IsMember({"inspector", "supervisor", "provincial", "admin"}));
  user_add->add_option("--district", district, "Huyện (mã hoặc tên) / district code or name");
  auto* user_list = user->add_subcommand("list", "Danh sách người dùng / list users");
  user_list->add_flag("--json", json_out, "In JSON / print JSON");
  auto* user_revoke = user->add_subcommand("revoke", "Thu hồi quyền truy cập ngay / revoke a user's access at once");
  user_revoke->add_option("NAME", name, "Tên đăng nhập / login name")->required();

  auto* device = app.add_subcommand("device", "Máy của người dùng / users' laptops");
  device->require_subcommand(1);
  auto* device_list = device->add_subcommand("list", "Các máy đã đăng nhập / enrolled laptops");
  std::string device_user, device_ref;
  device_list->add_option("--user", device_user, "Chỉ máy của người này / only this user's");
  device_list->add_flag("--json", json_out, "In JSON / print JSON");
  auto* device_revoke = device->add_subcommand(
      "revoke", "Thu hồi một máy bị mất; người dùng vẫn làm việc trên máy khác / revoke one lost laptop; its user works on");
  device_revoke->add_option("ID", device_ref, "Mã máy hoặc phần đầu của mã (xem device list) / device id or its first characters")
      ->required();

  auto* bundle_cmd = app.add_subcommand("bundle", "Gói dữ liệu mang bằng USB / bundles carried on a USB stick");
  bundle_cmd->require_subcommand(1);
  auto* bundle_import = bundle_cmd->add_subcommand(
      "import", "Nhận một gói từ máy kiểm tra và ghi biên nhận / apply a laptop's bundle and write its receipt");
  std::string bundle_file, receipt_file;
  bundle_import->add_option("FILE", bundle_file, "Tệp gói / the bundle file")->required();
  bundle_import->add_option("--receipt", receipt_file, "Tệp biên nhận để mang về máy / the receipt to carry back")->required();

  auto* attachments = app.add_subcommand("attachments", "Ảnh đính kèm / attachments");
  attachments->require_subcommand(1);
  auto* attachments_waiting = attachments->add_subcommand(
      "waiting", "Hồ sơ đã đến nhưng ảnh chưa đến đủ / records whose photos have not fully arrived");
  attachments_waiting->add_flag("--json", json_out, "In JSON / print JSON");

  auto* conflicts = app.add_subcommand("conflicts", "Xung đột chờ giám sát viên quyết định / conflicts waiting for a supervisor");
  conflicts->require_subcommand(1);
  auto* conflicts_list = conflicts->add_subcommand("list", "Các xung đột chưa giải quyết / open conflicts");
  conflicts_list->add_flag("--json", json_out, "In JSON / print JSON");
  bool all_conflicts = false;
  conflicts_list->add_flag("--all", all_conflicts, "Cả xung đột đã giải quyết / resolved ones too");
  std::int64_t conflict_number = 0;
  auto* conflicts_show = conflicts->add_subcommand("show", "Một xung đột: gốc và hai bên / one conflict: base and both sides");
  conflicts_show->add_option("ID", conflict_number, "Số xung đột / conflict number")->required();
  conflicts_show->add_flag("--json", json_out, "In JSON / print JSON");

  auto* conflicts_resolve = conflicts->add_subcommand(
      "resolve", "Quyết định một xung đột: giữ giá trị đang áp dụng, lấy bên kia hoặc nhập giá trị mới / decide a conflict: keep "
                 "the value applied, take the other or enter a new value");
  conflicts_resolve->add_option("ID", conflict_number, "Số xung đột / conflict number")->required();
  std::vector<std::string> takes, sets;
  conflicts_resolve->add_option("--take", takes, "applied | other | TRƯỜNG/FIELD=applied|other");
  conflicts_resolve->add_option("--set", sets, "TRƯỜNG=GIÁ_TRỊ / FIELD=VALUE");
  std::string resolver;
  conflicts_resolve->add_option("--by", resolver, "Người quyết định (tên đăng nhập) / who decides (login name)")->required();

  auto* review = app.add_subcommand(
      "review", "Duyệt hoặc trả lại một phiếu đã hoàn tất / approve or return a finalized inspection");
  std::string inspection_ref, review_comment, reviewer;
  review->add_option("ID", inspection_ref, "Mã phiếu hoặc phần đầu của mã / inspection id or its first characters")->required();
  bool review_approve = false, review_return = false;
  auto* approve_flag = review->add_flag("--approve", review_approve, "Duyệt / approve");
  review->add_flag("--return", review_return, "Trả lại để sửa / return for correction")->excludes(approve_flag);
  review->add_option("--comment", review_comment, "Nhận xét; bắt buộc khi trả lại / comment; needed to return");
  review->add_option("--by", reviewer, "Giám sát viên (tên đăng nhập) / the supervisor (login name)")->required();

  auto* report = app.add_subcommand(
      "report", "Báo cáo tiến độ thực hiện kế hoạch theo chỉ tiêu và huyện / progress against the plan's targets, per district");
  std::string plan_ref, report_district, report_format = "text", out_file;
  report->add_option("--plan", plan_ref, "Mã kế hoạch, ví dụ 632-KH-UBND-2019 / the plan's code")->required();
  report->add_option("--district", report_district, "Chỉ một huyện (tên hoặc mã) / one district only");
  report->add_option("--format", report_format, "text | csv | json | html")->check(CLI::IsMember({"text", "csv", "json", "html"}));
  report->add_option("--out", out_file, "Ghi ra tệp thay vì màn hình / write to a file");

  auto* export_cmd = app.add_subcommand(
      "export", "Xuất hồ sơ ra bảng tính: mỗi hồ sơ một dòng, mỗi câu hỏi một cột / records for a spreadsheet: a row each, a column per question");
  ExportOptions export_options;
  std::string export_format;
  export_cmd->add_option("--kind", export_options.kind, "inspection | report | establishment | conflict")
      ->required()
      ->check(CLI::IsMember({"inspection", "report", "establishment", "conflict"}));
  export_cmd->add_option("--district", export_options.district, "Chỉ một huyện / one district only");
  export_cmd->add_option("--since", export_options.changed_since, "Chỉ hồ sơ thay đổi từ ngày YYYY-MM-DD / changed on or after");
  export_cmd->add_option("--format", export_format, "csv | xlsx | jsonl")->required()->check(CLI::IsMember({"csv", "xlsx", "jsonl"}));
  export_cmd->add_option("--out", out_file, "Tệp kết quả (bắt buộc với xlsx) / output file (needed for xlsx)");
  std::string export_lang = "vi";
  export_cmd->add_option("--lang", export_lang, "vi | en: tiêu đề cột / column headers")->check(CLI::IsMember({"vi", "en"}));

  auto* serve_cmd = app.add_subcommand("serve", "Phục vụ đồng bộ qua HTTP / serve sync over HTTP");
  std::string listen = "127.0.0.1:8470";
  serve_cmd->add_option("--listen", listen, "HOST:PORT (mặc định / default 127.0.0.1:8470; PORT 0 picks a free one)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportUsageError(app, e, out, err);
  }

  if (serve_cmd->parsed()) {
    const auto colon = listen.rfind(':');
    unsigned long port = 0;
    try {
      port = colon == std::string::npos ? 70000 : std::stoul(listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = 70000;
    }
    if (colon == std::string::npos || port > 65535)
      return fail(err, problem("--listen phải có dạng HOST:CỔNG, ví dụ 127.0.0.1:8470.",
                               "--listen must look like HOST:PORT, for example 127.0.0.1:8470."));
    return serve({data_dir, listen.substr(0, colon), static_cast<unsigned short>(port)}, out, err);
  }

  try {
    if (init->parsed()) makePrivateDir(data_dir);
    auto storage = openSqliteStorage(data_dir, init->parsed());
    if (!storage) return fail(err, storage.problem());
    auto& db = *storage.value();

    if (init->parsed()) {
      auto seed = loadSeed(seed_dir);
      if (!seed) return fail(err, seed.problem());
      auto added = db.importSeed(seed.value());
      if (!added) return fail(err, added.problem());
      db.audit("operator", "cli", "init", "seed " + seed_dir + ": " + std::to_string(added.value()) + " documents added");
      out << "Đã tạo / Initialised " << data_dir << "\n  Tỉnh / Province: " << seed.value().province
          << "\n  Tài liệu mới / New documents: " << added.value()
          << "\n  Cơ sở / Establishments: " << db.documentCount(std::string(kinds::kEstablishment)) << "\n";
      return 0;
    }

    if (user_add->parsed()) {
      if (!isValidUserName(name))
        return fail(err, problem("Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '_', '-' (tối đa 64 ký tự).",
                                 "A login name has only unaccented letters, digits, '.', '_' and '-' (64 at most)."));
      User u;
      u.name = name;
      u.role = *parseRole(role_name);
      if (district) {
        if (u.role == Role::kProvincial || u.role == Role::kAdmin)
          return fail(err, problem("Người dùng cấp tỉnh và quản trị thấy toàn tỉnh; hãy bỏ --district.",
                                   "Provincial and admin users see the whole province; drop --district."));
        auto code = db.findDistrict(*district);
        if (!code) {
          std::string known;
          for (const auto& [c, n] : db.districts()) known += (known.empty() ? "" : ", ") + n;
          return fail(err, problem("Không có huyện “" + *district + "”. Các huyện: " + known + ".",
                                   "There is no district “" + *district + "”. Districts: " + known + "."));
        }
        u.district = *code;
      } else if (u.role == Role::kInspector) {
        return fail(err, problem("Cán bộ kiểm tra phải thuộc một huyện: thêm --district.",
                                 "An inspector belongs to a district: add --district."));
      }
      const auto password = readPassword(in, err);
      if (password.size() < tuning::kMinPasswordBytes || password.size() > tuning::kMaxPasswordBytes)
        return fail(err, problem("Mật khẩu phải dài từ 8 đến 1024 byte (đọc một dòng từ đầu vào chuẩn).",
                                 "The password must be 8 to 1024 bytes long (one line read from standard input)."));
      auto added = db.addUser(u, hashPassword(password));
      if (!added) return fail(err, added.problem());
      db.audit("operator", "cli", "user.add", name + " " + std::string(roleName(u.role)) + " " + u.district.value_or("*"));
      out << "Đã thêm / Added " << name << " (" << roleName(u.role) << (u.district ? ", " + *u.district : "") << ")\n";
      return 0;
    }

    if (user_list->parsed()) {
      const auto users = db.users();
      if (json_out) {
        json list = json::array();
        for (const auto& u : users)
          list.push_back({{"name", u.name}, {"role", roleName(u.role)}, {"district", u.district ? json(*u.district) : json()},
                          {"revoked", u.revoked}, {"devices", db.devices(u.name).size()}, {"created_at", u.created_at}});
        out << list.dump(2) << "\n";
        return 0;
      }
      for (const auto& u : users)
        out << u.name << "  " << roleName(u.role) << "  " << u.district.value_or("*") << "  thiết bị/devices "
            << db.devices(u.name).size() << (u.revoked ? "  ĐÃ THU HỒI / REVOKED" : "") << "\n";
      out << users.size() << " người dùng / users\n";
      return 0;
    }

    if (bundle_import->parsed()) {
      std::string bytes;
      try {
        if (std::filesystem::file_size(bundle_file) > bundle::kMaxFileBytes)
          return fail(err, problem("Tệp gói quá lớn.", "The bundle file is too large."));
        bytes = readWholeFile(bundle_file);
      } catch (const std::exception&) {
        return fail(err, problem("Không đọc được tệp " + bundle_file + ".", "Cannot read the file " + bundle_file + "."));
      }
      auto imported = importBundle(db, bytes);
      if (!imported) return fail(err, imported.problem());
      const auto& r = imported.value();
      try {
        if (std::filesystem::exists(receipt_file)) std::filesystem::remove(receipt_file);
        appendDurably(receipt_file, r.receipt);
      } catch (const std::exception&) {
        return fail(err, problem("Đã nhận gói nhưng không ghi được biên nhận vào " + receipt_file + "; chạy lại lệnh (nhận lại không tạo bản trùng).",
                                 "The bundle was applied but the receipt could not be written to " + receipt_file +
                                     "; run the command again (applying it twice duplicates nothing)."));
      }
      out << "Đã nhận gói của / Applied the bundle of " << r.user << ": " << r.entries << " thay đổi/changes (" << r.refused
          << " từ chối/refused), " << r.attachments << " ảnh/photos; biên nhận / receipt: " << receipt_file << " (" << r.pulled
          << " thay đổi mang về / changes to carry back)\n";
      return 0;
    }

    if (attachments_waiting->parsed()) {
      const auto waiting = db.waitingAttachments();
      if (json_out) {
        json list = json::array();
        for (const auto& w : waiting)
          list.push_back({{"sha256", w.sha256}, {"document", w.doc_id}, {"district", w.district}, {"size", w.size},
                          {"received", w.received}});
        out << list.dump(2) << "\n";
        return 0;
      }
      for (const auto& w : waiting)
        out << w.sha256.substr(0, 12) << "  " << w.doc_id.substr(0, 8) << "  " << (w.district.empty() ? "*" : w.district) << "  "
            << w.received / 1024 << "/" << w.size / 1024 << " KiB\n";
      out << waiting.size() << " ảnh đang chờ / attachments waiting\n";
      return 0;
    }

    const auto offset = static_cast<std::int32_t>(std::stoi(db.setting("utc_offset_minutes").value_or("0")));
    if (conflicts_resolve->parsed()) {
      const auto who = db.userWithHash(resolver);
      if (!who || who->first.revoked || who->first.role == Role::kInspector)
        return fail(err, problem("“" + resolver + "” không phải giám sát viên, cán bộ tỉnh hay quản trị còn hiệu lực.",
                                 "“" + resolver + "” is not an active supervisor, provincial officer or admin."));
      const auto found = db.conflicts({true, "", conflict_number});
      if (found.empty())
        return fail(err, problem("Không có xung đột chưa giải quyết số " + std::to_string(conflict_number) + "; xem `conflicts list`.",
                                 "There is no open conflict number " + std::to_string(conflict_number) + "; see `conflicts list`."));
      if (who->first.district && *who->first.district != found.front().district)
        return fail(err, problem("Xung đột này thuộc huyện khác, ngoài phạm vi của “" + resolver + "”.",
                                 "This conflict is in another district, outside “" + resolver + "”'s scope."));
      const auto current = db.head(found.front().doc_id);
      if (!current)
        return fail(err, problem("Hồ sơ của xung đột không còn trên máy chủ.", "The conflict's record is no longer on the server."));
      auto decision = decisionFromInput(takes, sets, *current, db.heads(std::string(kinds::kTemplate)), offset);
      if (!decision) return fail(err, decision.problem());
      auto resolved = db.resolveConflict(conflict_number, decision.value(), resolver);
      if (!resolved) return fail(err, resolved.problem());
      db.audit(resolver, "cli", "conflict.resolve", "#" + std::to_string(conflict_number) + " -> " + resolved.value());
      out << "Đã giải quyết / Resolved #" << conflict_number << ": " << resolved.value() << "\n";
      return 0;
    }

    if (report->parsed()) {
      auto built = buildPlanReport(db, plan_ref, report_district);
      if (!built) return fail(err, built.problem());
      const auto format = report_format == "csv"    ? ReportFormat::kCsv
                          : report_format == "json" ? ReportFormat::kJson
                          : report_format == "html" ? ReportFormat::kHtml
                                                    : ReportFormat::kText;
      auto written = writeOutput(out_file, out, [&](std::ostream& to) { writePlanReport(to, built.value(), format); });
      if (!written) return fail(err, written.problem());
      db.audit("operator", "cli", "report", plan_ref + " " + (report_district.empty() ? "*" : report_district) + " " + report_format);
      if (!out_file.empty()) out << "Đã ghi báo cáo / Report written: " << out_file << "\n";
      return 0;
    }

    if (export_cmd->parsed()) {
      export_options.english = export_lang == "en";
      const auto sheet = export_options.english ? std::string("Records") : std::string("Hồ sơ");
      Result<std::size_t> rows = std::size_t{0};
      Result<bool> written = true;
      if (export_format == "xlsx") {
        if (out_file.empty())
          return fail(err, problem("Tệp XLSX cần --out TỆP.xlsx.", "An XLSX export needs --out FILE.xlsx."));
        const auto partial = out_file + ".partial";
        auto table = xlsxWriter(partial, sheet);
        if (!table) return fail(err, table.problem());
        try {
          rows = exportRecords(db, export_options, *table.value());
        } catch (...) {
          table.value().reset();
          std::filesystem::remove(partial);
          throw;
        }
        table.value().reset();
        if (rows) std::filesystem::rename(partial, out_file);
        else std::filesystem::remove(partial);
      } else {
        written = writeOutput(out_file, out, [&](std::ostream& to) {
          auto table = export_format == "csv" ? csvWriter(to) : jsonlWriter(to);
          rows = exportRecords(db, export_options, *table);
        });
      }
      if (!rows) {
        if (!out_file.empty() && export_format != "xlsx") std::filesystem::remove(out_file);  // a header alone is no export
        return fail(err, rows.problem());
      }
      if (!written) return fail(err, written.problem());
      db.audit("operator", "cli", "export",
               export_options.kind + " " + (export_options.district.empty() ? "*" : export_options.district) + " " + export_format + " " +
                   std::to_string(rows.value()) + " rows");
      if (!out_file.empty()) err << "Đã xuất / Exported " << rows.value() << " dòng/rows: " << out_file << "\n";
      return 0;
    }

    if (review->parsed()) {
      if (!review_approve && !review_return)
        return fail(err, problem("Chọn --approve (duyệt) hoặc --return --comment \"...\" (trả lại để sửa).",
                                 "Choose --approve, or --return --comment \"...\" to return it for correction."));
      const auto who = db.userWithHash(reviewer);
      if (!who || who->first.revoked || who->first.role == Role::kInspector)
        return fail(err, problem("“" + reviewer + "” không phải giám sát viên, cán bộ tỉnh hay quản trị còn hiệu lực.",
                                 "“" + reviewer + "” is not an active supervisor, provincial officer or admin."));
      auto id = findInspectionId(db, inspection_ref);  // periodic reports are reviewed alike
      if (!id) return fail(err, id.problem());
      const auto now = DateTime{wallClockMs() / 1000 * 1000, offset};
      auto reviewed = db.amend(id.value(), [&](const Document& inspection) -> Result<Fields> {
        if (who->first.district && *who->first.district != textField(inspection, inspection_fields::kDistrict))
          return problem("Phiếu này thuộc huyện khác, ngoài phạm vi của “" + reviewer + "”.",
                         "This inspection is in another district, outside “" + reviewer + "”'s scope.");
        return reviewedFields(inspection, {review_approve, review_comment}, reviewer, now);
      }, reviewer);
      if (!reviewed) return fail(err, reviewed.problem());
      db.audit(reviewer, "cli", review_approve ? "inspection.approve" : "inspection.return", id.value() + " -> " + reviewed.value().revision);
      const auto state = reviewStateLabel(reviewState(reviewed.value()));
      out << state.vi << " / " << state.en << ": " << id.value() << "\n";
      return 0;
    }

    if (conflicts_list->parsed() || conflicts_show->parsed()) {
      const auto records = conflicts_show->parsed() ? db.conflicts({false, "", conflict_number}) : db.conflicts({!all_conflicts, "", 0});
      if (conflicts_show->parsed() && records.empty())
        return fail(err, problem("Không có xung đột số " + std::to_string(conflict_number) + "; xem `conflicts list`.",
                                 "There is no conflict number " + std::to_string(conflict_number) + "; see `conflicts list`."));
      if (json_out) {
        json list = json::array();
        for (const auto& r : records) list.push_back(conflictToJson(r, offset));
        out << (conflicts_show->parsed() ? list[0] : list).dump(2) << "\n";
        return 0;
      }
      const auto templates = db.heads(std::string(kinds::kTemplate));
      const auto lookup = [&db](const std::string& id) { return db.head(id); };
      for (const auto& r : records)
        printConflict(out, r, offset, conflicts_show->parsed(), {}, conflictNames(r, lookup, templates));
      if (conflicts_list->parsed()) out << records.size() << (all_conflicts ? " xung đột / conflicts\n" : " xung đột chưa giải quyết / open conflicts\n");
      return 0;
    }

    if (device_list->parsed() || device_revoke->parsed()) {
      std::vector<DeviceRecord> devices;
      for (const auto& u : db.users())
        if (device_user.empty() || u.name == device_user)
          for (auto& d : db.devices(u.name)) devices.push_back(std::move(d));
      if (device_list->parsed()) {
        if (!device_user.empty() && !db.userWithHash(device_user))
          return fail(err, problem("Không có người dùng “" + device_user + "”.", "There is no user “" + device_user + "”."));
        if (json_out) {
          json list = json::array();
          for (const auto& d : devices)
            list.push_back({{"id", d.id}, {"user", d.user}, {"name", d.name}, {"enrolled_at", d.enrolled_at}, {"revoked", d.revoked}});
          out << list.dump(2) << "\n";
          return 0;
        }
        for (const auto& d : devices)
          out << d.id << "  " << d.user << "  " << d.name << "  " << d.enrolled_at << (d.revoked ? "  ĐÃ THU HỒI / REVOKED" : "")
              << "\n";
        out << devices.size() << " máy / devices\n";
        return 0;
      }
      std::vector<std::string> matching;
      for (const auto& d : devices)
        if (device_ref.size() >= 4 && d.id.rfind(device_ref, 0) == 0) matching.push_back(d.id);
      if (matching.size() != 1)
        return fail(err, matching.empty()
                             ? problem("Không có máy “" + device_ref + "” (cần ít nhất 4 ký tự đầu của mã; xem `device list`).",
                                       "There is no device “" + device_ref + "” (give at least its first 4 characters; see `device list`).")
                             : problem("Có nhiều máy bắt đầu bằng “" + device_ref + "”; hãy gõ thêm ký tự.",
                                       "Several devices begin with “" + device_ref + "”; type more of the id."));
      auto revoked = db.revokeDevice(matching.front());
      if (!revoked) return fail(err, revoked.problem());
      db.audit("operator", "cli", "device.revoke", revoked.value().id + " of " + revoked.value().user);
      out << "Đã thu hồi máy / Revoked the laptop " << revoked.value().id << " (" << revoked.value().name << ") của / of "
          << revoked.value().user << ": lần đồng bộ sau của nó bị từ chối / its next sync is refused\n";
      return 0;
    }

    if (user_revoke->parsed()) {
      auto revoked = db.revokeUser(name);
      if (!revoked) return fail(err, revoked.problem());
      db.audit("operator", "cli", "user.revoke", name);
      out << "Đã thu hồi / Revoked " << name << "; " << revoked.value() << " thiết bị mất quyền ngay / devices lose access now\n";
      return 0;
    }
  } catch (const SQLite::Exception& e) {
    return fail(err, storageProblem(std::filesystem::path(data_dir) / "provincial.db", e));
  } catch (const TableWriteError& e) {
    return fail(err, problem("Không ghi được kết quả: " + std::string(e.what()) + " (ổ đĩa đầy?).",
                             "Cannot write the output: " + std::string(e.what()) + " (disk full?)."));
  } catch (const std::filesystem::filesystem_error& e) {
    // The file or folder it failed on, as the system named it.
    const auto where = e.path1().empty() ? data_dir : e.path1().string();
    return fail(err, problem("Không ghi hay tạo được " + where + " (" + e.code().message() + ").",
                             "Cannot write or create " + where + " (" + e.code().message() + ")."));
  }
  return 2;
}

}  // namespace fieldcheck::server
