// Hashing, randomness and the server's keys (libsodium): SHA-256, random document ids, sealed
// boxes for bundles carried on a USB stick, and signatures on the server's receipts.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace fieldcheck {

/// Initialises libsodium once; every direct user of libsodium calls it first. Thread-safe.
/// Throws std::runtime_error if the library cannot start.
void ensureSodium();

/// SHA-256 of `data` as 64 lowercase hex digits. Thread-safe.
std::string sha256Hex(std::string_view data);

/// Whether `text` is a SHA-256 as sha256Hex writes it: 64 lowercase hex digits.
bool isSha256Hex(std::string_view text);

/// BLAKE2b with a 128-bit digest of the concatenated `parts`, as 32 lowercase hex digits:
/// the content hash of revision ids (three times faster than SHA-256 in libsodium, which runs
/// for every document saved, pushed and pulled). Thread-safe.
std::string blake2b128Hex(std::initializer_list<std::string_view> parts);

/// A new 128-bit document id as 32 lowercase hex digits: the time it was made (ms, 48 bits) then
/// 80 random bits, so ids made together sort together. Thread-safe.
std::string newDocumentId();

/// `bytes` random bytes as URL-safe base64 without padding: a secret that travels in a URL, a
/// header or a cookie as it is. Thread-safe.
std::string randomSecret(std::size_t bytes);

/// True when two secrets are equal and not empty, compared in a time that does not depend on
/// where they differ (a key, a session or CSRF token checked against what a request carries).
bool sameSecret(std::string_view a, std::string_view b);

/// True when `text` has the form of a document id (32 lowercase hex digits).
bool isDocumentId(std::string_view text);

/// A key pair as lowercase hex: for sealing (X25519) or for signing (Ed25519).
struct KeyPair {
  std::string public_hex;
  std::string secret_hex;
};
KeyPair newSealingKeys();
KeyPair newSigningKeys();

/// Encrypts `plain` so that only the holder of the secret of `public_hex` can read it, and any
/// change to the result is detected (libsodium's sealed box: anonymous sender, authenticated
/// ciphertext). Throws std::invalid_argument for a malformed key.
std::string seal(std::string_view plain, const std::string& public_hex);
/// The plain text of a sealed box, or nullopt when it was not sealed to this key pair or was
/// altered or cut.
std::optional<std::string> unseal(std::string_view sealed, const KeyPair& keys);

/// `message` with an Ed25519 signature in front. Throws std::invalid_argument for a malformed key.
std::string signMessage(std::string_view message, const std::string& secret_hex);
/// The message of a signed one, or nullopt when the signature is not by `public_hex` or the
/// message was altered.
std::optional<std::string> openSigned(std::string_view signed_message, const std::string& public_hex);

}  // namespace fieldcheck
