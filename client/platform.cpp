// Platform-specific pieces, kept in one file so the rest of the client stays portable.
#include "platform.h"

#include <cstdlib>
#include <iostream>

#include "fieldcheck/files.h"

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <shellapi.h>

#include <cstring>
#include <streambuf>
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

#ifdef _WIN32
namespace {

// Writes UTF-8 to a Windows console as UTF-16 through WriteConsoleW, whatever the console's code
// page; a character cut between two flushes is held back until it is whole.
class ConsoleOutput : public std::streambuf {
 public:
  explicit ConsoleOutput(HANDLE console) : console_(console) { setp(buffer_, buffer_ + sizeof buffer_); }

 protected:
  int_type overflow(int_type ch) override {
    if (!writeWhole()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return writeWhole() ? 0 : -1; }

 private:
  // How many of the `n` bytes at `text` end on a character boundary: an unfinished UTF-8 sequence
  // at the end (at most 3 bytes) waits for the rest.
  static std::size_t wholeCharacters(const char* text, std::size_t n) {
    for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
      const auto byte = static_cast<unsigned char>(text[n - back]);
      if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
      const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
      return length > back ? n - back : n;
    }
    return n;
  }

  bool writeWhole() {
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    const auto whole = wholeCharacters(pbase(), n);
    bool ok = true;
    const std::wstring wide = wideFromUtf8(std::string_view(pbase(), whole));
    for (std::size_t done = 0; done < wide.size();) {
      DWORD written = 0;
      if (!WriteConsoleW(console_, wide.data() + done, static_cast<DWORD>(wide.size() - done), &written, nullptr) ||
          written == 0) {
        ok = false;
        break;
      }
      done += written;
    }
    std::memmove(buffer_, pbase() + whole, n - whole);
    setp(buffer_, buffer_ + sizeof buffer_);
    pbump(static_cast<int>(n - whole));
    return ok;
  }

  HANDLE console_;
  char buffer_[4096];
};

// Reads a Windows console through ReadConsoleW and hands the text on as UTF-8 ("\r\n" as "\n"):
// a console in code page 65001 gives no bytes at all for non-ASCII keys through ReadFile on many
// Windows versions.
class ConsoleInput : public std::streambuf {
 public:
  explicit ConsoleInput(HANDLE console) : console_(console) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (ended_) return traits_type::eof();
    wchar_t wide[1024];
    DWORD got = 0;
    if (!ReadConsoleW(console_, wide, static_cast<DWORD>(std::size(wide)), &got, nullptr) || got == 0) {
      ended_ = true;  // Ctrl-C, or the console went away
      return traits_type::eof();
    }
    std::wstring text = pending_ + std::wstring(wide, got);
    pending_.clear();
    // Ctrl-Z at the start of a line ends the input, as the C runtime reads a console.
    if (!text.empty() && text.front() == L'\x1a') {
      ended_ = true;
      return traits_type::eof();
    }
    // A surrogate pair cut between two reads waits for its second half.
    if (!text.empty() && text.back() >= 0xD800 && text.back() <= 0xDBFF) {
      pending_ = text.back();
      text.pop_back();
    }
    data_.clear();
    for (const char c : utf8FromWide(text))
      if (c != '\r') data_.push_back(c);
    if (data_.empty()) return underflow();
    setg(data_.data(), data_.data(), data_.data() + data_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  HANDLE console_;
  std::wstring pending_;
  std::string data_;
  bool ended_ = false;
};

bool isConsole(HANDLE handle) {
  DWORD mode = 0;
  return handle != nullptr && handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode) != 0;
}

// A string from a wide API that fills a buffer of `size` characters and says how long it was.
template <class Call>
std::string wideAnswer(Call&& call) {
  wchar_t buffer[512] = {};
  DWORD size = static_cast<DWORD>(std::size(buffer));
  if (!call(buffer, &size)) return "";
  return utf8FromWide(std::wstring_view(buffer, wcsnlen(buffer, std::size(buffer))));
}

}  // namespace

