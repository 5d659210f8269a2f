// Record numbers (record_number.h): their text form, the laptop's marker, districts'
// abbreviations, the server's laptop numbers and its push rule for numbers.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "fieldcheck/conflict_record.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;

TEST_CASE("numbers: a record number reads back as written, in either case, and nothing else reads as one", "[numbers]") {
  const auto n = parseRecordNumber("HA-2-0007");
  REQUIRE(n);
  CHECK(n->district == "HA");
  CHECK(n->laptop == "2");
  CHECK(n->counter == 7);
  CHECK(n->text() == "HA-2-0007");
  CHECK(parseRecordNumber("ha-t3-0012")->text() == "HA-T3-0012");
  CHECK(parseRecordNumber("BLC-MK7Q2XA-0001")->laptop == "MK7Q2XA");
  CHECK(parseRecordNumber("HA-2-12345")->text() == "HA-2-12345");
  CHECK(RecordNumber{"TP", "1", 42}.text() == "TP-1-0042");
  for (const char* bad : {"", "HA", "HA-2", "HA-2-007", "HA-2-0000", "HA-02-0007", "HA-T0-0001", "HAXYZ-2-0001",
                          "H4-2-0001", "HA-2-00a7", "HA--0007", "HA-X1-0001", "HA-MIL0000-0001", "HA-2-0007-1",
                          "CS-43", "01a229c36a8d", "HA-2-1234567"})
    CHECK_FALSE(parseRecordNumber(bad));
}

TEST_CASE("numbers: a laptop's marker comes from the random part of its device id", "[numbers]") {
  // Two ids made in the same millisecond differ in their random part: their markers differ.
  const std::string a = "0191a2b3c4d5" "1234abcd" "00000000000e";
  const std::string b = "0191a2b3c4d5" "9876fedc" "00000000000e";
  CHECK(std::regex_match(laptopMarker(a), std::regex("M[0-9A-HJKMNP-TV-Z]{6}")));
  CHECK(laptopMarker(a) != laptopMarker(b));
  // The time it was made plays no part; the same random part gives the same marker.
  CHECK(laptopMarker("0000000000ff" "1234abcd" "ffffffffffff") == laptopMarker(a));
  CHECK(isLaptopTag(laptopMarker(newDocumentId())));
  CHECK(laptopMarker("not an id") == "");
}

TEST_CASE("numbers: a district's abbreviation is its seed's, or the initials of its code", "[numbers]") {
  CHECK(districtAbbreviation("hoa-an", "") == "HA");
  CHECK(districtAbbreviation("thanh-pho-cao-bang", "") == "TPCB");
  CHECK(districtAbbreviation("bao-lac", "BLC") == "BLC");
  CHECK(districtAbbreviation("bao-lac", "blc") == "BL");  // not an abbreviation: the initials
  // The sample province gives each of its 13 districts its own.
  const auto seed = loadSeed(test::sampleSeed());
  REQUIRE(seed.ok());
  std::set<std::string> seen;
  for (const auto& d : seed.value().documents)
    if (d.kind == "district") {
      CHECK(isDistrictAbbreviation(textField(d, "abbreviation")));
      seen.insert(textField(d, "abbreviation"));
    }
  CHECK(seen.size() == 13);
  CHECK(seen.count("HA"));
  CHECK(seen.count("BLC"));
  CHECK(seen.count("BLM"));

  SECTION("a seed where two districts would share one is refused, naming both") {
    test::TempDir dir;
    std::filesystem::copy(test::sampleSeed(), dir.path(), std::filesystem::copy_options::recursive);
    auto province = readWholeFile(dir / "province.json");
    const auto at = province.find("\"abbreviation\": \"BLM\"");
    REQUIRE(at != std::string::npos);
    province.replace(at, std::string("\"abbreviation\": \"BLM\"").size(), "\"abbreviation\": \"BLC\"");
    std::ofstream(dir / "province.json", std::ios::binary | std::ios::trunc) << province;
    const auto refused = loadSeed(dir.path());
    REQUIRE_FALSE(refused.ok());
    std::string details;
    for (const auto& d : refused.problem().details) details += d.en + "\n";
    INFO(details);
    CHECK(details.find("'bao-lam' and 'bao-lac' have the same abbreviation BLC") != std::string::npos);
  }
}

