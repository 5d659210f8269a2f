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

std::optional<Problem> makeHomeFolders(const Home& home) {
  try {
    makePrivateDir(home.dir);
    makePrivateDir(home.attachments());
  } catch (const std::filesystem::filesystem_error& e) {
    return problem("Không tạo được thư mục " + utf8Of(home.dir) + " (" + e.code().message() +
                       "). Hãy kiểm tra quyền ghi vào đó, hoặc chọn thư mục khác bằng --home THƯ_MỤC.",
                   "Cannot create the folder " + utf8Of(home.dir) + " (" + e.code().message() +
                       "). Check that you may write there, or choose another folder with --home DIR.");
  }
  return std::nullopt;
}

}  // namespace fieldcheck::client
