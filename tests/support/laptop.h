// An inspector's laptop in end-to-end tests: the real `fieldcheck` program on its own home.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace fieldcheck::test {

struct Laptop {
  std::string home;
  std::string user;  // the login name, for messages and passwords in tests
  std::string clock_offset = {};  // when set, the laptop's wall clock is this far off, as faketime reads it ("-1095d")
  std::string netns = {};         // when set, the laptop runs in this network namespace

  /// Runs `fieldcheck --home HOME ARGS...` with `input` on its standard input (under faketime
  /// when the laptop's clock is off; its monotonic clock stays true, so timeouts do; in its
  /// network namespace when it has one).
  ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {clientBinary(), "--home", home});
    ProcessOptions options;
    options.input = input;
    if (!netns.empty()) args.insert(args.begin(), {"/usr/sbin/ip", "netns", "exec", netns});
    if (!clock_offset.empty()) {
      args.insert(args.begin(), {"/usr/bin/faketime", "-f", clock_offset});  // Debian package faketime
      options.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
    }
    return runProcess(args, options);
  }

  /// `fieldcheck login` to `url` as this laptop's user, with the tests' password for it.
  ProcessResult login(const std::string& url) const {
    return run({"login", "--server", url, "--user", user}, "password-of-" + user + "\n");
  }

  /// Logs in to the server on 127.0.0.1:`port` through login(); requires success.
  void loginTo(unsigned short port) const {
    auto r = login("http://127.0.0.1:" + std::to_string(port));
    INFO(user << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  }

  /// The same with --json; requires success and returns the parsed output.
  nlohmann::json runJson(std::vector<std::string> args) const {
    args.push_back("--json");
    auto r = run(args);
    INFO(user << ": " << r.err << r.out);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

  /// Inspection id -> revision, as this laptop has them.
  std::map<std::string, std::string> inspections() const {
    std::map<std::string, std::string> out;
    for (const auto& i : runJson({"inspect", "list"})) out[i["id"].get<std::string>()] = i["revision"].get<std::string>();
    return out;
  }
};

}  // namespace fieldcheck::test
