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
  /// The largest parts a stamp has: what its fixed-width text holds (16 and 8 digits).
  static constexpr std::int64_t kMaxWallMs = 9'999'999'999'999'999;
  static constexpr std::uint32_t kMaxCounter = 99'999'999;

  std::int64_t wall_ms = 0;
  std::uint32_t counter = 0;

  auto operator<=>(const HybridTimestamp&) const = default;

  /// Fixed-width text ("0001551690000000-00000003") whose byte order is the stamp order,
  /// so SQL can ORDER BY it.
  std::string toString() const;
  static std::optional<HybridTimestamp> parse(std::string_view text);

  /// Whether a clock can have made it: both parts within their bounds (a stamp from outside,
  /// such as one in a binary sync body, may not be).
  bool valid() const { return wall_ms >= 0 && wall_ms <= kMaxWallMs && counter <= kMaxCounter; }
};

/// The clock of one replica. Not thread-safe: a replica owns one and ticks it under its
/// store's write transaction. Its counter never overflows: past kMaxCounter events in one
/// millisecond it moves on to the next millisecond; and it never goes past kMaxWallMs.
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

/// The stamp that orders a revision among concurrent ones on the server: its own, but never
/// later than `received_ms`, the server's clock when the revision reached it. A laptop's stamp
/// is its claim; all the server can check is that a change was written before it arrived.
HybridTimestamp orderingStamp(const HybridTimestamp& stamp, std::int64_t received_ms);

/// This machine's wall clock in ms since the epoch.
std::int64_t wallClockMs();

}  // namespace fieldcheck
