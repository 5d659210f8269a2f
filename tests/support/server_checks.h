// What a laptop was told the server holds, and what the server holds: read from their SQLite
// files, for the tests of backups and restores.
#pragma once

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include "support/laptop.h"

namespace fieldcheck::test {

/// Document id -> the latest revision written on `laptop` that the server acknowledged: what the
/// server was told it holds (earlier ones of a batch may have been coalesced away, never these).
inline std::map<std::string, std::string> acknowledgedRevisions(const Laptop& laptop) {
  SQLite::Database db(laptop.home + "/fieldcheck.db", SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement st(db,
                       "SELECT doc_id, revision FROM revisions WHERE origin = 'local' AND seq <= "
                       "coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'acked_seq'), 0) ORDER BY seq");
  std::map<std::string, std::string> out;
  while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getString();
  return out;
}

/// The device id of `laptop`.
inline std::string laptopDevice(const Laptop& laptop) {
  SQLite::Database db(laptop.home + "/fieldcheck.db", SQLite::OPEN_READONLY, 10'000);
  return db.execAndGet("SELECT value FROM settings WHERE key = 'device_id'").getString();
}

/// (document, revision) pairs the server in `data` holds of `device`, each with how many times.
inline std::map<std::pair<std::string, std::string>, int> serverRevisions(const std::filesystem::path& data,
                                                                         const std::string& device) {
  SQLite::Database db((data / "provincial.db").string(), SQLite::OPEN_READONLY, 10'000);
  SQLite::Statement st(db, "SELECT doc_id, revision FROM changes WHERE device = ?");
  st.bind(1, device);
  std::map<std::pair<std::string, std::string>, int> out;
  while (st.executeStep()) ++out[{st.getColumn(0).getString(), st.getColumn(1).getString()}];
  return out;
}

/// The server in `data` holds every revision `laptop` had acknowledged, `expected` of them, and
/// nothing else written on that laptop. (The log's (document, revision) index is unique: a
/// revision delivered twice would show as another one, a merge or a copy, and be counted here.)
inline void checkServerHoldsExactly(const std::filesystem::path& data, const Laptop& laptop, std::size_t expected) {
  const auto held = serverRevisions(data, laptopDevice(laptop));
  const auto acknowledged = acknowledgedRevisions(laptop);
  CHECK(acknowledged.size() == expected);
  CHECK(held.size() == acknowledged.size());
  for (const auto& [doc, revision] : acknowledged) {
    INFO(doc << " " << revision);
    CHECK(held.count({doc, revision}) == 1);
  }
}

}  // namespace fieldcheck::test
