// Resolving the home folder.
#include "home.h"

#include "fieldcheck/files.h"
#include "platform.h"

namespace fieldcheck::client {

Result<Home> resolveHome(const std::optional<std::string>& flag) {
  // The flag and the variable are UTF-8 text (platform::argumentsUtf8, environmentVariable).
  if (flag && !flag->empty()) return Home{pathFromUtf8(*flag)};
  if (auto env = platform::environmentVariable("FIELDCHECK_HOME")) return Home{pathFromUtf8(*env)};
  if (auto dir = platform::userDataDir()) return Home{*dir};
  return problem("Không biết lưu dữ liệu ở đâu: hãy dùng --home THƯ_MỤC hoặc đặt FIELDCHECK_HOME.",
                 "No place to keep data: use --home DIR or set FIELDCHECK_HOME.");
}

}  // namespace fieldcheck::client
