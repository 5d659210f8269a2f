// The server's metrics (metrics.h) on prometheus-cpp's core: one registry for the process, and
// the database read at scrape time through the storage the caller hands in (no SQL here).
#include "metrics.h"

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "provincial_storage.h"
#include "tuning.h"

#ifndef FIELDCHECK_VERSION
#define FIELDCHECK_VERSION "unknown"
#endif

namespace fieldcheck::server {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Sizes on disk walk the attachments' folder: read at most this often, however often scraped.
constexpr auto kSizesCacheFor = std::chrono::seconds(5);

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Every metric of the process, registered once.
struct Metrics {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("fieldcheck_http_requests_total")
          .Help("Requests answered, by endpoint (route pattern) and status")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("fieldcheck_http_request_duration_seconds")
          .Help("Time to answer a request read whole, by endpoint")
          .Register(*registry);
  prometheus::Counter& pushes = prometheus::BuildCounter()
                                    .Name("fieldcheck_pushes_total")
                                    .Help("Syncs that pushed entries, committed")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Counter& pushed_entries = prometheus::BuildCounter()
                                            .Name("fieldcheck_push_entries_total")
                                            .Help("Entries received in committed pushes (applied, already held or refused)")
                                            .Register(*registry)
                                            .Add({});
  prometheus::Counter& applied = prometheus::BuildCounter()
                                     .Name("fieldcheck_entries_applied_total")
                                     .Help("Revisions from laptops (syncs and bundles) added to the provincial log")
                                     .Register(*registry)
                                     .Add({});
  prometheus::Counter& merges = prometheus::BuildCounter()
                                    .Name("fieldcheck_merges_total")
                                    .Help("Merges of concurrent edits the server wrote")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Counter& conflicts_opened = prometheus::BuildCounter()
                                              .Name("fieldcheck_conflicts_opened_total")
                                              .Help("Conflict records opened for a supervisor")
                                              .Register(*registry)
                                              .Add({});
  prometheus::Gauge& open_conflicts = prometheus::BuildGauge()
                                          .Name("fieldcheck_open_conflicts")
                                          .Help("Conflict records waiting for a supervisor")
                                          .Register(*registry)
                                          .Add({});
  prometheus::Counter& uploaded_bytes = prometheus::BuildCounter()
                                            .Name("fieldcheck_uploaded_bytes_total")
                                            .Help("Bytes of attachments taken by uploads")
                                            .Register(*registry)
                                            .Add({});
  prometheus::Family<prometheus::Counter>& logins = prometheus::BuildCounter()
                                                        .Name("fieldcheck_logins_total")
                                                        .Help("Login checks (laptops and console), by result: ok, failed, paused")
                                                        .Register(*registry);
  prometheus::Histogram& group_jobs = prometheus::BuildHistogram()
                                          .Name("fieldcheck_group_commit_pushes")
                                          .Help("Pushes written together in one group commit")
                                          .Register(*registry)
                                          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
  prometheus::Histogram& group_entries =
      prometheus::BuildHistogram()
          .Name("fieldcheck_group_commit_entries")
          .Help("Entries written together in one group commit")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 50, 100, 250, 500, 1000, 2000,
                                                           static_cast<double>(tuning::kMaxGroupCommitEntries)});
  prometheus::Gauge& database_bytes = prometheus::BuildGauge()
                                          .Name("fieldcheck_database_bytes")
                                          .Help("Size of the provincial database with its write-ahead log")
                                          .Register(*registry)
                                          .Add({});
  prometheus::Gauge& attachments_bytes = prometheus::BuildGauge()
                                             .Name("fieldcheck_attachments_bytes")
                                             .Help("Size of the attachments folder")
                                             .Register(*registry)
                                             .Add({});

  Metrics() {
    // Every result from the start, at 0, so a rate of failures is there before the first one.
    for (const char* result : {"ok", "failed", "paused"}) logins.Add({{"result", result}});
    prometheus::BuildGauge()
        .Name("fieldcheck_build_info")
        .Help("The server's version and protocol")
        .Register(*registry)
        .Add({{"version", FIELDCHECK_VERSION}, {"protocol", std::to_string(tuning::kProtocolVersion)}})
        .Set(1);
  }
};

Metrics& metrics() {
  static Metrics m;
  return m;
}

// What is read of one provincial database at scrape time: the last change counted, and the
// sizes on disk as last measured. One per data folder, whichever thread's connection reads it.
struct DatabaseWatch {
  std::mutex mutex;
  std::int64_t counted_through = -1;  // -1: not yet known
  Clock::time_point sizes_read{};
  bool sizes_known = false;
  double database_bytes = 0, attachments_bytes = 0;
};

