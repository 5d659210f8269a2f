// Vietnamese-aware text handling on ICU: NFC, diacritic folding, UTF-8 checks, collation.
#include "fieldcheck/text.h"

#include <cstdint>
#include <cstring>

#include <unicode/coll.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <stdexcept>
#include <vector>

namespace fieldcheck {
namespace {

const icu::Normalizer2& normalizer(bool composed) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = composed ? icu::Normalizer2::getNFCInstance(status)
                                       : icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || n == nullptr)
    throw std::runtime_error(std::string("ICU normaliser unavailable: ") + u_errorName(status));
  return *n;
}

icu::UnicodeString normalize(std::string_view text, bool composed) {
  const auto source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  auto result = normalizer(composed).normalize(source, status);
  if (U_FAILURE(status))
    throw std::runtime_error(std::string("ICU normalisation failed: ") + u_errorName(status));
  return result;
}

std::vector<std::string> words(const std::string& folded) {
  std::vector<std::string> out;
  std::string current;
  for (char c : folded) {
    if (c == ' ') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

bool isCleanUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  if (static_cast<std::size_t>(length) != text.size()) return false;
  int32_t i = 0;
  while (i < length) {
    // Eight bytes at a time while they are plain printable ASCII (most of any JSON text): no byte
    // with the high bit, none below 0x20, none equal to 0x7f.
    constexpr std::uint64_t kHigh = 0x8080808080808080ull, kOnes = 0x0101010101010101ull;
    while (i + 8 <= length) {
      std::uint64_t w;
      std::memcpy(&w, s + i, 8);
      const std::uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
      const std::uint64_t x = w ^ (0x7f * kOnes);
      const std::uint64_t del = (x - kOnes) & ~x & kHigh;
      if ((w & kHigh) | below_space | del) break;
      i += 8;
    }
    if (i >= length) break;
    UChar32 c = 0;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
    if (c < 0x20 && c != '\t' && c != '\n') return false;
    if (c == 0x7f) return false;
  }
  return true;
}

std::string toNfc(std::string_view text) {
  std::string out;
  normalize(text, true).toUTF8String(out);
  return out;
}

std::string foldForSearch(std::string_view text) {
  const auto decomposed = normalize(text, false);
  icu::UnicodeString stripped;
  bool last_was_space = true;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    if (u_isUWhiteSpace(c) || u_ispunct(c)) {
      if (!last_was_space) stripped.append(UChar32{' '});
      last_was_space = true;
      continue;
    }
    last_was_space = false;
    // Vietnamese đ/Đ is a letter of its own, not d with a mark: NFD leaves it whole.
    if (c == 0x0111 || c == 0x0110) {
      stripped.append(UChar32{'d'});
    } else {
      stripped.append(c);
    }
  }
  stripped.foldCase();
  std::string out;
  stripped.toUTF8String(out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool searchMatches(std::string_view text, std::string_view query) {
  return foldedMatches(foldForSearch(text), searchWords(query));
}

std::vector<std::string> searchWords(std::string_view query) {
  std::vector<std::string> out;
  for (const auto& word : words(foldForSearch(query))) out.push_back(" " + word);
  return out;
}

bool foldedMatches(std::string_view folded_text, const std::vector<std::string>& words) {
  // Each query word must begin a word of the text: "hoang gia" finds "Karaoke Hoàng Gia" and
  // "Hoàng Giang", but "an" does not find "Hoàng". A word begins the text or follows a space.
  for (const auto& word : words) {
    const std::string_view bare = std::string_view(word).substr(1);
    if (folded_text.substr(0, bare.size()) == bare) continue;
    if (folded_text.find(word) == std::string_view::npos) return false;
  }
  return true;
}

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
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU collator attribute refused: ") + u_errorName(status));
}

VietnameseCollator::~VietnameseCollator() = default;

bool VietnameseCollator::operator()(std::string_view a, std::string_view b) const {
  UErrorCode status = U_ZERO_ERROR;
  const auto order = impl_->collator->compareUTF8(icu::StringPiece(a.data(), static_cast<int32_t>(a.size())),
                                                  icu::StringPiece(b.data(), static_cast<int32_t>(b.size())), status);
  if (U_FAILURE(status)) return a < b;  // malformed UTF-8: an order all the same, never a throw mid-sort
  return order == UCOL_LESS;
}

std::string toUpperVietnamese(std::string_view text) {
  auto s = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  s.toUpper(icu::Locale("vi"));
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace fieldcheck
