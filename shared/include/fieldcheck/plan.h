// A province's plan as data: its targets, how each is measured, and what its report breaks down.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/result.h"

namespace fieldcheck {

/// How a target's figure is counted from finalized records within the plan's period.
struct Measure {
  enum class Kind {
    kDistinctDocuments,    // distinct values of `field` (e.g. _establishment) over records `of` in `status`
    kChoiceCount,          // records `of` whose `field` has `choice` selected (true for a yes/no question)
    kFormCount,            // communes/districts whose latest `form` report answers `field` yes
    kFormShareOfCommunes,  // the same as a share of all communes, in percent
    kFormSum,              // the sum of `field` over each commune's/district's latest `form` report
    kFormRatio,            // sum of `numerator` over sum of `denominator`, in percent
  };
  Kind kind = Kind::kDistinctDocuments;
  std::string of = "inspection";  // the kind of record counted (kDistinctDocuments, kChoiceCount)
  std::string form;               // the template id of the periodic report (kForm*)
  std::string field;
  std::string choice;
  std::string numerator;
  std::string denominator;
  std::string status = "finalized";  // "finalized" (submitted or approved) or "approved"
};

struct PlanTarget {
  std::string code;
  Bilingual label;
  std::string unit;
  std::optional<double> goal;          // an absolute figure
  std::optional<double> goal_percent;  // a share, in percent
  std::optional<double> goal_min, goal_max;
  Measure measure;
};

/// A question of the inspections whose answers the report counts by choice (violations found,
/// actions taken) or sums (fines).
struct PlanBreakdown {
  std::string field;
  Bilingual label;
  bool sum = false;  // sum the answers (an amount) instead of counting each choice
  std::string unit;
};

/// How the plan's report is headed and signed, as a Vietnamese administrative report is: the
/// issuing body top left, the number line under it, the place of the date line, who receives
/// it ("Nơi nhận") and who signs. Every part is optional; the report fills what is missing from
/// the province (an issuer "UBND TỈNH <PROVINCE>", the province as the place).
struct PlanReportHeading {
  std::vector<std::string> issuer;      // top left, each line as printed: the parent body, then the issuing one
  std::string number_suffix;            // "BC-SLĐTBXH": the number line reads "Số: ....../BC-SLĐTBXH"
  std::string place;                    // "Cao Bằng": "Cao Bằng, ngày 30 tháng 11 năm 2026"
  std::vector<std::string> recipients;  // the lines of "Nơi nhận:"
  std::string signer_authority;         // "KT. GIÁM ĐỐC" (empty when the signer signs in their own right)
  std::string signer_title;             // "PHÓ GIÁM ĐỐC"
};

struct Plan {
  std::string code;
  Bilingual title;
  int year = 0;
  std::string period_start;  // "YYYY-MM-DD", inclusive
  std::string period_end;
  std::vector<PlanTarget> targets;
  std::vector<PlanBreakdown> breakdowns;
  PlanReportHeading heading;  // "report" in plan.json
};

/// Reads a plan definition (plan.json). Refuses, listing each fault, unknown measure kinds,
/// targets without a goal or a label, a period that is not two dates in order, and a "report"
/// heading whose parts are not text (or lists of text).
Result<Plan> parsePlan(std::string_view json_text);

}  // namespace fieldcheck
