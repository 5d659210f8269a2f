// The client's only platform-specific code: folders, terminals, user names, file syncing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fieldcheck::client::platform {

/// The program's arguments (argv[0] first) as UTF-8. On Windows they are read again from the
/// wide command line (GetCommandLineW), since `argv` holds them in the ANSI code page and a
/// Vietnamese name would be lost; elsewhere `argv` as it is.
std::vector<std::string> argumentsUtf8(int argc, char** argv);

#ifdef _WIN32
/// The arguments of a Windows command line (as CommandLineToArgvW splits it) as UTF-8.
std::vector<std::string> argumentsFromCommandLine(const wchar_t* command_line);
#endif

/// The environment variable `name` as UTF-8 (through the wide environment on Windows); nullopt
/// when it is unset or empty.
std::optional<std::string> environmentVariable(const char* name);

/// Makes the standard streams carry UTF-8 text faithfully. On Windows: std::cout, std::cerr and
/// std::cin on a console read and write UTF-16 (WriteConsoleW, ReadConsoleW), so Vietnamese shows
/// and types right in cmd and PowerShell whatever their code page; redirected, they carry the
/// UTF-8 bytes unchanged (binary mode, "\n" as on Linux). Nothing to do elsewhere. Call once, at
/// the start of main, after std::ios::sync_with_stdio.
void useUtf8Console();

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
/// (the records name businesses, owners and workers). Nothing on Windows: there the home folder's
/// own access list (makePrivateDir, files.h) is inherited by what is made inside it.
void keepNewFilesPrivate();

}  // namespace fieldcheck::client::platform
