// The Windows installer (Fieldcheck-Setup-x64.exe, packaging/windows/fieldcheck.nsi) under Wine:
// installed silently for the current user, the installed program started, installed again over
// itself, uninstalled with the data kept, then with /REMOVEDATA; and both refusing while the
// program runs, as does an install elsewhere while an older copy in another folder runs. Each
// test has a Wine prefix of its own, under its TempDir.
//
// What Wine does not show, and these tests do not pretend to: the Start menu itself (only the
// shortcut files, their targets and arguments are checked, not that Windows lists or opens
// them); that no administrator rights are asked for (Wine has no UAC: the manifest's asInvoker level
// is set by RequestExecutionLevel user, and everything lands under the user's own folders and
// HKCU, which is what is checked); "Apps & features" listing the uninstall key; the installer's
// pages (all runs are silent); SmartScreen and signatures; the default browser opening.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using fieldcheck::test::ProcessOptions;
using fieldcheck::test::ProcessResult;
using fieldcheck::test::RunningProcess;
using fieldcheck::test::runProcess;
using fieldcheck::test::TempDir;

const std::string kUninstallKey = R"(HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Fieldcheck)";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Every file under `dir` with its content: what "the data is kept" means.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = readFile(entry.path());
  return files;
}

std::set<std::string> fileNames(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

/// A port on 127.0.0.1 that nothing listens on at the moment of asking.
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// A Wine prefix of the test's own: its Windows user's folders, and programs run in it.
class Wine {
 public:
  Wine() {
    // Made by wine-run.sh on first use; the user's folders come from Windows' own answer.
    local_app_data_ = trimmed(run({"cmd", "/c", "echo %LOCALAPPDATA%"}).out);
    app_data_ = trimmed(run({"cmd", "/c", "echo %APPDATA%"}).out);
    REQUIRE(local_app_data_.rfind("C:\\", 0) == 0);
    REQUIRE(app_data_.rfind("C:\\", 0) == 0);
  }
  ~Wine() {
    // Whatever still runs in the prefix ends before the TempDir goes.
    runProcess({"/usr/bin/timeout", "30", "/usr/bin/wineserver", "-k"}, serverOptions());
    runProcess({"/usr/bin/timeout", "30", "/usr/bin/wineserver", "-w"}, serverOptions());
  }
  Wine(const Wine&) = delete;
  Wine& operator=(const Wine&) = delete;

  /// Runs a program in the prefix; one that has not ended after two minutes is stopped (exit
  /// code 124), so that a hang fails its check instead of the whole test's timeout.
  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/timeout", "-k", "10", "120", FIELDCHECK_WINE_RUN});
    ProcessOptions options;
    options.env["FIELDCHECK_WINEPREFIX"] = prefix().string();
    // The program's default home is what is under test, not one the test's caller set.
    options.unset_env = {"FIELDCHECK_HOME"};
    options.cwd = dir_.path().string();
    return runProcess(args, options);
  }

  /// The argv for a program started in the background in this prefix.
  std::vector<std::string> background(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "FIELDCHECK_HOME",
                                     "FIELDCHECK_WINEPREFIX=" + prefix().string(), FIELDCHECK_WINE_RUN};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  /// Waits (two minutes at most) until every program in the prefix has ended: an uninstaller run
  /// without _?= goes on in a copy of itself after the one started returns.
  void waitForAll() const { runProcess({"/usr/bin/timeout", "120", "/usr/bin/wineserver", "-w"}, serverOptions()); }

  /// "C:\users\..." as a path on this machine.
  fs::path unix(const std::string& windows_path) const {
    REQUIRE(windows_path.rfind("C:\\", 0) == 0);
    std::string rest = windows_path.substr(3);
    std::replace(rest.begin(), rest.end(), '\\', '/');
    return prefix() / "drive_c" / rest;
  }

  std::string installDir() const { return local_app_data_ + "\\Programs\\Fieldcheck"; }
  std::string installedExe() const { return installDir() + "\\fieldcheck.exe"; }
  std::string uninstaller() const { return installDir() + "\\uninstall.exe"; }
  fs::path dataDir() const { return unix(local_app_data_ + "\\Fieldcheck"); }
  fs::path shortcut() const { return unix(app_data_ + "\\Microsoft\\Windows\\Start Menu\\Programs\\Fieldcheck.lnk"); }
  fs::path commandLineShortcut() const {
    return unix(app_data_ + "\\Microsoft\\Windows\\Start Menu\\Programs\\Fieldcheck - dòng lệnh (command line).lnk");
  }

  /// The values of the uninstall key, from Windows' reg; empty when the key is not there.
  std::map<std::string, std::string> uninstallKey() const {
    const auto result = run({"reg", "query", kUninstallKey});
    std::map<std::string, std::string> values;
    if (result.exit_code != 0) return values;
    static const std::regex line(R"(^\s+(\S+)\s+REG_\w+\s+(.*?)\r?$)");
    std::smatch m;
    std::istringstream out(result.out);
    for (std::string text; std::getline(out, text);)
      if (std::regex_match(text, m, line)) values[m[1]] = m[2];
    return values;
  }

 private:
  fs::path prefix() const { return dir_.path() / "wine"; }
  ProcessOptions serverOptions() const {
    ProcessOptions options;
    options.env["WINEPREFIX"] = prefix().string();
    return options;
  }

  TempDir dir_;
  std::string local_app_data_;
  std::string app_data_;
};

