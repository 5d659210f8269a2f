// Platform-specific pieces, kept in one file so the rest of the client stays portable.
#include "platform.h"

#include <cstdlib>
#include <iostream>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
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

}  // namespace fieldcheck::client::platform
