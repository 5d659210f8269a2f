// What a laptop's database must be after any interruption (a killed process, a cut power): sound,
// and consistent with itself. One set of checks for the Linux and the Windows program's crash tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

namespace fieldcheck::test {

/// Checks (CHECK, so every fault is reported) that `db`, a laptop's fieldcheck.db, passes SQLite's
/// integrity and foreign-key checks, that every head points at its document's own latest revision,
/// and that every revision written on the laptop (not from the seed) waits in the outbox.
inline void checkLaptopStoreSound(SQLite::Database& db) {
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  SQLite::Statement fk(db, "PRAGMA foreign_key_check");
  CHECK_FALSE(fk.executeStep());
  CHECK(db.execAndGet("SELECT count(*) FROM documents d LEFT JOIN revisions r ON r.seq = d.head_seq "
                      "WHERE r.doc_id IS NOT d.id OR r.seq != (SELECT max(seq) FROM revisions WHERE doc_id = d.id)")
            .getInt() == 0);
  CHECK(db.execAndGet("SELECT count(*) FROM revisions WHERE author != 'seed'").getInt() ==
        db.execAndGet("SELECT count(*) FROM outbox").getInt());
}

/// Checks what a run of saves `inspect set ID workers_total=V` (V = 1, 2, ...; `returned[V]` true when
/// that command returned, false when it was killed) left in the inspection `id`: its head holds the
/// last returned save or a later one that committed just before its kill, every returned save is in
/// the history exactly once, and a killed one at most once.
inline void checkSavesKept(SQLite::Database& db, const std::string& id, const std::vector<bool>& returned,
                           int last_completed) {
  const auto head = db.execAndGet("SELECT json_extract(fields, '$.workers_total') FROM heads WHERE id = '" + id + "'");
  CHECK((head.isNull() ? 0 : head.getInt()) >= last_completed);
  SQLite::Statement per_value(db, "SELECT count(*) FROM revisions WHERE doc_id = ? AND json_extract(fields, '$.workers_total') = ?");
  for (std::size_t v = 1; v < returned.size(); ++v) {
    per_value.reset();
    per_value.bind(1, id);
    per_value.bind(2, static_cast<int>(v));
    REQUIRE(per_value.executeStep());
    const int stored = per_value.getColumn(0).getInt();
    INFO("value " << v << (returned[v] ? " (returned)" : " (killed)"));
    if (returned[v]) CHECK(stored == 1);
    else CHECK(stored <= 1);
  }
}

}  // namespace fieldcheck::test