/// The sample province, as Windows sees it (Wine's Z: drive is /).
std::string seedForWindows() {
  std::string path = fs::absolute(fieldcheck::test::sampleSeed()).string();
  std::replace(path.begin(), path.end(), '/', '\\');
  return "Z:" + path;
}

void install(const Wine& wine) {
  const auto result = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
}

/// `fieldcheck init` in the program's default home, as an inspector's first run would.
void initDefaultHome(const Wine& wine) {
  const auto result = wine.run({wine.installedExe(), "init", "--seed", seedForWindows(), "--user", "lan"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(fs::is_directory(wine.dataDir()));
  REQUIRE_FALSE(snapshot(wine.dataDir()).empty());
}

/// The installed program reads the home it finds in the default place.
void requireProgramReadsHome(const Wine& wine) {
  const auto result = wine.run({wine.installedExe(), "establishments"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE_FALSE(result.out.empty());
}

/// Whether a .lnk file targets `target` (its local path, kept in the code page) with `arguments`:
/// those are a count of UTF-16 units followed by them (Windows counts them alone; Wine also
/// counts, and writes, a closing NUL).
bool shortcutRuns(const std::string& lnk, const std::string& target, const std::string& arguments) {
  if (lnk.size() < 4 || lnk.compare(0, 4, std::string("L\0\0\0", 4)) != 0) return false;
  if (lnk.find(target + '\0') == std::string::npos) return false;
  std::string wide;
  for (char c : arguments) {
    wide += c;
    wide += '\0';
  }
  const auto n = arguments.size();
  for (auto at = lnk.find(wide); at != std::string::npos; at = lnk.find(wide, at + 1)) {
    if (at < 2) continue;
    const std::size_t count = static_cast<unsigned char>(lnk[at - 2]) | static_cast<unsigned char>(lnk[at - 1]) << 8;
    if (count == n) return true;
    if (count == n + 1 && lnk.compare(at + wide.size(), 2, std::string("\0\0", 2)) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("installer: a silent install for the current user lays the program, its Start-menu entry and its uninstall key, and the program runs") {
  Wine wine;
  install(wine);

  const fs::path dir = wine.unix(wine.installDir());
  // Only what the program needs, beside it.
  CHECK(fileNames(dir) == std::set<std::string>{"README.txt", "fieldcheck.exe", "uninstall.exe"});
  CHECK(readFile(dir / "fieldcheck.exe") == readFile(FIELDCHECK_WINDOWS_CLIENT_EXE));
  const std::string readme = readFile(dir / "README.txt");
  CHECK(readme.find("Dữ liệu") != std::string::npos);
  CHECK(readme.find("Your data") != std::string::npos);

  REQUIRE(fs::is_regular_file(wine.shortcut()));
  CHECK(shortcutRuns(readFile(wine.shortcut()), wine.installedExe(), "ui"));
  REQUIRE(fs::is_regular_file(wine.commandLineShortcut()));
  CHECK(shortcutRuns(readFile(wine.commandLineShortcut()), "\\cmd.exe", "/k fieldcheck.exe --help"));

  auto key = wine.uninstallKey();
  CHECK(key["DisplayName"] == "Fieldcheck");
  CHECK(std::regex_match(key["DisplayVersion"], std::regex(R"(\d+\.\d+\.\d+)")));
  CHECK(key["InstallLocation"] == wine.installDir());
  CHECK(key["UninstallString"] == "\"" + wine.uninstaller() + "\"");
  CHECK(key["QuietUninstallString"] == "\"" + wine.uninstaller() + "\" /S");

  // The installer makes no data; the program does, in its default home.
  CHECK_FALSE(fs::exists(wine.dataDir()));
  const auto help = wine.run({wine.installedExe(), "--help"});
  INFO(help.out << help.err);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("fieldcheck") != std::string::npos);
  initDefaultHome(wine);
  requireProgramReadsHome(wine);
}

TEST_CASE("installer: a second install over the first replaces the program and an older uninstaller, and keeps the data") {
  Wine wine;
  install(wine);
  initDefaultHome(wine);
  const auto data = snapshot(wine.dataDir());

  // What an older version left: another program, another uninstaller, another version.
  const fs::path dir = wine.unix(wine.installDir());
  const std::string uninstaller = readFile(dir / "uninstall.exe");
  writeFile(dir / "fieldcheck.exe", "an older fieldcheck.exe");
  writeFile(dir / "uninstall.exe", "an older uninstall.exe");
  REQUIRE(wine.run({"reg", "add", kUninstallKey, "/v", "DisplayVersion", "/d", "0.0.1", "/f"}).exit_code == 0);

  install(wine);
  CHECK(readFile(dir / "fieldcheck.exe") == readFile(FIELDCHECK_WINDOWS_CLIENT_EXE));
  CHECK(readFile(dir / "uninstall.exe") == uninstaller);
  CHECK(wine.uninstallKey()["DisplayVersion"] != "0.0.1");
  CHECK(snapshot(wine.dataDir()) == data);
  requireProgramReadsHome(wine);
}

TEST_CASE("installer: an install in another folder removes the older one there, keeping the data") {
  Wine wine;
  const auto first = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S", "/D=C:\\Older\\Fieldcheck"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(fs::is_regular_file(wine.unix("C:\\Older\\Fieldcheck\\fieldcheck.exe")));
  REQUIRE(wine.run({"C:\\Older\\Fieldcheck\\fieldcheck.exe", "init", "--seed", seedForWindows(), "--user", "lan"})
              .exit_code == 0);
  const auto data = snapshot(wine.dataDir());
  REQUIRE_FALSE(data.empty());

  const auto second = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S", "/D=" + wine.installDir()});
  INFO(second.out << second.err);
  REQUIRE(second.exit_code == 0);
  CHECK_FALSE(fs::exists(wine.unix("C:\\Older\\Fieldcheck")));
  CHECK(fs::is_regular_file(wine.unix(wine.installedExe())));
  CHECK(wine.uninstallKey()["InstallLocation"] == wine.installDir());
  CHECK(fs::is_regular_file(wine.shortcut()));
  CHECK(snapshot(wine.dataDir()) == data);
  requireProgramReadsHome(wine);
}

TEST_CASE("installer: the silent uninstaller removes the program, its Start-menu entry and its key and keeps the data, and with /REMOVEDATA removes the data too") {
  Wine wine;
  install(wine);
  initDefaultHome(wine);
  const auto data = snapshot(wine.dataDir());

  // As Windows' "Apps" runs it: the uninstaller copies itself away, returns, and goes on.
  const auto removed = wine.run({wine.uninstaller(), "/S"});
  INFO(removed.out << removed.err);
  REQUIRE(removed.exit_code == 0);
  wine.waitForAll();
  CHECK_FALSE(fs::exists(wine.unix(wine.installDir())));
  CHECK_FALSE(fs::exists(wine.shortcut()));
  CHECK_FALSE(fs::exists(wine.commandLineShortcut()));
  CHECK(wine.uninstallKey().empty());
  CHECK(snapshot(wine.dataDir()) == data);

  // Installed again, the program finds the data it left.
  install(wine);
  CHECK(snapshot(wine.dataDir()) == data);
  requireProgramReadsHome(wine);

  // Asked to, the uninstaller removes the data too (waited for in place: _?=).
  const auto all = wine.run({wine.uninstaller(), "/S", "/REMOVEDATA", "_?=" + wine.installDir()});
  INFO(all.out << all.err);
  REQUIRE(all.exit_code == 0);
  CHECK_FALSE(fs::exists(wine.dataDir()));
  CHECK_FALSE(fs::exists(wine.unix(wine.installedExe())));
  CHECK_FALSE(fs::exists(wine.shortcut()));
  CHECK(wine.uninstallKey().empty());
}

TEST_CASE("installer: while fieldcheck.exe runs, neither the installer nor the uninstaller changes anything") {
  Wine wine;
  install(wine);
  initDefaultHome(wine);
  const auto data = snapshot(wine.dataDir());
  const fs::path dir = wine.unix(wine.installDir());
  const auto program = snapshot(dir);

  const int port = freePort();
  {
    RunningProcess ui(wine.background({wine.installedExe(), "ui", "--no-browser", "--port", std::to_string(port)}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!accepts(port) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE(accepts(port));

    const auto again = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S"});
    CHECK(again.exit_code == 2);
    const auto removed = wine.run({wine.uninstaller(), "/S", "/REMOVEDATA", "_?=" + wine.installDir()});
    CHECK(removed.exit_code == 2);

    CHECK(snapshot(dir) == program);
    CHECK(fs::is_regular_file(wine.shortcut()));
    CHECK(wine.uninstallKey().count("UninstallString") == 1);
    // The running program may add to its home (a journal): the data's files are compared once
    // it has ended.
    ui.kill();
  }

  // Closed, the same uninstall goes through (once Wine has let go of the killed program's file).
  for (const auto& [name, content] : data) CHECK(fs::is_regular_file(wine.dataDir() / name));
  ProcessResult removed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    removed = wine.run({wine.uninstaller(), "/S", "_?=" + wine.installDir()});
    if (removed.exit_code != 2) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(removed.exit_code == 0);
  CHECK_FALSE(fs::exists(wine.unix(wine.installedExe())));
  CHECK(fs::is_directory(wine.dataDir()));
}

TEST_CASE("installer: while the older copy in another folder runs, an install elsewhere stops and changes nothing") {
  Wine wine;
  const std::string older = "C:\\Older\\Fieldcheck";
  const auto first = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S", "/D=" + older});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(wine.run({older + "\\fieldcheck.exe", "init", "--seed", seedForWindows(), "--user", "lan"}).exit_code == 0);
  const fs::path older_dir = wine.unix(older);
  const auto program = snapshot(older_dir);
  const auto key = wine.uninstallKey();
  REQUIRE(key.at("InstallLocation") == older);
  const std::string shortcut = readFile(wine.shortcut());

  const int port = freePort();
  {
    RunningProcess ui(wine.background({older + "\\fieldcheck.exe", "ui", "--no-browser", "--port", std::to_string(port)}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!accepts(port) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE(accepts(port));

    const auto second = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S", "/D=" + wine.installDir()});
    INFO(second.out << second.err);
    CHECK(second.exit_code == 2);
    // The older copy, its Start-menu entry and its key as they were; nothing in the new folder.
    CHECK(snapshot(older_dir) == program);
    CHECK(wine.uninstallKey() == key);
    CHECK(readFile(wine.shortcut()) == shortcut);
    CHECK_FALSE(fs::exists(wine.unix(wine.installDir())));
    ui.kill();
  }

  // Closed, the same install goes through and removes the older copy (once Wine has let go of
  // the killed program's file).
  ProcessResult second;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    second = wine.run({FIELDCHECK_WINDOWS_INSTALLER, "/S", "/D=" + wine.installDir()});
    if (second.exit_code != 2) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  } while (std::chrono::steady_clock::now() < deadline);
  INFO(second.out << second.err);
  CHECK(second.exit_code == 0);
  CHECK_FALSE(fs::exists(older_dir));
  CHECK(wine.uninstallKey()["InstallLocation"] == wine.installDir());
}
