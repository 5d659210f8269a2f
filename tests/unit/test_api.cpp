// The HTTP API as plain functions, without a socket.
#include <catch2/catch.hpp>

#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/seed.h"
#include "push_rules.h"
#include "support/sample_images.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;
using nlohmann::json;

namespace {

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> storage;
  LoginBudget logins{30, std::chrono::minutes(5), 100};

  Fixture() {
    auto opened = openSqliteStorage(dir.path(), true);
    REQUIRE(opened.ok());
    storage = std::move(opened.value());
    REQUIRE(storage->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    REQUIRE(storage->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  }

  ApiResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                   std::map<std::string, std::string> headers = {{"fieldcheck-protocol", "1"}}) {
    return handle({method, target, std::move(headers), body, "127.0.0.1"}, *storage, logins);
  }

  std::string login() {
    auto r = call("POST", "/v1/login", R"({"user":"lan","password":"secret-pass","device_name":"Laptop Bảo Lạc 1","device_id":"0123456789abcdef0123456789abcdef"})");
    REQUIRE(r.status == 200);
    return json::parse(r.body)["token"].get<std::string>();
  }
};

std::string code(const ApiResponse& r) { return json::parse(r.body)["error"]["code"].get<std::string>(); }

}  // namespace

TEST_CASE("api: health answers without a login or a protocol header", "[api]") {
  Fixture f;
  auto r = f.call("GET", "/v1/health", "", {});
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["province"] == "Cao Bằng");
}

TEST_CASE("api: login gives a device token that names the caller", "[api]") {
  Fixture f;
  const auto token = f.login();
  auto who = f.call("GET", "/v1/whoami", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}});
  REQUIRE(who.status == 200);
  auto j = json::parse(who.body);
  CHECK(j["user"] == "lan");
  CHECK(j["district"] == "bao-lac");
  CHECK(j["role"] == "inspector");

  SECTION("revoking the user stops the token at once") {
    REQUIRE(f.storage->revokeUser("lan").ok());
    auto after = f.call("GET", "/v1/whoami", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}});
    CHECK(after.status == 401);
  }
}

TEST_CASE("api: repeated wrong passwords pause a user's logins from that address, not from others", "[api]") {
  Fixture f;
  const std::string wrong =
      R"({"user":"lan","password":"guess","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})";
  const std::string right =
      R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})";
  auto from = [&](const std::string& address, const std::string& body) {
    return handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}}, body, address}, *f.storage, f.logins);
  };
  for (int i = 0; i < 10; ++i) CHECK(from("203.0.113.7", wrong).status == 401);
  auto paused = from("203.0.113.7", right);
  CHECK(paused.status == 429);
  CHECK(code(paused) == "login_paused");
  // Lan, elsewhere, is not kept out by someone failing on her behalf.
  CHECK(from("198.51.100.20", right).status == 200);
  CHECK(from("203.0.113.7", right).status == 429);
  f.storage->recordLogin("lan", "203.0.113.7", true, 0);  // as when the pause has passed and a login succeeded
  CHECK(from("203.0.113.7", right).status == 200);
}

TEST_CASE("api: bad and hostile requests get a 4xx with a reason", "[api]") {
  Fixture f;
  struct Case {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
    unsigned status;
    std::string code;
  };
  const std::map<std::string, std::string> v1{{"fieldcheck-protocol", "1"}};
  auto c = GENERATE_COPY(
      Case{"POST", "/v1/login", R"({"user":"lan","password":"wrong-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})", v1, 401, "login_refused"},
      Case{"POST", "/v1/login", R"({"user":"nobody","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})", v1, 401, "login_refused"},
      Case{"POST", "/v1/login", R"({"user":"lan","password":"secret-pass"})", v1, 400, "missing_field"},
      Case{"POST", "/v1/login", R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef","admin":"yes"})", v1, 400, "unknown_field"},
      Case{"POST", "/v1/login", R"({"user":["lan"],"password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})", v1, 400, "wrong_type"},
      Case{"POST", "/v1/login", R"({"user":"lan",)", v1, 400, "bad_json"},
      Case{"POST", "/v1/login", "[]", v1, 400, "bad_request"},
      Case{"POST", "/v1/login", R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})", {}, 400, "protocol_missing"},
      Case{"POST", "/v1/login", R"({"user":"lan","password":"secret-pass","device_name":"x","device_id":"0123456789abcdef0123456789abcdef"})",
           {{"fieldcheck-protocol", "7"}}, 400, "protocol_unsupported"},
      Case{"GET", "/v1/login", "", v1, 405, "method"},
      Case{"GET", "/v1/whoami", "", v1, 401, "unauthorized"},
      Case{"GET", "/v1/whoami", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer forged"}}, 401, "unauthorized"},
      Case{"GET", "/v1/../../etc/passwd", "", v1, 404, "not_found"});
  INFO(c.method << " " << c.target << " " << c.body);
  auto r = f.call(c.method, c.target, c.body, c.headers);
  CHECK(r.status == c.status);
  CHECK(code(r) == c.code);
  CHECK_FALSE(json::parse(r.body)["error"]["vi"].get<std::string>().empty());
}

