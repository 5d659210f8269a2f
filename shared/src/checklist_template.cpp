// Loading and checking checklist templates from their JSON files.
#include "fieldcheck/checklist_template.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "fieldcheck/text.h"

namespace fieldcheck {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultTextMaxLength = 2000;
constexpr std::size_t kMaxQuestions = 500;
constexpr std::size_t kMaxChoices = 200;
constexpr std::size_t kMaxConstraints = 200;

// The dotted names a constraint may read besides questions: what the caller supplies.
constexpr std::string_view kConstraintContextNames[] = {"plan.start",       "plan.end",         "province.lat_min",
                                                        "province.lat_max", "province.lon_min", "province.lon_max"};

struct TypeName {
  QuestionType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {QuestionType::kYesNo, "yes_no"},
    {QuestionType::kInteger, "integer"},
    {QuestionType::kDecimal, "decimal"},
    {QuestionType::kText, "text"},
    {QuestionType::kSingleChoice, "single_choice"},
    {QuestionType::kMultipleChoice, "multiple_choice"},
    {QuestionType::kDateTime, "datetime"},
    {QuestionType::kGps, "gps"},
    {QuestionType::kPhoto, "photo"},
    {QuestionType::kSignature, "signature"},
    {QuestionType::kDate, "date"},
};

bool hasChoices(QuestionType t) {
  return t == QuestionType::kSingleChoice || t == QuestionType::kMultipleChoice;
}
bool isNumeric(QuestionType t) { return t == QuestionType::kInteger || t == QuestionType::kDecimal; }

// Collects every fault of one template so the officer fixing it sees them all at once.
class Faults {
 public:
  explicit Faults(std::string source) : source_(std::move(source)) {}

  void add(const std::string& where_vi, const std::string& where_en, const std::string& vi,
           const std::string& en) {
    details_.push_back({source_ + ": " + where_vi + vi, source_ + ": " + where_en + en});
  }
  void template_(const std::string& vi, const std::string& en) { add("", "", vi, en); }
  void question(const std::string& id, const std::string& vi, const std::string& en) {
    add("câu hỏi '" + id + "': ", "question '" + id + "': ", vi, en);
  }
  bool any() const { return !details_.empty(); }
  Problem problem() const {
    return Problem{{"Mẫu phiếu " + source_ + " không hợp lệ; hãy sửa các lỗi dưới đây rồi nạp lại.",
                    "Template " + source_ + " is not valid; fix the faults below and load it again."},
                   details_};
  }

