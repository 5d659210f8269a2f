// The private seam of text.h: what text.cpp (portable) asks of its platform's Unicode backend,
// text_icu.cpp (ICU, Linux) or text_windows.cpp (Windows' own APIs), and the UTF-8 helpers
// text.cpp shares with them. Only the text*.cpp files include it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fieldcheck::text_detail {

// --- Portable, in text.cpp ---

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

/// Decodes the code point of well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
/// surrogates, nothing above U+10FFFF) that starts at `text[at]` into `c` and moves `at` past it.
/// On a malformed sequence `c` is U+FFFD, `at` moves past its maximal subpart (one U+FFFD per
/// maximal subpart, as ICU and the WHATWG encoding standard replace), and the result is false.
/// `at` must be below text.size().
bool nextCodePoint(std::string_view text, std::size_t& at, char32_t& c);

/// Appends the UTF-8 of `c` (a scalar value; anything else appends U+FFFD).
void appendUtf8(std::string& out, char32_t c);

/// UTF-16 of `text`, malformed sequences replaced as nextCodePoint does.
std::u16string utf16OfUtf8(std::string_view text);

/// UTF-8 of `text`; an unpaired surrogate becomes U+FFFD.
std::string utf8OfUtf16(std::u16string_view text);

/// Vietnamese alphabetical order without a platform collator, as ICU's collator for "vi" with
/// numeric ordering has it for Vietnamese and ASCII text: letters a ă â b c d đ e ê ... o ô ơ ...
/// u ư ... (digraphs such as "th" are not letters of their own), tone marks second (none, grave,
/// hook, tilde, acute, dot below), lower case before upper case third; digits as numbers;
/// spaces, then ASCII punctuation and symbols, before digits, before letters. Outside that
/// repertoire (other scripts, symbols beyond Latin-1) the order is by code point within each
/// group, not CLDR's. Negative, zero or positive as `a` sorts before, with or after `b`.
int compareVietnamese(std::string_view a, std::string_view b);

// --- One backend per platform: text_icu.cpp or text_windows.cpp ---

enum class NormalForm { kComposed, kDecomposed };  // NFC, NFD

/// `text` in NFC or NFD, as UTF-8; malformed UTF-8 is replaced by U+FFFD as nextCodePoint does.
/// Throws std::runtime_error when the platform's normaliser is missing.
std::string normalized(std::string_view text, NormalForm form);

/// How folding for search treats a code point at or above U+0100 (text.cpp knows those below).
enum class SearchRole { kDropped, kWordBreak, kKept };  // non-spacing mark; space or punctuation
SearchRole searchRoleAbove0100(char32_t c);

/// True when `c` (at or above U+0100) is a letter; the collation puts other characters with the
/// symbols, before digits.
bool isLetterAbove0100(char32_t c);

/// Well-formed UTF-8 `text` case-folded for search ("Đ" -> "đ", "HOA" -> "hoa").
std::string foldedCase(std::string_view text);

/// Well-formed or not, `text` in capitals by Vietnamese rules, as UTF-8.
std::string upperCaseVietnamese(std::string_view text);

// VietnameseCollator's constructor, destructor, operator() and Impl are the backend's too.

}  // namespace fieldcheck::text_detail
