// The console's writes (API.md): reviews, conflicts' resolutions, bundles and their receipts,
// people and laptops. Each act is an operator action (operator_actions.h) that checks the caller
// and writes the audit log; here only requests are read and answers written.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "console_api.h"
#include "console_json.h"
#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/value.h"
#include "operator_actions.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

using nlohmann::json;
using namespace console;

// What the console names itself as in the audit log, where a laptop names its device.
constexpr const char* kConsoleDevice = "console";

std::int64_t msOf(std::chrono::milliseconds d) { return d.count(); }

// ---- Receipts of bundles imported through the console, kept for their importer ----

// Receipts kept in memory, compressed, for tuning's time, within tuning's count and bytes (the
// oldest go first). A receipt over the whole budget alone is still kept, alone, until the next.
class ReceiptShelf {
 public:
  struct Receipt {
    std::string user;
    std::string file_name;
    std::string bytes;
  };

  /// Keeps `receipt` and returns the token that fetches it.
  std::string keep(Receipt receipt, std::int64_t now_ms) {
    const auto token = randomSecret(tuning::kConsoleTokenBytes);
    Kept kept{receipt.user, receipt.file_name, compress(receipt.bytes), receipt.bytes.size(),
              now_ms + msOf(tuning::kConsoleReceiptLifetime)};
    std::lock_guard lock(mutex_);
    forgetExpired(now_ms);
    while (!kept_.empty() && (kept_.size() + 1 > tuning::kMaxConsoleReceipts ||
                              bytes_ + kept.compressed.size() > tuning::kMaxConsoleReceiptBytes))
      forget(oldest());
    bytes_ += kept.compressed.size();
    kept_.emplace(token, std::move(kept));
    return token;
  }

  /// The receipt of `token` when `user` imported it and it is still kept.
  std::optional<Receipt> fetch(const std::string& token, const std::string& user, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    forgetExpired(now_ms);
    const auto it = kept_.find(token);
    if (it == kept_.end() || it->second.user != user) return std::nullopt;
    auto bytes = decompress(it->second.compressed, it->second.size);
    if (!bytes) return std::nullopt;
    return Receipt{it->second.user, it->second.file_name, std::move(bytes.value())};
  }

 private:
  struct Kept {
    std::string user;
    std::string file_name;
    std::string compressed;
    std::size_t size = 0;
    std::int64_t until_ms = 0;
  };

  std::map<std::string, Kept>::iterator oldest() {
    auto first = kept_.begin();
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if (it->second.until_ms < first->second.until_ms) first = it;
    return first;
  }
  void forget(std::map<std::string, Kept>::iterator it) {
    bytes_ -= it->second.compressed.size();
    kept_.erase(it);
  }
  void forgetExpired(std::int64_t now_ms) {
    for (auto it = kept_.begin(); it != kept_.end();) {
      auto next = std::next(it);
      if (it->second.until_ms <= now_ms) forget(it);
      it = next;
    }
  }

  std::mutex mutex_;
  std::map<std::string, Kept> kept_;
  std::size_t bytes_ = 0;
};

ReceiptShelf& receipts() {
  static ReceiptShelf shelf;
  return shelf;
}

// ---- Answers ----

// The answer to a refused operator action. Unknown and outside the caller's district are the same
// 404 (`not_found` names what was asked for), so the console tells nothing of other districts.
ApiResponse refusedAnswer(Refusal refusal, const Problem& problem, const Bilingual& not_found) {
  switch (refusal) {
    case Refusal::kForbidden: return problemAnswer(403, "forbidden", problem);
    case Refusal::kNotFound: return notFound(not_found);
    case Refusal::kConflict: return problemAnswer(409, "refused", problem);
    case Refusal::kInvalid: break;
  }
  return problemAnswer(422, "invalid", problem);
}

template <class T>
ApiResponse refusedAnswer(const Acted<T>& acted, const Bilingual& not_found) {
  return refusedAnswer(acted.refusal(), acted.problem(), not_found);
}

