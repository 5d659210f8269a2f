// The `fieldcheck-server` command line.
#include "server_cli.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#ifndef _WIN32
#include <termios.h>
#include <unistd.h>
#endif

#include "accounts.h"
#include "backup.h"
#include "api.h"
#include "fieldcheck/cli_usage.h"
#include "bundle_import.h"
#include "exports.h"
#include "plan_report.h"
#include "fieldcheck/bundle.h"
#include "http_server.h"
#include "operator_actions.h"
#include "fieldcheck/files.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/sqlite_database.h"
#include "provincial_storage.h"
#include "server_config.h"
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

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// ---- One function per command: options in, the operation (operator_actions.h, exports, the
// report), then what a person or a script reads. ----

int initCommand(ProvincialStorage& db, const Io& io, const std::string& data_dir, const std::string& seed_dir) {
  auto done = initFromSeed(db, seed_dir);
  if (!done) return fail(io.err, done.problem());
  io.out << "Đã tạo / Initialised " << data_dir << "\n  Tỉnh / Province: " << done.value().province
         << "\n  Tài liệu mới / New documents: " << done.value().added
         << "\n  Cơ sở / Establishments: " << db.documentCount(std::string(kinds::kEstablishment)) << "\n";
  return 0;
}

struct UserAddOptions {
  std::string name, role;
  std::optional<std::string> district;
};

// A refusal of `user add`, with the option to change when it is about the district or the role
// (operator_actions.cpp's words name none: the console says them too).
Problem withOptionHint(const Acted<User>& refused) {
  auto p = refused.problem();
  if (refused.field() == "district") p.details.push_back({"Tùy chọn trên dòng lệnh: --district", "The command line's option: --district"});
  if (refused.field() == "role") p.details.push_back({"Tùy chọn trên dòng lệnh: --role", "The command line's option: --role"});
  return p;
}

int userAddCommand(ProvincialStorage& db, const Io& io, const UserAddOptions& o) {
  // The checks that need no password come first, so a mistake is told before it is asked for.
  if (!isValidUserName(o.name)) return fail(io.err, addUser(db, commandLineOperator(), o.name, o.role, o.district, "").problem());
  const auto password = readPassword(io.in, io.err);
  auto added = addUser(db, commandLineOperator(), o.name, o.role, o.district, password);
  if (!added) return fail(io.err, withOptionHint(added));
  const auto& u = added.value();
  io.out << "Đã thêm / Added " << u.name << " (" << roleName(u.role) << (u.district ? ", " + *u.district : "") << ")\n";
  return 0;
}

int userListCommand(ProvincialStorage& db, const Io& io, bool json_out) {
  const auto users = db.users();
  if (json_out) {
    json list = json::array();
    for (const auto& u : users)
      list.push_back({{"name", u.name}, {"role", roleName(u.role)}, {"district", u.district ? json(*u.district) : json()},
                      {"revoked", u.revoked}, {"must_change_password", u.must_change_password},
                      {"devices", db.devices(u.name).size()}, {"created_at", u.created_at}});
    io.out << list.dump(2) << "\n";
    return 0;
  }
  for (const auto& u : users)
    io.out << u.name << "  " << roleName(u.role) << "  " << u.district.value_or("*") << "  thiết bị/devices "
           << db.devices(u.name).size() << (u.revoked ? "  ĐÃ THU HỒI / REVOKED" : "")
           << (u.must_change_password && !u.revoked ? "  MÃ DÙNG MỘT LẦN / ONE-TIME CODE" : "") << "\n";
  io.out << users.size() << " người dùng / users\n";
  return 0;
}

int userRevokeCommand(ProvincialStorage& db, const Io& io, const std::string& name) {
  auto revoked = revokeUser(db, commandLineOperator(), name);
  if (!revoked) return fail(io.err, revoked.problem());
  io.out << "Đã thu hồi / Revoked " << name << "; " << revoked.value().devices
         << " thiết bị mất quyền ngay / devices lose access now\n";
  return 0;
}

int userResetCommand(ProvincialStorage& db, const Io& io, const std::string& name) {
  auto code = resetPassword(db, commandLineOperator(), name);
  if (!code) return fail(io.err, code.problem());
  io.out << "Mã dùng một lần của / One-time code of " << name << ": " << code.value()
         << "\n  Đưa mã này cho người dùng; họ phải đổi mật khẩu trên bảng điều khiển khi dùng lần đầu.\n"
            "  Give it to the user; they must change their password in the console at first use.\n";
  return 0;
}

// A time the database keeps in UTC ("2019-05-03T02:00:00Z"), as people in the province read it
// ("03/05/2019 09:00"); the text as it is when it is not such a time.
std::string peopleTime(ProvincialStorage& db, const std::string& utc) {
  auto at = parseDateTime(utc, 0);
  if (!at) return utc;
  at->offset_minutes = provinceOffsetMinutes(db);
  return formatDateTimeForPeople(*at);
}

