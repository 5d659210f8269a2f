// CSV, XLSX and JSON Lines tables.
#include "table_writer.h"

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

class XlsxWriter final : public TableWriter {
 public:
  XlsxWriter(lxw_workbook* book, std::string sheet) : book_(book), sheet_name_(std::move(sheet)) {
    date_format_ = workbook_add_format(book_);
    format_set_num_format(date_format_, "yyyy-mm-dd hh:mm");
    header_format_ = workbook_add_format(book_);
    format_set_bold(header_format_);
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
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto col = static_cast<lxw_col_t>(i);
      const auto& c = cells[i];
      if (const auto* s = std::get_if<std::string>(&c)) worksheet_write_string(sheet_, next_row_, col, s->c_str(), nullptr);
      else if (const auto* n = std::get_if<std::int64_t>(&c))
        worksheet_write_number(sheet_, next_row_, col, static_cast<double>(*n), nullptr);
      else if (const auto* d = std::get_if<double>(&c)) worksheet_write_number(sheet_, next_row_, col, *d, nullptr);
      else if (const auto* t = std::get_if<DateTime>(&c)) {
        const auto text = spreadsheetDateTime(*t);  // YYYY-MM-DD HH:MM:SS, local to the date
        lxw_datetime when{std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)), std::stoi(text.substr(8, 2)),
                          std::stoi(text.substr(11, 2)), std::stoi(text.substr(14, 2)), std::stod(text.substr(17, 2))};
        worksheet_write_datetime(sheet_, next_row_, col, &when, date_format_);
      }
    }
    ++next_row_;
  }
  void finish() override {
    auto* book = book_;
    book_ = nullptr;
    if (const auto error = workbook_close(book); error != LXW_NO_ERROR)
      throw TableWriteError(std::string("the XLSX file could not be written: ") + lxw_strerror(error));
  }

 private:
  void newSheet() {
    ++sheets_;
    const auto name = sheets_ == 1 ? sheet_name_ : sheet_name_ + " (" + std::to_string(sheets_) + ")";
    sheet_ = workbook_add_worksheet(book_, name.c_str());
    if (!sheet_) throw TableWriteError("the XLSX sheet could not be added");
    for (std::size_t i = 0; i < names_.size(); ++i) {
      worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(i), names_[i].c_str(), header_format_);
      worksheet_set_column(sheet_, static_cast<lxw_col_t>(i), static_cast<lxw_col_t>(i), 18, nullptr);
    }
    worksheet_freeze_panes(sheet_, 1, 0);
    next_row_ = 1;
  }

  lxw_workbook* book_;
  std::string sheet_name_;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* date_format_ = nullptr;
  lxw_format* header_format_ = nullptr;
  std::vector<std::string> names_;
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
