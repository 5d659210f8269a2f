// Files and folders for sensitive data; UTF-8 text to paths and back.
#include "fieldcheck/files.h"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <aclapi.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace fieldcheck {

#ifdef _WIN32

std::wstring wideFromUtf8(std::string_view utf8) {
  if (utf8.empty()) return {};
  // No MB_ERR_INVALID_CHARS: a bad sequence becomes U+FFFD instead of failing the whole text.
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), n);
  return wide;
}

std::string utf8FromWide(std::wstring_view wide) {
  if (wide.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), utf8.data(), n, nullptr, nullptr);
  return utf8;
}

std::filesystem::path pathFromUtf8(std::string_view utf8) { return std::filesystem::path(wideFromUtf8(utf8)); }

std::string utf8Of(const std::filesystem::path& path) { return utf8FromWide(path.native()); }

namespace {

// Gives `dir` a protected access list (nothing inherited from its parents) with one entry: full
// control for the user this process runs as, inherited by every file and folder inside.
// Returns a Windows error code, 0 on success.
DWORD restrictToCurrentUser(const std::filesystem::path& dir) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return GetLastError();
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  auto buffer = std::make_unique<unsigned char[]>(size ? size : 1);
  const bool have_user = GetTokenInformation(token, TokenUser, buffer.get(), size, &size) != 0;
  const DWORD token_error = have_user ? 0 : GetLastError();
  CloseHandle(token);
  if (!have_user) return token_error;
  PSID user = reinterpret_cast<TOKEN_USER*>(buffer.get())->User.Sid;

  EXPLICIT_ACCESS_W grant{};
  grant.grfAccessPermissions = FILE_ALL_ACCESS;
  grant.grfAccessMode = SET_ACCESS;
  grant.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
  grant.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  grant.Trustee.TrusteeType = TRUSTEE_IS_USER;
  grant.Trustee.ptstrName = static_cast<LPWSTR>(user);
  PACL acl = nullptr;
  if (const DWORD error = SetEntriesInAclW(1, &grant, nullptr, &acl); error != ERROR_SUCCESS) return error;
  std::wstring name = dir.native();
  const DWORD error = SetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT,
                                            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                            nullptr, acl, nullptr);
  LocalFree(acl);
  return error;
}

}  // namespace

void makePrivateDir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  if (const DWORD error = restrictToCurrentUser(dir); error != ERROR_SUCCESS)
    throw std::filesystem::filesystem_error("cannot restrict the folder to its user", dir,
                                            std::error_code(static_cast<int>(error), std::system_category()));
}

#else

std::filesystem::path pathFromUtf8(std::string_view utf8) { return std::filesystem::path(utf8); }

std::string utf8Of(const std::filesystem::path& path) { return path.string(); }

void makePrivateDir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

#endif

void appendDurably(const std::filesystem::path& file, std::string_view bytes) {
  auto failed = [&](const char* what) {
    return std::system_error(errno, std::generic_category(), std::string(what) + " " + utf8Of(file));
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
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + utf8Of(file));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace fieldcheck
