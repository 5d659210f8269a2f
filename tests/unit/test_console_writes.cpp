// The console's writes through its API's door (console_api.h): reviews, conflicts' resolutions,
// bundles and their receipts, people and laptops, on a real provincial database filled through
// the real push path.
#include <catch2/catch.hpp>

#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "api.h"
#include "console_api.h"
#include "console_trust.h"
#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"
#include "push_rules.h"
#include "support/console_answers.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using fieldcheck::test::consoleTestAssets;
using fieldcheck::test::headerOf;
using nlohmann::json;

namespace {

const std::string kLanDevice = "00000000000000000000000000000c01";
const std::string kGiamDevice = "00000000000000000000000000000c02";

// Cao Bằng's sample province: inspector lan and supervisor giam in Bảo Lạc, supervisor giang in
// Hà Quảng, provincial officer tinh, administrator quan; lan's and giam's laptops enrolled.
struct Province {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  Seed seed = loadSeed(test::sampleSeed()).value();
  std::string lan_token;
  Identity lan{"lan", Role::kInspector, std::string("bao-lac"), kLanDevice};
  Identity giam{"giam", Role::kSupervisor, std::string("bao-lac"), kGiamDevice};
  std::int64_t lan_seq = 0, giam_seq = 0;
  LoginBudget logins{30, std::chrono::minutes(5), 100};

  Province() {
    storage = std::move(openSqliteStorage(dir.path(), true).value());
    REQUIRE(storage->importSeed(seed).ok());
    addUser("lan", Role::kInspector, "bao-lac");
    addUser("giam", Role::kSupervisor, "bao-lac");
    addUser("giang", Role::kSupervisor, "ha-quang");
    addUser("tinh", Role::kProvincial, "");
    addUser("quan", Role::kAdmin, "");
    const auto token = newToken();
    lan_token = token.token;
    REQUIRE(storage->enrolDevice("lan", kLanDevice, "Laptop Bảo Lạc 1", token.hash).ok());
    REQUIRE(storage->enrolDevice("giam", kGiamDevice, "Laptop giám sát", newToken().hash).ok());
  }

  void addUser(const std::string& name, Role role, const std::string& district) {
    const auto where = district.empty() ? std::nullopt : std::optional<std::string>(district);
    REQUIRE(storage->addUser({name, role, where, false, ""}, hashPassword("password-of-" + name)).ok());
  }

  User user(const std::string& name) { return storage->userWithHash(name).value().first; }

  ApiResponse call(const std::string& who, const std::string& method, const std::string& target, const std::string& body = "") {
    return handleConsoleApi({method, target, {}, body, "127.0.0.1"}, user(who), *storage);
  }

  std::vector<std::string> establishments(const std::string& district) const {
    std::vector<std::string> ids;
    for (const auto& d : seed.documents)
      if (d.kind == "establishment" && textField(d, "district") == district) ids.push_back(d.id);
    return ids;
  }

  // A finalized inspection lan made and synced; its id.
  std::string finalized(int n) {
    const auto doc = test::sampleInspection("lan", kLanDevice, "bao-lac", establishments("bao-lac"), n);
    REQUIRE(pushBatch(lan, {{++lan_seq, "", doc}}, *storage).refused.empty());
    return doc.id;
  }

  ReviewState stateOf(const std::string& id) { return reviewState(storage->head(id).value()); }

