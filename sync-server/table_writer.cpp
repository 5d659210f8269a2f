// CSV, XLSX and JSON Lines tables.
#include "table_writer.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <xlsxwriter.h>

namespace fieldcheck::server {
namespace {

// A text cell. Text a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage
// return before one) gets a leading apostrophe, so Excel and LibreOffice show it as text instead
// of running it (=HYPERLINK(...) in an owner's name, say); number cells never pass here.
void appendCsvField(std::string& line, std::string_view text) {
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    line += text;
    return;
  }
  line += '"';
  if (formula) line += '\'';
  for (char c : text) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

std::string numberText(double d) {
  nlohmann::json j(d);
  return j.dump();
}

class CsvWriter final : public TableWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}
  void header(const std::vector<std::string>& names) override {
    out_ << "\xEF\xBB\xBF";  // so that Excel reads the file as UTF-8
    std::vector<Cell> cells(names.begin(), names.end());
    row(cells);
  }
  void row(const std::vector<Cell>& cells) override {
    line_.clear();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) line_ += ',';
      const auto& c = cells[i];
      if (const auto* s = std::get_if<std::string>(&c)) appendCsvField(line_, *s);
      else if (const auto* n = std::get_if<std::int64_t>(&c)) line_ += std::to_string(*n);
      else if (const auto* d = std::get_if<double>(&c)) line_ += numberText(*d);
      else if (const auto* t = std::get_if<DateTime>(&c)) line_ += spreadsheetDateTime(*t);
      else if (const auto* day = std::get_if<Day>(&c)) line_ += day->iso;  // ISO: a date in any locale
    }
    line_ += "\r\n";
    out_ << line_;
  }
  void finish() override {
    out_.flush();
    if (!out_) throw TableWriteError("the CSV output could not be written");
  }

 private:
  std::ostream& out_;
  std::string line_;
};

class JsonlWriter final : public TableWriter {
 public:
  explicit JsonlWriter(std::ostream& out) : out_(out) {}
  void header(const std::vector<std::string>& names) override { names_ = names; }
  void row(const std::vector<Cell>& cells) override {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < cells.size() && i < names_.size(); ++i) {
      const auto& c = cells[i];
      auto& slot = j[names_[i]];
      if (const auto* s = std::get_if<std::string>(&c)) slot = *s;
      else if (const auto* n = std::get_if<std::int64_t>(&c)) slot = *n;
      else if (const auto* d = std::get_if<double>(&c)) slot = *d;
      else if (const auto* t = std::get_if<DateTime>(&c)) slot = formatDateTime(*t);
      else if (const auto* day = std::get_if<Day>(&c)) slot = day->iso;
    }
    out_ << j.dump() << '\n';
  }
  void finish() override {
    out_.flush();
    if (!out_) throw TableWriteError("the JSON Lines output could not be written");
  }

 private:
  std::ostream& out_;
  std::vector<std::string> names_;
};

// Excel's limit of rows on one sheet.
constexpr lxw_row_t kMaxSheetRows = 1'048'576;
// Column widths, in characters of the default font: fitted to the longest cell seen, within
// these bounds (a long note wraps in Excel rather than making a column a screen wide).
constexpr double kMinColumnChars = 8;
constexpr double kMaxColumnChars = 50;
// The paper an office prints on.
constexpr std::uint8_t kPaperA4 = 9;

// How many characters a text shows (code points of UTF-8: "Hòa An" is 6).
double shownChars(std::string_view text) {
  double n = 0;
  for (const unsigned char c : text)
    if ((c & 0xC0) != 0x80) n += 1;
  return n;
}

