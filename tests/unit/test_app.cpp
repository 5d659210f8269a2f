// The inspector's app below its socket: the trust check, the asset catalog, request targets, and
// the API answering as the service decides (Form after each answer, refusals as 4xx, nothing saved).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/app_api.h"
#include "app/app_trust.h"
#include "fieldcheck/http_target.h"
#include "fieldcheck/web_assets.h"
#include "inspector_service.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::client;
using nlohmann::json;

namespace {

struct AppHome {
  test::TempDir dir;
  Home home{dir / "home"};
  std::unique_ptr<AppApi> api;
  AppHome() {
    REQUIRE(initHome(home, test::sampleSeed(), "lan").ok());
    auto opened = AppApi::open(home);
    REQUIRE(opened.ok());
    api = std::move(opened.value());
  }
  AppResponse get(const std::string& target) { return api->handle({"GET", target, "", ""}); }
  AppResponse post(const std::string& target, const json& body) {
    return api->handle({"POST", target, "application/json", body.dump()});
  }
  json ok(const AppResponse& r, unsigned status = 200) {
    INFO(r.body);
    REQUIRE(r.status == status);
    return json::parse(r.body);
  }
};

// The questions of a Form that apply, by id.
std::map<std::string, json> shownQuestions(const json& form) {
  std::map<std::string, json> out;
  for (const auto& section : form["sections"])
    for (const auto& q : section["questions"]) out[q["id"].get<std::string>()] = q;
  return out;
}

TrustedRequest pageRequest(const AppTrust& trust, std::string method, std::string target, std::string cookie) {
  const auto origin = "http://127.0.0.1:" + std::to_string(trust.port());
  return {std::move(method), std::move(target), "127.0.0.1:" + std::to_string(trust.port()), origin, std::move(cookie),
          "application/json"};
}

std::string sessionCookie(const AppResponse& opened) {
  for (const auto& [name, value] : opened.headers)
    if (name == "Set-Cookie") return value.substr(0, value.find(';'));
  return "";
}

}  // namespace

TEST_CASE("app: the key works once, for a cookie only the page's own requests carry", "[app]") {
  AppTrust trust(4711);
  auto wrong = trust.check(pageRequest(trust, "GET", "/open?key=guess", ""));
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  auto opened = trust.check(pageRequest(trust, "GET", "/open?key=" + trust.key(), ""));
  REQUIRE(opened);
  CHECK(opened->status == 303);
  const auto cookie = sessionCookie(*opened);
  REQUIRE(!cookie.empty());
  bool http_only = false;
  for (const auto& [name, value] : opened->headers)
    if (name == "Set-Cookie") http_only = value.find("HttpOnly") != std::string::npos && value.find("SameSite=Strict") != std::string::npos;
  CHECK(http_only);
  // The same key again (someone who read it off the screen) gets nothing.
  auto again = trust.check(pageRequest(trust, "GET", "/open?key=" + trust.key(), ""));
  REQUIRE(again);
  CHECK(again->status == 403);

  CHECK_FALSE(trust.check(pageRequest(trust, "GET", "/api/today", cookie)));
  CHECK_FALSE(trust.check(pageRequest(trust, "POST", "/api/sync", cookie)));
  SECTION("without the cookie") {
    auto r = trust.check(pageRequest(trust, "GET", "/api/today", ""));
    REQUIRE(r);
    CHECK(r->status == 401);
    auto forged = trust.check(pageRequest(trust, "GET", "/api/today", "fc_session=" + std::string(43, 'A')));
    REQUIRE(forged);
    CHECK(forged->status == 401);
  }
  SECTION("another Host: a name rebound to 127.0.0.1") {
    auto request = pageRequest(trust, "GET", "/api/today", cookie);
    request.host = "attacker.example:4711";
    auto r = trust.check(request);
    REQUIRE(r);
    CHECK(r->status == 403);
  }
  SECTION("another site in the same browser") {
    auto read = pageRequest(trust, "GET", "/api/today", cookie);
    read.origin = "http://attacker.example";
    auto refused_read = trust.check(read);
    REQUIRE(refused_read);
    CHECK(refused_read->status == 403);
    auto request = pageRequest(trust, "POST", "/api/sync", cookie);
    request.origin = "http://attacker.example";
    auto r = trust.check(request);
    REQUIRE(r);
    CHECK(r->status == 403);
    request.origin = "";  // a POST must say where it comes from
    r = trust.check(request);
    REQUIRE(r);
    CHECK(r->status == 403);
  }
  SECTION("a form post (no preflight) is refused by its content type") {
    auto request = pageRequest(trust, "POST", "/api/sync", cookie);
    request.content_type = "application/x-www-form-urlencoded";
    auto r = trust.check(request);
    REQUIRE(r);
    CHECK(r->status == 415);
  }
}

