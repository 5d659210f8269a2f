// The inspector's home folder: where the local database and attachments live.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "fieldcheck/result.h"

namespace fieldcheck::client {

struct Home {
  std::filesystem::path dir;

  std::filesystem::path database() const { return dir / "fieldcheck.db"; }
  std::filesystem::path attachments() const { return dir / "attachments"; }
};

/// The home from `--home DIR` (UTF-8), else FIELDCHECK_HOME, else the platform's per-user data
/// folder (%LOCALAPPDATA%\Fieldcheck on Windows). Fails only when none of the three names a folder.
Result<Home> resolveHome(const std::optional<std::string>& flag);

}  // namespace fieldcheck::client
