// Template conditions, template loading, answer validation, checklist state and the sample seed.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/expression.h"
#include "fieldcheck/files.h"
#include "fieldcheck/seed.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using nlohmann::json;

namespace {

NameLookup lookupIn(const Fields& fields) {
  return [&fields](std::string_view name) {
    auto it = fields.find(std::string(name));
    return it == fields.end() ? Value{} : it->second;
  };
}

bool eval(const std::string& text, const Fields& fields) {
  auto e = Expression::parse(text);
  REQUIRE(e.ok());
  return e.value().evaluate(lookupIn(fields));
}

std::string allDetails(const Problem& p) {
  std::string out = p.message.en;
  for (const auto& d : p.details) out += "\n" + d.en;
  return out;
}

json minimalTemplate() {
  return json::parse(R"json({
    "format": "fieldcheck-template/1", "id": "t", "version": 1, "purpose": "inspection",
    "title": {"vi": "Phiếu", "en": "Form"},
    "questions": [
      {"id": "kind", "type": "single_choice", "label": {"vi": "Loại", "en": "Kind"}, "required": true,
       "choices": [{"code": "karaoke", "label": {"vi": "Karaoke", "en": "Karaoke"}},
                   {"code": "bar", "label": {"vi": "Bar", "en": "Bar"}}]},
      {"id": "actions", "type": "multiple_choice", "label": {"vi": "Xử lý", "en": "Action"},
       "choices": [{"code": "fine", "label": {"vi": "Phạt tiền", "en": "Fine"}},
                   {"code": "reminder", "label": {"vi": "Nhắc nhở", "en": "Reminder"}}]},
      {"id": "fine_amount", "type": "integer", "min": 100000, "max": 500000000,
       "label": {"vi": "Số tiền phạt", "en": "Fine amount"},
       "relevant": "selected(actions, 'fine')", "required_if": "selected(actions, 'fine')"},
      {"id": "room_m2", "type": "decimal", "min": 0, "max": 500, "required": true,
       "label": {"vi": "Diện tích", "en": "Area"}, "relevant": "establishment.kind = 'karaoke'"}
    ]})json");
}

ChecklistTemplate load(const json& j) {
  auto t = parseTemplate(j.dump(), "test.json");
  INFO((t.ok() ? std::string() : allDetails(t.problem())));
  REQUIRE(t.ok());
  return t.value();
}

}  // namespace

TEST_CASE("expressions: comparisons, logic and functions evaluate as written", "[expression]") {
  const Fields f{{"kind", "karaoke"}, {"workers", 12}, {"area", 18.5}, {"signs", true},
                 {"actions", Choices{"fine", "reminder"}}};
  CHECK(eval("kind = 'karaoke'", f));
  CHECK(eval("kind == \"karaoke\" and workers >= 10", f));
  CHECK_FALSE(eval("kind != 'karaoke'", f));
  CHECK(eval("area < 20", f));
  CHECK(eval("signs = true", f));
  CHECK(eval("not (workers > 100) or kind = 'bar'", f));
  CHECK(eval("selected(actions, 'fine')", f));
  CHECK_FALSE(eval("selected(actions, 'suspension')", f));
  CHECK(eval("count(actions) = 2", f));
  CHECK(eval("answered(workers) and not answered(missing)", f));

  SECTION("a comparison with an unanswered side is false either way") {
    CHECK_FALSE(eval("missing = 1", f));
    CHECK_FALSE(eval("missing != 1", f));
  }
  SECTION("mismatched types do not compare equal") {
    CHECK_FALSE(eval("workers = '12'", f));
    CHECK_FALSE(eval("signs > 0", f));
  }
}

TEST_CASE("expressions: bad or hostile text is refused with its position", "[expression]") {
  auto text = GENERATE(as<std::string>{}, "kind =", "kind = 'x", "(kind = 'x'", "kind = = 1", "drop table",
                       "selected(kind)", "selected('kind', 'x')", "system('rm -rf /')", "kind ; 1", "");
  auto e = Expression::parse(text);
  CHECK_FALSE(e.ok());
  if (!e.ok()) CHECK_THAT(e.problem().message.en, Catch::Contains("expression"));
}

