// What the fuzz targets of tests/fuzz found, each now held by a test (their inputs are in
// tests/fuzz/regressions/).
#include <catch2/catch.hpp>

#include <string>

#include "fieldcheck/checklist_template.h"
#include "fieldcheck/plan.h"

using namespace fieldcheck;

namespace {

// The English details of a refusal, one line each, for matching.
std::string detailsOf(const Problem& p) {
  std::string out = p.message.en + "\n";
  for (const auto& d : p.details) out += d.en + "\n";
  return out;
}

constexpr const char* kPlanTargets = R"("targets": [{"code": "t1", "label": {"vi": "Một", "en": "One"}, "goal": 10,
  "measure": {"kind": "distinct_documents", "field": "_establishment"}}])";

std::string plan(const std::string& more) {
  return R"({"code": "p", "title": {"vi": "Kế hoạch", "en": "Plan"}, "period": {"start": "2019-01-01", "end": "2019-12-31"}, )" +
         std::string(kPlanTargets) + more + "}";
}

}  // namespace

TEST_CASE("fuzz findings: a plan that is not a JSON object is refused, not thrown", "[plan]") {
  const auto text = GENERATE(as<std::string>{}, "4", "\"plan\"", "[]", "null", "true");
  CAPTURE(text);
  const auto read = parsePlan(text);
  REQUIRE_FALSE(read.ok());
  CHECK(read.problem().message.en == "The plan must be a JSON object.");
}

TEST_CASE("fuzz findings: a template or a plan with a number too large for a double is refused with a reason", "[plan]") {
  SECTION("a plan") {
    const auto read = parsePlan(R"({"code": 1e999})");
    REQUIRE_FALSE(read.ok());
    CHECK(read.problem().message.en == "The plan: the JSON holds a number too large.");
  }
  SECTION("a template") {
    const auto read = parseTemplate(R"({"id": "x", "questions": [{"min": -1e999}]})", "fuzz.json");
    REQUIRE_FALSE(read.ok());
    CHECK(detailsOf(read.problem()).find("fuzz.json: the JSON holds a number too large") != std::string::npos);
  }
}

TEST_CASE("fuzz findings: a plan whose lists, entries, year or sum have the wrong type is refused with a reason", "[plan]") {
  REQUIRE(parsePlan(plan("")).ok());
  CHECK(parsePlan(plan(R"(, "year": 2019)")).value().year == 2019);
  const std::string more = GENERATE(as<std::string>{}, R"(, "year": 1e300)", R"(, "year": "2019")", R"(, "year": 2019.5)",
                                    R"(, "breakdowns": {"a": 1})", R"(, "breakdowns": [1])", R"(, "breakdowns": "x")",
                                    R"(, "breakdowns": [{"field": "fine", "label": {"vi": "a", "en": "a"}, "sum": "yes"}])");
  CAPTURE(more);
  const auto read = parsePlan(plan(more));
  REQUIRE_FALSE(read.ok());
  CHECK(read.problem().message.en == "The plan has faults; correct plan.json.");
  CHECK_FALSE(read.problem().details.empty());
}

TEST_CASE("fuzz findings: a plan's targets that are not objects are refused with a reason", "[plan]") {
  const std::string text = GENERATE(as<std::string>{}, R"({"targets": [1, "x", null]})", R"({"targets": 7})", R"({"targets": {"a": "b"}})");
  CAPTURE(text);
  const auto read = parsePlan(text);
  REQUIRE_FALSE(read.ok());
  const auto details = detailsOf(read.problem());
  CHECK((details.find("targets: each entry must be a JSON object") != std::string::npos ||
         details.find("targets: must be a list") != std::string::npos));
}

TEST_CASE("fuzz findings: a template whose format is not text, or whose version does not fit an int, is refused with a reason", "[checklist]") {
  auto text = [](const std::string& format, const std::string& version) {
    return R"({"format": )" + format + R"(, "id": "t", "version": )" + version +
           R"(, "purpose": "inspection", "title": {"vi": "Phiếu", "en": "Form"},
               "questions": [{"id": "q", "type": "yes_no", "label": {"vi": "Có?", "en": "Yes?"}}]})";
  };
  REQUIRE(parseTemplate(text(R"("fieldcheck-template/1")", "1"), "t.json").ok());
  SECTION("a format that is not text") {
    const std::string format = GENERATE(as<std::string>{}, R"({"vi": "x"})", R"(["fieldcheck-template/1"])", "1", "null");
    CAPTURE(format);
    const auto read = parseTemplate(text(format, "1"), "t.json");
    REQUIRE_FALSE(read.ok());
    CHECK(detailsOf(read.problem()).find("'format' must be \"fieldcheck-template/1\"") != std::string::npos);
  }
  SECTION("a version past an int, which once wrapped around to a valid one") {
    const std::string version = GENERATE(as<std::string>{}, "4294967297", "2147483648", "18446744073709551615");
    CAPTURE(version);
    const auto read = parseTemplate(text(R"("fieldcheck-template/1")", version), "t.json");
    REQUIRE_FALSE(read.ok());
    CHECK(detailsOf(read.problem()).find("'version' must be a positive whole number") != std::string::npos);
  }
}