 private:
  std::string source_;
  std::vector<Bilingual> details_;
};

std::optional<Bilingual> readBilingual(const json& j) {
  if (!j.is_object() || !j.contains("vi") || !j.contains("en") || !j["vi"].is_string() ||
      !j["en"].is_string() || j.size() != 2)
    return std::nullopt;
  auto vi = j["vi"].get<std::string>(), en = j["en"].get<std::string>();
  if (vi.empty() || en.empty() || !isCleanUtf8(vi) || !isCleanUtf8(en)) return std::nullopt;
  return Bilingual{toNfc(vi), toNfc(en)};
}

bool isCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void checkCondition(const std::string& key, const Question& q, const Expression& expr,
                    const std::vector<Question>& earlier, Faults& faults) {
  for (const auto& name : expr.names()) {
    if (name.rfind("establishment.", 0) == 0 && name.size() > 14) continue;
    if (name == q.id) {
      faults.question(q.id, key + " không được tham chiếu chính câu hỏi này",
                      key + " cannot refer to the question itself");
      continue;
    }
    auto it = std::find_if(earlier.begin(), earlier.end(),
                           [&](const Question& e) { return e.id == name; });
    if (it == earlier.end())
      faults.question(q.id, key + " tham chiếu '" + name + "', không phải câu hỏi đứng trước",
                      key + " refers to '" + name +
                          "', which is not a question asked before this one");
  }
  for (const auto& [qid, code] : expr.selectedCodes()) {
    auto it = std::find_if(earlier.begin(), earlier.end(),
                           [&](const Question& e) { return e.id == qid; });
    if (it == earlier.end()) continue;  // reported above
    if (!hasChoices(it->type))
      faults.question(q.id, key + ": selected() cần câu hỏi lựa chọn, '" + qid + "' thì không",
                      key + ": selected() needs a choice question, '" + qid + "' is not one");
    else if (!it->findChoice(code))
      faults.question(q.id, key + ": '" + qid + "' không có lựa chọn '" + code + "'",
                      key + ": '" + qid + "' has no choice '" + code + "'");
  }
}

std::optional<Question> readQuestion(const json& j, std::size_t index,
                                     const std::vector<Question>& earlier, Faults& faults) {
  static const std::set<std::string> kKeys = {"id",       "type",        "label",    "hint",
                                              "section",  "unit",        "required", "required_if",
                                              "relevant", "min",         "max",      "max_length",
                                              "choices",  "exclusive"};
  const std::string position = "#" + std::to_string(index + 1);
  if (!j.is_object()) {
    faults.add("câu hỏi " + position + ": ", "question " + position + ": ", "phải là một đối tượng JSON",
               "must be a JSON object");
    return std::nullopt;
  }
  Question q;
  if (!j.contains("id") || !j["id"].is_string() || !isValidQuestionId(j["id"].get<std::string>())) {
    faults.add("câu hỏi " + position + ": ", "question " + position + ": ",
               "thiếu 'id' hoặc 'id' sai dạng (chữ thường, số, '_', bắt đầu bằng chữ)",
               "'id' missing or malformed (lowercase letters, digits, '_', starting with a letter)");
    return std::nullopt;
  }
  q.id = j["id"].get<std::string>();
  const std::size_t faults_before = faults.problem().details.size();

  for (const auto& [key, _] : j.items())
    if (!kKeys.count(key))
      faults.question(q.id, "khóa lạ '" + key + "' (có gõ nhầm không?)",
                      "unknown key '" + key + "' (a typo?)");

  const auto type_name = j.value("type", json()).is_string() ? j["type"].get<std::string>() : "";
  auto type_it = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                              [&](const TypeName& t) { return t.name == type_name; });
  if (type_it == std::end(kTypeNames)) {
    faults.question(q.id, "'type' phải là một trong: yes_no, integer, decimal, text, single_choice, multiple_choice, datetime, gps, photo, signature",
                    "'type' must be one of: yes_no, integer, decimal, text, single_choice, multiple_choice, datetime, gps, photo, signature");
  } else {
    q.type = type_it->type;
  }

  if (auto label = j.contains("label") ? readBilingual(j["label"]) : std::nullopt) {
    q.label = *label;
  } else {
    faults.question(q.id, "'label' phải có 'vi' và 'en' (không rỗng)",
                    "'label' must have non-empty 'vi' and 'en'");
  }
  for (const char* key : {"hint", "section"}) {
    if (!j.contains(key)) continue;
    auto text = readBilingual(j[key]);
    if (!text)
      faults.question(q.id, std::string("'") + key + "' phải có 'vi' và 'en'",
                      std::string("'") + key + "' must have 'vi' and 'en'");
    (std::string_view(key) == "hint" ? q.hint : q.section) = text;
  }
  if (j.contains("unit")) {
    if (j["unit"].is_string()) q.unit = j["unit"].get<std::string>();
    else faults.question(q.id, "'unit' phải là chuỗi", "'unit' must be text");
  }
  if (j.contains("required")) {
    if (j["required"].is_boolean()) q.required = j["required"].get<bool>();
    else faults.question(q.id, "'required' phải là true hoặc false", "'required' must be true or false");
  }

  for (const char* key : {"min", "max"}) {
    if (!j.contains(key)) continue;
    if (!isNumeric(q.type)) {
      faults.question(q.id, std::string("'") + key + "' chỉ dùng cho câu hỏi số",
                      std::string("'") + key + "' applies to number questions only");
    } else if (!j[key].is_number() || !std::isfinite(j[key].get<double>())) {
      faults.question(q.id, std::string("'") + key + "' phải là số", std::string("'") + key + "' must be a number");
    } else {
      const double v = j[key].get<double>();
      if (q.type == QuestionType::kInteger && v != std::floor(v))
        faults.question(q.id, std::string("'") + key + "' của câu hỏi số nguyên phải là số nguyên",
                        std::string("'") + key + "' of an integer question must be whole");
      (std::string_view(key) == "min" ? q.min : q.max) = v;
    }
  }
  if (q.min && q.max && *q.min > *q.max)
    faults.question(q.id, "'min' (" + fmt(*q.min) + ") lớn hơn 'max' (" + fmt(*q.max) + ")",
                    "'min' (" + fmt(*q.min) + ") is greater than 'max' (" + fmt(*q.max) + ")");