  // A draft both lan and giam edited offline from the same base, both changing the number of
  // workers and the notes: its conflict's number and document id.
  std::pair<std::int64_t, std::string> conflict() {
    const auto establishment = establishments("bao-lac").front();
    const Fields fields{{"_establishment", establishment},
                        {"_template", seedDocumentId("template", "establishment-inspection")},
                        {"_district", "bao-lac"},
                        {"_status", "draft"},
                        {"workers_total", 4},
                        {"notes", "lần đầu"}};
    const auto base = firstRevision(newDocumentId(), "inspection", fields, "lan", kLanDevice, HybridTimestamp{1, 0});
    REQUIRE(pushBatch(lan, {{++lan_seq, "", base}}, *storage).refused.empty());
    auto theirs_fields = fields;
    theirs_fields["workers_total"] = 5;
    theirs_fields["notes"] = "giám sát ghi";
    const auto theirs = nextRevision(base, theirs_fields, "giam", kGiamDevice, HybridTimestamp{10, 0});
    REQUIRE(pushBatch(giam, {{++giam_seq, base.revision, theirs}}, *storage).refused.empty());
    auto mine_fields = fields;
    mine_fields["workers_total"] = 6;
    mine_fields["notes"] = "đã nhắc nhở";
    const auto mine = nextRevision(base, mine_fields, "lan", kLanDevice, HybridTimestamp{20, 0});
    REQUIRE(pushBatch(lan, {{++lan_seq, base.revision, mine}}, *storage).refused.empty());
    const auto records = storage->conflicts({true, base.id, 0});
    REQUIRE(records.size() == 1);
    REQUIRE(records[0].conflicts.size() == 2);
    return {records[0].number, base.id};
  }

  ApiResponse sync(const std::string& method, const std::string& target, const std::string& token, const std::string& body = "") {
    return handle({method, target, {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}}, body, "127.0.0.1"},
                  *storage, logins);
  }
};

json bodyOf(const ApiResponse& r) { return json::parse(r.body); }
std::string codeOf(const ApiResponse& r) { return bodyOf(r)["error"]["code"].get<std::string>(); }

bool hasDevice(const ApiResponse& r, const std::string& id) {
  const auto body = bodyOf(r);  // kept: a loop over a member of a temporary would dangle
  for (const auto& d : body["devices"])
    if (d["id"] == id) return true;
  return false;
}

}  // namespace

TEST_CASE("console: a supervisor approves a finalized record and returns another with a comment, never without one", "[console]") {
  Province p;
  const auto first = p.finalized(1);
  const auto second = p.finalized(2);

  CHECK(bodyOf(p.call("giam", "GET", "/api/inspections?state=approved"))["rows"].empty());
  auto approved = p.call("giam", "POST", "/api/inspections/" + first + "/review", R"({"approve": true})");
  INFO(approved.body);
  CHECK(approved.status == 200);
  CHECK(p.stateOf(first) == ReviewState::kApproved);
  CHECK(textField(*p.storage->head(first), inspection_fields::kReviewedBy) == "giam");
  // The console's tables show it at once.
  const auto listed = bodyOf(p.call("giam", "GET", "/api/inspections?state=approved"));
  REQUIRE(listed["rows"].size() == 1);
  CHECK(listed["rows"][0]["id"] == first);
  auto twice = p.call("giam", "POST", "/api/inspections/" + first + "/review", R"({"approve": true})");
  CHECK(twice.status == 409);
  CHECK_THAT(bodyOf(twice)["error"]["en"].get<std::string>(), Catch::Contains("already approved"));

  auto bare = p.call("giam", "POST", "/api/inspections/" + second + "/review", R"({"approve": false, "comment": "  "})");
  CHECK(bare.status == 422);
  CHECK_THAT(bodyOf(bare)["error"]["en"].get<std::string>(), Catch::Contains("a comment") && !Catch::Contains("--comment"));
  CHECK(p.stateOf(second) == ReviewState::kSubmitted);
  CHECK(p.call("giam", "POST", "/api/inspections/" + second + "/review", R"({"approve": "yes"})").status == 400);
  CHECK(p.call("giam", "POST", "/api/inspections/" + second + "/review", "not json").status == 400);

  auto returned = p.call("giam", "POST", "/api/inspections/" + second + "/review",
                         R"({"approve": false, "comment": "Thiếu chữ ký của chủ cơ sở"})");
  CHECK(returned.status == 200);
  CHECK(p.stateOf(second) == ReviewState::kReturned);
  CHECK(textField(*p.storage->head(second), inspection_fields::kReviewComment) == "Thiếu chữ ký của chủ cơ sở");

  // Who did what, from the console.
  const auto audit = p.storage->auditEntries({"giam", "inspection.", 0, 10});
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].action == "inspection.return");
  CHECK(audit[0].device == "console");
  CHECK(audit[1].action == "inspection.approve");
}