TEST_CASE("api: a push numbered beyond any sequence is refused whole, and the device's later pushes still apply", "[api]") {
  Fixture f;
  const auto token = f.login();
  const std::string device = "0123456789abcdef0123456789abcdef";
  const auto seed = loadSeed(test::sampleSeed()).value();
  std::vector<std::string> establishments;
  for (const auto& d : seed.documents)
    if (d.kind == "establishment" && textField(d, "district") == "bao-lac") establishments.push_back(d.id);
  auto sync = [&](std::int64_t seq, int n) {
    protocol::SyncRequest request;
    request.push = {{seq, "", test::sampleInspection("lan", device, "bao-lac", establishments, n)}};
    return f.call("POST", "/v1/sync", protocol::toBinary(request),
                  {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token},
                   {"content-type", protocol::kBinaryMediaType}, {"accept", protocol::kJsonMediaType}});
  };
  for (const auto seq : {protocol::kMaxSequence + 1, std::int64_t{1} << 62, INT64_MAX}) {
    INFO(seq);
    const auto refused = sync(seq, 1);
    CHECK(refused.status == 400);
    CHECK_THAT(json::parse(refused.body)["error"]["en"].get<std::string>(), Catch::Contains("2^53"));
  }
  const auto later = sync(1, 2);
  REQUIRE(later.status == 200);
  CHECK(json::parse(later.body)["acked_through"] == 1);
  CHECK(f.storage->heads("inspection").size() == 1);
}

TEST_CASE("api: compressed bodies are read, answers compressed for those who accept them", "[api]") {
  Fixture f;
  const std::string login =
      R"({"user":"lan","password":"secret-pass","device_name":"laptop","device_id":"0123456789abcdef0123456789abcdef"})";
  auto r = handleEncoded({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}, {"content-encoding", "zstd"}}, compress(login), ""},
                         *f.storage, f.logins);
  REQUIRE(r.status == 200);
  const auto token = json::parse(r.body)["token"].get<std::string>();

  auto page = handleEncoded({"POST", "/v1/sync",
                             {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}, {"accept-encoding", "zstd"}},
                             R"({"push":[],"cursor":0,"page_limit":100})", ""},
                            *f.storage, f.logins);
  REQUIRE(page.status == 200);
  CHECK(page.content_encoding == "zstd");
  const auto plain = decompress(page.body, 1 << 24);
  REQUIRE(plain.ok());
  CHECK(json::parse(plain.value())["changes"].size() > 5);

  auto damaged = handleEncoded({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}, {"content-encoding", "zstd"}}, "garbage", ""},
                               *f.storage, f.logins);
  CHECK(damaged.status == 400);
  auto unknown = handleEncoded({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}, {"content-encoding", "br"}}, login, ""},
                               *f.storage, f.logins);
  CHECK(unknown.status == 415);
}

