// Compression of sync bodies (zstd), with a hard limit on what a hostile body may expand to.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fieldcheck/result.h"

namespace fieldcheck {

/// The HTTP content coding name of this compression.
inline constexpr std::string_view kContentCoding = "zstd";

/// `data` compressed. Thread-safe.
std::string compress(std::string_view data);

/// `data` decompressed, refusing a malformed or truncated stream and one that would expand past
/// `max_bytes` (a decompression bomb), without allocating more than that. Thread-safe.
Result<std::string> decompress(std::string_view data, std::size_t max_bytes);

}  // namespace fieldcheck
