// Server accounts and the provincial database: hashing, tokens, scope of identities, revocation.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include "accounts.h"
#include "fieldcheck/files.h"
#include "provincial_storage.h"
#include "support/temp_dir.h"

using namespace fieldcheck;
using namespace fieldcheck::server;

namespace {

std::unique_ptr<ProvincialStorage> seededStorage(const test::TempDir& dir) {
  auto storage = openSqliteStorage(dir.path(), true);
  REQUIRE(storage.ok());
  auto seed = loadSeed(test::sampleSeed());
  REQUIRE(seed.ok());
  REQUIRE(storage.value()->importSeed(seed.value()).ok());
  return std::move(storage.value());
}

}  // namespace

TEST_CASE("accounts: passwords are stored as argon2id hashes that verify only the right password", "[accounts]") {
  const auto hash = hashPassword("mật khẩu đúng");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("mật khẩu") == std::string::npos);
  CHECK(verifyPassword("mật khẩu đúng", hash));
  CHECK_FALSE(verifyPassword("mật khẩu sai", hash));
  CHECK_FALSE(verifyPassword("mật khẩu đúng", "not a hash"));
  CHECK(hashPassword("mật khẩu đúng") != hash);  // salted
}

TEST_CASE("accounts: tokens are random and only their hash is kept", "[accounts]") {
  const auto a = newToken(), b = newToken();
  CHECK(a.token != b.token);
  CHECK(a.token.size() >= 43);
  CHECK(a.hash == tokenHash(a.token));
  CHECK(a.hash.find(a.token) == std::string::npos);
}

TEST_CASE("storage: the seed is imported once, scoped by district", "[storage]") {
  test::TempDir dir;
  auto db = seededStorage(dir);
  CHECK(db->documentCount("establishment") == 47);
  auto seed = loadSeed(test::sampleSeed());
  auto again = db->importSeed(seed.value());
  REQUIRE(again.ok());
  CHECK(again.value() == 0);
  SQLite::Database raw((dir / "provincial.db").string(), SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT count(*) FROM documents WHERE kind = 'establishment' AND district IS NULL").getInt() == 0);
  CHECK(raw.execAndGet("SELECT count(*) FROM documents WHERE kind IN ('plan', 'template', 'province') AND district IS NOT NULL").getInt() == 0);
  CHECK(db->findDistrict("Bảo Lạc") == std::optional<std::string>("bao-lac"));
  CHECK(db->findDistrict("bao lac") == std::optional<std::string>("bao-lac"));
  CHECK_FALSE(db->findDistrict("Hà Nội"));
}

TEST_CASE("storage: a token names its user and device until the user is revoked", "[storage]") {
  test::TempDir dir;
  auto db = seededStorage(dir);
  User lan{"lan", Role::kInspector, std::string("bao-lac"), false, ""};
  REQUIRE(db->addUser(lan, hashPassword("secret-pass")).ok());
  auto duplicate = db->addUser(lan, hashPassword("other-pass"));
  REQUIRE_FALSE(duplicate.ok());
  CHECK_THAT(duplicate.problem().message.en, Catch::Contains("already a user"));
  // A name that differs only in case is the same name to the people who read it.
  auto shouted = db->addUser({"LAN", Role::kSupervisor, std::nullopt, false, ""}, hashPassword("other-pass"));
  REQUIRE_FALSE(shouted.ok());
  CHECK_THAT(shouted.problem().message.en, Catch::Contains("already a user “lan”"));

  const auto laptop = newToken(), phone = newToken();
  const std::string laptop_id = "0000000000000000000000000000000a";
  REQUIRE(db->enrolDevice("lan", laptop_id, "laptop", laptop.hash).ok());
  REQUIRE(db->enrolDevice("lan", "0000000000000000000000000000000b", "phone", phone.hash).ok());
  REQUIRE(db->addUser({"minh", Role::kInspector, std::string("ha-quang"), false, ""}, hashPassword("secret-pass")).ok());
  auto stolen = db->enrolDevice("minh", laptop_id, "laptop", newToken().hash);
  REQUIRE_FALSE(stolen.ok());
  CHECK_THAT(stolen.problem().message.en, Catch::Contains("enrolled for another user"));
  auto who = db->identityForToken(laptop.hash);
  REQUIRE(who);
  CHECK(who->user == "lan");
  CHECK(who->device == laptop_id);
  CHECK(who->district == std::optional<std::string>("bao-lac"));
  CHECK_FALSE(db->identityForToken(tokenHash("guessed")));

  auto revoked = db->revokeUser("lan");
  REQUIRE(revoked.ok());
  CHECK(revoked.value() == 2);
  CHECK(db->users().size() == 2);
  CHECK_FALSE(db->identityForToken(laptop.hash));
  CHECK_FALSE(db->identityForToken(phone.hash));
  CHECK_FALSE(db->revokeUser("nobody").ok());
}

TEST_CASE("storage: a revoked device's token stops working at once and it cannot enrol again, while its user goes on",
          "[storage]") {
  test::TempDir dir;
  auto db = seededStorage(dir);
  REQUIRE(db->addUser({"lan", Role::kInspector, std::string("bao-lac"), false, ""}, hashPassword("secret-pass")).ok());
  const auto lost = newToken(), kept = newToken();
  const std::string lost_id = "0000000000000000000000000000000a", kept_id = "0000000000000000000000000000000b";
  REQUIRE(db->enrolDevice("lan", lost_id, "laptop lost at Bảo Lạc", lost.hash).ok());
  REQUIRE(db->enrolDevice("lan", kept_id, "laptop", kept.hash).ok());

  auto revoked = db->revokeDevice(lost_id);
  REQUIRE(revoked.ok());
  CHECK(revoked.value().user == "lan");
  CHECK(revoked.value().revoked);
  CHECK_FALSE(db->identityForToken(lost.hash));
  REQUIRE(db->identityForToken(kept.hash));
  CHECK(db->identityForToken(kept.hash)->device == kept_id);
  CHECK_FALSE(db->users().front().revoked);
  for (const auto& d : db->devices("lan")) CHECK(d.revoked == (d.id == lost_id));

  // Whoever holds the lost laptop cannot enrol it again, even with the user's password.
  const auto relogin = newToken();
  auto again = db->enrolDevice("lan", lost_id, "laptop", relogin.hash);
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.problem().message.en, Catch::Contains("access was revoked"));
  CHECK_FALSE(db->identityForToken(relogin.hash));
  CHECK_FALSE(db->identityForToken(lost.hash));
  // The kept laptop logs in again as usual, and a new one enrols.
  CHECK(db->enrolDevice("lan", kept_id, "laptop", newToken().hash).ok());
  CHECK(db->enrolDevice("lan", "0000000000000000000000000000000c", "new laptop", newToken().hash).ok());
  CHECK_FALSE(db->revokeDevice("0000000000000000000000000000ffff").ok());
}

