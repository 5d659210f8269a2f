// Exports of the provincial record for spreadsheets: one row per record, one column per question
// with its label as the header, choice labels rather than codes, dates as dates, GPS positions
// as two numbers, photos by their names, people by their user names.
#pragma once

#include <functional>
#include <string>

#include "provincial_storage.h"
#include "table_writer.h"

namespace fieldcheck::server {

struct ExportOptions {
  std::string kind;           // "inspection", "report", "establishment" or "conflict"
  std::string district;       // a code or a name; empty: every district
  std::string changed_since;  // "YYYY-MM-DD": only records changed on or after it; empty: all
  bool english = false;       // headers and labels in English instead of Vietnamese
  /// Only the rows it keeps (the console's table filters); empty: every row.
  std::function<bool(const HeadRow& row)> keep = {};
};

/// Writes the current records of `options.kind` to `table`, one at a time (memory does not grow
/// with the rows). Returns how many rows it wrote. Refuses an unknown kind, district or date.
Result<std::size_t> exportRecords(ProvincialStorage& db, const ExportOptions& options, TableWriter& table);

}  // namespace fieldcheck::server
