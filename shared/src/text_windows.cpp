// The Unicode backend of text.h on Windows' own APIs, no ICU: NormalizeString, GetStringTypeW and
// LCMapStringEx with the locale vi-VN (text_backend.h says what each promises); the collator is
// text.cpp's portable one. UTF-8 <-> UTF-16 is text.cpp's too, so malformed input is replaced
// exactly as on Linux.
#include "fieldcheck/text.h"

#include "text_backend.h"

#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace fieldcheck {
namespace text_detail {
namespace {

static_assert(sizeof(wchar_t) == sizeof(char16_t), "Windows' wide characters are UTF-16 units");

constexpr const wchar_t* kVietnamese = L"vi-VN";

const wchar_t* wide(const std::u16string& text) {
  return reinterpret_cast<const wchar_t*>(text.c_str());
}
wchar_t* wide(std::u16string& text) { return reinterpret_cast<wchar_t*>(text.data()); }

std::string lastErrorText(const char* what) {
  return std::string(what) + " failed (Windows error " + std::to_string(GetLastError()) + ")";
}

/// LCMapStringEx(vi-VN, flags) over `text`, Vietnamese linguistic casing.
std::u16string mappedCase(const std::u16string& text, DWORD flags) {
  if (text.empty()) return {};
  flags |= LCMAP_LINGUISTIC_CASING;
  const int source_length = static_cast<int>(text.size());
  const int length =
      LCMapStringEx(kVietnamese, flags, wide(text), source_length, nullptr, 0, nullptr, nullptr, 0);
  if (length <= 0) throw std::runtime_error(lastErrorText("LCMapStringEx"));
  std::u16string out(static_cast<std::size_t>(length), u'\0');
  const int written = LCMapStringEx(kVietnamese, flags, wide(text), source_length, wide(out),
                                    length, nullptr, nullptr, 0);
  if (written <= 0) throw std::runtime_error(lastErrorText("LCMapStringEx"));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

/// A full case mapping of ICU's that Windows' one-for-one mappings lack, for Latin-script text.
struct FullMapping {
  char16_t from;
  std::u16string_view folded, upper;
};
constexpr FullMapping kFullMappings[] = {
    {u'\u00DF', u"ss", u"SS"},           {u'\u03C2', u"\u03C3", u"\u03A3"},
    {u'\u0149', u"\u02BCn", u"\u02BCN"}, {u'\uFB00', u"ff", u"FF"},
    {u'\uFB01', u"fi", u"FI"},           {u'\uFB02', u"fl", u"FL"},
    {u'\uFB03', u"ffi", u"FFI"},         {u'\uFB04', u"ffl", u"FFL"},
    {u'\uFB05', u"st", u"ST"},           {u'\uFB06', u"st", u"ST"}};

/// `text` with each unit of kFullMappings replaced by its folded (or upper-case) expansion.
std::u16string withFullMappings(const std::u16string& text, bool upper) {
  std::u16string out;
  out.reserve(text.size() + 4);
  for (char16_t c : text) {
    const auto* mapping = std::find_if(std::begin(kFullMappings), std::end(kFullMappings),
                                       [c](const FullMapping& m) { return m.from == c; });
    if (mapping == std::end(kFullMappings)) {
      out += c;
    } else {
      out += upper ? mapping->upper : mapping->folded;
    }
  }
  return out;
}

}  // namespace

std::string normalized(std::string_view text, NormalForm form) {
  const std::u16string source = utf16OfUtf8(text);
  if (source.empty()) return {};
  const NORM_FORM windows_form = form == NormalForm::kComposed ? NormalizationC : NormalizationD;
  const int source_length = static_cast<int>(source.size());
  // The first call estimates; a too small buffer is told by ERROR_INSUFFICIENT_BUFFER and a
  // negative result whose magnitude is the next estimate.
  int estimate = NormalizeString(windows_form, wide(source), source_length, nullptr, 0);
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (estimate <= 0) break;
    std::u16string out(static_cast<std::size_t>(estimate), u'\0');
    const int written =
        NormalizeString(windows_form, wide(source), source_length, wide(out), estimate);
    if (written > 0) {
      out.resize(static_cast<std::size_t>(written));
      return utf8OfUtf16(out);
    }
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) break;
    estimate = -written;
  }
  // Windows refuses to normalise text it finds invalid (a code point its tables do not know):
  // such text is kept as decoded rather than refused, since it has nothing to compose.
  if (GetLastError() == ERROR_NO_UNICODE_TRANSLATION) return utf8OfUtf16(source);
  throw std::runtime_error(lastErrorText("NormalizeString"));
}

SearchRole searchRoleAbove0100(char32_t c) {
  if (c > 0xFFFF) return SearchRole::kKept;  // GetStringTypeW classifies UTF-16 units, not pairs
  const wchar_t unit = static_cast<wchar_t>(c);
  WORD type1 = 0, type3 = 0;
  if (!GetStringTypeW(CT_CTYPE1, &unit, 1, &type1) || !GetStringTypeW(CT_CTYPE3, &unit, 1, &type3))
    return SearchRole::kKept;
  if ((type3 & C3_NONSPACING) != 0) return SearchRole::kDropped;
  if ((type1 & C1_SPACE) != 0) return SearchRole::kWordBreak;
  // C1_PUNCT holds symbols too (× © €...), which Unicode's punctuation does not and search
  // keeps: C3_SYMBOL tells them apart above Latin-1.
  if ((type1 & C1_PUNCT) != 0 && (type3 & C3_SYMBOL) == 0) return SearchRole::kWordBreak;
  return SearchRole::kKept;
}

bool isLetterAbove0100(char32_t c) {
  if (c > 0xFFFF) return false;  // GetStringTypeW classifies UTF-16 units; up there, mostly emoji
  const wchar_t unit = static_cast<wchar_t>(c);
  WORD type1 = 0;
  return GetStringTypeW(CT_CTYPE1, &unit, 1, &type1) && (type1 & C1_ALPHA) != 0;
}

std::string foldedCase(std::string_view text) {
  // Lower case is Windows' nearest to case folding; ß, final ς and ligatures fold further, as ICU
  // folds them.
  return utf8OfUtf16(withFullMappings(mappedCase(utf16OfUtf8(text), LCMAP_LOWERCASE), false));
}

std::string upperCaseVietnamese(std::string_view text) {
  return utf8OfUtf16(withFullMappings(mappedCase(utf16OfUtf8(text), LCMAP_UPPERCASE), true));
}

}  // namespace text_detail

// Not CompareStringEx(vi-VN): Windows' Vietnamese sort (as Wine 8 applies Microsoft's published
// sorting tables) treats ch, gi, kh, ng, nh, ph, qu, th and tr as letters of their own, so "Thạch
// An" would follow "Tuyên Quang" there while Linux (ICU, CLDR) puts it before. Both platforms
// order one way instead: text.cpp's compareVietnamese, which follows ICU's "vi" order.
struct VietnameseCollator::Impl {};

VietnameseCollator::VietnameseCollator() : impl_(std::make_unique<Impl>()) {}

VietnameseCollator::~VietnameseCollator() = default;

bool VietnameseCollator::operator()(std::string_view a, std::string_view b) const {
  return text_detail::compareVietnamese(a, b) < 0;
}

}  // namespace fieldcheck
