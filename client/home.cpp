// Resolving the home folder.
#include "home.h"

#include <cstdlib>

#include "platform.h"

namespace fieldcheck::client {

Result<Home> resolveHome(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return Home{std::filesystem::path(*flag)};
  if (const char* env = std::getenv("FIELDCHECK_HOME"); env && *env) return Home{std::filesystem::path(env)};
  if (auto dir = platform::userDataDir()) return Home{*dir};
  return problem("Không biết lưu dữ liệu ở đâu: hãy dùng --home THƯ_MỤC hoặc đặt FIELDCHECK_HOME.",
                 "No place to keep data: use --home DIR or set FIELDCHECK_HOME.");
}

}  // namespace fieldcheck::client
