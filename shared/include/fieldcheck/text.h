// Vietnamese-aware text handling: UTF-8 checks, NFC normalisation and folding for search.
#pragma once

#include <string>
#include <string_view>

namespace fieldcheck {

/// True when `text` is well-formed UTF-8 without NUL or other C0 controls except tab and newline.
bool isCleanUtf8(std::string_view text);

/// `text` in Unicode NFC, so text typed as decomposed characters (NFD) stores and compares
/// equal to the same text precomposed. Malformed UTF-8 is replaced by U+FFFD.
std::string toNfc(std::string_view text);

/// A search key: diacritics removed ("Hoàng" -> "hoang", "Đức" -> "duc"), case folded and
/// whitespace collapsed, so "hoang gia" finds "Karaoke Hoàng Gia".
std::string foldForSearch(std::string_view text);

/// True when every word of `query` begins a word of `text`, both folded.
bool searchMatches(std::string_view text, std::string_view query);

}  // namespace fieldcheck
