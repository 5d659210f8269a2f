// Vietnamese-aware text handling, the portable part: UTF-8 checks and conversion, folding for
// search, search words. Normalisation, case and collation come from the platform's backend
// (text_backend.h): ICU on Linux (text_icu.cpp), Windows' own APIs on Windows (text_windows.cpp).
#include "fieldcheck/text.h"

#include "text_backend.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

namespace fieldcheck {
namespace text_detail {
namespace {

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace

bool nextCodePoint(std::string_view text, std::size_t& at, char32_t& c) {
  const auto lead = static_cast<unsigned char>(text[at]);
  ++at;
  if (lead < 0x80) {
    c = lead;
    return true;
  }
  // The length and the range of the second byte follow from the lead (table 3-7); every later
  // byte is 80..BF. A byte out of range ends the maximal subpart and is not consumed.
  std::size_t length = 0;
  unsigned char second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;  // nothing above U+10FFFF
  } else {
    c = kReplacementCharacter;
    return false;
  }
  char32_t value = lead & (0xFF >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    if (at >= text.size()) {
      c = kReplacementCharacter;
      return false;
    }
    const auto b = static_cast<unsigned char>(text[at]);
    const bool in_range = k == 1 ? (b >= second_low && b <= second_high) : isContinuation(b);
    if (!in_range) {
      c = kReplacementCharacter;
      return false;
    }
    value = (value << 6) | (b & 0x3F);
    ++at;
  }
  c = value;
  return true;
}

void appendUtf8(std::string& out, char32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacementCharacter;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::u16string utf16OfUtf8(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    char32_t c = 0;
    nextCodePoint(text, at, c);
    if (c < 0x10000) {
      out += static_cast<char16_t>(c);
    } else {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  }
  return out;
}

std::string utf8OfUtf16(std::u16string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    }
    appendUtf8(out, c);  // a lone surrogate becomes U+FFFD there
  }
  return out;
}

namespace {

// Primary weights by group, so that spaces < punctuation and symbols < numbers < letters.
constexpr std::uint32_t kControlSpaceBase = 0x100;  // tab, line feed...
constexpr std::uint32_t kSpaceWeight = 0x110;
constexpr std::uint32_t kSymbolBase = 0x200;        // ASCII punctuation and symbols, in ICU's order
constexpr std::uint32_t kOtherSymbolBase = 0x1000;  // any other non-letter, by code point
constexpr std::uint32_t kNumberWeight = 0x120000;   // then the count of digits, then the digits
constexpr std::uint32_t kLetterBase = 0x130000;     // the Vietnamese (and Latin) alphabet
constexpr std::uint32_t kOtherLetterBase = 0x140000;  // any other letter, by code point

// ASCII punctuation and symbols as the root collation (DUCET) orders them.
constexpr std::string_view kAsciiSymbolOrder = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
// The alphabet with Vietnamese's own letters in their places; f, j, w, z where Latin has them.
// Each Vietnamese letter is its base and the mark that makes it: breve, circumflex or horn.
struct AlphabetLetter {
  char base;
  char32_t mark;  // 0: the plain letter
};
constexpr AlphabetLetter kAlphabet[] = {
    {'a', 0}, {'a', 0x0306}, {'a', 0x0302}, {'b', 0}, {'c', 0}, {'d', 0},      {'d', 0x0111},
    {'e', 0}, {'e', 0x0302}, {'f', 0},      {'g', 0}, {'h', 0}, {'i', 0},      {'j', 0},
    {'k', 0}, {'l', 0},      {'m', 0},      {'n', 0}, {'o', 0}, {'o', 0x0302}, {'o', 0x031B},
    {'p', 0}, {'q', 0},      {'r', 0},      {'s', 0}, {'t', 0}, {'u', 0},      {'u', 0x031B},
    {'v', 0}, {'w', 0},      {'x', 0},      {'y', 0}, {'z', 0}};

/// The secondary weight of a combining mark: the tones in Vietnamese order (after the level tone,
/// which has no mark and weighs 0), then any other mark by code point.
std::uint32_t toneWeight(char32_t mark) {
  switch (mark) {
    case 0x0300:
      return 1;  // huyền
    case 0x0309:
      return 2;  // hỏi
    case 0x0303:
      return 3;  // ngã
    case 0x0301:
      return 4;  // sắc
    case 0x0323:
      return 5;  // nặng
    default:
      return 0x100 + mark;
  }
}

std::uint32_t letterWeight(char base, char32_t letter_mark) {
  for (std::size_t i = 0; i < std::size(kAlphabet); ++i)
    if (kAlphabet[i].base == base && kAlphabet[i].mark == letter_mark)
      return kLetterBase + static_cast<std::uint32_t>(i);
  return kLetterBase;  // not reached: callers pass only the letters of kAlphabet
}

bool isCombiningMark(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

bool isLetterMark(char base, char32_t mark) {
  if (mark == 0x0302) return base == 'a' || base == 'e' || base == 'o';
  if (mark == 0x0306) return base == 'a';
  if (mark == 0x031B) return base == 'o' || base == 'u';
  return false;
}

/// The three levels of a string's order, as ICU's collation elements have them: every element
/// (letter, digit, space, symbol) a primary weight, no secondary difference (0) and its case;
/// every combining mark that is not part of a letter a secondary weight alone.
struct CollationKey {
  std::vector<std::uint32_t> primary, secondary, tertiary;

  void add(std::uint32_t p, std::uint32_t upper = 0) {
    primary.push_back(p);
    secondary.push_back(0);
    tertiary.push_back(upper);
  }
  void addMark(char32_t mark) { secondary.push_back(toneWeight(mark)); }
};

CollationKey collationKeyOf(std::string_view text) {
  // ASCII is its own NFD: codes and plain names skip the platform's normaliser.
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const std::string decomposed =
      ascii ? std::string(text) : normalized(text, NormalForm::kDecomposed);
  std::u32string points;
  for (std::size_t at = 0; at < decomposed.size();) {
    char32_t c = 0;
    nextCodePoint(decomposed, at, c);
    points += c;
  }
  CollationKey key;
  for (std::size_t i = 0; i < points.size();) {
    const char32_t c = points[i];
    if (c >= '0' && c <= '9') {
      // A run of digits weighs as its number: leading zeros aside, more digits is more.
      std::size_t end = i;
      while (end < points.size() && points[end] >= '0' && points[end] <= '9') ++end;
      std::size_t first = i;
      while (first + 1 < end && points[first] == '0') ++first;
      key.add(kNumberWeight);
      key.add(static_cast<std::uint32_t>(end - first));
      for (std::size_t k = first; k < end; ++k) key.add(points[k] - '0' + 1);
      i = end;
      continue;
    }
    ++i;
    const bool ascii_letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (ascii_letter || c == 0x0110 || c == 0x0111) {
      const bool upper = (c >= 'A' && c <= 'Z') || c == 0x0110;
      const char base = c == 0x0110 || c == 0x0111 ? 'd' : static_cast<char>(c | 0x20);
      char32_t letter_mark = c == 0x0110 || c == 0x0111 ? 0x0111 : 0;
      std::size_t marks_end = i;
      while (marks_end < points.size() && isCombiningMark(points[marks_end])) ++marks_end;
      // NFD puts a dot below before the circumflex of ậ: the letter's mark is found among them.
      std::size_t letter_mark_at = marks_end;
      for (std::size_t k = i; k < marks_end && letter_mark == 0; ++k) {
        if (isLetterMark(base, points[k])) {
          letter_mark = points[k];
          letter_mark_at = k;
        }
      }
      key.add(letterWeight(base, letter_mark), upper ? 1 : 0);
      for (; i < marks_end; ++i)
        if (i != letter_mark_at) key.addMark(points[i]);
      continue;
    }
    if (isCombiningMark(c)) {
      key.addMark(c);  // a mark with no letter before it
      continue;
    }
    if ((c >= 0x09 && c <= 0x0D) || c == 0x85) {
      key.add(kControlSpaceBase + (c == 0x85 ? 5 : c - 0x09));  // tab < LF < VT < FF < CR < NEL
      continue;
    }
    if (c == 0x20 || c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200A)) {
      key.add(kSpaceWeight, c == 0x20 ? 0 : 2);  // no-break and other spaces: a space, third
      continue;
    }
    if (c < 0x80) {
      const auto at = kAsciiSymbolOrder.find(static_cast<char>(c));
      key.add(at != std::string_view::npos ? kSymbolBase + static_cast<std::uint32_t>(at)
                                           : kOtherSymbolBase + c);
      continue;
    }
    const bool latin1_symbol = c < 0xC0 || c == 0xD7 || c == 0xF7;
    const bool other_symbol = c >= 0x100 && !isLetterAbove0100(c);
    key.add((latin1_symbol || other_symbol) ? kOtherSymbolBase + c : kOtherLetterBase + c);
  }
  return key;
}

int compareLevel(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  const auto [at_a, at_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (at_a == a.end()) return at_b == b.end() ? 0 : -1;
  if (at_b == b.end()) return 1;
  return *at_a < *at_b ? -1 : 1;
}

}  // namespace

int compareVietnamese(std::string_view a, std::string_view b) {
  const CollationKey ka = collationKeyOf(a), kb = collationKeyOf(b);
  if (const int p = compareLevel(ka.primary, kb.primary)) return p;
  if (const int s = compareLevel(ka.secondary, kb.secondary)) return s;
  return compareLevel(ka.tertiary, kb.tertiary);
}

}  // namespace text_detail

using text_detail::nextCodePoint;

namespace {

/// The search role of code points below U+0100, as Unicode has them: White_Space and the
/// punctuation categories (P*) break words; symbols ($ + < = > ^ ` | ~ ° © ×...) are kept, and
/// no combining mark lives there. Plain text is mostly these, so the backend is asked only
/// about the rest.
text_detail::SearchRole searchRoleBelow0100(char32_t c) {
  using text_detail::SearchRole;
  if ((c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0)
    return SearchRole::kWordBreak;
  if (c < 0x80) {
    static constexpr std::string_view kAsciiPunctuation = "!\"#%&'()*,-./:;?@[\\]_{}";
    return kAsciiPunctuation.find(static_cast<char>(c)) != std::string_view::npos
               ? SearchRole::kWordBreak
               : SearchRole::kKept;
  }
  switch (c) {
    case 0xA1:
    case 0xA7:
    case 0xAB:
    case 0xB6:
    case 0xB7:
    case 0xBB:
    case 0xBF:  // ¡ § « ¶ · » ¿
      return SearchRole::kWordBreak;
    default:
      return SearchRole::kKept;
  }
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
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t length = text.size();
  std::size_t i = 0;
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
    char32_t c = 0;
    if (!nextCodePoint(text, i, c)) return false;
    if (c < 0x20 && c != '\t' && c != '\n') return false;
    if (c == 0x7f) return false;
  }
  return true;
}

std::string toNfc(std::string_view text) {
  return text_detail::normalized(text, text_detail::NormalForm::kComposed);
}

std::string foldForSearch(std::string_view text) {
  using text_detail::SearchRole;
  const std::string decomposed =
      text_detail::normalized(text, text_detail::NormalForm::kDecomposed);
  std::string stripped;
  stripped.reserve(decomposed.size());
  bool last_was_space = true;
  for (std::size_t at = 0; at < decomposed.size();) {
    char32_t c = 0;
    nextCodePoint(decomposed, at, c);
    const SearchRole role =
        c < 0x100 ? searchRoleBelow0100(c) : text_detail::searchRoleAbove0100(c);
    if (role == SearchRole::kDropped) continue;
    if (role == SearchRole::kWordBreak) {
      if (!last_was_space) stripped += ' ';
      last_was_space = true;
      continue;
    }
    last_was_space = false;
    // Vietnamese đ/Đ is a letter of its own, not d with a mark: NFD leaves it whole.
    if (c == 0x0111 || c == 0x0110) {
      stripped += 'd';
    } else {
      text_detail::appendUtf8(stripped, c);
    }
  }
  std::string out = text_detail::foldedCase(stripped);
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

std::string toUpperVietnamese(std::string_view text) {
  return text_detail::upperCaseVietnamese(text);
}

}  // namespace fieldcheck
