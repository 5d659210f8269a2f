// Computing a plan's progress report from the reports' index, and writing it.
#include "plan_report.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "console_assets.h"
#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/review.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/text.h"
#include "report_index.h"
#include "table_writer.h"


namespace fieldcheck::server {
namespace {

std::string_view reportCss() {
  for (std::size_t i = 0; i < kConsoleAssetsCount; ++i)
    if (kConsoleAssets[i].name == "report.css") return kConsoleAssets[i].bytes;
  return "";
}

using nlohmann::json;

bool counts(std::string_view state, std::string_view status) {
  return state == "approved" || (status == "finalized" && state == "submitted");
}

// A periodic report as the targets read it.
struct LatestReport {
  std::string district, day, period, codes, numbers;
};

// Each commune's or district's latest report of one form within the plan's period, among those
// that count for `status` (finalized or approved).
std::map<std::string, LatestReport> latestReports(ProvincialStorage& db, const Plan& plan, const std::string& form,
                                                  const std::string& status, const std::string& district) {
  const auto template_id = seedDocumentId(kinds::kTemplate, form);
  std::map<std::string, LatestReport> latest;
  db.scanFilled({std::string(kinds::kReport), district}, [&](const FilledRow& r) {
    if (r.template_id != template_id || !counts(r.state, status)) return;
    const auto days = periodDays(r.period);
    if (!days || days->second < plan.period_start || days->first > plan.period_end) return;
    auto& slot = latest[std::string(r.subject)];
    if (slot.day.empty() || std::tie(r.day, r.period) > std::tie(slot.day, slot.period))
      slot = {std::string(r.district), std::string(r.day), std::string(r.period), std::string(r.codes), std::string(r.numbers)};
  });
  return latest;
}

// What one share of the inspections adds up to; the shares are read in parallel, then merged.
// Districts are counted by their place in `districts` (a handful: found by a short scan).
struct Tally {
  std::vector<std::string> districts;
  std::vector<StateCounts> states;
  StateCounts all_states;
  std::vector<std::vector<std::set<std::string, std::less<>>>> distinct;  // per target, per district: ids
  std::vector<std::vector<double>> counted;                               // per target, per district
  std::vector<std::map<std::string, std::vector<double>, std::less<>>> breakdowns;  // per breakdown: code → per district
  LeftOut left_out;
  std::set<std::string, std::less<>> visited;  // establishments a finalized inspection in the period visited
  std::size_t last = 0;

  explicit Tally(const Plan& p) : distinct(p.targets.size()), counted(p.targets.size()), breakdowns(p.breakdowns.size()) {}

  std::size_t district(std::string_view code) {
    if (last < districts.size() && districts[last] == code) return last;
    for (last = 0; last < districts.size(); ++last)
      if (districts[last] == code) return last;
    districts.emplace_back(code);
    states.emplace_back();
    for (auto& d : distinct) d.emplace_back();
    for (auto& c : counted) c.emplace_back(0);
    for (auto& b : breakdowns)
      for (auto& [k, v] : b) v.push_back(0);
    return last = districts.size() - 1;
  }

  std::vector<double>& code(std::size_t breakdown, std::string_view c) {
    auto& map = breakdowns[breakdown];
    auto it = map.find(c);
    if (it == map.end()) it = map.emplace(std::string(c), std::vector<double>(districts.size(), 0)).first;
    return it->second;
  }

  void add(const Plan& p, const FilledRow& r) {
    const auto d = district(r.district);
    auto& s = states[d];
    if (r.state == "draft") ++s.draft, ++all_states.draft;
    else if (r.state == "submitted") ++s.submitted, ++all_states.submitted;
    else if (r.state == "approved") ++s.approved, ++all_states.approved;
    else ++s.returned, ++all_states.returned;
    const bool in_period = r.day >= p.period_start && r.day <= p.period_end;
    if (r.state == "draft") ++left_out.drafts;
    else if (r.state == "returned") ++left_out.returned;
    else if (!in_period) ++left_out.outside_period;
    if (!in_period) return;
    if (counts(r.state, "finalized") && visited.find(r.subject) == visited.end()) visited.emplace(r.subject);
    for (std::size_t i = 0; i < p.targets.size(); ++i) {
      const auto& m = p.targets[i].measure;
      if (m.of != r.kind || !counts(r.state, m.status)) continue;
      if (m.kind == Measure::Kind::kDistinctDocuments) {
        auto& ids = distinct[i][d];
        const auto id = m.field == inspection_fields::kEstablishment ? r.subject : r.doc_id;
        if (ids.find(id) == ids.end()) ids.emplace(id);
      } else if (m.kind == Measure::Kind::kChoiceCount && hasCode(r.codes, m.field, m.choice)) {
        counted[i][d] += 1;
      }
    }
    if (!counts(r.state, "finalized")) return;
    for (std::size_t i = 0; i < p.breakdowns.size(); ++i) {
      const auto& b = p.breakdowns[i];
      if (b.sum) {
        if (const auto v = numberOf(r.numbers, b.field)) code(i, "")[d] += *v;
      } else {
        forEachCode(r.codes, b.field, [&](std::string_view c) { code(i, c)[d] += 1; });
      }
    }
  }