TEST_CASE("app: every asset has a content-hashed name that the page names, and is served compressed", "[app]") {
  const EmbeddedFile files[] = {
      {"index.html", "<link href=\"/static/base.css\"><script src=\"/static/app.js\"></script><a href=\"/static/app.jsx\">"},
      {"base.css", "body{background:url(/static/logo.svg)}"},
      {"app.js", "console.log('fieldcheck')"},
      {"logo.svg", "<svg/>"},
  };
  WebAssets assets(files, std::size(files), "index.html");
  const auto app = assets.hashedPath("app.js");
  REQUIRE(app.size() == std::string("/static/app.12345678.js").size());
  const auto* page = assets.find("/");
  REQUIRE(page);
  CHECK(page->body.find(app) != std::string::npos);
  CHECK(page->body.find(assets.hashedPath("base.css")) != std::string::npos);
  CHECK(page->body.find("/static/app.jsx") != std::string::npos);  // not a name it knows: left alone
  CHECK_FALSE(page->immutable);
  const auto* css = assets.find(assets.hashedPath("base.css"));
  REQUIRE(css);
  CHECK(css->body.find(assets.hashedPath("logo.svg")) != std::string::npos);
  CHECK(css->immutable);
  CHECK(css->content_type == "text/css; charset=utf-8");
  CHECK(css->gzip_body.substr(0, 2) == "\x1f\x8b");
  CHECK(assets.find("/static/app.js") == nullptr);  // only by its hashed name
  CHECK_THROWS_AS(WebAssets(files, std::size(files), "missing.html"), std::invalid_argument);
}

TEST_CASE("app: a request target reads as decoded segments and query, and a malformed one not at all", "[app]") {
  auto t = parseHttpTarget("/api/inspections/BLC-2-0007/answer?q=ho%C3%A0ng+gia&limit=5&empty=");
  REQUIRE(t);
  CHECK(t->segments == std::vector<std::string>{"api", "inspections", "BLC-2-0007", "answer"});
  CHECK(t->param("q") == "hoàng gia");
  CHECK(t->param("limit") == "5");
  CHECK_FALSE(t->param("empty"));
  CHECK_FALSE(parseHttpTarget("/api/x%2"));
  CHECK_FALSE(parseHttpTarget("/api/x%zz"));
  CHECK_FALSE(parseHttpTarget("/api/x%00"));
  CHECK_FALSE(parseHttpTarget("api"));
}

TEST_CASE("app: each answer comes back as the core's form: what applies, what is wrong, what is missing", "[app]") {
  AppHome app;
  // CS-05 is a karaoke: its doors and rooms are asked about; CS-01 is not.
  auto form = app.ok(app.post("/api/inspections", {{"establishment", "CS-05"}}), 201);
  const auto number = form["number"].get<std::string>();
  const auto base = "/api/inspections/" + number;
  auto questions = shownQuestions(form);
  CHECK(questions.count("karaoke_doors_transparent") == 1);
  CHECK(questions.count("guest_register") == 0);
  CHECK(questions.count("prostitution_signs_description") == 0);

  SECTION("relevance: a question appears and disappears with an answer") {
    form = app.ok(app.post(base + "/answer", {{"question", "prostitution_signs"}, {"text", "yes"}}));
    CHECK(shownQuestions(form).count("prostitution_signs_description") == 1);
    form = app.ok(app.post(base + "/answer", {{"question", "prostitution_signs"}, {"text", "no"}}));
    CHECK(shownQuestions(form).count("prostitution_signs_description") == 0);
  }
  SECTION("a wrong value is refused with its message and nothing is saved") {
    app.ok(app.post(base + "/answer", {{"question", "workers_total"}, {"text", "12"}}));
    auto refused = app.post(base + "/answer", {{"question", "workers_total"}, {"text", "nhiều"}});
    CHECK(refused.status == 422);
    auto body = json::parse(refused.body);
    CHECK(body["question"] == "workers_total");
    CHECK_FALSE(body["error"]["vi"].get<std::string>().empty());
    form = app.ok(app.get(base));
    CHECK(shownQuestions(form)["workers_total"]["input"] == "12");
  }
  SECTION("numbers are shown and read back the Vietnamese way") {
    app.ok(app.post(base + "/answer", {{"question", "actions"}, {"text", "fine"}}));
    form = app.ok(app.post(base + "/answer", {{"question", "fine_amount"}, {"text", "2.000.000"}}));
    CHECK(shownQuestions(form)["fine_amount"]["input"] == "2.000.000");
    form = app.ok(app.post(base + "/answer", {{"question", "karaoke_smallest_room_m2"}, {"text", "18,5"}}));
    CHECK(shownQuestions(form)["karaoke_smallest_room_m2"]["input"] == "18,5");
  }
  SECTION("a check across answers is named beside its questions") {
    app.ok(app.post(base + "/answer", {{"question", "workers_total"}, {"text", "3"}}));
    form = app.ok(app.post(base + "/answer", {{"question", "workers_women"}, {"text", "5"}}));
    auto women = shownQuestions(form)["workers_women"];
    REQUIRE(women["messages"].size() == 1);
    CHECK(women["messages"][0]["constraint"] == "women_within_workers");
    CHECK(women["messages"][0]["level"] == "error");
  }
  SECTION("finalize refuses with the form and every missing question, and changes nothing") {
    auto refused = app.post(base + "/finalize", json::object());
    REQUIRE(refused.status == 422);
    auto body = json::parse(refused.body);
    REQUIRE(body["form"]["missing"].size() > 5);
    CHECK(body["form"]["missing"][0]["question"] == "visit_time");
    CHECK(app.ok(app.get(base))["standing"]["code"] == "draft");
  }
  SECTION("a photo upload that is not an image is refused") {
    auto r = app.api->handle({"POST", base + "/photo?question=photo_premises", "image/jpeg", "not a jpeg"});
    CHECK(r.status == 422);
    CHECK(shownQuestions(app.ok(app.get(base)))["photo_premises"]["photo"].is_null());
  }
}

