// Every limit, timeout and cost parameter of the sync server, with its unit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace fieldcheck::server::tuning {

/// Password hashing (argon2id): memory and passes. Kept well under the server's memory budget
/// so that several logins at once cannot exhaust it (OWASP's minimum is 19 MiB, 2 passes).
inline constexpr std::size_t kPasswordHashMemoryBytes = 19u * 1024 * 1024;
inline constexpr unsigned long long kPasswordHashPasses = 2;
/// Random bytes in a device token (shown once to the device, stored only as a hash).
inline constexpr std::size_t kTokenBytes = 32;
/// Longest accepted password and user name, in bytes.
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMaxUserNameBytes = 64;
/// Wrong passwords in a row after which a user's logins pause, and for how long.
inline constexpr int kMaxLoginFailures = 10;
inline constexpr auto kLoginPause = std::chrono::minutes(5);
/// Failed logins from one address within the window after which that address's logins are
/// refused (before any hashing) until the window passes; addresses tracked at most.
inline constexpr int kMaxFailedLoginsPerAddress = 30;
inline constexpr auto kLoginAddressWindow = std::chrono::minutes(5);
inline constexpr std::size_t kMaxTrackedLoginAddresses = 10'000;
/// Shortest accepted password, in bytes.
inline constexpr std::size_t kMinPasswordBytes = 8;

/// HTTP: how long a connection may take to send one request (headers and body), and how long
/// an idle keep-alive connection is kept.
inline constexpr auto kRequestReadTimeout = std::chrono::seconds(30);
/// HTTP: the largest request header and body accepted.
inline constexpr std::size_t kMaxRequestHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxRequestBodyBytes = 16 * 1024 * 1024;
/// HTTP: how long the server waits before accepting again after an accept failed (out of file
/// descriptors, say), so that it does not spin while connections end.
inline constexpr auto kAcceptFailurePause = std::chrono::milliseconds(100);
/// HTTP: the largest body read from a caller without a valid token (a login is a few hundred
/// bytes): strangers cannot make the server hold more than this per connection.
inline constexpr std::size_t kMaxUnauthenticatedBodyBytes = 16 * 1024;
/// HTTP: the most memory a JSON body may take once parsed, as the server estimates it while
/// parsing (each value, key and container at its size in memory): JSON is for scripts (laptops
/// send the binary form), and a body of empty objects would otherwise take some 30 times its size.
inline constexpr std::size_t kMaxParsedJsonBytes = 48 * 1024 * 1024;
/// HTTP: the bodies of all requests being read or handled at once, together; a request that
/// would go over waits for none and gets a 503 (laptops retry), so memory stays bounded.
inline constexpr std::size_t kMaxBodyBytesInFlight = 64 * 1024 * 1024;
/// HTTP: open connections at once, in all and from one address. Generous per address: the
/// laptops of a district on one mobile network, or a provincial office, share one.
inline constexpr std::size_t kMaxConnections = 900;
inline constexpr std::size_t kMaxConnectionsPerAddress = 200;
/// HTTP: requests answered on one connection before it is closed.
inline constexpr unsigned kMaxRequestsPerConnection = 10'000;
/// Threads serving requests (each with its own database connection). Two, like the cores of the
/// provincial machine: SQLite serialises writes anyway (concurrent pushes share a group commit),
/// and each thread in a push holds a whole decoded batch. With 50 clients pushing, 3 or 4
/// threads measured no more ingest than 2 on this machine (2 threads: 27 MB peak).
inline constexpr unsigned kServerThreads = 2;
/// Threads that work out the console's requests, apart from those serving the laptops: a report
/// over a province may take a second, and must never hold up a sync.
inline constexpr unsigned kConsoleThreads = 2;
/// Their nice value (0 normal, 19 lowest): below the serving threads', so that busy cores serve
/// the laptops' syncs first.
inline constexpr int kConsoleThreadNice = 10;
/// Most pushed entries written in one transaction when several devices push at once (group
/// commit): more share one durable sync, but each waits for the whole group.
inline constexpr std::size_t kMaxGroupCommitEntries = 4000;
/// The protocol version this server speaks; requests carry theirs in a header.
inline constexpr unsigned kProtocolVersion = 1;

