// The real `fieldcheck` program, run as an inspector would: commands, exit codes, piped fill.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/laptop.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace fieldcheck::test;
using nlohmann::json;

namespace {

using Client = Laptop;

Client initClient(const TempDir& dir) {
  Client c{(dir / "home").string(), "inspector"};
  auto r = c.run({"init", "--seed", sampleSeed().string(), "--user", "Nông Văn Kiểm"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return c;
}

std::string newInspection(const Client& c, const std::string& establishment) {
  auto r = c.run({"--json", "inspect", "new", "--establishment", establishment});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto id = nlohmann::json::parse(r.out)["id"].get<std::string>();
  REQUIRE(id.size() == 32);
  return id;
}

std::string fileBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Waits (at most 20 s) until `file` holds `text`; true when it does.
bool waitForText(const std::filesystem::path& file, const std::string& text) {
  for (int i = 0; i < 400; ++i) {
    if (fileBytes(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// `fieldcheck inspect fill ID` on `c`'s home, running on: its input is a pipe the test writes to
// (`input()`, open once the program has started) and its output goes to a file.
struct OpenFill {
  std::filesystem::path fifo, output;
  RunningProcess process;
  std::ofstream feed;

  OpenFill(const TempDir& dir, const Client& c, const std::string& id, const std::string& name)
      : fifo(dir / (name + ".in")), output(dir / (name + ".out")), process(start(c, id, fifo, output)), feed(fifo) {}

  static RunningProcess start(const Client& c, const std::string& id, const std::filesystem::path& fifo,
                              const std::filesystem::path& output) {
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    return RunningProcess({"/bin/sh", "-c", "exec \"$0\" --home \"$1\" inspect fill \"$2\" < \"$3\" > \"$4\" 2>&1",
                           clientBinary(), c.home, id, fifo.string(), output.string()});
  }
  std::string out() const { return fileBytes(output); }
};

}  // namespace

TEST_CASE("cli: a usage error says what is wrong in Vietnamese and English and suggests the closest command or option",
          "[cli]") {
  TempDir dir;
  Client c{(dir / "home").string(), "inspector"};
  const auto [args, vi, en] = GENERATE(table<std::vector<std::string>, std::string, std::string>({
      {{"inspct", "list"}, "lệnh “inspct” không có trong “fieldcheck”; có phải ý bạn là “inspect”?",
       "“inspct” is not a command of “fieldcheck”; did you mean “inspect”?"},
      {{"inspect", "lsit"}, "lệnh “lsit” không có trong “fieldcheck inspect”; có phải ý bạn là “list”?",
       "“lsit” is not a command of “fieldcheck inspect”; did you mean “list”?"},
      {{"inspect", "list", "--stauts", "draft"}, "có phải ý bạn là “--status”?", "did you mean “--status”?"},
      {{"conflicts", "reslove", "3"}, "có phải ý bạn là “resolve”?", "did you mean “resolve”?"},
      {{"inspect"}, "“fieldcheck inspect” cần một lệnh: new, fill", "“fieldcheck inspect” needs a command: new, fill"},
      {{"inspect", "show"}, "“fieldcheck inspect show” thiếu tham số bắt buộc", "is missing what it needs"},
      {{"frobnicate"}, "lệnh “frobnicate” không có trong “fieldcheck”.", "“frobnicate” is not a command of “fieldcheck”."},
  }));
  INFO(args.front());
  auto r = c.run(args);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(vi) && Catch::Contains(en) && Catch::Contains("--help"));
  CHECK_THAT(r.err, !Catch::Contains("A subcommand is required"));
}

TEST_CASE("cli: a home that cannot be made says why and what to do, in both languages", "[cli]") {
  TempDir dir;
  std::ofstream(dir / "a-file") << "not a folder";
  // A home inside a file can never be made.
  const auto r = runProcess({clientBinary(), "--home", (dir / "a-file" / "home").string(), "init", "--seed",
                             sampleSeed().string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Không tạo được thư mục") != std::string::npos);
  CHECK(r.err.find("Cannot create the folder") != std::string::npos);
  CHECK(r.err.find("--home DIR") != std::string::npos);
  CHECK(r.err.find("--home THƯ_MỤC") != std::string::npos);
}

TEST_CASE("cli: exit code 2 for bad usage, 0 for help, 1 for a user error", "[cli]") {
  TempDir dir;
  Client c{(dir / "home").string(), "inspector"};
  CHECK(c.run({"frobnicate"}).exit_code == 2);
  CHECK(c.run({"inspect", "new"}).exit_code == 2);
  CHECK(c.run({"inspect", "list", "--status", "sent"}).exit_code == 2);
  auto help = c.run({"inspect", "fill", "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("inspection id"));
  const std::vector<std::vector<std::string>> commands = {
      {"init"}, {"establishments"}, {"establishment", "show"}, {"establishment", "set"}, {"inspect", "new"},
      {"inspect", "fill"}, {"inspect", "set"}, {"inspect", "attach"}, {"inspect", "show"}, {"inspect", "list"},
      {"inspect", "finalize"}, {"inspect", "discard"}, {"history"}, {"status"}, {"login"}, {"sync"}};
  for (auto command : commands) {
    command.push_back("--help");
    auto r = c.run(command);
    INFO(command[0] << (command.size() > 2 ? " " + command[1] : ""));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("Usage") && Catch::Contains(command[command.size() - 2]));
  }

  auto missing = c.run({"establishments"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("Run `fieldcheck init --seed DIR` (offline) or `fieldcheck login"));
  CHECK_THAT(missing.err, Catch::Contains("Hãy chạy `fieldcheck init"));
  CHECK_FALSE(std::filesystem::exists(dir / "home"));
}

TEST_CASE("cli: a fresh home lists the sample province and finds names without accents", "[cli]") {
  TempDir dir;
  auto c = initClient(dir);
  auto all = c.runJson({"establishments"});
  CHECK(all.size() == 47);
  auto found = c.run({"establishments", "--search", "hoang gia"});
  REQUIRE(found.exit_code == 0);
  CHECK_THAT(found.out, Catch::Contains("Karaoke Hoàng Gia"));
  auto district = c.runJson({"establishments", "--district", "Bảo Lạc"});
  REQUIRE_FALSE(district.empty());
  for (const auto& e : district) CHECK(e["district_name"] == "Bảo Lạc");
  auto unknown = c.run({"establishments", "--district", "Hà Nội"});
  CHECK(unknown.exit_code == 1);
}

TEST_CASE("cli: the home comes from --home, else FIELDCHECK_HOME, else the user's data folder", "[cli]") {
  TempDir dir;
  ProcessOptions env_home;
  env_home.env["FIELDCHECK_HOME"] = (dir / "from-env").string();
  auto r = runProcess({clientBinary(), "init", "--seed", sampleSeed().string()}, env_home);
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::exists(dir / "from-env" / "fieldcheck.db"));

  ProcessOptions platform;
  platform.unset_env = {"FIELDCHECK_HOME"};
  platform.env["XDG_DATA_HOME"] = (dir / "xdg").string();
  r = runProcess({clientBinary(), "init", "--seed", sampleSeed().string()}, platform);
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::exists(dir / "xdg" / "fieldcheck" / "fieldcheck.db"));
  const auto perms = std::filesystem::status(dir / "xdg" / "fieldcheck").permissions();
  CHECK((perms & std::filesystem::perms::others_all) == std::filesystem::perms::none);
}

TEST_CASE("cli: an inspection is set, shown, refused while incomplete, then finalized and locked", "[cli]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto id = newInspection(c, "CS-02");
  const auto shortId = id.substr(0, 8);

  auto bad = c.run({"inspect", "set", shortId, "workers_total=many"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("“many” is not a whole number"));
  CHECK(c.run({"inspect", "set", shortId, "no-equals-sign"}).exit_code == 1);
  CHECK(c.run({"inspect", "set", "ffffffff", "notes=x"}).exit_code == 1);

  auto refused = c.run({"inspect", "finalize", shortId});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("not answered (required)"));

  const auto kind = c.runJson({"establishment", "show", "CS-02"})["fields"]["kind"].get<std::string>();
  std::vector<std::string> answers = {"inspect", "set", shortId, "visit_time=03/05/2019 09:30", "team_members=Đoàn liên ngành",
                                      "business_registration=có", "security_certificate=có", "worker_register=có",
                                      "workers_total=6", "workers_women=4", "workers_under_18=0",
                                      "prostitution_signs=không", "prevention_material=1,2,3", "workers_informed=có",
                                      "violations=none", "actions=reminder", "conclusion=compliant",
                                      "location=22.6657 106.2570"};
  if (kind == "karaoke")
    for (auto a : {"karaoke_doors_transparent=c", "karaoke_no_inner_locks=c", "karaoke_smallest_room_m2=25"})
      answers.push_back(a);
  if (kind == "lodging") answers.push_back("guest_register=c");
  auto set = c.run(answers);
  INFO(set.err);
  REQUIRE(set.exit_code == 0);

  auto shown = c.runJson({"inspect", "show", shortId});
  CHECK(shown["complete"] == true);
  CHECK(shown["status"] == "draft");

  REQUIRE(c.run({"inspect", "finalize", shortId}).exit_code == 0);
  auto locked = c.run({"inspect", "set", shortId, "notes=sửa sau"});
  CHECK(locked.exit_code == 1);
  CHECK_THAT(locked.err, Catch::Contains("can no longer be edited"));

  auto status = c.runJson({"status"});
  CHECK(status["finalized"] == 1);
  CHECK(status["drafts"] == 0);
  CHECK(status["pending_changes"] == 3);  // new, set, finalize
  CHECK(c.runJson({"inspect", "list", "--status", "finalized"}).size() == 1);
  CHECK(c.runJson({"inspect", "list", "--status", "draft"}).empty());
}

TEST_CASE("cli: an establishment's record is corrected with checked values", "[cli]") {
  TempDir dir;
  auto c = initClient(dir);
  REQUIRE(c.run({"establishment", "set", "CS-05", "workers=14", "status=closed", "phone=0206 385 0000"}).exit_code == 0);
  auto shown = c.runJson({"establishment", "show", "cs-05"});
  CHECK(shown["fields"]["workers"] == 14);
  CHECK(shown["fields"]["status"] == "closed");
  // Read by a person: labels, choice labels and place names, not keys and codes.
  const auto text = c.run({"establishment", "show", "CS-05"}).out;
  CHECK_THAT(text, Catch::Contains("Số người lao động / Number of workers: 14") &&
                       Catch::Contains("Tình trạng hoạt động / Operating status: Đã đóng cửa / Closed") &&
                       Catch::Contains("Mã cơ sở / Code: CS-05"));
  CHECK_THAT(text, !Catch::Contains("  status") && !Catch::Contains("  workers"));
  const auto listed = c.run({"establishments"}).out;
  CHECK_THAT(listed, Catch::Contains("Xoa bóp, xông hơi") && !Catch::Contains(" massage "));
  auto bad = c.run({"establishment", "set", "CS-05", "workers=-3", "colour=red", "code=X"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("must be from 0 to 10,000"));
  CHECK_THAT(bad.err, Catch::Contains("there is no field “colour”"));
  CHECK_THAT(bad.err, Catch::Contains("changed by the provincial office"));
  CHECK(c.runJson({"establishment", "show", "CS-05"})["fields"]["workers"] == 14);
  auto history = c.runJson({"history", "CS-05"});
  CHECK(history.size() == 2);

  // A name typed as decomposed Unicode (a + combining grave) is stored precomposed, and found
  // by a search typed either way.
  REQUIRE(c.run({"establishment", "set", "CS-05", "name=Karaoke Hoa\xCC\x80ng Mai"}).exit_code == 0);
  CHECK(c.runJson({"establishment", "show", "CS-05"})["fields"]["name"] == "Karaoke Ho\xC3\xA0ng Mai");
  CHECK(c.runJson({"establishments", "--search", "hoa\xCC\x80ng mai"}).size() == 1);
}

TEST_CASE("cli: a second fill of an inspection says another is open, and an answer the other gave meanwhile is not replaced unseen",
          "[cli][fill]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto id = newInspection(c, c.runJson({"establishments"})[0]["fields"]["code"].get<std::string>());
  // Two members of a team each open the inspection's fill on the same laptop.
  OpenFill first(dir, c, id, "first");
  REQUIRE(waitForText(first.output, "> "));
  OpenFill second(dir, c, id, "second");
  REQUIRE(waitForText(second.output, "> "));
  CHECK_THAT(second.out(), Catch::Contains("Another fill is open on this inspection since") &&
                               Catch::Contains("Phiếu này đang được điền ở một phiên khác từ"));
  CHECK_THAT(first.out(), !Catch::Contains("Another fill is open"));

  // The first answers the visit time; then the second, which was shown it empty, answers it too.
  first.feed << "2019-05-03 10:00\n" << std::flush;
  REQUIRE(waitForText(first.output, "✓ đã lưu / saved"));
  second.feed << "2019-05-03 09:15\n:q\n" << std::flush;
  second.feed.close();
  CHECK(second.process.wait() == 0);
  CHECK_THAT(second.out(), Catch::Contains("This question was just answered in the other fill") &&
                               Catch::Contains("yours replaces it") && Catch::Contains("Câu này vừa được trả lời ở phiên khác"));
  first.feed << ":q\n" << std::flush;
  first.feed.close();
  CHECK(first.process.wait() == 0);
  CHECK_THAT(c.run({"inspect", "show", id}).out, Catch::Contains("03/05/2019 09:15"));

  // Both closed: the next fill is the only one open, and says nothing of another.
  auto alone = c.run({"inspect", "fill", id}, ":q\n");
  CHECK(alone.exit_code == 0);
  CHECK_THAT(alone.out, !Catch::Contains("Another fill is open"));
}

TEST_CASE("cli: an interactive fill through piped input validates, goes back, skips and resumes", "[cli][fill]") {
  TempDir dir;
  auto c = initClient(dir);
  // A lodging: asked the guest register, not the karaoke questions.
  auto lodging = c.runJson({"establishments", "--search", "nha nghi binh an"});
  REQUIRE(lodging.size() == 1);
  const auto id = newInspection(c, lodging[0]["fields"]["code"].get<std::string>());

  // First session: answers the first three, one invalid answer re-asked, then the input ends.
  auto first = c.run({"inspect", "fill", id.substr(0, 8)}, "2019-05-03 09:15\nĐoàn 1\nmaybe\nc\n");
  INFO(first.out);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("answer yes or no"));
  CHECK_THAT(first.out, Catch::Contains("Draft saved"));
  auto after_first = c.runJson({"inspect", "show", id});
  CHECK(after_first["answered"] == 3);

  // Second session resumes at the fourth question; "<" goes back to change the third.
  const std::string second_input =
      "c\n"            // security_certificate
      "<\n"            // back to security_certificate
      "k\n"            // changed to no
      "c\n"            // worker_register
      "7\n3\n0\n"      // workers
      "k\n"            // guest_register (lodging only)
      "c\n"            // prostitution_signs: yes, so the description is asked
      "Nhân viên mời khách\n"
      "4\n"            // prevention material: none
      "k\n"            // workers informed
      "2,9\n"          // violations: no registration + other, so the other description is asked
      "Biển hiệu sai tên\n"
      "3\n"            // actions: fine, so the amount is asked
      "5\n"            // fine too small: re-asked
      "7.500.000\n"
      "15/6/2019\n"    // the deadline to correct: a date alone, day first
      "2\n"            // conclusion: to be corrected
      ">\n"            // notes: skipped
      "22.6657, 106.2570\n"
      ">\n>\n>\n"      // photos and the signature skipped
      "c\n";           // finalize now
  auto second = c.run({"inspect", "fill", id.substr(0, 8)}, second_input);
  INFO(second.out);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.out, Catch::Contains("must be from 100,000 to 500,000,000 VND, not 5"));
  CHECK_THAT(second.out, Catch::Contains("Inspection finalized"));
  CHECK_THAT(second.out, !Catch::Contains("Room doors of transparent glass"));

  auto done = c.runJson({"inspect", "show", id});
  CHECK(done["status"] == "finalized");
  CHECK(done["fields"]["correction_deadline"] == "2019-06-15");  // a date, not midnight of one
  CHECK_THAT(c.run({"inspect", "show", id}).out, Catch::Contains("→ 15/06/2019\n"));
  auto value = [&](const std::string& qid) {
    for (const auto& q : done["questions"])
      if (q["id"] == qid) return q["value"];
    return json();
  };
  CHECK(value("security_certificate") == false);
  CHECK(value("fine_amount") == 7500000);
  CHECK(value("violations_other") == "Biển hiệu sai tên");
  CHECK(value("guest_register") == false);
  CHECK(value("conclusion") == "to_correct");
  CHECK(value("karaoke_doors_transparent").is_null());
}

TEST_CASE("cli: a damaged or foreign database file gets a clear message and stays as it was", "[cli]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto db = dir / "home" / "fieldcheck.db";
  // Drop the WAL files a clean close leaves behind, then damage the main file.
  std::ofstream(db, std::ios::binary | std::ios::trunc) << std::string(16384, '\x42');
  const auto before = fileBytes(db);
  auto r = c.run({"status"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("is damaged or not a Fieldcheck database"));
  CHECK_THAT(r.err, Catch::Contains("bị hỏng"));
  CHECK(fileBytes(db) == before);
  auto j = c.run({"status", "--json"});
  CHECK(j.exit_code == 1);
  CHECK(json::parse(j.out)["error"]["en"].get<std::string>().find("damaged") != std::string::npos);
}

namespace {

// Every answer CS-02's checklist needs, consistent, with `changes` ("QUESTION=VALUE") replacing
// or adding to them.
std::vector<std::string> completeAnswers(const Client& c, const std::string& id, const std::vector<std::string>& changes) {
  std::vector<std::string> answers = {"visit_time=03/05/2019 09:30", "team_members=Đoàn liên ngành",
                                      "business_registration=có", "security_certificate=có", "worker_register=có",
                                      "workers_total=12", "workers_women=8", "workers_under_18=0",
                                      "prostitution_signs=không", "prevention_material=1,2", "workers_informed=có",
                                      "violations=none", "actions=reminder", "conclusion=compliant",
                                      "location=22.6657 106.2570"};
  const auto kind = c.runJson({"establishment", "show", "CS-02"})["fields"]["kind"].get<std::string>();
  if (kind == "karaoke")
    for (auto a : {"karaoke_doors_transparent=c", "karaoke_no_inner_locks=c", "karaoke_smallest_room_m2=25"}) answers.push_back(a);
  if (kind == "lodging") answers.push_back("guest_register=c");
  for (const auto& change : changes) {
    const auto name = change.substr(0, change.find('='));
    answers.erase(std::remove_if(answers.begin(), answers.end(), [&](const std::string& a) { return a.rfind(name + "=", 0) == 0; }),
                  answers.end());
    answers.push_back(change);
  }
  answers.insert(answers.begin(), {"inspect", "set", id});
  return answers;
}

}  // namespace

TEST_CASE("cli: 15 women among 12 workers is saved and named at once, and finalize refuses it in both languages",
          "[cli][constraint]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto id = c.runJson({"inspect", "show", newInspection(c, "CS-02")})["number"].get<std::string>();  // as people name it

  auto set = c.run(completeAnswers(c, id, {"workers_women=15"}));
  INFO(set.err);
  REQUIRE(set.exit_code == 0);  // saved: the inspector may be half-way
  CHECK_THAT(set.out, Catch::Contains("Saved") && Catch::Contains("[error] The women workers cannot outnumber the workers") &&
                          Catch::Contains("[lỗi] Số lao động nữ không thể nhiều hơn tổng số người lao động") &&
                          Catch::Contains("women_within_workers"));
  auto shown = c.runJson({"inspect", "show", id});
  CHECK(shown["complete"] == true);  // every answer is there and valid on its own
  REQUIRE(shown["constraints"].size() == 1);
  CHECK(shown["constraints"][0]["id"] == "women_within_workers");
  CHECK(shown["constraints"][0]["level"] == "error");
  CHECK(shown["constraints"][0]["questions"] == json({"workers_total", "workers_women"}));
  CHECK_THAT(c.run({"inspect", "show", id}).out, Catch::Contains("Checks across answers") && Catch::Contains("✗ [lỗi]"));

  auto refused = c.run({"inspect", "finalize", id});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("women_within_workers") &&
                              Catch::Contains("The women workers cannot outnumber the workers; correct one of the two figures") &&
                              Catch::Contains("Số lao động nữ không thể nhiều hơn tổng số người lao động; hãy sửa một trong hai số") &&
                              Catch::Contains("fieldcheck inspect set " + id));
  auto confirm = c.run({"inspect", "confirm", id, "women_within_workers"});
  CHECK(confirm.exit_code == 1);
  CHECK_THAT(confirm.err, Catch::Contains("is an error, which cannot be confirmed"));
  CHECK(c.runJson({"inspect", "show", id})["status"] == "draft");

  SECTION("none with another prevention material is refused as an answer, and nothing is saved") {
    auto both = c.run({"inspect", "set", id, "workers_women=5", "prevention_material=prostitution,none"});
    CHECK(both.exit_code == 1);
    CHECK_THAT(both.err, Catch::Contains("“Prevention material displayed”: “None” cannot be picked with another choice"));
    CHECK(c.runJson({"inspect", "show", id})["constraints"].size() == 1);
  }
  SECTION("corrected, it finalizes") {
    REQUIRE(c.run({"inspect", "set", id, "workers_women=5"}).exit_code == 0);
    CHECK(c.runJson({"inspect", "show", id})["constraints"].empty());
    auto done = c.run({"inspect", "finalize", id});
    INFO(done.err);
    CHECK(done.exit_code == 0);
  }
  SECTION("the interactive fill names the check right after the answer that breaks it") {
    const auto other = newInspection(c, "CS-02");  // whole: two made within a minute share their first 8
    auto fill = c.run({"inspect", "fill", other}, "2019-05-03 09:15\nĐoàn 1\nc\nc\nc\n12\n15\n");
    INFO(fill.out);
    REQUIRE(fill.exit_code == 0);
    const auto women = fill.out.find("Number of women workers");
    const auto named = fill.out.find("[error] The women workers cannot outnumber the workers");
    REQUIRE(women != std::string::npos);
    REQUIRE(named != std::string::npos);
    CHECK(named > women);
    CHECK(named < fill.out.find("Number of workers under 18"));
  }
}

TEST_CASE("cli: a visit outside the plan's period holds finalize until confirmed, again after the date changes, and the "
          "confirmation shows in show and history",
          "[cli][constraint]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto id = c.runJson({"inspect", "show", newInspection(c, "CS-02")})["number"].get<std::string>();  // as people name it
  auto set = c.run(completeAnswers(c, id, {"visit_time=03/01/2019 09:00"}));  // before the plan began on 4 March 2019
  INFO(set.err);
  REQUIRE(set.exit_code == 0);
  CHECK_THAT(set.out, Catch::Contains("[warning] The date of the inspection is outside the plan's period") &&
                          Catch::Contains("not confirmed"));

  auto refused = c.run({"inspect", "finalize", id});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("fieldcheck inspect confirm " + id + " visit_within_plan") &&
                              Catch::Contains("Ngày kiểm tra nằm ngoài thời gian của kế hoạch"));

  auto confirmed = c.run({"inspect", "confirm", id, "visit_within_plan"});
  INFO(confirmed.err);
  REQUIRE(confirmed.exit_code == 0);
  auto shown = c.runJson({"inspect", "show", id});
  REQUIRE(shown["constraints"].size() == 1);
  CHECK(shown["constraints"][0]["level"] == "warning");
  CHECK(shown["constraints"][0]["confirmed"] == true);
  CHECK(shown["constraints"][0]["confirmed_by"] == "Nông Văn Kiểm");

  // Another date outside the period: the confirmation was for the first one.
  REQUIRE(c.run({"inspect", "set", id, "visit_time=05/01/2019 09:00"}).exit_code == 0);
  CHECK(c.runJson({"inspect", "show", id})["constraints"][0]["confirmed"] == false);
  CHECK(c.run({"inspect", "finalize", id}).exit_code == 1);
  REQUIRE(c.run({"inspect", "confirm", id, "visit_within_plan"}).exit_code == 0);
  auto done = c.run({"inspect", "finalize", id});
  INFO(done.err);
  REQUIRE(done.exit_code == 0);

  CHECK_THAT(c.run({"inspect", "show", id}).out,
             Catch::Contains("⚠ [cảnh báo]") && Catch::Contains("confirmed by Nông Văn Kiểm"));
  const auto history = c.run({"history", id}).out;
  CHECK_THAT(history, Catch::Contains("Warnings confirmed [_confirmed] = visit_within_plan (Nông Văn Kiểm)"));
  CHECK(c.run({"inspect", "confirm", id, "visit_within_plan"}).exit_code == 1);  // finalized: no longer the inspector's
}

TEST_CASE("cli: finalize names at once the answers missing and the checks across answers not met", "[cli][constraint]") {
  TempDir dir;
  auto c = initClient(dir);
  const auto id = c.runJson({"inspect", "show", newInspection(c, "CS-02")})["number"].get<std::string>();
  REQUIRE(c.run({"inspect", "set", id, "workers_total=12", "workers_women=15"}).exit_code == 0);
  auto refused = c.run({"inspect", "finalize", id});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("answer(s) missing or invalid and 1 check(s) across answers not met") &&
                              Catch::Contains("câu thiếu hoặc sai và 1 kiểm tra giữa các câu trả lời chưa đạt") &&
                              Catch::Contains("The women workers cannot outnumber the workers") &&
                              Catch::Contains("Members of the inspection team"));
}
