// The small expression language of checklist templates: relevance and required-if conditions,
// and the constraints across questions.
//
//   expr    := or
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | compare
//   compare := sum (("=" | "!=" | "<" | "<=" | ">" | ">=") sum)?
//   sum     := operand (("+" | "-") operand)*
//   operand := number | 'text' | "text" | true | false | null | "(" expr ")"
//            | name | name "(" [expr ("," expr)*] ")"
//   name    := a question id, or a dotted name the caller supplies: "establishment.<field>" for
//              the inspected establishment; for constraints also "plan.start", "plan.end",
//              "province.lat_min", "province.lat_max", "province.lon_min", "province.lon_max"
//
// Functions: selected(q, 'code') (a choice is selected), answered(q), count(q) (choices
// selected), lat(q) and lon(q) (a GPS answer's latitude and longitude, in degrees), now() (the
// caller's clock: the lookup is asked for the name "now()"). "+" and "-" add numbers, add or take
// a number of days to or from a date-time (now() + 1 is this time tomorrow), and give the days
// between two date-times.
//
// Two ways to evaluate. evaluate() (conditions): a comparison with an unanswered (null) side is
// false, so a question that depends on an unanswered one is not asked. holds() (constraints):
// three-valued, so a comparison with an unanswered side is unknown, "not" of unknown is unknown,
// "and" is false as soon as one side is false, "or" true as soon as one side is true; a
// constraint fails only when its expression is known to be false. Parsing is bounded in length
// and depth; there are no loops, no I/O, and nothing is executed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
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

  /// Evaluates three-valued (see the file's comment): true or false, or nullopt when unknown
  /// (an unanswered question decides it, or the result is not a yes/no). Never throws.
  std::optional<bool> holds(const NameLookup& lookup) const;

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