int deviceListCommand(ProvincialStorage& db, const Io& io, const std::string& user, bool json_out) {
  auto devices = listDevices(db, commandLineOperator(), user);
  if (!devices) return fail(io.err, devices.problem());
  if (json_out) {
    json list = json::array();
    for (const auto& d : devices.value())
      list.push_back({{"id", d.id}, {"user", d.user}, {"name", d.name}, {"enrolled_at", d.enrolled_at}, {"revoked", d.revoked}});
    io.out << list.dump(2) << "\n";
    return 0;
  }
  for (const auto& d : devices.value())
    io.out << d.id << "  " << d.user << "  " << d.name << "  " << peopleTime(db, d.enrolled_at)
           << (d.revoked ? "  ĐÃ THU HỒI / REVOKED" : "") << "\n";
  io.out << devices.value().size() << " máy / devices\n";
  return 0;
}

// `user devices NAME`: the laptops of one user, when each was enrolled and last seen, and whether
// its login still works (revoked, or unused longer than [tokens] device_token_unused_days).
int userDevicesCommand(ProvincialStorage& db, const Io& io, const std::string& user, bool json_out, std::chrono::hours unused) {
  auto devices = listDevices(db, commandLineOperator(), user);
  if (!devices) {
    auto p = devices.problem();
    p.details.push_back({"Xem các người dùng: `fieldcheck-server user list`", "See the users: `fieldcheck-server user list`"});
    return fail(io.err, p);
  }
  const auto now_ms = wallClockMs();
  // A token counts as used from the login that issued it too (tokenIssuedAt), which the server
  // reads from the token and this command from the audit log: each laptop's latest login.
  std::map<std::string, std::string> last_login;
  for (const auto& e : db.auditEntries({user, "login", 0, 1000}))
    if (e.action == "login" && e.at.size() >= 19 && !last_login.count(e.device)) last_login[e.device] = e.at.substr(0, 19) + "Z";
  const auto expired = [&](const DeviceRecord& d) {
    auto last_use = d.last_seen_at.empty() ? d.enrolled_at : d.last_seen_at;
    if (const auto login = last_login.find(d.id); login != last_login.end()) last_use = std::max(last_use, login->second);
    return !d.revoked && deviceTokenExpired(last_use, unused, now_ms);
  };
  if (json_out) {
    json list = json::array();
    for (const auto& d : devices.value())
      list.push_back({{"id", d.id}, {"name", d.name}, {"enrolled_at", d.enrolled_at},
                      {"last_seen_at", d.last_seen_at.empty() ? json() : json(d.last_seen_at)}, {"revoked", d.revoked},
                      {"expired", expired(d)}});
    io.out << list.dump(2) << "\n";
    return 0;
  }
  // To the minute, as people note a time ("03/05/2019 09:00").
  const auto minute = [&](const std::string& utc) { return peopleTime(db, utc.size() == 20 ? utc.substr(0, 17) + "00Z" : utc); };
  for (const auto& d : devices.value())
    io.out << d.id << "  " << d.name << "  đăng nhập/enrolled " << minute(d.enrolled_at) << "  lần cuối/last seen "
           << (d.last_seen_at.empty() ? std::string("chưa đồng bộ/never") : minute(d.last_seen_at))
           << (d.revoked ? "  ĐÃ THU HỒI / REVOKED" : expired(d) ? "  HẾT HẠN, PHẢI ĐĂNG NHẬP LẠI / EXPIRED, LOG IN AGAIN" : "") << "\n";
  io.out << devices.value().size() << " máy / devices\n";
  return 0;
}

int deviceRevokeCommand(ProvincialStorage& db, const Io& io, const std::string& ref) {
  auto revoked = revokeDeviceByRef(db, commandLineOperator(), ref);
  if (!revoked) return fail(io.err, revoked.problem());
  io.out << "Đã thu hồi máy / Revoked the laptop " << revoked.value().id << " (" << revoked.value().name << ") của / of "
         << revoked.value().user << ": lần đồng bộ sau của nó bị từ chối / its next sync is refused\n";
  return 0;
}

