// Three-way merge of concurrent revisions: what merges silently, what is a conflict, who wins
// provisionally, and that the answer never depends on the order of the two sides.
#include <catch2/catch.hpp>

#include <random>

#include "fieldcheck/merge.h"

using namespace fieldcheck;

namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

Document base(Fields fields) {
  return firstRevision(kId, "establishment", std::move(fields), "seed", "seed", HybridTimestamp{1'000, 0});
}

Document edit(const Document& from, Fields fields, const std::string& author, const std::string& device, std::int64_t at) {
  return nextRevision(from, std::move(fields), author, device, HybridTimestamp{at, 0});
}

Document deletion(const Document& from, const std::string& device, std::int64_t at) {
  auto d = nextRevision(from, {}, "giam", device, HybridTimestamp{at, 0});
  d.deleted = true;
  d.revision = computeRevision(d);
  return d;
}

}  // namespace

TEST_CASE("merge: fields changed on one side only merge silently", "[merge]") {
  const auto b = base({{"name", "Karaoke Hoàng Gia"}, {"phone", "0206 385 1234"}, {"rooms", 8}});
  const auto a = edit(b, {{"name", "Karaoke Hoàng Gia"}, {"phone", "0206 385 9999"}, {"rooms", 8}}, "lan", "dev-a", 2'000);
  const auto c = edit(b, {{"name", "Karaoke Hoàng Gia"}, {"phone", "0206 385 1234"}, {"rooms", 10}, {"owner", "Bế Văn Đức"}},
                      "minh", "dev-b", 3'000);
  const auto merged = mergeRevisions(b, a, c);
  CHECK(merged.conflicts.empty());
  CHECK_FALSE(merged.deleted);
  CHECK(merged.fields == Fields{{"name", "Karaoke Hoàng Gia"}, {"phone", "0206 385 9999"}, {"rooms", 10}, {"owner", "Bế Văn Đức"}});

  SECTION("the same new value on both sides is no conflict") {
    const auto d = edit(b, {{"name", "Karaoke Hoàng Gia"}, {"phone", "0206 385 9999"}, {"rooms", 8}}, "minh", "dev-b", 3'000);
    CHECK(mergeRevisions(b, a, d).conflicts.empty());
  }
  SECTION("a field removed on one side and untouched on the other is removed") {
    const auto d = edit(b, {{"name", "Karaoke Hoàng Gia"}, {"rooms", 8}}, "minh", "dev-b", 3'000);
    const auto m = mergeRevisions(b, c, d);
    CHECK(m.conflicts.empty());
    CHECK(m.fields.count("phone") == 0);
    CHECK(m.fields.at("rooms") == Value{10});
  }
  SECTION("a field removed on one side and changed on the other is a conflict") {
    const auto d = edit(b, {{"name", "Karaoke Hoàng Gia"}, {"rooms", 8}}, "minh", "dev-b", 3'000);
    const auto m = mergeRevisions(b, a, d);
    REQUIRE(m.conflicts.size() == 1);
    CHECK(m.conflicts[0].field == "phone");
    CHECK_FALSE(m.conflicts[0].winner.value.has_value());  // the later side removed it
    CHECK(m.conflicts[0].other.value == Value{"0206 385 9999"});
  }
}

TEST_CASE("merge: the same field changed to different values is one conflict, both values kept", "[merge]") {
  const auto b = base({{"rooms", 8}, {"phone", "1"}});
  const auto early = edit(b, {{"rooms", 9}, {"phone", "1"}}, "lan", "dev-a", 2'000);
  const auto late = edit(b, {{"rooms", 12}, {"phone", "1"}}, "minh", "dev-b", 5'000);
  const auto merged = mergeRevisions(b, early, late);
  REQUIRE(merged.conflicts.size() == 1);
  const auto& c = merged.conflicts[0];
  CHECK(c.field == "rooms");
  CHECK(c.base == Value{8});
  CHECK(c.winner.value == Value{12});  // the later hybrid clock stamp wins provisionally
  CHECK(c.winner.author == "minh");
  CHECK(c.winner.device == "dev-b");
  CHECK(c.winner.revision == late.revision);
  CHECK(c.other.value == Value{9});
  CHECK(c.other.author == "lan");
  CHECK(c.other.stamp == early.stamp);
  CHECK(merged.fields.at("rooms") == Value{12});

  SECTION("on the same stamp the greater device id wins") {
    const auto x = edit(b, {{"rooms", 9}, {"phone", "1"}}, "lan", "dev-z", 4'000);
    const auto y = edit(b, {{"rooms", 12}, {"phone", "1"}}, "minh", "dev-b", 4'000);
    CHECK(mergeRevisions(b, x, y).fields.at("rooms") == Value{9});
    CHECK(mergeRevisions(b, y, x).fields.at("rooms") == Value{9});
  }
}

TEST_CASE("merge: an edit against a deletion is a conflict of the document", "[merge]") {
  const auto b = base({{"rooms", 8}});
  const auto edited = edit(b, {{"rooms", 9}}, "lan", "dev-a", 2'000);
  SECTION("the later deletion wins provisionally, the edit is kept") {
    const auto gone = deletion(b, "dev-b", 3'000);
    const auto m = mergeRevisions(b, edited, gone);
    CHECK(m.deleted);
    REQUIRE(m.conflicts.size() == 1);
    CHECK(m.conflicts[0].field.empty());
    CHECK(m.conflicts[0].winner.deleted);
    CHECK(m.conflicts[0].other.revision == edited.revision);
  }
  SECTION("the later edit wins provisionally and keeps its values") {
    const auto gone = deletion(b, "dev-b", 1'500);
    const auto m = mergeRevisions(b, gone, edited);
    CHECK_FALSE(m.deleted);
    REQUIRE(m.conflicts.size() == 1);
    CHECK(m.conflicts[0].other.deleted);
    CHECK(m.fields.at("rooms") == Value{9});
  }
  SECTION("a deletion against no change is just a deletion") {
    const auto untouched = edit(b, {{"rooms", 8}}, "lan", "dev-a", 9'000);
    const auto m = mergeRevisions(b, untouched, deletion(b, "dev-b", 3'000));
    CHECK(m.deleted);
    CHECK(m.conflicts.empty());
  }
  SECTION("deleted on both sides") {
    const auto m = mergeRevisions(b, deletion(b, "dev-a", 2'000), deletion(b, "dev-b", 3'000));
    CHECK(m.deleted);
    CHECK(m.conflicts.empty());
  }
}

TEST_CASE("merge: random concurrent edits merge the same whichever side comes first, losing nothing", "[merge]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5, 6, 7, 8);
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const std::string names[] = {"a", "b", "c", "d", "e", "f"};
  auto randomFields = [&](const Fields& from) {
    Fields out = from;
    for (const auto& name : names) {
      switch (rng() % 4) {
        case 0: out.erase(name); break;
        case 1: out[name] = static_cast<std::int64_t>(rng() % 3); break;
        default: break;  // unchanged
      }
    }
    return out;
  };
  for (int round = 0; round < 300; ++round) {
    const auto b = base(randomFields({}));
    const bool a_deletes = rng() % 8 == 0, c_deletes = rng() % 8 == 0;
    const auto t1 = static_cast<std::int64_t>(2'000 + rng() % 3), t2 = static_cast<std::int64_t>(2'000 + rng() % 3);
    const auto a = a_deletes ? deletion(b, "dev-a", t1) : edit(b, randomFields(b.fields), "lan", "dev-a", t1);
    const auto c = c_deletes ? deletion(b, "dev-c", t2) : edit(b, randomFields(b.fields), "minh", "dev-c", t2);
    const auto one = mergeRevisions(b, a, c), two = mergeRevisions(b, c, a);
    REQUIRE(one.fields == two.fields);
    REQUIRE(one.deleted == two.deleted);
    REQUIRE(one.conflicts.size() == two.conflicts.size());
    if (a.deleted || c.deleted) continue;
    // Nothing is lost: every field changed by a side is in the result or in a conflict record,
    // and every field changed on both sides to different values is exactly one conflict.
    for (const auto& name : names) {
      auto value = [&](const Document& d) -> std::optional<Value> {
        auto it = d.fields.find(name);
        return it == d.fields.end() ? std::nullopt : std::optional<Value>(it->second);
      };
      const auto vb = value(b), va = value(a), vc = value(c);
      auto merged_value = one.fields.count(name) ? std::optional<Value>(one.fields.at(name)) : std::nullopt;
      std::size_t conflicts = 0;
      for (const auto& x : one.conflicts) conflicts += x.field == name;
      if (va != vb && vc != vb && va != vc) {
        REQUIRE(conflicts == 1);
      } else {
        REQUIRE(conflicts == 0);
        REQUIRE(merged_value == (va != vb ? va : vc));
      }
    }
  }
}
