// The test vectors of text.h, one table each, that every platform's backend must pass: ICU on
// Linux, Windows' own APIs on Windows (run under Wine). Expected values are ICU's (what users saw
// before Windows), checked by hand against Vietnamese conventions.
#include "fieldcheck/text.h"

// The private seam, for the portable order that Windows uses.
#include "../../shared/src/text_backend.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace fieldcheck;

namespace {

struct Vector {
  std::string input, expected;
};

// Bytes as \xNN where they are not printable ASCII, so a failure shows what differs.
std::string bytesOf(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Text in Vietnamese alphabetical order (ICU's "vi", numbers by value), each strictly before the
// next: tab before space, then punctuation, before digits, before letters; a ă â b c d đ
// e ê ... o ô ơ ... u ư ...; "th" and "tr" are t followed by h or r (as ICU, unlike Windows'
// own vi-VN sort); tones none, huyền, hỏi, ngã, sắc, nặng; lower case before upper case.
const std::vector<std::string>& vietnameseOrder() {
  // clang-format off
  static const std::vector<std::string> sorted = {
      "\te", " e", "_d", "-c", "'a", "(b)", "1a", "9", "10", "a9", "A10",
      "áa", "aă", "ạb", "an", "An", "ăa", "Ăn", "Âm",
      "ba", "bà", "Bà", "Bảo Lạc", "Bảo Lâm", "co op", "co-op", "coop",
      "CS 9", "CS-2", "CS-9", "CS-10", "CS9",
      "Da", "Do", "dz", "Dz", "Đà", "Đo", "Đồ", "Đỗ", "Độ", "ez", "Ê",
      "Hạ Lang", "Hà Quảng", "Hòa  An", "Hòa An", "Hòa\u00A0An", "Hòa-An", "HòaAn",
      "Ỏc", "Óc", "Ọc", "oz", "ÔC", "Ỗc", "Ốc", "ôm", "ông", "Ông", "ơi",
      "Quán ăn", "Quán Ăn", "Quán ân",
      "ta", "tà", "tả", "tã", "tá", "tạ", "tb",
      "Thạch An", "Thành phố Cao Bằng", "Thông Nông", "Trùng Khánh",
      "Tuan", "Tuân", "Tuần", "Tuẩn", "Tuẫn", "Tuấn", "Tuận",
      "uz", "ưa", "Vân", "Xuân", "Y", "Ý", "Yên"};
  // clang-format on
  return sorted;
}

}  // namespace

TEST_CASE("text: NFC composes stacked Vietnamese marks in any order they were typed", "[text]") {
  const std::vector<Vector> vectors = {
      {"\xE1\xBB\x87", "\xE1\xBB\x87"},          // ệ already composed stays
      {"e\xCC\xA3\xCC\x82", "\xE1\xBB\x87"},     // e + dot below + circumflex (NFD) -> ệ
      {"e\xCC\x82\xCC\xA3", "\xE1\xBB\x87"},     // circumflex typed before the dot below -> ệ
      {"\xE1\xBA\xA0\xCC\x82", "\xE1\xBA\xAC"},  // Ạ + circumflex -> Ậ
      {"a\xCC\xA3\xCC\x86", "\xE1\xBA\xB7"},     // a + dot below + breve -> ặ
      {"O\xCC\x9B\xCC\x89", "\xE1\xBB\x9E"},     // O + horn + hook above -> Ở
      {"u\xCC\x9B\xCC\x80", "\xE1\xBB\xAB"},     // u + horn + grave -> ừ
      {"Nguye\xCC\x82\xCC\x83n", "Nguy\xE1\xBB\x85n"},       // Nguyễn
      {"Ho\u0300a Tra\u0302\u0300n", "H\u00F2a Tr\u1EA7n"},  // Hòa Trần
      {"A\xCC\x8A", "\xC3\x85"},                             // not only Vietnamese: Å
      {"Hồ sơ 😀", "Hồ sơ 😀"},                                // outside the BMP: unchanged
      {"", ""},
  };
  for (const auto& v : vectors) {
    INFO(bytesOf(v.input));
    CHECK(bytesOf(toNfc(v.input)) == bytesOf(v.expected));
    CHECK(toNfc(v.expected) == v.expected);
    CHECK(foldForSearch(v.input) == foldForSearch(v.expected));  // NFD and NFC search alike
  }
}

TEST_CASE("text: a code point without a meaning does not stop the text around it normalising",
          "[text]") {
  // ICU passes a noncharacter (U+FFFF) or an unassigned code point (U+0378, U+E0080) through
  // unchanged and normalises the rest; Windows' NormalizeString refuses the whole text, so the
  // Windows backend normalises around such a character. Search must fold the same either way.
  struct Normalised {
    std::string input, nfc, folded;
  };
  const std::vector<Normalised> vectors = {
      {"Ho\u0300a\uFFFF", "H\u00F2a\uFFFF", "hoa\uFFFF"},
      {"\uFFFFHo\u0300a", "\uFFFFH\u00F2a", "\uFFFFhoa"},
      {"Ho\u0300a\u0378 Tra\u0302\u0300n", "H\u00F2a\u0378 Tr\u1EA7n", "hoa\u0378 tran"},
      {"\U000E0080Nguye\u0302\u0303n \u0378\u0378 \u1EC6",
       "\U000E0080Nguy\u1EC5n \u0378\u0378 \u1EC6", "\U000E0080nguyen \u0378\u0378 e"},
      {"a\u0378\u0301 \u00E1", "a\u0378\u0301 \u00E1", "a\u0378 a"},  // no composing across it
      // Several, outside the BMP too (a surrogate pair in UTF-16), with text to normalise between
      {"\U0001FFFFHo\u0300a \U0010FFFFTra\u0302\u0300n\uFDD0e\u0323\u0302\uFFFE",
       "\U0001FFFFH\u00F2a \U0010FFFFTr\u1EA7n\uFDD0\u1EC7\uFFFE",
       "\U0001FFFFhoa \U0010FFFFtran\uFDD0e\uFFFE"},
  };
  for (const auto& v : vectors) {
    INFO(bytesOf(v.input));
    CHECK(bytesOf(toNfc(v.input)) == bytesOf(v.nfc));
    CHECK(bytesOf(toNfc(v.nfc)) == bytesOf(v.nfc));
    CHECK(bytesOf(foldForSearch(v.input)) == bytesOf(v.folded));
    CHECK(bytesOf(foldForSearch(v.nfc)) == bytesOf(v.folded));
  }
  CHECK(searchMatches("Karaoke Ho\u00E0ng\uFFFF Gia", "hoang"));
}

TEST_CASE("text: malformed UTF-8 becomes one U+FFFD per maximal subpart", "[text]") {
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<Vector> vectors = {
      {"a\xC3", "a" + fffd},                            // cut after the lead byte
      {"\xF0\x9F\x98", fffd},                           // a four-byte sequence cut short: one
      {"\xED\xA0\x80", fffd + fffd + fffd},             // a surrogate: three
      {"\xC0\xAF", fffd + fffd},                        // an overlong '/': two
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF: four
      {"\xFF\u00E0", fffd + "\u00E0"},                  // a stray byte before à: à survives
      {"\x80\x80", fffd + fffd},                        // lone continuation bytes
      {"Cao B\xE1\xBAng", "Cao B" + fffd + "ng"},       // ằ cut: the rest survives
  };
  for (const auto& v : vectors) {
    INFO(bytesOf(v.input));
    CHECK(bytesOf(toNfc(v.input)) == bytesOf(v.expected));
    CHECK_FALSE(isCleanUtf8(v.input));
    CHECK(isCleanUtf8(toNfc(v.input)));
  }
}

TEST_CASE("text: isCleanUtf8 accepts well-formed text, tab and newline, not the rest", "[text]") {
  const std::vector<std::pair<std::string, bool>> vectors = {
      {"Cao Bằng\tline\n", true},
      {"Ủy ban nhân dân tỉnh Cao Bằng — “Quán Ốc” 😀", true},
      {"\xC2\x85", true},      // NEL is U+0085, a C1 control: only C0 controls are refused
      {"\xEF\xBF\xBF", true},  // U+FFFF, a noncharacter but well-formed
      {"", true},
      {"\r", false},
      {"bell\x07", false},
      {std::string("a\0b", 3), false},
      {"\x7F", false},
      {"\xE0\x9F\xBF", false},      // overlong three-byte form
      {"\xF0\x8F\xBF\xBF", false},  // overlong four-byte form
      {"\xED\xA0\x80", false},      // surrogate
      {"\xFF\xFE", false},
  };
  for (const auto& [text, clean] : vectors) {
    INFO(bytesOf(text));
    CHECK(isCleanUtf8(text) == clean);
  }
}

TEST_CASE("text: folding drops tones, folds case, crossed d is d, punctuation a space", "[text]") {
  const std::vector<Vector> vectors = {
      {"Hoàng Gia", "hoang gia"},
      {"Đức", "duc"},
      {"đ", "d"},
      {"Đ", "d"},
      {"Karaoke  ĐÊM-Xanh", "karaoke dem xanh"},
      {"  Nhà nghỉ, Bảo Lạc.  ", "nha nghi bao lac"},
      {"Ủy ban", "uy ban"},
      {"NGUYỄN Thị Ánh", "nguyen thi anh"},
      {"Ư Ơ Ô Â Ă Ê", "u o o a a e"},
      {"Số 12/3 – “Quán Ốc” …", "so 12 3 quan oc"},  // dash, quotes, ellipsis break words
      {"«Phở» ¿·§", "pho"},
      {"【Hà Nội】", "ha noi"},
      {"\xE2\x80\xA2 list", "list"},  // a bullet
      {"x_y@z#1%", "x y z 1"},
      {"l'Hôpital", "l hopital"},
      {"CS-10", "cs 10"},
      {"Tab\tand\nnewline\xC2\xA0nbsp\xE3\x80\x80ideo", "tab and newline nbsp ideo"},
      {"a+b $5 ×2 = 10° ©", "a+b $5 ×2 = 10° ©"},  // symbols are not punctuation: kept
      {"€5 ¥ ₫", "€5 ¥ ₫"},
      {"a\u200Bb", "a\u200Bb"},  // a zero-width space is no space
      {"Quán 😀", "quan 😀"},
      {"Straße ẞ ς", "strasse ss σ"},  // full case folding
      {"ﬁ ﬀ", "fi ff"},
      {"İstanbul", "istanbul"},
      {"ǅ ǈ", "ǆ ǉ"},
      {" .,- ", ""},
  };
  for (const auto& v : vectors) {
    INFO(bytesOf(v.input));
    CHECK(foldForSearch(v.input) == v.expected);
  }
}

TEST_CASE("text: a query without accents finds the words it begins", "[text]") {
  CHECK(searchWords("  Hoàng   GIA ") == std::vector<std::string>{" hoang", " gia"});
  CHECK(searchWords("đ-Ê") == std::vector<std::string>{" d", " e"});
  CHECK(searchWords(" - ").empty());

  struct Search {
    std::string text, query;
    bool found;
  };
  const std::vector<Search> vectors = {
      {"Karaoke  ĐÊM-Xanh", "dem xanh", true},
      {"Karaoke  ĐÊM-Xanh", "đêm", true},
      {"Karaoke  ĐÊM-Xanh", "karaoke d", true},     // a word's beginning is enough
      {"Karaoke  ĐÊM-Xanh", "xanh karaoke", true},  // in any order
      {"Karaoke  ĐÊM-Xanh", "em", false},           // inside a word is not a beginning
      {"Karaoke  ĐÊM-Xanh", "dem-xanh-la", false},
      {"Karaoke Hoàng Gia", "hoang gia", true},
      {"Karaoke Hoàng Gia", "HOÀNG", true},
      {"Karaoke Hoàng Gia", "an", false},
      {"Karaoke Hoàng Gia", "hoang gia xanh", false},
      {"Hoàng Giang", "hoang gia", true},
      {"Nhà nghỉ Đức Tài", "DUC TAI", true},
      {"Nhà nghỉ Đức Tài", "dd", false},
      {"Quán ăn Ở Đây", "o day", true},
      {"Quán ăn Ở Đây", "quan an o day", true},
      {"Ho\u0300a An", "hoa an", true},  // decomposed text
      {"Hòa An", "Ho\u0300a", true},     // decomposed query
      {"Cơ sở CS-10", "cs 10", true},
      {"Cơ sở CS-10", "cs10", false},
      {"Karaoke Hoàng Gia", "", true},  // no words: nothing to miss
  };
  for (const auto& v : vectors) {
    INFO(v.text << " / " << v.query);
    CHECK(searchMatches(v.text, v.query) == v.found);
    CHECK(foldedMatches(foldForSearch(v.text), searchWords(v.query)) == v.found);
  }
}

TEST_CASE("text: Vietnamese order is letters, then tones, then case, numbers by value", "[text]") {
  const std::vector<std::string>& sorted = vietnameseOrder();
  const VietnameseCollator before;
  for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
    INFO(sorted[i] << " / " << sorted[i + 1]);
    CHECK(before(sorted[i], sorted[i + 1]));
    CHECK_FALSE(before(sorted[i + 1], sorted[i]));
    CHECK_FALSE(before(sorted[i], sorted[i]));
  }
  // Sorting another arrangement gives the same list: here every seventh, from the fourth on.
  std::vector<std::string> shuffled;
  for (std::size_t i = 0; i < sorted.size(); ++i)
    shuffled.push_back(sorted[(i * 7 + 3) % sorted.size()]);
  REQUIRE(sorted.size() % 7 != 0);
  sortVietnamese(shuffled, [](const std::string& s) -> const std::string& { return s; });
  CHECK(shuffled == sorted);

  // Canonically equivalent text is equal: neither sorts before the other.
  const std::string nfc = "Hòa An", nfd = "Ho\u0300a An";
  CHECK_FALSE(before(nfc, nfd));
  CHECK_FALSE(before(nfd, nfc));
  // A number's leading zeros do not count: 010 is ten, after 9.
  CHECK(before("CS-9", "CS-010"));
  CHECK_FALSE(before("CS-010", "CS-9"));
}

TEST_CASE("text: the portable Vietnamese order agrees with the vectors on every platform",
          "[text]") {
  // Windows sorts with text.cpp's own order; here it is held to the same vectors on Linux too.
  const auto& sorted = vietnameseOrder();
  for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
    INFO(sorted[i] << " / " << sorted[i + 1]);
    CHECK(text_detail::compareVietnamese(sorted[i], sorted[i + 1]) < 0);
    CHECK(text_detail::compareVietnamese(sorted[i + 1], sorted[i]) > 0);
    CHECK(text_detail::compareVietnamese(sorted[i], sorted[i]) == 0);
  }
  CHECK(text_detail::compareVietnamese("Hòa An", "Ho\u0300a An") == 0);
  CHECK(text_detail::compareVietnamese("CS-9", "CS-010") < 0);
}

TEST_CASE("text: capitals as Vietnamese writes them", "[text]") {
  const std::vector<Vector> vectors = {
      {"Ủy ban nhân dân tỉnh Cao Bằng", "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG"},
      {"đường", "ĐƯỜNG"},
      {"ư ơ ă â ê ô", "Ư Ơ Ă Â Ê Ô"},
      {"ệ ặ ở", "Ệ Ặ Ở"},
      {"y\xCC\x89", "Y\xCC\x89"},  // decomposed stays decomposed
      {"i ı", "I I"},              // no Turkish dotted capital in Vietnamese
      {"ß ﬁ ŉ", "SS FI ʼN"},
      {"ǆ", "Ǆ"},
      {"CS-10 (đã xong)", "CS-10 (ĐÃ XONG)"},
  };
  for (const auto& v : vectors) {
    INFO(v.input);
    CHECK(toUpperVietnamese(v.input) == v.expected);
  }
}
