// Tables for people with a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel shows
// Vietnamese), XLSX (libxlsxwriter, constant memory) and JSON Lines, written one row at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "fieldcheck/result.h"
#include "fieldcheck/value.h"

namespace fieldcheck::server {

/// A day without a time (a date question's answer): its ISO text, "2019-05-03".
struct Day {
  std::string iso;
};

/// One cell: empty, text, a whole number, a decimal, a date and time (shown in its own offset), or
/// a day.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double, DateTime, Day>;

/// A table that could not be written (a full disk, a closed pipe).
class TableWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes a header and then rows, each as it comes: memory does not grow with the rows.
/// Not thread-safe.
class TableWriter {
 public:
  virtual ~TableWriter() = default;
  virtual void header(const std::vector<std::string>& names) = 0;
  virtual void row(const std::vector<Cell>& cells) = 0;
  /// Completes the file. Throws TableWriteError when it cannot be written.
  virtual void finish() = 0;
};

enum class TableFormat { kCsv, kXlsx, kJsonl };

/// "YYYY-MM-DD HH:MM:SS" in the date's own offset: what Excel reads as a date in a CSV.
std::string spreadsheetDateTime(const DateTime& at);

/// CSV per RFC 4180 (fields quoted when they hold a comma, a quote or a line break; CRLF rows),
/// UTF-8 with a byte-order mark.
std::unique_ptr<TableWriter> csvWriter(std::ostream& out);
/// One JSON object per row, keyed by the header; dates as ISO 8601 text.
std::unique_ptr<TableWriter> jsonlWriter(std::ostream& out);
/// An .xlsx workbook at `file` with one sheet named `sheet` (more, "sheet (2)"..., past a sheet's
/// 1,048,576 rows); dates are date cells. Refuses a file it cannot create.
Result<std::unique_ptr<TableWriter>> xlsxWriter(const std::filesystem::path& file, const std::string& sheet);

}  // namespace fieldcheck::server