class XlsxWriter final : public TableWriter {
 public:
  XlsxWriter(lxw_workbook* book, std::string sheet) : book_(book), sheet_name_(std::move(sheet)) {
    // A real date cell, shown as people in Vietnam read dates (the CSV keeps ISO text instead:
    // Excel reads "2019-05-03 09:00" as a date in any locale, but "03/05/2019" as March 5th in
    // some); JSON Lines, for machines, keeps ISO 8601 with the offset.
    date_format_ = workbook_add_format(book_);
    format_set_num_format(date_format_, "dd/mm/yyyy hh:mm");
    day_format_ = workbook_add_format(book_);
    format_set_num_format(day_format_, "dd/mm/yyyy");
    header_format_ = workbook_add_format(book_);
    format_set_bold(header_format_);
    format_set_text_wrap(header_format_);
    format_set_align(header_format_, LXW_ALIGN_VERTICAL_TOP);
  }
  ~XlsxWriter() override {
    if (book_) workbook_close(book_);
  }
  void header(const std::vector<std::string>& names) override {
    names_ = names;
    newSheet();
  }
  void row(const std::vector<Cell>& cells) override {
    if (next_row_ >= kMaxSheetRows) newSheet();
    if (widths_.size() < cells.size()) widths_.resize(cells.size(), kMinColumnChars);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto col = static_cast<lxw_col_t>(i);
      const auto& c = cells[i];
      double chars = 0;
      if (const auto* s = std::get_if<std::string>(&c)) {
        worksheet_write_string(sheet_, next_row_, col, s->c_str(), nullptr);
        chars = shownChars(*s);
      } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
        worksheet_write_number(sheet_, next_row_, col, static_cast<double>(*n), nullptr);
        chars = static_cast<double>(std::to_string(*n).size());
      } else if (const auto* d = std::get_if<double>(&c)) {
        worksheet_write_number(sheet_, next_row_, col, *d, nullptr);
        char digits[32];
        chars = static_cast<double>(std::to_chars(digits, digits + sizeof digits, *d).ptr - digits);
      } else if (const auto* t = std::get_if<DateTime>(&c)) {
        chars = 16;  // dd/mm/yyyy hh:mm
        const auto text = spreadsheetDateTime(*t);  // YYYY-MM-DD HH:MM:SS, local to the date
        lxw_datetime when{std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)), std::stoi(text.substr(8, 2)),
                          std::stoi(text.substr(11, 2)), std::stoi(text.substr(14, 2)), std::stod(text.substr(17, 2))};
        worksheet_write_datetime(sheet_, next_row_, col, &when, date_format_);
      } else if (const auto* day = std::get_if<Day>(&c)) {
        chars = 10;  // dd/mm/yyyy
        lxw_datetime when{std::stoi(day->iso.substr(0, 4)), std::stoi(day->iso.substr(5, 2)), std::stoi(day->iso.substr(8, 2)), 0, 0, 0};
        worksheet_write_datetime(sheet_, next_row_, col, &when, day_format_);
      }
      widths_[i] = std::max(widths_[i], chars + 1);
    }
    ++next_row_;
  }
  void finish() override {
    fitColumns();
    auto* book = book_;
    book_ = nullptr;
    if (const auto error = workbook_close(book); error != LXW_NO_ERROR)
      throw TableWriteError(std::string("the XLSX file could not be written: ") + lxw_strerror(error));
  }

 private:
  // Each sheet prints as an office files it: A4 landscape, as wide as one page, the header row
  // repeated on every page and frozen on screen.
  void newSheet() {
    fitColumns();
    ++sheets_;
    const auto name = sheets_ == 1 ? sheet_name_ : sheet_name_ + " (" + std::to_string(sheets_) + ")";
    sheet_ = workbook_add_worksheet(book_, name.c_str());
    if (!sheet_) throw TableWriteError("the XLSX sheet could not be added");
    widths_.assign(names_.size(), kMinColumnChars);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(i), names_[i].c_str(), header_format_);
      // A header wraps onto a few lines rather than widening its column past its content: its
      // longest word is what it needs at least.
      double longest = 0;
      for (const auto& piece : splitWords(names_[i])) longest = std::max(longest, shownChars(piece));
      widths_[i] = std::max(widths_[i], longest + 2);
    }
    worksheet_freeze_panes(sheet_, 1, 0);
    worksheet_set_landscape(sheet_);
    worksheet_set_paper(sheet_, kPaperA4);
    worksheet_fit_to_pages(sheet_, 1, 0);  // one page wide, as many pages tall as the rows need
    worksheet_repeat_rows(sheet_, 0, 0);
    next_row_ = 1;
  }

  // Sets the current sheet's column widths to what its cells showed (libxlsxwriter writes
  // column widths when the workbook closes, so streamed rows can still decide them).
  void fitColumns() {
    if (!sheet_) return;
    for (std::size_t i = 0; i < widths_.size(); ++i)
      worksheet_set_column(sheet_, static_cast<lxw_col_t>(i), static_cast<lxw_col_t>(i), std::min(widths_[i], kMaxColumnChars), nullptr);
  }

  static std::vector<std::string_view> splitWords(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= text.size()) {
      const auto end = std::min(text.find(' ', start), text.size());
      if (end > start) out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  lxw_workbook* book_;
  std::string sheet_name_;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* date_format_ = nullptr;
  lxw_format* day_format_ = nullptr;
  lxw_format* header_format_ = nullptr;
  std::vector<std::string> names_;
  std::vector<double> widths_;  // per column of the current sheet, in characters
  lxw_row_t next_row_ = 0;
  int sheets_ = 0;
};

}  // namespace

std::string spreadsheetDateTime(const DateTime& at) {
  auto text = formatDateTime(at);  // YYYY-MM-DDTHH:MM:SS+HH:MM
  text = text.substr(0, 19);
  if (text.size() > 10) text[10] = ' ';
  return text;
}

std::unique_ptr<TableWriter> csvWriter(std::ostream& out) { return std::make_unique<CsvWriter>(out); }
std::unique_ptr<TableWriter> jsonlWriter(std::ostream& out) { return std::make_unique<JsonlWriter>(out); }

Result<std::unique_ptr<TableWriter>> xlsxWriter(const std::filesystem::path& file, const std::string& sheet) {
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  options.use_zip64 = LXW_TRUE;
  auto* book = workbook_new_opt(file.string().c_str(), &options);
  if (!book)
    return problem("Không tạo được tệp " + file.string() + ".", "Cannot create the file " + file.string() + ".");
  return std::unique_ptr<TableWriter>(std::make_unique<XlsxWriter>(book, sheet));
}

}  // namespace fieldcheck::server
