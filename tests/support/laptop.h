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
  /// How the program is started: empty, the Linux clientBinary(); else this command line, which
  /// ends with the program (the Windows program through Wine: {…, FIELDCHECK_WINE_RUN, "…/fieldcheck.exe"},
  /// its `home` then a Windows path such as "Z:\\tmp\\…").
  std::vector<std::string> program = {};

  /// Runs `fieldcheck --home HOME ARGS...` with `input` on its standard input (under faketime
  /// when the laptop's clock is off; its monotonic clock stays true, so timeouts do; in its
  /// network namespace when it has one).
  ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"--home", home});
    if (program.empty()) args.insert(args.begin(), clientBinary());
    else args.insert(args.begin(), program.begin(), program.end());
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

/// A new inspection of `establishment` on `laptop` with every answer the sample checklist needs,
/// still a draft; returns its id.
inline std::string completeDraft(const Laptop& laptop, const std::string& establishment) {
  const auto kind = laptop.runJson({"establishment", "show", establishment})["fields"]["kind"].get<std::string>();
  const auto id = laptop.runJson({"inspect", "new", "--establishment", establishment})["id"].get<std::string>();
  std::vector<std::string> answers = {"inspect", "set", id, "visit_time=2019-05-03 09:00", "team_members=Đoàn 1",
                                      "business_registration=c", "security_certificate=c", "worker_register=c",
                                      "workers_total=4", "workers_women=2", "workers_under_18=0",
                                      "prostitution_signs=k", "prevention_material=1", "workers_informed=c",
                                      "violations=none", "actions=none", "conclusion=compliant", "location=22.6, 105.9"};
  if (kind == "karaoke")
    for (auto a : {"karaoke_doors_transparent=c", "karaoke_no_inner_locks=c", "karaoke_smallest_room_m2=22"}) answers.push_back(a);
  if (kind == "lodging") answers.push_back("guest_register=c");
  const auto r = laptop.run(answers);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return id;
}

}  // namespace fieldcheck::test
