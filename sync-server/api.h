// The HTTP API as plain functions: a request in, a response out, no socket. The network layer
// (http_server.cpp) and the tests call the same `handle`.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "accounts.h"
#include "login_budget.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// The header that carries the protocol version on every request but the health check.
inline constexpr const char* kProtocolHeader = "fieldcheck-protocol";

struct ApiRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // "/v1/login"
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;
  std::string peer;                            // remote address, for the audit log
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::string content_encoding;  // set when the body is compressed
  /// More headers (the console's: Set-Cookie, Content-Disposition, its security headers, caching).
  std::vector<std::pair<std::string, std::string>> headers = {};
  /// When set, the body is this file, streamed from disk (`body` is empty), and the file is
  /// removed once sent or when the answer is dropped (an export written to a temporary file).
  std::filesystem::path body_file = {};
  /// Who asked, when the handler knows (a valid device token, a console session, a login that
  /// passed), for the request's log line only: never sent.
  std::string log_user = {}, log_device = {};
};

/// Text from outside (a path, a header, an address) made safe for one line of the server's log:
/// at most `max_bytes` of it, each byte outside printable ASCII written as \xNN, so no request
/// can forge or break a log line.
std::string forLog(std::string_view text, std::size_t max_bytes = 200);

/// A refusal as every JSON API of the server writes it: `{"error": {"code", "vi", "en"}}`.
ApiResponse errorResponse(unsigned status, const std::string& code, const std::string& vi, const std::string& en);

/// Why a restored server takes nothing from a laptop of protocol version 1 (a sync or a bundle):
/// such a laptop cannot send again what the backup lacks (protocol.h), so it must be updated first.
Problem updateRequired();

/// The string fields of a JSON body that must be an object of exactly `keys`, each a string; or
/// the 4xx that says what is wrong (not JSON, too complex, an unknown or missing field, a value
/// that is not a string).
std::variant<std::map<std::string, std::string>, ApiResponse> readStringFields(const std::string& body,
                                                                               std::initializer_list<const char*> keys);

/// The one check of a user's name and password, for the laptops' login and the console's alike,
/// so that both follow the same rules: an address past its budget of failed logins (`logins`) is
/// refused before anything is hashed (429 `login_paused`); a user paused after wrong passwords
/// from `peer` too (429, saying how many minutes); an unknown user, a wrong password and a
/// revoked user get the same 401 `login_refused` after the same hashing, are counted against the
/// address and the user, and are audited as "login.refused" with `audit_device` ("" for a laptop,
/// "console"). Returns the user on success (its failures forgotten); says nothing of
/// User::must_change_password, which each caller decides on. Throws only on storage failures.
std::variant<User, ApiResponse> checkCredentials(const std::string& name, const std::string& password,
                                                 const std::string& peer, const std::string& audit_device,
                                                 ProvincialStorage& storage, LoginBudget& logins, std::int64_t now_ms);

/// The largest body the server reads for a request whose head is `head` (method, target and
/// headers; no body yet): the request limit for a caller whose token is valid, a small one for
/// everyone else, so that callers who have not logged in cannot make the server hold much.
std::size_t bodyLimitFor(const ApiRequest& head, ProvincialStorage& storage);

/// Whether to read the body of a request whose head is `head`, announced as `content_length`
/// bytes (nullopt: sent in chunks): the most to read, or the answer to give at once without
/// reading it: a 401 when the request needs a login and carries no valid token, a 413 when the
/// announced body is over what the caller may send.
std::variant<std::size_t, ApiResponse> admitBody(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 ProvincialStorage& storage);

/// `handle` for a request as it came off the wire: a body sent with `Content-Encoding: zstd` is
/// decompressed first (at most bodyLimitFor's; a damaged or oversized one gets a 4xx),
/// and the answer is compressed when the caller accepts zstd and it is worth it.
ApiResponse handleEncoded(ApiRequest request, ProvincialStorage& storage, LoginBudget& logins);

/// How long a laptop's token may go unused (no sync, no login) before every request with it is
/// refused with a 401 `token_expired` (audited as "token.expired"), so that its user logs in
/// again: [tokens] device_token_unused_days; zero never. For the whole process: set once at start,
/// before the first request (serve does); 90 days until then. Thread-safe.
void setDeviceTokenUnused(std::chrono::hours unused);

/// Answers one request against `storage`. Never throws for any request: malformed or hostile
/// input gets a 4xx with a message in Vietnamese and English, and a storage failure a 503.
///
///   GET  /v1/health   no login: {"status": "ok", "protocol": 1, "province": ...}
///   POST /v1/login    {"user", "password", "device_name", "device_id"} -> {"token", "device", "role", "district",
///                     "sealing_key", "signing_key"} (the server's public keys, for bundles and receipts)
///   GET  /v1/whoami   the caller's user, role, district and device
///   POST /v1/sync     a push batch and a pull cursor -> acknowledgement and the next page
///                     (protocol.h; exactly once: a batch sent twice changes nothing)
///   GET  /v1/uploads/SHA256       how much of an attachment the server holds: {"received", "complete"}
///   PUT  /v1/uploads/SHA256       one chunk: headers Fieldcheck-Offset, Fieldcheck-Size (the whole
///                     file), Fieldcheck-Chunk-Sha256, Content-Type image/jpeg|png; 200 with the
///                     new state, 409 with the state when the offset is not where the server
///                     stands (resume from "received"), 413 over the size limit, 422 refused
///   GET  /v1/attachments/SHA256   the file, for supervisors and above, when a record in their
///                     scope names it
///
/// Every endpoint but the health check needs the header `Fieldcheck-Protocol: 1`, and every one
/// but the health check and login needs `Authorization: Bearer TOKEN`. Failed logins are counted
/// per caller address in `logins` (one for the whole server).
ApiResponse handle(const ApiRequest& request, ProvincialStorage& storage, LoginBudget& logins);

}  // namespace fieldcheck::server