TEST_CASE("console: several records are approved at once, each on its own, and one refused does not stop the others", "[console]") {
  Province p;
  const auto done = p.finalized(1);
  const auto waiting = p.finalized(2);
  const auto also = p.finalized(3);
  REQUIRE(p.call("giam", "POST", "/api/inspections/" + done + "/review", R"({"approve": true})").status == 200);

  const json request{{"ids", {waiting, done, "HA-9-9999", also}}, {"approve", true}};
  auto r = p.call("giam", "POST", "/api/review", request.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto answer = bodyOf(r);
  CHECK(answer["approved_ids"] == json{waiting, also});
  CHECK(answer["approved"].size() == 2);
  REQUIRE(answer["refused"].size() == 2);
  CHECK(answer["refused"][0]["id"] == done);
  CHECK_THAT(answer["refused"][0]["error"]["en"].get<std::string>(), Catch::Contains("already approved"));
  CHECK(answer["refused"][1]["id"] == "HA-9-9999");
  CHECK(p.stateOf(waiting) == ReviewState::kApproved);
  CHECK(p.stateOf(also) == ReviewState::kApproved);

  CHECK(p.call("giam", "POST", "/api/review", R"({"ids": "all", "approve": true})").status == 400);
  CHECK(p.call("lan", "POST", "/api/review", request.dump()).status == 403);
}

TEST_CASE("console: a conflict is resolved question by question, and an incomplete decision changes nothing", "[console]") {
  Province p;
  const auto [number, doc] = p.conflict();
  const auto target = "/api/conflicts/" + std::to_string(number) + "/resolve";
  const auto before = p.storage->head(doc)->revision;

  auto incomplete = p.call("giam", "POST", target, R"({"takes": ["workers_total=other"]})");
  CHECK(incomplete.status == 422);
  CHECK(p.storage->head(doc)->revision == before);
  CHECK(p.call("giam", "POST", target, R"({"takes": ["workers_total=perhaps"]})").status == 422);
  CHECK(p.call("giam", "POST", target, R"({"takes": "other"})").status == 400);

  auto resolved = p.call("giam", "POST", target, R"({"takes": ["workers_total=other", "notes=applied"]})");
  INFO(resolved.body);
  CHECK(resolved.status == 200);
  const auto head = p.storage->head(doc).value();
  CHECK(head.fields.at("workers_total") == Value{5});           // giam's, the other side
  CHECK(head.fields.at("notes") == Value{"đã nhắc nhở"});         // lan's, the side applied
  CHECK(p.storage->conflicts({true, doc, 0}).empty());
  CHECK(p.storage->conflicts({false, doc, 0}).at(0).resolved_by == "giam");
  CHECK(p.call("giam", "POST", target, R"({"takes": ["other"]})").status == 409);
}

TEST_CASE("console: an inspector may not review or resolve, and a supervisor of another district finds neither", "[console]") {
  Province p;
  const auto record = p.finalized(1);
  const auto [number, doc] = p.conflict();
  const auto review = "/api/inspections/" + record + "/review";
  const auto resolve = "/api/conflicts/" + std::to_string(number) + "/resolve";

  auto by_inspector = p.call("lan", "POST", review, R"({"approve": true})");
  CHECK(by_inspector.status == 403);
  CHECK(codeOf(by_inspector) == "forbidden");
  CHECK(p.call("lan", "POST", resolve, R"({"takes": ["other"]})").status == 403);

  // Another district's record and conflict answer as unknown ones do, naming no district.
  auto elsewhere = p.call("giang", "POST", review, R"({"approve": true})");
  CHECK(elsewhere.status == 404);
  CHECK(codeOf(elsewhere) == "not_found");
  CHECK_THAT(elsewhere.body, !Catch::Contains("district") && !Catch::Contains("huyện"));
  auto unknown = p.call("giang", "POST", "/api/inspections/ffffffffffffffffffffffffffffffff/review", R"({"approve": true})");
  CHECK(unknown.status == 404);
  CHECK(codeOf(unknown) == codeOf(elsewhere));
  auto conflict_elsewhere = p.call("giang", "POST", resolve, R"({"takes": ["other"]})");
  CHECK(conflict_elsewhere.status == 404);
  CHECK(codeOf(conflict_elsewhere) == "not_found");
  CHECK_THAT(conflict_elsewhere.body, !Catch::Contains("district") && !Catch::Contains("huyện"));
  auto batch = bodyOf(p.call("giang", "POST", "/api/review", json{{"ids", {record}}, {"approve", true}}.dump()));
  REQUIRE(batch["refused"].size() == 1);
  CHECK_THAT(batch["refused"][0]["error"]["en"].get<std::string>(), !Catch::Contains("district"));

  CHECK(p.stateOf(record) == ReviewState::kSubmitted);
  CHECK(p.storage->conflicts({true, doc, 0}).size() == 1);
  // The province sees every district.
  CHECK(p.call("tinh", "POST", review, R"({"approve": true})").status == 200);
  CHECK(p.stateOf(record) == ReviewState::kApproved);
}

TEST_CASE("console: an administrator adds a user whose one-time code works once and must be changed", "[console]") {
  Province p;
  CHECK(p.call("tinh", "POST", "/api/people", R"({"name": "hoa", "role": "inspector", "district": "bao-lac"})").status == 403);
  CHECK(p.call("tinh", "GET", "/api/people").status == 403);

  auto added = p.call("quan", "POST", "/api/people", R"({"name": "hoa", "role": "inspector", "district": "Bảo Lạc"})");
  INFO(added.body);
  REQUIRE(added.status == 201);
  const auto code = bodyOf(added)["one_time_code"].get<std::string>();
  CHECK(std::regex_match(code, std::regex("[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}")));
  CHECK(bodyOf(added)["user"]["district"]["code"] == "bao-lac");
  CHECK(bodyOf(added)["user"]["must_change_password"] == true);
  CHECK(p.call("quan", "POST", "/api/people", R"({"name": "hoa", "role": "inspector", "district": "bao-lac"})").status == 409);
  CHECK(p.call("quan", "POST", "/api/people", R"({"name": "minh", "role": "inspector"})").status == 422);
  CHECK(p.call("quan", "POST", "/api/people", R"({"name": "minh", "role": "king"})").status == 422);
  CHECK(p.call("quan", "POST", "/api/people", R"({"name": "bad name", "role": "admin"})").status == 422);

  const auto people = bodyOf(p.call("quan", "GET", "/api/people"))["users"];
  json hoa;
  for (const auto& u : people)
    if (u["name"] == "hoa") hoa = u;
  REQUIRE(hoa.is_object());
  CHECK(hoa["must_change_password"] == true);
  CHECK(hoa["role_label"]["vi"] == "Cán bộ kiểm tra");

  // A laptop cannot log in with it: it is for the console, to be changed there.
  const json laptop{{"user", "hoa"}, {"password", code}, {"device_name", "x"}, {"device_id", "00000000000000000000000000000c09"}};
  CHECK(handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}}, laptop.dump(), "127.0.0.1"}, *p.storage, p.logins).status == 403);

  ConsoleContext context{consoleTestAssets(), p.logins, false};
  auto console = [&](const std::string& method, const std::string& target, const std::string& body,
                     std::map<std::string, std::string> headers) {
    headers["content-type"] = "application/json";
    return handleConsole({method, target, headers, body, "127.0.0.1"}, *p.storage, context, wallClockMs());
  };
  const auto login = [&](const std::string& password) {
    return console("POST", "/api/session", json{{"user", "hoa"}, {"password", password}}.dump(), {});
  };
  auto first = login(code);
  REQUIRE(first.status == 200);
  CHECK(bodyOf(first)["must_change_password"] == true);
  const auto set_cookie = headerOf(first, "Set-Cookie");
  const std::map<std::string, std::string> session{{"cookie", set_cookie.substr(0, set_cookie.find(';'))},
                                                   {"x-fieldcheck-csrf", bodyOf(first)["csrf"].get<std::string>()}};
  auto blocked = console("GET", "/api/inspections", "", session);
  CHECK(blocked.status == 403);
  CHECK(codeOf(blocked) == "password_change_required");
  CHECK(console("POST", "/api/password", json{{"current", code}, {"new", code}}.dump(), session).status == 422);
  REQUIRE(console("POST", "/api/password", json{{"current", code}, {"new", "hoa's own password"}}.dump(), session).status == 204);

  CHECK(login(code).status == 401);
  auto again = login("hoa's own password");
  REQUIRE(again.status == 200);
  CHECK(bodyOf(again)["must_change_password"] == false);
}

