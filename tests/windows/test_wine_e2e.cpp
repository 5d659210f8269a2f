// The Windows program (fieldcheck.exe) end to end under Debian's Wine, against the Linux
// fieldcheck-server on 127.0.0.1: an inspector's day with the home in a folder named in Vietnamese
// with spaces, a conflict surfaced and resolved, a USB bundle and its receipt, the program killed
// mid-save, Ctrl-C to `fieldcheck ui`, and the default home inside the Wine prefix.
//
// Wine facts these tests rely on (checked with Wine 8 here):
// - Wine maps drive Z: to /, so the Windows program's paths are "Z:\\tmp\\…" and the test reads
//   the same files from Linux.
// - Wine converts the Unix command line and environment to UTF-16 with the Unix locale's charset,
//   so every Windows program here runs with LC_ALL=C.UTF-8 (the only UTF-8 locale installed;
//   without it "Hồ sơ" reaches the program as "Ha; sF!"). Wine's ANSI code page for that locale
//   is 1252, not UTF-8 (fieldcheck.exe's manifest asks for UTF-8 on its own behalf).
// - Each test makes a Wine prefix of its own (10 to 20 s on a quiet machine, over a minute on a
//   loaded one), so tests share nothing and may run side by side.
// - `wine PROGRAM` ends in an exec of the program itself: the process the test started is the
//   Windows process (/proc/PID/comm becomes "fieldcheck.exe"), so a SIGKILL or SIGINT to it
//   reaches the program; Wine turns SIGINT into the console's Ctrl-C.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/store_checks.h"
#include "support/temp_dir.h"

extern char** environ;

using namespace fieldcheck::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The Windows path of `p` through Wine's drive Z:.
std::string onZ(const fs::path& p) {
  std::string s = "Z:" + p.string();
  std::replace(s.begin(), s.end(), '/', '\\');
  return s;
}

void writeFile(const fs::path& file, const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; }

std::set<std::string> namesIn(const fs::path& folder) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(folder)) out.insert(entry.path().filename().string());
  return out;
}

// A Wine prefix of the test's own under `dir`, with one wineserver kept up between the test's
// programs (each then starts in a fraction of a second; it stays 60 s after its last program, so a
// test that dies leaves nothing running for long) and stopped, with anything left in the prefix,
// when the test ends. The first program makes the prefix (wine-run.sh runs wineboot, about 5 s).
class Wine {
 public:
  explicit Wine(const fs::path& dir) : prefix_(dir / "wine-prefix") {
    fs::create_directories(prefix_);
    runProcess({"/bin/sh", "-c", "WINEPREFIX=\"$0\" wineserver -p60 </dev/null >/dev/null 2>&1", prefix_.string()});
    const auto first = runProcess(command({"--help"}));
    INFO("the first Windows program in a new Wine prefix: " << first.exit_code << "\n" << first.out << first.err);
    REQUIRE(first.exit_code == 0);
  }
  ~Wine() { runProcess({"/bin/sh", "-c", "WINEPREFIX=\"$0\" wineserver -k </dev/null >/dev/null 2>&1", prefix_.string()}); }
  Wine(const Wine&) = delete;
  Wine& operator=(const Wine&) = delete;

  const fs::path& prefix() const { return prefix_; }