int bundleImportCommand(ProvincialStorage& db, const Io& io, const std::string& bundle_file, const std::string& receipt_file) {
  std::string bytes;
  try {
    if (std::filesystem::file_size(bundle_file) > bundle::kMaxFileBytes)
      return fail(io.err, problem("Tệp gói quá lớn.", "The bundle file is too large."));
    bytes = readWholeFile(bundle_file);
  } catch (const std::exception&) {
    return fail(io.err, problem("Không đọc được tệp " + bundle_file + ".", "Cannot read the file " + bundle_file + "."));
  }
  auto imported = importBundleAs(db, commandLineOperator(), bytes);
  if (!imported) return fail(io.err, imported.problem());
  const auto& r = imported.value();
  try {
    if (std::filesystem::exists(receipt_file)) std::filesystem::remove(receipt_file);
    appendDurably(receipt_file, r.receipt);
  } catch (const std::exception&) {
    return fail(io.err, problem("Đã nhận gói nhưng không ghi được biên nhận vào " + receipt_file + "; chạy lại lệnh (nhận lại không tạo bản trùng).",
                                "The bundle was applied but the receipt could not be written to " + receipt_file +
                                    "; run the command again (applying it twice duplicates nothing)."));
  }
  if (r.other_history) {
    io.out << "Máy làm gói này chưa biết máy chủ đã được khôi phục từ bản sao lưu: không áp dụng thay đổi nào của gói. Mang biên "
              "nhận về máy; máy sẽ gửi lại mọi thứ máy chủ còn thiếu trong gói sau hoặc lần đồng bộ sau.\n"
              "The laptop that made this bundle did not know yet that the server was restored from a backup: none of its "
              "changes was applied. Carry the receipt back; the laptop then sends everything the server lacks in its next "
              "bundle or sync.\n";
    io.out << "Chưa áp dụng gói của / Not applied, the bundle of " << r.user << "; biên nhận / receipt: " << receipt_file << " ("
           << r.pulled << " thay đổi mang về / changes to carry back)\n";
    return 0;
  }
  io.out << "Đã nhận gói của / Applied the bundle of " << r.user << ": " << r.entries << " thay đổi/changes (" << r.refused
         << " từ chối/refused), " << r.attachments << " ảnh/photos; biên nhận / receipt: " << receipt_file << " (" << r.pulled
         << " thay đổi mang về / changes to carry back)\n";
  return 0;
}

int attachmentsWaitingCommand(ProvincialStorage& db, const Io& io, bool json_out) {
  const auto waiting = db.waitingAttachments();
  if (json_out) {
    json list = json::array();
    for (const auto& w : waiting)
      list.push_back({{"sha256", w.sha256}, {"document", w.doc_id}, {"district", w.district}, {"size", w.size}, {"received", w.received}});
    io.out << list.dump(2) << "\n";
    return 0;
  }
  for (const auto& w : waiting) {
    const auto record = db.head(w.doc_id);
    io.out << w.sha256.substr(0, 12) << "  " << (record ? recordName(*record) : w.doc_id.substr(0, 8)) << "  "
           << (w.district.empty() ? "*" : w.district) << "  " << w.received / 1024 << "/" << w.size / 1024 << " KiB\n";
  }
  io.out << waiting.size() << " ảnh đang chờ / attachments waiting\n";
  return 0;
}

// What someone looking after the server asks first: which database this is, whether it was
// restored from a backup, and what waits for someone.
int statusCommand(ProvincialStorage& db, const Io& io, bool json_out) {
  const auto who = db.identity();
  const auto conflicts = db.openConflictCount();
  const auto attachments = db.waitingAttachments().size();
  const auto parked = db.parkedChangeCount();
  if (json_out) {
    io.out << json{{"server_id", who.id},
                   {"restored_seq", who.restored_seq},
                   {"open_conflicts", conflicts},
                   {"attachments_waiting", attachments},
                   {"parked_changes", parked}}
                  .dump(2)
           << "\n";
    return 0;
  }
  io.out << "Danh tính máy chủ / Server identity: " << who.id << "\n";
  if (who.restored_seq > 0)
    io.out << "Đã khôi phục từ bản sao lưu (số thứ tự cao nhất của bản sao lưu: " << who.restored_seq
           << ") / Restored from a backup (its highest sequence: " << who.restored_seq << ")\n";
  io.out << "Xung đột chờ giám sát viên / Conflicts waiting for a supervisor: " << conflicts << "\n"
         << "Ảnh đang chờ / Attachments waiting: " << attachments << "\n";
  if (parked > 0)
    io.out << parked << " thay đổi chờ bản ghi mà chúng dựa vào (máy khác chưa gửi lại sau khi khôi phục) / " << parked
           << " changes wait for the record they are based on (another laptop has not sent it again since the restore)\n";
  return 0;
}

struct ConflictOptions {
  std::int64_t number = 0;
  bool all = false;
  bool json = false;
  std::vector<std::string> takes, sets;
  std::string by;
};

int conflictsResolveCommand(ProvincialStorage& db, const Io& io, const ConflictOptions& o) {
  auto by = activeUserAtCli(db, o.by);
  if (!by) return fail(io.err, by.problem());
  auto resolved = resolveConflict(db, by.value(), o.number, o.takes, o.sets);
  if (!resolved) return fail(io.err, resolved.problem());
  io.out << "Đã giải quyết / Resolved #" << o.number << ": " << resolved.value() << "\n";
  return 0;
}

