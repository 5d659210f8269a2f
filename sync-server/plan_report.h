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

struct PlanReport {
  Plan plan;
  std::vector<std::pair<std::string, std::string>> districts;  // (code, name) the report covers, in order
  std::string only_district;                                   // empty: the whole province
  std::string province;
  std::string generated_at;  // local time, "YYYY-MM-DD HH:MM"
  std::vector<TargetFigure> targets;
  std::vector<BreakdownFigures> breakdowns;
  std::map<std::string, StateCounts> states;  // district code → counts
  StateCounts all_states;
};

/// Computes the report of plan `plan_ref` (its code, or empty for the only plan) over the whole
/// province or `district` (a code or a name), from the reports' index (refreshed first). Refuses
/// an unknown plan or district, and a plan whose definition has faults.
Result<PlanReport> buildPlanReport(ProvincialStorage& db, const std::string& plan_ref, const std::string& district);

enum class ReportFormat { kText, kCsv, kJson, kHtml };

/// Writes the report in `format`: text for a terminal, CSV (UTF-8 with a byte-order mark, one row
/// per target or breakdown and district) and JSON for tools, HTML as one self-contained page in
/// Vietnamese that prints on A4.
void writePlanReport(std::ostream& out, const PlanReport& report, ReportFormat format);

}  // namespace fieldcheck::server
