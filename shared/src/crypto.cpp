// Hashing and randomness through libsodium.
#include "fieldcheck/crypto.h"

#include <algorithm>
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

bool isSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
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

std::string randomSecret(std::size_t bytes) {
  ensureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string text(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.find('\0'));
  return text;
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

namespace fieldcheck {
namespace {

// The bytes of a hex key of exactly `size` bytes; throws std::invalid_argument otherwise.
std::string keyBytes(const std::string& hex, std::size_t size) {
  std::string bytes(size, '\0');
  std::size_t length = 0;
  if (hex.size() != size * 2 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), size, hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != size)
    throw std::invalid_argument("malformed key");
  return bytes;
}

const unsigned char* bytesOf(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

KeyPair newSealingKeys() {
  ensureSodium();
  unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pk, sk);
  KeyPair keys{toHex(pk, sizeof pk), toHex(sk, sizeof sk)};
  sodium_memzero(sk, sizeof sk);
  return keys;
}

KeyPair newSigningKeys() {
  ensureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  KeyPair keys{toHex(pk, sizeof pk), toHex(sk, sizeof sk)};
  sodium_memzero(sk, sizeof sk);
  return keys;
}

std::string seal(std::string_view plain, const std::string& public_hex) {
  ensureSodium();
  const auto pk = keyBytes(public_hex, crypto_box_PUBLICKEYBYTES);
  std::string out(plain.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), bytesOf(plain), plain.size(), bytesOf(pk));
  return out;
}

std::optional<std::string> unseal(std::string_view sealed, const KeyPair& keys) {
  ensureSodium();
  if (sealed.size() < crypto_box_SEALBYTES) return std::nullopt;
  const auto pk = keyBytes(keys.public_hex, crypto_box_PUBLICKEYBYTES);
  auto sk = keyBytes(keys.secret_hex, crypto_box_SECRETKEYBYTES);
  std::string plain(sealed.size() - crypto_box_SEALBYTES, '\0');
  const bool opened = crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), bytesOf(sealed), sealed.size(),
                                           bytesOf(pk), bytesOf(sk)) == 0;
  sodium_memzero(sk.data(), sk.size());
  if (!opened) return std::nullopt;
  return plain;
}

std::string signMessage(std::string_view message, const std::string& secret_hex) {
  ensureSodium();
  auto sk = keyBytes(secret_hex, crypto_sign_SECRETKEYBYTES);
  std::string out(message.size() + crypto_sign_BYTES, '\0');
  unsigned long long length = 0;
  crypto_sign(reinterpret_cast<unsigned char*>(out.data()), &length, bytesOf(message), message.size(), bytesOf(sk));
  sodium_memzero(sk.data(), sk.size());
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::optional<std::string> openSigned(std::string_view signed_message, const std::string& public_hex) {
  ensureSodium();
  if (signed_message.size() < crypto_sign_BYTES) return std::nullopt;
  std::string pk;
  try {
    pk = keyBytes(public_hex, crypto_sign_PUBLICKEYBYTES);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  std::string message(signed_message.size() - crypto_sign_BYTES, '\0');
  unsigned long long length = 0;
  if (crypto_sign_open(reinterpret_cast<unsigned char*>(message.data()), &length, bytesOf(signed_message), signed_message.size(),
                       bytesOf(pk)) != 0)
    return std::nullopt;
  message.resize(static_cast<std::size_t>(length));
  return message;
}

bool sameSecret(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace fieldcheck
