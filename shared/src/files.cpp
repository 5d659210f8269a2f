// Files and folders for sensitive data.
#include "fieldcheck/files.h"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace fieldcheck {

void makePrivateDir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

void appendDurably(const std::filesystem::path& file, std::string_view bytes) {
  auto failed = [&](const char* what) {
    return std::system_error(errno, std::generic_category(), std::string(what) + " " + file.string());
  };
#ifdef _WIN32
  const int fd = ::_wopen(file.c_str(), _O_WRONLY | _O_CREAT | _O_APPEND | _O_BINARY, _S_IREAD | _S_IWRITE);
#else
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
#endif
  if (fd < 0) throw failed("cannot open");
  std::size_t written = 0;
  while (written < bytes.size()) {
#ifdef _WIN32
    const auto n = ::_write(fd, bytes.data() + written, static_cast<unsigned>(bytes.size() - written));
#else
    const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
#endif
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto error = failed("cannot write");
#ifdef _WIN32
      ::_close(fd);
#else
      ::close(fd);
#endif
      throw error;
    }
    written += static_cast<std::size_t>(n);
  }
#ifdef _WIN32
  const bool synced = ::_commit(fd) == 0;
  ::_close(fd);
#else
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
#endif
  if (!synced) throw failed("cannot flush");
}

std::string readWholeFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace fieldcheck