TEST_CASE("console: an administrator resets a password to a one-time code and revokes a user, never themselves", "[console]") {
  Province p;
  CHECK(p.call("tinh", "POST", "/api/people/lan/reset").status == 403);
  CHECK(p.call("quan", "POST", "/api/people/nobody/reset").status == 404);
  auto reset = p.call("quan", "POST", "/api/people/lan/reset");
  REQUIRE(reset.status == 200);
  const auto code = bodyOf(reset)["one_time_code"].get<std::string>();
  const auto [lan, hash] = p.storage->userWithHash("lan").value();
  CHECK(lan.must_change_password);
  CHECK(verifyPassword(code, hash));
  CHECK_FALSE(verifyPassword("password-of-lan", hash));
  CHECK(p.call("quan", "POST", "/api/people/lan/reset").status == 200);
  CHECK_FALSE(verifyPassword(code, p.storage->userWithHash("lan")->second));  // each reset a new code

  CHECK(p.call("giam", "POST", "/api/people/giang/revoke").status == 403);
  CHECK(p.call("quan", "POST", "/api/people/quan/revoke").status == 409);
  auto revoked = p.call("quan", "POST", "/api/people/giam/revoke");
  REQUIRE(revoked.status == 200);
  CHECK(bodyOf(revoked)["revoked"] == true);
  CHECK(p.user("giam").revoked);
  CHECK(p.call("quan", "POST", "/api/people/giam/reset").status == 409);
  const auto audit = p.storage->auditEntries({"quan", "user.", 0, 10});
  REQUIRE(audit.size() == 3);
  CHECK(audit[0].action == "user.revoke");
  CHECK(audit[0].detail == "giam");
}