/// How long a store call waits for another writer holding the database lock.
inline constexpr auto kBusyTimeout = std::chrono::milliseconds(10'000);

/// Largest attachment (a photo or a signature) the server takes, and largest upload chunk.
inline constexpr std::uint64_t kMaxAttachmentBytes = 20ull * 1024 * 1024;
inline constexpr std::size_t kMaxUploadChunkBytes = 256 * 1024;

/// An upload nobody has added a chunk to for this long is dropped with what it held (the laptop
/// that started it begins again at its next sync).
inline constexpr auto kUploadExpiry = std::chrono::hours(24 * 7);

/// The console (console_trust.cpp): a session ends after this long without a request, and after
/// its lifetime in all, whatever its use.
inline constexpr auto kConsoleIdleTimeout = std::chrono::minutes(30);
inline constexpr auto kConsoleSessionLifetime = std::chrono::hours(12);
/// A console session's last use is written at most this often (each request would otherwise write).
inline constexpr auto kConsoleSeenWriteInterval = std::chrono::minutes(1);
/// Random bytes in a console session's token and in its CSRF token.
inline constexpr std::size_t kConsoleTokenBytes = 32;
/// The console's bodies: a login (or anything) from a caller without a session, a JSON request
/// from one with a session, and a bundle uploaded to the console (kept under the body budget,
/// kMaxBodyBytesInFlight; a larger bundle is imported with `fieldcheck-server bundle import`).
inline constexpr std::size_t kMaxConsoleLoginBodyBytes = 4 * 1024;
inline constexpr std::size_t kMaxConsoleJsonBodyBytes = 1024 * 1024;
inline constexpr std::size_t kMaxConsoleBundleBytes = 48 * 1024 * 1024;
/// HTTP: an answer streamed from a file (an export) is given the read timeout plus the time it
/// takes at this rate, a slow link's, to be sent.
inline constexpr std::uint64_t kMinDownloadBytesPerSecond = 16 * 1024;
/// A console answer at least this large is gzip-compressed for a browser that accepts it.
inline constexpr std::size_t kConsoleCompressFromBytes = 1024;

/// Changes of the log the reports' index takes in one transaction while it catches up: pushes
/// wait for at most one step.
inline constexpr std::int64_t kReportIndexStepChanges = 20'000;

/// The console's reads: the reports' index is brought up to date at most this often (a table read
/// many times a second does not walk the log each time); the most rows a page of a table holds;
/// a laptop not seen (synced) for this long is listed as stale on the dashboard.
inline constexpr auto kConsoleIndexRefreshInterval = std::chrono::seconds(1);
/// The most changes of the log one such refresh indexes: a console request that refreshes answers
/// soon, and pushes keep the database's writer, however fast laptops send (the index catches up
/// over the next refreshes).
inline constexpr std::int64_t kConsoleIndexRefreshMaxChanges = 2'000;
/// The dashboard's figures (the plan report over the whole scope) are computed once for all the
/// console users of one scope within this time, or until the console changes a record.
inline constexpr auto kConsoleDashboardReuse = std::chrono::seconds(5);
inline constexpr std::size_t kConsoleMaxPageRows = 200;
/// The console's inspections table: up to this many rows matching its filters are sorted once
/// found; more are read along the index that gives the order.
inline constexpr std::size_t kInspectionsSortedAtMost = 1'000;
inline constexpr auto kConsoleStaleDevice = std::chrono::hours(24 * 7);
/// The console's inspections table: the most establishments a search by name (`q`) lists the
/// inspections of, merged.
inline constexpr std::size_t kConsoleMaxSearchEstablishments = 50;

/// The console: most records approved or returned at once (POST /api/review).
inline constexpr std::size_t kMaxReviewBatch = 500;
/// The console: a bundle's receipt is kept this long for its importer to download, compressed in
/// memory, at most this many receipts and bytes (compressed) together; the oldest go first (a
/// lost receipt costs nothing: importing the bundle again changes nothing and writes a new one).
inline constexpr auto kConsoleReceiptLifetime = std::chrono::hours(1);
inline constexpr std::size_t kMaxConsoleReceipts = 32;
inline constexpr std::size_t kMaxConsoleReceiptBytes = 32 * 1024 * 1024;

}  // namespace fieldcheck::server::tuning
