// Record numbers end to end: given offline by each laptop, unique in the province, never changed,
// and what every command names and finds records by (HA-2-0007), besides establishment codes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/sample_images.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;
using fieldcheck::readWholeFile;

namespace {

void writeFile(const std::filesystem::path& file, const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; }

// A province whose Bảo Lạc ("BLC") has two inspectors and a supervisor, and an officer province-wide.
struct Province {
  TempDir dir;
  std::string data = (dir / "data").string();
  Laptop lan{(dir / "lan").string(), "lan"}, hoa{(dir / "hoa").string(), "hoa"},
      giam{(dir / "giam").string(), "giam"}, tinh{(dir / "tinh").string(), "tinh"};

  Province() {
    REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
    REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
    REQUIRE(addServerUser(data, "hoa", {"--role", "inspector", "--district", "bao-lac"}));
    REQUIRE(addServerUser(data, "giam", {"--role", "supervisor", "--district", "bao-lac"}));
    REQUIRE(addServerUser(data, "tinh", {"--role", "provincial"}));
  }
};

// The number `inspect new --json` gives a new inspection of `establishment` on `laptop`.
std::string newNumbered(const Laptop& laptop, const std::string& establishment) {
  const auto made = laptop.runJson({"inspect", "new", "--establishment", establishment});
  return made["number"].get<std::string>();
}

// Whether `text` shows a hex id of 8 digits or more anywhere.
bool showsHexId(const std::string& text) { return std::regex_search(text, std::regex("[0-9a-f]{8,}")); }

}  // namespace

TEST_CASE("numbers: each laptop numbers its records offline, no two alike, and the number never changes", "[e2e][numbers]") {
  Province p;
  ServerProcess server(p.data);

  // Hoa's laptop works offline from the seed before it ever logs in: its records carry its marker.
  REQUIRE(p.hoa.run({"init", "--seed", sampleSeed().string(), "--user", "hoa"}).exit_code == 0);
  const auto early = newNumbered(p.hoa, "CS-15");
  INFO(early);
  REQUIRE(std::regex_match(early, std::regex("BLC-M[0-9A-Z]{6}-0001")));

  // At login each laptop gets its number in its district, and keeps it when it logs in again.
  auto login = [&](const Laptop& l) {
    auto r = l.run({"--json", "login", "--server", "http://127.0.0.1:" + std::to_string(server.port()), "--user", l.user},
                   "password-of-" + l.user + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out)["laptop_number"].get<std::string>();
  };
  const auto lan_number = login(p.lan);
  const auto hoa_number = login(p.hoa);
  CHECK(lan_number != hoa_number);
  CHECK(std::set<std::string>{lan_number, hoa_number} == std::set<std::string>{"1", "2"});
  CHECK(login(p.lan) == lan_number);
  CHECK(login(p.tinh) == "T1");  // province-wide: its own series
  REQUIRE(p.lan.run({"sync"}).exit_code == 0);
  // A record made before the login keeps the number it was given, and the server takes it.
  const auto first = p.hoa.runJson({"sync"});
  CHECK(first["pushed"] == 1);
  CHECK(first["refused"] == 0);
  CHECK(p.hoa.runJson({"inspect", "show", early})["number"] == early);

  // Both make records offline; each number is its district's, its laptop's, and counted.
  std::set<std::string> numbers = {early};
  for (int i = 1; i <= 3; ++i) {
    const auto a = newNumbered(p.lan, "CS-15");
    const auto b = newNumbered(p.hoa, "CS-15");
    CHECK(a == "BLC-" + lan_number + "-000" + std::to_string(i));
    CHECK(b == "BLC-" + hoa_number + "-000" + std::to_string(i));
    numbers.insert(a);
    numbers.insert(b);
  }
  CHECK(numbers.size() == 7);

  auto sent = p.hoa.runJson({"sync"});
  CHECK(sent["refused"] == 0);
  CHECK(sent["pushed"] == 3);
  REQUIRE(p.lan.runJson({"sync"})["refused"] == 0);

  // Each laptop's status counts its user's own work, not the colleagues' records a sync brought.
  REQUIRE(p.lan.run({"sync"}).exit_code == 0);
  CHECK(p.lan.runJson({"inspect", "list"}).size() == 7);
  CHECK(p.lan.runJson({"status"})["drafts"] == 3);
  CHECK(p.hoa.runJson({"status"})["drafts"] == 4);

  // Every laptop in scope finds every record by its number, in any case.
  p.giam.run({"login", "--server", "http://127.0.0.1:" + std::to_string(server.port()), "--user", "giam"}, "password-of-giam\n");
  REQUIRE(p.giam.run({"sync"}).exit_code == 0);
  CHECK(p.giam.runJson({"status"})["drafts"] == 0);
  for (const auto& n : numbers) {
    auto shown = p.giam.run({"inspect", "show", n});
    INFO(n << ": " << shown.err);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find(n) != std::string::npos);
  }
  std::string lower = early;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(p.giam.runJson({"inspect", "show", lower})["number"] == early);
  // An unknown number says so, in both languages.
  auto unknown = p.giam.run({"inspect", "show", "BLC-9-0001"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("BLC-9-0001") != std::string::npos);
  CHECK(unknown.err.find("Không có phiếu số") != std::string::npos);
}

