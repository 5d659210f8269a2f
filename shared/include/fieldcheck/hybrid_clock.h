// Hybrid logical clock: orders changes across laptops whose wall clocks may be days or years off.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fieldcheck {

/// A hybrid logical clock stamp: the largest wall time seen (ms since the epoch) and a counter
/// that orders events within the same millisecond. Totally ordered; ties between devices are
/// broken by the device id where it matters (merge).
struct HybridTimestamp {
  std::int64_t wall_ms = 0;
  std::uint32_t counter = 0;

  auto operator<=>(const HybridTimestamp&) const = default;

  /// Fixed-width text ("0001551690000000-00000003") whose byte order is the stamp order,
  /// so SQL can ORDER BY it.
  std::string toString() const;
  static std::optional<HybridTimestamp> parse(std::string_view text);
};

/// The clock of one replica. Not thread-safe: a replica owns one and ticks it under its
/// store's write transaction.
class HybridClock {
 public:
  explicit HybridClock(HybridTimestamp last = {}) : last_(last) {}

  /// A stamp for a local event at physical time `physical_ms`: greater than every stamp this
  /// clock has issued or observed, and equal to the wall time when the wall clock is ahead.
  HybridTimestamp tick(std::int64_t physical_ms);

  /// Merges a stamp received from another replica, so that later local stamps sort after it.
  HybridTimestamp observe(const HybridTimestamp& remote, std::int64_t physical_ms);

  HybridTimestamp last() const { return last_; }

 private:
  HybridTimestamp last_;
};

/// This machine's wall clock in ms since the epoch.
std::int64_t wallClockMs();

}  // namespace fieldcheck
