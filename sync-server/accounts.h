// Accounts: users with a role and a district, enrolled devices, and their tokens.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fieldcheck/result.h"
#include "fieldcheck/roles.h"

namespace fieldcheck::server {


struct User {
  std::string name;
  Role role = Role::kInspector;
  std::optional<std::string> district;  // a district code; none means the whole province
  bool revoked = false;
  std::string created_at;
  bool must_change_password = false;  // the password is a one-time code an administrator set
};

/// Who is calling: a user on one enrolled device, as established from a token.
struct Identity {
  std::string user;
  Role role = Role::kInspector;
  std::optional<std::string> district;
  std::string device;
  /// The device's laptop numbers (record_number.h), each with its scope (a district's code, or
  /// "" province-wide) and as a record number carries it ("2", "T3").
  std::vector<std::pair<std::string, std::string>> laptop_numbers = {};
  /// When the device last used its token, in UTC ("2019-05-03T02:00:00Z"): its last sync or the
  /// login that issued the token, whichever is later, or its enrolment when neither is known.
  /// See deviceTokenExpired.
  std::string last_used_at = {};
};

/// A laptop number as a record number carries it: "2" in a district, "T2" province-wide.
inline std::string laptopTag(const std::string& scope, std::int64_t number) {
  return (scope.empty() ? "T" : "") + std::to_string(number);
}


/// A memory-hard hash of `password` (argon2id, salted, with its parameters in the string).
/// Throws std::runtime_error if hashing fails (out of memory).
std::string hashPassword(std::string_view password);

/// True when `password` matches `hash` (constant time in the password).
bool verifyPassword(std::string_view password, const std::string& hash);

/// A new random device token (URL-safe text) and the hash under which it is stored. The token
/// begins with the second it was issued ("1700000000.…"): the server reads when a token was
/// issued from the token it is shown, and its stored hash proves that second is the server's.
struct NewToken {
  std::string token;
  std::string hash;
};
NewToken newToken();

/// When `token` was issued, as the database writes times ("2019-05-03T02:00:00Z"); "" for a
/// token that does not say (made before tokens did).
std::string tokenIssuedAt(std::string_view token);

/// The stored hash of a presented token. Tokens are 256-bit random, so a fast hash suffices.
std::string tokenHash(std::string_view token);

/// Whether a device token last used at `last_used_at` (UTC, "2019-05-03T02:00:00Z", as the
/// database writes it) has gone unused for longer than `unused` at `now_ms` (ms since the epoch),
/// and is to be refused ([tokens] device_token_unused_days). Zero `unused`: never. A time that is
/// not in that form counts as expired: a token nobody can date is not trusted.
bool deviceTokenExpired(const std::string& last_used_at, std::chrono::hours unused, std::int64_t now_ms);

/// True for user names of 1 to 64 bytes of letters, digits, '.', '_' and '-'.
bool isValidUserName(std::string_view name);

}  // namespace fieldcheck::server