TEST_CASE("numbers: commands name records by number and establishments by code, and take either", "[e2e][numbers]") {
  Province p;
  ServerProcess server(p.data);
  p.lan.loginTo(server.port());
  REQUIRE(p.lan.run({"sync"}).exit_code == 0);

  // The login said how the laptop's records are numbered.
  auto relogin = p.lan.run({"login", "--server", "http://127.0.0.1:" + std::to_string(server.port()), "--user", "lan"},
                           "password-of-lan\n");
  CHECK(relogin.out.find("numbered like BLC-1-0001") != std::string::npos);
  // `inspect new` names the record by its number and says what comes next; no hex id.
  auto made = p.lan.run({"inspect", "new", "--establishment", "CS-15"});
  REQUIRE(made.exit_code == 0);
  CHECK(made.out.find("BLC-1-0001") != std::string::npos);
  CHECK(made.out.find("CS-15") != std::string::npos);
  CHECK(made.out.find("inspect fill BLC-1-0001") != std::string::npos);
  CHECK_FALSE(showsHexId(made.out));

  // The establishment's code finds its one inspection.
  CHECK(p.lan.runJson({"inspect", "show", "CS-15"})["number"] == "BLC-1-0001");
  auto shown = p.lan.run({"inspect", "show", "CS-15"});
  CHECK(shown.out.find("BLC-1-0001") != std::string::npos);
  CHECK_FALSE(showsHexId(shown.out));
  REQUIRE(p.lan.run({"inspect", "set", "cs-15", "workers_total=6"}).exit_code == 0);

  // With a second inspection, the code is ambiguous: both are listed by number.
  REQUIRE(p.lan.run({"inspect", "new", "--establishment", "CS-15"}).exit_code == 0);
  auto two = p.lan.run({"inspect", "show", "CS-15"});
  CHECK(two.exit_code == 1);
  CHECK(two.err.find("BLC-1-0001") != std::string::npos);
  CHECK(two.err.find("BLC-1-0002") != std::string::npos);
  // An establishment without an inspection says how to start one.
  auto none = p.lan.run({"inspect", "show", "CS-27"});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("inspect new --establishment CS-27") != std::string::npos);

  // The list, the saved messages, the history and a discard all name records by number.
  auto list = p.lan.run({"inspect", "list"});
  CHECK(list.out.find("BLC-1-0001") != std::string::npos);
  CHECK(list.out.find("BLC-1-0002") != std::string::npos);
  CHECK_FALSE(showsHexId(list.out));
  auto history = p.lan.run({"history", "BLC-1-0001"});
  CHECK(history.exit_code == 0);
  CHECK(history.out.find("BLC-1-0001") != std::string::npos);
  auto discarded = p.lan.run({"inspect", "discard", "BLC-1-0002"});
  CHECK(discarded.exit_code == 0);
  CHECK(discarded.out.find("BLC-1-0002") != std::string::npos);
  // The id still works, as before.
  const auto id = p.lan.runJson({"inspect", "show", "BLC-1-0001"})["id"].get<std::string>();
  CHECK(p.lan.runJson({"inspect", "show", id})["number"] == "BLC-1-0001");

  // A photo is named by its record's number, question and position, and fetched by that name.
  const TempDir files;
  writeFile(files / "giay-phep.jpg", sampleJpeg(40'000));
  REQUIRE(p.lan.run({"inspect", "attach", "BLC-1-0001", "photo_documents", (files / "giay-phep.jpg").string()}).exit_code == 0);
  CHECK(p.lan.run({"inspect", "show", "BLC-1-0001"}).out.find("BLC-1-0001-photo_documents-1") != std::string::npos);
  REQUIRE(p.lan.runJson({"sync"})["refused"] == 0);
  p.giam.loginTo(server.port());
  REQUIRE(p.giam.run({"sync"}).exit_code == 0);
  auto fetched = p.giam.run({"attachment", "fetch", "BLC-1-0001-photo_documents-1", "--out", (files / "out.jpg").string()});
  INFO(fetched.err);
  CHECK(fetched.exit_code == 0);
  CHECK(readWholeFile(files / "out.jpg") == sampleJpeg(40'000));
  // The export names the record and its photo the same way.
  auto exported = runProcess({serverBinary(), "--data", p.data, "export", "--kind", "inspection", "--format", "csv"});
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("BLC-1-0001,") != std::string::npos);
  CHECK(exported.out.find("BLC-1-0001-photo_documents-1.jpg") != std::string::npos);
  // Without --out the photo lands in the current folder under its name.
  ProcessOptions in_files;
  in_files.cwd = files.path().string();
  auto named = runProcess({clientBinary(), "--home", p.giam.home, "attachment", "fetch", "BLC-1-0001-photo_documents-1.jpg"}, in_files);
  INFO(named.err);
  CHECK(named.exit_code == 0);
  CHECK(readWholeFile(files / "BLC-1-0001-photo_documents-1.jpg") == sampleJpeg(40'000));
  CHECK(named.out.find("BLC-1-0001-photo_documents-1.jpg (39 KiB)") != std::string::npos);
  auto wrong = p.giam.run({"attachment", "fetch", "BLC-1-0001-photo_premises-1"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("BLC-1-0001-photo_premises-1") != std::string::npos);
}