TEST_CASE("app: search finds establishments without accents, and unknown things are 404", "[app]") {
  AppHome app;
  auto found = app.ok(app.get("/api/establishments?q=hoang%20gia"));
  REQUIRE(found["total"] >= 1);
  CHECK(found["items"][0]["name"] == "Karaoke Hoàng Gia");  // a name that matches comes first
  auto in_district = app.ok(app.get("/api/establishments?district=hoa%20an"));
  REQUIRE(!in_district["items"].empty());
  CHECK(in_district["total"] < 47);
  for (const auto& item : in_district["items"]) CHECK(item["district"] == "hoa-an");
  auto first_two = app.ok(app.get("/api/establishments?limit=2"));
  CHECK(first_two["items"].size() == 2);
  CHECK(first_two["total"] == 47);
  CHECK(app.get("/api/inspections/HA-9-9999").status == 404);
  CHECK(app.get("/api/nothing").status == 404);
  CHECK(app.post("/api/inspections", json::array()).status == 400);
  CHECK(app.api->handle({"POST", "/api/inspections", "application/json", "{not json"}).status == 400);
  // A name that is not text (fuzz finding tests/fuzz/regressions/app_request/query-not-utf8) is a
  // bad request, not a failure of the store.
  CHECK(app.get("/api/establishments?district=hoa%FE20an").status == 400);
  CHECK(app.get("/api/inspections/CS-%C4").status == 400);
  // Syncing needs a login first: said, not attempted.
  CHECK(app.post("/api/sync", json::object()).status == 409);
}

TEST_CASE("app: Today counts this laptop's own work as its lists show it, and waiting records not saved answers", "[app]") {
  AppHome app;
  auto empty = app.ok(app.get("/api/today"));
  CHECK(empty["status"]["drafts"] == 0);
  CHECK(empty["status"]["pending_changes"] == 0);
  auto form = app.ok(app.post("/api/inspections", {{"establishment", "CS-05"}}), 201);
  const auto base = "/api/inspections/" + form["number"].get<std::string>();
  for (const char* total : {"3", "4", "5"}) app.ok(app.post(base + "/answer", {{"question", "workers_total"}, {"text", total}}));
  auto today = app.ok(app.get("/api/today"));
  CHECK(today["status"]["drafts"] == 1);
  REQUIRE(today["drafts"].size() == 1);
  CHECK(today["drafts"][0]["number"] == form["number"]);
  CHECK(today["waiting_to_send"].size() == 1);
  // Four saves of one record: one record waiting, not four changes.
  CHECK(today["status"]["pending_changes"] == 1);
  // The code and the district are the provincial office's: not offered for correction.
  auto record = app.ok(app.get("/api/establishments/CS-05"));
  for (const auto& field : record["fields"])
    CHECK(field["editable"] == (field["id"] != "code" && field["id"] != "district"));
}