namespace {

const std::string kLan = "0000000000001111aaaa00000000d001";
const std::string kHoa = "0000000000002222bbbb00000000d002";

struct Numbers {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  Seed seed = loadSeed(test::sampleSeed()).value();

  Numbers() {
    storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(seed).ok());
    for (const auto& [name, device] : {std::pair{"lan", kLan}, std::pair{"hoa", kHoa}}) {
      REQUIRE(storage->addUser({name, Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
      REQUIRE(storage->enrolDevice(name, device, "laptop", newToken().hash).ok());
    }
  }

  // Who holds the token of `device` (its laptop numbers included), after it logs in.
  Identity loggedIn(const std::string& user, const std::string& device) {
    const auto token = newToken();
    REQUIRE(storage->enrolDevice(user, device, "laptop", token.hash).ok());
    storage->laptopNumber(device, "bao-lac");
    return *storage->identityForToken(token.hash);
  }

  Document inspection(const std::string& author, const std::string& device, const std::string& number) const {
    const Document* est = nullptr;
    for (const auto& d : seed.documents)
      if (d.kind == "establishment" && textField(d, "district") == "bao-lac") est = &d;
    Fields fields{{"_establishment", est->id},
                  {"_template", seedDocumentId("template", "establishment-inspection")},
                  {"_district", "bao-lac"},
                  {"_status", "draft"}};
    if (!number.empty()) fields["_number"] = number;
    return firstRevision(newDocumentId(), "inspection", fields, author, device, HybridTimestamp{1, 0});
  }
};

}  // namespace

TEST_CASE("numbers: the server gives each laptop its own number in its scope, and the same one again", "[numbers]") {
  Numbers n;
  CHECK(n.storage->laptopNumber(kLan, "bao-lac") == "1");
  CHECK(n.storage->laptopNumber(kHoa, "bao-lac") == "2");
  CHECK(n.storage->laptopNumber(kLan, "bao-lac") == "1");
  CHECK(n.storage->laptopNumber(kLan, "ha-quang") == "1");  // another district counts its own
  CHECK(n.storage->laptopNumber(kHoa, "") == "T1");         // province-wide
  CHECK(n.storage->laptopNumber(kLan, "") == "T2");
  const auto token = newToken();
  REQUIRE(n.storage->enrolDevice("hoa", kHoa, "laptop", token.hash).ok());
  const auto who = n.storage->identityForToken(token.hash);
  REQUIRE(who);
  CHECK(who->laptop_numbers == std::vector<std::pair<std::string, std::string>>{{"", "T1"}, {"bao-lac", "2"}});
}

TEST_CASE("numbers: the server takes a new record's number only from the laptop that owns it, and never a change of it", "[numbers][push]") {
  Numbers n;
  const auto lan = n.loggedIn("lan", kLan);  // laptop 1 of Bảo Lạc
  const auto hoa = n.loggedIn("hoa", kHoa);  // laptop 2
  std::map<std::string, std::int64_t> sequence;  // each device's outbox sequence
  auto pushOne = [&](const Identity& who, const Document& doc, const std::string& base = "") {
    return pushBatch(who, {{++sequence[who.device], base, doc}}, *n.storage);
  };
  auto refusedCode = [](const PushOutcome& o) { return o.refused.empty() ? std::string() : o.refused.front().code; };

  SECTION("its own number, its marker and no number at all are taken") {
    CHECK(refusedCode(pushOne(lan, n.inspection("lan", kLan, "BLC-1-0001"))).empty());
    CHECK(refusedCode(pushOne(lan, n.inspection("lan", kLan, "BLC-" + laptopMarker(kLan) + "-0001"))).empty());
    CHECK(refusedCode(pushOne(lan, n.inspection("lan", kLan, ""))).empty());
  }
  SECTION("another laptop's number, marker or series, another district's letters and a malformed number are refused") {
    for (const auto& number : {std::string("BLC-2-0001"), std::string("BLC-") + laptopMarker(kHoa) + "-0001", std::string("BLC-T1-0001"),
                               std::string("HA-1-0001"), std::string("blc-1-0001"), std::string("BLC-1-1"), std::string("CS-05")}) {
      INFO(number);
      const auto outcome = pushOne(lan, n.inspection("lan", kLan, number));
      CHECK(refusedCode(outcome) == "number");
    }
  }
  SECTION("a later revision keeps the number, whoever writes it") {
    const auto first = n.inspection("lan", kLan, "BLC-1-0001");
    REQUIRE(refusedCode(pushOne(lan, first)).empty());
    auto renumbered = nextRevision(first, first.fields, "lan", kLan, HybridTimestamp{2, 0});
    renumbered.fields["_number"] = "BLC-1-0002";
    renumbered.revision = computeRevision(renumbered);
    CHECK(refusedCode(pushOne(lan, renumbered, first.revision)) == "number");
    auto dropped = nextRevision(first, first.fields, "lan", kLan, HybridTimestamp{2, 0});
    dropped.fields.erase("_number");
    dropped.revision = computeRevision(dropped);
    CHECK(refusedCode(pushOne(lan, dropped, first.revision)) == "number");
    auto edited = nextRevision(first, first.fields, "hoa", kHoa, HybridTimestamp{3, 0});
    edited.fields["workers_total"] = 5;
    edited.revision = computeRevision(edited);
    CHECK(refusedCode(pushOne(hoa, edited, first.revision)).empty());
  }
}

TEST_CASE("numbers: a conflict on an inspection or a periodic report names it by its number and what it is of", "[numbers][conflicts]") {
  const auto seed = loadSeed(test::sampleSeed()).value();
  std::map<std::string, Document> docs;
  std::vector<Document> templates;
  const Document* establishment = nullptr;
  for (const auto& d : seed.documents) {
    docs[d.id] = d;
    if (d.kind == "template") templates.push_back(d);
    if (d.kind == "establishment" && textField(d, "code") == "CS-15") establishment = &docs[d.id];
  }
  REQUIRE(establishment);
  auto lookup = [&](const std::string& id) -> std::optional<Document> {
    const auto it = docs.find(id);
    return it == docs.end() ? std::nullopt : std::optional<Document>(it->second);
  };
  const auto inspection = firstRevision(newDocumentId(), "inspection",
                                        {{"_establishment", establishment->id},
                                         {"_template", seedDocumentId("template", "establishment-inspection")},
                                         {"_district", "bao-lac"}, {"_status", "draft"}, {"_number", "BLC-2-0007"},
                                         {"workers_total", 4}},
                                        "lan", kLan, HybridTimestamp{1, 0});
  const auto report = firstRevision(newDocumentId(), "report",
                                    {{"_template", seedDocumentId("template", "district-report")},
                                     {"_district", "bao-lac"}, {"_period", "2019-Q3"}, {"_status", "draft"},
                                     {"_number", "BLC-2-0008"}},
                                    "lan", kLan, HybridTimestamp{1, 0});
  docs[inspection.id] = inspection;
  docs[report.id] = report;
  ConflictRecord on_inspection;
  on_inspection.doc_id = inspection.id;
  on_inspection.conflicts.push_back(FieldConflict{"workers_total", Value{4}, {}, {}});
  const auto names = conflictNames(on_inspection, lookup, templates);
  CHECK(names.record == "BLC-2-0007 phiếu kiểm tra / inspection of CS-15 " + textField(*establishment, "name"));
  REQUIRE(names.fields.count("workers_total"));
  CHECK(names.fields.at("workers_total").en == "Number of workers");
  ConflictRecord on_report;
  on_report.doc_id = report.id;
  CHECK(conflictNames(on_report, lookup, templates).record == "BLC-2-0008 báo cáo / report of Bảo Lạc 2019-Q3");
}