TEST_CASE("expressions: nesting and length are bounded", "[expression]") {
  CHECK_FALSE(Expression::parse(std::string(10'000, '(') + "1" + std::string(10'000, ')')).ok());
  CHECK_FALSE(Expression::parse(std::string(3000, 'a')).ok());
  CHECK(Expression::parse(std::string(10, '(') + "1 = 1" + std::string(10, ')')).ok());
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  CHECK_FALSE(Expression::parse(nots + "true").ok());
}

TEST_CASE("templates: a valid template loads with its conditions", "[template]") {
  const auto t = load(minimalTemplate());
  REQUIRE(t.questions.size() == 4);
  CHECK(t.find("fine_amount")->relevant.has_value());
  CHECK(t.find("kind")->findChoice("bar") != nullptr);
}

TEST_CASE("templates: a bad template is refused naming the file, the question and the fault", "[template]") {
  auto t = minimalTemplate();
  std::string expected;
  SECTION("unknown key") {
    t["questions"][0]["requird"] = true;
    expected = "test.json: question 'kind': unknown key 'requird'";
  }
  SECTION("bounds that cannot hold") {
    t["questions"][2]["min"] = 1000;
    t["questions"][2]["max"] = 10;
    expected = "question 'fine_amount': 'min' (1000) is greater than 'max' (10)";
  }
  SECTION("a condition on a later question") {
    t["questions"][1]["relevant"] = "fine_amount > 5";
    expected = "question 'actions': relevant refers to 'fine_amount', which is not a question asked before";
  }
  SECTION("a choice code the question does not offer") {
    t["questions"][2]["relevant"] = "selected(actions, 'fien')";
    expected = "question 'fine_amount': relevant: 'actions' has no choice 'fien'";
  }
  SECTION("a condition that does not parse") {
    t["questions"][2]["required_if"] = "selected(actions, 'fine'";
    expected = "question 'fine_amount': required_if: expression error at character";
  }
  SECTION("duplicate ids") {
    t["questions"][1]["id"] = "kind";
    expected = "question 'kind': question id appears twice";
  }
  SECTION("duplicate choice codes") {
    t["questions"][0]["choices"][1]["code"] = "karaoke";
    expected = "choice code 'karaoke' appears twice";
  }
  SECTION("a label without English") {
    t["questions"][3]["label"].erase("en");
    expected = "question 'room_m2': 'label' must have non-empty 'vi' and 'en'";
  }
  SECTION("an unknown type") {
    t["questions"][3]["type"] = "float";
    expected = "question 'room_m2': 'type' must be one of";
  }
  SECTION("choices on a number question") {
    t["questions"][2]["choices"] = t["questions"][0]["choices"];
    expected = "question 'fine_amount': 'choices' applies to choice questions only";
  }
  auto r = parseTemplate(t.dump(), "test.json");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(allDetails(r.problem()), Catch::Contains(expected));
  CHECK_THAT(r.problem().message.vi, Catch::Contains("test.json"));
}

TEST_CASE("templates: malformed JSON is refused with the byte position", "[template]") {
  auto r = parseTemplate("{\"format\": ", "broken.json");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(allDetails(r.problem()), Catch::Contains("broken.json: malformed JSON (at byte"));
}

TEST_CASE("answers: typed input becomes typed values, Vietnamese style included", "[validation]") {
  const auto t = load(minimalTemplate());
  auto parse = [&](const char* q, const char* input) { return parseAnswerInput(*t.find(q), input, 420, 0); };
  CHECK(parse("fine_amount", "2.000.000").value() == Value{2'000'000});
  CHECK(parse("fine_amount", "2,000,000").value() == Value{2'000'000});
  CHECK(parse("fine_amount", "2000000").value() == Value{2'000'000});
  CHECK_FALSE(parse("fine_amount", "2.5").ok());
  CHECK_FALSE(parse("fine_amount", "20.00.000").ok());
  CHECK(parse("room_m2", "18,5").value() == Value{18.5});
  CHECK(parse("room_m2", "18.5").value() == Value{18.5});
  CHECK(parse("kind", "2").value() == Value{"bar"});
  CHECK(parse("kind", "karaoke").value() == Value{"karaoke"});
  CHECK(parse("actions", "2, fine").value() == Value{Choices{"fine", "reminder"}});
  CHECK(parse("actions", "Phạt tiền").value() == Value{Choices{"fine"}});
  CHECK(parse("kind", "  ").value().isNull());

  SECTION("out of bounds and unknown choices get one clear message in both languages") {
    auto low = parse("fine_amount", "5");
    REQUIRE_FALSE(low.ok());
    CHECK(low.problem().message.en == "“Fine amount”: must be from 100,000 to 500,000,000, not 5");
    CHECK(low.problem().message.vi == "“Số tiền phạt”: phải từ 100.000 đến 500.000.000, không phải 5");
    auto area = parse("room_m2", "600,5");
    REQUIRE_FALSE(area.ok());
    CHECK(area.problem().message.vi == "“Diện tích”: phải từ 0 đến 500, không phải 600,5");
    CHECK(area.problem().message.en == "“Area”: must be from 0 to 500, not 600.5");
    auto choice = parse("kind", "9");
    REQUIRE_FALSE(choice.ok());
    CHECK_THAT(choice.problem().message.en, Catch::Contains("no choice “9”"));
  }
}

TEST_CASE("answers: a choice is typed as a word of its label without accents, and text is limited in characters, not bytes",
          "[validation]") {
  const auto seed = loadSeed(test::sampleSeed()).value();
  auto templateOf = [&](const std::string& id) {
    for (const auto& d : seed.documents)
      if (d.kind == "template" && textField(d, "template_id") == id) return templateFromDocument(d).value();
    FAIL("no template " << id);
    throw std::logic_error("unreachable");
  };
  const auto record = templateOf("establishment-record");
  const auto& status = *record.find("status");
  auto parse = [&](const Question& q, const char* input) { return parseAnswerInput(q, input, 420, 0); };
  CHECK(parse(status, "dong cua").value() == Value{"closed"});  // “Đã đóng cửa”
  CHECK(parse(status, "Đóng cửa").value() == Value{"closed"});
  CHECK(parse(status, "tam").value() == Value{"suspended"});  // “Tạm ngừng”
  // Without accents “dong” is a word of “Đã đóng cửa” and of “Đang hoạt động”: the choices are shown.
  const auto both = parse(status, "dong");
  REQUIRE_FALSE(both.ok());
  CHECK_THAT(both.problem().message.vi, Catch::Contains("1=open (Đang hoạt động)") && Catch::Contains("3=closed (Đã đóng cửa)"));
  CHECK(parse(status, "closed").value() == Value{"closed"});
  CHECK_FALSE(parse(status, "da").ok());      // too short to be a word of a label
  CHECK(parse(status, "ngung").value() == Value{"suspended"});  // a word inside the label, not only its first
  CHECK_FALSE(parse(status, "xyz").ok());
  // A word that begins two labels names neither: the inspector is asked to say which.
  Question two;
  two.id = "place";
  two.type = QuestionType::kSingleChoice;
  two.label = {"Nơi", "Place"};
  two.choices = {{"a", {"Nhà nghỉ Bình An", "Guest house Binh An"}}, {"b", {"Nhà hàng Bình Minh", "Restaurant Binh Minh"}}};
  CHECK_FALSE(parse(two, "binh").ok());
  CHECK(parse(two, "minh").value() == Value{"b"});

  const auto inspection = templateOf("establishment-inspection");
  const auto& team = *inspection.find("team_members");  // at most 500 characters
  std::string long_vietnamese;
  for (int i = 0; i < 98; ++i) long_vietnamese += "Đoàn ";  // 490 characters, 588 bytes
  REQUIRE(long_vietnamese.size() > 500);
  CHECK_FALSE(checkAnswer(team, Value{long_vietnamese}));
  const auto too_long = checkAnswer(team, Value{long_vietnamese + "Nguyễn Văn A"});  // 502 characters
  REQUIRE(too_long);
  CHECK_THAT(too_long->en, Catch::Contains("longer than 500 characters"));
  CHECK_THAT(too_long->vi, Catch::Contains("dài quá 500 ký tự"));
}

TEST_CASE("answers: a date is read as people in Vietnam write it, day first, or as today and yesterday", "[validation]") {
  Question q;
  q.id = "visit_time";
  q.type = QuestionType::kDateTime;
  q.label = {"Ngày giờ kiểm tra", "Date and time of the inspection"};
  constexpr std::int32_t kHanoi = 420;
  auto at = [&](const char* input, std::int64_t now_ms = 0) { return parseAnswerInput(q, input, kHanoi, now_ms); };
  auto iso = [&](const char* text) { return Value{*parseDateTime(text, kHanoi)}; };
  CHECK(at("03/05/2019 09:30").value() == iso("2019-05-03 09:30"));
  CHECK(at("3/5/2019 9h30").value() == iso("2019-05-03 09:30"));
  CHECK(at("2019-05-03 09:30").value() == iso("2019-05-03 09:30"));  // ISO as before
  // 2019-05-03 23:30 in Hà Nội is 16:30 UTC: today is the 3rd there, yesterday the 2nd.
  const auto now = parseDateTime("2019-05-03 23:30", kHanoi)->epoch_ms;
  CHECK(at("hôm nay 9:15", now).value() == iso("2019-05-03 09:15"));
  CHECK(at("Hom nay 9h15", now).value() == iso("2019-05-03 09:15"));
  CHECK(at("hom qua 14:00", now).value() == iso("2019-05-02 14:00"));
  CHECK(at("yesterday 8:00", now).value() == iso("2019-05-02 08:00"));
  // A day without its time is not taken as midnight: the inspector is asked for the time.
  for (const auto* day_only : {"3/5/2019", "2019-05-03", "hôm nay", "yesterday"}) {
    INFO(day_only);
    const auto refused = at(day_only, now);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.problem().message.en, Catch::Contains("has no time; enter the time too"));
  }
  for (const auto* bad : {"31/2/2019", "3/13/2019", "3/5/19", "hôm kia", "03/05/2019 25:00"}) {
    INFO(bad);
    CHECK_FALSE(at(bad).ok());
  }
  // A long text is refused, not read character by character by a recursive matcher.
  CHECK_FALSE(at(std::string(200'000, 'x').append(" 3/5/2019 9:15").c_str()).ok());
}

TEST_CASE("answers: a date question keeps the day, not midnight, reads it day first and shows it so", "[validation]") {
  Question q;
  q.id = "correction_deadline";
  q.type = QuestionType::kDate;
  q.label = {"Hạn khắc phục vi phạm", "Deadline to correct the violations"};
  constexpr std::int32_t kHanoi = 420;
  const auto now = parseDateTime("2019-05-03 23:30", kHanoi)->epoch_ms;  // the 2nd in UTC: the day is Hà Nội's
  auto at = [&](const char* input) { return parseAnswerInput(q, input, kHanoi, now); };
  CHECK(at("15/6/2019").value() == Value{"2019-06-15"});
  CHECK(at("2019-06-15").value() == Value{"2019-06-15"});
  CHECK(at("hôm nay").value() == Value{"2019-05-03"});
  CHECK(at("hôm qua").value() == Value{"2019-05-02"});
  for (const auto* bad : {"15/6/2019 09:00", "2019-06-15T09:00", "31/6/2019", "2019-02-29", "mai"}) {
    INFO(bad);
    CHECK_FALSE(at(bad).ok());
  }
  CHECK_FALSE(checkAnswer(q, Value{"2019-06-15"}));
  CHECK(checkAnswer(q, Value{"2019-06-31"}));                               // no such day
  CHECK(checkAnswer(q, Value{"15/06/2019"}));                               // kept only as ISO
  CHECK(checkAnswer(q, Value{*parseDateTime("2019-06-15", kHanoi)}));       // a date and time is not a date
  CHECK(displayAnswer(q, Value{"2019-06-15"}) == "15/06/2019");
  // Against a date and time, a date compares by the day in that time's offset.
  Fields fields{{"deadline", "2019-05-03"}, {"visit", *parseDateTime("2019-05-03 23:30", kHanoi)}};
  auto holds = [&](const char* text) { return Expression::parse(text).value().holds(lookupIn(fields)); };
  CHECK(holds("deadline >= visit") == std::optional<bool>(true));
  CHECK(holds("deadline > visit") == std::optional<bool>(false));
  CHECK(holds("visit <= deadline") == std::optional<bool>(true));
  fields["deadline"] = "2019-05-02";
  CHECK(holds("deadline >= visit") == std::optional<bool>(false));
}

TEST_CASE("answers: a GPS point is read as people type it, Vietnamese decimal commas and degrees-minutes-seconds included",
          "[validation]") {
  Question q;
  q.id = "location";
  q.type = QuestionType::kGps;
  q.label = {"Vị trí", "Location"};
  auto point = [&](const char* input) { return parseAnswerInput(q, input, 420, 0); };
  const GeoPoint expected{22.6657, 106.257, std::nullopt};
  for (const auto* typed : {"22.6657, 106.2570", "22.6657 106.2570", "22,6657 106,2570", "22.6657,106.2570", "  22,6657   106,2570 "}) {
    INFO(typed);
    const auto p = point(typed);
    REQUIRE(p.ok());
    CHECK(p.value() == Value{expected});
  }
  const auto with_accuracy = point("22,6657 106,2570 8");
  REQUIRE(with_accuracy.ok());
  CHECK(with_accuracy.value().get<GeoPoint>()->accuracy_m == 8.0);

  // 22°39'56.52" N = 22.6657, 106°15'25.2" E = 106.257.
  for (const auto* typed : {"22°39'56.52\"N 106°15'25.2\"E", "22° 39′ 56,52″ N, 106° 15′ 25,2″ E", "106°15'25.2\"E 22°39'56.52\"N"}) {
    INFO(typed);
    const auto p = point(typed);
    REQUIRE(p.ok());
    const auto* g = p.value().get<GeoPoint>();
    CHECK(g->latitude == Approx(22.6657).epsilon(1e-9));
    CHECK(g->longitude == Approx(106.257).epsilon(1e-9));
  }
  const auto south_west = point("33°52'S 151°12'W");
  REQUIRE(south_west.ok());
  CHECK(south_west.value().get<GeoPoint>()->latitude < 0);
  CHECK(south_west.value().get<GeoPoint>()->longitude < 0);

  for (const auto* bad : {"22,6657,106,2570", "22.6657", "north", "22°39'N", "22.6.657 106.2570", "22.6657 106.2570 8 9"}) {
    INFO(bad);
    CHECK_FALSE(point(bad).ok());
  }
  CHECK_FALSE(point(("22°" + std::string(200'000, '1')).c_str()).ok());
}

TEST_CASE("answers: yes/no accepts Vietnamese and English words", "[validation]") {
  Question q;
  q.id = "shown";
  q.type = QuestionType::kYesNo;
  q.label = {"Có xuất trình", "Shown"};
  for (auto yes : {"có", "co", "C", "yes", "y", "1"}) CHECK(parseAnswerInput(q, yes, 0, 0).value() == Value{true});
  for (auto no : {"không", "khong", "k", "no", "N", "0"}) CHECK(parseAnswerInput(q, no, 0, 0).value() == Value{false});
  CHECK_FALSE(parseAnswerInput(q, "maybe", 0, 0).ok());
}

TEST_CASE("checklist: relevance and required-if follow the answers", "[validation]") {
  const auto t = load(minimalTemplate());
  SECTION("a bar without a fine needs only its kind") {
    ChecklistState s(t, {{"kind", "bar"}, {"actions", Choices{"reminder"}}}, {{"kind", "bar"}});
    CHECK(s.complete());
    CHECK(s.relevantCount() == 2);
  }
  SECTION("a fine makes its amount required") {
    ChecklistState s(t, {{"kind", "bar"}, {"actions", Choices{"fine"}}}, {{"kind", "bar"}});
    REQUIRE(s.issues().size() == 1);
    CHECK(s.issues()[0]->question->id == "fine_amount");
    CHECK(s.issues()[0]->issue->en == "“Fine amount”: not answered (required)");
  }
  SECTION("a karaoke is asked its room area") {
    ChecklistState s(t, {{"kind", "karaoke"}}, {{"kind", "karaoke"}});
    REQUIRE(s.issues().size() == 1);
    CHECK(s.issues()[0]->question->id == "room_m2");
  }
  SECTION("a stored value out of bounds is reported, not trusted") {
    ChecklistState s(t, {{"kind", "bar"}, {"actions", Choices{"fine"}}, {"fine_amount", 5}}, {{"kind", "bar"}});
    REQUIRE(s.issues().size() == 1);
    CHECK_THAT(s.issues()[0]->issue->en, Catch::Contains("must be from"));
  }
}

TEST_CASE("seed: the Cao Bằng 2019 sample loads whole and identically every time", "[seed]") {
  auto seed = loadSeed(test::sampleSeed());
  INFO((seed.ok() ? std::string() : allDetails(seed.problem())));
  REQUIRE(seed.ok());
  std::map<std::string, int> count;
  for (const auto& d : seed.value().documents) ++count[d.kind];
  CHECK(count["establishment"] == 47);
  CHECK(count["district"] == 13);
  CHECK(count["template"] == 4);  // the inspection, the establishment's record, a commune's and a district's report
  CHECK(count["plan"] == 1);
  CHECK(count["commune"] > 13);
  CHECK(seed.value().utc_offset_minutes == 420);

  auto again = loadSeed(test::sampleSeed());
  REQUIRE(again.ok());
  CHECK(again.value().documents == seed.value().documents);

  std::set<std::string> kinds_of_establishment;
  for (const auto& d : seed.value().documents)
    if (d.kind == "establishment") kinds_of_establishment.insert(*d.fields.at("kind").get<std::string>());
  CHECK(kinds_of_establishment == std::set<std::string>{"bar", "karaoke", "lodging", "massage", "other"});
}

TEST_CASE("seed: the inspection template covers every item of the checklist", "[seed]") {
  auto seed = loadSeed(test::sampleSeed());
  REQUIRE(seed.ok());
  std::optional<ChecklistTemplate> inspection;
  for (const auto& d : seed.value().documents)
    if (d.kind == "template" && d.fields.at("purpose") == Value{"inspection"}) inspection = templateFromDocument(d).value();
  REQUIRE(inspection);
  std::set<QuestionType> types;
  for (const auto& q : inspection->questions) types.insert(q.type);
  CHECK(types.size() == 11);  // every question type is exercised, the signature and the date too
  for (auto id : {"business_registration", "security_certificate", "worker_register", "workers_total", "workers_women",
                  "workers_under_18", "karaoke_doors_transparent", "karaoke_no_inner_locks", "karaoke_smallest_room_m2",
                  "guest_register", "prostitution_signs", "prostitution_signs_description", "prevention_material",
                  "workers_informed", "violations", "actions", "fine_amount", "location", "photo_premises", "signature_owner",
                  "team_members", "visit_time"})
    CHECK(inspection->find(id) != nullptr);
}

TEST_CASE("seed: a broken seed folder is refused naming the file and the fault", "[seed]") {
  test::TempDir dir;
  std::filesystem::copy(test::sampleSeed(), dir.path(), std::filesystem::copy_options::recursive);
  SECTION("an establishment in an unknown district") {
    auto path = dir / "establishments.json";
    json j = json::parse(std::ifstream(path));
    j["establishments"][0]["district"] = "atlantis";
    std::ofstream(path) << j.dump();
    auto r = loadSeed(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(allDetails(r.problem()), Catch::Contains("establishments.json: CS-01: 'district' is not in province.json"));
  }
  SECTION("an establishment with a worker count out of bounds") {
    auto path = dir / "establishments.json";
    json j = json::parse(std::ifstream(path));
    j["establishments"][2]["workers"] = -4;
    std::ofstream(path) << j.dump();
    auto r = loadSeed(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(allDetails(r.problem()), Catch::Contains("CS-03: “Number of workers”: must be from 0 to 10,000, not -4"));
  }
  SECTION("a template with a fault") {
    auto path = dir / "templates" / "establishment-inspection.json";
    json j = json::parse(std::ifstream(path));
    j["questions"][0]["type"] = "time_of_day";  // no such type
    std::ofstream(path) << j.dump();
    auto r = loadSeed(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(allDetails(r.problem()), Catch::Contains("templates/establishment-inspection.json: question 'visit_time'"));
  }
  SECTION("a number too large for a double (found by fuzzing the readers beside it)") {
    auto path = dir / "establishments.json";
    auto text = fieldcheck::readWholeFile(path);
    const auto at = text.find("\"workers\"");
    REQUIRE(at != std::string::npos);
    text.replace(text.find(':', at) + 1, 0, " 1e999, \"x\":");
    std::ofstream(path) << text;
    auto r = loadSeed(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(allDetails(r.problem()), Catch::Contains("establishments.json: the JSON holds a number too large"));
  }
  SECTION("a missing file") {
    std::filesystem::remove(dir / "plan.json");
    auto r = loadSeed(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(allDetails(r.problem()), Catch::Contains("plan.json: cannot read the file"));
  }
}

namespace {

std::optional<bool> holds(const std::string& text, const Fields& fields) {
  auto e = Expression::parse(text);
  INFO(text << (e.ok() ? std::string() : ": " + e.problem().message.en));
  REQUIRE(e.ok());
  return e.value().holds(lookupIn(fields));
}

// The minimal template with constraints and an exclusive choice added.
json constrainedTemplate() {
  auto t = minimalTemplate();
  t["questions"][1]["choices"].push_back({{"code", "none"}, {"label", {{"vi", "Không"}, {"en", "None"}}}});
  t["questions"][1]["exclusive"] = {"none"};
  t["questions"].push_back(json::parse(R"({"id": "workers", "type": "integer", "label": {"vi": "Lao động", "en": "Workers"}})"));
  t["questions"].push_back(json::parse(R"({"id": "women", "type": "integer", "label": {"vi": "Lao động nữ", "en": "Women"}})"));
  t["constraints"] = json::parse(R"json([
    {"id": "women_within_workers", "level": "error", "check": "women <= workers",
     "message": {"vi": "Số nữ nhiều hơn tổng số", "en": "More women than workers"}},
    {"id": "fine_when_fined", "level": "warning", "check": "not answered(fine_amount) or selected(actions, 'fine')",
     "questions": ["fine_amount", "actions"],
     "message": {"vi": "Có tiền phạt mà không phạt", "en": "A fine amount without a fine"}}
  ])json");
  return t;
}

// The sample seed's inspection template, and the context its province and plan give at `now_ms`.
struct SampleChecklist {
  Seed seed = loadSeed(test::sampleSeed()).value();
  ChecklistTemplate checklist = [this] {
    for (const auto& d : seed.documents)
      if (d.kind == "template" && d.fields.at("purpose") == Value{"inspection"}) return templateFromDocument(d).value();
    throw std::runtime_error("no inspection template in the sample seed");
  }();

  ConstraintContext context(std::int64_t now_ms) const {
    const Document* province = nullptr;
    std::vector<Document> plans;
    for (const auto& d : seed.documents) {
      if (d.kind == "province") province = &d;
      if (d.kind == "plan") plans.push_back(d);
    }
    return constraintContext(now_ms, province, plans);
  }

  // The ids of the constraints `answers` break (of a bar, so no karaoke or lodging question applies).
  std::vector<std::string> broken(const Fields& answers, std::int64_t now_ms, const Fields& record = {}) const {
    const Fields bar{{"kind", "bar"}};
    const ChecklistState state(checklist, answers, bar);
    std::vector<std::string> out;
    for (const auto& failure : failedConstraints(checklist, state, bar, context(now_ms), record))
      out.push_back(failure.constraint->id);
    return out;
  }
};

// 2019-05-03T14:30:00+07:00, within the sample plan's period.
constexpr std::int64_t kMay2019Ms = 1'556'868'600'000;

// A complete, consistent inspection of a bar as the sample checklist asks it.
Fields goodAnswers() {
  return {{"visit_time", DateTime{kMay2019Ms - 3'600'000, 420}},
          {"team_members", "Nông Văn An"},
          {"business_registration", true},
          {"security_certificate", true},
          {"worker_register", true},
          {"workers_total", 12},
          {"workers_women", 8},
          {"workers_under_18", 0},
          {"prostitution_signs", false},
          {"prevention_material", Choices{"prostitution", "hiv_aids"}},
          {"workers_informed", true},
          {"violations", Choices{"none"}},
          {"actions", Choices{"reminder"}},
          {"conclusion", "compliant"},
          {"location", GeoPoint{22.6657, 106.2570, 8.0}}};
}

}  // namespace

TEST_CASE("expressions: a constraint is unknown while a question it compares is unanswered, and fails only when known false",
          "[expression][constraint]") {
  const Fields f{{"women", 15}, {"workers", 12}, {"actions", Choices{"reminder"}}, {"fine", 500'000}};
  CHECK(holds("women <= workers", f) == false);
  CHECK(holds("women <= workers + 3", f) == true);
  CHECK(holds("women - 3 = workers", f) == true);
  CHECK(holds("women <= missing", f) == std::nullopt);
  CHECK(holds("not (women <= missing)", f) == std::nullopt);
  SECTION("and is false once a side is false, or is true once a side is true, whatever the unknown side") {
    CHECK(holds("women <= missing and women < 0", f) == false);
    CHECK(holds("women <= missing or women > 0", f) == true);
    CHECK(holds("women <= missing and women > 0", f) == std::nullopt);
  }
  SECTION("answered and selected are always known") {
    CHECK(holds("not answered(fine) or selected(actions, 'fine')", f) == false);
    CHECK(holds("not answered(missing) or selected(actions, 'fine')", f) == true);
    CHECK(holds("selected(missing, 'fine')", f) == false);
  }
  SECTION("conditions keep their two values: a comparison with an unanswered side is false") {
    CHECK(eval("not (women <= missing)", f));
  }
}

TEST_CASE("expressions: dates take and give days, now() is the caller's clock, lat() and lon() read a GPS answer",
          "[expression][constraint]") {
  const DateTime visit{kMay2019Ms, 420};
  const Fields f{{"visit", visit},
                 {"now()", DateTime{kMay2019Ms - 3 * 3'600'000, 420}},  // the clock, three hours before the visit
                 {"start", DateTime{kMay2019Ms - 86'400'000, 420}},
                 {"where", GeoPoint{22.6657, 106.2570, std::nullopt}}};
  CHECK(holds("visit <= now()", f) == false);
  CHECK(holds("visit <= now() + 1", f) == true);  // a day's allowance for clocks and time zones
  CHECK(holds("visit - 1 < now()", f) == true);
  CHECK(holds("visit - start = 1", f) == true);
  CHECK(holds("lat(where) > 22.3 and lat(where) < 23.1 and lon(where) > 105.3 and lon(where) < 106.9", f) == true);
  CHECK(holds("lat(where) < 22", f) == false);
  CHECK(holds("lat(nowhere) < 22", f) == std::nullopt);
  SECTION("sums that overflow or make no sense are unknown, not wrong") {
    CHECK(holds("9223372036854775807 + 1 > 0", f) == std::nullopt);
    CHECK(holds("visit + visit > start", f) == std::nullopt);
    CHECK(holds("visit + 'x' > start", f) == std::nullopt);
    CHECK(holds("visit + 100000000 > start", f) == std::nullopt);
  }
  SECTION("a minus after a value subtracts, elsewhere it is a sign") {
    CHECK(holds("-1 < 0", f) == true);
    CHECK(holds("2-1 = 1", f) == true);
    CHECK(holds("(3)-1 = 2", f) == true);
  }
  SECTION("the new functions are checked like the others") {
    CHECK_FALSE(Expression::parse("now(visit)").ok());
    CHECK_FALSE(Expression::parse("lat()").ok());
    CHECK_FALSE(Expression::parse("lat('where')").ok());
    CHECK_FALSE(Expression::parse("1 + + 1").ok());
    CHECK_FALSE(Expression::parse("visit < 1 -").ok());
  }
}

TEST_CASE("templates: constraints load with their level, message and questions, and a choice can be exclusive", "[template][constraint]") {
  const auto t = load(constrainedTemplate());
  REQUIRE(t.constraints.size() == 2);
  CHECK(t.constraints[0].id == "women_within_workers");
  CHECK(t.constraints[0].level == ConstraintLevel::kError);
  CHECK(t.constraints[0].message.en == "More women than workers");
  CHECK(t.constraints[0].questions == std::vector<std::string>{"workers", "women"});  // from the check, in template order
  CHECK(t.constraints[1].level == ConstraintLevel::kWarning);
  CHECK(t.constraints[1].questions == std::vector<std::string>{"actions", "fine_amount"});
  CHECK(t.find("actions")->exclusive == std::vector<std::string>{"none"});
}

TEST_CASE("templates: a bad constraint or exclusive list is refused naming the file, the constraint and the fault",
          "[template][constraint]") {
  auto t = constrainedTemplate();
  auto& c = t["constraints"][0];
  std::string expected;
  SECTION("a check that does not parse") {
    c["check"] = "women <= ";
    expected = "test.json: constraint 'women_within_workers': check: expression error at character";
  }
  SECTION("a check naming an unknown question") {
    c["check"] = "wommen <= workers";
    expected = "test.json: constraint 'women_within_workers': check refers to 'wommen', which is not a question of the template";
  }
  SECTION("a check naming a code the question does not offer") {
    c["check"] = "not selected(actions, 'fien')";
    expected = "test.json: constraint 'women_within_workers': check: 'actions' has no choice 'fien'";
  }
  SECTION("a message without English") {
    c["message"].erase("en");
    expected = "test.json: constraint 'women_within_workers': 'message' must have non-empty 'vi' and 'en'";
  }
  SECTION("an empty Vietnamese message") {
    c["message"]["vi"] = "";
    expected = "test.json: constraint 'women_within_workers': 'message' must have non-empty 'vi' and 'en'";
  }
  SECTION("an unknown level") {
    c["level"] = "fatal";
    expected = "test.json: constraint 'women_within_workers': 'level' must be \"error\" or \"warning\"";
  }
  SECTION("an id used twice") {
    t["constraints"][1]["id"] = "women_within_workers";
    expected = "test.json: constraint 'women_within_workers': constraint id appears twice";
  }
  SECTION("an unknown question in its list") {
    c["questions"] = {"women", "ghosts"};
    expected = "test.json: constraint 'women_within_workers': 'questions': 'ghosts' is not a question of the template";
  }
  SECTION("an unknown key") {
    c["levle"] = "error";
    expected = "test.json: constraint 'women_within_workers': unknown key 'levle' (a typo?)";
  }
  SECTION("an exclusive code that is not a choice") {
    t["questions"][1]["exclusive"] = {"nothing"};
    expected = "test.json: question 'actions': 'exclusive': 'nothing' is not a choice of this question";
  }
  SECTION("exclusive codes on a single-choice question") {
    t["questions"][0]["exclusive"] = {"bar"};
    expected = "test.json: question 'kind': 'exclusive' applies to multiple-choice questions only";
  }
  auto r = parseTemplate(t.dump(), "test.json");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(allDetails(r.problem()), Catch::Contains(expected));
}

TEST_CASE("answers: an exclusive choice picked with another is refused, alone it is taken", "[validation][constraint]") {
  const auto t = load(constrainedTemplate());
  const auto& actions = *t.find("actions");
  CHECK_FALSE(checkAnswer(actions, Choices{"none"}));
  CHECK_FALSE(checkAnswer(actions, Choices{"fine", "reminder"}));
  const auto both = checkAnswer(actions, Choices{"fine", "none"});
  REQUIRE(both);
  CHECK(both->en == "“Action”: “None” cannot be picked with another choice");
  auto typed = parseAnswerInput(actions, "reminder, none", 420, kMay2019Ms);
  REQUIRE_FALSE(typed.ok());
  CHECK_THAT(typed.problem().message.vi, Catch::Contains("“Không” không chọn cùng lựa chọn khác"));
}

TEST_CASE("constraints: the sample checklist catches each inconsistency users got through", "[seed][constraint]") {
  const SampleChecklist sample;
  auto answers = goodAnswers();
  REQUIRE(ChecklistState(sample.checklist, answers, {{"kind", "bar"}}).complete());
  CHECK(sample.broken(answers, kMay2019Ms).empty());

  using Ids = std::vector<std::string>;
  SECTION("15 women among 12 workers") {
    answers["workers_women"] = 15;
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"women_within_workers"});
  }
  SECTION("no violation, yet a fine") {
    answers["actions"] = Choices{"reminder", "fine"};
    answers["fine_amount"] = 2'000'000;
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"no_violation_no_fine"});
  }
  SECTION("compliant with workers under 18") {
    answers["workers_under_18"] = 2;
    answers["violations"] = Choices{"underage_worker"};
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"compliant_without_minors"});
  }
  SECTION("workers under 18, yet no violation") {
    answers["workers_under_18"] = 10;
    answers["conclusion"] = "to_correct";
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"no_violation_without_minors"});
  }
  SECTION("a fine amount without the fine action") {
    answers["violations"] = Choices{"no_worker_register"};
    answers["fine_amount"] = 2'000'000;
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"fine_amount_needs_fine"});
  }
  SECTION("prevention material: prostitution and none") {
    const auto issue = checkAnswer(*sample.checklist.find("prevention_material"), Choices{"prostitution", "none"});
    REQUIRE(issue);
    CHECK_THAT(issue->en, Catch::Contains("“None” cannot be picked with another choice"));
  }
  SECTION("a visit more than a day after now is an error") {
    answers["visit_time"] = DateTime{kMay2019Ms + 2 * 86'400'000, 420};
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"visit_not_in_future"});
    answers["visit_time"] = DateTime{kMay2019Ms + 3'600'000, 420};  // an hour ahead: a clock's error, allowed
    CHECK(sample.broken(answers, kMay2019Ms).empty());
  }
  SECTION("a visit outside the plan's period is a warning, its last day included in the period") {
    answers["visit_time"] = *parseDateTime("2019-03-03T23:00:00", 420);
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"visit_within_plan"});
    answers["visit_time"] = *parseDateTime("2020-01-01T08:00:00", 420);
    const auto june2020 = parseDateTime("2020-06-01T08:00:00", 420)->epoch_ms;
    CHECK(sample.broken(answers, june2020) == Ids{"visit_within_plan"});
    answers["visit_time"] = *parseDateTime("2019-12-31T17:00:00", 420);
    CHECK(sample.broken(answers, june2020).empty());
  }
  SECTION("a GPS position outside the province is a warning") {
    answers["location"] = GeoPoint{21.0278, 105.8342, std::nullopt};  // Hà Nội
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"location_in_province"});
    answers["location"] = GeoPoint{23.5, 106.2570, std::nullopt};  // north of the border
    CHECK(sample.broken(answers, kMay2019Ms) == Ids{"location_in_province"});
  }
  SECTION("a half-filled checklist is not flagged for what is missing") {
    CHECK(sample.broken({{"workers_women", 3}}, kMay2019Ms).empty());
  }
  SECTION("the levels are as the stories need them") {
    for (const auto& c : sample.checklist.constraints)
      CHECK(c.level == (c.id == "visit_within_plan" || c.id == "location_in_province" ? ConstraintLevel::kWarning
                                                                                        : ConstraintLevel::kError));
  }
}

