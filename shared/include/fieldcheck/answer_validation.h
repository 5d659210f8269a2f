// Answer validation: typed input to values, per-question checks, and the state of a checklist.
#pragma once

#include <initializer_list>
#include <string_view>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/checklist_template.h"
#include "fieldcheck/result.h"
#include "fieldcheck/value.h"

namespace fieldcheck {

/// Turns what a person typed into a value for `question`: "có"/"không" for yes/no, "2.000.000"
/// or "2000000" for integers, "20,5" or "20.5" for decimals, a number, code or label for
/// choices, ISO dates or "now", "lat, lon[, accuracy]" for GPS. Empty input means "no answer"
/// (a null value). The result is checked with checkAnswer. Photo questions take no typed
/// input: attach a file instead.
Result<Value> parseAnswerInput(const Question& question, std::string_view input,
                               std::int32_t default_offset_minutes, std::int64_t now_ms);

/// One clear message when `value` is not a valid answer to `question` (wrong type, out of
/// bounds, unknown choice, text too long or not clean UTF-8); nullopt when it is valid.
/// A null value is valid here: whether an answer is needed is checked by ChecklistState.
std::optional<Bilingual> checkAnswer(const Question& question, const Value& value);

struct QuestionState {
  const Question* question = nullptr;
  bool relevant = false;
  bool required = false;
  Value value;  // null when unanswered or not relevant
  std::optional<Bilingual> issue;
};

/// Where a checklist stands for given answers and the establishment it is about: which
/// questions apply (in template order, each condition seeing only the answers that apply), which
/// are required, and what is missing or invalid.
class ChecklistState {
 public:
  ChecklistState(const ChecklistTemplate& checklist, const Fields& answers,
                 const Fields& establishment);

  const std::vector<QuestionState>& questions() const { return questions_; }
  /// Every missing or invalid answer among the questions that apply.
  std::vector<const QuestionState*> issues() const;
  bool complete() const { return issues().empty(); }
  std::size_t relevantCount() const;
  std::size_t answeredCount() const;

 private:
  std::vector<QuestionState> questions_;
};

/// What is wrong with a record's fields against the template that describes them (an
/// establishment's record, say): a field the template does not have, other than `keys` (fields
/// that identify the record, such as its code); and every missing or invalid answer. Empty when
/// the record is valid.
std::vector<Bilingual> recordIssues(const ChecklistTemplate& record, const Fields& fields,
                                    std::initializer_list<std::string_view> keys);

/// A number as each language writes it: 2.000.000 and 18,5 in Vietnamese (`vi`); 2,000,000 and
/// 18.5 in English. Whole numbers of five digits or more are grouped by thousands.
std::string formatNumber(double v, bool vi);

/// The label a person sees for a stored answer: choice labels instead of codes.
std::string displayAnswer(const Question& question, const Value& value);

}  // namespace fieldcheck