Bilingual noRecord(const std::string& ref) {
  return {"Không có phiếu “" + ref + "” trong phạm vi của bạn.", "There is no record “" + ref + "” in your scope."};
}
Bilingual noUser(const std::string& name) {
  return {"Không có người dùng “" + name + "”.", "There is no user “" + name + "”."};
}
Bilingual noDevice(const std::string& id) {
  return {"Không có máy “" + id + "”.", "There is no laptop “" + id + "”."};
}

ApiResponse badRequest(const Bilingual& what) { return errorAnswer(400, "bad_request", what); }

// The JSON object of a request's body, or the 400 that says why it is not one.
std::variant<json, ApiResponse> jsonBody(const ApiRequest& request) {
  auto body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return badRequest({"Nội dung yêu cầu phải là một đối tượng JSON.", "The request's body must be a JSON object."});
  return body;
}

// A text member of `body`: nullopt when absent or null, a 400 when it is not text.
std::variant<std::optional<std::string>, ApiResponse> textMember(const json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string())
    return badRequest({"“" + name + "” phải là một chuỗi chữ.", "“" + name + "” must be a text (a JSON string)."});
  return std::optional<std::string>(it->get<std::string>());
}

// A list of texts member of `body` (absent: empty), or a 400.
std::variant<std::vector<std::string>, ApiResponse> textsMember(const json& body, const std::string& name) {
  std::vector<std::string> texts;
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return texts;
  bool ok = it->is_array();
  if (ok)
    for (const auto& t : *it) {
      if (!t.is_string()) ok = false;
      else texts.push_back(t.get<std::string>());
    }
  if (!ok)
    return badRequest({"“" + name + "” phải là một danh sách chuỗi chữ.", "“" + name + "” must be a list of texts (JSON strings)."});
  return texts;
}

// The decision of a review's body: {"approve": true|false, "comment": TEXT}, or a 400.
std::variant<ReviewDecision, ApiResponse> reviewDecision(const json& body) {
  const auto approve = body.find("approve");
  if (approve == body.end() || !approve->is_boolean())
    return badRequest({"“approve” phải là true (duyệt) hoặc false (trả lại, kèm “comment”).",
                       "“approve” must be true (approve) or false (return, with a “comment”)."});
  auto comment = textMember(body, "comment");
  if (auto* bad = std::get_if<ApiResponse>(&comment)) return *bad;
  return ReviewDecision{approve->get<bool>(), std::get<0>(comment).value_or("")};
}

// The answer a read gives for `target` (the record or conflict as it now stands), as the caller
// reads it: a write answers with what the page shows next.
ApiResponse readBack(const ApiRequest& request, const std::string& target, const User& caller, ProvincialStorage& storage) {
  ApiRequest read{"GET", target, {}, "", request.peer};
  return handleConsoleRead(read, caller, storage);
}

// A person as the people screen lists them (API.md).
json personJson(const User& user, ProvincialStorage& storage, PlaceNames& places, std::int32_t offset) {
  const auto devices = storage.devices(user.name);
  std::string last_seen;
  for (const auto& d : devices)
    if (isoMs(d.last_seen_at) > isoMs(last_seen)) last_seen = d.last_seen_at;
  return json{{"name", user.name},
              {"role", roleName(user.role)},
              {"role_label", bilingualJson(roleTitle(user.role))},
              {"district", user.district && !user.district->empty() ? places.districtJson(*user.district) : json()},
              {"revoked", user.revoked},
              {"must_change_password", user.must_change_password},
              {"created_text", momentText(user.created_at, offset)},
              {"devices", devices.size()},
              {"last_seen_text", last_seen.empty() ? json() : json(momentText(last_seen, offset))}};
}

// The district of each user (their devices'); nullopt for province-wide users.
std::map<std::string, std::optional<std::string>> usersDistricts(ProvincialStorage& storage) {
  std::map<std::string, std::optional<std::string>> districts;
  for (const auto& u : storage.users()) districts[u.name] = u.district;
  return districts;
}

