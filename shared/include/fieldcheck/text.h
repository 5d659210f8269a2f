// Vietnamese-aware text handling: UTF-8 checks, NFC normalisation, folding for search, and
// sorting in Vietnamese alphabetical order. One interface on ICU (Linux) and on Windows' own
// APIs (Windows), held to the same vectors by tests/unit/test_text.cpp.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
/// The same in two steps, for one query over many texts folded once: the query's words folded,
/// and whether each begins a word of `folded_text` (foldForSearch's result).
std::vector<std::string> searchWords(std::string_view query);
bool foldedMatches(std::string_view folded_text, const std::vector<std::string>& words);

/// Orders text as a Vietnamese reader expects (ICU's collator for the locale "vi"): a, ă, â,
/// b, ..., d, đ, e, ê, ..., o, ô, ơ, ..., u, ư, ...; tones weigh only between words otherwise
/// equal; digits in numeric order ("CS-9" before "CS-10"). "Hạ Lang" comes before "Hòa An",
/// which byte order puts the other way round. On Windows the same order for Vietnamese and
/// ASCII text comes from text.cpp, not from Windows' vi-VN sort (which makes "th", "tr", "ng"...
/// letters of their own). Throws std::runtime_error when ICU has no collator (a broken
/// installation). Not thread-safe: one object per thread.
class VietnameseCollator {
 public:
  VietnameseCollator();
  ~VietnameseCollator();
  VietnameseCollator(const VietnameseCollator&) = delete;
  VietnameseCollator& operator=(const VietnameseCollator&) = delete;

  /// True when `a` sorts before `b`.
  bool operator()(std::string_view a, std::string_view b) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Sorts `items` in Vietnamese alphabetical order of `key(item)`, stably.
template <class T, class Key>
void sortVietnamese(std::vector<T>& items, Key&& key) {
  const VietnameseCollator before;
  std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) { return before(key(a), key(b)); });
}

/// `text` in capitals as Vietnamese writes them ("Ủy ban nhân dân tỉnh Cao Bằng" ->
/// "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG").
std::string toUpperVietnamese(std::string_view text);

}  // namespace fieldcheck
