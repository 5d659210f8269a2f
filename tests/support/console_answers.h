// What the server's unit tests need to call its handlers without a socket: the console's assets,
// built once for the whole test program, and a header read off an answer.
#pragma once

#include <string>

#include "api.h"
#include "console_trust.h"

namespace fieldcheck::test {

/// The console's assets (consoleAssets), built on first use and shared by every test: building
/// them compresses every file. Thread-safe (a function-local static).
inline const WebAssets& consoleTestAssets() {
  static const WebAssets built = server::consoleAssets();
  return built;
}

/// The value of header `name` (spelt as the handler spells it) in `answer`; "" when it has none.
inline std::string headerOf(const server::ApiResponse& answer, const std::string& name) {
  for (const auto& [key, value] : answer.headers)
    if (key == name) return value;
  return "";
}

}  // namespace fieldcheck::test