  void merge(Tally&& other) {
    for (std::size_t o = 0; o < other.districts.size(); ++o) {
      const auto d = district(other.districts[o]);
      const auto& s = other.states[o];
      states[d].draft += s.draft, states[d].submitted += s.submitted, states[d].approved += s.approved, states[d].returned += s.returned;
      for (std::size_t i = 0; i < distinct.size(); ++i) {
        distinct[i][d].merge(other.distinct[i][o]);
        counted[i][d] += other.counted[i][o];
      }
      for (std::size_t i = 0; i < breakdowns.size(); ++i)
        for (const auto& [c, by] : other.breakdowns[i]) code(i, c)[d] += by[o];
    }
    all_states.draft += other.all_states.draft, all_states.submitted += other.all_states.submitted;
    all_states.approved += other.all_states.approved, all_states.returned += other.all_states.returned;
    left_out.drafts += other.left_out.drafts, left_out.returned += other.left_out.returned;
    left_out.outside_period += other.left_out.outside_period;
    visited.merge(other.visited);
  }
};

// A figure as the report prints it (Vietnamese): whole numbers grouped by thousands, shares with
// one decimal and a percent sign.
std::string figureNumber(double v, bool percent = false) {
  return percent ? formatNumber(std::round(v * 10) / 10, true) + "%" : formatNumber(std::round(v * 100) / 100, true);
}

std::string goalText(const PlanTarget& t) { return planGoalText(t); }

std::string figureText(const TargetFigure& f, double v) { return figureNumber(v, f.percent); }

std::string districtName(const PlanReport& r, const std::string& code) {
  for (const auto& [c, n] : r.districts)
    if (c == code) return n;
  return code;
}

std::string htmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// "2019-03-04" as Vietnamese readers write a date: "04/03/2019".
std::string dayText(std::string_view iso) {
  if (iso.size() < 10) return std::string(iso);
  return std::string(iso.substr(8, 2)) + "/" + std::string(iso.substr(5, 2)) + "/" + std::string(iso.substr(0, 4));
}

// "2026-11-30 10:15" as "30/11/2026 10:15".
std::string dayTimeText(std::string_view iso) { return dayText(iso) + std::string(iso.size() > 10 ? iso.substr(10) : ""); }

// The place-date line of an administrative document: "Cao Bằng, ngày 30 tháng 11 năm 2026".
// As the rules for such documents write it, a day below 10 and the months 1 and 2 take a
// leading zero ("ngày 05 tháng 02"), other months none ("tháng 3").
std::string placeDateLine(const std::string& place, std::string_view iso_day) {
  if (iso_day.size() < 10) return place;
  const auto month = std::stoi(std::string(iso_day.substr(5, 2)));
  return place + ", ngày " + std::string(iso_day.substr(8, 2)) + " tháng " +
         (month <= 2 ? std::string(iso_day.substr(5, 2)) : std::to_string(month)) + " năm " + std::string(iso_day.substr(0, 4));
}

// The line saying how many records the figures leave out and why, in one language.
std::string leftOutText(const LeftOut& l, bool english) {
  if (l.total() == 0)
    return english ? "The figures leave no record out: no draft, no returned record, none outside the period."
                   : "Số liệu không bỏ sót hồ sơ nào: không có bản nháp, hồ sơ bị trả lại hay ngoài kỳ báo cáo.";
  auto count = [english](std::size_t n, const char* vi, const char* one, const char* many) {
    return std::to_string(n) + " " + (english ? (n == 1 ? one : many) : vi);
  };
  std::vector<std::string> parts;
  if (l.drafts) parts.push_back(count(l.drafts, "bản nháp", "draft", "drafts"));
  if (l.returned) parts.push_back(count(l.returned, "bị trả lại chờ sửa", "returned for correction", "returned for correction"));
  if (l.outside_period) parts.push_back(count(l.outside_period, "ngoài kỳ báo cáo", "outside the period", "outside the period"));
  std::string out = english ? "The figures leave out " + count(l.total(), "", "record", "records") + ": "
                            : "Số liệu không tính " + std::to_string(l.total()) + " hồ sơ: ";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ".";
}

const std::vector<PendingEstablishment>& pendingIn(const PlanReport& r, const std::string& district) {
  static const std::vector<PendingEstablishment> kNone;
  const auto it = r.not_inspected.find(district);
  return it == r.not_inspected.end() ? kNone : it->second;
}

void writeText(std::ostream& out, const PlanReport& r) {
  out << r.plan.title.vi << "\n" << r.plan.title.en << "\n"
      << "Kỳ / Period: " << dayText(r.plan.period_start) << " – " << dayText(r.plan.period_end) << "   Phạm vi / Scope: "
      << (r.only_district.empty() ? r.province + " (toàn tỉnh / whole province)" : districtName(r, r.only_district))
      << "\nLập lúc / Generated: " << dayTimeText(r.generated_at) << "\n" << leftOutText(r.left_out, false) << "\n"
      << leftOutText(r.left_out, true) << "\n\n";
  out << "CHỈ TIÊU / TARGETS\n";
  for (const auto& t : r.targets) {
    out << (t.met ? " ✓ " : " · ") << t.target.label.vi << "\n   " << t.target.label.en << "\n   Kết quả / Figure: "
        << figureText(t, t.total) << "   Mục tiêu / Goal: " << goalText(t.target) << " " << t.target.unit << "   "
        << (t.met ? "ĐẠT / met" : "chưa đạt / not yet") << "\n";
  }
  out << "\nTHEO HUYỆN / BY DISTRICT\n";
  for (const auto& [code, name] : r.districts) {
    out << " " << name << "\n";
    const auto s = r.states.count(code) ? r.states.at(code) : StateCounts{};
    out << "   Phiếu kiểm tra / Inspections: nháp/draft " << s.draft << ", đã nộp/submitted " << s.submitted << ", đã duyệt/approved "
        << s.approved << ", trả lại/returned " << s.returned << "\n";
    for (const auto& t : r.targets) {
      const auto it = t.by_district.find(code);
      out << "   " << t.target.label.vi << ": " << figureText(t, it == t.by_district.end() ? 0 : it->second) << "\n";
    }
    const auto& pending = pendingIn(r, code);
    out << "   Cơ sở chưa kiểm tra trong kỳ / Not yet inspected: " << pending.size();
    for (std::size_t i = 0; i < pending.size(); ++i) out << (i ? ", " : " (") << pending[i].code << (i + 1 == pending.size() ? ")" : "");
    out << "\n";
  }
  for (const auto& b : r.breakdowns) {
    out << "\n" << b.breakdown.label.vi << " / " << b.breakdown.label.en << (b.breakdown.unit.empty() ? "" : " (" + b.breakdown.unit + ")")
        << "\n";
    for (const auto& row : b.rows) out << "   " << row.label.vi << " / " << row.label.en << ": " << figureNumber(row.total) << "\n";
  }
}

// For a person with a spreadsheet: labels, never the plan's codes (JSON keeps those for tools).
void writeCsv(std::ostream& out, const PlanReport& r) {
  auto table = csvWriter(out);
  table->header({"Mục / Section", "Chỉ tiêu / Item", "Item (English)", "Huyện / District", "Kết quả / Figure", "Mục tiêu / Goal",
                 "Đơn vị / Unit"});
  auto put = [&](const std::string& section, const Bilingual& label, const std::string& district, double value,
                 const std::string& goal, const std::string& unit) {
    table->row({section, label.vi, label.en, district.empty() ? std::string("Toàn bộ / All") : districtName(r, district), value, goal, unit});
  };
  const std::string targets = "Chỉ tiêu / Targets";
  for (const auto& t : r.targets) {
    put(targets, t.target.label, "", t.total, goalText(t.target), t.percent ? "%" : t.target.unit);
    for (const auto& [code, name] : r.districts)
      put(targets, t.target.label, code, t.by_district.count(code) ? t.by_district.at(code) : 0, "", t.percent ? "%" : t.target.unit);
  }
  for (const auto& b : r.breakdowns)
    for (const auto& row : b.rows) {
      const auto section = b.breakdown.label.vi + " / " + b.breakdown.label.en;
      put(section, row.label, "", row.total, "", b.breakdown.unit);
      for (const auto& [d, name] : r.districts)
        put(section, row.label, d, row.by_district.count(d) ? row.by_district.at(d) : 0, "", b.breakdown.unit);
    }
  table->finish();
}

json toJson(const PlanReport& r) {
  json targets = json::array();
  for (const auto& t : r.targets) {
    json by = json::object();
    for (const auto& [code, v] : t.by_district) by[code] = v;
    targets.push_back({{"code", t.target.code}, {"label", {{"vi", t.target.label.vi}, {"en", t.target.label.en}}},
                       {"figure", t.total}, {"percent", t.percent}, {"goal", goalText(t.target)}, {"unit", t.target.unit},
                       {"met", t.met}, {"by_district", by}});
  }
  json breakdowns = json::array();
  for (const auto& b : r.breakdowns) {
    json rows = json::array();
    for (const auto& row : b.rows) {
      json by = json::object();
      for (const auto& [code, v] : row.by_district) by[code] = v;
      rows.push_back({{"code", row.code}, {"label", {{"vi", row.label.vi}, {"en", row.label.en}}}, {"total", row.total}, {"by_district", by}});
    }
    breakdowns.push_back({{"field", b.breakdown.field}, {"label", {{"vi", b.breakdown.label.vi}, {"en", b.breakdown.label.en}}},
                          {"unit", b.breakdown.unit}, {"rows", rows}});
  }
  json states = json::object();
  for (const auto& [code, s] : r.states)
    states[code] = {{"draft", s.draft}, {"submitted", s.submitted}, {"approved", s.approved}, {"returned", s.returned}};
  json districts = json::array();
  for (const auto& [code, name] : r.districts) districts.push_back({{"code", code}, {"name", name}});
  json pending = json::object();
  for (const auto& [code, list] : r.not_inspected) {
    auto& slot = pending[code] = json::array();
    for (const auto& e : list) slot.push_back({{"code", e.code}, {"name", e.name}});
  }
  return {{"plan", r.plan.code}, {"title", {{"vi", r.plan.title.vi}, {"en", r.plan.title.en}}},
          {"period", {{"start", r.plan.period_start}, {"end", r.plan.period_end}}}, {"province", r.province},
          {"district", r.only_district}, {"generated_at", r.generated_at}, {"districts", districts}, {"targets", targets},
          {"breakdowns", breakdowns}, {"inspections", states},
          {"left_out", {{"total", r.left_out.total()}, {"drafts", r.left_out.drafts}, {"returned", r.left_out.returned},
                        {"outside_period", r.left_out.outside_period}}},
          {"not_inspected", pending}};
}

// A horizontal bar chart of one target per district, as inline SVG (no script, no network).
void writeChart(std::ostream& out, const PlanReport& r, const TargetFigure& t) {
  double top = t.percent ? 100 : 0;
  for (const auto& [code, v] : t.by_district) top = std::max(top, v);
  if (top <= 0) top = 1;
  const int row_height = 18, label_width = 150, bar_width = 420;
  const int height = row_height * static_cast<int>(r.districts.size()) + 4;
  out << "<svg class=\"chart\" viewBox=\"0 0 " << label_width + bar_width + 80 << " " << height << "\" role=\"img\" aria-label=\""
      << htmlEscape(t.target.label.vi) << "\">\n";
  int y = 2;
  for (const auto& [code, name] : r.districts) {
    const double v = t.by_district.count(code) ? t.by_district.at(code) : 0;
    const int w = static_cast<int>(std::lround(bar_width * v / top));
    out << "<text x=\"" << label_width - 6 << "\" y=\"" << y + 13 << "\" text-anchor=\"end\">" << htmlEscape(name) << "</text>"
        << "<rect x=\"" << label_width << "\" y=\"" << y + 3 << "\" width=\"" << w << "\" height=\"" << row_height - 6
        << "\" class=\"bar\"/><text x=\"" << label_width + w + 4 << "\" y=\"" << y + 13 << "\">" << htmlEscape(figureText(t, v))
        << "</text>\n";
    y += row_height;
  }
  out << "</svg>\n";
}

// The page, laid out as a Vietnamese administrative report (the layout of Decree 30/2020/NĐ-CP):
// the issuing body and the number line top left, the national name (Quốc hiệu) and motto (Tiêu
// ngữ, underlined) top right with the place-date line in italics under them, the title, the
// body, then "Nơi nhận" on the left and the signature block on the right.
void writeHtml(std::ostream& out, const PlanReport& r, const std::string& stylesheet_url) {
  const auto& h = r.heading;
  out << "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<title>Báo cáo — " << htmlEscape(r.plan.title.vi)
      << "</title>\n";
  if (stylesheet_url.empty())
    out << "<style>\n" << reportCss() << "</style>\n";
  else
    out << "<link rel=\"stylesheet\" href=\"" << htmlEscape(stylesheet_url) << "\">\n";
  out << "</head>\n<body>\n";
  // Heading.
  out << "<table class=\"heading\"><tr>\n<td class=\"issuer\">";
  for (std::size_t i = 0; i < h.issuer.size(); ++i)
    out << "<div class=\"" << (i + 1 == h.issuer.size() ? "issuer-body" : "issuer-line") << "\">" << htmlEscape(h.issuer[i]) << "</div>";
  out << "\n<div class=\"number\">Số: &nbsp;&nbsp;&nbsp;&nbsp;&nbsp;/" << htmlEscape(h.number_suffix) << "</div></td>\n"
      << "<td class=\"nation\"><div class=\"quoc-hieu\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>"
      << "<div class=\"tieu-ngu\"><u>Độc lập - Tự do - Hạnh phúc</u></div>\n<p class=\"place-date\"><i>"
      << htmlEscape(placeDateLine(h.place, r.generated_at)) << "</i></p></td>\n</tr></table>\n";
  out << "<h1 class=\"title\">BÁO CÁO</h1>\n<p class=\"subject\">Kết quả thực hiện " << htmlEscape(r.plan.title.vi) << "<br>"
      << htmlEscape(r.only_district.empty() ? "Phạm vi: toàn tỉnh " + r.province : "Phạm vi: huyện " + districtName(r, r.only_district))
      << " · Kỳ báo cáo: " << dayText(r.plan.period_start) << " – " << dayText(r.plan.period_end) << "</p>\n";
  out << "<p class=\"basis\">Số liệu tổng hợp lúc " << htmlEscape(dayTimeText(r.generated_at))
      << " từ các phiếu kiểm tra và báo cáo định kỳ đã hoàn tất (đã nộp hoặc đã duyệt) trong kỳ.</p>\n"
      << "<p class=\"left-out\">" << htmlEscape(leftOutText(r.left_out, false)) << " <span lang=\"en\">("
      << htmlEscape(leftOutText(r.left_out, true)) << ")</span></p>\n";
  // Body.
  out << "<h2>1. Kết quả thực hiện các chỉ tiêu</h2>\n<table class=\"data targets\">\n"
         "<tr><th>Chỉ tiêu</th><th>Kết quả</th><th>Mục tiêu</th><th>Đánh giá</th></tr>\n";
  for (const auto& t : r.targets)
    out << "<tr><td>" << htmlEscape(t.target.label.vi) << "</td><td class=\"n\">" << htmlEscape(figureText(t, t.total))
        << "</td><td class=\"n\">" << htmlEscape(goalText(t.target)) << "</td><td" << (t.met ? " class=\"met\">Đạt" : ">Chưa đạt")
        << "</td></tr>\n";
  out << "</table>\n<h2>2. Tiến độ theo huyện</h2>\n";
  for (const auto& t : r.targets) {
    out << "<section class=\"target\"><h3>" << htmlEscape(t.target.label.vi) << "</h3>\n";
    writeChart(out, r, t);
    out << "</section>\n";
  }
  // Where every record stands (the backlog), not only those the figures count: said so, since
  // the figures above keep to the plan's period.
  out << "<h2>3. Phiếu kiểm tra theo huyện</h2>\n<p class=\"note\">Mọi phiếu trên máy chủ, kể cả phiếu ngoài kỳ báo cáo.</p>\n"
         "<table class=\"data states\">\n"
         "<tr><th>Huyện</th><th>Nháp</th><th>Đã nộp</th><th>Đã duyệt</th><th>Trả lại</th></tr>\n";
  for (const auto& [code, name] : r.districts) {
    const auto s = r.states.count(code) ? r.states.at(code) : StateCounts{};
    out << "<tr><td>" << htmlEscape(name) << "</td><td class=\"n\">" << s.draft << "</td><td class=\"n\">" << s.submitted
        << "</td><td class=\"n\">" << s.approved << "</td><td class=\"n\">" << s.returned << "</td></tr>\n";
  }
  out << "</table>\n";
  int section = 4;
  for (const auto& b : r.breakdowns) {
    out << "<h2>" << section++ << ". " << htmlEscape(b.breakdown.label.vi) << (b.breakdown.unit.empty() ? "" : " (" + b.breakdown.unit + ")")
        << "</h2>\n<table class=\"data breakdown\">\n<tr><th>Huyện</th>";
    for (const auto& row : b.rows) out << "<th>" << htmlEscape(row.label.vi) << "</th>";
    out << "</tr>\n";
    for (const auto& [code, name] : r.districts) {
      out << "<tr><td>" << htmlEscape(name) << "</td>";
      for (const auto& row : b.rows)
        out << "<td class=\"n\">" << figureNumber(row.by_district.count(code) ? row.by_district.at(code) : 0) << "</td>";
      out << "</tr>\n";
    }
    out << "<tr><th>Tổng</th>";
    for (const auto& row : b.rows) out << "<th class=\"n\">" << figureNumber(row.total) << "</th>";
    out << "</tr>\n</table>\n";
  }
  out << "<h2>" << section++ << ". Cơ sở chưa được kiểm tra trong kỳ</h2>\n"
      << "<p>Cơ sở chưa có phiếu kiểm tra nào đã hoàn tất trong kỳ báo cáo, theo từng huyện.</p>\n";
  for (const auto& [code, name] : r.districts) {
    const auto& pending = pendingIn(r, code);
    out << "<section class=\"district-pending\"><h3>" << htmlEscape(name) << " (" << pending.size() << ")</h3>\n";
    if (pending.empty()) {
      out << "<p>Đã kiểm tra tất cả các cơ sở.</p>\n";
    } else {
      out << "<ul>\n";
      for (const auto& e : pending)
        out << "<li><span class=\"code\">" << htmlEscape(e.code) << "</span> " << htmlEscape(e.name) << "</li>\n";
      out << "</ul>\n";
    }
    out << "</section>\n";
  }
  // Recipients and signature.
  out << "<table class=\"signing\"><tr>\n<td class=\"recipients\"><b><i>Nơi nhận:</i></b>\n<ul>\n";
  for (const auto& line : h.recipients) out << "<li>- " << htmlEscape(line) << "</li>\n";
  out << "</ul></td>\n<td class=\"signature\">";
  if (!h.signer_authority.empty()) out << "<div class=\"signer-authority\">" << htmlEscape(h.signer_authority) << "</div>";
  out << "<div class=\"signer-title\">" << htmlEscape(h.signer_title) << "</div>"
      << "<div class=\"sign-hint\">(Ký, ghi rõ họ tên)</div><div class=\"sign-space\"></div></td>\n</tr></table>\n";
  out << "</body>\n</html>\n";
}

}  // namespace

std::string planGoalText(const PlanTarget& t) {
  if (t.goal_percent) return figureNumber(*t.goal_percent, true);
  if (t.goal_min && t.goal_max) return figureNumber(*t.goal_min) + "–" + figureNumber(*t.goal_max);
  if (t.goal_min) return "≥ " + figureNumber(*t.goal_min);
  if (t.goal) return figureNumber(*t.goal);
  return "";
}

Result<PlanReport> buildPlanReport(ProvincialStorage& db, const std::string& plan_ref, const std::string& district,
                                   IndexRefresh refresh) {
  PlanReport report;
  const auto plans = db.heads(std::string(kinds::kPlan));
  std::optional<Document> plan_doc;
  std::string known;
  for (const auto& p : plans) {
    known += (known.empty() ? "" : ", ") + textField(p, "code");
    if (plan_ref.empty() ? plans.size() == 1 : foldForSearch(textField(p, "code")) == foldForSearch(plan_ref)) plan_doc = p;
  }
  if (!plan_doc)
    return problem("Không có kế hoạch “" + plan_ref + "”. Các kế hoạch: " + known + ".",
                   "There is no plan “" + plan_ref + "”. Plans: " + known + ".");
  auto plan = parsePlan(textField(*plan_doc, "definition"));
  if (!plan) return plan.problem();
  report.plan = plan.value();
  report.province = db.setting("province").value_or("");
  if (!district.empty()) {
    const auto code = db.findDistrict(district);
    if (!code) return problem("Không có huyện “" + district + "”.", "There is no district “" + district + "”.");
    report.only_district = *code;
  }
  for (const auto& d : db.districts())
    if (report.only_district.empty() || d.first == report.only_district) report.districts.push_back(d);
  sortVietnamese(report.districts, [](const auto& d) -> const std::string& { return d.second; });
  report.heading = report.plan.heading;
  auto& heading = report.heading;
  if (heading.issuer.empty()) heading.issuer = {"UBND TỈNH " + toUpperVietnamese(report.province)};
  if (heading.place.empty()) heading.place = report.province;
  if (heading.number_suffix.empty()) heading.number_suffix = "BC-UBND";
  if (heading.recipients.empty()) heading.recipients = {"Như trên;", "Lưu: VT."};
  if (heading.signer_title.empty()) heading.signer_authority = "TM. ỦY BAN NHÂN DÂN", heading.signer_title = "CHỦ TỊCH";
  const auto offset = static_cast<std::int32_t>(std::stoi(db.setting("utc_offset_minutes").value_or("0")));
  report.generated_at = spreadsheetDateTime(DateTime{wallClockMs(), offset}).substr(0, 16);

  if (refresh == IndexRefresh::kFirst) db.refreshReportIndex();

  // Inspections: one pass, counting every target and breakdown that reads them, in shares read
  // side by side.
  const auto& p = report.plan;
  const unsigned parts = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<Tally> tallies(parts, Tally(p));
  {
    std::vector<std::thread> readers;
    std::exception_ptr failure;
    std::mutex failure_mutex;
    for (unsigned k = 0; k < parts; ++k)
      readers.emplace_back([&, k] {
        try {
          db.scanFilled({std::string(kinds::kInspection), report.only_district, k, parts},
                        [&](const FilledRow& r) { tallies[k].add(p, r); });
        } catch (...) {
          std::lock_guard lock(failure_mutex);
          failure = std::current_exception();
        }
      });
    for (auto& t : readers) t.join();
    if (failure) std::rethrow_exception(failure);
  }
  auto& all = tallies[0];
  for (unsigned k = 1; k < parts; ++k) all.merge(std::move(tallies[k]));
  report.targets.resize(p.targets.size());
  for (std::size_t d = 0; d < all.districts.size(); ++d) report.states[all.districts[d]] = all.states[d];
  report.all_states = all.all_states;
  report.left_out = all.left_out;
  // Periodic reports the figures leave out: drafts, returned ones, and those of another period.
  // (A commune's earlier report in the period is replaced by its latest, not left out.)
  db.scanFilled({std::string(kinds::kReport), report.only_district}, [&](const FilledRow& r) {
    if (r.state == "draft") ++report.left_out.drafts;
    else if (r.state == "returned") ++report.left_out.returned;
    else if (const auto days = periodDays(r.period); !days || days->second < p.period_start || days->first > p.period_end)
      ++report.left_out.outside_period;
  });
  // Establishments no finalized inspection in the period visited, per district, by code.
  for (const auto& e : db.heads(std::string(kinds::kEstablishment))) {
    const auto district_code = textField(e, "district");
    if (e.deleted || (!report.only_district.empty() && district_code != report.only_district)) continue;
    if (all.visited.find(e.id) == all.visited.end())
      report.not_inspected[district_code].push_back({textField(e, "code"), textField(e, "name")});
  }
  for (auto& [d, list] : report.not_inspected) sortVietnamese(list, [](const PendingEstablishment& e) -> const std::string& { return e.code; });
  std::vector<std::map<std::string, std::map<std::string, double>>> breakdown_counts(p.breakdowns.size());
  for (std::size_t i = 0; i < p.breakdowns.size(); ++i)
    for (const auto& [code, by] : all.breakdowns[i])
      for (std::size_t d = 0; d < all.districts.size(); ++d)
        if (by[d] != 0) breakdown_counts[i][code][all.districts[d]] = by[d];
  for (std::size_t i = 0; i < p.targets.size(); ++i) {
    report.targets[i].target = p.targets[i];
    for (std::size_t d = 0; d < all.districts.size(); ++d) {
      const auto& district = all.districts[d];
      if (p.targets[i].measure.kind == Measure::Kind::kDistinctDocuments && !all.distinct[i][d].empty())
        report.targets[i].by_district[district] = static_cast<double>(all.distinct[i][d].size());
      if (p.targets[i].measure.kind == Measure::Kind::kChoiceCount && all.counted[i][d] != 0)
        report.targets[i].by_district[district] = all.counted[i][d];
    }
  }

  // Periodic reports: each commune's or district's latest in the period.
  std::map<std::string, double> communes_by_district;
  for (const auto& c : db.heads(std::string(kinds::kCommune))) communes_by_district[textField(c, "district")] += 1;
  std::map<std::pair<std::string, std::string>, std::map<std::string, LatestReport>> read;  // (form, status): read once
  for (std::size_t i = 0; i < p.targets.size(); ++i) {
    const auto& m = p.targets[i].measure;
    auto& figure = report.targets[i];
    if (m.form.empty()) continue;
    auto [slot, fresh] = read.try_emplace({m.form, m.status});
    if (fresh) slot->second = latestReports(db, p, m.form, m.status, report.only_district);
    const auto& latest = slot->second;
    std::map<std::string, double> numerators, denominators;
    for (const auto& [subject, r] : latest) {
      switch (m.kind) {
        case Measure::Kind::kFormCount:
        case Measure::Kind::kFormShareOfCommunes:
          if (hasCode(r.codes, m.field, "true")) numerators[r.district] += 1;
          break;
        case Measure::Kind::kFormSum: numerators[r.district] += numberOf(r.numbers, m.field).value_or(0); break;
        case Measure::Kind::kFormRatio:
          numerators[r.district] += numberOf(r.numbers, m.numerator).value_or(0);
          denominators[r.district] += numberOf(r.numbers, m.denominator).value_or(0);
          break;
        default: break;
      }
    }
    if (m.kind == Measure::Kind::kFormShareOfCommunes) denominators = communes_by_district;
    figure.by_district = numerators;
    if (m.kind == Measure::Kind::kFormShareOfCommunes || m.kind == Measure::Kind::kFormRatio) {
      figure.percent = true;
      double num = 0, den = 0;
      for (const auto& [code, name] : report.districts) {
        const double n = numerators.count(code) ? numerators[code] : 0, d = denominators.count(code) ? denominators[code] : 0;
        num += n;
        den += d;
        figure.by_district[code] = d > 0 ? 100.0 * n / d : 0;
      }
      figure.total = den > 0 ? 100.0 * num / den : 0;
    }
  }
  for (auto& figure : report.targets) {
    if (!figure.percent) {
      figure.total = 0;
      for (const auto& [d, v] : figure.by_district) figure.total += v;
    }
    const auto& t = figure.target;
    figure.met = t.goal_percent ? figure.total + 1e-9 >= *t.goal_percent
                 : t.goal_min   ? figure.total + 1e-9 >= *t.goal_min
                 : t.goal       ? figure.total + 1e-9 >= *t.goal
                                : false;
  }

  // Breakdown rows with their labels from the inspection template, in the template's order.
  std::vector<ChecklistTemplate> templates;
  for (const auto& doc : db.heads(std::string(kinds::kTemplate)))
    if (textField(doc, "purpose") == "inspection")
      if (auto t = parseTemplate(textField(doc, "definition"), textField(doc, "template_id"))) templates.push_back(std::move(t.value()));
  for (std::size_t i = 0; i < p.breakdowns.size(); ++i) {
    BreakdownFigures figures{p.breakdowns[i], {}};
    auto add = [&](const std::string& code, const Bilingual& label) {
      BreakdownFigures::Row row{code, label, 0, {}};
      if (auto it = breakdown_counts[i].find(code); it != breakdown_counts[i].end()) {
        row.by_district = it->second;
        for (const auto& [d, v] : it->second) row.total += v;
        breakdown_counts[i].erase(it);
      }
      figures.rows.push_back(std::move(row));
    };
    if (p.breakdowns[i].sum) {
      add("", p.breakdowns[i].label);
    } else {
      const Question* q = nullptr;
      for (const auto& t : templates)
        if (!q) q = t.find(p.breakdowns[i].field);
      if (q)
        for (const auto& c : q->choices) add(c.code, c.label);
      while (!breakdown_counts[i].empty()) {  // codes no current template offers still count
        const auto code = breakdown_counts[i].begin()->first;
        add(code, {code, code});
      }
    }
    report.breakdowns.push_back(std::move(figures));
  }
  return report;
}

void writePlanReport(std::ostream& out, const PlanReport& report, ReportFormat format, const std::string& stylesheet_url) {
  switch (format) {
    case ReportFormat::kText: writeText(out, report); break;
    case ReportFormat::kCsv: writeCsv(out, report); break;
    case ReportFormat::kJson: out << toJson(report).dump(2) << "\n"; break;
    case ReportFormat::kHtml: writeHtml(out, report, stylesheet_url); break;
  }
}

}  // namespace fieldcheck::server
