#include "operator_actions.h"

#include <algorithm>

#include <sodium.h>

#include "accounts.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

template <class T>
Acted<T> refused(Refusal refusal, std::string vi, std::string en, std::string field = "") {
  return Acted<T>(refusal, problem(std::move(vi), std::move(en)), std::move(field));
}

template <class T>
Acted<T> mayNotManagePeople(const Actor& by) {
  return refused<T>(Refusal::kForbidden, "“" + by.name + "” không được quản lý người dùng và máy; việc này của quản trị viên.",
                    "“" + by.name + "” may not manage users and laptops; that is the administrator's.");
}

// A device's district is its user's; "" for a province-wide user's.
std::map<std::string, std::string> districtsOfUsers(ProvincialStorage& db) {
  std::map<std::string, std::string> districts;
  for (const auto& u : db.users()) districts[u.name] = u.district.value_or("");
  return districts;
}

// The checks of a new user, in the order a person fixes them: who adds, the name, the role, the
// district; the user as it would be stored.
Acted<User> newUserChecked(ProvincialStorage& db, const Actor& by, const std::string& name, const std::string& role,
                           const std::optional<std::string>& district) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<User>(by);
  if (!isValidUserName(name))
    return refused<User>(Refusal::kInvalid, "Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '_', '-' (tối đa 64 ký tự).",
                         "A login name has only unaccented letters, digits, '.', '_' and '-' (64 at most).", "name");
  const auto parsed = parseRole(role);
  if (!parsed)
    return refused<User>(Refusal::kInvalid, "Vai trò “" + role + "” không có (inspector, supervisor, provincial, admin).",
                         "There is no role “" + role + "” (inspector, supervisor, provincial, admin).", "role");
  User u;
  u.name = name;
  u.role = *parsed;
  if (district && !district->empty()) {
    if (!mayHaveDistrict(u.role))
      return refused<User>(Refusal::kInvalid, "Người dùng cấp tỉnh và quản trị thấy toàn tỉnh; hãy bỏ huyện.",
                           "Provincial and admin users see the whole province; leave the district out.", "district");
    auto code = db.findDistrict(*district);
    if (!code) {
      std::string known;
      for (const auto& [c, n] : db.districts()) known += (known.empty() ? "" : ", ") + n;
      return refused<User>(Refusal::kInvalid, "Không có huyện “" + *district + "”. Các huyện: " + known + ".",
                           "There is no district “" + *district + "”. Districts: " + known + ".", "district");
    }
    u.district = *code;
  } else if (needsDistrict(u.role)) {
    return refused<User>(Refusal::kInvalid, "Cán bộ kiểm tra phải thuộc một huyện: hãy chọn huyện.",
                         "An inspector belongs to a district: choose the district.", "district");
  }
  return u;
}

void auditUserAdded(ProvincialStorage& db, const Actor& by, const User& u, bool one_time) {
  db.audit(by.name, by.device, "user.add",
           u.name + " " + std::string(roleName(u.role)) + " " + u.district.value_or("*") + (one_time ? " (one-time code)" : ""));
}

}  // namespace

Actor commandLineOperator() { return Actor{"operator", Role::kAdmin, std::nullopt, "cli", true}; }

Actor actorOf(const User& user, const std::string& device) { return Actor{user.name, user.role, user.district, device, false}; }

Result<Actor> activeUserAtCli(ProvincialStorage& db, const std::string& name) {
  const auto who = db.userWithHash(name);
  if (!who || who->first.revoked)
    return problem("“" + name + "” không phải người dùng còn hiệu lực.", "“" + name + "” is not an active user.");
  return actorOf(who->first, "cli");
}

std::string newOneTimeCode() {
  // No 0/O, 1/I/L: a code read aloud or copied from a screen is typed right the first time.
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  std::string code;
  for (int i = 0; i < 16; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  }
  return code;
}

Result<InitOutcome> initFromSeed(ProvincialStorage& db, const std::string& seed_dir) {
  auto seed = loadSeed(seed_dir);
  if (!seed) return seed.problem();
  auto added = db.importSeed(seed.value());
  if (!added) return added.problem();
  db.audit("operator", "cli", "init", "seed " + seed_dir + ": " + std::to_string(added.value()) + " documents added");
  return InitOutcome{seed.value().province, added.value()};
}

Acted<User> addUser(ProvincialStorage& db, const Actor& by, const std::string& name, const std::string& role,
                    const std::optional<std::string>& district, const std::string& password) {
  auto checked = newUserChecked(db, by, name, role, district);
  if (!checked) return checked;
  if (password.size() < tuning::kMinPasswordBytes || password.size() > tuning::kMaxPasswordBytes)
    return refused<User>(Refusal::kInvalid, "Mật khẩu phải dài từ 8 đến 1024 byte (đọc một dòng từ đầu vào chuẩn).",
                         "The password must be 8 to 1024 bytes long (one line read from standard input).", "password");
  auto added = db.addUser(checked.value(), hashPassword(password));
  if (!added) return Acted<User>(Refusal::kConflict, added.problem(), "name");
  auditUserAdded(db, by, added.value(), false);
  return added.value();
}

