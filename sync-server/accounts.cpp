// Accounts: password and token hashing with libsodium.
#include "accounts.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

#include <sodium.h>

#include "fieldcheck/crypto.h"
#include "fieldcheck/value.h"
#include "tuning.h"

namespace fieldcheck::server {

std::string hashPassword(std::string_view password) {
  ensureSodium();
  std::array<char, crypto_pwhash_argon2id_STRBYTES> out{};
  if (crypto_pwhash_argon2id_str(out.data(), password.data(), password.size(), tuning::kPasswordHashPasses,
                                 tuning::kPasswordHashMemoryBytes) != 0)
    throw std::runtime_error("password hashing failed (out of memory)");
  return std::string(out.data());
}

bool verifyPassword(std::string_view password, const std::string& hash) {
  ensureSodium();
  if (hash.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  return crypto_pwhash_argon2id_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

NewToken newToken() {
  // The second it is issued first: a token counts as used from its login on (deviceTokenExpired),
  // and only its hash is kept, which proves the server wrote that second.
  const auto issued = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto token = std::to_string(issued.count()) + "." + randomSecret(tuning::kTokenBytes);
  return {token, tokenHash(token)};
}

std::string tokenIssuedAt(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 12) return "";
  std::int64_t seconds = 0;
  for (const char c : token.substr(0, dot)) {
    if (c < '0' || c > '9') return "";
    seconds = seconds * 10 + (c - '0');
  }
  return formatUtc(seconds * 1000);
}

std::string tokenHash(std::string_view token) { return sha256Hex(token); }

bool deviceTokenExpired(const std::string& last_used_at, std::chrono::hours unused, std::int64_t now_ms) {
  if (unused.count() <= 0) return false;
  if (last_used_at.size() != 20 || last_used_at[10] != 'T' || last_used_at.back() != 'Z') return true;
  // Both in the same form, to the second: the texts compare as the times they name.
  return last_used_at < formatUtc(now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(unused).count());
}

bool isValidUserName(std::string_view name) {
  if (name.empty() || name.size() > tuning::kMaxUserNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace fieldcheck::server
