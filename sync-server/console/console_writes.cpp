// console_writes (being written for issue 16).
#include "console_api.h"

namespace fieldcheck::server {
ApiResponse handleConsoleWrite(const ApiRequest&, const User&, ProvincialStorage&) { return {404, "application/json; charset=utf-8", "{}", ""}; }
}  // namespace fieldcheck::server
