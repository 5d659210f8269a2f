// The console API's one door below the trust check: reads to console_reads.cpp, the rest to
// console_writes.cpp; a known path asked with a method it does not take is a 405 with Allow.
#include "console_api.h"

#include <algorithm>

#include "console_json.h"

namespace fieldcheck::server {

ApiResponse handleConsoleApi(const ApiRequest& request, const User& caller, ProvincialStorage& storage) {
  const auto target = console::parseTarget(request);
  if (!target) return console::badTarget();
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  const bool read = isConsoleReadPath(target->segments);
  const auto written = consoleWriteMethods(target->segments);
  if (read && method == "GET") return handleConsoleRead(request, caller, storage);
  if (std::find(written.begin(), written.end(), method) != written.end()) return handleConsoleWrite(request, caller, storage);
  if (!read && written.empty())
    return console::notFound({"Không có địa chỉ này trong bảng điều khiển.", "The console has no such address."});
  std::string allowed;
  for (const auto& m : written) allowed += (allowed.empty() ? "" : ", ") + (m == "GET" ? std::string("GET, HEAD") : m);
  if (read) allowed = "GET, HEAD" + (allowed.empty() ? "" : ", " + allowed);
  return console::methodNotAllowed(allowed);
}

}  // namespace fieldcheck::server
