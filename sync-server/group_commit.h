// Group commit: threads that want to write at the same time share one transaction and one
// durable sync, instead of queueing behind each other's.
//
// Each caller brings a job. Whoever finds no write under way leads: it takes every job waiting
// (up to a limit of work), writes them all through one call, and hands each its own result.
// The others sleep until a leader has written theirs. A failure of that call (the transaction
// rolled back) is every one of its jobs' failure: each caller sees the exception, and nothing
// of any of them was written. Each group written is counted in the metrics (its jobs, its weight).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "metrics.h"

namespace fieldcheck::server {

template <class Job>
class GroupCommit {
 public:
  /// `weight` tells the size of a job; a leader takes waiting jobs until their weights reach
  /// `max_weight` (always at least one job).
  GroupCommit(std::size_t max_weight, std::function<std::size_t(const Job&)> weight)
      : max_weight_(max_weight), weight_(std::move(weight)) {}

  /// Runs `job` through `write_all`, possibly on another thread together with other jobs.
  /// Returns once the job's group is written; rethrows what `write_all` threw for it.
  void run(Job& job, const std::function<void(const std::vector<Job*>&)>& write_all) {
    Entry mine{&job, false, nullptr};
    std::unique_lock lock(mutex_);
    waiting_.push_back(&mine);
    while (!mine.done) {
      if (leading_) {
        written_.wait(lock);
        continue;
      }
      leading_ = true;
      std::vector<Entry*> group;
      std::vector<Job*> jobs;
      std::size_t weight = 0, taken = 0;
      for (; taken < waiting_.size() && (jobs.empty() || weight + weight_(*waiting_[taken]->job) <= max_weight_); ++taken) {
        weight += weight_(*waiting_[taken]->job);
        group.push_back(waiting_[taken]);
        jobs.push_back(waiting_[taken]->job);
      }
      waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(taken));
      lock.unlock();
      std::exception_ptr failure;
      try {
        write_all(jobs);
        observeGroupCommit(jobs.size(), weight);
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      for (auto* entry : group) {
        entry->failure = failure;
        entry->done = true;
      }
      leading_ = false;
      written_.notify_all();
    }
    if (mine.failure) std::rethrow_exception(mine.failure);
  }

 private:
  struct Entry {
    Job* job;
    bool done = false;
    std::exception_ptr failure;
  };

  const std::size_t max_weight_;
  const std::function<std::size_t(const Job&)> weight_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::vector<Entry*> waiting_;
  bool leading_ = false;
};

}  // namespace fieldcheck::server
