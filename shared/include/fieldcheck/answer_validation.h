// Answer validation: typed input to values, per-question checks, and the state of a checklist.
#pragma once

#include <initializer_list>
#include <string_view>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/checklist_template.h"
#include "fieldcheck/document.h"
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
/// bounds, unknown choice, an exclusive choice ("none") picked with another, text too long or not
/// clean UTF-8); nullopt when it is valid.
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
  /// The value of a question as conditions and constraints see it: null when it does not apply,
  /// is unanswered or is invalid.
  Value effective(std::string_view question_id) const;

 private:
  std::vector<QuestionState> questions_;
};

/// The reserved field of an inspection or report holding the confirmations of warnings: a
/// choice list of "CONSTRAINT:FINGERPRINT:USER" entries (see ConstraintFailure). It syncs, merges
/// and shows in history like any field.
inline constexpr const char* kConfirmedField = "_confirmed";

/// What constraints read besides the answers and the establishment: the checker's clock
/// (now(): the laptop's when filling, the server's own on push), and the named values of the plan
/// and the province ("plan.start", "plan.end", "province.lat_min", ...; absent ones are unknown,
/// so a constraint that reads them neither fails nor holds).
struct ConstraintContext {
  std::int64_t now_ms = 0;
  std::int32_t offset_minutes = 0;
  Fields names;
};

/// The context for a province: `province` its document (bounds in fields lat_min, lat_max,
/// lon_min, lon_max, read when all four are numbers; its utc_offset for the plan's dates), `plans`
/// its plan documents (their "definition"). The plan is the latest whose period has begun by
/// `now_ms`, else the first to begin; "plan.start" is the first moment of its first day and
/// "plan.end" the last second of its last day, on the province's clock.
ConstraintContext constraintContext(std::int64_t now_ms, const Document* province, const std::vector<Document>& plans);

/// A constraint that fails for an inspection's answers.
struct ConstraintFailure {
  const Constraint* constraint = nullptr;
  /// Of the values the constraint reads (answers, establishment, plan, province): a confirmation
  /// holds only for the values it was given for, so a change that makes the warning fire for
  /// other values needs confirming again.
  std::string fingerprint;
  bool confirmed = false;     // a warning confirmed for these very values
  std::string confirmed_by;   // who confirmed it, when confirmed
};

/// Every constraint of `checklist` that fails for `state`'s answers (only answers that apply and
/// are valid count; see Constraint), in template order, each warning marked confirmed when
/// `record`'s kConfirmedField holds its confirmation for the same values.
std::vector<ConstraintFailure> failedConstraints(const ChecklistTemplate& checklist, const ChecklistState& state,
                                                 const Fields& establishment, const ConstraintContext& context,
                                                 const Fields& record);

/// `record` with `failure` (a warning) confirmed by `user`: the kConfirmedField list with its
/// earlier confirmation of the same constraint replaced.
Fields withConfirmation(Fields record, const ConstraintFailure& failure, const std::string& user);

/// A kConfirmedField value as people read it: each warning confirmed and by whom,
/// "visit_within_plan (lan); location_in_province (lan)"; "" for none.
std::string confirmationsText(const Value& confirmed);

/// One line for a failure: "[lỗi] message" / "[error] message", with whether it is confirmed.
Bilingual describeFailure(const ConstraintFailure& failure);

/// What is wrong with a record's fields against the template that describes them (an
/// establishment's record, say): a field the template does not have, other than `keys` (fields
/// that identify the record, such as its code); and every missing or invalid answer. Empty when
/// the record is valid.
std::vector<Bilingual> recordIssues(const ChecklistTemplate& record, const Fields& fields,
                                    std::initializer_list<std::string_view> keys);

/// A number as each language writes it: 2.000.000 and 18,5 in Vietnamese (`vi`); 2,000,000 and
/// 18.5 in English. Whole numbers of five digits or more are grouped by thousands.
std::string formatNumber(double v, bool vi);

/// The label a person sees for a stored answer: choice labels instead of codes, numbers as
/// Vietnamese write them (2.000.000, 18,5) with their unit, dates and times day first.
std::string displayAnswer(const Question& question, const Value& value);

}  // namespace fieldcheck