TEST_CASE("console: a laptop revoked from the console is refused at its next sync while its user works on", "[console]") {
  Province p;
  REQUIRE(p.sync("GET", "/v1/whoami", p.lan_token).status == 200);

  CHECK(hasDevice(p.call("quan", "GET", "/api/devices"), kLanDevice));
  CHECK(hasDevice(p.call("giam", "GET", "/api/devices"), kLanDevice));        // their district's laptops
  CHECK_FALSE(hasDevice(p.call("giang", "GET", "/api/devices"), kLanDevice)); // not another district's
  CHECK(p.call("giam", "GET", "/api/people/lan/devices").status == 403);
  auto lans = p.call("quan", "GET", "/api/people/lan/devices");
  REQUIRE(lans.status == 200);
  REQUIRE(bodyOf(lans)["devices"].size() == 1);
  CHECK(bodyOf(lans)["devices"][0]["district"]["code"] == "bao-lac");

  CHECK(p.call("tinh", "POST", "/api/devices/" + kLanDevice + "/revoke").status == 403);
  CHECK(p.call("quan", "POST", "/api/devices/ffffffffffffffffffffffffffffffff/revoke").status == 404);
  auto revoked = p.call("quan", "POST", "/api/devices/" + kLanDevice + "/revoke");
  REQUIRE(revoked.status == 200);
  CHECK(bodyOf(revoked)["revoked"] == true);
  CHECK(bodyOf(revoked)["user"] == "lan");

  CHECK(p.sync("GET", "/v1/whoami", p.lan_token).status == 401);
  CHECK(p.sync("POST", "/v1/sync", p.lan_token, "").status == 401);
  CHECK_FALSE(p.user("lan").revoked);
  const auto audit = p.storage->auditEntries({"quan", "device.revoke", 0, 10});
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].detail == kLanDevice + " of lan");
}

