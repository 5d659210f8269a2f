// The real `fieldcheck-server` program: setting up a province, managing its users, and the
// report and exports an office reads, checked by independent readers (Python's csv, html.parser
// and openpyxl).
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "fieldcheck/files.h"
#include "support/laptop.h"
#include "support/process.h"
#include "support/server_process.h"
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

TEST_CASE("server cli: user reset prints a one-time code that replaces the password until it is changed", "[server-cli]") {
  TempDir dir;
  REQUIRE(server(dir, {"init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(server(dir, {"user", "add", "lan", "--role", "inspector", "--district", "bao-lac"}, "correct horse\n").exit_code == 0);
  CHECK(json::parse(server(dir, {"user", "list", "--json"}).out)[0]["must_change_password"] == false);

  auto reset = server(dir, {"user", "reset", "lan"});
  INFO(reset.err);
  REQUIRE(reset.exit_code == 0);
  std::smatch code;
  REQUIRE(std::regex_search(reset.out, code, std::regex("[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}")));
  CHECK_THAT(reset.out, Catch::Contains("One-time code of lan"));
  CHECK(json::parse(server(dir, {"user", "list", "--json"}).out)[0]["must_change_password"] == true);
  CHECK_THAT(server(dir, {"user", "list"}).out, Catch::Contains("ONE-TIME CODE"));
  auto again = server(dir, {"user", "reset", "lan"});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, !Catch::Contains(code.str()));  // a new code each time

  auto nobody = server(dir, {"user", "reset", "nobody"});
  CHECK(nobody.exit_code == 1);
  CHECK_THAT(nobody.err, Catch::Contains("There is no user “nobody”"));
  REQUIRE(server(dir, {"user", "revoke", "lan"}).exit_code == 0);
  auto revoked = server(dir, {"user", "reset", "lan"});
  CHECK(revoked.exit_code == 1);
  CHECK_THAT(revoked.err, Catch::Contains("was revoked"));
}

namespace {

json readSeed(const std::string& file) { return json::parse(fieldcheck::readWholeFile(sampleSeed() / file)); }

// Runs a reader of tests/support on `file`; requires success and returns its JSON.
json readBack(const std::string& script, const std::string& kind, const std::filesystem::path& file) {
  std::vector<std::string> args = {"/usr/bin/python3", std::string(FIELDCHECK_TEST_DIR) + "/support/" + script};
  if (!kind.empty()) args.push_back(kind);
  args.push_back(file.string());
  auto r = runProcess(args);
  INFO(script << " " << kind << " " << file << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::size_t columnOf(const json& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  FAIL("no column " << name << " in " << header.dump());
  return 0;
}

}  // namespace

TEST_CASE("server cli: the report reads as a Vietnamese administrative report and the exports as an office uses them", "[server-cli][report]") {
  TempDir dir;
  const auto data = (dir / "data").string();
  REQUIRE(server(dir, {"init", "--seed", sampleSeed().string()}).exit_code == 0);
  REQUIRE(addServerUser(data, "lan", {"--role", "inspector", "--district", "bao-lac"}));
  REQUIRE(addServerUser(data, "giam", {"--role", "supervisor", "--district", "bao-lac"}));
  REQUIRE(addServerUser(data, "tinh", {"--role", "provincial"}));
  std::map<std::string, std::string> ids;  // what each inspection is → its id
  {
    ServerProcess running(data);
    const Laptop lan{(dir / "lan").string(), "lan"}, giam{(dir / "giam").string(), "giam"};
    lan.loginTo(running.port());
    REQUIRE(lan.run({"sync"}).exit_code == 0);
    // Bảo Lạc's establishments, as the inspector's laptop lists them.
    std::vector<std::string> codes;
    for (const auto& e : lan.runJson({"establishments"})) codes.push_back(e["fields"]["code"].get<std::string>());
    std::sort(codes.begin(), codes.end());
    REQUIRE(codes.size() >= 3);
    auto inspect = [&](const std::string& what, const std::string& code, const std::string& visit, bool finalize) {
      const auto kind = lan.runJson({"establishment", "show", code})["fields"]["kind"].get<std::string>();
      auto created = lan.run({"--json", "inspect", "new", "--establishment", code});
      REQUIRE(created.exit_code == 0);
      const auto id = nlohmann::json::parse(created.out)["id"].get<std::string>();
      std::vector<std::string> answers = {"inspect", "set", id, "visit_time=" + visit, "team_members=Đoàn 1",
                                          "business_registration=c", "security_certificate=c", "worker_register=c",
                                          "workers_total=4", "workers_women=2", "workers_under_18=0", "prostitution_signs=k",
                                          "prevention_material=1", "workers_informed=c", "violations=none", "actions=none",
                                          "conclusion=compliant", "location=22.6, 105.9"};
      if (kind == "karaoke")
        for (auto a : {"karaoke_doors_transparent=c", "karaoke_no_inner_locks=c", "karaoke_smallest_room_m2=22"}) answers.push_back(a);
      if (kind == "lodging") answers.push_back("guest_register=c");
      auto set = lan.run(answers);
      INFO(set.err);
      REQUIRE(set.exit_code == 0);
      // A visit before the plan's period is a warning the inspector confirms before finalizing.
      if (finalize && visit < "2019") REQUIRE(lan.run({"inspect", "confirm", id, "visit_within_plan"}).exit_code == 0);
      if (finalize) REQUIRE(lan.run({"inspect", "finalize", id}).exit_code == 0);
      ids[what] = id;
    };
    inspect("visited", codes[0], "2019-05-03 09:00", true);   // counts
    inspect("draft", codes[1], "2019-06-01 09:00", false);    // left out: a draft
    inspect("early", codes[2], "2018-12-20 09:00", true);     // left out: before the plan's period
    REQUIRE(lan.runJson({"sync"})["refused"] == 0);
    // The supervisor amends the inspection; the province's officer approves it.
    giam.loginTo(running.port());
    REQUIRE(giam.run({"sync"}).exit_code == 0);
    auto amended = giam.run({"inspect", "set", ids["visited"], "workers_total=5"});
    INFO(amended.err);
    REQUIRE(amended.exit_code == 0);
    REQUIRE(giam.runJson({"sync"})["refused"] == 0);
  }
  REQUIRE(server(dir, {"review", ids["visited"], "--approve", "--by", "tinh"}).exit_code == 0);

  const auto plan = readSeed("plan.json");
  std::vector<std::string> internal_keys;  // what no person should read
  for (const auto& t : plan["targets"]) internal_keys.push_back(t["code"].get<std::string>());
  auto noInternalKey = [&](const std::string& text, const std::string& where) {
    for (const auto& key : internal_keys) {
      INFO(where << ": " << key);
      CHECK_THAT(text, !Catch::Contains(key));
    }
  };

  SECTION("the HTML report") {
    // The report is dated by the server's clock: pinned here to 5 February 2027.
    const auto html = dir / "report.html";
    auto written = runProcess({"/usr/bin/faketime", "2027-02-05 03:00:00", serverBinary(), "--data", data, "report", "--plan",
                               plan["code"].get<std::string>(), "--format", "html", "--out", html.string()});
    INFO(written.err);
    REQUIRE(written.exit_code == 0);
    const auto page = readBack("read_report.py", "", html);
    // Heading: the issuing body from the plan's seed, the number line, the national name and motto.
    std::vector<std::string> issuer;
    for (const auto& line : plan["report"]["issuer"]) issuer.push_back(line.get<std::string>());
    CHECK(page["issuer"] == issuer);
    CHECK(page["number"] == "Số: /" + plan["report"]["number_suffix"].get<std::string>());
    CHECK(page["quoc_hieu"] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    CHECK(page["tieu_ngu"] == "Độc lập - Tự do - Hạnh phúc");
    CHECK(page["tieu_ngu_underlined"] == true);
    CHECK(page["place_date"] == plan["report"]["place"].get<std::string>() + ", ngày 05 tháng 02 năm 2027");
    CHECK(page["place_date_italic"] == true);
    CHECK(page["title"] == "BÁO CÁO");
    // Dates as dd/mm/yyyy: the plan's period.
    const auto day = [](const std::string& iso) { return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4); };
    CHECK_THAT(page["text"].get<std::string>(),
               Catch::Contains(day(plan["period"]["start"].get<std::string>()) + " – " + day(plan["period"]["end"].get<std::string>())));
    // Recipients at the left, the signature block at the right.
    CHECK(page["recipients_heading"] == "Nơi nhận:");
    CHECK(page["recipients_at_left"] == true);
    std::vector<std::string> recipients;
    for (const auto& line : plan["report"]["recipients"]) recipients.push_back("- " + line.get<std::string>());
    CHECK(page["recipients"] == recipients);
    CHECK_THAT(page["signature"].get<std::string>(), Catch::Contains(plan["report"]["signer_title"].get<std::string>()) &&
                                                         Catch::Contains("(Ký, ghi rõ họ tên)"));
    // The districts in Vietnamese order (an independent sort; byte order differs for this province).
    std::vector<std::string> order;
    for (const auto& p : page["pending"]) order.push_back(p["district"].get<std::string>());
    CHECK(order.size() == readSeed("province.json")["districts"].size());
    CHECK(page["pending_in_vietnamese_order"] == order);
    CHECK(page["pending_in_byte_order"] != order);
    // Bảo Lạc's establishments not yet inspected: every one but the one with a finalized
    // inspection in the period (the draft's and the early one's are still to do).
    std::set<std::string> expected_pending;
    const auto establishments = readSeed("establishments.json");
    for (const auto& e : establishments["establishments"])
      if (e["district"] == "bao-lac") expected_pending.insert(e["code"].get<std::string>());
    std::set<std::string> bao_lac;
    for (const auto& p : page["pending"])
      if (p["district"] == "Bảo Lạc")
        for (const auto& c : p["codes"]) bao_lac.insert(c.get<std::string>());
    CHECK(bao_lac.size() == expected_pending.size() - 1);
    for (const auto& c : bao_lac) CHECK(expected_pending.count(c) == 1);
    // What the figures leave out, counted from what was made above: one draft, one before the period.
    std::smatch m;
    const auto left_out = page["left_out"].get<std::string>();
    REQUIRE(std::regex_search(left_out, m, std::regex("Số liệu không tính (\\d+) hồ sơ: (\\d+) bản nháp, (\\d+) ngoài kỳ báo cáo")));
    CHECK(m[1] == "2");
    CHECK(m[2] == "1");
    CHECK(m[3] == "1");
    CHECK_THAT(left_out, Catch::Contains("The figures leave out 2 records: 1 draft, 1 outside the period"));
    CHECK(page["has_script"] == false);
    noInternalKey(page["text"].get<std::string>(), "HTML");
    noInternalKey(fieldcheck::readWholeFile(html), "HTML source");
    // The text a person reads on the terminal names no internal key either.
    auto text = server(dir, {"report", "--plan", plan["code"].get<std::string>()});
    REQUIRE(text.exit_code == 0);
    noInternalKey(text.out, "text");
    auto csv = server(dir, {"report", "--plan", plan["code"].get<std::string>(), "--format", "csv"});
    REQUIRE(csv.exit_code == 0);
    noInternalKey(csv.out, "report CSV");
  }

  SECTION("the establishment export, read back by Python's csv and by openpyxl") {
    std::map<std::string, std::string> district_names, commune_names;
    const auto province = readSeed("province.json"), communes = readSeed("communes.json");
    for (const auto& d : province["districts"]) district_names[d["code"].get<std::string>()] = d["name"].get<std::string>();
    for (const auto& c : communes["communes"]) commune_names[c["code"].get<std::string>()] = c["name"].get<std::string>();
    const std::string format = GENERATE("csv", "xlsx");
    const auto file = dir / ("establishments." + format);
    REQUIRE(server(dir, {"export", "--kind", "establishment", "--format", format, "--out", file.string()}).exit_code == 0);
    const auto rows = readBack("read_table.py", format, file)["rows"];
    const auto& header = rows[0];
    const auto code = columnOf(header, "Mã cơ sở"), district = columnOf(header, "Huyện"),
               commune = columnOf(header, "Xã, phường, thị trấn"), name = columnOf(header, "Tên cơ sở");
    std::map<std::string, json> by_code;
    for (std::size_t i = 1; i < rows.size(); ++i) by_code[rows[i][code].get<std::string>()] = rows[i];
    const auto seeded = readSeed("establishments.json")["establishments"];
    CHECK(by_code.size() == seeded.size());
    for (const auto& e : seeded) {
      const auto c = e["code"].get<std::string>();
      INFO(c);
      REQUIRE(by_code.count(c));
      CHECK(by_code[c][name] == e["name"]);
      CHECK(by_code[c][district] == district_names.at(e["district"].get<std::string>()));
      if (e.contains("commune")) CHECK(by_code[c][commune] == commune_names.at(e["commune"].get<std::string>()));
    }
    noInternalKey(header.dump(), "establishment headers");
  }

  SECTION("the inspection export names the inspector apart from the reviewer and the last editor, and prints") {
    const std::string format = GENERATE("csv", "xlsx");
    const auto file = dir / ("inspections." + format);
    REQUIRE(server(dir, {"export", "--kind", "inspection", "--format", format, "--out", file.string()}).exit_code == 0);
    const auto rows = readBack("read_table.py", format, file)["rows"];
    REQUIRE(rows.size() == 4);
    const auto& header = rows[0];
    const auto id = columnOf(header, "Mã"), inspector = columnOf(header, "Người kiểm tra"), reviewer = columnOf(header, "Người duyệt"),
               last = columnOf(header, "Người sửa cuối"), lat = columnOf(header, "Vị trí GPS — vĩ độ"),
               lon = columnOf(header, "Vị trí GPS — kinh độ");
    CHECK(inspector != reviewer);
    CHECK(inspector != last);
    auto number = [&](const json& cell) { return cell.is_number() ? cell.get<double>() : std::stod(cell.get<std::string>()); };
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      INFO(row.dump());
      CHECK(row[inspector] == "lan");  // she made every one of them
      if (format == "xlsx") CHECK((row[lat].is_number() && row[lon].is_number()));
      CHECK(number(row[lat]) == Approx(22.6));
      CHECK(number(row[lon]) == Approx(105.9));
      if (row[id] == ids["visited"]) {
        CHECK(row[reviewer] == "tinh");
        CHECK(row[last] == "tinh");  // the approval is the latest revision
      } else {
        CHECK((row[reviewer].is_null() || row[reviewer] == ""));
        CHECK(row[last] == "lan");
      }
    }
    noInternalKey(header.dump(), "inspection headers");
    if (format == "xlsx") {
      const auto sheet = readBack("read_table.py", "xlsx-layout", file)["sheets"][0];
      CHECK(sheet["orientation"] == "landscape");
      CHECK(sheet["fit_to_page"] == true);
      CHECK(sheet["fit_width"] == 1);
      CHECK(sheet["fit_height"] == 0);
      CHECK(sheet["print_title_rows"] == "$1:$1");
      CHECK(sheet["freeze_panes"] == "A2");
      for (const auto& w : sheet["widths"]) CHECK(w.is_number());
    }
  }
}
