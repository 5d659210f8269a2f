// The Unicode backend of text.h on ICU (Linux): normalisation, character classes, case and the
// Vietnamese collator (text_backend.h says what each promises).
#include "fieldcheck/text.h"

#include "text_backend.h"

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace fieldcheck {
namespace text_detail {
namespace {

icu::UnicodeString unicodeOf(std::string_view text) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
}

std::string utf8Of(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

const icu::Normalizer2& normalizer(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = form == NormalForm::kComposed
                                  ? icu::Normalizer2::getNFCInstance(status)
                                  : icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || n == nullptr)
    throw std::runtime_error(std::string("ICU normaliser unavailable: ") + u_errorName(status));
  return *n;
}

}  // namespace

std::string normalized(std::string_view text, NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const auto result = normalizer(form).normalize(unicodeOf(text), status);
  if (U_FAILURE(status))
    throw std::runtime_error(std::string("ICU normalisation failed: ") + u_errorName(status));
  return utf8Of(result);
}

SearchRole searchRoleAbove0100(char32_t c) {
  const auto code = static_cast<UChar32>(c);
  if (u_charType(code) == U_NON_SPACING_MARK) return SearchRole::kDropped;
  if (u_isUWhiteSpace(code) || u_ispunct(code)) return SearchRole::kWordBreak;
  return SearchRole::kKept;
}

bool isLetterAbove0100(char32_t c) { return u_isalpha(static_cast<UChar32>(c)) != 0; }

std::string foldedCase(std::string_view text) { return utf8Of(unicodeOf(text).foldCase()); }

std::string upperCaseVietnamese(std::string_view text) {
  return utf8Of(unicodeOf(text).toUpper(icu::Locale("vi")));
}

}  // namespace text_detail

struct VietnameseCollator::Impl {
  std::unique_ptr<icu::Collator> collator;
};

VietnameseCollator::VietnameseCollator() : impl_(std::make_unique<Impl>()) {
  UErrorCode status = U_ZERO_ERROR;
  impl_->collator.reset(icu::Collator::createInstance(icu::Locale("vi"), status));
  if (U_FAILURE(status) || !impl_->collator)
    throw std::runtime_error(std::string("ICU has no Vietnamese collator: ") + u_errorName(status));
  // Establishment codes and numbered names sort as people count: CS-9 before CS-10.
  impl_->collator->setAttribute(UCOL_NUMERIC_COLLATION, UCOL_ON, status);
  if (U_FAILURE(status))
    throw std::runtime_error(std::string("ICU collator attribute refused: ") + u_errorName(status));
}

VietnameseCollator::~VietnameseCollator() = default;

bool VietnameseCollator::operator()(std::string_view a, std::string_view b) const {
  UErrorCode status = U_ZERO_ERROR;
  const auto order = impl_->collator->compareUTF8(
      icu::StringPiece(a.data(), static_cast<int32_t>(a.size())),
      icu::StringPiece(b.data(), static_cast<int32_t>(b.size())), status);
  if (U_FAILURE(status))
    return a < b;  // malformed UTF-8: an order all the same, never a throw mid-sort
  return order == UCOL_LESS;
}

}  // namespace fieldcheck
