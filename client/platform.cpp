// Platform-specific pieces, kept in one file so the rest of the client stays portable.
#include "platform.h"

#include <cstdlib>
#include <iostream>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#include <shellapi.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace fieldcheck::client::platform {

namespace fs = std::filesystem;

std::optional<fs::path> userDataDir() {
#ifdef _WIN32
  if (const char* local = std::getenv("LOCALAPPDATA"); local && *local) return fs::path(local) / "Fieldcheck";
  return std::nullopt;
#else
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "fieldcheck";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "share" / "fieldcheck";
  return std::nullopt;
#endif
}

std::string currentUserName() {
  for (const char* var : {"USER", "USERNAME", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "";
}

std::string hostName() {
#ifdef _WIN32
  if (const char* name = std::getenv("COMPUTERNAME")) return name;
  return "";
#else
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
#endif
}

std::string readSecretLine() {
  std::string line;
#ifndef _WIN32
  if (::isatty(STDIN_FILENO)) {
    termios old_mode{};
    ::tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
    std::cerr << "\n";
    return line;
  }
#endif
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool isTerminal(std::FILE* stream) {
#ifdef _WIN32
  return _isatty(_fileno(stream)) != 0;
#else
  return ::isatty(::fileno(stream)) != 0;
#endif
}

std::optional<FileLock> FileLock::tryLock(const fs::path& file) {
#ifdef _WIN32
  HANDLE h = CreateFileW(file.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return std::nullopt;
  OVERLAPPED whole{};
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &whole)) {
    CloseHandle(h);
    return std::nullopt;
  }
  return FileLock(reinterpret_cast<std::intptr_t>(h));
#else
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
#endif
}

FileLock::FileLock(FileLock&& other) noexcept : handle_(other.handle_) { other.handle_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = other.handle_;
    other.handle_ = -1;
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() noexcept {
  if (handle_ == -1) return;
#ifdef _WIN32
  CloseHandle(reinterpret_cast<HANDLE>(handle_));  // closing the handle releases its lock
#else
  ::close(static_cast<int>(handle_));  // closing the descriptor releases its lock
#endif
  handle_ = -1;
}

void keepNewFilesPrivate() {
#ifndef _WIN32
  ::umask(S_IRWXG | S_IRWXO);
#endif
}

bool syncFile(const fs::path& file) {
#ifdef _WIN32
  HANDLE h = CreateFileW(file.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  const bool ok = FlushFileBuffers(h) != 0;
  CloseHandle(h);
  return ok;
#else
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
#endif
}

bool openInBrowser(const std::string& url) {
#ifdef _WIN32
  const auto result = reinterpret_cast<std::intptr_t>(ShellExecuteA(nullptr, "open", url.c_str(), nullptr, nullptr, SW_SHOWNORMAL));
  return result > 32;
#else
  // xdg-open forks the browser and returns; a child of ours runs it so this process never waits.
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    // In the child: silence the browser's chatter on the terminal fieldcheck ui prints to.
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execlp("xdg-open", "xdg-open", url.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
#endif
}

}  // namespace fieldcheck::client::platform
