// The app's background sync: synchronize() on its own thread, its counts kept for the page to poll.
#include "background_sync.h"

#include <chrono>

#include "fieldcheck/value.h"
#include "local_store.h"

namespace fieldcheck::client {

BackgroundSync::~BackgroundSync() {
  if (thread_.joinable()) thread_.join();
}

bool BackgroundSync::start(std::size_t changes, std::uint64_t upload_bytes) {
  std::lock_guard lock(mutex_);
  if (progress_.running) return false;
  if (thread_.joinable()) thread_.join();  // the last one has ended: only its thread is left
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  progress_ = SyncProgress{true, formatDateTime(DateTime{now_ms, 0}), changes, upload_bytes, {}, std::nullopt};
  thread_ = std::thread([this] {
    // A failure of any kind ends as a Problem the page shows; nothing escapes the thread.
    Result<SyncCounts> result = problem("", "");
    try {
      auto store = LocalStore::open(home_.database(), false);
      if (!store) {
        result = store.problem();
      } else {
        result = synchronize(store.value(), home_.attachments(), [this](const SyncCounts& counts) {
          std::lock_guard lock(mutex_);
          progress_.done = counts;
        });
      }
    } catch (const std::exception& e) {
      result = problem(std::string("Đồng bộ dừng vì lỗi: ") + e.what() + ". Những gì đã gửi vẫn được giữ; hãy đồng bộ lại.",
                       std::string("The sync stopped on an error: ") + e.what() + ". What was sent is kept; sync again.");
    }
    std::lock_guard lock(mutex_);
    if (result) progress_.done = result.value();
    progress_.result = std::move(result);
    progress_.running = false;
  });
  return true;
}

SyncProgress BackgroundSync::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

}  // namespace fieldcheck::client
