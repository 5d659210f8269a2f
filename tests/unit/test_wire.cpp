// The sync messages' binary form: exact round trips, and hostile bytes refused before they cost
// memory.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"

using namespace fieldcheck;
using namespace fieldcheck::protocol;

namespace {

Document inspection(int n) {
  Fields f{{"_status", "finalized"},
           {"visit_time", DateTime{1'556'868'600'000 + n * 1'000LL, 420}},
           {"team_members", "Nông Văn An, Lê Thị Bình"},
           {"business_registration", true},
           {"workers_total", 4 + n},
           {"fine_amount", 2'500'000},
           {"score", 7.25},
           {"nothing", Value{}},
           {"violations", Choices{"no_worker_register", "minors"}},
           {"location", GeoPoint{22.6657, 106.2570, 8.0}},
           {"licence_photo", AttachmentRef{std::string(64, 'c'), 2'048'000, "image/jpeg"}}};
  return firstRevision(newDocumentId(), "inspection", std::move(f), "lan", newDocumentId(), HybridTimestamp{1'556'870'400'000, 3});
}

SyncRequest sampleRequest(int entries) {
  SyncRequest r;
  for (int i = 0; i < entries; ++i) r.push.push_back({i + 1, i % 2 ? "1-abc" : "", inspection(i)});
  r.cursor = 41;
  r.page_limit = 250;
  return r;
}

void putU64(std::string& bytes, std::size_t offset, std::uint64_t value) { std::memcpy(bytes.data() + offset, &value, 8); }

}  // namespace

TEST_CASE("wire: sync messages round-trip exactly through the binary form", "[wire]") {
  const auto request = sampleRequest(3);
  auto back = syncRequestFromBinary(toBinary(request));
  REQUIRE(back.ok());
  CHECK(back.value().push.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(back.value().push[i].seq == request.push[i].seq);
    CHECK(back.value().push[i].base_revision == request.push[i].base_revision);
    CHECK(back.value().push[i].doc == request.push[i].doc);
    CHECK(computeRevision(back.value().push[i].doc) == request.push[i].doc.revision);
  }
  CHECK(back.value().cursor == 41);
  CHECK(back.value().page_limit == 250);

  SyncResponse response;
  response.acked_through = 9;
  response.refused.push_back({4, newDocumentId(), "scope", {"Ngoài huyện của bạn.", "Outside your district."}});
  const auto pulled = inspection(5);
  response.changes.push_back(PulledChange::of(77, pulled));
  response.cursor = 77;
  response.last_page = false;
  response.server_wall_ms = 1'764'000'000'000;
  auto again = syncResponseFromBinary(toBinary(response));
  REQUIRE(again.ok());
  CHECK(again.value().acked_through == 9);
  CHECK(again.value().refused.at(0).reason == response.refused[0].reason);
  // Pulled fields are the stored canonical text (dates to the second), the text the revision hashes.
  const auto whole = again.value().changes.at(0).document();
  CHECK(canonicalFieldsJson(whole.fields) == canonicalFieldsJson(pulled.fields));
  CHECK(computeRevision(whole) == pulled.revision);
  CHECK(whole.author == pulled.author);

  SECTION("a pulled change whose fields do not match its revision id is refused") {
    auto damaged = response;
    damaged.changes[0].fields_json.replace(damaged.changes[0].fields_json.find("Nông"), 4, "Nong");
    auto read = syncResponseFromBinary(toBinary(damaged));
    REQUIRE_FALSE(read.ok());
    CHECK_THAT(read.problem().message.en, Catch::Contains("revision"));
  }
  CHECK(again.value().cursor == 77);
  CHECK_FALSE(again.value().last_page);
  CHECK(again.value().server_wall_ms == response.server_wall_ms);
}

TEST_CASE("wire: a body cut at any byte is refused, never half-read", "[wire]") {
  const auto bytes = toBinary(sampleRequest(2));
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto read = syncRequestFromBinary(std::string_view(bytes).substr(0, cut));
    INFO("cut at " << cut << " of " << bytes.size());
    CHECK_FALSE(read.ok());
  }
  auto stray = syncRequestFromBinary(bytes + "x");
  REQUIRE_FALSE(stray.ok());
  CHECK_THAT(stray.problem().message.en, Catch::Contains("stray"));
}

TEST_CASE("wire: sizes and counts beyond the body or the limits are refused before allocating", "[wire]") {
  // Layout: endianness byte, SyncRequest's class version (4 bytes), the push count (8 bytes),
  // PushEntry's class version (4), its seq (8), then its base_revision's size (8).
  auto bytes = toBinary(sampleRequest(1));
  constexpr std::size_t kPushCount = 5, kBaseRevisionSize = 25;
  std::uint64_t count = 0;
  std::memcpy(&count, bytes.data() + kPushCount, 8);
  REQUIRE(count == 1);

  SECTION("a list of a trillion entries") {
    putU64(bytes, kPushCount, 1ull << 40);
    auto read = syncRequestFromBinary(bytes);
    REQUIRE_FALSE(read.ok());
    CHECK_THAT(read.problem().message.en, Catch::Contains("entries"));
  }
  SECTION("a list of one more entry than a batch may hold") {
    putU64(bytes, kPushCount, kMaxBatchEntries + 1);
    CHECK_FALSE(syncRequestFromBinary(bytes).ok());
  }
  SECTION("a string of an exabyte") {
    putU64(bytes, kBaseRevisionSize, 1ull << 60);
    auto read = syncRequestFromBinary(bytes);
    REQUIRE_FALSE(read.ok());
    CHECK_THAT(read.problem().message.en, Catch::Contains("more than the body holds"));
  }
  SECTION("a body of the wrong byte order") {
    bytes[0] = 0;
    CHECK_FALSE(syncRequestFromBinary(bytes).ok());
  }
}

TEST_CASE("wire: values JSON cannot carry are refused in binary too", "[wire]") {
  auto request = sampleRequest(1);
  auto& fields = request.push[0].doc.fields;
  SECTION("not a number") { fields["score"] = std::numeric_limits<double>::quiet_NaN(); }
  SECTION("an infinite GPS position") { fields["location"] = GeoPoint{INFINITY, 106.0, std::nullopt}; }
  SECTION("text that is not UTF-8") { fields["team_members"] = std::string("Nông \xff\xfe"); }
  SECTION("a choice code that is not UTF-8") { fields["violations"] = Choices{"ok", "\xc3"}; }
  SECTION("a date past year 9999") { fields["visit_time"] = DateTime{std::numeric_limits<std::int64_t>::max(), 0}; }
  // Its JSON form and the stored record hold whole seconds (found by the sync_body fuzzer: such a
  // time changed on its JSON round trip).
  SECTION("a date with milliseconds") { fields["visit_time"] = DateTime{1'556'868'600'123, 420}; }
  SECTION("a document id that is not one") { request.push[0].doc.id = "../../etc/passwd"; }
  SECTION("a page limit of zero") { request.page_limit = 0; }
  // A clock stamp no clock makes has no text form (found by the sync_body fuzzer: a negative wall
  // time read from binary could not be written to JSON and read back).
  SECTION("a stamp before 1970") { request.push[0].doc.stamp = HybridTimestamp{-1, 0}; }
  SECTION("a stamp counter past its eight digits") { request.push[0].doc.stamp.counter = HybridTimestamp::kMaxCounter + 1; }
  auto read = syncRequestFromBinary(toBinary(request));
  CHECK_FALSE(read.ok());
}

TEST_CASE("wire: random damage to a body is refused or read whole, never crashes", "[wire]") {
  const auto bytes = toBinary(sampleRequest(2));
  std::mt19937_64 rng(20191);
  std::size_t refused = 0;
  for (int round = 0; round < 3000; ++round) {
    auto damaged = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto read = syncRequestFromBinary(damaged);
    if (!read.ok()) ++refused;
    else CHECK(read.value().push.size() <= kMaxBatchEntries);
  }
  CHECK(refused > 0);
}

TEST_CASE("wire: a yes/no byte other than 0 or 1 is refused, not read as yes", "[wire]") {
  auto request = sampleRequest(1);
  request.push[0].doc.deleted = false;
  const auto kept = toBinary(request);
  request.push[0].doc.deleted = true;
  const auto deleted = toBinary(request);
  REQUIRE(kept.size() == deleted.size());
  std::vector<std::size_t> differ;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (kept[i] != deleted[i]) differ.push_back(i);
  REQUIRE(differ.size() == 1);  // the deleted flag's byte
  auto forged = kept;
  forged[differ[0]] = 'K';
  auto read = syncRequestFromBinary(forged);
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.problem().message.en, Catch::Contains("neither 0 nor 1"));
  CHECK(syncRequestFromBinary(deleted).value().push[0].doc.deleted);
}

TEST_CASE("wire: a refusal names where in the message the fault is", "[wire]") {
  auto request = sampleRequest(3);
  request.push[2].doc.fields["score"] = std::numeric_limits<double>::infinity();
  auto read = syncRequestFromBinary(toBinary(request));
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.problem().message.en, Catch::Contains("request.push[2].doc.fields.score is not a finite number"));
}
