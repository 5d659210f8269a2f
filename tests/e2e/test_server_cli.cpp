// The real `fieldcheck-server` program: setting up a province and managing its users.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

ProcessResult server(const TempDir& dir, std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), {serverBinary(), "--data", (dir / "data").string()});
  ProcessOptions options;
  options.input = input;
  return runProcess(args, options);
}

}  // namespace

TEST_CASE("server cli: init creates the provincial database once, privately", "[server-cli]") {
  TempDir dir;
  auto first = server(dir, {"init", "--seed", sampleSeed().string()});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("Establishments: 47"));
  const auto perms = std::filesystem::status(dir / "data").permissions();
  CHECK((perms & std::filesystem::perms::others_all) == std::filesystem::perms::none);
  auto again = server(dir, {"init", "--seed", sampleSeed().string()});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("New documents: 0"));

  auto missing = runProcess({serverBinary(), "--data", (dir / "nowhere").string(), "user", "list"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("Run `fieldcheck-server init"));
  CHECK(runProcess({serverBinary(), "--data", (dir / "data").string(), "serve-everything"}).exit_code == 2);
  // A file it cannot write is named, not the data folder.
  auto unwritable = server(dir, {"export", "--kind", "establishment", "--format", "xlsx", "--out", "/dev/null/cs.xlsx"});
  CHECK(unwritable.exit_code == 1);
  CHECK_THAT(unwritable.err, Catch::Contains("/dev/null/cs.xlsx") && !Catch::Contains("folder " + (dir / "data").string()));
  auto typo = server(dir, {"user", "lsit"});
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.err, Catch::Contains("có phải ý bạn là “list”?") &&
                           Catch::Contains("“lsit” is not a command of “fieldcheck-server user”; did you mean “list”?"));
}

TEST_CASE("server cli: users are added with a role and district, listed, and revoked", "[server-cli]") {
  TempDir dir;
  REQUIRE(server(dir, {"init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(server(dir, {"user", "add", "lan", "--role", "inspector", "--district", "Bảo Lạc"}, "correct horse\n").exit_code == 0);
  REQUIRE(server(dir, {"user", "add", "giam.sat", "--role", "supervisor"}, "battery staple\n").exit_code == 0);

  auto no_district = server(dir, {"user", "add", "minh", "--role", "inspector"}, "correct horse\n");
  CHECK(no_district.exit_code == 1);
  CHECK_THAT(no_district.err, Catch::Contains("An inspector belongs to a district"));
  auto short_password = server(dir, {"user", "add", "minh", "--role", "inspector", "--district", "ha-quang"}, "short\n");
  CHECK(short_password.exit_code == 1);
  CHECK_THAT(short_password.err, Catch::Contains("8 to 1024 bytes"));
  auto unknown_district = server(dir, {"user", "add", "minh", "--role", "inspector", "--district", "Hà Nội"}, "correct horse\n");
  CHECK(unknown_district.exit_code == 1);
  CHECK_THAT(unknown_district.err, Catch::Contains("There is no district “Hà Nội”"));
  CHECK(server(dir, {"user", "add", "lan", "--role", "admin"}, "correct horse\n").exit_code == 1);
  CHECK(server(dir, {"user", "add", "bad name", "--role", "admin"}, "correct horse\n").exit_code == 1);
  CHECK(server(dir, {"user", "add", "x", "--role", "king"}, "correct horse\n").exit_code == 2);

  auto list = json::parse(server(dir, {"user", "list", "--json"}).out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["name"] == "giam.sat");
  CHECK(list[0]["district"].is_null());
  CHECK(list[1]["district"] == "bao-lac");

  REQUIRE(server(dir, {"user", "revoke", "lan"}).exit_code == 0);
  CHECK(json::parse(server(dir, {"user", "list", "--json"}).out)[1]["revoked"] == true);
  CHECK(server(dir, {"user", "revoke", "nobody"}).exit_code == 1);
}
