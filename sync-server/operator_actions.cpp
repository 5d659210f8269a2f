#include "operator_actions.h"

#include <algorithm>

#include "accounts.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

// `name` as an active user whose role may do what `may` allows (roles.h).
Result<User> actingUser(ProvincialStorage& db, const std::string& name, bool (*may)(Role)) {
  const auto who = db.userWithHash(name);
  if (!who || who->first.revoked || !may(who->first.role))
    return problem("“" + name + "” không phải giám sát viên, cán bộ tỉnh hay quản trị còn hiệu lực.",
                   "“" + name + "” is not an active supervisor, provincial officer or admin.");
  return who->first;
}

}  // namespace

Result<InitOutcome> initFromSeed(ProvincialStorage& db, const std::string& seed_dir) {
  auto seed = loadSeed(seed_dir);
  if (!seed) return seed.problem();
  auto added = db.importSeed(seed.value());
  if (!added) return added.problem();
  db.audit("operator", "cli", "init", "seed " + seed_dir + ": " + std::to_string(added.value()) + " documents added");
  return InitOutcome{seed.value().province, added.value()};
}

Result<User> addUser(ProvincialStorage& db, const std::string& name, const std::string& role,
                     const std::optional<std::string>& district, const std::string& password) {
  if (!isValidUserName(name))
    return problem("Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '_', '-' (tối đa 64 ký tự).",
                   "A login name has only unaccented letters, digits, '.', '_' and '-' (64 at most).");
  const auto parsed = parseRole(role);
  if (!parsed) return problem("Vai trò “" + role + "” không có.", "There is no role “" + role + "”.");
  User u;
  u.name = name;
  u.role = *parsed;
  if (district) {
    if (u.role == Role::kProvincial || u.role == Role::kAdmin)
      return problem("Người dùng cấp tỉnh và quản trị thấy toàn tỉnh; hãy bỏ --district.",
                     "Provincial and admin users see the whole province; drop --district.");
    auto code = db.findDistrict(*district);
    if (!code) {
      std::string known;
      for (const auto& [c, n] : db.districts()) known += (known.empty() ? "" : ", ") + n;
      return problem("Không có huyện “" + *district + "”. Các huyện: " + known + ".",
                     "There is no district “" + *district + "”. Districts: " + known + ".");
    }
    u.district = *code;
  } else if (u.role == Role::kInspector) {
    return problem("Cán bộ kiểm tra phải thuộc một huyện: thêm --district.", "An inspector belongs to a district: add --district.");
  }
  if (password.size() < tuning::kMinPasswordBytes || password.size() > tuning::kMaxPasswordBytes)
    return problem("Mật khẩu phải dài từ 8 đến 1024 byte (đọc một dòng từ đầu vào chuẩn).",
                   "The password must be 8 to 1024 bytes long (one line read from standard input).");
  auto added = db.addUser(u, hashPassword(password));
  if (!added) return added.problem();
  db.audit("operator", "cli", "user.add", name + " " + std::string(roleName(u.role)) + " " + u.district.value_or("*"));
  return u;
}

Result<std::vector<DeviceRecord>> listDevices(ProvincialStorage& db, const std::string& user) {
  if (!user.empty() && !db.userWithHash(user))
    return problem("Không có người dùng “" + user + "”.", "There is no user “" + user + "”.");
  std::vector<DeviceRecord> devices;
  for (const auto& u : db.users())
    if (user.empty() || u.name == user)
      for (auto& d : db.devices(u.name)) devices.push_back(std::move(d));
  return devices;
}

Result<DeviceRecord> revokeDeviceByRef(ProvincialStorage& db, const std::string& ref) {
  std::vector<std::string> matching;
  const auto devices = listDevices(db, "");  // kept: a loop over value() of a temporary would dangle
  for (const auto& d : devices.value())
    if (ref.size() >= 4 && d.id.rfind(ref, 0) == 0) matching.push_back(d.id);
  if (matching.empty())
    return problem("Không có máy “" + ref + "” (cần ít nhất 4 ký tự đầu của mã; xem `device list`).",
                   "There is no device “" + ref + "” (give at least its first 4 characters; see `device list`).");
  if (matching.size() > 1)
    return problem("Có nhiều máy bắt đầu bằng “" + ref + "”; hãy gõ thêm ký tự.", "Several devices begin with “" + ref + "”; type more of the id.");
  auto revoked = db.revokeDevice(matching.front());
  if (revoked) db.audit("operator", "cli", "device.revoke", revoked.value().id + " of " + revoked.value().user);
  return revoked;
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

Result<Document> reviewAsOperator(ProvincialStorage& db, const std::string& record_ref, const ReviewDecision& decision,
                                  const std::string& reviewer) {
  auto acting = actingUser(db, reviewer, mayReview);
  if (!acting) return acting.problem();
  auto id = findRecordId(db, record_ref);  // periodic reports are reviewed alike
  if (!id) return id.problem();
  const auto now = DateTime{wallClockMs() / 1000 * 1000, provinceOffsetMinutes(db)};
  auto reviewed = db.amend(id.value(), [&](const Document& record) -> Result<Fields> {
    if (!worksIn(acting.value().district, textField(record, inspection_fields::kDistrict)))
      return problem("Phiếu này thuộc huyện khác, ngoài phạm vi của “" + reviewer + "”.",
                     "This inspection is in another district, outside “" + reviewer + "”'s scope.");
    return reviewedFields(record, decision, reviewer, now);
  }, reviewer);
  if (reviewed)
    db.audit(reviewer, "cli", decision.approve ? "inspection.approve" : "inspection.return", id.value() + " -> " + reviewed.value().revision);
  return reviewed;
}

Result<std::string> resolveAsOperator(ProvincialStorage& db, std::int64_t number, const std::vector<std::string>& takes,
                                      const std::vector<std::string>& sets, const std::string& resolver) {
  auto acting = actingUser(db, resolver, mayResolveConflicts);
  if (!acting) return acting.problem();
  const auto found = db.conflicts({true, "", number});
  if (found.empty())
    return problem("Không có xung đột chưa giải quyết số " + std::to_string(number) + "; xem `conflicts list`.",
                   "There is no open conflict number " + std::to_string(number) + "; see `conflicts list`.");
  if (!worksIn(acting.value().district, found.front().district))
    return problem("Xung đột này thuộc huyện khác, ngoài phạm vi của “" + resolver + "”.",
                   "This conflict is in another district, outside “" + resolver + "”'s scope.");
  const auto current = db.head(found.front().doc_id);
  if (!current) return problem("Hồ sơ của xung đột không còn trên máy chủ.", "The conflict's record is no longer on the server.");
  auto decision = decisionFromInput(takes, sets, *current, db.heads(std::string(kinds::kTemplate)), provinceOffsetMinutes(db));
  if (!decision) return decision.problem();
  auto resolved = db.resolveConflict(number, decision.value(), resolver);
  if (resolved) db.audit(resolver, "cli", "conflict.resolve", "#" + std::to_string(number) + " -> " + resolved.value());
  return resolved;
}

}  // namespace fieldcheck::server
