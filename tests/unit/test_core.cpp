// Values, dates, the hybrid clock, revisions, wire round trips and Vietnamese text folding.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <sstream>

#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <nlohmann/json.hpp>

#include "fieldcheck/compression.h"
#include "fieldcheck/document.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/image.h"
#include "fieldcheck/main_guard.h"
#include "fieldcheck/review.h"
#include "fieldcheck/text.h"
#include "fieldcheck/value.h"
#include "fieldcheck/wire_types.h"
#include "support/sample_images.h"

using namespace fieldcheck;

namespace {

// A random value of a random type, from a seeded generator.
Value randomValue(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> type(0, 8);
  std::uniform_int_distribution<std::int64_t> big(INT64_MIN, INT64_MAX);
  std::uniform_real_distribution<double> real(-1e9, 1e9);
  const std::string texts[] = {"", "Karaoke Hoàng Gia", "Đàm Thủy", "quote \" and \\ backslash", "line\nbreak"};
  switch (type(rng)) {
    case 0: return Value{};
    case 1: return Value{rng() % 2 == 0};
    case 2: return Value{big(rng)};
    case 3: return Value{real(rng)};
    case 4: return Value{texts[rng() % 5]};
    case 5: return Value{DateTime{static_cast<std::int64_t>(rng() % 4'000'000'000'000ull) / 1000 * 1000, 420}};
    case 6: return Value{Choices{"fine", "reminder"}};
    case 7: return Value{GeoPoint{22.6657, 106.257, rng() % 2 ? std::optional<double>(5.0) : std::nullopt}};
    default: return Value{AttachmentRef{std::string(64, 'a'), rng() % 3'000'000, "image/jpeg"}};
  }
}

Document sampleDocument(std::mt19937_64& rng) {
  Fields fields;
  for (int i = 0; i < 12; ++i) fields["field_" + std::to_string(i)] = randomValue(rng);
  return firstRevision("0123456789abcdef0123456789abcdef", "inspection", fields, "Nông Văn Kiểm", "device-1",
                       HybridTimestamp{1'551'690'000'000, 3});
}

template <class OutArchive, class InArchive, class T>
T roundTrip(const T& value) {
  std::stringstream buffer;
  {
    OutArchive out(buffer);
    out(value);
  }
  T back;
  InArchive in(buffer);
  in(back);
  return back;
}

}  // namespace

TEST_CASE("dates: ISO text parses to the same instant and prints back", "[value]") {
  auto dt = parseDateTime("2019-03-04T08:30:00+07:00", 0);
  REQUIRE(dt);
  CHECK(dt->epoch_ms == 1'551'663'000'000);
  CHECK(formatDateTime(*dt) == "2019-03-04T08:30:00+07:00");

  SECTION("without an offset the default applies") {
    auto local = parseDateTime("2019-03-04 08:30", 420);
    REQUIRE(local);
    CHECK(local->epoch_ms == dt->epoch_ms);
  }
  SECTION("a date alone is midnight") {
    auto day = parseDateTime("2019-12-31", 0);
    REQUIRE(day);
    CHECK(formatDateTime(*day) == "2019-12-31T00:00:00Z");
  }
  SECTION("impossible dates and garbage are refused") {
    auto text = GENERATE(as<std::string>{}, "2019-02-29", "2019-13-01", "2019-04-31", "2019-01-01T24:00",
                         "2019-1-1", "yesterday", "2019-01-01T10:00+25:00", "");
    CHECK_FALSE(parseDateTime(text, 0));
  }
  SECTION("leap days exist in leap years") { CHECK(parseDateTime("2020-02-29", 0)); }
}