TEST_CASE("api: a sync speaks binary to Fieldcheck and JSON to scripts, as the headers ask", "[api]") {
  Fixture f;
  const auto token = f.login();
  std::map<std::string, std::string> headers{{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}};
  protocol::SyncRequest request;
  request.page_limit = 100;

  auto binary_headers = headers;
  binary_headers["content-type"] = protocol::kBinaryMediaType;
  binary_headers["accept"] = protocol::kBinaryMediaType;
  auto binary = f.call("POST", "/v1/sync", protocol::toBinary(request), binary_headers);
  REQUIRE(binary.status == 200);
  CHECK(binary.content_type == protocol::kBinaryMediaType);
  auto page = protocol::syncResponseFromBinary(binary.body);
  REQUIRE(page.ok());
  CHECK(page.value().changes.size() > 5);

  // The same request as JSON, answered in JSON with the same changes.
  auto json_headers = headers;
  json_headers["content-type"] = "application/json; charset=utf-8";
  auto text = f.call("POST", "/v1/sync", protocol::toJson(request).dump(), json_headers);
  REQUIRE(text.status == 200);
  CHECK(json::parse(text.body)["changes"].size() == page.value().changes.size());

  SECTION("a binary request without Accept is answered in binary, one that asks for JSON in JSON") {
    auto no_accept = binary_headers;
    no_accept.erase("accept");
    CHECK(f.call("POST", "/v1/sync", protocol::toBinary(request), no_accept).content_type == protocol::kBinaryMediaType);
    no_accept["accept"] = "application/json";
    auto r = f.call("POST", "/v1/sync", protocol::toBinary(request), no_accept);
    CHECK(json::parse(r.body)["changes"].size() == page.value().changes.size());
  }
  SECTION("a body of another type is refused") {
    auto xml = headers;
    xml["content-type"] = "application/xml";
    auto r = f.call("POST", "/v1/sync", "<sync/>", xml);
    CHECK(r.status == 415);
    CHECK(code(r) == "media_type");
  }
  SECTION("a damaged binary body is refused with a reason, and nothing changes") {
    const auto before = f.storage->documentCount("inspection");
    auto body = protocol::toBinary(request);
    body.resize(body.size() - 3);
    auto r = f.call("POST", "/v1/sync", body, binary_headers);
    CHECK(r.status == 400);
    CHECK(code(r) == "bad_request");
    CHECK(f.storage->documentCount("inspection") == before);
  }
}

TEST_CASE("api: an address that keeps failing to log in is paused before any hashing, and others are not", "[api]") {
  Fixture f;
  auto attempt = [&](const std::string& peer, const std::string& user, const std::string& password) {
    return handle({"POST", "/v1/login", {{"fieldcheck-protocol", "1"}},
                   json{{"user", user}, {"password", password}, {"device_name", "x"}, {"device_id", "0123456789abcdef0123456789abcdef"}}.dump(),
                   peer},
                  *f.storage, f.logins);
  };
  // Thirty wrong guesses of unknown names (no user's own pause applies) from one address.
  for (int i = 0; i < 30; ++i) CHECK(attempt("203.0.113.9", "guess" + std::to_string(i), "whatever-pass").status == 401);
  auto paused = attempt("203.0.113.9", "lan", "secret-pass");
  CHECK(paused.status == 429);
  CHECK(code(paused) == "login_paused");
  CHECK_THAT(json::parse(paused.body)["error"]["en"].get<std::string>(), Catch::Contains("this address"));
  // The right password from another address still works.
  CHECK(attempt("198.51.100.4", "lan", "secret-pass").status == 200);

  SECTION("the window passes") {
    LoginBudget budget(2, std::chrono::seconds(60), 10);
    const auto t0 = LoginBudget::Clock::now();
    budget.failed("a", t0);
    budget.failed("a", t0);
    CHECK(budget.waitFor("a", t0 + std::chrono::seconds(1)) > LoginBudget::Clock::duration::zero());
    CHECK(budget.waitFor("a", t0 + std::chrono::seconds(61)) == LoginBudget::Clock::duration::zero());
    CHECK(budget.waitFor("b", t0) == LoginBudget::Clock::duration::zero());
  }
  SECTION("memory stays bounded: the oldest address is forgotten first") {
    LoginBudget budget(1, std::chrono::seconds(60), 3);
    const auto t0 = LoginBudget::Clock::now();
    for (int i = 0; i < 4; ++i) budget.failed("addr" + std::to_string(i), t0 + std::chrono::seconds(i));
    CHECK(budget.waitFor("addr0", t0 + std::chrono::seconds(5)) == LoginBudget::Clock::duration::zero());
    CHECK(budget.waitFor("addr3", t0 + std::chrono::seconds(5)) > LoginBudget::Clock::duration::zero());
  }
}

