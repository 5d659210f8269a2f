// A plan's progress report: each target's figure against its goal, per district, with the
// violations found and actions taken, from finalized records in the plan's period.
#pragma once

#include <map>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "fieldcheck/plan.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// One target's figure, for the whole report and per district.
struct TargetFigure {
  PlanTarget target;
  double total = 0;
  std::map<std::string, double> by_district;  // district code → figure
  bool percent = false;                       // the figure is a share, in percent
  bool met = false;
};

/// Counts of one breakdown question's answers (or sums, for an amount), per choice and district.
struct BreakdownFigures {
  PlanBreakdown breakdown;
  struct Row {
    std::string code;  // the choice code; empty for an amount
    Bilingual label;
    double total = 0;
    std::map<std::string, double> by_district;
  };
  std::vector<Row> rows;
};

/// Inspections by where they stand (reviewStateCode), per district.
struct StateCounts {
  std::size_t draft = 0, submitted = 0, approved = 0, returned = 0;
};

/// The records the figures leave out, and why: each counted once, under its first reason.
struct LeftOut {
  std::size_t drafts = 0;          // not finalized
  std::size_t returned = 0;        // returned by a reviewer, waiting for correction
  std::size_t outside_period = 0;  // finalized, but their visit or period falls outside the plan's
  std::size_t total() const { return drafts + returned + outside_period; }
};

/// An establishment of the report's scope that no finalized inspection in the period visited.
struct PendingEstablishment {
  std::string code;  // "CS-43"
  std::string name;
};

struct PlanReport {
  Plan plan;
  std::vector<std::pair<std::string, std::string>> districts;  // (code, name) the report covers, in Vietnamese order of names
  std::string only_district;                                   // empty: the whole province
  std::string province;
  std::string generated_at;  // local time, "YYYY-MM-DD HH:MM"
  PlanReportHeading heading;  // the plan's, completed from the province where the plan says nothing
  std::vector<TargetFigure> targets;
  std::vector<BreakdownFigures> breakdowns;
  std::map<std::string, StateCounts> states;  // district code → counts
  StateCounts all_states;
  LeftOut left_out;  // inspections and periodic reports of the scope that no figure counts
  std::map<std::string, std::vector<PendingEstablishment>> not_inspected;  // district code → by code
};

/// Whether a report brings the reports' index up to date first (the command line), or reads it as
/// it stands (the console, which refreshes it on a schedule of its own so that its users' reports
/// never queue behind the index while laptops push).
enum class IndexRefresh { kFirst, kAsItStands };

/// Computes the report of plan `plan_ref` (its code, or empty for the only plan) over the whole
/// province or `district` (a code or a name), from the reports' index (refreshed first unless
/// `refresh` says otherwise), as of the server's clock (the generation time, in the province's
/// offset). Refuses an unknown plan or district, and a plan whose definition has faults.
Result<PlanReport> buildPlanReport(ProvincialStorage& db, const std::string& plan_ref, const std::string& district,
                                   IndexRefresh refresh = IndexRefresh::kFirst);

/// A target's goal as the Vietnamese report writes it, without its unit: "47", "80%", "2–3",
/// "≥ 2"; "" when the target has none.
std::string planGoalText(const PlanTarget& target);

enum class ReportFormat { kText, kCsv, kJson, kHtml };

/// Writes the report in `format`: text for a terminal, CSV (UTF-8 with a byte-order mark, one row
/// per target or breakdown and district, named by labels) for a spreadsheet, JSON (with the
/// plan's codes) for tools, HTML as one self-contained page in Vietnamese laid out as a
/// Vietnamese administrative report (Quốc hiệu and Tiêu ngữ, issuing body, number and
/// place-date lines, "Nơi nhận", signature block) that prints on A4. Only JSON carries the
/// plan's internal codes; what people read names targets by their labels. The HTML's styles
/// (console/web/report.css) are inline, or linked from `stylesheet_url` when given (the
/// console's pages allow no inline style).
void writePlanReport(std::ostream& out, const PlanReport& report, ReportFormat format,
                     const std::string& stylesheet_url = "");

}  // namespace fieldcheck::server
