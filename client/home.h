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

/// Makes the home and its attachments folder, private to the user (fieldcheck/files.h's
/// makePrivateDir). nullopt when done; else what went wrong and what to do, in both languages.
std::optional<Problem> makeHomeFolders(const Home& home);

}  // namespace fieldcheck::client
