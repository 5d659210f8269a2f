// The server's metrics for Prometheus (prometheus-cpp's core, no exposer of its own): what the
// request dispatch, the API and the group commit count as they go, and what is read at scrape
// time (open conflicts, merges, sizes on disk: the database through its ProvincialStorage, which
// alone speaks its SQL), written as GET /metrics answers it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace fieldcheck::server {

/// The route pattern of a request target, for labels and the log: "/v1/sync",
/// "/v1/uploads/:sha256", "console", "/metrics", "other"… — a handful of values whatever the
/// path, so no caller can make new series. Never the raw path.
std::string_view endpointOf(std::string_view target);

/// One request answered: its endpoint (endpointOf), status and how long answering took.
/// Thread-safe, like every function here.
void countRequest(std::string_view endpoint, unsigned status, double seconds);

/// A push with `entries` entries, committed (a sync that carried none is not a push).
void countPush(std::size_t entries);

/// `bytes` of an attachment taken by an upload.
void countUploadedBytes(std::size_t bytes);

/// A login's check (laptop or console): passed, refused (a wrong name or password, a revoked
/// user), or paused (an address or user past its budget of failures).
enum class LoginOutcome { kOk, kFailed, kPaused };
void countLogin(LoginOutcome outcome);

/// One group commit written: how many pushes (`jobs`) and entries (`entries`) it held.
void observeGroupCommit(std::size_t jobs, std::size_t entries);

class ProvincialStorage;

/// Starts watching the provincial database of `data_dir` through `storage` (a connection to it):
/// the merges, conflicts and entries it gains from now on are counted at each scrape. Cheap after
/// the first call for a folder.
void watchDatabase(ProvincialStorage& storage, const std::filesystem::path& data_dir);

/// Every metric in the Prometheus text format 0.0.4, after reading what is read at scrape time:
/// the log's activity, open conflicts and the database's size through `storage` (the calling
/// thread's connection to the database of `data_dir`), the attachments folder of `data_dir`
/// (sizes cached for a few seconds). Throws on a storage failure.
std::string metricsText(ProvincialStorage& storage, const std::filesystem::path& data_dir);

/// The Content-Type of metricsText.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace fieldcheck::server