  /// The command line that runs fieldcheck.exe (a Laptop's `program`): in this prefix, with a
  /// UTF-8 Unix locale, and by default under a deadline of two minutes, so that a Wine that hangs
  /// fails its test at once. Without the deadline the process started is the program itself.
  std::vector<std::string> program(bool deadline = true) const {
    std::vector<std::string> out;
    if (deadline) out = {"/usr/bin/timeout", "-k", "5", "120"};
    for (const auto& a : {std::string("/usr/bin/env"), std::string("LC_ALL=C.UTF-8"),
                          "FIELDCHECK_WINEPREFIX=" + prefix_.string(), std::string(FIELDCHECK_WINE_RUN),
                          std::string(FIELDCHECK_WINDOWS_CLIENT_EXE)})
      out.push_back(a);
    return out;
  }
  std::vector<std::string> command(const std::vector<std::string>& args) const {
    auto out = program();
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

 private:
  fs::path prefix_;
};

// A Windows laptop: its home a Windows path, its program fieldcheck.exe through `wine`.
Laptop windowsLaptop(const Wine& wine, const fs::path& home, const std::string& user) {
  return Laptop{onZ(home), user, "", "", wine.program()};
}

// A province on a Linux server: the sample seed, and users of Bảo Lạc.
struct Province {
  TempDir dir;
  std::string data = (dir / "data").string();
  Province() { REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0); }
  void inspector(const std::string& name) const { REQUIRE(addServerUser(data, name, {"--role", "inspector", "--district", "bao-lac"})); }
  void supervisor(const std::string& name) const { REQUIRE(addServerUser(data, name, {"--role", "supervisor", "--district", "bao-lac"})); }
  json serverJson(std::vector<std::string> args) const {
    args.insert(args.begin(), {serverBinary(), "--data", data});
    args.push_back("--json");
    const auto r = runProcess(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  long long count(const std::string& sql, const std::string& bound) const {
    SQLite::Database db(data + "/provincial.db", SQLite::OPEN_READONLY);
    SQLite::Statement st(db, sql);
    st.bind(1, bound);
    REQUIRE(st.executeStep());
    return st.getColumn(0).getInt64();
  }
  std::string serverPhoto(const std::string& sha) const {
    return fieldcheck::readWholeFile(fs::path(data) / "attachments" / sha.substr(0, 2) / sha);
  }
};

void loginAndSync(const Laptop& laptop, unsigned short port) {
  laptop.loginTo(port);
  const auto first = laptop.run({"sync"});
  INFO(laptop.user << ": " << first.out << first.err);
  REQUIRE(first.exit_code == 0);
}

// A program started in the background with its standard input from /dev/null and its output
// (both streams) into `output`; killed at the end of the test if still running.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const fs::path& output) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    auto args = argv;
    std::vector<char*> ptrs;
    for (auto& a : args) ptrs.push_back(a.data());
    ptrs.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, ptrs.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  bool running() { return pid_ > 0 && !reap(false); }
  /// The program's name as the kernel has it (its first 15 bytes); empty once it has ended.
  std::string name() const {
    std::ifstream comm("/proc/" + std::to_string(pid_) + "/comm");
    std::string line;
    std::getline(comm, line);
    return line;
  }
  /// Waits for the end, at most `limit`; true when it ended.
  bool waitFor(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (running()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  /// Whether the process has a file whose name ends in `name` open (Wine opens files in the
  /// program's own process, so /proc shows them).
  bool hasOpen(const std::string& name) const {
    std::error_code ec;
    for (fs::directory_iterator fd("/proc/" + std::to_string(pid_) + "/fd", ec), end; !ec && fd != end; fd.increment(ec)) {
      std::error_code link_ec;
      const auto target = fs::read_symlink(fd->path(), link_ec).string();
      if (!link_ec && target.size() >= name.size() && target.compare(target.size() - name.size(), name.size(), name) == 0)
        return true;
    }
    return false;
  }
  /// After the end: the exit code, or nullopt when a signal ended it.
  std::optional<int> exitCode() const { return exit_code_; }

 private:
  bool reap(bool block) {
    int status = 0;
    const pid_t got = waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (got != pid_) return false;
    pid_ = -1;
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    return true;
  }
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The Windows program's name in /proc/PID/comm once Wine has loaded it (before that: env, the
// runner's shell, wine's loader).
bool isTheWindowsProgram(const std::string& comm) {
  return comm == fs::path(FIELDCHECK_WINDOWS_CLIENT_EXE).filename().string().substr(0, 15);
}

}  // namespace

TEST_CASE("windows program: an inspector's day with the home in a Vietnamese folder with spaces — seed, search without "
          "accents, fill, photo, finalize, login, sync — reaches the server once with its photo",
          "[wine][e2e]") {
  Province province;
  province.inspector("an");
  province.supervisor("giam");
  Wine wine(province.dir.path());
  const auto folder = province.dir.path() / "Hồ sơ thanh tra";
  const auto home = folder / "Nguyễn Văn An";
  const auto an = windowsLaptop(wine, home, "an");

  // Set up offline from the sample province, in a home whose folders do not exist yet.
  const auto init = an.run({"init", "--seed", onZ(sampleSeed()), "--user", "Nguyễn Văn An"});
  INFO(init.out << init.err);
  REQUIRE(init.exit_code == 0);
  // On disk under their real names (UTF-8 on Linux), and nothing mangled beside them.
  CHECK(fs::is_regular_file(home / "fieldcheck.db"));
  CHECK(namesIn(province.dir.path()) == std::set<std::string>{"data", "wine-prefix", "Hồ sơ thanh tra"});
  CHECK(namesIn(folder) == std::set<std::string>{"Nguyễn Văn An"});
  CHECK(an.runJson({"status"})["user"] == "Nguyễn Văn An");

  // Found without accents; Vietnamese printed intact.
  const auto found = an.run({"establishments", "--search", "hoang gia"});
  INFO(found.err);
  REQUIRE(found.exit_code == 0);
  CHECK_THAT(found.out, Catch::Contains("Karaoke Hoàng Gia"));
  const auto matches = an.runJson({"establishments", "--search", "hoang gia"}).size();
  CHECK(matches >= 1);
  CHECK(an.runJson({"establishments", "--search", "HOANG GIA"}).size() == matches);
  CHECK(an.runJson({"establishments", "--search", "hoàng gia"}).size() == matches);
  const auto district = an.runJson({"establishments", "--district", "Bảo Lạc"});  // an argument with accents
  REQUIRE_FALSE(district.empty());
  for (const auto& e : district) CHECK(e["district_name"] == "Bảo Lạc");
  const auto code = district[0]["fields"]["code"].get<std::string>();

  // Filled, a photo from a folder named in Vietnamese attached, finalized.
  const auto id = completeDraft(an, code);
  const auto photos = province.dir.path() / "Ảnh chụp 3-5";
  fs::create_directories(photos);
  const auto photo = sampleJpeg(150'000, 18);
  const auto sha = fieldcheck::sha256Hex(photo);
  writeFile(photos / "giấy phép kinh doanh.jpg", photo);
  const auto attached = an.run({"inspect", "attach", id, "photo_documents", onZ(photos / "giấy phép kinh doanh.jpg")});
  INFO(attached.out << attached.err);
  REQUIRE(attached.exit_code == 0);
  CHECK(fieldcheck::readWholeFile(home / "attachments" / sha.substr(0, 2) / sha) == photo);
  REQUIRE(an.run({"inspect", "finalize", id}).exit_code == 0);
  const auto shown = an.runJson({"inspect", "show", id});
  CHECK(shown["status"] == "finalized");
  CHECK(shown["fields"]["team_members"] == "Đoàn 1");
  CHECK(shown["fields"]["photo_documents"]["sha256"] == sha);
  CHECK_THAT(an.run({"inspect", "show", id}).out, Catch::Contains("Đã hoàn tất, chờ gửi") && Catch::Contains("Đoàn 1"));

  // Logged in to the Linux server (the password on standard input) and synced.
  ServerProcess server(province.data);
  an.loginTo(server.port());
  const auto synced = an.runJson({"sync"});
  CHECK(synced["refused"] == 0);
  CHECK(synced["attachments_sent"] == 1);
  const auto status = an.runJson({"status"});
  CHECK(status["user"] == "an");
  CHECK(status["pending_changes"] == 0);
  CHECK(status["pending_uploads"] == 0);

  // On the server: the inspection once, by its inspector, with the photo's very bytes.
  CHECK(province.count("SELECT count(*) FROM documents WHERE id = ?", id) == 1);
  const auto changes = province.count("SELECT count(*) FROM changes WHERE doc_id = ?", id);
  CHECK(changes >= 1);
  CHECK(province.count("SELECT count(*) FROM changes WHERE doc_id = ? AND author != 'an'", id) == 0);
  CHECK(province.serverPhoto(sha) == photo);
  CHECK(province.serverJson({"attachments", "waiting"}).empty());
  // A second sync sends nothing again.
  CHECK(an.runJson({"sync"})["pushed"] == 0);
  CHECK(province.count("SELECT count(*) FROM changes WHERE doc_id = ?", id) == changes);

  // The supervisor, on a Linux laptop, sees it as the inspector wrote it, photo included.
  Laptop giam{(province.dir / "giam").string(), "giam"};
  loginAndSync(giam, server.port());
  const auto seen = giam.runJson({"inspect", "show", id});
  CHECK(seen["status"] == "finalized");
  CHECK(seen["author"] == "an");
  CHECK(seen["fields"]["team_members"] == "Đoàn 1");
  const auto fetched = province.dir / "fetched.jpg";
  const auto fetch = giam.run({"attachment", "fetch", sha.substr(0, 10), "--out", fetched.string()});
  INFO(fetch.err);
  CHECK(fetch.exit_code == 0);
  CHECK(fieldcheck::readWholeFile(fetched) == photo);
}

TEST_CASE("windows program: the same field edited on a Linux and a Windows laptop is a conflict the Windows supervisor "
          "lists and resolves, and everyone converges",
          "[wine][e2e]") {
  Province province;
  province.inspector("an");
  province.inspector("lan");
  province.supervisor("giam");
  Wine wine(province.dir.path());
  const auto an = windowsLaptop(wine, province.dir.path() / "Hồ sơ thanh tra" / "Nguyễn Văn An", "an");
  const auto giam = windowsLaptop(wine, province.dir.path() / "Giám sát" / "Hà Văn Giám", "giam");
  const Laptop lan{(province.dir / "lan").string(), "lan"};
  ServerProcess server(province.data);
  for (const auto* l : {&an, &lan, &giam}) loginAndSync(*l, server.port());
  const auto code = an.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();

  // Offline, An (Windows) first and Lan (Linux) later: both change the number of workers.
  REQUIRE(an.run({"establishment", "set", code, "workers=14", "phone=0206 385 1111"}).exit_code == 0);
  REQUIRE(lan.run({"establishment", "set", code, "workers=9", "status=closed"}).exit_code == 0);
  for (const auto* l : {&an, &lan, &an, &lan}) REQUIRE(l->run({"sync"}).exit_code == 0);
  const auto on_an = an.runJson({"establishment", "show", code});
  CHECK(on_an["revision"] == lan.runJson({"establishment", "show", code})["revision"]);
  CHECK(on_an["fields"]["workers"] == 9);
  CHECK(on_an["fields"]["phone"] == "0206 385 1111");
  CHECK(on_an["fields"]["status"] == "closed");
  // The Windows laptop tells its inspector, in Vietnamese first, that her value waits.
  const auto told = an.run({"sync"});
  CHECK_THAT(told.out, Catch::Contains("Số người lao động: giá trị 14 của bạn chờ giám sát viên quyết định (đang áp dụng: 9, của lan)") &&
                           Catch::Contains("Number of workers: your 14 waits for a supervisor's decision (applied for now: 9, by lan)"));
  CHECK(an.runJson({"status"})["waiting_decisions"].size() == 1);

  // The supervisor's Windows laptop lists it, shows it side by side, and resolves it.
  REQUIRE(giam.run({"sync"}).exit_code == 0);
  const auto listed = giam.runJson({"conflicts", "list"});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["fields"][0]["field"] == "workers");
  CHECK(listed[0]["fields"][0]["other"] == 14);
  CHECK(listed[0]["other"]["author"] == "an");
  const auto number = std::to_string(listed[0]["number"].get<int>());
  const auto name = on_an["fields"]["name"].get<std::string>();
  const auto side_by_side = giam.run({"conflicts", "show", number});
  CHECK_THAT(side_by_side.out, Catch::Contains(code + " " + name) && Catch::Contains("Số người lao động / Number of workers") &&
                                   Catch::Contains("an") && Catch::Contains("lan"));
  const auto resolved = giam.run({"conflicts", "resolve", number, "--take", "other"});
  INFO(resolved.out << resolved.err);
  REQUIRE(resolved.exit_code == 0);
  CHECK(giam.runJson({"conflicts", "list"}).empty());
  REQUIRE(giam.run({"sync"}).exit_code == 0);

  for (const auto* l : {&an, &lan, &giam}) {
    INFO(l->user);
    REQUIRE(l->run({"sync"}).exit_code == 0);
    const auto now = l->runJson({"establishment", "show", code});
    CHECK(now["fields"]["workers"] == 14);
    CHECK(now["fields"]["status"] == "closed");
    CHECK(now["fields"]["phone"] == "0206 385 1111");
    CHECK(now["author"] == "giam");
  }
  CHECK(province.serverJson({"conflicts", "list"}).empty());
  CHECK(an.runJson({"status"})["waiting_decisions"].empty());
  CHECK(giam.runJson({"status"})["open_conflicts"] == 0);
}

TEST_CASE("windows program: a USB bundle exported on Windows is applied once by the server, and its receipt closes it on "
          "the Windows laptop",
          "[wine][e2e][bundle]") {
  Province province;
  province.inspector("an");
  Wine wine(province.dir.path());
  const auto an = windowsLaptop(wine, province.dir.path() / "Hồ sơ thanh tra" / "Nguyễn Văn An", "an");
  const auto port = freePort();
  {
    ServerProcess server(province.data, port);
    loginAndSync(an, port);
  }

  // Weeks without a link: an inspection with its photo.
  const auto code = an.runJson({"establishments"})[0]["fields"]["code"].get<std::string>();
  const auto id = an.runJson({"inspect", "new", "--establishment", code})["id"].get<std::string>();
  REQUIRE(an.run({"inspect", "set", id, "team_members=Đoàn liên ngành số 2", "workers_total=6"}).exit_code == 0);
  const auto photo = samplePng(200'000, 18);
  const auto sha = fieldcheck::sha256Hex(photo);
  writeFile(province.dir / "mặt tiền.png", photo);
  REQUIRE(an.run({"inspect", "attach", id, "photo_documents", onZ(province.dir / "mặt tiền.png")}).exit_code == 0);
  const auto pending = an.runJson({"status"})["pending_changes"].get<int>();
  REQUIRE(pending >= 1);

  const auto usb = province.dir.path() / "USB của An";
  fs::create_directories(usb);
  const auto exported = an.runJson({"bundle", "export", onZ(usb / "an.fcb")});
  CHECK(exported["changes"] == 1);
  CHECK(exported["attachments"] == 1);
  CHECK(namesIn(usb) == std::set<std::string>{"an.fcb"});
  const auto bundle = fieldcheck::readWholeFile(usb / "an.fcb");
  CHECK(bundle.find("Đoàn liên ngành") == std::string::npos);  // sealed
  CHECK(an.runJson({"status"})["pending_changes"] == pending);   // kept until a receipt says otherwise

  // The server imports it (twice: applied once) and writes the receipt.
  const auto imported = runProcess({serverBinary(), "--data", province.data, "bundle", "import", (usb / "an.fcb").string(),
                                    "--receipt", (usb / "biên nhận.fcr").string()});
  INFO(imported.out << imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(province.count("SELECT count(*) FROM documents WHERE id = ?", id) == 1);
  CHECK(province.serverPhoto(sha) == photo);
  const auto changes = province.count("SELECT count(*) FROM changes WHERE doc_id = ?", id);
  REQUIRE(runProcess({serverBinary(), "--data", province.data, "bundle", "import", (usb / "an.fcb").string(), "--receipt",
                      (usb / "again.fcr").string()})
              .exit_code == 0);
  CHECK(province.count("SELECT count(*) FROM changes WHERE doc_id = ?", id) == changes);

  // The receipt, carried back, closes the work on the Windows laptop.
  const auto closed = an.runJson({"bundle", "import", onZ(usb / "biên nhận.fcr")});
  CHECK(closed["acknowledged"] == pending);
  CHECK(closed["attachments"] == 1);
  const auto status = an.runJson({"status"});
  CHECK(status["pending_changes"] == 0);
  CHECK(status["pending_uploads"] == 0);
  // A receipt that is not this laptop's server's is refused, in both languages.
  auto forged = fieldcheck::readWholeFile(usb / "biên nhận.fcr");
  forged[forged.size() - 10] = static_cast<char>(forged[forged.size() - 10] ^ 0x01);
  writeFile(usb / "giả.fcr", forged);
  const auto refused = an.run({"bundle", "import", onZ(usb / "giả.fcr")});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("not signed by this laptop's server, or was altered"));
  // Back online, nothing is sent twice.
  ServerProcess server(province.data, port);
  CHECK(an.runJson({"sync"})["pushed"] == 0);
  CHECK(province.count("SELECT count(*) FROM changes WHERE doc_id = ?", id) == changes);
}

TEST_CASE("windows program: killed at random moments mid-save, it leaves a sound database holding every save it reported "
          "complete",
          "[wine][crash]") {
  TempDir dir;
  Wine wine(dir.path());
  const auto home = dir.path() / "Hồ sơ thanh tra" / "Lưu giữa chừng";
  const auto an = windowsLaptop(wine, home, "an");
  REQUIRE(an.run({"init", "--seed", onZ(sampleSeed())}).exit_code == 0);
  const auto id = an.runJson({"inspect", "new", "--establishment", "CS-01"})["id"].get<std::string>();

  // The program itself is started (no deadline wrapper), so the kill hits it once Wine has loaded it.
  auto save = [&](int value) {
    auto argv = wine.program(false);
    for (const auto& a : {std::string("--home"), onZ(home), std::string("inspect"), std::string("set"), id.substr(0, 8),
                          "workers_total=" + std::to_string(value)})
      argv.push_back(a);
    return std::make_unique<Background>(argv, dir / "save.out");
  };
  // Waits until the process runs fieldcheck.exe and has opened the database (before that, Wine is
  // still loading it and a kill could not land mid-save); false if it ended first.
  auto loaded = [](Background& p) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (p.running() && std::chrono::steady_clock::now() < until) {
      if (isTheWindowsProgram(p.name()) && p.hasOpen("/fieldcheck.db")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };

  // One save left to finish tells how long a save runs here once its database is open; the kills
  // land within that.
  std::chrono::microseconds span{};
  {
    auto p = save(1);
    REQUIRE(loaded(*p));
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(p->waitFor(std::chrono::seconds(60)));
    REQUIRE(p->exitCode() == 0);
    span = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  }
  const std::uint64_t seed = 1858;
  INFO("seed " << seed << ", a save runs " << span.count() << " µs once loaded");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<long> delay_us(0, span.count() * 5 / 4);
  constexpr int kSaves = 40;
  std::vector<bool> returned(kSaves + 1, false);
  returned[1] = true;
  int last_completed = 1, completed = 1;
  for (int value = 2; value <= kSaves; ++value) {
    auto p = save(value);
    REQUIRE(loaded(*p));
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    if (p->running()) {
      REQUIRE(isTheWindowsProgram(p->name()));  // the kill hits the program, not a wrapper
      p->signal(SIGKILL);
    }
    REQUIRE(p->waitFor(std::chrono::seconds(30)));
    if (p->exitCode()) {
      REQUIRE(*p->exitCode() == 0);
      returned[static_cast<std::size_t>(value)] = true;
      last_completed = value;
      ++completed;
    }
  }
  INFO("completed " << completed << " of " << kSaves << " saves");
  // Kills land at a uniform moment within 1.25 times a save's run: a run of 39 where none lands
  // means they are not reaching the saves.
  REQUIRE(completed < kSaves);

  {
    // Read from Linux, on the very file the Windows program wrote.
    SQLite::Database db((home / "fieldcheck.db").string(), SQLite::OPEN_READWRITE);
    checkLaptopStoreSound(db);
    checkSavesKept(db, id, returned, last_completed);
  }
  // And the Windows program goes on with the file.
  CHECK(an.runJson({"inspect", "show", id})["fields"]["workers_total"].get<int>() >= last_completed);
  const auto after = an.run({"inspect", "set", id.substr(0, 8), "workers_total=99"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);
  CHECK(an.runJson({"inspect", "show", id})["fields"]["workers_total"] == 99);
}

TEST_CASE("windows program: Ctrl-C stops `fieldcheck ui` cleanly and its data stays whole", "[wine][ui]") {
  TempDir dir;
  Wine wine(dir.path());
  const auto home = dir.path() / "Hồ sơ thanh tra" / "Nguyễn Văn An";
  const auto an = windowsLaptop(wine, home, "an");
  REQUIRE(an.run({"init", "--seed", onZ(sampleSeed())}).exit_code == 0);
  const auto id = an.runJson({"inspect", "new", "--establishment", "CS-01"})["id"].get<std::string>();
  REQUIRE(an.run({"inspect", "set", id, "team_members=Đoàn liên ngành", "workers_total=5"}).exit_code == 0);

  const auto port = freePort();
  auto argv = wine.program(false);
  for (const auto& a : {std::string("--home"), onZ(home), std::string("ui"), std::string("--no-browser"), std::string("--port"),
                        std::to_string(port)})
    argv.push_back(a);
  const auto output = dir / "ui.out";
  Background ui(argv, output);
  const auto started = [&] {
    for (int i = 0; i < 1200 && ui.running(); ++i) {
      if (fieldcheck::readWholeFile(output).find("Ctrl-C") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }();
  INFO(fieldcheck::readWholeFile(output));
  REQUIRE(started);
  CHECK_THAT(fieldcheck::readWholeFile(output),
             Catch::StartsWith("Fieldcheck: http://127.0.0.1:" + std::to_string(port) + "/open?key=") &&
                 Catch::Contains("Ứng dụng đang chạy trên máy này"));
  // It serves on loopback.
  const auto reply = httpRequest(port, "GET", "/");
  CHECK(reply.status >= 200);
  CHECK(reply.status < 500);

  REQUIRE(isTheWindowsProgram(ui.name()));
  ui.signal(SIGINT);
  REQUIRE(ui.waitFor(std::chrono::seconds(30)));
  CHECK(ui.exitCode() == 0);
  CHECK_THAT(fieldcheck::readWholeFile(output), Catch::Contains("Đã dừng. / Stopped."));

  {
    SQLite::Database db((home / "fieldcheck.db").string(), SQLite::OPEN_READONLY);
    checkLaptopStoreSound(db);
  }
  const auto shown = an.runJson({"inspect", "show", id});
  CHECK(shown["fields"]["team_members"] == "Đoàn liên ngành");
  CHECK(shown["fields"]["workers_total"] == 5);
  CHECK(an.run({"inspect", "set", id, "workers_total=6"}).exit_code == 0);
}

TEST_CASE("windows program: without --home the data is in the Fieldcheck folder of %LOCALAPPDATA%, and FIELDCHECK_HOME may name a "
          "Vietnamese folder",
          "[wine][home]") {
  TempDir dir;
  Wine wine(dir.path());
  auto withEnv = [&](const std::vector<std::string>& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "FIELDCHECK_HOME"};
    argv.insert(argv.end(), env.begin(), env.end());
    for (const auto& a : wine.program()) argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv);
  };

  const auto init = withEnv({}, {"init", "--seed", onZ(sampleSeed())});
  INFO(init.out << init.err);
  REQUIRE(init.exit_code == 0);
  // Wine's user profile: drive_c/users/<the Unix user>/AppData/Local.
  std::vector<fs::path> homes;
  for (const auto& user : fs::directory_iterator(wine.prefix() / "drive_c" / "users"))
    if (fs::is_regular_file(user.path() / "AppData" / "Local" / "Fieldcheck" / "fieldcheck.db"))
      homes.push_back(user.path() / "AppData" / "Local" / "Fieldcheck");
  REQUIRE(homes.size() == 1);
  const auto listed = withEnv({}, {"--json", "establishments"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).size() == 47);

  const auto named = dir.path() / "Dữ liệu của Hòa";
  const auto from_env = withEnv({"FIELDCHECK_HOME=" + onZ(named)}, {"init", "--seed", onZ(sampleSeed())});
  INFO(from_env.out << from_env.err);
  REQUIRE(from_env.exit_code == 0);
  CHECK(fs::is_regular_file(named / "fieldcheck.db"));
  CHECK(namesIn(dir.path()) == std::set<std::string>{"wine-prefix", "Dữ liệu của Hòa"});
}
