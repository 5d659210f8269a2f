// What a laptop's database must be after any interruption (a killed process, a cut power): sound,
// and consistent with itself. One set of checks for the Linux and the Windows program's crash tests.
#pragma once

#include <catch2/catch.hpp>

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

}  // namespace fieldcheck::test
