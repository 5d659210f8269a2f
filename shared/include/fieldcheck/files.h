// Files and folders the programs create for their sensitive data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fieldcheck {

/// Makes `dir` (and its parents) and restricts it to its owner: the data names businesses,
/// owners and workers. Throws std::filesystem::filesystem_error.
void makePrivateDir(const std::filesystem::path& dir);

/// Appends `bytes` to `file` (made readable by its owner only when new) and flushes them to the
/// disk before returning. Throws std::system_error naming the file on failure.
void appendDurably(const std::filesystem::path& file, std::string_view bytes);

/// The whole content of `file`. Throws std::system_error naming the file when it cannot be read.
std::string readWholeFile(const std::filesystem::path& file);

}  // namespace fieldcheck