  if (q.type == QuestionType::kText) q.max_length = kDefaultTextMaxLength;
  if (j.contains("max_length")) {
    if (q.type != QuestionType::kText)
      faults.question(q.id, "'max_length' chỉ dùng cho câu hỏi văn bản",
                      "'max_length' applies to text questions only");
    else if (!j["max_length"].is_number_unsigned() || j["max_length"].get<std::size_t>() == 0)
      faults.question(q.id, "'max_length' phải là số nguyên dương",
                      "'max_length' must be a positive whole number");
    else
      q.max_length = j["max_length"].get<std::size_t>();
  }

  if (hasChoices(q.type)) {
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
        j["choices"].size() > kMaxChoices) {
      faults.question(q.id, "cần danh sách 'choices' (1 đến 200 lựa chọn)",
                      "needs a 'choices' list (1 to 200 choices)");
    } else {
      std::set<std::string> codes;
      for (const auto& c : j["choices"]) {
        const bool code_ok = c.is_object() && c.contains("code") && c["code"].is_string() &&
                             isCode(c["code"].get<std::string>());
        auto label = c.is_object() && c.contains("label") ? readBilingual(c["label"]) : std::nullopt;
        if (!code_ok || !label || c.size() != 2) {
          faults.question(q.id, "mỗi lựa chọn cần đúng 'code' (chữ thường, số, '_', '-') và 'label' {vi, en}",
                          "each choice needs exactly 'code' (lowercase, digits, '_', '-') and 'label' {vi, en}");
          continue;
        }
        const auto code = c["code"].get<std::string>();
        if (!codes.insert(code).second)
          faults.question(q.id, "mã lựa chọn '" + code + "' bị trùng", "choice code '" + code + "' appears twice");
        q.choices.push_back({code, *label});
      }
    }
  } else if (j.contains("choices")) {
    faults.question(q.id, "'choices' chỉ dùng cho câu hỏi lựa chọn",
                    "'choices' applies to choice questions only");
  }
  if (j.contains("exclusive")) {
    if (q.type != QuestionType::kMultipleChoice) {
      faults.question(q.id, "'exclusive' chỉ dùng cho câu hỏi chọn nhiều",
                      "'exclusive' applies to multiple-choice questions only");
    } else if (!j["exclusive"].is_array() || j["exclusive"].empty() || j["exclusive"].size() > kMaxChoices) {
      faults.question(q.id, "'exclusive' phải là danh sách mã lựa chọn", "'exclusive' must be a list of choice codes");
    } else {
      for (const auto& c : j["exclusive"]) {
        const auto code = c.is_string() ? c.get<std::string>() : std::string();
        if (!c.is_string() || !q.findChoice(code))
          faults.question(q.id, "'exclusive': '" + (c.is_string() ? code : c.dump()) + "' không phải lựa chọn của câu này",
                          "'exclusive': '" + (c.is_string() ? code : c.dump()) + "' is not a choice of this question");
        else if (std::find(q.exclusive.begin(), q.exclusive.end(), code) != q.exclusive.end())
          faults.question(q.id, "'exclusive': '" + code + "' bị trùng", "'exclusive': '" + code + "' appears twice");
        else
          q.exclusive.push_back(code);
      }
    }
  }

  for (const char* key : {"relevant", "required_if"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string()) {
      faults.question(q.id, std::string("'") + key + "' phải là biểu thức dạng chuỗi",
                      std::string("'") + key + "' must be an expression in a string");
      continue;
    }
    auto parsed = Expression::parse(j[key].get<std::string>());
    if (!parsed) {
      faults.question(q.id, std::string(key) + ": " + parsed.problem().message.vi,
                      std::string(key) + ": " + parsed.problem().message.en);
      continue;
    }
    checkCondition(key, q, parsed.value(), earlier, faults);
    (std::string_view(key) == "relevant" ? q.relevant : q.required_if) = parsed.value();
  }
  if (q.required && q.required_if)
    faults.question(q.id, "không dùng cùng lúc 'required': true và 'required_if'",
                    "'required': true and 'required_if' cannot both be set");

  if (faults.problem().details.size() != faults_before) return std::nullopt;
  return q;
}

