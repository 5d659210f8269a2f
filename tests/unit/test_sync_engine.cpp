// The laptop's sync loop against the real server API in-process: it ends, even when the server
// answers without moving on, and what it stored before stopping stays stored.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/seed.h"
#include "local_store.h"
#include "provincial_storage.h"
#include "sync_engine.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::client;
using namespace fieldcheck::server;

namespace {

// A province with Lan and her laptop, a fresh home that has pulled nothing: an inspector of Bảo
// Lạc, or, given no district, a provincial officer who sees the whole province.
struct Fixture {
  test::TempDir dir;
  std::unique_ptr<ProvincialStorage> server;
  LoginBudget logins{30, std::chrono::minutes(5), 100};
  std::optional<LocalStore> laptop;
  std::string token;
  std::optional<std::string> district;

  explicit Fixture(std::optional<std::string> district_ = std::string("bao-lac")) : district(std::move(district_)) {
    std::filesystem::create_directories(dir / "server");
    server = std::move(openSqliteStorage(dir / "server", true).value());
    REQUIRE(server->importSeed(loadSeed(test::sampleSeed()).value()).ok());
    const auto role = district ? Role::kInspector : Role::kProvincial;
    REQUIRE(server->addUser({"lan", role, district, false, ""}, hashPassword("secret-pass")).ok());
    auto store = LocalStore::open(dir / "laptop.db", true);
    REQUIRE(store.ok());
    laptop.emplace(std::move(store.value()));
    laptop->setSetting("user", "lan");  // as her login leaves it
    const auto issued = newToken();
    token = issued.token;
    REQUIRE(server->enrolDevice("lan", laptop->device(), "Laptop Bảo Lạc 1", issued.hash).ok());
  }

  std::int64_t laptopCursor() const { return std::stoll(laptop->setting("pull_cursor").value_or("0")); }

  // The changes a whole pull brings: the district's and the province's, or all of them.
  std::size_t serverScopeChanges() {
    SQLite::Database db((dir / "server" / "provincial.db").string(), SQLite::OPEN_READONLY);
    return static_cast<std::size_t>(
        db.execAndGet(district ? "SELECT count(*) FROM changes WHERE district = '" + *district + "' OR district IS NULL"
                               : std::string("SELECT count(*) FROM changes"))
            .getInt64());
  }
  std::size_t laptopRevisions() {
    SQLite::Database db((dir / "laptop.db").string(), SQLite::OPEN_READONLY);
    return static_cast<std::size_t>(db.execAndGet("SELECT count(*) FROM revisions").getInt64());
  }
};

// How a faulty server misbehaves.
struct Faults {
  std::int64_t cursor_lag = 0;  // reads from this many changes before the laptop's cursor
  bool drop_pushes = false;     // never takes (nor acknowledges) what the laptop pushes
};

// The server's sync endpoint through its real request handler, with `faults` of a server gone
// wrong: a cursor lag of one makes each page start with the change the laptop already has.
class ApiLink final : public SyncLink {
 public:
  ApiLink(Fixture& f, Faults faults = {}) : f_(f), faults_(faults) {}
  int exchanges = 0;

  Result<protocol::SyncResponse> exchange(const protocol::SyncRequest& request) override {
    ++exchanges;
    auto sent = request;
    sent.cursor = std::max<std::int64_t>(0, sent.cursor - faults_.cursor_lag);
    if (faults_.drop_pushes) sent.push.clear();
    const ApiRequest http{"POST", "/v1/sync",
                          {{"fieldcheck-protocol", std::to_string(protocol::kVersion)},
                           {"authorization", "Bearer " + f_.token},
                           {"content-type", protocol::kBinaryMediaType}},
                          protocol::toBinary(sent),
                          "127.0.0.1"};
    const auto reply = handle(http, *f_.server, f_.logins);
    if (reply.status != 200) return problem("Máy chủ trả lời lỗi.", "The server answered " + reply.body);
    return protocol::syncResponseFromBinary(reply.body);
  }
  Result<UploadReply> uploadState(const AttachmentRef&) override { return problem("không có ảnh", "no photos here"); }
  Result<UploadReply> uploadChunk(const AttachmentRef&, std::uint64_t, std::string_view) override {
    return problem("không có ảnh", "no photos here");
  }