json devicesJson(const std::vector<DeviceRecord>& devices, ProvincialStorage& storage) {
  PlaceNames places(storage);
  const auto districts = usersDistricts(storage);
  const auto offset = provinceOffsetMinutes(storage);
  const auto now = wallClockMs();
  json list = json::array();
  for (const auto& d : devices) {
    const auto it = districts.find(d.user);
    list.push_back(deviceJson(d, it == districts.end() ? std::nullopt : it->second, places, offset, now));
  }
  return list;
}

// ---- Routes ----

struct Call {
  const ApiRequest& request;
  const HttpTarget& target;
  const User& caller;
  ProvincialStorage& storage;
  Actor actor() const { return actorOf(caller, kConsoleDevice); }
  const std::string& segment(std::size_t i) const { return target.segments[i]; }
};

// POST /api/inspections/ID/review
ApiResponse reviewOne(const Call& c) {
  auto body = jsonBody(c.request);
  if (auto* bad = std::get_if<ApiResponse>(&body)) return *bad;
  auto decision = reviewDecision(std::get<json>(body));
  if (auto* bad = std::get_if<ApiResponse>(&decision)) return *bad;
  const auto& ref = c.segment(2);
  auto reviewed = reviewRecord(c.storage, c.actor(), ref, std::get<ReviewDecision>(decision));
  if (!reviewed) return refusedAnswer(reviewed, noRecord(ref));
  reportIndexChanged();
  return readBack(c.request, "/api/inspections/" + reviewed.value().id, c.caller, c.storage);
}

// POST /api/review {"ids": [...], "approve": ..., "comment": ...}
ApiResponse reviewSeveral(const Call& c) {
  auto body = jsonBody(c.request);
  if (auto* bad = std::get_if<ApiResponse>(&body)) return *bad;
  const auto& j = std::get<json>(body);
  auto ids = textsMember(j, "ids");
  if (auto* bad = std::get_if<ApiResponse>(&ids)) return *bad;
  auto decision = reviewDecision(j);
  if (auto* bad = std::get_if<ApiResponse>(&decision)) return *bad;
  auto outcome = reviewMany(c.storage, c.actor(), std::get<std::vector<std::string>>(ids), std::get<ReviewDecision>(decision));
  if (!outcome) return refusedAnswer(outcome, {"Không tìm thấy.", "Not found."});
  if (!outcome.value().reviewed.empty()) reportIndexChanged();
  json approved = json::array(), approved_ids = json::array(), refused = json::array();
  for (const auto& doc : outcome.value().reviewed) {
    approved.push_back(recordName(doc));
    approved_ids.push_back(doc.id);
  }
  for (const auto& r : outcome.value().refused) {
    // Outside the caller's district reads as unknown, as everywhere in the console.
    const auto why = r.refusal == Refusal::kNotFound ? noRecord(r.ref) : r.problem.message;
    refused.push_back({{"id", r.id.empty() ? r.ref : r.id}, {"number", r.number.empty() ? json() : json(r.number)},
                       {"error", bilingualJson(why)}});
  }
  return jsonAnswer({{"approved", approved}, {"approved_ids", approved_ids}, {"refused", refused}});
}

// POST /api/conflicts/N/resolve {"takes": [...], "sets": [...]}
ApiResponse resolveOne(const Call& c) {
  const auto& text = c.segment(2);
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const Bilingual unknown{"Không có xung đột số “" + text + "” trong phạm vi của bạn.",
                          "There is no conflict number “" + text + "” in your scope."};
  if (ec != std::errc() || end != text.data() + text.size() || number <= 0) return notFound(unknown);
  auto body = jsonBody(c.request);
  if (auto* bad = std::get_if<ApiResponse>(&body)) return *bad;
  auto takes = textsMember(std::get<json>(body), "takes");
  if (auto* bad = std::get_if<ApiResponse>(&takes)) return *bad;
  auto sets = textsMember(std::get<json>(body), "sets");
  if (auto* bad = std::get_if<ApiResponse>(&sets)) return *bad;
  auto resolved = resolveConflict(c.storage, c.actor(), number, std::get<std::vector<std::string>>(takes),
                                  std::get<std::vector<std::string>>(sets));
  if (!resolved) return refusedAnswer(resolved, unknown);
  reportIndexChanged();
  return readBack(c.request, "/api/conflicts/" + std::to_string(number), c.caller, c.storage);
}