// Reads the template's "constraints" against its questions (all of them: a constraint may
// compare any two answers), one fault per problem naming the constraint.
std::vector<Constraint> readConstraints(const json& list, const std::vector<Question>& questions, Faults& faults) {
  std::vector<Constraint> out;
  if (!list.is_array() || list.size() > kMaxConstraints) {
    faults.template_("'constraints' phải là danh sách (tối đa 200 ràng buộc)",
                     "'constraints' must be a list (200 constraints at most)");
    return out;
  }
  static const std::set<std::string> kKeys = {"id", "level", "check", "message", "questions"};
  std::set<std::string> ids;
  const auto find = [&](const std::string& id) -> const Question* {
    for (const auto& q : questions)
      if (q.id == id) return &q;
    return nullptr;
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& j = list[i];
    const std::string position = "#" + std::to_string(i + 1);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || !isValidQuestionId(j["id"].get<std::string>())) {
      faults.add("ràng buộc " + position + ": ", "constraint " + position + ": ",
                 "thiếu 'id' hoặc 'id' sai dạng (chữ thường, số, '_', bắt đầu bằng chữ)",
                 "'id' missing or malformed (lowercase letters, digits, '_', starting with a letter)");
      continue;
    }
    const auto id = j["id"].get<std::string>();
    const auto fault = [&](const std::string& vi, const std::string& en) {
      faults.add("ràng buộc '" + id + "': ", "constraint '" + id + "': ", vi, en);
    };
    const std::size_t faults_before = faults.problem().details.size();
    if (!ids.insert(id).second) fault("mã ràng buộc bị trùng", "constraint id appears twice");
    for (const auto& [key, _] : j.items())
      if (!kKeys.count(key)) fault("khóa lạ '" + key + "' (có gõ nhầm không?)", "unknown key '" + key + "' (a typo?)");

    const auto level_name = j.contains("level") && j["level"].is_string() ? j["level"].get<std::string>() : "";
    const auto level = level_name == "error" ? ConstraintLevel::kError : ConstraintLevel::kWarning;
    if (level_name != "error" && level_name != "warning")
      fault("'level' phải là \"error\" hoặc \"warning\"", "'level' must be \"error\" or \"warning\"");

    const auto message = j.contains("message") ? readBilingual(j["message"]) : std::nullopt;
    if (!message)
      fault("'message' phải có 'vi' và 'en' (không rỗng)", "'message' must have non-empty 'vi' and 'en'");

    std::optional<Expression> check;
    if (!j.contains("check") || !j["check"].is_string()) {
      fault("'check' phải là biểu thức dạng chuỗi", "'check' must be an expression in a string");
    } else if (auto parsed = Expression::parse(j["check"].get<std::string>()); !parsed) {
      fault("check: " + parsed.problem().message.vi, "check: " + parsed.problem().message.en);
    } else {
      check = parsed.value();
      for (const auto& name : check->names()) {
        if (name.rfind("establishment.", 0) == 0 && name.size() > 14) continue;
        if (std::find(std::begin(kConstraintContextNames), std::end(kConstraintContextNames), name) !=
            std::end(kConstraintContextNames))
          continue;
        if (!find(name))
          fault("check tham chiếu '" + name + "', không phải câu hỏi của mẫu phiếu",
                "check refers to '" + name + "', which is not a question of the template");
      }
      for (const auto& [qid, code] : check->selectedCodes()) {
        const auto* q = find(qid);
        if (!q) continue;  // reported above
        if (!hasChoices(q->type))
          fault("check: selected() cần câu hỏi lựa chọn, '" + qid + "' thì không",
                "check: selected() needs a choice question, '" + qid + "' is not one");
        else if (!q->findChoice(code))
          fault("check: '" + qid + "' không có lựa chọn '" + code + "'", "check: '" + qid + "' has no choice '" + code + "'");
      }
    }

    // The questions it concerns: as listed, else those its check reads; in template order.
    std::vector<std::string> concerned;
    if (j.contains("questions")) {
      if (!j["questions"].is_array() || j["questions"].empty()) {
        fault("'questions' phải là danh sách mã câu hỏi", "'questions' must be a list of question ids");
      } else {
        for (const auto& q : j["questions"]) {
          const auto qid = q.is_string() ? q.get<std::string>() : q.dump();
          if (!q.is_string() || !find(qid))
            fault("'questions': '" + qid + "' không phải câu hỏi của mẫu phiếu",
                  "'questions': '" + qid + "' is not a question of the template");
          else
            concerned.push_back(qid);
        }
      }
    } else if (check) {
      for (const auto& name : check->names())
        if (find(name)) concerned.push_back(name);
    }
    if (faults.problem().details.size() != faults_before || !check || !message) continue;
    std::vector<std::string> ordered;
    for (const auto& q : questions)
      if (std::find(concerned.begin(), concerned.end(), q.id) != concerned.end()) ordered.push_back(q.id);
    out.push_back(Constraint{id, level, *check, *message, std::move(ordered)});
  }
  return out;
}

}  // namespace

