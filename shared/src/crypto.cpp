// Hashing and randomness through libsodium.
#include "fieldcheck/crypto.h"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace fieldcheck {
void ensureSodium() {
  // sodium_init is thread-safe and idempotent; a function-local static runs it once.
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium could not be initialised");
}

namespace {

std::string toHex(const unsigned char* bytes, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  ensureSodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return toHex(digest.data(), digest.size());
}

std::string newDocumentId() {
  ensureSodium();
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return toHex(bytes.data(), bytes.size());
}

bool isDocumentId(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace fieldcheck