TEST_CASE("console: a bundle imported through the console is answered with a receipt only its importer can fetch", "[console]") {
  Province p;
  const auto doc = test::sampleInspection("lan", kLanDevice, "bao-lac", p.establishments("bao-lac"), 7);
  bundle::Bundle carried{kLanDevice, p.lan_token, {{{1, "", doc}}}, 0, {}, ""};
  const auto keys = p.storage->serverKeys();
  const auto file = bundle::writeBundle(carried, keys.sealing.public_hex);

  CHECK(p.call("giam", "POST", "/api/bundles", file).status == 403);
  CHECK(p.call("tinh", "POST", "/api/bundles", "not a bundle").status == 422);
  CHECK_FALSE(p.storage->head(doc.id));

  auto imported = p.call("tinh", "POST", "/api/bundles", file);
  INFO(imported.body);
  REQUIRE(imported.status == 200);
  const auto answer = bodyOf(imported);
  CHECK(answer["user"] == "lan");
  CHECK(answer["entries"] == 1);
  CHECK(answer["refused"] == 0);
  CHECK(p.storage->head(doc.id));
  const auto url = answer["receipt_url"].get<std::string>();
  REQUIRE(url.rfind("/api/receipts/", 0) == 0);

  auto fetched = p.call("tinh", "GET", url);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.content_type == "application/octet-stream");
  CHECK_THAT(headerOf(fetched, "Content-Disposition"), Catch::StartsWith("attachment; filename=\"fieldcheck-receipt-"));
  const auto receipt = bundle::readReceipt(fetched.body, keys.signing.public_hex, kLanDevice);
  REQUIRE(receipt.ok());
  REQUIRE_FALSE(receipt.value().answers.empty());
  CHECK(receipt.value().answers.front().acked_through == 1);

  CHECK(p.call("quan", "GET", url).status == 404);
  CHECK(p.call("tinh", "GET", "/api/receipts/" + std::string(43, 'A')).status == 404);
  CHECK(p.call("tinh", "POST", url).status == 405);
}

TEST_CASE("console: a resolved conflict tells for each field the value kept, which side it was and who decided", "[console]") {
  Province p;
  const auto [number, doc] = p.conflict();
  const auto target = "/api/conflicts/" + std::to_string(number);
  auto open = bodyOf(p.call("giam", "GET", target));
  for (const auto& f : open["fields"]) CHECK(f["decision"].is_null());
  CHECK(open["record"]["kind"] == "inspection");

  REQUIRE(p.call("giam", "POST", target + "/resolve", R"({"takes": ["workers_total=other"], "sets": ["notes=đã sửa"]})").status == 200);
  auto resolved = bodyOf(p.call("tinh", "GET", target));
  INFO(resolved.dump());
  std::map<std::string, json> decisions;
  for (const auto& f : resolved["fields"]) decisions[f["field"].get<std::string>()] = f["decision"];
  REQUIRE(decisions.size() == 2);
  CHECK(decisions["workers_total"]["taken"] == "other");
  CHECK(decisions["workers_total"]["value"] == "5");
  CHECK(decisions["notes"]["taken"] == "set");
  CHECK(decisions["notes"]["value"] == "đã sửa");
  for (const auto& [field, d] : decisions) {
    CHECK(d["by"] == "giam");
    CHECK_FALSE(d["when"].get<std::string>().empty());
  }
}

