// Checklist templates as data: questions, their types, bounds, choices and conditions, and the
// constraints across questions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/expression.h"
#include "fieldcheck/result.h"

namespace fieldcheck {

enum class QuestionType {
  kYesNo,
  kInteger,
  kDecimal,
  kText,
  kSingleChoice,
  kMultipleChoice,
  kDateTime,
  kGps,
  kPhoto,
  kSignature,  // a signature drawn or photographed: an image file, as a photo
  kDate,       // a day without a time: its ISO text "2019-05-03" (not midnight of a date and time)
};

/// The name a template file uses for a type ("yes_no", "integer", ...).
std::string_view questionTypeName(QuestionType type);

/// Photo and signature questions: answered by attaching an image file, not by typing.
inline bool takesAttachment(QuestionType type) { return type == QuestionType::kPhoto || type == QuestionType::kSignature; }

struct Choice {
  std::string code;
  Bilingual label;
};

struct Question {
  std::string id;
  QuestionType type = QuestionType::kText;
  Bilingual label;
  std::optional<Bilingual> hint;
  std::optional<Bilingual> section;
  std::optional<std::string> unit;
  bool required = false;
  std::optional<Expression> required_if;
  std::optional<Expression> relevant;
  std::optional<double> min;  // integer and decimal questions
  std::optional<double> max;
  std::size_t max_length = 0;  // text questions; 0 for other types
  std::vector<Choice> choices;
  /// Multiple-choice questions: codes that cannot be picked with another ("none"): an answer
  /// holding one of them and any other code is invalid (checkAnswer).
  std::vector<std::string> exclusive;

  const Choice* findChoice(std::string_view code) const;
};

enum class ConstraintLevel {
  kError,    // finalize refuses, and the server refuses a finalized record that breaks it
  kWarning,  // finalize asks the inspector to confirm it; the confirmation is kept in the record
};

/// "error" or "warning".
std::string_view constraintLevelName(ConstraintLevel level);

/// A check across questions: it holds when `check` is true. It fails only when `check` is known
/// to be false (Expression::holds): while a question it reads is unanswered or does not apply,
/// it neither fails nor holds, so a half-filled checklist is not flagged for what is missing.
struct Constraint {
  std::string id;
  ConstraintLevel level = ConstraintLevel::kError;
  Expression check;
  Bilingual message;                   // what is wrong and what to do
  std::vector<std::string> questions;  // the questions it concerns, in template order
};

/// A checklist: what an inspection (or an establishment record) asks, in order.
struct ChecklistTemplate {
  std::string id;
  int version = 1;
  std::string purpose;  // "inspection", "establishment", "commune_report" or "district_report"
  Bilingual title;
  std::vector<Question> questions;
  std::vector<Constraint> constraints;

  const Question* find(std::string_view question_id) const;
};

/// Parses a template from its JSON text. `source` names the file in messages. Refuses, with one
/// detail per fault naming the file, the question and what is wrong: malformed JSON, unknown or
/// missing keys, bad ids, duplicate ids or codes, bounds that cannot hold, choices on a type
/// without choices, conditions that do not parse or refer to unknown or later questions or to
/// codes a question does not offer; exclusive codes that are not choices of a multiple-choice
/// question; constraints ("constraints": [{"id", "level": "error"|"warning", "check", "message":
/// {"vi", "en"}, "questions"?}]) whose check does not parse or names an unknown question, name or
/// code, without a message in both languages, with an unknown level, or an id used twice. When
/// "questions" is absent, a constraint concerns the questions its check names.
Result<ChecklistTemplate> parseTemplate(std::string_view json_text, const std::string& source);

/// True for ids of the form [a-z][a-z0-9_]{0,63}.
bool isValidQuestionId(std::string_view id);

}  // namespace fieldcheck
