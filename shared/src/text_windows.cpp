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
#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <string_view>

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

bool isHighSurrogate(char16_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool isLowSurrogate(char16_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

/// NormalizeString over all of `units` (not empty). True with the result in `out`; false when
/// Windows rejects a code point its tables do not know (an unassigned one, a noncharacter), with
/// `rejected` at the index Windows reports, held inside `units`. Throws on any other failure.
bool normalizeWhole(NORM_FORM form, std::u16string_view units, std::u16string& out,
                    std::size_t& rejected) {
  const int length = static_cast<int>(units.size());
  const auto* source = reinterpret_cast<const wchar_t*>(units.data());
  // The first call estimates; a too small buffer is told by ERROR_INSUFFICIENT_BUFFER and a
  // negative result whose magnitude is the next estimate. ERROR_NO_UNICODE_TRANSLATION's
  // negative result is the position of the rejected character instead.
  int result = NormalizeString(form, source, length, nullptr, 0);
  for (int attempt = 0; attempt < 8 && result > 0; ++attempt) {
    out.assign(static_cast<std::size_t>(result), u'\0');
    const int written = NormalizeString(form, source, length, wide(out), result);
    if (written > 0) {
      out.resize(static_cast<std::size_t>(written));
      return true;
    }
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
      result = written;
      break;
    }
    result = -written;
  }
  if (result <= 0 && GetLastError() == ERROR_NO_UNICODE_TRANSLATION) {
    const auto position = static_cast<std::size_t>(-static_cast<long long>(result));
    rejected = std::min(position, units.size() - 1);
    // Inside a surrogate pair, the pair is the character.
    if (rejected > 0 && isLowSurrogate(units[rejected]) && isHighSurrogate(units[rejected - 1]))
      --rejected;
    return false;
  }
  throw std::runtime_error(lastErrorText("NormalizeString"));
}

}  // namespace

std::string normalized(std::string_view text, NormalForm form) {
  const std::u16string source = utf16OfUtf8(text);
  const NORM_FORM windows_form = form == NormalForm::kComposed ? NormalizationC : NormalizationD;
  // Windows refuses to normalise text holding a code point its tables reject (ICU passes such a
  // character through unchanged). So the text is normalised in pieces: all of what is left if
  // Windows takes it; otherwise the text before the rejected character, then that character as
  // it is (nothing composes with it: it is a starter that has no decomposition), and on from
  // after it. Each failed call shortens the piece or moves past a character, so this ends.
  std::u16string out, piece;
  out.reserve(source.size());
  std::size_t start = 0;
  while (start < source.size()) {
    std::size_t end = source.size();
    for (;;) {
      const std::u16string_view units(source.data() + start, end - start);
      std::size_t rejected = 0;
      if (normalizeWhole(windows_form, units, piece, rejected)) {
        out += piece;
        start = end;
        break;
      }
      if (rejected > 0) {
        end = start + rejected;  // the text before it first; it is met again at the front
        continue;
      }
      const bool pair = units.size() > 1 && isHighSurrogate(units[0]) && isLowSurrogate(units[1]);
      const std::size_t width = pair ? 2 : 1;
      out.append(units.substr(0, width));
      start += width;
      break;
    }
  }
  return utf8OfUtf16(out);
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
