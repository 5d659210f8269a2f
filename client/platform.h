// The client's only platform-specific code: folders, terminals, user names, file syncing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace fieldcheck::client::platform {

/// The per-user data folder for Fieldcheck: %LOCALAPPDATA%\Fieldcheck on Windows,
/// $XDG_DATA_HOME/fieldcheck or ~/.local/share/fieldcheck elsewhere. nullopt when the
/// environment names no home at all.
std::optional<std::filesystem::path> userDataDir();

/// The login name of the person running the program, or "" when unknown.
std::string currentUserName();

/// This computer's name, or "" when unknown.
std::string hostName();

/// Reads one line from standard input; on a terminal, without echoing it.
std::string readSecretLine();

/// True when `stream` is an interactive terminal.
bool isTerminal(std::FILE* stream);

/// Flushes a written file's contents to the disk. Returns false on failure.
bool syncFile(const std::filesystem::path& file);

/// An exclusive advisory lock on a file, held while the object lives and released by the system
/// when the process ends however it ends (so a killed program never leaves a stale lock).
class FileLock {
 public:
  /// Takes the lock on `file` (made when absent) without waiting: nullopt when another process
  /// holds it, or when the file cannot be opened.
  static std::optional<FileLock> tryLock(const std::filesystem::path& file);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(std::intptr_t handle) : handle_(handle) {}
  void release() noexcept;
  std::intptr_t handle_;
};

/// Opens `url` in the user's default browser without waiting for it (xdg-open, or the shell on
/// Windows). False when no browser could be started.
bool openInBrowser(const std::string& url);

/// Makes every file and folder this process creates from now on readable by its own user only
/// (the records name businesses, owners and workers). On Windows the user's profile folders
/// already are.
void keepNewFilesPrivate();

}  // namespace fieldcheck::client::platform
