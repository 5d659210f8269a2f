// The reports' index: which fields the plans measure, and each inspection's or report's head reduced
// to them, kept up to date from the provincial log.
#include "report_index.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <set>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "fieldcheck/checklist_template.h"
#include "fieldcheck/plan.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/sqlite_database.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

namespace f = inspection_fields;

// The answers the province's plans count or sum: only these are indexed, so the index stays narrow.
std::set<std::string> measuredFields(SQLite::Database& db) {
  std::set<std::string> fields;
  SQLite::Statement plans(db,
                          "SELECT json_extract(c.fields, '$.definition') FROM documents d JOIN changes c ON c.seq = d.head_seq "
                          "WHERE d.kind = 'plan' AND c.deleted = 0");
  while (plans.executeStep()) {
    if (plans.getColumn(0).isNull()) continue;
    auto plan = parsePlan(plans.getColumn(0).getString());
    if (!plan) continue;
    for (const auto& t : plan.value().targets)
      for (const auto* name : {&t.measure.field, &t.measure.numerator, &t.measure.denominator})
        if (!name->empty() && (*name)[0] != '_') fields.insert(*name);
    for (const auto& b : plan.value().breakdowns) fields.insert(b.field);
  }
  return fields;
}

std::string localDay(const Fields& fields, const char* name) {
  auto it = fields.find(name);
  if (it == fields.end()) return "";
  const auto* at = it->second.get<DateTime>();
  return at ? formatDateTime(*at).substr(0, 10) : "";
}

// A head reduced to what reports count.
FilledRecord filledRecord(const Document& doc, const std::string& district, const std::set<std::string>& measured) {
  FilledRecord r;
  r.doc_id = doc.id;
  r.kind = doc.kind;
  r.template_id = textField(doc, f::kTemplate);
  r.district = district;
  r.state = reviewStateCode(reviewState(doc));
  if (doc.kind == kinds::kReport) {
    r.period = textField(doc, f::kPeriod);
    const auto commune = textField(doc, f::kCommune);
    r.subject = commune.empty() ? district : commune;
    if (const auto days = periodDays(r.period)) r.day = days->first;
  } else {
    r.subject = textField(doc, f::kEstablishment);
    for (const auto* when : {"visit_time", f::kFinalizedAt, f::kStartedAt})
      if (r.day.empty()) r.day = localDay(doc.fields, when);
  }
  r.codes = "|";
  r.numbers = "|";
  for (const auto& name : measured) {
    auto it = doc.fields.find(name);
    if (it == doc.fields.end()) continue;
    const auto& value = it->second;
    if (const auto* choices = value.get<Choices>()) {
      for (const auto& code : *choices) r.codes += name + "=" + code + "|";
    } else if (const auto* yes = value.get<bool>()) {
      r.codes += name + (*yes ? "=true|" : "=false|");
    } else if (const auto* code = value.get<std::string>()) {
      r.codes += name + "=" + *code + "|";
    } else if (const auto number = value.asNumber()) {
      r.numbers += name + "=" + nlohmann::json(*number).dump() + "|";
    }
  }
  return r;
}

std::string_view tokenValue(std::string_view text, std::string_view field, std::size_t from, std::size_t& next) {
  // Tokens are "|field=value|"; field names have no '|' or '='.
  while (true) {
    const auto at = text.find(field, from);
    if (at == std::string_view::npos) return {};
    from = at + 1;
    if (at == 0 || text[at - 1] != '|' || at + field.size() >= text.size() || text[at + field.size()] != '=') continue;
    const auto begin = at + field.size() + 1;
    const auto end = text.find('|', begin);
    next = end;
    return text.substr(begin, end - begin);
  }
}

