// Hashing and randomness (libsodium): SHA-256 and random document ids.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace fieldcheck {

/// Initialises libsodium once; every direct user of libsodium calls it first. Thread-safe.
/// Throws std::runtime_error if the library cannot start.
void ensureSodium();

/// SHA-256 of `data` as 64 lowercase hex digits. Thread-safe.
std::string sha256Hex(std::string_view data);

/// BLAKE2b with a 128-bit digest of the concatenated `parts`, as 32 lowercase hex digits:
/// the content hash of revision ids (three times faster than SHA-256 in libsodium, which runs
/// for every document saved, pushed and pulled). Thread-safe.
std::string blake2b128Hex(std::initializer_list<std::string_view> parts);

/// A new 128-bit document id as 32 lowercase hex digits: the time it was made (ms, 48 bits) then
/// 80 random bits, so ids made together sort together. Thread-safe.
std::string newDocumentId();

/// True when `text` has the form of a document id (32 lowercase hex digits).
bool isDocumentId(std::string_view text);

}  // namespace fieldcheck
