// The console API's one door below the trust check: reads to console_reads.cpp, the rest to
// console_writes.cpp.
#include "console_api.h"

#include <string_view>

namespace fieldcheck::server {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

ApiResponse handleConsoleApi(const ApiRequest& request, const User& caller, ProvincialStorage& storage) {
  const std::string_view target = request.target;
  const bool people = startsWith(target, "/api/people") || startsWith(target, "/api/devices") ||
                      startsWith(target, "/api/receipts");
  if ((request.method == "GET" || request.method == "HEAD") && !people) return handleConsoleRead(request, caller, storage);
  return handleConsoleWrite(request, caller, storage);
}

}  // namespace fieldcheck::server