int conflictsShowCommand(ProvincialStorage& db, const Io& io, const ConflictOptions& o, bool one) {
  const auto offset = provinceOffsetMinutes(db);
  const auto records = one ? db.conflicts({false, "", o.number}) : db.conflicts({!o.all, "", 0});
  if (one && records.empty())
    return fail(io.err, problem("Không có xung đột số " + std::to_string(o.number) + "; xem `conflicts list`.",
                                "There is no conflict number " + std::to_string(o.number) + "; see `conflicts list`."));
  if (o.json) {
    json list = json::array();
    for (const auto& r : records) list.push_back(conflictToJson(r, offset));
    io.out << (one ? list[0] : list).dump(2) << "\n";
    return 0;
  }
  const auto templates = db.heads(std::string(kinds::kTemplate));
  const auto lookup = [&db](const std::string& id) { return db.head(id); };
  for (const auto& r : records) printConflict(io.out, r, offset, one, {}, conflictNames(r, lookup, templates));
  if (!one) io.out << records.size() << (o.all ? " xung đột / conflicts\n" : " xung đột chưa giải quyết / open conflicts\n");
  return 0;
}

struct ReviewOptions {
  std::string ref, comment, by;
  bool approve = false, give_back = false;
};

int reviewCommand(ProvincialStorage& db, const Io& io, const ReviewOptions& o) {
  if (!o.approve && !o.give_back)
    return fail(io.err, problem("Chọn --approve (duyệt) hoặc --return --comment \"...\" (trả lại để sửa).",
                                "Choose --approve, or --return --comment \"...\" to return it for correction."));
  auto by = activeUserAtCli(db, o.by);
  if (!by) return fail(io.err, by.problem());
  auto reviewed = reviewRecord(db, by.value(), o.ref, {o.approve, o.comment});
  if (!reviewed) return fail(io.err, reviewed.problem());
  const auto state = reviewStateLabel(reviewState(reviewed.value()));
  io.out << state.vi << " / " << state.en << ": " << recordName(reviewed.value()) << "\n";
  return 0;
}

struct ReportOptions {
  std::string plan, district, format = "text", out_file;
};

int reportCommand(ProvincialStorage& db, const Io& io, const ReportOptions& o) {
  auto built = buildPlanReport(db, o.plan, o.district);
  if (!built) return fail(io.err, built.problem());
  const auto format = o.format == "csv"    ? ReportFormat::kCsv
                      : o.format == "json" ? ReportFormat::kJson
                      : o.format == "html" ? ReportFormat::kHtml
                                           : ReportFormat::kText;
  auto written = writeOutput(o.out_file, io.out, [&](std::ostream& to) { writePlanReport(to, built.value(), format); });
  if (!written) return fail(io.err, written.problem());
  db.audit("operator", "cli", "report", o.plan + " " + (o.district.empty() ? "*" : o.district) + " " + o.format);
  if (!o.out_file.empty()) io.out << "Đã ghi báo cáo / Report written: " << o.out_file << "\n";
  return 0;
}

struct ExportCommandOptions {
  ExportOptions records;
  std::string format, out_file, lang = "vi";
};

int exportCommand(ProvincialStorage& db, const Io& io, ExportCommandOptions o) {
  o.records.english = o.lang == "en";
  const auto sheet = o.records.english ? std::string("Records") : std::string("Hồ sơ");
  Result<std::size_t> rows = std::size_t{0};
  Result<bool> written = true;
  if (o.format == "xlsx") {
    if (o.out_file.empty()) return fail(io.err, problem("Tệp XLSX cần --out TỆP.xlsx.", "An XLSX export needs --out FILE.xlsx."));
    const auto partial = o.out_file + ".partial";
    auto table = xlsxWriter(partial, sheet);
    if (!table) return fail(io.err, table.problem());
    try {
      rows = exportRecords(db, o.records, *table.value());
    } catch (...) {
      table.value().reset();
      std::filesystem::remove(partial);
      throw;
    }
    table.value().reset();
    if (rows) std::filesystem::rename(partial, o.out_file);
    else std::filesystem::remove(partial);
  } else {
    written = writeOutput(o.out_file, io.out, [&](std::ostream& to) {
      auto table = o.format == "csv" ? csvWriter(to) : jsonlWriter(to);
      rows = exportRecords(db, o.records, *table);
    });
  }
  if (!rows) {
    if (!o.out_file.empty() && o.format != "xlsx") std::filesystem::remove(o.out_file);  // a header alone is no export
    return fail(io.err, rows.problem());
  }
  if (!written) return fail(io.err, written.problem());
  db.audit("operator", "cli", "export",
           o.records.kind + " " + (o.records.district.empty() ? "*" : o.records.district) + " " + o.format + " " +
               std::to_string(rows.value()) + " rows");
  if (!o.out_file.empty()) io.err << "Đã xuất / Exported " << rows.value() << " dòng/rows: " << o.out_file << "\n";
  return 0;
}

