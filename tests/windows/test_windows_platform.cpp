// The client's platform layer: UTF-8 text to paths and back, Vietnamese names and spaces on disk,
// long paths, the private folder, arguments and environment. Portable cases run in the Linux unit
// tests too; the Windows checks (wide names on disk, the folder's access list, the command line)
// run in fieldcheck-windows-unit-tests.exe under Wine.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fieldcheck/files.h"
#include "local_store.h"
#include "platform.h"
#include "support/temp_dir.h"

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <aclapi.h>

#include <memory>
#endif

namespace fs = std::filesystem;
using fieldcheck::pathFromUtf8;
using fieldcheck::utf8Of;
namespace platform = fieldcheck::client::platform;

namespace {

// Sets (or with nullptr removes) an environment variable of this process, given in UTF-8.
void setEnvironment(const char* name, const char* utf8_value) {
#ifdef _WIN32
  SetEnvironmentVariableW(fieldcheck::wideFromUtf8(name).c_str(),
                          utf8_value ? fieldcheck::wideFromUtf8(utf8_value).c_str() : nullptr);
#else
  if (utf8_value) ::setenv(name, utf8_value, 1);
  else ::unsetenv(name);
#endif
}

// Puts an environment variable back as it was when the test began.
class EnvironmentRestorer {
 public:
  explicit EnvironmentRestorer(const char* name) : name_(name), old_(platform::environmentVariable(name)) {}
  ~EnvironmentRestorer() { setEnvironment(name_, old_ ? old_->c_str() : nullptr); }
  EnvironmentRestorer(const EnvironmentRestorer&) = delete;
  EnvironmentRestorer& operator=(const EnvironmentRestorer&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Removes `dirs` (each inside the one before it), deepest first, with whatever files they hold by
// `files`: TempDir's remove_all lists folders, and MinGW's directory listing stops at 260 characters.
void removeNested(const std::vector<fs::path>& dirs, const std::vector<fs::path>& files) {
  std::error_code ignored;
  for (const auto& file : files) fs::remove(file, ignored);
  for (auto dir = dirs.rbegin(); dir != dirs.rend(); ++dir) fs::remove(*dir, ignored);
}

#ifdef _WIN32
bool underWine() { return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr; }

// The security identifier of the user this process runs as.
std::unique_ptr<unsigned char[]> currentUserToken(PSID& sid) {
  HANDLE token = nullptr;
  REQUIRE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  auto buffer = std::make_unique<unsigned char[]>(size);
  const bool ok = GetTokenInformation(token, TokenUser, buffer.get(), size, &size) != 0;
  CloseHandle(token);
  REQUIRE(ok);
  sid = reinterpret_cast<TOKEN_USER*>(buffer.get())->User.Sid;
  return buffer;
}

struct AccessList {
  bool read = false;  // GetNamedSecurityInfoW answered
  bool is_protected = false;
  int entries = 0;
  int entries_for_user = 0;  // allowing, for the given user
  bool user_has_full_control = false;
  bool user_entry_inherited = false;
  bool user_entry_inheritable = false;
};

AccessList accessListOf(const fs::path& object, PSID user) {
  AccessList out;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  std::wstring name = object.native();
  if (GetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr,
                            &descriptor) != ERROR_SUCCESS)
    return out;
  out.read = true;
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  if (GetSecurityDescriptorControl(descriptor, &control, &revision)) out.is_protected = (control & SE_DACL_PROTECTED) != 0;
  if (dacl != nullptr) {
    out.entries = dacl->AceCount;
    for (WORD i = 0; i < dacl->AceCount; ++i) {
      void* ace = nullptr;
      if (!GetAce(dacl, i, &ace)) continue;
      auto* header = static_cast<ACE_HEADER*>(ace);
      if (header->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
      auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
      if (!EqualSid(reinterpret_cast<PSID>(&allowed->SidStart), user)) continue;
      ++out.entries_for_user;
      // GENERIC_ALL is stored mapped to the file rights.
      out.user_has_full_control = (allowed->Mask & FILE_ALL_ACCESS) == FILE_ALL_ACCESS || (allowed->Mask & GENERIC_ALL) != 0;
      out.user_entry_inherited = (header->AceFlags & INHERITED_ACE) != 0;
      out.user_entry_inheritable = (header->AceFlags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)) ==
                                   (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
    }
  } else {
    out.entries = -1;  // no list at all: everyone may do anything
  }
  LocalFree(descriptor);
  return out;
}

// Whether this Windows keeps a folder's access list at all: a protected list of one entry for
// `user`, set here directly (not through the code under test) on `control` and read back. Wine
// answers the call without keeping it; real Windows keeps it.
bool accessListsAreKept(const fs::path& control, PSID user) {
  fs::create_directories(control);
  EXPLICIT_ACCESS_W entry{};
  entry.grfAccessPermissions = GENERIC_ALL;
  entry.grfAccessMode = SET_ACCESS;
  entry.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
  entry.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  entry.Trustee.TrusteeType = TRUSTEE_IS_USER;
  entry.Trustee.ptstrName = static_cast<LPWSTR>(user);
  PACL acl = nullptr;
  if (SetEntriesInAclW(1, &entry, nullptr, &acl) != ERROR_SUCCESS) return false;
  std::wstring name = control.native();
  const bool set = SetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                         acl, nullptr) == ERROR_SUCCESS;
  LocalFree(acl);
  const auto read = accessListOf(control, user);
  return set && read.read && read.is_protected && read.entries == 1;
}
#endif

}  // namespace

TEST_CASE("paths: a Vietnamese name with spaces goes from UTF-8 to a path and back unchanged", "[platform]") {
  const std::string name = GENERATE(std::string("Hồ sơ kiểm tra"), std::string("Thành phố Cao Bằng/Ảnh đẹp 01.jpg"),
                                    std::string("Đ đ Ư ư Ơ ơ ặ ỹ"), std::string("plain ascii"), std::string(""));
  CAPTURE(name);
  const fs::path path = pathFromUtf8(name);
  CHECK(utf8Of(path) == name);
#ifdef _WIN32
  // The path holds the real characters (UTF-16), not the UTF-8 bytes read in another code page.
  CHECK(path.native() == fieldcheck::wideFromUtf8(name));
#else
  CHECK(path.native() == name);
#endif
}

TEST_CASE("paths: the folder and file names are the real characters, not their bytes", "[platform]") {
  const fs::path path = pathFromUtf8("Hồ sơ") / pathFromUtf8("Phiếu số 1.txt");
  CHECK(utf8Of(path.filename()) == "Phiếu số 1.txt");
  CHECK(utf8Of(path.parent_path()) == "Hồ sơ");
  CHECK(utf8Of(path.stem()) == "Phiếu số 1");
#ifdef _WIN32
  CHECK(path.native() == L"Hồ sơ\\Phiếu số 1.txt");
  CHECK(path.filename().native().size() == 14);  // 14 UTF-16 units: "ế" and "ố" are one each
#endif
}

TEST_CASE("files: a file under a Vietnamese folder with a space is written, listed and read back by its name", "[platform]") {
  fieldcheck::test::TempDir temp;
  const fs::path dir = temp.path() / pathFromUtf8("Thư mục Cao Bằng");
  fs::create_directories(dir);
  const fs::path file = dir / pathFromUtf8("Phiếu số 1.txt");
  fieldcheck::appendDurably(file, "Nội dung / content\n");
  CHECK(fieldcheck::readWholeFile(file) == "Nội dung / content\n");

  // The name on disk, as the directory lists it.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(utf8Of(entry.path().filename()));
  CHECK(names == std::vector<std::string>{"Phiếu số 1.txt"});
  CHECK(utf8Of(fs::directory_iterator(temp.path())->path().filename()) == "Thư mục Cao Bằng");
#ifdef _WIN32
  // The name Windows itself holds: the UTF-16 of "Phiếu số 1.txt".
  WIN32_FIND_DATAW found{};
  const std::wstring pattern = (dir / L"*.txt").native();
  HANDLE search = FindFirstFileW(pattern.c_str(), &found);
  REQUIRE(search != INVALID_HANDLE_VALUE);
  FindClose(search);
  CHECK(std::wstring(found.cFileName) == L"Phiếu số 1.txt");
#endif
}

TEST_CASE("files: a path longer than 260 characters is made, written and read back", "[platform]") {
  fieldcheck::test::TempDir temp;
  fs::path dir = temp.path();
  std::vector<fs::path> dirs;
  // Five folders of 60 characters with Vietnamese letters and spaces: well past MAX_PATH.
  for (int i = 0; i < 5; ++i)
    dirs.push_back(dir /= pathFromUtf8("Thư mục số " + std::to_string(i) + " của đoàn kiểm tra huyện Hà Quảng năm 2019 xx"));
  const fs::path file = dir / pathFromUtf8("Ảnh mặt trước.jpg");
  REQUIRE(utf8Of(file).size() > 260);
  REQUIRE(file.native().size() > 260);
  fs::create_directories(dir);
  CHECK(fs::is_directory(dir));
  fieldcheck::appendDurably(file, "bytes");
  CHECK(fieldcheck::readWholeFile(file) == "bytes");
  CHECK(fs::file_size(file) == 5);
  fs::remove(file);
  CHECK_FALSE(fs::exists(file));
  removeNested(dirs, {});
  CHECK_FALSE(fs::exists(dirs.front()));
}

TEST_CASE("files: the local database opens by its Vietnamese name under a long folder path, and its data stays", "[platform]") {
  fieldcheck::test::TempDir temp;
  fs::path dir = temp.path();
  std::vector<fs::path> dirs;
  for (int i = 0; i < 4; ++i)
    dirs.push_back(dir /= pathFromUtf8("Hồ sơ kiểm tra số " + std::to_string(i) + " của huyện Trùng Khánh năm 2019 xx"));
  REQUIRE(dir.native().size() > 260);
  fieldcheck::makePrivateDir(dir);
  const fs::path file = dir / pathFromUtf8("Dữ liệu.db");
  {
    auto store = fieldcheck::client::LocalStore::open(file, true);
    REQUIRE(store);
    store.value().setSetting("district", "Trùng Khánh");
  }
  // SQLite was given the name in UTF-8: the file on disk is the one the path names.
  CHECK(fs::is_regular_file(file));
  {
    auto again = fieldcheck::client::LocalStore::open(file, false);
    REQUIRE(again);
    CHECK(again.value().setting("district") == std::optional<std::string>("Trùng Khánh"));
  }
  auto wal = file, shm = file;
  removeNested(dirs, {file, wal += "-wal", shm += "-shm"});
  CHECK_FALSE(fs::exists(dirs.front()));
}

TEST_CASE("private folder: made with its parents, and only its owner may use it", "[platform]") {
  fieldcheck::test::TempDir temp;
  const fs::path dir = temp.path() / pathFromUtf8("Hồ sơ riêng") / pathFromUtf8("Dữ liệu");
  fieldcheck::makePrivateDir(dir);
  REQUIRE(fs::is_directory(dir));
  fieldcheck::makePrivateDir(dir);  // again, on a folder that exists: no failure
#ifdef _WIN32
  PSID user = nullptr;
  const auto keep_token = currentUserToken(user);
  const auto folder = accessListOf(dir, user);
  fieldcheck::appendDurably(dir / L"fieldcheck.db", "x");
  const auto inside = accessListOf(dir / L"fieldcheck.db", user);
  const bool kept = folder.read && folder.is_protected && folder.entries == 1;
  if (!kept && underWine() && !accessListsAreKept(temp.path() / L"control", user)) {
    // Wine answers SetNamedSecurityInfoW without keeping the list (a list set directly on another
    // folder was not kept either): only real Windows proves it. Where Wine keeps lists, the checks
    // below run and a makePrivateDir that sets none fails them.
    WARN("SKIP: Wine did not keep the folder's access list (read " << folder.read << ", protected " << folder.is_protected
                                                                   << ", entries " << folder.entries
                                                                   << "); a real Windows machine must prove it");
    return;
  }
  CHECK(folder.read);
  CHECK(folder.is_protected);  // nothing inherited from %LOCALAPPDATA% or wherever it is
  CHECK(folder.entries == 1);
  CHECK(folder.entries_for_user == 1);
  CHECK(folder.user_has_full_control);
  CHECK(folder.user_entry_inheritable);
  // What is made inside gets the same one entry, inherited.
  CHECK(inside.read);
  CHECK(inside.entries == 1);
  CHECK(inside.entries_for_user == 1);
  CHECK(inside.user_entry_inherited);
#else
  const auto perms = fs::status(dir).permissions();
  CHECK((perms & fs::perms::owner_all) == fs::perms::owner_all);
  CHECK((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
#endif
}

TEST_CASE("environment: a variable holding Vietnamese is read as UTF-8, an empty one as unset", "[platform]") {
  EnvironmentRestorer restore("FIELDCHECK_TEST_VARIABLE");
  setEnvironment("FIELDCHECK_TEST_VARIABLE", "C:\\Người dùng\\Hồ Thị Hoa");
  CHECK(platform::environmentVariable("FIELDCHECK_TEST_VARIABLE") == std::optional<std::string>("C:\\Người dùng\\Hồ Thị Hoa"));
  setEnvironment("FIELDCHECK_TEST_VARIABLE", "");
  CHECK_FALSE(platform::environmentVariable("FIELDCHECK_TEST_VARIABLE").has_value());
  setEnvironment("FIELDCHECK_TEST_VARIABLE", nullptr);
  CHECK_FALSE(platform::environmentVariable("FIELDCHECK_TEST_VARIABLE").has_value());
}

#ifdef _WIN32
TEST_CASE("windows: the data folder is Fieldcheck under LOCALAPPDATA, Vietnamese user names included", "[platform][windows]") {
  EnvironmentRestorer restore("LOCALAPPDATA");
  setEnvironment("LOCALAPPDATA", "C:\\Users\\Hồ Thị Hoa\\AppData\\Local");
  const auto dir = platform::userDataDir();
  REQUIRE(dir.has_value());
  CHECK(dir->native() == L"C:\\Users\\Hồ Thị Hoa\\AppData\\Local\\Fieldcheck");
  CHECK(utf8Of(*dir) == "C:\\Users\\Hồ Thị Hoa\\AppData\\Local\\Fieldcheck");
  setEnvironment("LOCALAPPDATA", nullptr);
  CHECK_FALSE(platform::userDataDir().has_value());
}

TEST_CASE("windows: command-line arguments in Vietnamese arrive as UTF-8", "[platform][windows]") {
  const auto args = platform::argumentsFromCommandLine(
      L"\"C:\\Program Files\\Fieldcheck\\fieldcheck.exe\" --home \"D:\\Hồ sơ\\Đoàn kiểm tra\" inspect attach 1a2b "
      L"photo_front \"Ảnh mặt trước.jpg\"");
  CHECK(args == std::vector<std::string>{"C:\\Program Files\\Fieldcheck\\fieldcheck.exe", "--home", "D:\\Hồ sơ\\Đoàn kiểm tra",
                                         "inspect", "attach", "1a2b", "photo_front", "Ảnh mặt trước.jpg"});
  // This process's own command line is read the same way: its program comes first.
  const auto own = platform::argumentsUtf8(0, nullptr);
  REQUIRE_FALSE(own.empty());
  wchar_t module[MAX_PATH] = {};
  REQUIRE(GetModuleFileNameW(nullptr, module, MAX_PATH) > 0);
  CHECK(pathFromUtf8(own.front()).stem() == fs::path(module).stem());
}

TEST_CASE("windows: a name the user cannot see in the ANSI code page still names its file", "[platform][windows]") {
  // "ệ" and "Đ" have no place in code page 1252, the ANSI page of an English Windows: through a
  // narrow std::string they would turn into other characters.
  fieldcheck::test::TempDir temp;
  const fs::path file = temp.path() / pathFromUtf8("Đệ trình.txt");
  { std::ofstream(file) << "x"; }
  CHECK(fs::exists(temp.path() / L"Đệ trình.txt"));
  CHECK_FALSE(fs::exists(temp.path() / fs::path(std::string("Đệ trình.txt"))));
}
#endif