 private:
  Fixture& f_;
  Faults faults_;
};

}  // namespace

TEST_CASE("sync engine: a whole first sync in small pages stores each change in scope once", "[sync-engine]") {
  const auto [district, page] = GENERATE(table<std::optional<std::string>, std::uint32_t>(
      {{std::string("bao-lac"), 1}, {std::string("bao-lac"), 7}, {std::nullopt, 1}, {std::nullopt, 7}}));
  INFO((district ? *district : "the whole province") << ", pages of " << page);
  Fixture f(district);
  ApiLink link(f);
  auto synced = synchronizeOver(*f.laptop, f.dir / "attachments", link, {1, page, 0}, {});
  REQUIRE(synced.ok());
  const auto in_scope = f.serverScopeChanges();
  REQUIRE(in_scope > 10);
  CHECK(synced.value().pulled == in_scope);
  CHECK(f.laptopRevisions() == in_scope);
  CHECK(synced.value().round_trips == (in_scope + page - 1) / page);
}

TEST_CASE("sync engine: a server whose pages repeat the change at the cursor stops the sync with an error, not a loop",
          "[sync-engine]") {
  Fixture f;
  ApiLink stuck(f, {1, false});
  auto synced = synchronizeOver(*f.laptop, f.dir / "attachments", stuck, {1, 1, 0}, {});
  REQUIRE_FALSE(synced.ok());
  CHECK_THAT(synced.problem().message.en, Catch::Contains("without moving on"));
  CHECK_THAT(synced.problem().message.vi, Catch::Contains("không tiến thêm"));
  // The first page moved the cursor and was stored; the second repeated it and stopped the sync.
  CHECK(stuck.exchanges == 2);
  CHECK(f.laptopCursor() > 0);
  CHECK(f.laptopRevisions() == 1);
}

TEST_CASE("sync engine: a sync stops after its most round trips, and the next goes on from what it stored",
          "[sync-engine]") {
  Fixture f;
  ApiLink link(f);
  auto bounded = synchronizeOver(*f.laptop, f.dir / "attachments", link, {1, 1, 3}, {});
  REQUIRE_FALSE(bounded.ok());
  CHECK_THAT(bounded.problem().message.en, Catch::Contains("3 round trips"));
  CHECK(link.exchanges == 4);  // the fourth page was fetched ahead and never stored
  CHECK(f.laptopRevisions() == 3);

  auto rest = synchronizeOver(*f.laptop, f.dir / "attachments", link, {1, 50, 0}, {});
  REQUIRE(rest.ok());
  CHECK(rest.value().pulled == f.serverScopeChanges() - 3);
  CHECK(f.laptopRevisions() == f.serverScopeChanges());
}

TEST_CASE("sync engine: a batch the server does not acknowledge stops the sync and stays on the laptop", "[sync-engine]") {
  Fixture f;
  ApiLink link(f);
  REQUIRE(synchronizeOver(*f.laptop, f.dir / "attachments", link, {}, {}).ok());
  const auto establishment = f.laptop->heads("establishment").front();
  REQUIRE(f.laptop->write(establishment.id, "establishment", [&](const Document* current) -> Result<Fields> {
    auto fields = current->fields;
    fields["phone"] = "0206 385 0000";
    return fields;
  }).ok());
  REQUIRE(f.laptop->pendingChanges() == 1);

  ApiLink deaf(f, {0, true});
  auto synced = synchronizeOver(*f.laptop, f.dir / "attachments", deaf, {0, 0, 50}, {});
  REQUIRE_FALSE(synced.ok());
  CHECK_THAT(synced.problem().message.en, Catch::Contains("did not acknowledge the batch"));
  CHECK(deaf.exchanges == 1);
  CHECK(f.laptop->pendingChanges() == 1);
  CHECK(f.server->head(establishment.id)->revision == establishment.revision);

  // A server that takes it: sent once, acknowledged, applied.
  auto retried = synchronizeOver(*f.laptop, f.dir / "attachments", link, {}, {});
  REQUIRE(retried.ok());
  CHECK(retried.value().pushed == 1);
  CHECK(f.laptop->pendingChanges() == 0);
  CHECK(f.server->head(establishment.id)->fields.at("phone") == Value{"0206 385 0000"});
}