// serve's flags; each one given overrides the configuration file's key.
struct ServeFlags {
  std::vector<std::string> listen, trusted_proxies;
  std::string tls_cert, tls_key, log_format;
  bool plain_http_anywhere = false;
  unsigned threads = 0;  // 0: not given
};

// `config` (the file's, or the defaults) with each of serve's flags given over it.
Result<ServerConfig> withServeFlags(ServerConfig config, const ServeFlags& f) {
  if (!f.listen.empty()) {
    config.listen.clear();
    for (const auto& text : f.listen) {
      auto address = parseListenAddress(text);
      if (!address) return address.problem();
      config.listen.push_back(address.value());
    }
  }
  if (!f.tls_cert.empty()) config.tls_cert = f.tls_cert;
  if (!f.tls_key.empty()) config.tls_key = f.tls_key;
  if (config.tls_cert.empty() != config.tls_key.empty())
    return problem("HTTPS cần cả chứng chỉ và khóa (--tls-cert TỆP --tls-key TỆP, hoặc [tls] cert và key), hoặc không có cái nào.",
                   "HTTPS needs both the certificate and the key (--tls-cert FILE --tls-key FILE, or [tls] cert and key), or neither.");
  if (f.plain_http_anywhere) config.plain_http_anywhere = true;
  if (!f.trusted_proxies.empty()) {
    for (const auto& address : f.trusted_proxies)
      if (!isIpAddress(address))
        return problem("--trusted-proxy “" + address + "” không phải là một địa chỉ IP (ví dụ 10.0.0.5 hoặc ::1).",
                       "--trusted-proxy “" + address + "” is not an IP address (for example 10.0.0.5 or ::1).");
    config.trusted_proxies = f.trusted_proxies;
  }
  if (!f.log_format.empty()) config.log_format = f.log_format == "json" ? LogFormat::kJson : LogFormat::kText;
  if (f.threads != 0) config.threads = f.threads;
  return config;
}

int serveCommand(const Io& io, const ServerConfig& file_config, const ServeFlags& flags) {
  auto config = withServeFlags(file_config, flags);
  if (!config) return fail(io.err, config.problem());
  setDeviceTokenUnused(config.value().device_token_unused);
  return serve(config.value(), io.out, io.err);
}

struct BackupOptions {
  std::string to, seal_to;                // backup
  std::string public_file, secret_file;   // backup keygen
  std::string from, key;                  // restore
};

int backupCommand(const Io& io, const std::string& data_dir, const BackupOptions& o) {
  if (o.to.empty())
    return fail(io.err, problem("Hãy chỉ tệp sao lưu: backup --to TỆP.", "Name the backup file: backup --to FILE."));
  std::optional<std::filesystem::path> seal_to;
  if (!o.seal_to.empty()) seal_to = o.seal_to;
  auto done = writeBackup(data_dir, o.to, seal_to);
  if (!done) return fail(io.err, done.problem());
  const auto& s = done.value();
  io.out << "Đã sao lưu / Backed up " << data_dir << " → " << o.to << (s.sealed ? " (niêm phong / sealed)" : "") << "\n"
         << "  Máy chủ / Server: " << s.server_id << "\n"
         << "  Số thứ tự cao nhất / Highest sequence: " << s.highest_seq << "\n"
         << "  Cơ sở dữ liệu / Database: " << s.database_bytes << " bytes\n"
         << "  Ảnh / Attachments: " << s.attachments << "\n"
         << "  Tệp sao lưu / Archive: " << s.archive_bytes << " bytes\n";
  if (s.attachments_missing)
    io.err << "Cảnh báo: " << s.attachments_missing << " ảnh cơ sở dữ liệu ghi là đã nhận nhưng không có tệp; chúng không có trong bản sao lưu.\n"
           << "Warning: " << s.attachments_missing << " attachments the database holds as received have no file; they are not in the backup.\n";
  return 0;
}

int backupKeygenCommand(const Io& io, const BackupOptions& o) {
  auto made = makeBackupKeys(o.public_file, o.secret_file);
  if (!made) return fail(io.err, made.problem());
  io.out << "Đã tạo cặp khóa / Made a key pair:\n  công khai / public: " << o.public_file
         << " (dùng với / use with backup --seal-to)\n  bí mật / secret: " << o.secret_file
         << " (chỉ chủ sở hữu đọc được; cất giữ ngoài máy chủ / owner-only; keep it off the server, needed by restore --key)\n";
  return 0;
}

