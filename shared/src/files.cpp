// Files and folders for sensitive data.
#include "fieldcheck/files.h"

namespace fieldcheck {

void makePrivateDir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

}  // namespace fieldcheck
