// Every limit and timeout of the client, with its unit.
#pragma once

#include <chrono>
#include <cstdint>

namespace fieldcheck::client::tuning {

/// How long a command waits for another fieldcheck process that holds the write lock.
inline constexpr auto kBusyTimeout = std::chrono::milliseconds(10'000);
/// Document heads kept parsed in memory per store (a cache, checked against the log on use).
inline constexpr std::size_t kHeadCacheEntries = 512;
/// The shortest id prefix accepted where a full document id is expected.
inline constexpr std::size_t kMinIdPrefixChars = 4;
/// The largest photo or signature file accepted for attaching.
inline constexpr std::uint64_t kMaxAttachmentBytes = 20ull * 1024 * 1024;
/// The longest line read from the terminal in an interactive fill.
inline constexpr std::size_t kMaxInputLineBytes = 64 * 1024;

}  // namespace fieldcheck::client::tuning
