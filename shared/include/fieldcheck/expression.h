// The small expression language of checklist templates: relevance and required-if conditions.
//
//   expr    := or
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | compare
//   compare := operand (("=" | "!=" | "<" | "<=" | ">" | ">=") operand)?
//   operand := number | 'text' | "text" | true | false | null | "(" expr ")"
//            | name | name "(" [expr ("," expr)*] ")"
//   name    := a question id, or "establishment.<field>" for the inspected establishment
//
// Functions: selected(q, 'code') (a choice is selected), answered(q), count(q) (choices
// selected). A comparison with an unanswered (null) side is false, so a question that depends
// on an unanswered one is not asked. Parsing is bounded in length and depth; nothing is executed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fieldcheck/result.h"
#include "fieldcheck/value.h"

namespace fieldcheck {

struct ExpressionNode;

/// Looks up the current value of a name; returns null Value for an unknown or unanswered name.
using NameLookup = std::function<Value(std::string_view name)>;

class Expression {
 public:
  /// Parses `text`. Fails, naming the position and what was expected, on a syntax error, an
  /// unknown function, a wrong number of arguments, or input beyond the length/depth limits.
  static Result<Expression> parse(std::string_view text);

  /// Evaluates to true or false. Never throws for any values the lookup returns.
  bool evaluate(const NameLookup& lookup) const;

  /// Every name the expression reads, in order of appearance (duplicates removed).
  std::vector<std::string> names() const;

  /// Every (question, code) pair passed to selected(), for checking against the template.
  std::vector<std::pair<std::string, std::string>> selectedCodes() const;

  const std::string& text() const { return text_; }

 private:
  Expression(std::string text, std::shared_ptr<const ExpressionNode> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  std::string text_;
  std::shared_ptr<const ExpressionNode> root_;
};

}  // namespace fieldcheck