// POST /api/bundles (the bundle's bytes)
ApiResponse importOne(const Call& c) {
  auto imported = importBundleAs(c.storage, c.actor(), c.request.body);
  if (!imported) return refusedAnswer(imported, {"Không tìm thấy.", "Not found."});
  reportIndexChanged();
  const auto& r = imported.value();
  const auto now = wallClockMs();
  const auto day = formatDateTime(DateTime{now, 0}).substr(0, 10);
  const auto token = receipts().keep({c.caller.name, "fieldcheck-receipt-" + r.user + "-" + day + ".fcr", r.receipt}, now);
  return jsonAnswer({{"user", r.user},
                     {"entries", r.entries},
                     {"refused", r.refused},
                     {"attachments", r.attachments},
                     {"pulled", r.pulled},
                     {"receipt_url", "/api/receipts/" + token}});
}

// GET /api/receipts/TOKEN
ApiResponse receiptFile(const Call& c) {
  auto receipt = receipts().fetch(c.segment(2), c.caller.name, wallClockMs());
  if (!receipt)
    return notFound({"Không còn biên nhận này (chỉ người nhận gói tải được, trong 1 giờ); hãy nhận lại gói: không tạo bản trùng.",
                     "This receipt is no longer kept (only for whoever imported the bundle, for an hour); import the "
                     "bundle again: it duplicates nothing."});
  ApiResponse answer;
  answer.content_type = "application/octet-stream";
  answer.body = std::move(receipt->bytes);
  answer.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + receipt->file_name + "\"");
  return answer;
}

// GET /api/people
ApiResponse peopleList(const Call& c) {
  auto users = listUsers(c.storage, c.actor());
  if (!users) return refusedAnswer(users, noUser(""));
  PlaceNames places(c.storage);
  const auto offset = provinceOffsetMinutes(c.storage);
  json list = json::array();
  for (const auto& u : users.value()) list.push_back(personJson(u, c.storage, places, offset));
  return jsonAnswer({{"users", list}});
}

// POST /api/people {name, role, district}
ApiResponse personAdd(const Call& c) {
  auto body = jsonBody(c.request);
  if (auto* bad = std::get_if<ApiResponse>(&body)) return *bad;
  const auto& j = std::get<json>(body);
  std::optional<std::string> fields[3];
  const char* names[3] = {"name", "role", "district"};
  for (int i = 0; i < 3; ++i) {
    auto text = textMember(j, names[i]);
    if (auto* bad = std::get_if<ApiResponse>(&text)) return *bad;
    fields[i] = std::get<0>(text);
  }
  auto added = addUserWithCode(c.storage, c.actor(), fields[0].value_or(""), fields[1].value_or(""), fields[2]);
  if (!added) {
    auto answer = refusedAnswer(added, noUser(fields[0].value_or("")));
    // Which of the form's fields the error is about, so the page puts it there (API.md).
    if (!added.field().empty()) {
      auto error = json::parse(answer.body);
      error["error"]["field"] = added.field();
      answer.body = error.dump();
    }
    return answer;
  }
  PlaceNames places(c.storage);
  return jsonAnswer({{"user", personJson(added.value().user, c.storage, places, provinceOffsetMinutes(c.storage))},
                     {"one_time_code", added.value().one_time_code}},
                    201);
}

// POST /api/people/NAME/revoke
ApiResponse personRevoke(const Call& c) {
  const auto& name = c.segment(2);
  auto revoked = revokeUser(c.storage, c.actor(), name);
  if (!revoked) return refusedAnswer(revoked, noUser(name));
  PlaceNames places(c.storage);
  return jsonAnswer(personJson(revoked.value().user, c.storage, places, provinceOffsetMinutes(c.storage)));
}

