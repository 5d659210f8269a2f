// Template conditions, template loading, answer validation, checklist state and the sample seed.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

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
  CHECK(at("3/5/2019").value() == iso("2019-05-03"));
  CHECK(at("03/05/2019 09:30").value() == iso("2019-05-03 09:30"));
  CHECK(at("3/5/2019 9h30").value() == iso("2019-05-03 09:30"));
  CHECK(at("2019-05-03 09:30").value() == iso("2019-05-03 09:30"));  // ISO as before
  // 2019-05-03 23:30 in Hà Nội is 16:30 UTC: today is the 3rd there, yesterday the 2nd.
  const auto now = parseDateTime("2019-05-03 23:30", kHanoi)->epoch_ms;
  CHECK(at("hôm nay 9:15", now).value() == iso("2019-05-03 09:15"));
  CHECK(at("Hôm nay", now).value() == iso("2019-05-03"));
  CHECK(at("hom qua 14:00", now).value() == iso("2019-05-02 14:00"));
  CHECK(at("yesterday", now).value() == iso("2019-05-02"));
  for (const auto* bad : {"31/2/2019", "3/13/2019", "3/5/19", "hôm kia", "03/05/2019 25:00"}) {
    INFO(bad);
    CHECK_FALSE(at(bad).ok());
  }
  // A long text is refused, not read character by character by a recursive matcher.
  CHECK_FALSE(at(std::string(200'000, 'x').append(" 3/5/2019 9:15").c_str()).ok());
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
  CHECK(types.size() == 10);  // every question type is exercised, the signature too
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
    j["questions"][0]["type"] = "date";
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