TEST_CASE("console: a conflict over an establishment names its kind and code so the page can link to it", "[console]") {
  Province p;
  const auto id = p.establishments("bao-lac").front();
  const auto head = p.storage->head(id).value();
  auto theirs = head.fields, mine = head.fields;
  theirs["name"] = std::string("Tên giám sát sửa");
  mine["name"] = std::string("Tên cán bộ sửa");
  REQUIRE(pushBatch(p.giam, {{++p.giam_seq, head.revision, nextRevision(head, theirs, "giam", kGiamDevice, HybridTimestamp{head.stamp.wall_ms + 10, 0})}},
                    *p.storage).refused.empty());
  REQUIRE(pushBatch(p.lan, {{++p.lan_seq, head.revision, nextRevision(head, mine, "lan", kLanDevice, HybridTimestamp{head.stamp.wall_ms + 20, 0})}},
                    *p.storage).refused.empty());
  const auto records = p.storage->conflicts({true, id, 0});
  REQUIRE(records.size() == 1);
  const auto shown = bodyOf(p.call("giam", "GET", "/api/conflicts/" + std::to_string(records[0].number)));
  CHECK(shown["record"]["kind"] == "establishment");
  CHECK(shown["record"]["id"] == id);
  CHECK(shown["record"]["code"] == textField(head, "code"));
  CHECK_FALSE(shown["record"]["code"].get<std::string>().empty());
  const auto list = bodyOf(p.call("giam", "GET", "/api/conflicts"));
  REQUIRE(list["rows"].size() == 1);
  CHECK(list["rows"][0]["record"]["code"] == textField(head, "code"));
}

TEST_CASE("console: adding a user says which field is wrong and names no command-line option", "[console]") {
  Province p;
  const auto refused = [&](const std::string& body, unsigned status, const std::string& field) {
    const auto answer = p.call("quan", "POST", "/api/people", body);
    INFO(body << " " << answer.body);
    CHECK(answer.status == status);
    const auto error = bodyOf(answer)["error"];
    CHECK(error["field"] == field);
    CHECK(error["vi"].get<std::string>().find("--") == std::string::npos);
    CHECK(error["en"].get<std::string>().find("--") == std::string::npos);
  };
  refused(R"({"name": "minh", "role": "inspector"})", 422, "district");
  refused(R"({"name": "minh", "role": "provincial", "district": "bao-lac"})", 422, "district");
  refused(R"({"name": "minh", "role": "inspector", "district": "no-such-place"})", 422, "district");
  refused(R"({"name": "minh", "role": "king"})", 422, "role");
  refused(R"({"name": "bad name", "role": "admin"})", 422, "name");
  refused(R"({"name": "lan", "role": "inspector", "district": "bao-lac"})", 409, "name");
  // A refusal that is about no field carries none.
  const auto forbidden = p.call("tinh", "POST", "/api/people", R"({"name": "hoa", "role": "inspector", "district": "bao-lac"})");
  CHECK(forbidden.status == 403);
  CHECK_FALSE(bodyOf(forbidden)["error"].contains("field"));
}

TEST_CASE("console: a known address asked with a method it does not take is a 405 that says which it takes", "[console]") {
  Province p;
  const auto post_read = p.call("tinh", "POST", "/api/dashboard", "{}");
  CHECK(post_read.status == 405);
  CHECK(headerOf(post_read, "Allow") == "GET, HEAD");
  CHECK(codeOf(post_read) == "method");
  CHECK(p.call("tinh", "DELETE", "/api/inspections/whatever").status == 405);
  const auto get_write = p.call("giam", "GET", "/api/review");
  CHECK(get_write.status == 405);
  CHECK(headerOf(get_write, "Allow") == "POST");
  const auto get_resolve = p.call("giam", "GET", "/api/conflicts/1/resolve");
  CHECK(get_resolve.status == 405);
  CHECK(headerOf(get_resolve, "Allow") == "POST");
  const auto people = p.call("quan", "DELETE", "/api/people");
  CHECK(people.status == 405);
  CHECK(headerOf(people, "Allow") == "GET, HEAD, POST");
  CHECK(p.call("tinh", "GET", "/api/no-such-thing").status == 404);
  CHECK(p.call("tinh", "POST", "/api/no-such-thing").status == 404);
  CHECK(p.call("tinh", "HEAD", "/api/dashboard").status == 200);
}
