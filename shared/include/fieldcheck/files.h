// Files and folders the programs create for their sensitive data.
#pragma once

#include <filesystem>

namespace fieldcheck {

/// Makes `dir` (and its parents) and restricts it to its owner: the data names businesses,
/// owners and workers. Throws std::filesystem::filesystem_error.
void makePrivateDir(const std::filesystem::path& dir);

}  // namespace fieldcheck