// POST /api/people/NAME/reset
ApiResponse personReset(const Call& c) {
  const auto& name = c.segment(2);
  auto code = resetPassword(c.storage, c.actor(), name);
  if (!code) return refusedAnswer(code, noUser(name));
  return jsonAnswer({{"one_time_code", code.value()}});
}

// GET /api/people/NAME/devices: the people screen's, so the administrator's (roles.h).
ApiResponse personDevices(const Call& c) {
  const auto& name = c.segment(2);
  if (!mayManagePeople(c.caller.role))
    return forbidden({"Chỉ quản trị viên xem được máy của từng người.", "Only an administrator sees each person's laptops."});
  auto devices = listDevices(c.storage, c.actor(), name);
  if (!devices) return refusedAnswer(devices, noUser(name));
  return jsonAnswer({{"devices", devicesJson(devices.value(), c.storage)}});
}

// GET /api/devices: the laptops in the caller's scope.
ApiResponse devicesList(const Call& c) {
  auto devices = listDevices(c.storage, c.actor(), "");
  if (!devices) return refusedAnswer(devices, noDevice(""));
  return jsonAnswer({{"devices", devicesJson(devices.value(), c.storage)}});
}

// POST /api/devices/ID/revoke
ApiResponse deviceRevoke(const Call& c) {
  const auto& id = c.segment(2);
  auto revoked = revokeDevice(c.storage, c.actor(), id);
  if (!revoked) return refusedAnswer(revoked, noDevice(id));
  const auto districts = usersDistricts(c.storage);
  const auto it = districts.find(revoked.value().user);
  PlaceNames places(c.storage);
  return jsonAnswer(deviceJson(revoked.value(), it == districts.end() ? std::nullopt : it->second, places,
                               provinceOffsetMinutes(c.storage), wallClockMs()));
}

// One route: its path (segments; "*" stands for any one), its method, its handler.
struct Route {
  std::vector<std::string_view> pattern;
  std::string_view method;
  ApiResponse (*handler)(const Call&);
};

const std::vector<Route>& routes() {
  static const std::vector<Route> table{
      {{"api", "inspections", "*", "review"}, "POST", reviewOne},
      {{"api", "review"}, "POST", reviewSeveral},
      {{"api", "conflicts", "*", "resolve"}, "POST", resolveOne},
      {{"api", "bundles"}, "POST", importOne},
      {{"api", "receipts", "*"}, "GET", receiptFile},
      {{"api", "people"}, "GET", peopleList},
      {{"api", "people"}, "POST", personAdd},
      {{"api", "people", "*", "revoke"}, "POST", personRevoke},
      {{"api", "people", "*", "reset"}, "POST", personReset},
      {{"api", "people", "*", "devices"}, "GET", personDevices},
      {{"api", "devices"}, "GET", devicesList},
      {{"api", "devices", "*", "revoke"}, "POST", deviceRevoke},
  };
  return table;
}

bool matches(const Route& route, const std::vector<std::string>& segments) {
  if (route.pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i)
    if (route.pattern[i] == "*" ? segments[i].empty() : route.pattern[i] != segments[i]) return false;
  return true;
}

}  // namespace

std::vector<std::string> consoleWriteMethods(const std::vector<std::string>& segments) {
  std::vector<std::string> methods;
  for (const auto& route : routes())
    if (matches(route, segments)) methods.emplace_back(route.method);
  return methods;
}

ApiResponse handleConsoleWrite(const ApiRequest& request, const User& caller, ProvincialStorage& storage) {
  const auto target = parseTarget(request);
  if (!target) return badTarget();
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  for (const auto& route : routes())
    if (matches(route, target->segments) && route.method == method) return route.handler(Call{request, *target, caller, storage});
  return notFound({"Không có địa chỉ này trong bảng điều khiển.", "The console has no such address."});
}

}  // namespace fieldcheck::server
