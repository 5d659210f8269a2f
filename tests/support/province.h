// A province's server folder for end-to-end tests: `fieldcheck-server init` with the sample seed in
// a temporary folder, and the users most tests need.
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace fieldcheck::test {

/// The folder `dir` (removed when the test ends) with the server's data in `data`, initialised from
/// the sample seed, and three users with testPassword(): inspectors lan (Bảo Lạc) and minh (Hà
/// Quảng), and tinh, a provincial officer. Requires every command to work.
struct Province {
  TempDir dir;
  std::string data = (dir / "data").string();

  Province() {
    REQUIRE(runProcess({serverBinary(), "--data", data, "init", "--seed", sampleSeed().string()}).exit_code == 0);
    addUser("lan", {"--role", "inspector", "--district", "bao-lac"});
    addUser("minh", {"--role", "inspector", "--district", "ha-quang"});
    addUser("tinh", {"--role", "provincial"});
  }

  /// `fieldcheck-server user add NAME ARGS...`; requires success.
  void addUser(const std::string& name, std::vector<std::string> args) const { REQUIRE(addServerUser(data, name, std::move(args))); }
};

}  // namespace fieldcheck::test