int restoreCommand(const Io& io, const std::string& data_dir, const BackupOptions& o) {
  std::optional<std::filesystem::path> key;
  if (!o.key.empty()) key = o.key;
  auto done = restoreBackup(o.from, data_dir, key);
  if (!done) return fail(io.err, done.problem());
  const auto& s = done.value();
  io.out << "Đã khôi phục / Restored " << o.from << " → " << data_dir << "\n"
         << "  Máy chủ đã sao lưu / Server backed up: " << s.backed_up_server_id << "\n"
         << "  Danh tính mới / New identity: " << s.server_id << "\n"
         << "  Số thứ tự cao nhất trong bản sao lưu / Highest sequence in the backup: " << s.restored_seq << "\n"
         << "  Ảnh / Attachments: " << s.attachments << "\n"
         << "Khi đồng bộ, mỗi máy tính xách tay gửi lại những gì máy chủ này thiếu. / At their next sync, laptops send again "
            "what this server lacks.\n";
  return 0;
}

}  // namespace

int runServerCli(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err) {
  CLI::App app{"fieldcheck-server — máy chủ đồng bộ cấp tỉnh / the provincial sync server"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string data_dir, config_file;
  app.add_option("--data", data_dir,
                 "Thư mục dữ liệu của tỉnh; thay cho [server] data của tệp cấu hình / the provincial data folder; "
                 "overrides [server] data of the configuration file");
  app.add_option("--config", config_file,
                 "Tệp cấu hình TOML, ví dụ /etc/fieldcheck/server.toml / the configuration file (TOML), for example "
                 "/etc/fieldcheck/server.toml");
  bool json_out = false;

  auto* init = app.add_subcommand("init", "Tạo cơ sở dữ liệu tỉnh từ thư mục mẫu / create the provincial database from a seed folder");
  std::string seed_dir;
  init->add_option("--seed", seed_dir, "Thư mục dữ liệu mẫu / seed folder")->required();

  auto* user = app.add_subcommand("user", "Người dùng / users");
  user->require_subcommand(1);
  UserAddOptions user_add_options;
  auto* user_add = user->add_subcommand("add", "Thêm người dùng; mật khẩu đọc từ đầu vào chuẩn / add a user; password read from standard input");
  user_add->add_option("NAME", user_add_options.name, "Tên đăng nhập / login name")->required();
  user_add->add_option("--role", user_add_options.role, "inspector | supervisor | provincial | admin")
      ->required()
      ->check(CLI::IsMember({"inspector", "supervisor", "provincial", "admin"}));
  user_add->add_option("--district", user_add_options.district, "Huyện (mã hoặc tên) / district code or name");
  auto* user_list = user->add_subcommand("list", "Danh sách người dùng / list users");
  user_list->add_flag("--json", json_out, "In JSON / print JSON");
  std::string revoked_user, reset_user;
  auto* user_revoke = user->add_subcommand("revoke", "Thu hồi quyền truy cập ngay / revoke a user's access at once");
  user_revoke->add_option("NAME", revoked_user, "Tên đăng nhập / login name")->required();
  auto* user_reset = user->add_subcommand(
      "reset", "Cấp mã dùng một lần làm mật khẩu, phải đổi khi dùng lần đầu / give a one-time code as password, changed at first use");
  user_reset->add_option("NAME", reset_user, "Tên đăng nhập / login name")->required();
  std::string devices_user;
  auto* user_devices = user->add_subcommand(
      "devices", "Các máy của một người dùng: đăng nhập khi nào, lần cuối thấy / a user's laptops: enrolled, last seen");
  user_devices->add_option("NAME", devices_user, "Tên đăng nhập / login name")->required();
  user_devices->add_flag("--json", json_out, "In JSON / print JSON");

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

  auto* status = app.add_subcommand(
      "status", "Tình trạng máy chủ: danh tính, xung đột, ảnh và thay đổi đang chờ / the server's state: identity, what waits");
  status->add_flag("--json", json_out, "In JSON / print JSON");

  auto* conflicts = app.add_subcommand("conflicts", "Xung đột chờ giám sát viên quyết định / conflicts waiting for a supervisor");
  conflicts->require_subcommand(1);
  ConflictOptions conflict;
  auto* conflicts_list = conflicts->add_subcommand("list", "Các xung đột chưa giải quyết / open conflicts");
  conflicts_list->add_flag("--json", conflict.json, "In JSON / print JSON");
  conflicts_list->add_flag("--all", conflict.all, "Cả xung đột đã giải quyết / resolved ones too");
  auto* conflicts_show = conflicts->add_subcommand("show", "Một xung đột: gốc và hai bên / one conflict: base and both sides");
  conflicts_show->add_option("ID", conflict.number, "Số xung đột / conflict number")->required();
  conflicts_show->add_flag("--json", conflict.json, "In JSON / print JSON");
  auto* conflicts_resolve = conflicts->add_subcommand(
      "resolve", "Quyết định một xung đột: giữ giá trị đang áp dụng, lấy bên kia hoặc nhập giá trị mới / decide a conflict: keep "
                 "the value applied, take the other or enter a new value");
  conflicts_resolve->add_option("ID", conflict.number, "Số xung đột / conflict number")->required();
  conflicts_resolve->add_option("--take", conflict.takes, "applied | other | TRƯỜNG/FIELD=applied|other");
  conflicts_resolve->add_option("--set", conflict.sets, "TRƯỜNG=GIÁ_TRỊ / FIELD=VALUE");
  conflicts_resolve->add_option("--by", conflict.by, "Người quyết định (tên đăng nhập) / who decides (login name)")->required();

  auto* review = app.add_subcommand(
      "review", "Duyệt hoặc trả lại một phiếu đã hoàn tất / approve or return a finalized inspection");
  ReviewOptions review_options;
  review->add_option("ID", review_options.ref, "Số phiếu (HA-2-0007) hoặc mã / the record's number (HA-2-0007) or id")->required();
  auto* approve_flag = review->add_flag("--approve", review_options.approve, "Duyệt / approve");
  review->add_flag("--return", review_options.give_back, "Trả lại để sửa / return for correction")->excludes(approve_flag);
  review->add_option("--comment", review_options.comment, "Nhận xét; bắt buộc khi trả lại / comment; needed to return");
  review->add_option("--by", review_options.by, "Giám sát viên (tên đăng nhập) / the supervisor (login name)")->required();

  auto* report = app.add_subcommand(
      "report", "Báo cáo tiến độ thực hiện kế hoạch theo chỉ tiêu và huyện / progress against the plan's targets, per district");
  ReportOptions report_options;
  report->add_option("--plan", report_options.plan, "Mã kế hoạch, ví dụ 632-KH-UBND-2019 / the plan's code")->required();
  report->add_option("--district", report_options.district, "Chỉ một huyện (tên hoặc mã) / one district only");
  report->add_option("--format", report_options.format, "text | csv | json | html")->check(CLI::IsMember({"text", "csv", "json", "html"}));
  report->add_option("--out", report_options.out_file, "Ghi ra tệp thay vì màn hình / write to a file");

  auto* export_cmd = app.add_subcommand(
      "export", "Xuất hồ sơ ra bảng tính: mỗi hồ sơ một dòng, mỗi câu hỏi một cột / records for a spreadsheet: a row each, a column per question");
  ExportCommandOptions export_options;
  export_cmd->add_option("--kind", export_options.records.kind, "inspection | report | establishment | conflict")
      ->required()
      ->check(CLI::IsMember({"inspection", "report", "establishment", "conflict"}));
  export_cmd->add_option("--district", export_options.records.district, "Chỉ một huyện / one district only");
  export_cmd->add_option("--since", export_options.records.changed_since, "Chỉ hồ sơ thay đổi từ ngày YYYY-MM-DD / changed on or after");
  export_cmd->add_option("--format", export_options.format, "csv | xlsx | jsonl")->required()->check(CLI::IsMember({"csv", "xlsx", "jsonl"}));
  export_cmd->add_option("--out", export_options.out_file, "Tệp kết quả (bắt buộc với xlsx) / output file (needed for xlsx)");
  export_cmd->add_option("--lang", export_options.lang, "vi | en: tiêu đề cột / column headers")->check(CLI::IsMember({"vi", "en"}));

  auto* serve_cmd = app.add_subcommand(
      "serve", "Phục vụ đồng bộ và bảng điều khiển qua HTTP(S); mỗi tùy chọn thay khóa của tệp cấu hình / serve sync and the "
               "console over HTTP(S); each option overrides the configuration file's key");
  ServeFlags serve_flags;
  serve_cmd->add_option("--listen", serve_flags.listen,
                        "HOST:CỔNG, nhắc lại được / HOST:PORT, repeatable ([server] listen; default 127.0.0.1:8470; PORT 0 "
                        "picks a free one)");
  serve_cmd->add_option("--tls-cert", serve_flags.tls_cert, "Chứng chỉ PEM / the certificate, PEM ([tls] cert)");
  serve_cmd->add_option("--tls-key", serve_flags.tls_key, "Khóa riêng PEM / the private key, PEM ([tls] key)");
  serve_cmd->add_flag("--plain-http-anywhere", serve_flags.plain_http_anywhere,
                      "HTTP thường trên mọi địa chỉ, sau một proxy TLS / plain HTTP on every address, behind a TLS proxy "
                      "([tls] plain_http = \"anywhere\")");
  serve_cmd->add_option("--trusted-proxy", serve_flags.trusted_proxies,
                        "Địa chỉ IP của proxy TLS được tin, nhắc lại được / a trusted TLS proxy's IP address, repeatable "
                        "([tls] trusted_proxies)");
  serve_cmd->add_option("--log-format", serve_flags.log_format, "text | json ([log] format)")
      ->check(CLI::IsMember({"text", "json"}));
  serve_cmd->add_option("--threads", serve_flags.threads, "1..64 ([server] threads)")->check(CLI::Range(1u, 64u));

  auto* backup_cmd = app.add_subcommand(
      "backup", "Sao lưu cơ sở dữ liệu và ảnh khi máy chủ đang chạy / back up the database and attachments while serving");
  BackupOptions backup_options;
  backup_cmd->add_option("--to", backup_options.to, "Tệp sao lưu / the backup file");
  backup_cmd->add_option("--seal-to", backup_options.seal_to,
                         "Niêm phong cho khóa công khai trong tệp này (backup keygen) / seal to the public key in this file");
  auto* backup_keygen = backup_cmd->add_subcommand("keygen", "Tạo cặp khóa niêm phong bản sao lưu / make a key pair for sealing backups");
  backup_keygen->add_option("--public", backup_options.public_file, "Tệp khóa công khai / the public key file")->required();
  backup_keygen->add_option("--secret", backup_options.secret_file, "Tệp khóa bí mật / the secret key file")->required();
  auto* restore_cmd = app.add_subcommand(
      "restore", "Khôi phục bản sao lưu vào thư mục --data mới / restore a backup into a new --data folder");
  restore_cmd->add_option("--from", backup_options.from, "Tệp sao lưu / the backup file")->required();
  restore_cmd->add_option("--key", backup_options.key, "Tệp khóa bí mật của bản niêm phong / the secret key file of a sealed backup");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportUsageError(app, e, out, err);
  }
  const Io io{in, out, err};
  if (backup_keygen->parsed()) return backupKeygenCommand(io, backup_options);  // needs no data folder
  // The configuration file first, then the command line over it; every command reads the data
  // folder from it.
  ServerConfig config;
  if (!config_file.empty()) {
    auto loaded = loadServerConfig(config_file);
    if (!loaded) {
      fail(err, loaded.problem());
      return kConfigRefusedExit;
    }
    config = std::move(loaded.value());
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (config.data_dir.empty()) {
    fail(err, problem("Cần thư mục dữ liệu của tỉnh: --data THƯ_MỤC, hoặc --config TỆP có [server] data.",
                      "The provincial data folder is needed: --data FOLDER, or --config FILE with [server] data."));
    return 2;
  }
  data_dir = config.data_dir.string();
  if (serve_cmd->parsed()) return serveCommand(io, config, serve_flags);
  if (backup_cmd->parsed()) return backupCommand(io, data_dir, backup_options);
  if (restore_cmd->parsed()) return restoreCommand(io, data_dir, backup_options);

  // Every other command works on the provincial database. A broken promise of the machine (a
  // failing disk, a damaged file) is told here, once, for all of them.
  try {
    if (init->parsed()) makePrivateDir(data_dir);
    auto storage = openSqliteStorage(data_dir, init->parsed());
    if (!storage) return fail(err, storage.problem());
    auto& db = *storage.value();
    if (init->parsed()) return initCommand(db, io, data_dir, seed_dir);
    if (user_add->parsed()) return userAddCommand(db, io, user_add_options);
    if (user_list->parsed()) return userListCommand(db, io, json_out);
    if (user_revoke->parsed()) return userRevokeCommand(db, io, revoked_user);
    if (user_reset->parsed()) return userResetCommand(db, io, reset_user);
    if (user_devices->parsed()) return userDevicesCommand(db, io, devices_user, json_out, config.device_token_unused);
    if (device_list->parsed()) return deviceListCommand(db, io, device_user, json_out);
    if (device_revoke->parsed()) return deviceRevokeCommand(db, io, device_ref);
    if (bundle_import->parsed()) return bundleImportCommand(db, io, bundle_file, receipt_file);
    if (attachments_waiting->parsed()) return attachmentsWaitingCommand(db, io, json_out);
    if (status->parsed()) return statusCommand(db, io, json_out);
    if (conflicts_resolve->parsed()) return conflictsResolveCommand(db, io, conflict);
    if (conflicts_list->parsed() || conflicts_show->parsed()) return conflictsShowCommand(db, io, conflict, conflicts_show->parsed());
    if (review->parsed()) return reviewCommand(db, io, review_options);
    if (report->parsed()) return reportCommand(db, io, report_options);
    if (export_cmd->parsed()) return exportCommand(db, io, export_options);
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