// A view column reading question `q`'s answer in its JSON form (see valueToJson).
std::string viewColumns(const Question& q) {
  const auto at = "'$.\"" + q.id + "\"";
  auto column = [&](const std::string& path, const std::string& name) {
    return ",\n  json_extract(c.fields, " + at + path + "') AS \"" + name + "\"";
  };
  switch (q.type) {
    case QuestionType::kDateTime: return column(".datetime", q.id);
    case QuestionType::kMultipleChoice: return column(".choices", q.id);
    case QuestionType::kGps: return column(".lat", q.id + "_lat") + column(".lon", q.id + "_lon");
    case QuestionType::kPhoto:
    case QuestionType::kSignature: return column(".sha256", q.id);
    default: return column("", q.id);
  }
}

// Where a document's row sits among the 256 shards: ids begin with a time (newDocumentId), so
// their random part, from the 13th hex digit, spreads them evenly.
int shardOf(const std::string& id) {
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0; };
  return id.size() >= 14 ? hex(id[12]) * 16 + hex(id[13]) : 0;
}

}  // namespace

void refreshSqlViews(SQLite::Database& db) {
  struct View {
    const char* name;
    const char* kind;
    std::vector<const char*> purposes;
  };
  const View views[] = {{"inspections", "inspection", {"inspection"}},
                        {"reports", "report", {"commune_report", "district_report"}},
                        {"establishments", "establishment", {"establishment"}}};
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  std::string signature;
  std::vector<std::pair<std::string, std::string>> templates;  // (purpose, definition)
  SQLite::Statement st(db,
                       "SELECT c.revision, json_extract(c.fields, '$.purpose'), json_extract(c.fields, '$.definition') "
                       "FROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.kind = 'template' ORDER BY d.id");
  while (st.executeStep()) {
    signature += st.getColumn(0).getString() + ",";
    templates.emplace_back(st.getColumn(1).getString(), st.getColumn(2).getString());
  }
  SQLite::Statement current(db, "SELECT value FROM settings WHERE key = 'sql_views_templates'");
  if (current.executeStep() && current.getColumn(0).getString() == signature) return;
  for (const auto& view : views) {
    std::string sql = std::string("CREATE VIEW ") + view.name +
                      " AS SELECT d.id, d.district, c.author AS last_changed_by, c.received_at";
    if (std::string_view(view.kind) != "establishment")
      sql += ",\n  CASE WHEN json_extract(c.fields, '$._status') = 'finalized' THEN coalesce(json_extract(c.fields, '$._review'), "
             "'submitted') WHEN json_extract(c.fields, '$._review') = 'returned' THEN 'returned' ELSE 'draft' END AS state,\n"
             "  json_extract(c.fields, '$._establishment') AS establishment_id, json_extract(c.fields, '$._commune') AS commune,\n"
             "  json_extract(c.fields, '$._period') AS period, json_extract(c.fields, '$._finalized_at.datetime') AS finalized_at,\n"
             "  json_extract(c.fields, '$._reviewed_by') AS reviewed_by, json_extract(c.fields, '$._review_comment') AS review_comment";
    std::set<std::string> seen = {"id", "district", "last_changed_by", "received_at"};
    if (std::string_view(view.kind) != "establishment")
      seen.insert({"state", "establishment_id", "commune", "period", "finalized_at", "reviewed_by", "review_comment"});
    for (const auto& [purpose, definition] : templates) {
      if (std::find(view.purposes.begin(), view.purposes.end(), purpose) == view.purposes.end()) continue;
      auto parsed = parseTemplate(definition, "template");
      if (!parsed) continue;
      for (const auto& q : parsed.value().questions)
        if (seen.insert(q.id).second) sql += viewColumns(q);
    }
    sql += std::string("\nFROM documents d JOIN changes c ON c.seq = d.head_seq WHERE d.kind = '") + view.kind + "' AND c.deleted = 0";
    db.exec(std::string("DROP VIEW IF EXISTS ") + view.name);
    db.exec(sql);
  }
  SQLite::Statement set(db, "INSERT OR REPLACE INTO settings(key, value) VALUES ('sql_views_templates', ?)");
  set.bind(1, signature);
  set.exec();
  tx.commit();
}