Acted<NewUser> addUserWithCode(ProvincialStorage& db, const Actor& by, const std::string& name, const std::string& role,
                               const std::optional<std::string>& district) {
  auto checked = newUserChecked(db, by, name, role, district);
  if (!checked) return Acted<NewUser>(checked.refusal(), checked.problem(), checked.field());
  const auto code = newOneTimeCode();
  const auto hash = hashPassword(code);
  auto added = db.addUser(checked.value(), hash);
  if (!added) return Acted<NewUser>(Refusal::kConflict, added.problem(), "name");
  // Added with the code as an ordinary password, which nobody has seen yet; only marked one-time
  // can it be shown.
  auto marked = db.setPassword(name, hash, true, "");
  if (!marked)
    return refused<NewUser>(Refusal::kConflict,
                            "Đã thêm “" + name + "” nhưng chưa đặt được mã dùng một lần (" + marked.problem().message.vi +
                                "); hãy cấp lại mật khẩu cho người này.",
                            "“" + name + "” was added but their one-time code could not be set (" + marked.problem().message.en +
                                "); reset their password.");
  auditUserAdded(db, by, marked.value(), true);
  return NewUser{marked.value(), code};
}

Acted<std::string> resetPassword(ProvincialStorage& db, const Actor& by, const std::string& name) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<std::string>(by);
  const auto who = db.userWithHash(name);
  if (!who) return refused<std::string>(Refusal::kNotFound, "Không có người dùng “" + name + "”.", "There is no user “" + name + "”.");
  if (who->first.revoked)
    return refused<std::string>(Refusal::kConflict, "“" + name + "” đã bị thu hồi quyền; hãy thêm một người dùng mới.",
                                "“" + name + "” was revoked; add a new user instead.");
  const auto code = newOneTimeCode();
  auto set = db.setPassword(name, hashPassword(code), true, "");
  if (!set) return Acted<std::string>(Refusal::kConflict, set.problem());
  db.audit(by.name, by.device, "user.reset", name);
  return code;
}

Acted<RevokedUser> revokeUser(ProvincialStorage& db, const Actor& by, const std::string& name) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<RevokedUser>(by);
  if (!by.holds_server && by.name == name)
    return refused<RevokedUser>(Refusal::kConflict, "Không tự thu hồi quyền của chính mình được; hãy nhờ một quản trị viên khác.",
                                "You cannot revoke yourself; ask another administrator.");
  auto revoked = db.revokeUser(name);
  if (!revoked) return Acted<RevokedUser>(Refusal::kNotFound, revoked.problem());
  db.audit(by.name, by.device, "user.revoke", name);
  auto now = db.userWithHash(name);
  if (!now) return refused<RevokedUser>(Refusal::kNotFound, "Không có người dùng “" + name + "”.", "There is no user “" + name + "”.");
  return RevokedUser{now->first, revoked.value()};
}

Acted<std::vector<User>> listUsers(ProvincialStorage& db, const Actor& by) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<std::vector<User>>(by);
  return db.users();
}

Acted<std::vector<DeviceRecord>> listDevices(ProvincialStorage& db, const Actor& by, const std::string& user) {
  const auto districts = districtsOfUsers(db);
  const auto owner = districts.find(user);
  if (!user.empty() && (owner == districts.end() || !maySee(by.role, by.district, owner->second)))
    return refused<std::vector<DeviceRecord>>(Refusal::kNotFound, "Không có người dùng “" + user + "”.",
                                              "There is no user “" + user + "”.");
  std::vector<DeviceRecord> devices;
  for (const auto& [name, district] : districts)
    if ((user.empty() || name == user) && maySee(by.role, by.district, district))
      for (auto& d : db.devices(name)) devices.push_back(std::move(d));
  return devices;
}

Acted<DeviceRecord> revokeDevice(ProvincialStorage& db, const Actor& by, const std::string& device_id) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<DeviceRecord>(by);
  auto revoked = db.revokeDevice(device_id);
  if (!revoked) return Acted<DeviceRecord>(Refusal::kNotFound, revoked.problem());
  db.audit(by.name, by.device, "device.revoke", revoked.value().id + " of " + revoked.value().user);
  return revoked.value();
}

