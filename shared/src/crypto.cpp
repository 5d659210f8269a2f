// Hashing and randomness through libsodium.
#include "fieldcheck/crypto.h"

#include <array>
#include <chrono>
#include <cstdint>
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

std::string blake2b128Hex(std::initializer_list<std::string_view> parts) {
  ensureSodium();
  crypto_generichash_state state;
  std::array<unsigned char, 16> digest{};
  crypto_generichash_init(&state, nullptr, 0, digest.size());
  for (const auto part : parts)
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  crypto_generichash_final(&state, digest.data(), digest.size());
  return toHex(digest.data(), digest.size());
}

std::string newDocumentId() {
  ensureSodium();
  // 48 bits of the wall clock in milliseconds, big-endian, then 80 random bits (the layout of
  // a UUIDv7): ids made around the same time sort together, so the provincial database's
  // B-trees keyed by document id grow at a few edges instead of rewriting a random page for
  // every insert. A laptop clock that is off only moves where its ids sort; uniqueness rests
  // on the random part.
  std::array<unsigned char, 16> bytes{};
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  randombytes_buf(bytes.data() + 6, bytes.size() - 6);
  return toHex(bytes.data(), bytes.size());
}

bool isDocumentId(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace fieldcheck
