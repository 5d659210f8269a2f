// The console's door (API.md, "Sessions and trust"): everything between the socket and the console
// API for a request not under /v1/: assets, the page, sessions and their cookie, CSRF and Origin
// checks, one-time passwords, the security headers. No socket; the tests call it as the server does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api.h"
#include "fieldcheck/web_assets.h"
#include "login_budget.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// The cookie that carries a console session's token.
inline constexpr std::string_view kConsoleCookie = "fc_console";
/// The header that carries a session's CSRF token on every request but GET and HEAD.
inline constexpr std::string_view kConsoleCsrfHeader = "x-fieldcheck-csrf";

/// The console's files (console/web and shared/web, compiled into the program), its page
/// (index.html) served at "/". Build it once and share it: it compresses every file.
WebAssets consoleAssets();

/// What the console's door shares across requests, made once when the server starts and read by
/// every serving thread (LoginBudget locks itself).
struct ConsoleContext {
  const WebAssets& assets;
  LoginBudget& logins;  // the same budget of failed logins per address as /v1/login's
  bool tls = false;     // served over TLS: the cookie is `Secure` and the origin https://
};

/// True for a target the console answers: everything that is not under /v1/.
bool isConsoleTarget(std::string_view target);

/// Whether to read the body of console request `head` (no body yet), announced as
/// `content_length` bytes (nullopt: chunked): the most to read, or the answer to give at once.
/// Without a live session only a login's worth (tuning::kMaxConsoleLoginBodyBytes), and an /api/
/// request other than the login is answered 401 at once; with one, a bundle's worth for
/// POST /api/bundles and a JSON request's otherwise. A 413 when the announced body is over.
/// Throws only on storage failures.
std::variant<std::size_t, ApiResponse> admitConsoleBody(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                        ProvincialStorage& storage, std::int64_t now_ms);

/// Answers one console request at `now_ms` (wall clock, ms since the epoch): a hashed asset, the
/// page for any other GET outside /api/ and /static/, the session (POST/DELETE /api/session),
/// GET /api/me and POST /api/password here, and the rest of /api/ through handleConsoleApi once
/// the session, Origin, CSRF token, content type and one-time password are checked. Every answer
/// carries consoleSecurityHeaders() and a Cache-Control; JSON and text are gzip-compressed when
/// the browser takes it. Never throws: a storage failure is a 503, anything else a 500.
ApiResponse handleConsole(const ApiRequest& request, ProvincialStorage& storage, ConsoleContext& context,
                          std::int64_t now_ms);

/// The headers on every console answer (API.md): CSP, no sniffing, no referrer, no framing.
const std::vector<std::pair<std::string, std::string>>& consoleSecurityHeaders();

}  // namespace fieldcheck::server
