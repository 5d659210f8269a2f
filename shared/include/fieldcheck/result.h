// Result<T>: the value of an operation or the Problem that stopped it (expected outcomes, not exceptions).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fieldcheck {

/// A text a user reads, in Vietnamese first and English second.
struct Bilingual {
  std::string vi;
  std::string en;
  bool operator==(const Bilingual&) const = default;
};

/// Why an expected operation could not be done: one headline and, optionally, one line per item
/// (for example one per missing answer). Both say what is wrong and what to do.
struct Problem {
  Bilingual message;
  std::vector<Bilingual> details;
};

/// Holds either a T or a Problem. Accessing the wrong alternative is a programmer error and
/// throws std::logic_error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Problem problem) : state_(std::move(problem)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() {
    if (!ok()) throw std::logic_error("Result::value() on a problem: " + problem().message.en);
    return std::get<0>(state_);
  }
  const T& value() const {
    if (!ok()) throw std::logic_error("Result::value() on a problem: " + problem().message.en);
    return std::get<0>(state_);
  }
  const Problem& problem() const {
    if (ok()) throw std::logic_error("Result::problem() on a value");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Problem> state_;
};

/// A Problem with a headline only.
inline Problem problem(std::string vi, std::string en) {
  return Problem{Bilingual{std::move(vi), std::move(en)}, {}};
}

}  // namespace fieldcheck
