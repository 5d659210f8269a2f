// Failed logins counted per client address, so that one address guessing passwords (or user
// names) cannot keep the server hashing: past the budget its logins are refused before any
// password is hashed, until the window has passed. Other addresses are not affected.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace fieldcheck::server {

class LoginBudget {
 public:
  using Clock = std::chrono::steady_clock;

  /// At most `max_failures` failed logins per address within `window`; at most `max_addresses`
  /// tracked at once (when full, the address whose window began first is forgotten).
  LoginBudget(int max_failures, Clock::duration window, std::size_t max_addresses)
      : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

  /// How long `address` must still wait before its next login is heard; zero when it may log in.
  Clock::duration waitFor(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(address);
    if (it == failures_.end() || now - it->second.since >= window_) return Clock::duration::zero();
    return it->second.count >= max_failures_ ? it->second.since + window_ - now : Clock::duration::zero();
  }

  /// Counts a failed login from `address`.
  void failed(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(address);
    if (it != failures_.end() && now - it->second.since >= window_) it->second = {now, 0};
    if (it == failures_.end()) {
      if (failures_.size() >= max_addresses_) forgetOldest();
      it = failures_.emplace(address, Window{now, 0}).first;
    }
    ++it->second.count;
  }

 private:
  struct Window {
    Clock::time_point since;
    int count = 0;
  };

  void forgetOldest() {
    auto oldest = failures_.begin();
    for (auto it = failures_.begin(); it != failures_.end(); ++it)
      if (it->second.since < oldest->second.since) oldest = it;
    if (oldest != failures_.end()) failures_.erase(oldest);
  }

  const int max_failures_;
  const Clock::duration window_;
  const std::size_t max_addresses_;
  std::mutex mutex_;
  std::map<std::string, Window> failures_;
};

}  // namespace fieldcheck::server