std::vector<std::string> argumentsFromCommandLine(const wchar_t* command_line) {
  int count = 0;
  LPWSTR* wide = CommandLineToArgvW(command_line, &count);
  if (wide == nullptr) return {};
  std::vector<std::string> args;
  for (int i = 0; i < count; ++i) args.push_back(utf8FromWide(wide[i]));
  LocalFree(wide);
  return args;
}

std::vector<std::string> argumentsUtf8(int argc, char** argv) {
  auto args = argumentsFromCommandLine(GetCommandLineW());
  if (args.empty()) return std::vector<std::string>(argv, argv + argc);
  return args;
}

std::optional<std::string> environmentVariable(const char* name) {
  const std::wstring wide_name = wideFromUtf8(name);
  const DWORD size = GetEnvironmentVariableW(wide_name.c_str(), nullptr, 0);
  if (size <= 1) return std::nullopt;  // unset, or set to nothing
  std::wstring value(size, L'\0');
  const DWORD length = GetEnvironmentVariableW(wide_name.c_str(), value.data(), size);
  if (length == 0 || length >= size) return std::nullopt;
  value.resize(length);
  return utf8FromWide(value);
}

void useUtf8Console() {
  // What bypasses the streams below (a library printing with printf) still speaks UTF-8. The code
  // pages belong to the console, shared with the shell that started us: put back at exit.
  static const UINT old_output_page = GetConsoleOutputCP();
  static const UINT old_input_page = GetConsoleCP();
  if (old_output_page != 0 && old_input_page != 0) {
    SetConsoleOutputCP(CP_UTF8);
    SetConsoleCP(CP_UTF8);
    std::atexit([] {
      SetConsoleOutputCP(old_output_page);
      SetConsoleCP(old_input_page);
    });
  }
  // The stream buffers live until the process ends: std::cout is flushed after static destructors.
  const HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  if (isConsole(out)) std::cout.rdbuf(new ConsoleOutput(out));
  else _setmode(_fileno(stdout), _O_BINARY);
  const HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  if (isConsole(err)) std::cerr.rdbuf(new ConsoleOutput(err));
  else _setmode(_fileno(stderr), _O_BINARY);
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  if (isConsole(in)) std::cin.rdbuf(new ConsoleInput(in));
}

std::optional<fs::path> userDataDir() {
  if (auto local = environmentVariable("LOCALAPPDATA")) return pathFromUtf8(*local) / "Fieldcheck";
  return std::nullopt;
}

std::string currentUserName() {
  return wideAnswer([](wchar_t* buffer, DWORD* size) { return GetUserNameW(buffer, size) != 0; });
}

std::string hostName() {
  return wideAnswer([](wchar_t* buffer, DWORD* size) {
    return GetComputerNameExW(ComputerNameDnsHostname, buffer, size) != 0 || GetComputerNameW(buffer, size) != 0;
  });
}

std::string readSecretLine() {
  std::string line;
  const HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  DWORD old_mode = 0;
  const bool console = GetConsoleMode(in, &old_mode) != 0;
  if (console) SetConsoleMode(in, old_mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  std::getline(std::cin, line);
  if (console) {
    SetConsoleMode(in, old_mode);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool isTerminal(std::FILE* stream) {
  // Not _isatty: it also says yes for the NUL device.
  return isConsole(reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream))));
}

#else

std::vector<std::string> argumentsUtf8(int argc, char** argv) { return std::vector<std::string>(argv, argv + argc); }

std::optional<std::string> environmentVariable(const char* name) {
  if (const char* value = std::getenv(name); value && *value) return std::string(value);
  return std::nullopt;
}

void useUtf8Console() {}

std::optional<fs::path> userDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "fieldcheck";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "share" / "fieldcheck";
  return std::nullopt;
}

std::string currentUserName() {
  for (const char* var : {"USER", "USERNAME", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return "";
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

std::string readSecretLine() {
  std::string line;
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
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool isTerminal(std::FILE* stream) { return ::isatty(::fileno(stream)) != 0; }

#endif

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
  // The user's default browser, through the shell's association for http.
  const std::wstring wide_url = wideFromUtf8(url);
  const auto result =
      reinterpret_cast<std::intptr_t>(ShellExecuteW(nullptr, L"open", wide_url.c_str(), nullptr, nullptr, SW_SHOWNORMAL));
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
