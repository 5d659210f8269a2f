// The console's door: assets, the page, sessions, CSRF and Origin checks (see console_trust.h).
#include "console_trust.h"

#include <SQLiteCpp/Exception.h>
#include <nlohmann/json.hpp>

#include "accounts.h"
#include "console_api.h"
#include "console_assets.h"
#include "console_json.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/http_target.h"
#include "fieldcheck/roles.h"
#include "request_dispatch.h"
#include "server_log.h"
#include "tuning.h"


namespace fieldcheck::server {
namespace {

using nlohmann::json;
using console::errorAnswer;
using console::jsonAnswer;

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string header(const ApiRequest& request, const std::string& name) {
  const auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

// The target's path, without its query.
std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool isApiPath(std::string_view path) { return path == "/api" || startsWith(path, "/api/"); }

bool isReading(const ApiRequest& request) { return request.method == "GET" || request.method == "HEAD"; }



std::string sessionCookie(const std::string& token, bool tls) {
  return std::string(kConsoleCookie) + "=" + token + "; HttpOnly; SameSite=Strict; Path=/" + (tls ? "; Secure" : "");
}

std::string clearedCookie(bool tls) {
  return std::string(kConsoleCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" + (tls ? "; Secure" : "");
}

// The live session a request's cookie names, and the hash it is kept under.
struct LiveSession {
  ConsoleSession session;
  std::string token_hash;
};

std::optional<LiveSession> sessionOf(const ApiRequest& request, ProvincialStorage& storage, std::int64_t now_ms) {
  const auto token = cookieValue(header(request, "cookie"), kConsoleCookie);
  if (token.empty() || token.size() > 256) return std::nullopt;
  auto hash = tokenHash(token);
  auto session = storage.consoleSession(hash, now_ms);
  if (!session) return std::nullopt;
  return LiveSession{std::move(*session), std::move(hash)};
}

ApiResponse sessionExpired(const ApiRequest& request, bool tls) {
  auto answer = errorAnswer(401, "session_expired",
                            {"Phiên làm việc đã hết hoặc chưa đăng nhập; hãy đăng nhập lại.",
                             "The session has ended, or you have not logged in; log in again."});
  // A dead session's cookie is of no use to keep.
  if (!header(request, "cookie").empty()) answer.headers.emplace_back("Set-Cookie", clearedCookie(tls));
  return answer;
}

ApiResponse methodNotAllowed(std::string_view allowed) {
  auto answer = errorAnswer(405, "method",
                            {"Địa chỉ này chỉ nhận " + std::string(allowed) + ".", "This address takes " + std::string(allowed) + " only."});
  answer.headers.emplace_back("Allow", std::string(allowed));
  return answer;
}

// The server's own origin, as the browser names it in Origin: the scheme and the Host header.
bool fromOwnOrigin(const ApiRequest& request, bool tls) {
  const auto origin = header(request, "origin");
  if (origin.empty()) return true;  // not sent (a same-origin GET): SameSite=Strict guards the cookie
  const auto host = header(request, "host");
  return !host.empty() && origin == (tls ? "https://" : "http://") + host;
}

ApiResponse otherOrigin() {
  return errorAnswer(403, "origin",
                     {"Yêu cầu đến từ một trang khác nên bị từ chối. Hãy dùng bảng điều khiển tại địa chỉ của máy chủ.",
                      "The request came from another site, so it was refused. Use the console at the server's own address."});
}

std::optional<ApiResponse> wrongContentType(const ApiRequest& request, std::string_view path) {
  const auto type = header(request, "content-type");
  if (request.body.empty() && type.empty()) return std::nullopt;  // a POST that sends nothing
  const bool bundle = path == "/api/bundles";
  if (startsWith(type, bundle ? "application/octet-stream" : "application/json")) return std::nullopt;
  return errorAnswer(415, "content_type",
                     bundle ? Bilingual{"Gói dữ liệu được gửi dưới dạng application/octet-stream.",
                                        "A bundle is sent as application/octet-stream."}
                            : Bilingual{"Bảng điều khiển chỉ nhận nội dung JSON (Content-Type: application/json).",
                                        "The console takes JSON bodies only (Content-Type: application/json)."});
}

// `Me` (API.md).
json meJson(const User& user, const std::string& csrf, ProvincialStorage& storage) {
  // A provincial officer's or administrator's stored district is ignored (roles.h), not shown.
  const auto district = mayHaveDistrict(user.role) ? user.district.value_or("") : std::string();
  json district_name;
  if (!district.empty())
    for (const auto& [code, name] : storage.districts())
      if (code == district) district_name = name;
  return json{{"user", user.name},
              {"role", roleName(user.role)},
              {"role_label", console::bilingualJson(roleTitle(user.role))},
              {"district", district.empty() ? json() : json(district)},
              {"district_name", district_name},
              {"province", storage.setting("province").value_or("")},
              {"csrf", csrf},
              {"must_change_password", user.must_change_password},
              {"idle_timeout_minutes", std::chrono::duration_cast<std::chrono::minutes>(tuning::kConsoleIdleTimeout).count()},
              {"may",
               {{"review", mayReview(user.role)},
                {"resolve", mayResolveConflicts(user.role)},
                {"amend", mayAmendFinalized(user.role)},
                {"manage_people", mayManagePeople(user.role)},
                {"import_bundles", mayImportBundles(user.role)},
                {"export", mayExport(user.role)},
                {"audit", maySeeAuditLog(user.role)}}}};
}

// POST /api/session: the same credential check as /v1/login, then a new session.
ApiResponse logIn(const ApiRequest& request, ProvincialStorage& storage, ConsoleContext& context, std::int64_t now_ms) {
  if (!startsWith(header(request, "content-type"), "application/json"))
    return errorAnswer(415, "content_type",
                       {"Đăng nhập gửi nội dung JSON (Content-Type: application/json).",
                        "A login is sent as JSON (Content-Type: application/json)."});
  auto fields = readStringFields(request.body, {"user", "password"});
  if (auto* refused = std::get_if<ApiResponse>(&fields)) return std::move(*refused);
  auto& given = std::get<std::map<std::string, std::string>>(fields);
  auto checked = checkCredentials(given["user"], given["password"], request.peer, "console", storage, context.logins, now_ms);
  if (auto* refused = std::get_if<ApiResponse>(&checked)) return std::move(*refused);
  const auto& user = std::get<User>(checked);
  // A login from a browser that still holds a session replaces it.
  if (const auto previous = cookieValue(header(request, "cookie"), kConsoleCookie); !previous.empty())
    storage.endConsoleSession(tokenHash(previous));
  const auto token = randomSecret(tuning::kConsoleTokenBytes);
  const auto csrf = randomSecret(tuning::kConsoleTokenBytes);
  storage.addConsoleSession(tokenHash(token), user.name, csrf, now_ms);
  storage.audit(user.name, "console", "console.login", request.peer);
  auto answer = jsonAnswer(meJson(user, csrf, storage));
  answer.headers.emplace_back("Set-Cookie", sessionCookie(token, context.tls));
  answer.log_user = user.name;
  answer.log_device = "console";
  return answer;
}

// POST /api/password {current, new}: the current one checked by the login's rules.
ApiResponse changePassword(const ApiRequest& request, const LiveSession& live, ProvincialStorage& storage,
                           ConsoleContext& context, std::int64_t now_ms) {
  auto fields = readStringFields(request.body, {"current", "new"});
  if (auto* refused = std::get_if<ApiResponse>(&fields)) return std::move(*refused);
  auto& given = std::get<std::map<std::string, std::string>>(fields);
  const auto& name = live.session.user.name;
  auto checked = checkCredentials(name, given["current"], request.peer, "console", storage, context.logins, now_ms);
  if (auto* refused = std::get_if<ApiResponse>(&checked)) {
    if (refused->status != 401) return std::move(*refused);
    return errorAnswer(403, "wrong_password",
                       {"Mật khẩu hiện tại không đúng; hãy nhập lại mật khẩu (hoặc mã dùng một lần) bạn vừa dùng để đăng nhập.",
                        "The current password is wrong; type again the password (or one-time code) you logged in with."});
  }
  const auto& fresh = given["new"];
  if (fresh.size() < tuning::kMinPasswordBytes || fresh.size() > tuning::kMaxPasswordBytes)
    return errorAnswer(422, "password_length",
                       {"Mật khẩu mới phải dài từ " + std::to_string(tuning::kMinPasswordBytes) + " đến " +
                            std::to_string(tuning::kMaxPasswordBytes) + " ký tự.",
                        "The new password must be " + std::to_string(tuning::kMinPasswordBytes) + " to " +
                            std::to_string(tuning::kMaxPasswordBytes) + " characters long."});
  if (fresh == given["current"])
    return errorAnswer(422, "password_unchanged",
                       {"Mật khẩu mới phải khác mật khẩu hiện tại (và khác mã dùng một lần).",
                        "The new password must differ from the current one (and from the one-time code)."});
  auto set = storage.setPassword(name, hashPassword(fresh), false, live.token_hash);
  if (!set) return console::problemAnswer(409, "password_refused", set.problem());
  storage.audit(name, "console", "console.password", request.peer);
  return ApiResponse{204, "", "", ""};
}

// Everything under /api/.
ApiResponse answerApi(const ApiRequest& request, std::string_view path, ProvincialStorage& storage, ConsoleContext& context,
                      std::int64_t now_ms) {
  if (!fromOwnOrigin(request, context.tls)) return otherOrigin();
  if (path == "/api/session" && request.method == "POST") return logIn(request, storage, context, now_ms);
  const auto live = sessionOf(request, storage, now_ms);
  if (!live) return sessionExpired(request, context.tls);
  // Who asked, for the request's log line (request_dispatch.cpp).
  const auto by = [&live](ApiResponse answer) {
    answer.log_user = live->session.user.name;
    answer.log_device = "console";
    return answer;
  };
  if (!isReading(request)) {
    if (!sameSecret(header(request, std::string(kConsoleCsrfHeader)), live->session.csrf))
      return by(errorAnswer(403, "csrf",
                            {"Yêu cầu thiếu mã bảo vệ của phiên làm việc nên bị từ chối; hãy tải lại trang.",
                             "The request lacks the session's protection code, so it was refused; reload the page."}));
    if (auto refused = wrongContentType(request, path)) return by(*refused);
  }
  const auto& user = live->session.user;
  if (path == "/api/session") {
    if (request.method != "DELETE") return by(methodNotAllowed("POST, DELETE"));
    storage.endConsoleSession(live->token_hash);
    storage.audit(user.name, "console", "console.logout", request.peer);
    ApiResponse answer{204, "", "", ""};
    answer.headers.emplace_back("Set-Cookie", clearedCookie(context.tls));
    return by(answer);
  }
  if (path == "/api/me") {
    if (!isReading(request)) return by(methodNotAllowed("GET"));
    return by(jsonAnswer(meJson(user, live->session.csrf, storage)));
  }
  if (path == "/api/password") {
    if (request.method != "POST") return by(methodNotAllowed("POST"));
    return by(changePassword(request, *live, storage, context, now_ms));
  }
  if (user.must_change_password)
    return by(errorAnswer(403, "password_change_required",
                          {"Mật khẩu của bạn là mã dùng một lần; hãy đổi sang mật khẩu của riêng bạn trước.",
                           "Your password is a one-time code; change it to one of your own first."}));
  return by(handleConsoleApi(request, user, storage));
}

// A file of the catalog: the page or a hashed asset, gzip when the browser takes it.
ApiResponse answerAsset(const ApiRequest& request, const WebAsset& asset) {
  ApiResponse answer;
  answer.content_type = asset.content_type;
  answer.headers.emplace_back("ETag", asset.etag);
  answer.headers.emplace_back("Vary", "Accept-Encoding");
  answer.headers.emplace_back("Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-store");
  if (header(request, "if-none-match") == asset.etag) {
    answer.status = 304;
    return answer;
  }
  if (header(request, "accept-encoding").find("gzip") != std::string::npos) {
    answer.body = asset.gzip_body;
    answer.content_encoding = "gzip";
  } else {
    answer.body = asset.body;
  }
  return answer;
}

ApiResponse route(const ApiRequest& request, ProvincialStorage& storage, ConsoleContext& context, std::int64_t now_ms) {
  if (!startsWith(request.target, "/"))
    return errorAnswer(400, "bad_target", {"Địa chỉ yêu cầu không hợp lệ.", "The request's address is not valid."});
  const auto path = pathOf(request.target);
  if (isApiPath(path)) return answerApi(request, path, storage, context, now_ms);
  if (!isReading(request)) return methodNotAllowed("GET");
  if (startsWith(path, "/static/")) {
    const auto* asset = context.assets.find(path);
    if (!asset) return errorAnswer(404, "not_found", {"Không có tệp này.", "No such file."});
    return answerAsset(request, *asset);
  }
  // Every other path is a screen of the page, which reads the path itself (History API).
  return answerAsset(request, *context.assets.find("/"));
}

void addHeaderUnlessSet(ApiResponse& answer, const std::string& name, const std::string& value) {
  for (const auto& [existing, ignored] : answer.headers)
    if (existing == name) return;
  answer.headers.emplace_back(name, value);
}

// The headers every console answer carries; JSON and text compressed when worth it. The session's
// own answers (which carry its CSRF token) are never compressed, so their size says nothing.
void finish(ApiResponse& answer, const ApiRequest& request, std::string_view path) {
  for (const auto& [name, value] : consoleSecurityHeaders()) addHeaderUnlessSet(answer, name, value);
  addHeaderUnlessSet(answer, "Cache-Control", "no-store");
  const bool textual = startsWith(answer.content_type, "application/json") || startsWith(answer.content_type, "text/");
  const bool secret = path == "/api/session" || path == "/api/me";
  if (textual && !secret && answer.content_encoding.empty() && answer.body_file.empty() &&
      answer.body.size() >= tuning::kConsoleCompressFromBytes &&
      header(request, "accept-encoding").find("gzip") != std::string::npos) {
    answer.body = gzipCompress(answer.body);
    answer.content_encoding = "gzip";
    addHeaderUnlessSet(answer, "Vary", "Accept-Encoding");
  }
}

}  // namespace

WebAssets consoleAssets() { return WebAssets(kConsoleAssets, kConsoleAssetsCount, "index.html"); }

bool isConsoleTarget(std::string_view target) {
  const auto path = pathOf(target);
  return path != "/v1" && !startsWith(path, "/v1/");
}

const std::vector<std::pair<std::string, std::string>>& consoleSecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  return headers;
}

std::variant<std::size_t, ApiResponse> admitConsoleBody(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                        ProvincialStorage& storage, std::int64_t now_ms) {
  const auto path = pathOf(head.target);
  const bool logged_in = isApiPath(path) && sessionOf(head, storage, now_ms).has_value();
  std::size_t limit = tuning::kMaxConsoleLoginBodyBytes;
  if (logged_in)
    limit = head.method == "POST" && path == "/api/bundles" ? tuning::kMaxConsoleBundleBytes : tuning::kMaxConsoleJsonBodyBytes;
  std::optional<ApiResponse> refusal;
  if (!logged_in && isApiPath(path) && !(path == "/api/session" && head.method == "POST"))
    refusal = sessionExpired(head, false);
  else if (content_length && *content_length > limit)
    refusal = path == "/api/bundles"
                  ? errorAnswer(413, "too_large",
                                {"Gói quá lớn để gửi qua bảng điều khiển (tối đa " + std::to_string(limit / (1024 * 1024)) +
                                     " MB); hãy nhận nó trên máy chủ bằng lệnh fieldcheck-server bundle import.",
                                 "The bundle is too large to send through the console (" + std::to_string(limit / (1024 * 1024)) +
                                     " MB at most); import it on the server with fieldcheck-server bundle import."})
                  : errorAnswer(413, "too_large", {"Yêu cầu quá lớn.", "The request is too large."});
  if (!refusal) return limit;
  finish(*refusal, head, path);
  return std::move(*refusal);
}

ApiResponse handleConsole(const ApiRequest& request, ProvincialStorage& storage, ConsoleContext& context,
                          std::int64_t now_ms) {
  const auto path = pathOf(request.target);
  ApiResponse answer;
  try {
    answer = route(request, storage, context, now_ms);
  } catch (const SQLite::Exception& e) {
    logMessage(LogLevel::kError, "storage failure on " + forLog(request.method, 16) + " " + pathForLog(path) + ": " +
                                     forLog(e.what()));
    answer = errorAnswer(503, "storage", {"Máy chủ tạm thời không truy cập được dữ liệu; hãy thử lại sau.",
                                          "The server cannot reach its data right now; try again later."});
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "console request failed: " + forLog(request.method, 16) + " " + pathForLog(path) +
                                     " from " + forLog(request.peer) + ": " + forLog(e.what()));
    answer = errorAnswer(500, "internal", {"Máy chủ không xử lý được yêu cầu này.", "The server could not handle this request."});
  }
  finish(answer, request, path);
  return answer;
}

}  // namespace fieldcheck::server
