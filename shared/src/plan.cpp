// Reading a plan definition.
#include "fieldcheck/plan.h"

#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

namespace fieldcheck {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : ""; }

Bilingual bilingual(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_object()) return {};
  return {text(j[key], "vi"), text(j[key], "en")};
}

std::optional<double> number(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return std::nullopt;
}

// The entries of a list, each an object; `fault` is told about anything else (a list that is not
// one, an entry that is not an object), which is left out.
template <class Fault>
std::vector<json> objectsIn(const json& root, const char* key, Fault&& fault) {
  std::vector<json> out;
  if (!root.contains(key)) return out;
  if (!root[key].is_array()) {
    fault(key, "phải là một danh sách", "must be a list");
    return out;
  }
  for (const auto& entry : root[key]) {
    if (entry.is_object()) out.push_back(entry);
    else fault(key, "mỗi mục phải là một đối tượng JSON", "each entry must be a JSON object");
  }
  return out;
}

bool isDay(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

Result<Plan> parsePlan(std::string_view json_text) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return problem("Kế hoạch: JSON hỏng tại byte " + std::to_string(e.byte) + ".", "The plan: malformed JSON at byte " + std::to_string(e.byte) + ".");
  } catch (const json::exception&) {
    // The parser reports a number too large for a double (1e999) apart from syntax.
    return problem("Kế hoạch: JSON có số quá lớn.", "The plan: the JSON holds a number too large.");
  }
  if (!root.is_object()) return problem("Kế hoạch phải là một đối tượng JSON.", "The plan must be a JSON object.");
  Problem faults = problem("Kế hoạch có lỗi; sửa plan.json.", "The plan has faults; correct plan.json.");
  auto fault = [&](const std::string& where, const std::string& vi, const std::string& en) {
    faults.details.push_back({where + ": " + vi, where + ": " + en});
  };
  Plan plan;
  plan.code = text(root, "code");
  plan.title = bilingual(root, "title");
  if (root.contains("year")) {
    // A whole number that fits: a larger one, converted, would be undefined behaviour.
    const auto year = number(root, "year");
    if (year && *year == std::floor(*year) && *year >= 0 && *year <= 9999) plan.year = static_cast<int>(*year);
    else fault("year", "phải là một năm", "must be a year");
  }
  if (root.contains("period") && root["period"].is_object()) {
    plan.period_start = text(root["period"], "start");
    plan.period_end = text(root["period"], "end");
  }
  if (plan.code.empty()) fault("code", "thiếu mã kế hoạch", "the plan's code is missing");
  if (plan.title.vi.empty() || plan.title.en.empty()) fault("title", "cần tên tiếng Việt và tiếng Anh", "needs a Vietnamese and an English title");
  if (!isDay(plan.period_start) || !isDay(plan.period_end) || plan.period_end < plan.period_start)
    fault("period", "cần 'start' và 'end' dạng YYYY-MM-DD, theo thứ tự", "needs 'start' and 'end' as YYYY-MM-DD, in order");

  static const std::pair<const char*, Measure::Kind> kKinds[] = {
      {"distinct_documents", Measure::Kind::kDistinctDocuments}, {"choice_count", Measure::Kind::kChoiceCount},
      {"form_count", Measure::Kind::kFormCount},                 {"form_share_of_communes", Measure::Kind::kFormShareOfCommunes},
      {"form_sum", Measure::Kind::kFormSum},                     {"form_ratio", Measure::Kind::kFormRatio}};
  for (const auto& t : objectsIn(root, "targets", fault)) {
    PlanTarget target;
    target.code = text(t, "code");
    const auto where = "targets/" + (target.code.empty() ? std::string("?") : target.code);
    target.label = bilingual(t, "label");
    target.unit = text(t, "unit");
    target.goal = number(t, "goal");
    target.goal_percent = number(t, "goal_percent");
    target.goal_min = number(t, "goal_min");
    target.goal_max = number(t, "goal_max");
    if (target.code.empty()) fault(where, "thiếu 'code'", "'code' is missing");
    if (target.label.vi.empty() || target.label.en.empty()) fault(where, "cần 'label' {vi, en}", "needs a 'label' {vi, en}");
    if (!target.goal && !target.goal_percent && !target.goal_min)
      fault(where, "cần 'goal', 'goal_percent' hoặc 'goal_min'", "needs 'goal', 'goal_percent' or 'goal_min'");
    const auto m = t.contains("measure") ? t["measure"] : json::object();
    const auto kind = text(m, "kind");
    bool known = false;
    for (const auto& [name, k] : kKinds)
      if (kind == name) target.measure.kind = k, known = true;
    if (!known) fault(where, "cách đo '" + kind + "' không có", "unknown measure kind '" + kind + "'");
    auto& measure = target.measure;
    if (!text(m, "of").empty()) measure.of = text(m, "of");
    measure.form = text(m, "form");
    measure.field = text(m, "field");
    measure.choice = text(m, "choice");
    measure.numerator = text(m, "numerator");
    measure.denominator = text(m, "denominator");
    if (!text(m, "status").empty()) measure.status = text(m, "status");
    if (measure.status != "finalized" && measure.status != "approved")
      fault(where, "'status' phải là finalized hoặc approved", "'status' must be finalized or approved");
    const bool is_form = kind.rfind("form_", 0) == 0;
    if (is_form && measure.form.empty()) fault(where, "cần 'form' (mã mẫu báo cáo)", "needs 'form' (a report template id)");
    if (kind == "form_ratio" ? (measure.numerator.empty() || measure.denominator.empty()) : measure.field.empty())
      fault(where, "thiếu trường cần đo", "the field to measure is missing");
    if (kind == "choice_count" && measure.choice.empty()) fault(where, "cần 'choice'", "needs 'choice'");
    plan.targets.push_back(std::move(target));
  }
  if (plan.targets.empty()) fault("targets", "kế hoạch cần ít nhất một chỉ tiêu", "a plan needs at least one target");
  for (const auto& b : objectsIn(root, "breakdowns", fault)) {
    const bool sum = b.contains("sum") && b["sum"].is_boolean() && b["sum"].get<bool>();
    if (b.contains("sum") && !b["sum"].is_boolean()) fault("breakdowns", "'sum' phải là true hoặc false", "'sum' must be true or false");
    PlanBreakdown breakdown{text(b, "field"), bilingual(b, "label"), sum, text(b, "unit")};
    if (breakdown.field.empty() || breakdown.label.vi.empty())
      fault("breakdowns", "mỗi mục cần 'field' và 'label'", "each needs 'field' and 'label'");
    plan.breakdowns.push_back(std::move(breakdown));
  }
  if (root.contains("report")) {
    const auto& r = root["report"];
    auto lines = [&](const char* key, std::vector<std::string>& out) {
      if (!r.contains(key)) return;
      if (!r[key].is_array()) return fault(std::string("report/") + key, "phải là danh sách các dòng chữ", "must be a list of lines of text");
      for (const auto& line : r[key]) {
        if (line.is_string()) out.push_back(line.get<std::string>());
        else fault(std::string("report/") + key, "mỗi dòng phải là chữ", "each line must be text");
      }
    };
    auto line = [&](const char* key, std::string& out) {
      if (!r.contains(key)) return;
      if (r[key].is_string()) out = r[key].get<std::string>();
      else fault(std::string("report/") + key, "phải là chữ", "must be text");
    };
    if (!r.is_object()) {
      fault("report", "phải là một đối tượng JSON", "must be a JSON object");
    } else {
      auto& h = plan.heading;
      lines("issuer", h.issuer);
      line("number_suffix", h.number_suffix);
      line("place", h.place);
      lines("recipients", h.recipients);
      line("signer_authority", h.signer_authority);
      line("signer_title", h.signer_title);
    }
  }
  if (!faults.details.empty()) return faults;
  return plan;
}

}  // namespace fieldcheck