TEST_CASE("constraints: a warning's confirmation holds for the values it was given for, and a change needs it again",
          "[constraint]") {
  const SampleChecklist sample;
  const Fields bar{{"kind", "bar"}};
  auto answers = goodAnswers();
  answers["visit_time"] = *parseDateTime("2019-01-15T09:00:00", 420);
  const auto failures = [&](const Fields& record) {
    const ChecklistState state(sample.checklist, answers, bar);
    return failedConstraints(sample.checklist, state, bar, sample.context(kMay2019Ms), record);
  };
  auto first = failures({});
  REQUIRE(first.size() == 1);
  CHECK_FALSE(first[0].confirmed);

  const Fields record = withConfirmation(answers, first[0], "lan");
  REQUIRE(record.count(kConfirmedField));
  auto confirmed = failures(record);
  REQUIRE(confirmed.size() == 1);
  CHECK(confirmed[0].confirmed);
  CHECK(confirmed[0].confirmed_by == "lan");
  CHECK_THAT(describeFailure(confirmed[0]).en, Catch::Contains("confirmed by lan"));

  SECTION("another answer that the warning does not read leaves it confirmed") {
    answers["notes"] = "thêm ghi chú";
    CHECK(failures(record)[0].confirmed);
  }
  SECTION("another date outside the period fires it again, unconfirmed") {
    answers["visit_time"] = *parseDateTime("2019-01-16T09:00:00", 420);
    auto again = failures(record);
    REQUIRE(again.size() == 1);
    CHECK_FALSE(again[0].confirmed);
    SECTION("and confirming again replaces the old confirmation") {
      const auto twice = withConfirmation(record, again[0], "giam");
      CHECK(twice.at(kConfirmedField).get<Choices>()->size() == 1);
      CHECK(failures(twice)[0].confirmed_by == "giam");
    }
  }
}

TEST_CASE("seed: the province's bounding box is read into its record, and a bad one is refused", "[seed][constraint]") {
  const SampleChecklist sample;
  const auto context = sample.context(kMay2019Ms);
  CHECK(context.names.at("province.lat_min") == Value{22.3});
  CHECK(context.names.at("province.lon_max") == Value{106.9});
  CHECK(context.names.at("plan.start") == Value{*parseDateTime("2019-03-04T00:00:00", 420)});
  CHECK(context.names.at("plan.end") == Value{*parseDateTime("2019-12-31T23:59:59", 420)});

  test::TempDir dir;
  std::filesystem::copy(test::sampleSeed(), dir.path(), std::filesystem::copy_options::recursive);
  auto path = dir / "province.json";
  json j = json::parse(std::ifstream(path));
  j["bounds"]["lat_min"] = 24.0;  // above lat_max
  std::ofstream(path) << j.dump();
  auto r = loadSeed(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(allDetails(r.problem()), Catch::Contains("province.json: 'bounds' needs exactly lat_min < lat_max"));
}