Acted<DeviceRecord> revokeDeviceByRef(ProvincialStorage& db, const Actor& by, const std::string& ref) {
  if (!mayManagePeople(by.role)) return mayNotManagePeople<DeviceRecord>(by);
  std::vector<std::string> matching;
  const auto devices = listDevices(db, by, "");  // kept: a loop over value() of a temporary would dangle
  for (const auto& d : devices.value())
    if (ref.size() >= 4 && d.id.rfind(ref, 0) == 0) matching.push_back(d.id);
  if (matching.empty())
    return refused<DeviceRecord>(Refusal::kNotFound,
                                 "Không có máy “" + ref + "” (cần ít nhất 4 ký tự đầu của mã; xem `device list`).",
                                 "There is no device “" + ref + "” (give at least its first 4 characters; see `device list`).");
  if (matching.size() > 1)
    return refused<DeviceRecord>(Refusal::kInvalid, "Có nhiều máy bắt đầu bằng “" + ref + "”; hãy gõ thêm ký tự.",
                                 "Several devices begin with “" + ref + "”; type more of the id.");
  return revokeDevice(db, by, matching.front());
}

Result<std::string> findRecordId(ProvincialStorage& db, const std::string& ref) {
  std::vector<std::string> ids;
  if (const auto number = parseRecordNumber(ref)) {
    ids = db.idsWithNumber(number->text());
    if (ids.empty())
      return problem("Không có phiếu số " + number->text() + ".", "There is no record numbered " + number->text() + ".");
    if (ids.size() > 1)  // two laptops that never logged in drew the same marker (record_number.h)
      return problem("Có nhiều phiếu số " + number->text() + "; hãy dùng mã: " + ids[0] + ", " + ids[1] + ".",
                     "Several records are numbered " + number->text() + "; use an id: " + ids[0] + ", " + ids[1] + ".");
    return ids.front();
  }
  std::string prefix = ref;
  for (auto& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (prefix.size() >= 4)
    for (const auto kind : {kinds::kInspection, kinds::kReport})
      for (auto& id : db.idsWithPrefix(std::string(kind), prefix, 2)) ids.push_back(std::move(id));
  if (ids.size() == 1) return ids.front();
  if (ids.empty())
    return problem("Không có phiếu “" + ref + "” (số phiếu như HA-2-0007, hoặc ít nhất 4 ký tự đầu của mã).",
                   "There is no record “" + ref + "” (give its number, such as HA-2-0007, or at least the first 4 characters of its id).");
  return problem("Có nhiều phiếu bắt đầu bằng “" + ref + "”; hãy gõ thêm ký tự.", "Several records begin with “" + ref + "”; type more of the id.");
}

std::int32_t provinceOffsetMinutes(ProvincialStorage& db) {
  return static_cast<std::int32_t>(std::stoi(db.setting("utc_offset_minutes").value_or("0")));
}

Acted<Document> reviewRecord(ProvincialStorage& db, const Actor& by, const std::string& record_ref,
                             const ReviewDecision& decision) {
  if (!mayReview(by.role))
    return refused<Document>(Refusal::kForbidden,
                             "“" + by.name + "” không được duyệt hay trả lại phiếu (việc của giám sát viên, cán bộ tỉnh, quản trị).",
                             "“" + by.name + "” may not approve or return records (a supervisor's, provincial officer's or admin's).");
  if (!decision.approve && decision.comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    const bool cli = by.device == "cli";
    return refused<Document>(Refusal::kInvalid,
                             std::string("Trả lại phiếu phải kèm lý do") + (cli ? " (--comment \"...\")" : " (nhận xét)") +
                                 " để cán bộ kiểm tra biết cần sửa gì.",
                             std::string("Returning a record needs a reason") + (cli ? " (--comment \"...\")" : " (a comment)") +
                                 " so the inspector knows what to correct.");
  }
  if (decision.comment.size() > kMaxReviewCommentBytes)
    return refused<Document>(Refusal::kInvalid,
                             "Nhận xét dài quá " + std::to_string(kMaxReviewCommentBytes) + " byte; hãy viết ngắn lại.",
                             "The comment is over " + std::to_string(kMaxReviewCommentBytes) + " bytes; make it shorter.");
  auto id = findRecordId(db, record_ref);  // periodic reports are reviewed alike
  if (!id) return Acted<Document>(Refusal::kNotFound, id.problem());
  const auto now = DateTime{wallClockMs() / 1000 * 1000, provinceOffsetMinutes(db)};
  auto refusal = Refusal::kNotFound;  // until the head is read: amend found no such document
  auto reviewed = db.amend(id.value(), [&](const Document& record) -> Result<Fields> {
    if (record.deleted)
      return problem("Phiếu " + recordName(record) + " đã bị hủy.", "Record " + recordName(record) + " was discarded.");
    if (!mayReviewIn(by.role, by.district, textField(record, inspection_fields::kDistrict)))
      return problem("Phiếu này thuộc huyện khác, ngoài phạm vi của “" + by.name + "”.",
                     "This inspection is in another district, outside “" + by.name + "”'s scope.");
    refusal = Refusal::kConflict;
    return reviewedFields(record, decision, by.name, now);
  }, by.name);
  if (!reviewed) return Acted<Document>(refusal, reviewed.problem());
  db.audit(by.name, by.device, decision.approve ? "inspection.approve" : "inspection.return",
           id.value() + " -> " + reviewed.value().revision);
  return reviewed.value();
}

Acted<ReviewedMany> reviewMany(ProvincialStorage& db, const Actor& by, const std::vector<std::string>& record_refs,
                               const ReviewDecision& decision) {
  if (record_refs.size() > tuning::kMaxReviewBatch)
    return refused<ReviewedMany>(Refusal::kInvalid,
                                 "Mỗi lần duyệt tối đa " + std::to_string(tuning::kMaxReviewBatch) + " phiếu; hãy chia nhỏ.",
                                 "At most " + std::to_string(tuning::kMaxReviewBatch) + " records at once; split the selection.");
  ReviewedMany outcome;
  for (const auto& ref : record_refs) {
    auto one = reviewRecord(db, by, ref, decision);
    if (one) {
      outcome.reviewed.push_back(std::move(one.value()));
      continue;
    }
    // A role that may not review at all is refused once, for the whole batch.
    if (one.refusal() == Refusal::kForbidden) return Acted<ReviewedMany>(Refusal::kForbidden, one.problem());
    ReviewRefused r{ref, "", "", one.refusal(), one.problem()};
    if (one.refusal() != Refusal::kNotFound)
      if (auto id = findRecordId(db, ref); id)
        if (auto head = db.head(id.value())) {
          r.id = id.value();
          r.number = recordName(*head);
        }
    outcome.refused.push_back(std::move(r));
  }
  return outcome;
}

Acted<std::string> resolveConflict(ProvincialStorage& db, const Actor& by, std::int64_t number,
                                   const std::vector<std::string>& takes, const std::vector<std::string>& sets) {
  if (!mayResolveConflicts(by.role))
    return refused<std::string>(Refusal::kForbidden,
                                "“" + by.name + "” không được giải quyết xung đột (việc của giám sát viên, cán bộ tỉnh, quản trị).",
                                "“" + by.name + "” may not resolve conflicts (a supervisor's, provincial officer's or admin's).");
  const auto found = db.conflicts({false, "", number});
  if (found.empty())
    return refused<std::string>(Refusal::kNotFound,
                                "Không có xung đột số " + std::to_string(number) + "; xem `conflicts list`.",
                                "There is no conflict number " + std::to_string(number) + "; see `conflicts list`.");
  const auto& record = found.front();
  if (!mayResolveIn(by.role, by.district, record.district))
    return refused<std::string>(Refusal::kNotFound, "Xung đột này thuộc huyện khác, ngoài phạm vi của “" + by.name + "”.",
                                "This conflict is in another district, outside “" + by.name + "”'s scope.");
  if (record.resolved)
    return refused<std::string>(Refusal::kConflict,
                                "Xung đột số " + std::to_string(number) + " đã được " + record.resolved_by + " giải quyết.",
                                "Conflict number " + std::to_string(number) + " was already resolved by " + record.resolved_by + ".");
  const auto current = db.head(record.doc_id);
  if (!current)
    return refused<std::string>(Refusal::kConflict, "Hồ sơ của xung đột không còn trên máy chủ.",
                                "The conflict's record is no longer on the server.");
  auto decision = decisionFromInput(takes, sets, *current, db.heads(std::string(kinds::kTemplate)), provinceOffsetMinutes(db));
  if (!decision) return Acted<std::string>(Refusal::kInvalid, decision.problem());
  auto resolved = db.resolveConflict(number, decision.value(), by.name);
  // Open a moment ago: what storage refuses now is a decision that leaves a field undecided or
  // names one not in conflict.
  if (!resolved) return Acted<std::string>(Refusal::kInvalid, resolved.problem());
  db.audit(by.name, by.device, "conflict.resolve", "#" + std::to_string(number) + " -> " + resolved.value());
  return resolved.value();
}

Acted<BundleImport> importBundleAs(ProvincialStorage& db, const Actor& by, std::string_view bundle_file) {
  if (!mayImportBundles(by.role))
    return refused<BundleImport>(Refusal::kForbidden, "“" + by.name + "” không được nhận gói dữ liệu (việc của cán bộ tỉnh, quản trị).",
                                 "“" + by.name + "” may not import bundles (a provincial officer's or admin's).");
  auto imported = importBundle(db, bundle_file);
  if (!imported) return Acted<BundleImport>(Refusal::kInvalid, imported.problem());
  db.audit(by.name, by.device, "bundle.import.by",
           "bundle of " + imported.value().user + ": " + std::to_string(imported.value().entries) + " entries");
  return std::move(imported.value());
}

}  // namespace fieldcheck::server
