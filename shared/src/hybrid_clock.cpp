// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
#include "fieldcheck/hybrid_clock.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace fieldcheck {

std::string HybridTimestamp::toString() const {
  if (wall_ms < 0 || wall_ms > 9'999'999'999'999'999LL || counter > 99'999'999u) {  // never made by a clock
    char buf[48];
    std::snprintf(buf, sizeof buf, "%016lld-%08u", static_cast<long long>(wall_ms), counter);
    return buf;
  }
  // "%016lld-%08u", digit by digit: every stored revision writes one.
  std::string text(25, '0');
  auto wall = wall_ms;
  for (int i = 15; i >= 0; --i, wall /= 10) text[static_cast<std::size_t>(i)] = static_cast<char>('0' + wall % 10);
  text[16] = '-';
  auto count = counter;
  for (int i = 24; i > 16; --i, count /= 10) text[static_cast<std::size_t>(i)] = static_cast<char>('0' + count % 10);
  return text;
}

std::optional<HybridTimestamp> HybridTimestamp::parse(std::string_view text) {
  if (text.size() != 25 || text[16] != '-') return std::nullopt;
  HybridTimestamp ts;
  for (std::size_t i = 0; i < 16; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    ts.wall_ms = ts.wall_ms * 10 + (text[i] - '0');
  }
  std::uint64_t counter = 0;
  for (std::size_t i = 17; i < 25; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    counter = counter * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (counter > UINT32_MAX) return std::nullopt;
  ts.counter = static_cast<std::uint32_t>(counter);
  return ts;
}

namespace {

// A physical time as a clock uses it: before the epoch (a laptop whose battery died) it counts as
// the epoch, and nothing goes past what a stamp holds.
std::int64_t boundedWall(std::int64_t ms) { return std::clamp<std::int64_t>(ms, 0, HybridTimestamp::kMaxWallMs); }

// The stamp one event after `at` in the same millisecond, or the first of the next millisecond
// when the counter is full (saturating at the largest stamp).
HybridTimestamp after(HybridTimestamp at) {
  if (at.counter < HybridTimestamp::kMaxCounter) return {at.wall_ms, at.counter + 1};
  if (at.wall_ms < HybridTimestamp::kMaxWallMs) return {at.wall_ms + 1, 0};
  return at;
}

}  // namespace

HybridTimestamp HybridClock::tick(std::int64_t physical_ms) {
  physical_ms = boundedWall(physical_ms);
  last_ = physical_ms > last_.wall_ms ? HybridTimestamp{physical_ms, 0} : after(last_);
  return last_;
}

HybridTimestamp HybridClock::observe(const HybridTimestamp& remote_stamp, std::int64_t physical_ms) {
  physical_ms = boundedWall(physical_ms);
  const HybridTimestamp remote{boundedWall(remote_stamp.wall_ms), std::min(remote_stamp.counter, HybridTimestamp::kMaxCounter)};
  const std::int64_t wall = std::max({last_.wall_ms, remote.wall_ms, physical_ms});
  if (wall == last_.wall_ms && wall == remote.wall_ms) {
    last_ = after(std::max(last_, remote));
  } else if (wall == last_.wall_ms) {
    last_ = after(last_);
  } else if (wall == remote.wall_ms) {
    last_ = after(remote);
  } else {
    last_ = {wall, 0};
  }
  return last_;
}

HybridTimestamp orderingStamp(const HybridTimestamp& stamp, std::int64_t received_ms) {
  return stamp.wall_ms > received_ms ? HybridTimestamp{received_ms, 0} : stamp;
}

std::int64_t wallClockMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace fieldcheck