TEST_CASE("api: a photo arrives in verified chunks, resumes where the server stands, and is checked whole",
          "[api][attachments]") {
  Fixture f;
  const auto token = f.login();
  const auto photo = test::sampleJpeg(200'000);
  const auto sha = sha256Hex(photo);
  const auto target = "/v1/uploads/" + sha;
  auto put = [&](std::uint64_t offset, std::string_view chunk, std::uint64_t size, const std::string& chunk_sha) {
    return f.call("PUT", target, std::string(chunk),
                  {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}, {"content-type", "image/jpeg"},
                   {"fieldcheck-offset", std::to_string(offset)}, {"fieldcheck-size", std::to_string(size)},
                   {"fieldcheck-chunk-sha256", chunk_sha}});
  };
  auto chunk = [&](std::uint64_t offset) { return std::string_view(photo).substr(offset, protocol::kUploadChunkBytes); };
  auto putChunk = [&](std::uint64_t offset) { return put(offset, chunk(offset), photo.size(), sha256Hex(chunk(offset))); };
  auto received = [](const ApiResponse& r) { return json::parse(r.body)["received"].get<std::uint64_t>(); };

  // The record comes first and names the photo: the server marks it as waiting.
  const Identity lan{"lan", Role::kInspector, std::string("bao-lac"), "0123456789abcdef0123456789abcdef"};
  const auto seed = loadSeed(test::sampleSeed()).value();
  const Document* establishment = nullptr;
  for (const auto& d : seed.documents)
    if (d.kind == "establishment" && textField(d, "district") == "bao-lac") establishment = &d;
  REQUIRE(establishment);
  const auto inspection = firstRevision(newDocumentId(), "inspection",
                                        {{"_establishment", establishment->id},
                                         {"_template", seedDocumentId("template", "establishment-inspection")},
                                         {"_district", "bao-lac"},
                                         {"_status", "draft"},
                                         {"photo_premises", AttachmentRef{sha, photo.size(), "image/jpeg"}}},
                                        "lan", lan.device, HybridTimestamp{1, 0});
  REQUIRE(pushBatch(lan, {{1, "", inspection}}, *f.storage).refused.empty());
  auto waiting = f.storage->waitingAttachments();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].sha256 == sha);
  CHECK(waiting[0].doc_id == inspection.id);

  auto state = f.call("GET", target, "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}});
  REQUIRE(state.status == 200);
  CHECK(received(state) == 0);
  auto first = putChunk(0);
  REQUIRE(first.status == 200);
  CHECK(received(first) == protocol::kUploadChunkBytes);
  CHECK(f.storage->waitingAttachments().at(0).received == protocol::kUploadChunkBytes);

  // A chunk sent twice, or past where the server stands: 409 with where to go on from.
  auto twice = putChunk(0);
  CHECK(twice.status == 409);
  CHECK(received(twice) == protocol::kUploadChunkBytes);
  auto ahead = putChunk(2 * protocol::kUploadChunkBytes);
  CHECK(ahead.status == 409);
  CHECK(received(ahead) == protocol::kUploadChunkBytes);
  // A chunk damaged on the way, or a file over the limit, is refused and changes nothing.
  auto damaged = put(protocol::kUploadChunkBytes, chunk(protocol::kUploadChunkBytes), photo.size(), sha256Hex("other"));
  CHECK(damaged.status == 422);
  auto huge = put(protocol::kUploadChunkBytes, chunk(protocol::kUploadChunkBytes), 1ull << 40, sha256Hex(chunk(protocol::kUploadChunkBytes)));
  CHECK(huge.status == 413);
  CHECK_THAT(json::parse(huge.body)["error"]["en"].get<std::string>(), Catch::Contains("limit"));
  CHECK(f.storage->uploadState(sha, "0123456789abcdef0123456789abcdef").received == protocol::kUploadChunkBytes);
  // Offsets and sizes are plain numbers, read whole: junk after a number is not ignored.
  const auto next = chunk(protocol::kUploadChunkBytes);
  for (const std::string bad : {"65536abc", "-1", " 65536", "+65536", "", "0x10000", "99999999999999999999999"}) {
    for (const auto* name : {"fieldcheck-offset", "fieldcheck-size"}) {
      INFO(name << ": '" << bad << "'");
      std::map<std::string, std::string> headers{{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token},
                                                 {"content-type", "image/jpeg"},
                                                 {"fieldcheck-offset", std::to_string(protocol::kUploadChunkBytes)},
                                                 {"fieldcheck-size", std::to_string(photo.size())},
                                                 {"fieldcheck-chunk-sha256", sha256Hex(next)}};
      headers[name] = bad;
      auto junk = f.call("PUT", target, std::string(next), headers);
      CHECK(junk.status == 400);
      CHECK(code(junk) == "upload_headers");
    }
  }
  CHECK(f.storage->uploadState(sha, "0123456789abcdef0123456789abcdef").received == protocol::kUploadChunkBytes);

  for (std::uint64_t offset = protocol::kUploadChunkBytes; offset < photo.size(); offset += protocol::kUploadChunkBytes) {
    auto r = putChunk(offset);
    REQUIRE(r.status == 200);
  }
  CHECK(f.storage->uploadState(sha, "0123456789abcdef0123456789abcdef").complete);
  CHECK(f.storage->waitingAttachments().empty());

  // Fetched by supervisors in scope, not by inspectors nor by another district's supervisor.
  auto tokenOf = [&](const std::string& name, const std::string& district, const std::string& device) {
    REQUIRE(f.storage->addUser({name, Role::kSupervisor, district, false, ""}, hashPassword("secret-pass")).ok());
    auto r = f.call("POST", "/v1/login", json{{"user", name}, {"password", "secret-pass"}, {"device_name", "x"}, {"device_id", device}}.dump());
    REQUIRE(r.status == 200);
    return json::parse(r.body)["token"].get<std::string>();
  };
  auto fetch = [&](const std::string& who) {
    return f.call("GET", "/v1/attachments/" + sha, "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + who}});
  };
  CHECK(fetch(token).status == 403);
  const auto giam = tokenOf("giam", "bao-lac", "0123456789abcdef0123456789abcde2");
  auto fetched = fetch(giam);
  REQUIRE(fetched.status == 200);
  CHECK(fetched.body == photo);
  CHECK(fetched.content_type == "image/jpeg");
  CHECK(fetch(tokenOf("tuan", "ha-quang", "0123456789abcdef0123456789abcde3")).status == 404);
}

TEST_CASE("api: an upload in progress is its device's alone, another's lying size cannot block it, and an abandoned one expires",
          "[api][attachments]") {
  Fixture f;
  const auto lan = f.login();
  REQUIRE(f.storage->addUser({"hoa", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  auto r = f.call("POST", "/v1/login", json{{"user", "hoa"}, {"password", "secret-pass"}, {"device_name", "x"},
                                           {"device_id", "0123456789abcdef0123456789abcde9"}}.dump());
  REQUIRE(r.status == 200);
  const auto hoa = json::parse(r.body)["token"].get<std::string>();
  auto photoOf = [](int salt) { return test::sampleJpeg(100'000, salt); };
  auto put = [&](const std::string& token, const std::string& photo, std::uint64_t offset, std::uint64_t claimed_size) {
    const auto chunk = photo.substr(offset, protocol::kUploadChunkBytes);
    return f.call("PUT", "/v1/uploads/" + sha256Hex(photo), chunk,
                  {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}, {"content-type", "image/jpeg"},
                   {"fieldcheck-offset", std::to_string(offset)}, {"fieldcheck-size", std::to_string(claimed_size)},
                   {"fieldcheck-chunk-sha256", sha256Hex(chunk)}});
  };
  auto state = [&](const std::string& token, const std::string& photo) {
    auto reply = f.call("GET", "/v1/uploads/" + sha256Hex(photo), "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}});
    REQUIRE(reply.status == 200);
    return json::parse(reply.body);
  };
  auto uploadRows = [&](const std::string& sha) {
    SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT count(*) FROM uploads WHERE sha256 = ?");
    st.bind(1, sha);
    st.executeStep();
    return st.getColumn(0).getInt();
  };

  // Hoa learnt the photo's name and starts it first, with a size that is not the photo's.
  const auto photo = photoOf(1);
  REQUIRE(put(hoa, photo, 0, photo.size() + 12'345).status == 200);
  CHECK(state(hoa, photo)["received"] == protocol::kUploadChunkBytes);
  // Lan's own upload starts from nothing and goes through whole.
  CHECK(state(lan, photo)["received"] == 0);
  for (std::uint64_t offset = 0; offset < photo.size(); offset += protocol::kUploadChunkBytes) {
    INFO(offset);
    REQUIRE(put(lan, photo, offset, photo.size()).status == 200);
  }
  CHECK(state(lan, photo)["complete"] == true);
  // Hoa is told of her own copy only: whether anyone sent the photo is not hers to know.
  CHECK(state(hoa, photo)["complete"] == false);
  CHECK(state(hoa, photo)["received"] == protocol::kUploadChunkBytes);

  // An upload nobody adds to for a week is dropped with what it held, at the next upload.
  const auto abandoned = photoOf(2);
  REQUIRE(put(hoa, abandoned, 0, abandoned.size()).status == 200);
  {
    SQLite::Database db((f.dir / "provincial.db").string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE uploads SET updated_at = '2019-01-01T00:00:00.000Z' WHERE complete = 0");
  }
  REQUIRE(put(lan, photoOf(3), 0, photoOf(3).size()).status == 200);
  CHECK(uploadRows(sha256Hex(abandoned)) == 0);
  CHECK(state(hoa, abandoned)["received"] == 0);
  CHECK_FALSE(std::filesystem::exists(f.dir / "uploads" / (sha256Hex(abandoned) + ".0123456789abcdef0123456789abcde9.part")));
}

TEST_CASE("api: a record naming another district's photo by its hash opens nothing, and nobody learns a photo exists by asking",
          "[api][attachments]") {
  Fixture f;
  const auto lan_token = f.login();
  const Identity lan{"lan", Role::kInspector, std::string("bao-lac"), "0123456789abcdef0123456789abcdef"};
  auto enrol = [&](const std::string& name, Role role, const std::string& district, const std::string& device) {
    REQUIRE(f.storage->addUser({name, role, district, false, ""}, hashPassword("secret-pass")).ok());
    auto r = f.call("POST", "/v1/login", json{{"user", name}, {"password", "secret-pass"}, {"device_name", "x"}, {"device_id", device}}.dump());
    REQUIRE(r.status == 200);
    return std::pair{Identity{name, role, district, device}, json::parse(r.body)["token"].get<std::string>()};
  };
  const auto [minh, minh_token] = enrol("minh", Role::kInspector, "ha-quang", "0123456789abcdef0123456789abcde4");
  const auto giam_token = enrol("giam", Role::kSupervisor, "bao-lac", "0123456789abcdef0123456789abcde5").second;
  const auto tuan_token = enrol("tuan", Role::kSupervisor, "ha-quang", "0123456789abcdef0123456789abcde6").second;
  const auto seed = loadSeed(test::sampleSeed()).value();
  auto inspectionIn = [&](const std::string& district, const Identity& who, const AttachmentRef& photo) {
    for (const auto& d : seed.documents)
      if (d.kind == "establishment" && textField(d, "district") == district)
        return firstRevision(newDocumentId(), "inspection",
                             {{"_establishment", d.id}, {"_template", seedDocumentId("template", "establishment-inspection")},
                              {"_district", district}, {"_status", "draft"}, {"photo_premises", photo}},
                             who.user, who.device, HybridTimestamp{1, 0});
    throw std::runtime_error("no establishment in " + district);
  };
  auto call = [&](const std::string& method, const std::string& target, const std::string& token, const std::string& body = "",
                  std::map<std::string, std::string> extra = {}) {
    extra["fieldcheck-protocol"] = "1";
    extra["authorization"] = "Bearer " + token;
    return f.call(method, target, body, extra);
  };
  // Sends the rest of `photo` from where the caller's copy stands, as a laptop does.
  auto sendWhole = [&](const std::string& token, const std::string& photo) {
    const auto state = json::parse(call("GET", "/v1/uploads/" + sha256Hex(photo), token).body);
    for (auto offset = state["received"].get<std::uint64_t>(); offset < photo.size(); offset += protocol::kUploadChunkBytes) {
      const auto chunk = photo.substr(offset, protocol::kUploadChunkBytes);
      REQUIRE(call("PUT", "/v1/uploads/" + sha256Hex(photo), token, chunk,
                   {{"content-type", "image/jpeg"}, {"fieldcheck-offset", std::to_string(offset)},
                    {"fieldcheck-size", std::to_string(photo.size())}, {"fieldcheck-chunk-sha256", sha256Hex(chunk)}})
                  .status == 200);
    }
  };
  const auto photo = test::sampleJpeg(100'000, 5);
  const AttachmentRef ref{sha256Hex(photo), photo.size(), "image/jpeg"};
  const auto photo_url = "/v1/attachments/" + ref.sha256, upload_url = "/v1/uploads/" + ref.sha256;

  // Lan's inspection in Bảo Lạc carries her photo, sent whole from her laptop.
  REQUIRE(pushBatch(lan, {{1, "", inspectionIn("bao-lac", lan, ref)}}, *f.storage).refused.empty());
  sendWhole(lan_token, photo);
  REQUIRE(call("GET", photo_url, giam_token).status == 200);

  // Minh of Hà Quảng learnt its hash and names it in a record of his own district.
  REQUIRE(pushBatch(minh, {{1, "", inspectionIn("ha-quang", minh, ref)}}, *f.storage).refused.empty());
  // His supervisor cannot read it through that record; Minh is not told the server has it.
  CHECK(call("GET", photo_url, tuan_token).status == 404);
  auto asked = call("GET", upload_url, minh_token);
  REQUIRE(asked.status == 200);
  CHECK(json::parse(asked.body)["complete"] == false);
  CHECK(json::parse(asked.body)["received"] == 0);
  // Nor is a caller told by a chunk: his first one is the start of his own copy.
  const auto first = photo.substr(0, protocol::kUploadChunkBytes);
  auto started = call("PUT", upload_url, minh_token, first,
                      {{"content-type", "image/jpeg"}, {"fieldcheck-offset", "0"}, {"fieldcheck-size", std::to_string(photo.size())},
                       {"fieldcheck-chunk-sha256", sha256Hex(first)}});
  REQUIRE(started.status == 200);
  CHECK(json::parse(started.body)["complete"] == false);
  CHECK(call("GET", photo_url, tuan_token).status == 404);
  CHECK(call("GET", photo_url, giam_token).status == 200);

  // A device that really holds the photo (it sends it whole) may show it through its records.
  sendWhole(minh_token, photo);
  CHECK(json::parse(call("GET", upload_url, minh_token).body)["complete"] == true);
  auto shown = call("GET", photo_url, tuan_token);
  REQUIRE(shown.status == 200);
  CHECK(shown.body == photo);
}

TEST_CASE("api: an upload that is not an image, or whose whole does not match its name, is refused", "[api][attachments]") {
  Fixture f;
  const auto token = f.login();
  auto put = [&](const std::string& sha, const std::string& bytes, const std::string& type) {
    return f.call("PUT", "/v1/uploads/" + sha, bytes,
                  {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}, {"content-type", type},
                   {"fieldcheck-offset", "0"}, {"fieldcheck-size", std::to_string(bytes.size())},
                   {"fieldcheck-chunk-sha256", sha256Hex(bytes)}});
  };
  const std::string gif = "GIF89a and more";
  CHECK(put(sha256Hex(gif), gif, "image/jpeg").status == 422);
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "not what it claims";
  auto mismatch = put(sha256Hex("something else"), jpeg, "image/jpeg");
  CHECK(mismatch.status == 422);
  CHECK_THAT(json::parse(mismatch.body)["error"]["en"].get<std::string>(), Catch::Contains("from the start"));
  CHECK(f.storage->uploadState(sha256Hex("something else"), "0123456789abcdef0123456789abcdef").received == 0);
  // Files whose name matches but that only begin as an image does: a web page after a JPEG's
  // first bytes, a PNG's signature before one, a JPEG cut short. Refused for good; none is served.
  const auto page = std::string("\xFF\xD8\xFF\xE0", 4) + "<html><script>alert(document.cookie)</script></html>";
  const auto png_page = std::string("\x89PNG\r\n\x1a\n", 8) + "<html><body>hello</body></html>";
  const auto cut = test::sampleJpeg(5'000).substr(0, 3'000);
  for (const auto& [bytes, type] : {std::pair{page, "image/jpeg"}, std::pair{png_page, "image/png"}, std::pair{cut, "image/jpeg"}}) {
    auto refused = put(sha256Hex(bytes), bytes, type);
    CHECK(refused.status == 422);
    CHECK_THAT(json::parse(refused.body)["error"]["en"].get<std::string>(), Catch::Contains("not a whole JPEG or PNG"));
    CHECK_FALSE(f.storage->uploadState(sha256Hex(bytes), "0123456789abcdef0123456789abcdef").complete);
  }
  // Whole ones of both kinds are taken.
  for (const auto& [bytes, type] : {std::pair{test::sampleJpeg(5'000), "image/jpeg"}, std::pair{test::samplePng(5'000), "image/png"}}) {
    CHECK(put(sha256Hex(bytes), bytes, type).status == 200);
    CHECK(f.storage->uploadState(sha256Hex(bytes), "0123456789abcdef0123456789abcdef").complete);
  }
  CHECK(f.call("GET", "/v1/uploads/NOT-HEX", "", {{"fieldcheck-protocol", "1"}, {"authorization", "Bearer " + token}}).status == 404);
}
