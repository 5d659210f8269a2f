// A sync run in the background for the app: one at a time, its progress readable while it runs.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fieldcheck/result.h"
#include "home.h"
#include "sync_engine.h"

namespace fieldcheck::client {

/// Where the background sync stands: what it set out to send, what it has done, how it ended.
struct SyncProgress {
  bool running = false;
  std::string started_at;            // ISO UTC; empty when none ran since the app started
  std::size_t total_changes = 0;     // outbox entries waiting when it began
  std::uint64_t total_upload_bytes = 0;  // photo bytes waiting when it began
  SyncCounts done;                   // as of the last round trip
  std::optional<Result<SyncCounts>> result;  // set when it ended
};

/// Runs `synchronize` on a thread of its own with a store connection of its own, so the app keeps
/// answering while it runs. Thread-safe. The destructor waits for a running sync to end (each
/// request has its deadline, and what it stored stays stored if the process is killed instead).
class BackgroundSync {
 public:
  explicit BackgroundSync(Home home) : home_(std::move(home)) {}
  ~BackgroundSync();
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  /// Starts a sync that will send `changes` outbox entries and `upload_bytes` of photos; false
  /// (and nothing started) when one is running.
  bool start(std::size_t changes, std::uint64_t upload_bytes);
  SyncProgress progress() const;

 private:
  Home home_;
  mutable std::mutex mutex_;
  SyncProgress progress_;
  std::thread thread_;
};

}  // namespace fieldcheck::client
