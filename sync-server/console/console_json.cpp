// The console's shared JSON pieces: answers, errors, states, places, dates, query and scope.
#include "console_json.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <chrono>

#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/value.h"
#include "tuning.h"
#include "tuning.h"

namespace fieldcheck::server::console {

using nlohmann::json;

ApiResponse jsonAnswer(const json& body, unsigned status) {
  ApiResponse response;
  response.status = status;
  // Replace rather than throw on text that is not UTF-8 (a stored field is, but be safe).
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

ApiResponse errorAnswer(unsigned status, std::string_view code, const Bilingual& message, const std::vector<Bilingual>& details) {
  json list = json::array();
  for (const auto& d : details) list.push_back(bilingualJson(d));
  return jsonAnswer(json{{"error", {{"code", code}, {"vi", message.vi}, {"en", message.en}, {"details", list}}}}, status);
}

ApiResponse problemAnswer(unsigned status, std::string_view code, const Problem& problem) {
  return errorAnswer(status, code, problem.message, problem.details);
}

ApiResponse notFound(const Bilingual& what) { return errorAnswer(404, "not_found", what); }

ApiResponse methodNotAllowed(const std::string& allowed) {
  auto answer = errorAnswer(405, "method", {"Địa chỉ này chỉ nhận " + allowed + ".", "This address takes " + allowed + " only."});
  answer.headers.emplace_back("Allow", allowed);
  return answer;
}

ApiResponse badParameter(std::string_view name, const Bilingual& takes) {
  const std::string n(name);
  return errorAnswer(400, "bad_parameter",
                     {"Tham số “" + n + "” không hợp lệ: " + takes.vi, "Parameter “" + n + "” is not valid: " + takes.en});
}

ApiResponse forbidden(const Bilingual& what) { return errorAnswer(403, "forbidden", what); }

std::optional<ReviewState> reviewStateOfCode(std::string_view code) {
  for (auto s : {ReviewState::kDraft, ReviewState::kSubmitted, ReviewState::kApproved, ReviewState::kReturned})
    if (reviewStateCode(s) == code) return s;
  return std::nullopt;
}

json stateJson(ReviewState state) {
  return json{{"code", reviewStateCode(state)}, {"label", bilingualJson(reviewStateLabel(state))}};
}

json stateJson(std::string_view code) {
  const auto state = reviewStateOfCode(code);
  return state ? stateJson(*state) : json();
}

json placeJson(const std::string& code, const std::string& name) {
  if (code.empty()) return json();
  return json{{"code", code}, {"name", name}};
}

std::string dayText(std::string_view iso_day) { return iso_day.empty() ? std::string() : formatDateForPeople(iso_day); }

std::string momentText(std::int64_t epoch_ms, std::int32_t offset_minutes) {
  if (epoch_ms == 0) return "";
  // Minutes are what people read (API.md: "03/05/2019 14:30"); the floor keeps the local minute.
  const std::int64_t local_ms = epoch_ms + std::int64_t{offset_minutes} * 60'000;
  const std::int64_t floored = local_ms - ((local_ms % 60'000) + 60'000) % 60'000;
  return formatDateTimeForPeople(DateTime{floored - std::int64_t{offset_minutes} * 60'000, offset_minutes});
}

std::string momentText(std::string_view iso_utc, std::int32_t offset_minutes) {
  if (iso_utc.size() < 10) return "";
  std::string text(iso_utc);
  // parseDateTime takes whole seconds: drop a fraction before the zone.
  if (const auto dot = text.find('.'); dot != std::string::npos) {
    auto end = dot + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    text.erase(dot, end - dot);
  }
  const auto at = parseDateTime(text, 0);
  if (!at) return "";
  return momentText(at->epoch_ms, offset_minutes);
}

std::optional<HttpTarget> parseTarget(const ApiRequest& request) { return parseHttpTarget(request.target); }

ApiResponse badTarget() {
  return errorAnswer(400, "bad_target",
                     {"Địa chỉ yêu cầu không hợp lệ (ký tự % không đi kèm hai chữ số hex?). Hãy mở lại trang từ menu.",
                      "The request's address is malformed (a % not followed by two hex digits?). Open the page again from the menu."});
}

std::variant<std::int64_t, ApiResponse> intParam(const HttpTarget& target, std::string_view name, std::int64_t fallback,
                                                 std::int64_t min, std::int64_t max) {
  const auto text = target.param(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max)
    return badParameter(name, {"cần một số nguyên từ " + std::to_string(min) + " đến " + std::to_string(max) + ".",
                               "takes a whole number from " + std::to_string(min) + " to " + std::to_string(max) + "."});
  return value;
}

bool sees(const User& caller, const std::string& district) { return maySee(caller.role, caller.district, district); }

std::variant<std::string, ApiResponse> districtScope(const HttpTarget& target, const User& caller, ProvincialStorage& storage) {
  const auto wanted = target.param("district");
  const std::string own = mayHaveDistrict(caller.role) ? caller.district.value_or("") : "";
  if (!wanted) return own;
  const auto code = storage.findDistrict(*wanted);
  if (!code || !sees(caller, *code))
    return notFound({"Không có huyện “" + *wanted + "” trong phạm vi của bạn.", "No district “" + *wanted + "” in your scope."});
  return *code;
}

namespace {
// When the index was last refreshed, ms since the epoch; 0: refresh at the next read.
std::atomic<std::int64_t> index_refreshed_ms{0};
}  // namespace

void refreshReportIndexIfDue(ProvincialStorage& storage) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleIndexRefreshInterval).count();
  auto last = index_refreshed_ms.load();
  if (last != 0 && now - last < interval) return;
  if (!index_refreshed_ms.compare_exchange_strong(last, now)) return;  // another thread is at it
  storage.refreshReportIndex(tuning::kConsoleIndexRefreshMaxChanges);
}

std::atomic<std::uint64_t> console_changes{0};

void reportIndexChanged() {
  index_refreshed_ms.store(0);
  ++console_changes;
}

std::uint64_t consoleChanges() { return console_changes.load(); }

const std::string& PlaceNames::district(const std::string& code) {
  if (!districts_read_) {
    for (auto& [c, name] : storage_.districts()) districts_.emplace(c, name);
    districts_read_ = true;
  }
  auto it = districts_.find(code);
  if (it == districts_.end()) it = districts_.emplace(code, code).first;
  return it->second;
}

const std::string& PlaceNames::commune(const std::string& code) {
  auto it = communes_.find(code);
  if (it != communes_.end()) return it->second;
  const auto doc = code.empty() ? std::nullopt : storage_.head(seedDocumentId(kinds::kCommune, code));
  std::string name = doc ? textField(*doc, "name") : code;
  return communes_.emplace(code, name.empty() ? code : name).first->second;
}

json PlaceNames::districtJson(const std::string& code) { return placeJson(code, district(code)); }
json PlaceNames::communeJson(const std::string& code) { return placeJson(code, commune(code)); }

std::int64_t isoMs(std::string_view iso_utc) {
  std::string text(iso_utc);
  if (const auto dot = text.find('.'); dot != std::string::npos) {
    auto end = dot + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    text.erase(dot, end - dot);
  }
  const auto at = text.size() < 10 ? std::nullopt : parseDateTime(text, 0);
  return at ? at->epoch_ms : 0;
}

json deviceJson(const DeviceRecord& device, const std::optional<std::string>& district, PlaceNames& places,
                std::int32_t offset_minutes, std::int64_t now_ms) {
  const auto seen_ms = isoMs(device.last_seen_at);
  const auto stale_ms = std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kConsoleStaleDevice).count();
  return json{{"id", device.id},
              {"name", device.name},
              {"user", device.user},
              {"district", district && !district->empty() ? places.districtJson(*district) : json()},
              {"enrolled_text", momentText(device.enrolled_at, offset_minutes)},
              {"last_seen_text", seen_ms == 0 ? json() : json(momentText(device.last_seen_at, offset_minutes))},
              {"stale", !device.revoked && seen_ms != 0 && seen_ms < now_ms - stale_ms},
              {"revoked", device.revoked}};
}

}  // namespace fieldcheck::server::console
