// The small JSON pieces every console handler shares (API.md): answers and errors, states,
// districts, dates as people read them, the query string and the caller's district scope.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api.h"
#include "fieldcheck/form_json.h"
#include "fieldcheck/http_target.h"
#include "fieldcheck/result.h"
#include "fieldcheck/review.h"
#include "provincial_storage.h"

namespace fieldcheck::server::console {

/// {"vi", "en"} (shared form_json.h's, so the Form and the console write texts alike).
using fieldcheck::bilingualJson;

/// `body` as a JSON answer with `status`.
ApiResponse jsonAnswer(const nlohmann::json& body, unsigned status = 200);

/// A failure: `{"error": {"code", "vi", "en", "details": [{"vi","en"}…]}}` with `status`.
ApiResponse errorAnswer(unsigned status, std::string_view code, const Bilingual& message,
                        const std::vector<Bilingual>& details = {});
/// The same from a Problem (its headline and details).
ApiResponse problemAnswer(unsigned status, std::string_view code, const Problem& problem);

/// 404 `not_found`: unknown, or outside the caller's district (the same answer, API.md).
ApiResponse notFound(const Bilingual& what = {"Không tìm thấy.", "Not found."});
/// 405 `method`: the path takes only `allowed` ("GET, HEAD", "POST"), said in its Allow header.
ApiResponse methodNotAllowed(const std::string& allowed);
/// 400 `bad_parameter`: query parameter `name` is not what it takes (`takes`, said to people).
ApiResponse badParameter(std::string_view name, const Bilingual& takes);
/// 403 `forbidden`: the caller's role may not do this (`what`: what they tried).
ApiResponse forbidden(const Bilingual& what);

/// `State`: {code, label:{vi,en}} in UI.md's words.
nlohmann::json stateJson(ReviewState state);
/// The same from a reviewStateCode ("draft", "submitted", …); null for anything else.
nlohmann::json stateJson(std::string_view code);
/// The review state of a reviewStateCode, nullopt for anything else.
std::optional<ReviewState> reviewStateOfCode(std::string_view code);

/// {code, name}; null when `code` is empty.
nlohmann::json placeJson(const std::string& code, const std::string& name);

/// "2019-05-03…" as people read it, "03/05/2019"; "" for "".
std::string dayText(std::string_view iso_day);
/// A moment as people read it on the province's clock, "03/05/2019 14:30": from the server's
/// ISO UTC text ("2019-05-03T07:30:00.123Z", as storage keeps received times); "" for "" or text
/// that is not a time.
std::string momentText(std::string_view iso_utc, std::int32_t offset_minutes);
/// The same from milliseconds since the epoch; "" for 0 (a seed's revisions carry no time).
std::string momentText(std::int64_t epoch_ms, std::int32_t offset_minutes);

/// The request's target split into path segments and query (http_target.h); nullopt when
/// malformed (answer badTarget()).
std::optional<HttpTarget> parseTarget(const ApiRequest& request);
ApiResponse badTarget();

/// Query parameter `name` as a whole number within [min, max], `fallback` when absent;
/// a 400 answer when it is not one.
std::variant<std::int64_t, ApiResponse> intParam(const HttpTarget& target, std::string_view name, std::int64_t fallback,
                                                 std::int64_t min, std::int64_t max);

/// Whether `caller` sees what belongs to `district` (roles.h worksIn): inspectors and supervisors
/// their own district, provincial officers and administrators everything.
bool sees(const User& caller, const std::string& district);

/// The district a request reads: the `district` parameter (a code or a name, accents optional)
/// when given, else the caller's own district ("" for the whole province when the caller is
/// province-wide). A district the caller does not see, or that does not exist, is a 404.
std::variant<std::string, ApiResponse> districtScope(const HttpTarget& target, const User& caller,
                                                     ProvincialStorage& storage);

/// Brings the reports' index (what the console's tables read) up to date, at most once per
/// tuning::kConsoleIndexRefreshInterval whichever thread asks, or at once after
/// reportIndexChanged().
void refreshReportIndexIfDue(ProvincialStorage& storage);
/// Says that the console itself just changed records (a review, a resolution, an amendment, a
/// bundle): the next read refreshes the index, so the table shows the change at once.
void reportIndexChanged();
/// How many times the console has changed records in this process (reportIndexChanged): what it
/// computed before the last change is out of date.
std::uint64_t consoleChanges();

/// Names of districts and communes by code, read once per request (a page of rows names the same
/// few places many times).
class PlaceNames {
 public:
  explicit PlaceNames(ProvincialStorage& storage) : storage_(storage) {}
  /// The district's name; its code when unknown.
  const std::string& district(const std::string& code);
  /// The commune's name; its code when unknown.
  const std::string& commune(const std::string& code);
  /// {code, name} of a district; null for "".
  nlohmann::json districtJson(const std::string& code);
  nlohmann::json communeJson(const std::string& code);

 private:
  ProvincialStorage& storage_;
  bool districts_read_ = false;
  std::map<std::string, std::string> districts_;
  std::map<std::string, std::string> communes_;
};

/// Milliseconds since the epoch of the server's ISO UTC text ("2019-05-03T07:30:00.123Z"); 0 for
/// "" or text that is not a time.
std::int64_t isoMs(std::string_view iso_utc);

/// `Device` (API.md) of a laptop whose user works in `district` (nullopt: province-wide), its
/// times on the province's clock; `stale` when it is not revoked and its last sync is older than
/// tuning::kConsoleStaleDevice at `now_ms` (one that never synced is not stale, it is `never`).
nlohmann::json deviceJson(const DeviceRecord& device, const std::optional<std::string>& district, PlaceNames& places,
                          std::int32_t offset_minutes, std::int64_t now_ms);

}  // namespace fieldcheck::server::console
