// Fuzz target: what a province's office writes and every laptop reads — checklist templates,
// plans, the expression language of their conditions — and what an inspector types as an answer.
// The first byte picks the reader: 0 a template (parseTemplate; its conditions then evaluated
// and constraints evaluated over empty and sample answers), 1 a plan (parsePlan), 2 an expression (parsed, evaluated, its
// names and codes listed), 3 an answer typed for a question of the sample seed's templates
// (parseAnswerInput; the second byte picks the question).
// Checks: readers return problems as values; an answer read is valid for its question
// (checkAnswer) and reads back from the canonical text it is stored as.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/expression.h"
#include "fieldcheck/plan.h"
#include "fieldcheck/value.h"
#include "fuzz_check.h"

using namespace fieldcheck;
using fieldcheck::fuzz::contractBroken;

namespace {

// 2019-05-03T14:30:00+07:00, the sample seed's time.
constexpr std::int64_t kNowMs = 1'556'868'600'000;
constexpr std::int32_t kOffsetMinutes = 7 * 60;

// The sample seed's templates, read once.
const std::vector<ChecklistTemplate>& seedTemplates() {
  static const auto templates = [] {
    // In name order, so the second byte of an input picks the same question on every machine.
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(FIELDCHECK_SEED_DIR) / "templates"))
      files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<ChecklistTemplate> out;
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      auto parsed = parseTemplate(text.str(), file.filename().string());
      if (!parsed) contractBroken("a template of the sample seed does not parse", parsed.problem().message.en);
      out.push_back(std::move(parsed.value()));
    }
    return out;
  }();
  return templates;
}

std::vector<const Question*> seedQuestions() {
  std::vector<const Question*> out;
  for (const auto& t : seedTemplates())
    for (const auto& q : t.questions) out.push_back(&q);
  return out;
}

// A value of each kind for names, picked by the name, so conditions see every type.
Value sampleValue(std::string_view name) {
  switch (name.size() % 7) {
    case 0: return Value{};
    case 1: return Value{true};
    case 2: return Value{std::int64_t{3}};
    case 3: return Value{2.5};
    case 4: return Value{std::string("text")};
    case 5: return Value{Choices{"a", "b"}};
    default: return Value{DateTime{kNowMs, kOffsetMinutes}};
  }
}

void useExpression(const Expression& e) {
  e.evaluate([](std::string_view) { return Value{}; });
  e.evaluate(sampleValue);
  (void)e.holds([](std::string_view) { return Value{}; });
  (void)e.holds(sampleValue);
  (void)e.names();
  (void)e.selectedCodes();
}

void readTemplate(std::string_view text) {
  auto parsed = parseTemplate(text, "fuzz.json");
  if (!parsed) return;
  const auto& checklist = parsed.value();
  Fields sample;
  for (const auto& q : checklist.questions) {
    if (q.relevant) useExpression(*q.relevant);
    if (q.required_if) useExpression(*q.required_if);
    sample[q.id] = sampleValue(q.id);
  }
  const ChecklistState empty(checklist, {}, {});
  (void)empty.complete();
  const ChecklistState answered(checklist, sample, sample);
  (void)answered.issues();
  // Constraints over the sample answers, with a plan's and a province's names of every type.
  ConstraintContext context;
  context.now_ms = kNowMs;
  for (const auto* name : {"plan.start", "plan.end", "province.lat_min", "province.lat_max", "province.lon_min", "province.lon_max"})
    context.names[name] = sampleValue(name);
  for (const auto& failure : failedConstraints(checklist, answered, sample, context, sample))
    (void)withConfirmation(sample, failure, "fuzz");
  (void)recordIssues(checklist, sample, {"code"});
}

void readAnswer(std::string_view bytes) {
  static const auto questions = seedQuestions();
  if (bytes.empty() || questions.empty()) return;
  const Question& question = *questions[static_cast<unsigned char>(bytes[0]) % questions.size()];
  const auto input = bytes.substr(1);
  auto value = parseAnswerInput(question, input, kOffsetMinutes, kNowMs);
  if (!value) return;
  if (const auto issue = checkAnswer(question, value.value()))
    contractBroken("an answer read from input is not valid for its question", issue->en);
  (void)displayAnswer(question, value.value());
  const Fields fields{{question.id, value.value()}};
  try {
    if (fieldsFromJsonText(fieldsToJsonText(fields)) != fields)
      contractBroken("an answer read from input changed on its round trip through canonical text");
  } catch (const std::exception& e) {
    contractBroken("an answer read from input cannot be stored as canonical text", e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = fuzz::afterSelector(data, size);
  switch (data[0] % 4) {
    case 0: readTemplate(text); break;
    case 1: (void)parsePlan(text); break;
    case 2:
      if (auto e = Expression::parse(text)) useExpression(e.value());
      break;
    case 3: readAnswer(text); break;
  }
  return 0;
}