DatabaseWatch& watchOf(const fs::path& data_dir) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<DatabaseWatch>> watches;
  std::lock_guard lock(mutex);
  auto& slot = watches[data_dir.string()];
  if (!slot) slot = std::make_unique<DatabaseWatch>();
  return *slot;
}

// Where the log ends now, counting nothing.
std::int64_t logEnd(ProvincialStorage& storage) {
  return storage.activitySince(std::numeric_limits<std::int64_t>::max()).through_seq;
}

// Adds to the counters what the log gained since the last scrape (the storage reads only its new
// changes).
void countNewChanges(DatabaseWatch& watch, ProvincialStorage& storage) {
  const auto gained = storage.activitySince(watch.counted_through);
  auto& m = metrics();
  m.applied.Increment(static_cast<double>(gained.applied));
  m.merges.Increment(static_cast<double>(gained.merges));
  m.conflicts_opened.Increment(static_cast<double>(gained.conflicts_opened));
  watch.counted_through = gained.through_seq;
}

std::uintmax_t fileSize(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : size;
}

// Files vanish while walked (an upload completed, a temporary file removed): skipped, not failed.
std::uintmax_t folderSize(const fs::path& folder) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) total += fileSize(it->path());
  }
  return total;
}

}  // namespace

std::string_view endpointOf(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  for (const std::string_view exact : {"/v1/health", "/v1/login", "/v1/sync", "/v1/whoami"})
    if (path == exact) return exact;
  if (startsWith(path, "/v1/uploads/")) return "/v1/uploads/:sha256";
  if (startsWith(path, "/v1/attachments/")) return "/v1/attachments/:sha256";
  if (path == "/metrics") return "/metrics";
  if (path == "/v1" || startsWith(path, "/v1/")) return "other";
  if (startsWith(path, "/")) return "console";
  return "other";
}

void countRequest(std::string_view endpoint, unsigned status, double seconds) {
  auto& m = metrics();
  const std::string name(endpoint);
  m.requests.Add({{"endpoint", name}, {"status", std::to_string(status)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kSeconds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  // A request refused before it was handled has no duration worth a histogram (seconds < 0).
  if (seconds >= 0) m.latency.Add({{"endpoint", name}}, kSeconds).Observe(seconds);
}

void countPush(std::size_t entries) {
  if (entries == 0) return;
  metrics().pushes.Increment();
  metrics().pushed_entries.Increment(static_cast<double>(entries));
}

void countUploadedBytes(std::size_t bytes) { metrics().uploaded_bytes.Increment(static_cast<double>(bytes)); }

void countLogin(LoginOutcome outcome) {
  const char* result = outcome == LoginOutcome::kOk ? "ok" : outcome == LoginOutcome::kFailed ? "failed" : "paused";
  metrics().logins.Add({{"result", result}}).Increment();
}

void observeGroupCommit(std::size_t jobs, std::size_t entries) {
  metrics().group_jobs.Observe(static_cast<double>(jobs));
  metrics().group_entries.Observe(static_cast<double>(entries));
}

void watchDatabase(ProvincialStorage& storage, const fs::path& data_dir) {
  auto& watch = watchOf(data_dir);
  std::lock_guard lock(watch.mutex);
  if (watch.counted_through >= 0) return;
  // What the log held before the server began is not counted: the counters are this process's.
  watch.counted_through = logEnd(storage);
}

std::string metricsText(ProvincialStorage& storage, const fs::path& data_dir) {
  auto& m = metrics();
  {
    auto& watch = watchOf(data_dir);
    std::lock_guard lock(watch.mutex);
    if (watch.counted_through < 0) watch.counted_through = logEnd(storage);
    countNewChanges(watch, storage);
    m.open_conflicts.Set(static_cast<double>(storage.openConflictCount()));
    if (!watch.sizes_known || Clock::now() - watch.sizes_read >= kSizesCacheFor) {
      watch.database_bytes = static_cast<double>(storage.storageBytes());
      watch.attachments_bytes = static_cast<double>(folderSize(data_dir / "attachments"));
      watch.sizes_read = Clock::now();
      watch.sizes_known = true;
    }
    m.database_bytes.Set(watch.database_bytes);
    m.attachments_bytes.Set(watch.attachments_bytes);
  }
  return prometheus::TextSerializer().Serialize(m.registry->Collect());
}

}  // namespace fieldcheck::server