TEST_CASE("storage: the server's secret keys are kept in owner-only files, never in the database", "[storage][keys]") {
  test::TempDir dir;
  auto settings = [&](const std::string& key) {
    SQLite::Database db((dir / "provincial.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT count(*) FROM settings WHERE key = ?");
    st.bind(1, key);
    st.executeStep();
    return st.getColumn(0).getInt();
  };
  auto ownerOnly = [](const std::filesystem::path& file) {
    return (std::filesystem::status(file).permissions() & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
           std::filesystem::perms::none;
  };
  ProvincialStorage::Keys keys;
  {
    auto db = seededStorage(dir);
    keys = db->serverKeys();
  }
  CHECK(settings("sealing_secret") == 0);
  CHECK(settings("signing_secret") == 0);
  CHECK(settings("sealing_public") == 1);
  CHECK(fieldcheck::readWholeFile(dir / "keys" / "sealing.secret") == keys.sealing.secret_hex);
  CHECK(fieldcheck::readWholeFile(dir / "keys" / "signing.secret") == keys.signing.secret_hex);
  CHECK(ownerOnly(dir / "keys" / "sealing.secret"));
  CHECK(ownerOnly(dir / "keys"));
  {
    auto again = openSqliteStorage(dir.path(), false);
    REQUIRE(again.ok());
    CHECK(again.value()->serverKeys().signing.secret_hex == keys.signing.secret_hex);
  }

  // A database from before: its secrets in the settings table move out, the same keys.
  std::filesystem::remove_all(dir / "keys");
  {
    SQLite::Database db((dir / "provincial.db").string(), SQLite::OPEN_READWRITE);
    SQLite::Statement put(db, "INSERT INTO settings(key, value) VALUES (?, ?)");
    for (const auto& [key, value] : {std::pair{"sealing_secret", keys.sealing.secret_hex}, std::pair{"signing_secret", keys.signing.secret_hex}}) {
      put.reset();
      put.bind(1, key);
      put.bind(2, value);
      put.exec();
    }
  }
  auto old = openSqliteStorage(dir.path(), false);
  REQUIRE(old.ok());
  const auto moved = old.value()->serverKeys();
  CHECK(moved.sealing.secret_hex == keys.sealing.secret_hex);
  CHECK(moved.signing.public_hex == keys.signing.public_hex);
  CHECK(settings("sealing_secret") == 0);
  CHECK(settings("signing_secret") == 0);
  CHECK(fieldcheck::readWholeFile(dir / "keys" / "signing.secret") == keys.signing.secret_hex);
}

TEST_CASE("storage: a client's database is refused as a provincial database", "[storage]") {
  test::TempDir dir;
  {
    SQLite::Database other((dir / "provincial.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("PRAGMA application_id = 1178815299; CREATE TABLE revisions(x)");  // "FCKC", the client's
  }
  auto storage = openSqliteStorage(dir.path(), true);
  REQUIRE_FALSE(storage.ok());
  CHECK_THAT(storage.problem().message.en, Catch::Contains("is not Fieldcheck data"));
}