TEST_CASE("dates: the text of any instant and offset agrees with the standard calendar", "[value]") {
  std::mt19937_64 rng(1975);
  std::uniform_int_distribution<std::int64_t> instant(-62'135'596'800'000, 253'402'300'799'000 - 15 * 3'600'000);
  std::uniform_int_distribution<int> offset(-899, 899);
  for (int i = 0; i < 2000; ++i) {
    const DateTime dt{instant(rng), i % 3 == 0 ? 0 : offset(rng)};
    using namespace std::chrono;
    const sys_time<milliseconds> local{milliseconds{dt.epoch_ms + std::int64_t{dt.offset_minutes} * 60'000}};
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss time{floor<seconds>(local - day)};
    const int off = std::abs(dt.offset_minutes);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%04d-%02u-%02uT%02ld:%02ld:%02lld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long>(time.hours().count()),
                  static_cast<long>(time.minutes().count()), static_cast<long long>(time.seconds().count()));
    std::string text = expected;
    if (dt.offset_minutes == 0) {
      text += "Z";
    } else {
      std::snprintf(expected, sizeof expected, "%c%02d:%02d", dt.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
      text += expected;
    }
    INFO(dt.epoch_ms << " " << dt.offset_minutes);
    REQUIRE(formatDateTime(dt) == text);
    REQUIRE(parseDateTime(text, 0)->epoch_ms == dt.epoch_ms / 1000 * 1000 - (dt.epoch_ms % 1000 < 0 ? 1000 : 0));
  }
}

TEST_CASE("dates: UTC text of fixed instants, to the second or the millisecond", "[value]") {
  CHECK(formatUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(formatUtc(1'556'848'800'000) == "2019-05-03T02:00:00Z");
  CHECK(formatUtc(1'796'063'405'123, UtcPrecision::kMilliseconds) == "2026-11-30T18:30:05.123Z");
  CHECK(formatUtc(1'796'063'405'123) == "2026-11-30T18:30:05Z");  // rounded down, never up
  CHECK(formatUtc(1'796'063'405'000, UtcPrecision::kMilliseconds) == "2026-11-30T18:30:05.000Z");

  SECTION("a leap day, and the day after it") {
    CHECK(formatUtc(1'709'251'199'999, UtcPrecision::kMilliseconds) == "2024-02-29T23:59:59.999Z");
    CHECK(formatUtc(1'709'251'200'000, UtcPrecision::kMilliseconds) == "2024-03-01T00:00:00.000Z");
    CHECK(formatUtc(951'825'600'000) == "2000-02-29T12:00:00Z");  // a century divisible by 400
  }
  SECTION("before 1970 (deviceTokenExpired takes any now_ms), rounded down too") {
    CHECK(formatUtc(-1) == "1969-12-31T23:59:59Z");
    CHECK(formatUtc(-1, UtcPrecision::kMilliseconds) == "1969-12-31T23:59:59.999Z");
    CHECK(formatUtc(-14'182'940'000) == "1969-07-20T20:17:40Z");
  }
  SECTION("the latest second a token can name (12 digits) is past 9999") {
    CHECK(formatUtc(999'999'999'999'000) == "33658-09-27T01:46:39Z");
  }
  SECTION("any instant of years 0 to 9999: the same text as a date-time with offset zero") {
    std::mt19937_64 rng(2026);
    std::uniform_int_distribution<std::int64_t> instant(-62'167'219'200'000, 253'402'300'799'999);
    for (int i = 0; i < 2000; ++i) {
      const auto ms = instant(rng);
      INFO(ms);
      const auto seconds = formatDateTime(DateTime{ms, 0});
      REQUIRE(formatUtc(ms) == seconds);
      char fraction[8];
      std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>((ms % 1000 + 1000) % 1000));
      REQUIRE(formatUtc(ms, UtcPrecision::kMilliseconds) == seconds.substr(0, 19) + fraction + "Z");
    }
  }
}

TEST_CASE("values: the JSON form reads back to the same value", "[value]") {
  const std::uint64_t seed = 20190304;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 500; ++i) {
    const Value v = randomValue(rng);
    CHECK(valueFromJson(valueToJson(v)) == v);
  }
}

TEST_CASE("values: the canonical text is JSON that reads back to the same fields", "[value]") {
  const std::uint64_t seed = 632;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    Fields fields;
    for (int i = 0; i < 8; ++i) fields["f" + std::to_string(i)] = randomValue(rng);
    fields["controls"] = std::string("tab\there\x01\x1f end");
    fields["whole decimal"] = 20.0;
    const auto text = fieldsToJsonText(fields);
    const auto parsed = nlohmann::json::parse(text);
    CHECK(fieldsFromJson(parsed) == fields);
    CHECK(parsed == fieldsToJson(fields));
  }
}

TEST_CASE("values: the fast reader of canonical text agrees with the general parser, on any text", "[value]") {
  const std::uint64_t seed = 1632;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  // What the general parser makes of a text: the fields, or that it refuses it.
  auto general = [](const std::string& text) -> std::optional<Fields> {
    try {
      return fieldsFromJson(nlohmann::json::parse(text));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  auto fast = [](const std::string& text) -> std::optional<Fields> {
    try {
      return fieldsFromJsonText(text);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  const std::string junk[] = {"\"", "\\", "{", "}", ",", ":", "-", "0", "01", "1e999", "\\u0041", "\\u001f", "\xff", "\xc3\xa0", " ",
                              "null", "[", "]", ".", "e", "\x01"};
  for (int round = 0; round < 2000; ++round) {
    Fields fields;
    for (int i = 0; i < 6; ++i) fields["f" + std::to_string(rng() % 9)] = randomValue(rng);
    fields["line"] = std::string("tab\there\x01\x1f \"q\" \\ Đàm Thủy\n");
    auto text = fieldsToJsonText(fields);
    REQUIRE(fieldsFromJsonText(text) == fields);
    // The same text damaged at a random place: both readers accept the same and read it alike.
    for (int k = static_cast<int>(rng() % 3) + 1; k > 0; --k) {
      const auto at = rng() % (text.size() + 1);
      if (rng() % 2) text.erase(at, std::min<std::size_t>(text.size() - at, 1 + rng() % 3));
      text.insert(std::min(at, text.size()), junk[rng() % std::size(junk)]);
    }
    INFO(text);
    CHECK(fast(text) == general(text));
  }
  // Forms the writer never makes still read right, through the general parser.
  CHECK(fieldsFromJsonText(R"({ "b": {"lon": 2, "lat": 1}, "a": "\u00e0\/" })") ==
        Fields{{"a", "à/"}, {"b", GeoPoint{1, 2, std::nullopt}}});
  CHECK_THROWS(fieldsFromJsonText(R"({"a":01})"));
  CHECK_THROWS(fieldsFromJsonText("{\"a\":\"\xff\"}"));
}

TEST_CASE("values: any text written as a JSON string reads back the same", "[value]") {
  std::mt19937_64 rng(1909);
  const std::string pieces[] = {"a", "Đ", "ư", "\"", "\\", "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "/", " ", "€"};
  for (int i = 0; i < 500; ++i) {
    std::string text;
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) text += pieces[rng() % std::size(pieces)];
    std::string json;
    appendJsonString(json, text);
    REQUIRE(nlohmann::json::parse(json).get<std::string>() == text);
  }
}

TEST_CASE("values: hostile JSON is refused with a reason, never accepted", "[value]") {
  auto text = GENERATE(as<std::string>{}, R"({"datetime": 5})", R"({"datetime": "nope"})", R"({"choices": [1]})",
                       R"({"lat": "x", "lon": 1})", R"({"lat": 1, "lon": 2, "evil": 3})", R"({"a": 1})", "[1,2]",
                       R"({"sha256": "ab", "size": -1, "type": "image/png"})", "18446744073709551615");
  CHECK_THROWS_AS(valueFromJson(nlohmann::json::parse(text)), std::invalid_argument);
}

TEST_CASE("hybrid clock: a stamp's text is fixed-width and reads back", "[clock]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const HybridTimestamp stamp{static_cast<std::int64_t>(rng() % 9'999'999'999'999'999ull), static_cast<std::uint32_t>(rng() % 100'000'000)};
    char expected[32];
    std::snprintf(expected, sizeof expected, "%016lld-%08u", static_cast<long long>(stamp.wall_ms), stamp.counter);
    REQUIRE(stamp.toString() == expected);
    REQUIRE(HybridTimestamp::parse(stamp.toString()) == stamp);
  }
}

TEST_CASE("hybrid clock: stamps only grow, even when the wall clock goes back", "[clock]") {
  HybridClock clock;
  const auto a = clock.tick(1'000);
  const auto b = clock.tick(1'000);
  const auto c = clock.tick(500);  // the laptop's clock was set back
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c.wall_ms == 1'000);

  SECTION("a stamp from a laptop years ahead moves the clock past it") {
    const HybridTimestamp remote{1'000 + 3LL * 365 * 86'400'000, 7};
    const auto seen = clock.observe(remote, 2'000);
    CHECK(seen > remote);
    CHECK(clock.tick(2'000) > seen);
  }
  SECTION("the text form sorts like the stamps") {
    CHECK(a.toString() < b.toString());
    CHECK(b.toString() < c.toString());
    CHECK(HybridTimestamp::parse(c.toString()) == c);
    CHECK_FALSE(HybridTimestamp::parse("12-3"));
  }
  SECTION("a wall clock before 1970 counts as 1970") {
    HybridClock fresh;
    CHECK(fresh.tick(-5'000).wall_ms == 0);
  }
}

TEST_CASE("hybrid clock: a full counter moves on to the next millisecond, and no stamp outgrows its text", "[clock]") {
  constexpr auto kMaxCounter = HybridTimestamp::kMaxCounter;
  constexpr auto kMaxWall = HybridTimestamp::kMaxWallMs;
  SECTION("ticking") {
    HybridClock clock(HybridTimestamp{5'000, kMaxCounter - 1});
    CHECK(clock.tick(1'000) == HybridTimestamp{5'000, kMaxCounter});
    CHECK(clock.tick(1'000) == HybridTimestamp{5'001, 0});
    CHECK(clock.tick(1'000) == HybridTimestamp{5'001, 1});
  }
  SECTION("observing a stamp with a full counter, ahead of the clock and level with it") {
    HybridClock ahead;
    CHECK(ahead.observe({5'000, kMaxCounter}, 1'000) == HybridTimestamp{5'001, 0});
    HybridClock level(HybridTimestamp{5'000, 3});
    CHECK(level.observe({5'000, kMaxCounter}, 5'000) == HybridTimestamp{5'001, 0});
  }
  SECTION("a forged stamp beyond what a clock makes is read as the largest one") {
    HybridClock clock;
    const auto seen = clock.observe({std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint32_t>::max()}, 1'000);
    CHECK(seen.valid());
    CHECK(HybridTimestamp::parse(seen.toString()) == seen);
    CHECK(clock.tick(std::numeric_limits<std::int64_t>::max()).valid());
    CHECK(HybridClock(HybridTimestamp{kMaxWall, kMaxCounter}).tick(kMaxWall).valid());
  }
  SECTION("validity") {
    CHECK(HybridTimestamp{kMaxWall, kMaxCounter}.valid());
    CHECK_FALSE(HybridTimestamp{kMaxWall + 1, 0}.valid());
    CHECK_FALSE(HybridTimestamp{0, kMaxCounter + 1}.valid());
    CHECK_FALSE(HybridTimestamp{-1, 0}.valid());
  }
}

TEST_CASE("hybrid clock: a stamp orders a revision no later than when the server received it", "[clock]") {
  const HybridTimestamp honest{1'000, 4};
  CHECK(orderingStamp(honest, 2'000) == honest);
  CHECK(orderingStamp(honest, 1'000) == honest);
  const HybridTimestamp centuries_ahead{16'725'225'600'000, 0};  // the year 2500
  CHECK(orderingStamp(centuries_ahead, 2'000) == HybridTimestamp{2'000, 0});
}

TEST_CASE("images: a file is a whole JPEG or PNG by its structure, not by its first bytes", "[image]") {
  const auto jpeg = test::sampleJpeg(2'000, 3), png = test::samplePng(2'000, 3);
  CHECK(isWholeImage(jpeg, "image/jpeg"));
  CHECK(isWholeImage(png, "image/png"));
  CHECK_FALSE(isWholeImage(jpeg, "image/png"));
  CHECK_FALSE(isWholeImage(png, "image/jpeg"));
  CHECK_FALSE(isWholeImage(jpeg, "image/gif"));
  CHECK(isWholeImage(jpeg + "trailer a camera added", "image/jpeg"));

  // A JPEG: its segments, where each is read (the sample's frame segment starts at byte 20, its
  // scan at 39).
  const std::string app0 = jpeg.substr(0, 20), frame = jpeg.substr(20, 19), scan_and_rest = jpeg.substr(39);
  CHECK(isWholeImage(app0 + frame + scan_and_rest, "image/jpeg"));
  CHECK_FALSE(isWholeImage(app0 + scan_and_rest, "image/jpeg"));                         // a scan before any frame
  CHECK_FALSE(isWholeImage(jpeg.substr(0, jpeg.size() - 2), "image/jpeg"));            // no end of image
  CHECK_FALSE(isWholeImage(jpeg.substr(0, 30), "image/jpeg"));                         // cut inside the frame
  CHECK_FALSE(isWholeImage(std::string("\xFF\xD8\xFF\xE0", 4) + "<html></html>", "image/jpeg"));  // a length past the end
  CHECK_FALSE(isWholeImage(std::string("\xFF\xD8\xFF\x3C\x00\x04" "ab", 8) + frame + scan_and_rest, "image/jpeg"));  // no such marker
  CHECK_FALSE(isWholeImage(std::string("\xFF\xD8", 2), "image/jpeg"));
  CHECK_FALSE(isWholeImage("", "image/jpeg"));

  // A PNG: its header chunk first, an end chunk last, every length within the file.
  auto with = [&](std::size_t at, std::string_view bytes) {
    auto changed = png;
    changed.replace(at, bytes.size(), bytes);
    return changed;
  };
  CHECK_FALSE(isWholeImage(png.substr(0, png.size() - 12), "image/png"));               // no end chunk
  CHECK_FALSE(isWholeImage(with(12, "IDAT"), "image/png"));                              // no header chunk first
  CHECK_FALSE(isWholeImage(with(33, std::string("\x7F\xFF\xFF\xFF", 4)), "image/png"));  // a data chunk past the end
  CHECK_FALSE(isWholeImage(with(37, "ID<T"), "image/png"));                              // a chunk type that is not letters
  CHECK_FALSE(isWholeImage(std::string("\x89PNG\r\n\x1a\n", 8) + "<html><body>hello</body></html>", "image/png"));
}

TEST_CASE("revisions: ids are content hashes with a generation", "[document]") {
  std::mt19937_64 rng(7);
  const Document first = sampleDocument(rng);
  CHECK(revisionGeneration(first.revision) == 1);
  CHECK(computeRevision(first) == first.revision);

  Fields changed = first.fields;
  changed["field_0"] = Value{std::int64_t{42}};
  const Document second = nextRevision(first, changed, "Lê Thị Giám", "device-2", HybridTimestamp{1'551'690'000'001, 0});
  CHECK(revisionGeneration(second.revision) == 2);
  CHECK(second.parents == std::vector<std::string>{first.revision});
  CHECK(second.revision != first.revision);

  SECTION("the same change from another device is another revision") {
    const Document other = nextRevision(first, changed, "Lê Thị Giám", "device-3", second.stamp);
    CHECK(other.revision != second.revision);
  }
}

TEST_CASE("wire: every wire type round-trips through portable binary and JSON archives", "[wire]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const Document doc = sampleDocument(rng);
  CHECK(roundTrip<cereal::PortableBinaryOutputArchive, cereal::PortableBinaryInputArchive>(doc) == doc);
  CHECK(roundTrip<cereal::JSONOutputArchive, cereal::JSONInputArchive>(doc) == doc);
  const HybridTimestamp stamp{123456789, 42};
  CHECK(roundTrip<cereal::PortableBinaryOutputArchive, cereal::PortableBinaryInputArchive>(stamp) == stamp);
}

TEST_CASE("wire: a truncated binary document fails to load instead of loading garbage", "[wire]") {
  std::mt19937_64 rng(11);
  const Document doc = sampleDocument(rng);
  std::stringstream buffer;
  {
    cereal::PortableBinaryOutputArchive out(buffer);
    out(doc);
  }
  const std::string bytes = buffer.str();
  std::stringstream truncated(bytes.substr(0, bytes.size() / 2));
  cereal::PortableBinaryInputArchive in(truncated);
  Document back;
  CHECK_THROWS(in(back));
}

TEST_CASE("text: accents are optional in search and NFD equals NFC", "[text]") {
  CHECK(searchMatches("Karaoke Hoàng Gia", "hoang gia"));
  CHECK(searchMatches("Karaoke Hoàng Gia", "HOÀNG"));
  CHECK(searchMatches("Nhà nghỉ Đức Tài", "duc tai"));
  CHECK(searchMatches("Thị trấn Đông Khê", "dong khe"));
  CHECK_FALSE(searchMatches("Karaoke Hoàng Gia", "an"));
  CHECK_FALSE(searchMatches("Karaoke Hoàng Gia", "hoang gia xanh"));

  const std::string nfc = "Ho\xC3\xA0ng";       // "Hoàng" with à precomposed (U+00E0)
  const std::string nfd = "Hoa\xCC\x80ng";      // "Hoàng" as a + combining grave (U+0300)
  CHECK(nfc != nfd);
  CHECK(toNfc(nfd) == nfc);
  CHECK(foldForSearch(nfd) == foldForSearch(nfc));
  CHECK(searchMatches("Karaoke " + nfd + " Gia", "hoang gia"));
  CHECK(searchMatches("Karaoke Hoàng Gia", nfd));
}

TEST_CASE("text: malformed UTF-8 and control characters are not clean", "[text]") {
  CHECK(isCleanUtf8("Cao Bằng\tline\n"));
  CHECK_FALSE(isCleanUtf8("\xC3"));
  CHECK_FALSE(isCleanUtf8("\xFF\xFE"));
  CHECK_FALSE(isCleanUtf8(std::string("a\0b", 3)));
  CHECK_FALSE(isCleanUtf8("bell\x07"));
  // Long plain runs are checked eight bytes at a time: a fault at any place of a run is found.
  const std::string plain = "{\"notes\":\"Co so da duoc nhac nho niem yet tai lieu\"}";
  for (std::size_t at = 0; at < plain.size(); ++at)
    for (const std::string& bad : {std::string(1, '\0'), std::string("\x1f"), std::string("\x7f"), std::string("\xC3"), std::string("\x80")}) {
      auto text = plain;
      text.insert(at, bad);
      INFO(at);
      CHECK_FALSE(isCleanUtf8(text));
    }
  CHECK(isCleanUtf8(plain + "Đàm Thủy " + plain + "\t\n" + plain));
}

TEST_CASE("compression: bodies round-trip, and damaged or exploding ones are refused", "[compression]") {
  const std::string json = R"({"push":[],"cursor":0,"page_limit":500,"note":")" + std::string(5000, 'a') + "\"}";
  const auto packed = compress(json);
  CHECK(packed.size() < json.size() / 4);
  CHECK(decompress(packed, 1 << 20).value() == json);

  SECTION("a stream that expands past the limit stops at the limit") {
    const auto bomb = compress(std::string(64 * 1024 * 1024, '\0'));
    auto r = decompress(bomb, 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.problem().message.en, Catch::Contains("beyond the limit"));
  }
  SECTION("truncated and garbage streams are refused") {
    CHECK_FALSE(decompress(packed.substr(0, packed.size() / 2), 1 << 20).ok());
    CHECK_FALSE(decompress("not zstd at all", 1 << 20).ok());
  }
}

TEST_CASE("periods: a year, a quarter or a month, from its first day to its last", "[review]") {
  using Days = std::optional<std::pair<std::string, std::string>>;
  CHECK(periodDays("2019") == Days({"2019-01-01", "2019-12-31"}));
  CHECK(periodDays("2019-Q1") == Days({"2019-01-01", "2019-03-31"}));
  CHECK(periodDays("2019-Q2") == Days({"2019-04-01", "2019-06-30"}));
  CHECK(periodDays("2019-Q4") == Days({"2019-10-01", "2019-12-31"}));
  CHECK(periodDays("2019-02") == Days({"2019-02-01", "2019-02-28"}));
  CHECK(periodDays("2020-02") == Days({"2020-02-01", "2020-02-29"}));
  CHECK(periodDays("2100-02") == Days({"2100-02-01", "2100-02-28"}));
  CHECK(periodDays("2019-11") == Days({"2019-11-01", "2019-11-30"}));
  for (const char* bad : {"", "19", "2019x", "2019-Q0", "2019-Q5", "2019-13", "2019-00", "2019-1", "2019-Q12", "abcd", "2019-07-01"})
    CHECK_FALSE(periodDays(bad));
}

TEST_CASE("main guard: an exception no command foresaw ends in a message in both languages and exit code 1", "[core]") {
  std::ostringstream err;
  CHECK(runGuarded(err, [] { return 0; }) == 0);
  CHECK(runGuarded(err, [] { return 2; }) == 2);
  CHECK(err.str().empty());
  // What reached std::terminate before: a file system failure no command caught.
  const auto code = runGuarded(err, []() -> int {
    throw std::filesystem::filesystem_error("cannot create", std::filesystem::path("/nowhere/home"),
                                            std::make_error_code(std::errc::read_only_file_system));
  });
  CHECK(code == 1);
  CHECK_THAT(err.str(), Catch::Contains("Lỗi không lường trước") && Catch::Contains("Unexpected error") &&
                            Catch::Contains("/nowhere/home") && Catch::Contains("What was saved is kept"));
}
