// What the fuzz targets share: stopping on a broken contract, so libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fieldcheck::fuzz {

/// Stops the run with `what` and `detail` on standard error; libFuzzer reports the input as a
/// crash and saves it. For a decoder's promise that does not hold (an exception from a reader
/// that returns problems as values, a value that does not survive its round trip).
[[noreturn]] inline void contractBroken(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz: contract broken: %s%s%.*s\n", what, detail.empty() ? "" : ": ",
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

/// The input without its first byte, which the targets use to pick the decoder.
inline std::string_view afterSelector(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data) + 1, size - 1};
}

}  // namespace fieldcheck::fuzz