std::string_view questionTypeName(QuestionType type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return "unknown";
}

std::string_view constraintLevelName(ConstraintLevel level) {
  return level == ConstraintLevel::kError ? "error" : "warning";
}

const Choice* Question::findChoice(std::string_view code) const {
  for (const auto& c : choices)
    if (c.code == code) return &c;
  return nullptr;
}

const Question* ChecklistTemplate::find(std::string_view question_id) const {
  for (const auto& q : questions)
    if (q.id == question_id) return &q;
  return nullptr;
}

bool isValidQuestionId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<ChecklistTemplate> parseTemplate(std::string_view json_text, const std::string& source) {
  Faults faults(source);
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    faults.template_("không đọc được JSON (byte " + std::to_string(e.byte) + ")",
                     "malformed JSON (at byte " + std::to_string(e.byte) + ")");
    return faults.problem();
  } catch (const json::exception&) {
    // The parser reports a number too large for a double (1e999) apart from syntax.
    faults.template_("JSON có số quá lớn", "the JSON holds a number too large");
    return faults.problem();
  }
  if (!root.is_object()) {
    faults.template_("tệp phải là một đối tượng JSON", "the file must hold a JSON object");
    return faults.problem();
  }
  static const std::set<std::string> kKeys = {"format", "id",          "version",  "purpose",
                                              "title",  "description", "synthetic", "questions",
                                              "constraints"};
  for (const auto& [key, _] : root.items())
    if (!kKeys.count(key))
      faults.template_("khóa lạ '" + key + "' (có gõ nhầm không?)", "unknown key '" + key + "' (a typo?)");

  ChecklistTemplate t;
  // Each key's type is checked before its value is read: json's value() throws on another type.
  if (!root.contains("format") || root["format"] != "fieldcheck-template/1")
    faults.template_("'format' phải là \"fieldcheck-template/1\"", "'format' must be \"fieldcheck-template/1\"");
  if (root.contains("id") && root["id"].is_string() && isCode(root["id"].get<std::string>()))
    t.id = root["id"].get<std::string>();
  else
    faults.template_("'id' thiếu hoặc sai dạng", "'id' missing or malformed");
  // Compared before it is narrowed to an int, which would wrap 4294967297 around to version 1.
  if (root.contains("version") && root["version"].is_number_unsigned() && root["version"].get<std::uint64_t>() >= 1 &&
      root["version"].get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
    t.version = root["version"].get<int>();
  else
    faults.template_("'version' phải là số nguyên dương", "'version' must be a positive whole number");
  t.purpose = root.value("purpose", json()).is_string() ? root["purpose"].get<std::string>() : "";
  if (t.purpose != "inspection" && t.purpose != "establishment" && t.purpose != "commune_report" &&
      t.purpose != "district_report")
    faults.template_("'purpose' phải là \"inspection\", \"establishment\", \"commune_report\" hoặc \"district_report\"",
                     "'purpose' must be \"inspection\", \"establishment\", \"commune_report\" or \"district_report\"");
  if (auto title = root.contains("title") ? readBilingual(root["title"]) : std::nullopt)
    t.title = *title;
  else
    faults.template_("'title' phải có 'vi' và 'en'", "'title' must have 'vi' and 'en'");

  if (!root.contains("questions") || !root["questions"].is_array() || root["questions"].empty() ||
      root["questions"].size() > kMaxQuestions) {
    faults.template_("cần danh sách 'questions' (1 đến 500 câu hỏi)",
                     "needs a 'questions' list (1 to 500 questions)");
    return faults.problem();
  }
  std::set<std::string> ids;
  const auto& list = root["questions"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto q = readQuestion(list[i], i, t.questions, faults);
    if (!q) continue;
    if (!ids.insert(q->id).second) {
      faults.question(q->id, "mã câu hỏi bị trùng", "question id appears twice");
      continue;
    }
    t.questions.push_back(std::move(*q));
  }
  if (root.contains("constraints")) t.constraints = readConstraints(root["constraints"], t.questions, faults);
  if (faults.any()) return faults.problem();
  return t;
}

}  // namespace fieldcheck
