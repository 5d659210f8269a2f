// Every limit and timeout of the client, with its unit.
#pragma once

#include <chrono>
#include <cstdint>

namespace fieldcheck::client::tuning {

/// How long a command waits for another fieldcheck process that holds the write lock.
inline constexpr auto kBusyTimeout = std::chrono::milliseconds(10'000);
/// SQLite's page cache for the local store: a district's data stays in memory.
inline constexpr std::size_t kPageCacheBytes = 16 * 1024 * 1024;
/// Document heads kept parsed in memory per store (a cache, checked against the log on use).
inline constexpr std::size_t kHeadCacheEntries = 512;
/// The shortest id prefix accepted where a full document id is expected.
inline constexpr std::size_t kMinIdPrefixChars = 4;
/// The largest photo or signature file accepted for attaching.
inline constexpr std::uint64_t kMaxAttachmentBytes = 20ull * 1024 * 1024;
/// The longest line read from the terminal in an interactive fill.
inline constexpr std::size_t kMaxInputLineBytes = 64 * 1024;

/// Sync: documents per push batch, changes per pull page, and the deadline of one request.
/// A page of 500 inspections is about 600 KB of JSON, 35 KB on the wire: about 5 s at 64 kbit/s,
/// so a cut link costs at most that, and the server answers it within 10 ms at the 99th
/// percentile over a million inspections (pages of 1000 measured 14 ms: tests/bench, consolidation).
inline constexpr std::size_t kPushBatchDocuments = 200;
inline constexpr std::uint32_t kPullPageChanges = 500;
inline constexpr auto kSyncRequestTimeout = std::chrono::seconds(60);
/// Sync: the most round trips one sync takes. Every round trip must acknowledge the batch it sent
/// or move the pull cursor forward (a server that answers without moving is an error at once);
/// this bounds the rest, a server that keeps finding more (100,000 pages of 500 changes).
inline constexpr std::size_t kMaxSyncRoundTrips = 100'000;
/// Sync: attempts of one request over a failing link, and the pause before the first retry
/// (doubled each time, at most kRetryPauseMax).
inline constexpr int kSyncAttempts = 5;
inline constexpr auto kRetryPauseFirst = std::chrono::milliseconds(500);
inline constexpr auto kRetryPauseMax = std::chrono::milliseconds(8'000);
/// A clock further than this from the server's gets a warning.
inline constexpr auto kClockSkewWarning = std::chrono::minutes(5);

/// The app (`fieldcheck ui`): the largest request header and body it reads (a photo the page
/// could not scale, at the attach limit, with room), and how long it waits for a request's bytes.
inline constexpr std::size_t kAppMaxHeaderBytes = 16 * 1024;
inline constexpr std::uint64_t kAppMaxBodyBytes = 25ull * 1024 * 1024;
inline constexpr auto kAppReadTimeout = std::chrono::seconds(60);

}  // namespace fieldcheck::client::tuning
