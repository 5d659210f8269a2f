// Checklist templates as data: questions, their types, bounds, choices and conditions.
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

  const Choice* findChoice(std::string_view code) const;
};

/// A checklist: what an inspection (or an establishment record) asks, in order.
struct ChecklistTemplate {
  std::string id;
  int version = 1;
  std::string purpose;  // "inspection", "establishment", "commune_report" or "district_report"
  Bilingual title;
  std::vector<Question> questions;

  const Question* find(std::string_view question_id) const;
};

/// Parses a template from its JSON text. `source` names the file in messages. Refuses, with one
/// detail per fault naming the file, the question and what is wrong: malformed JSON, unknown or
/// missing keys, bad ids, duplicate ids or codes, bounds that cannot hold, choices on a type
/// without choices, conditions that do not parse or refer to unknown or later questions or to
/// codes a question does not offer.
Result<ChecklistTemplate> parseTemplate(std::string_view json_text, const std::string& source);

/// True for ids of the form [a-z][a-z0-9_]{0,63}.
bool isValidQuestionId(std::string_view id);

}  // namespace fieldcheck