bool hasCode(std::string_view codes, std::string_view field, std::string_view code) {
  bool found = false;
  forEachCode(codes, field, [&](std::string_view c) { found = found || c == code; });
  return found;
}

void forEachCode(std::string_view codes, std::string_view field, const std::function<void(std::string_view)>& each) {
  std::size_t from = 0, next = 0;
  while (true) {
    const auto value = tokenValue(codes, field, from, next);
    if (value.data() == nullptr) return;
    each(value);
    from = next;
  }
}

std::optional<double> numberOf(std::string_view numbers, std::string_view field) {
  std::size_t next = 0;
  const auto value = tokenValue(numbers, field, 0, next);
  if (value.data() == nullptr) return std::nullopt;
  try {
    return std::stod(std::string(value));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::size_t refreshReportIndex(SQLite::Database& db, std::int64_t max_changes) {
  // One refresh at a time in this process: callers that come while one runs wait for it and then
  // take only what came since, instead of reading the same stretch side by side.
  static std::mutex one_at_a_time;
  std::lock_guard lock(one_at_a_time);
  refreshSqlViews(db);
  const auto measured = measuredFields(db);
  std::string signature;
  for (const auto& name : measured) signature += name + ",";
  std::int64_t through = 0;
  {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement get(db, "SELECT key, value FROM settings WHERE key IN ('report_index_fields', 'report_indexed_through')");
    std::string indexed_signature;
    while (get.executeStep()) {
      if (get.getColumn(0).getString() == "report_indexed_through") through = std::stoll(get.getColumn(1).getString());
      else indexed_signature = get.getColumn(1).getString();
    }
    if (indexed_signature != signature) {
      // The plans measure other fields now: index everything again.
      db.exec("DELETE FROM report_index");
      through = 0;
      SQLite::Statement set(db, "INSERT OR REPLACE INTO settings(key, value) VALUES ('report_index_fields', ?), "
                                "('report_indexed_through', '0')");
      set.bind(1, signature);
      set.exec();
    }
    tx.commit();
  }
  std::size_t indexed = 0;
  // A record as the index keeps it, or the key of one to drop.
  struct Indexed {
    FilledRecord r;
    std::string number, inspector, updated_at;
    bool deleted = false;
  };
  std::vector<Indexed> rows;
  // Up to the log's end as it is now: while laptops push faster than the index takes them, a
  // call still ends (the next one takes the rest).
  auto last = db.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
  if (max_changes > 0) last = std::min(last, through + max_changes);
  while (true) {
    // Each stretch of the log is read and reduced in a read transaction, while pushes go on (the
    // reading is the slow part: every head is parsed), then written in a short one, unless another
    // refresh moved the mark meanwhile: then its rows are dropped and the reading starts again
    // from that mark, so a stale row never replaces a newer one.
    rows.clear();
    std::int64_t until = 0;
    {
      SQLite::Transaction read(db);
      if (through >= last) break;
      until = std::min(last, through + tuning::kReportIndexStepChanges);
      // Heads written in this stretch of the log; a document's older revisions are not heads. Its
      // maker: the author of its first change (a few rows per document, by changes_by_revision).
      SQLite::Statement heads(db,
                              "SELECT c.doc_id, c.kind, c.fields, c.revision, c.parents, c.deleted, c.author, c.device, c.hlc, "
                              "d.district, c.received_at, "
                              "(SELECT f.author FROM changes f WHERE f.doc_id = c.doc_id ORDER BY f.seq LIMIT 1) "
                              "FROM changes c JOIN documents d ON d.id = c.doc_id AND d.head_seq = c.seq "
                              "WHERE c.seq > ? AND c.seq <= ? AND c.kind IN ('inspection', 'report')");
      heads.bind(1, through);
      heads.bind(2, until);
      while (heads.executeStep()) {
        const auto doc = readDocumentRow(heads);
        Indexed row;
        row.deleted = doc.deleted;
        if (doc.deleted) {
          row.r.doc_id = doc.id;
          row.r.kind = doc.kind;
        } else {
          row.r = filledRecord(doc, heads.getColumn(9).isNull() ? "" : heads.getColumn(9).getString(), measured);
          // What the console's table shows: the number, who made the record, when its head came.
          row.number = textField(doc, f::kNumber);
          row.inspector = heads.getColumn(11).isNull() ? doc.author : heads.getColumn(11).getString();
          row.updated_at = heads.getColumn(10).getString();
        }
        rows.push_back(std::move(row));
      }
      heads.reset();
      read.commit();
    }
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const auto mark = db.execAndGet("SELECT coalesce((SELECT value FROM settings WHERE key = 'report_indexed_through'), '0')")
                          .getString();
    if (std::stoll(mark) != through) {
      through = std::stoll(mark);
      continue;  // the transaction rolls back: nothing was written
    }
    SQLite::Statement put(db,
                          "INSERT OR REPLACE INTO report_index(shard, doc_id, kind, template, district, subject, state, day, "
                          "period, codes, numbers, number, inspector, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    SQLite::Statement drop(db, "DELETE FROM report_index WHERE kind = ? AND shard = ? AND doc_id = ?");
    for (const auto& row : rows) {
      const auto& r = row.r;
      if (row.deleted) {
        drop.bind(1, r.kind);
        drop.bind(2, shardOf(r.doc_id));
        drop.bind(3, r.doc_id);
        drop.exec();
        drop.reset();
        continue;
      }
      put.bind(1, shardOf(r.doc_id));
      int i = 1;
      for (const auto* v : {&r.doc_id, &r.kind, &r.template_id, &r.district, &r.subject, &r.state, &r.day, &r.period, &r.codes,
                            &r.numbers, &row.number, &row.inspector, &row.updated_at})
        put.bind(++i, *v);
      put.exec();
      put.reset();
      ++indexed;
    }
    through = until;
    SQLite::Statement set(db, "INSERT OR REPLACE INTO settings(key, value) VALUES ('report_indexed_through', ?)");
    set.bind(1, std::to_string(through));
    set.exec();
    tx.commit();
  }
  return indexed;
}

void scanFilled(const std::filesystem::path& file, const FilledQuery& query, const std::function<void(const FilledRow&)>& row) {
  // Read-only, and without SQLite's per-call locking: this connection never leaves this call.
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY | SQLITE_OPEN_NOMUTEX, static_cast<int>(tuning::kBusyTimeout.count()));
  // Share k of n: the shards from k*256/n up to (k+1)*256/n.
  // The raw statement: this loop runs for every record, and reads each column in place.
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT doc_id, kind, template, district, subject, state, day, period, codes, numbers FROM report_index "
      "WHERE kind = ?1 AND shard >= ?3 AND shard < ?4 AND (?2 = '' OR district = ?2)";
  if (sqlite3_prepare_v2(db.getHandle(), sql, -1, &stmt, nullptr) != SQLITE_OK) throw SQLite::Exception(db.getHandle());
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(stmt, sqlite3_finalize);
  const unsigned parts = std::max(1u, query.parts);
  sqlite3_bind_text(stmt, 1, query.kind.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, query.district.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_int(stmt, 3, static_cast<int>(256 * query.part / parts));
  sqlite3_bind_int(stmt, 4, static_cast<int>(256 * (query.part + 1) / parts));
  auto text = [stmt](int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
    return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
  };
  FilledRow r;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    r.doc_id = text(0);
    r.kind = text(1);
    r.template_id = text(2);
    r.district = text(3);
    r.subject = text(4);
    r.state = text(5);
    r.day = text(6);
    r.period = text(7);
    r.codes = text(8);
    r.numbers = text(9);
    row(r);
  }
  if (rc != SQLITE_DONE) throw SQLite::Exception(db.getHandle(), rc);
}

}  // namespace fieldcheck::server
