// Answer validation: parsing typed input, checking values, and the state of a whole checklist.
#include "fieldcheck/answer_validation.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "fieldcheck/crypto.h"
#include "fieldcheck/plan.h"
#include "fieldcheck/text.h"

namespace fieldcheck {

std::string formatNumber(double v, bool vi) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", std::fabs(v));
    std::string digits = buf, out;
    const bool group = digits.size() >= 5;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (group && i > 0 && (digits.size() - i) % 3 == 0) out += vi ? '.' : ',';
      out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
  }
  std::snprintf(buf, sizeof buf, "%.10g", v);
  std::string out = buf;
  if (vi) std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> splitList(std::string_view s) {
  std::vector<std::string> out;
  std::string current;
  for (char c : s) {
    if (c == ',' || c == ';') {
      out.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  out.push_back(trim(current));
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  return out;
}

std::string boundsText(const Question& q, bool vi) {
  if (q.min && q.max) return (vi ? "từ " : "from ") + formatNumber(*q.min, vi) + (vi ? " đến " : " to ") + formatNumber(*q.max, vi);
  if (q.min) return (vi ? "ít nhất " : "at least ") + formatNumber(*q.min, vi);
  if (q.max) return (vi ? "nhiều nhất " : "at most ") + formatNumber(*q.max, vi);
  return "";
}

Problem invalid(const Question& q, const std::string& vi, const std::string& en) {
  return problem("“" + q.label.vi + "”: " + vi, "“" + q.label.en + "”: " + en);
}

// Integers as typed in Vietnam: "2000000", "2.000.000", "2,000,000" or "2 000 000". A separator
// must split groups of exactly three digits, so "2.5" is refused rather than read as 25.
std::optional<std::int64_t> parseInteger(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const auto sep_pos = text.find_first_of("., ");
  std::string digits = negative ? "-" : "";
  if (sep_pos == std::string_view::npos) {
    digits += text;
  } else {
    const char sep = text[sep_pos];
    std::size_t start = 0;
    for (bool first = true;; first = false) {
      const auto next = text.find(sep, start);
      const auto group = text.substr(start, next == std::string_view::npos ? text.npos : next - start);
      if (group.empty() || group.size() > 3 || (!first && group.size() != 3)) return std::nullopt;
      digits += group;
      if (next == std::string_view::npos) break;
      start = next + 1;
    }
  }
  if (digits.empty() || digits.find_first_not_of("-0123456789", negative ? 1 : 0) != std::string::npos ||
      digits.find('-', 1) != std::string::npos)
    return std::nullopt;
  std::int64_t v = 0;
  auto [end_ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || end_ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::optional<double> parseDecimal(std::string text) {
  if (text.find('.') != std::string::npos && text.find(',') != std::string::npos) return std::nullopt;
  std::replace(text.begin(), text.end(), ',', '.');
  if (text.empty() || text.find_first_not_of("-0123456789.") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parseYesNo(std::string_view text) {
  const auto folded = foldForSearch(text);
  for (auto yes : {"co", "c", "yes", "y", "1", "true", "dung", "x"})
    if (folded == yes) return true;
  for (auto no : {"khong", "k", "ko", "no", "n", "0", "false", "sai"})
    if (folded == no) return false;
  return std::nullopt;
}

// The longest date or GPS point a person types, with room to spare.
constexpr std::size_t kMaxTypedPointOrDate = 100;

// A date and time as people in Vietnam write them, day first ("3/5/2019", "03/05/2019 09:30"), or
// today's and yesterday's ("hôm nay 9:15", "hôm qua", "today", "yesterday"), as the ISO text that
// parseDateTime reads ("2019-05-03 09:30"); any other text as it is. A date without a time is the
// start of its day, as an ISO date is.
std::string isoFromPeople(const std::string& input, std::int32_t offset_minutes, std::int64_t now_ms) {
  // The day, then an optional time ("9:15", "09:15", "9h15", "9g15").
  static const std::regex kDayThenTime(R"(\s*(.*?)(?:\s+(\d{1,2})[:hg](\d{2}))?\s*)");
  static const std::regex kDayFirst(R"((\d{1,2})/(\d{1,2})/(\d{4}))");
  auto two = [](const std::string& digits) { return digits.size() == 1 ? "0" + digits : digits; };
  // No date people type is long; std::regex recurses per character, so a long text never meets it.
  if (input.size() > kMaxTypedPointOrDate) return input;
  std::smatch m, d;
  if (!std::regex_match(input, m, kDayThenTime)) return input;
  const auto day = m[1].str();
  std::string date;
  if (std::regex_match(day, d, kDayFirst)) {
    date = d[3].str() + "-" + two(d[2].str()) + "-" + two(d[1].str());
  } else {
    const auto word = foldForSearch(day);
    const int days_back = word == "hom nay" || word == "today" ? 0 : word == "hom qua" || word == "yesterday" ? 1 : -1;
    if (days_back < 0) return input;
    date = formatDateTime(DateTime{now_ms - days_back * 86'400'000LL, offset_minutes}).substr(0, 10);
  }
  return m[2].matched ? date + " " + two(m[2].str()) + ":" + m[3].str() : date;
}

// A decimal number as typed: a point or a Vietnamese comma before the decimals; nothing else.
std::optional<double> readDecimal(std::string text) {
  for (auto& c : text) c = c == ',' ? '.' : c;  // a Vietnamese decimal comma
  if (text.empty() || std::count(text.begin(), text.end(), '.') > 1) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A point as people type it: decimal degrees "22.6657, 106.2570", "22.6657 106.2570" or, with
// Vietnamese decimal commas, "22,6657 106,2570" (an accuracy in metres may follow); or degrees,
// minutes and seconds "22°39'56.5"N 106°15'25.2"E" (S and W for the other hemispheres).
std::optional<GeoPoint> readGeoPoint(const std::string& input) {
  if (input.size() > kMaxTypedPointOrDate) return std::nullopt;  // as for dates: std::regex recurses per character
  if (input.find("\xC2\xB0") != std::string::npos) {  // °
    static const std::regex kDms(
        R"(\s*(\d+(?:[.,]\d+)?)\s*°\s*(?:(\d+(?:[.,]\d+)?)\s*(?:'|′)\s*)?(?:(\d+(?:[.,]\d+)?)\s*(?:"|″|'')\s*)?([NSEWnsew])?\s*,?)");
    std::vector<double> coordinates;
    std::vector<char> hemispheres;
    auto at = input.cbegin();
    std::smatch m;
    while (coordinates.size() < 2 && std::regex_search(at, input.cend(), m, kDms, std::regex_constants::match_continuous)) {
      double degrees = *readDecimal(m[1].str());
      if (m[2].matched) degrees += *readDecimal(m[2].str()) / 60;
      if (m[3].matched) degrees += *readDecimal(m[3].str()) / 3600;
      const char h = m[4].matched ? static_cast<char>(std::toupper(static_cast<unsigned char>(m[4].str()[0]))) : ' ';
      coordinates.push_back(h == 'S' || h == 'W' ? -degrees : degrees);
      hemispheres.push_back(h);
      at = m[0].second;
    }
    if (coordinates.size() != 2 || at != input.cend()) return std::nullopt;
    // Latitude first, unless the letters say otherwise.
    if ((hemispheres[0] == 'E' || hemispheres[0] == 'W') && (hemispheres[1] == 'N' || hemispheres[1] == 'S'))
      std::swap(coordinates[0], coordinates[1]);
    return GeoPoint{coordinates[0], coordinates[1], std::nullopt};
  }
  // Numbers apart by spaces (a comma after one is a separator); all in one word, apart by commas.
  std::vector<std::string> words;
  std::istringstream split(input);
  for (std::string w; split >> w;) {
    while (!w.empty() && (w.back() == ',' || w.back() == ';')) w.pop_back();
    if (!w.empty()) words.push_back(w);
  }
  if (words.size() == 1) words = splitList(words.front());
  if (words.size() != 2 && words.size() != 3) return std::nullopt;
  std::vector<double> numbers;
  for (const auto& w : words) {
    const auto v = readDecimal(w);
    if (!v) return std::nullopt;
    numbers.push_back(*v);
  }
  GeoPoint p{numbers[0], numbers[1], std::nullopt};
  if (numbers.size() == 3) p.accuracy_m = numbers[2];
  return p;
}

// A choice typed as its number in the list (1-based), its code, or its label in either language.
const Choice* findTypedChoice(const Question& q, const std::string& typed) {
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(typed.data(), typed.data() + typed.size(), index);
  if (ec == std::errc{} && end == typed.data() + typed.size()) {
    return index >= 1 && index <= q.choices.size() ? &q.choices[index - 1] : nullptr;
  }
  if (const auto* c = q.findChoice(typed)) return c;
  const auto folded = foldForSearch(typed);
  for (const auto& c : q.choices)
    if (foldForSearch(c.label.vi) == folded || foldForSearch(c.label.en) == folded) return &c;
  // The beginning of a word of one label, typed with or without accents ("tam" for "Tạm ngừng",
  // "dong cua" for "Đã đóng cửa"), when it names one choice only: without accents "dong" is a
  // word of "Đã đóng cửa" and of "Đang hoạt động" both, and the inspector is shown the choices.
  if (folded.size() < 3) return nullptr;
  const Choice* found = nullptr;
  auto beginsWord = [&](const std::string& label) {
    const auto text = foldForSearch(label);
    for (auto at = text.find(folded); at != std::string::npos; at = text.find(folded, at + 1))
      if (at == 0 || text[at - 1] == ' ' || text[at - 1] == '(' || text[at - 1] == ',') return true;
    return false;
  };
  for (const auto& c : q.choices)
    if (beginsWord(c.label.vi) || beginsWord(c.label.en)) {
      if (found && found != &c) return nullptr;  // several: the inspector must say which
      found = &c;
    }
  return found;
}

std::string choiceHint(const Question& q) {
  std::string out;
  for (std::size_t i = 0; i < q.choices.size(); ++i)
    out += (i ? ", " : "") + std::to_string(i + 1) + "=" + q.choices[i].code + " (" + q.choices[i].label.vi + ")";
  return out;
}

}  // namespace

Result<Value> parseAnswerInput(const Question& q, std::string_view raw,
                               std::int32_t default_offset_minutes, std::int64_t now_ms) {
  if (!isCleanUtf8(raw))
    return invalid(q, "câu trả lời chứa ký tự không hợp lệ", "the answer contains invalid characters");
  const std::string input = trim(toNfc(raw));
  if (input.empty()) return Value{};

  Value value;
  switch (q.type) {
    case QuestionType::kYesNo: {
      auto b = parseYesNo(input);
      if (!b) return invalid(q, "hãy trả lời có hoặc không", "answer yes or no (có/không)");
      value = *b;
      break;
    }
    case QuestionType::kInteger: {
      auto v = parseInteger(input);
      if (!v)
        return invalid(q, "“" + input + "” không phải số nguyên: hãy gõ bằng chữ số, ví dụ 12 hoặc 2.000.000",
                       "“" + input + "” is not a whole number: type it in digits, for example 12 or 2000000");
      value = *v;
      break;
    }
    case QuestionType::kDecimal: {
      auto v = parseDecimal(input);
      if (!v)
        return invalid(q, "“" + input + "” không phải số: hãy gõ bằng chữ số, ví dụ 18,5",
                       "“" + input + "” is not a number: type it in digits, for example 18.5");
      value = *v;
      break;
    }
    case QuestionType::kText: value = input; break;
    case QuestionType::kSingleChoice: {
      const auto* c = findTypedChoice(q, input);
      if (!c)
        return invalid(q, "không có lựa chọn “" + input + "” (chọn: " + choiceHint(q) + ")",
                       "no choice “" + input + "” (choose: " + choiceHint(q) + ")");
      value = c->code;
      break;
    }
    case QuestionType::kMultipleChoice: {
      std::vector<bool> picked(q.choices.size(), false);
      for (const auto& item : splitList(input)) {
        const auto* c = findTypedChoice(q, item);
        if (!c)
          return invalid(q, "không có lựa chọn “" + item + "” (chọn một hay nhiều, cách nhau bằng dấu phẩy: " + choiceHint(q) + ")",
                         "no choice “" + item + "” (choose one or more, separated by commas: " + choiceHint(q) + ")");
        picked[static_cast<std::size_t>(c - q.choices.data())] = true;
      }
      Choices choices;
      for (std::size_t i = 0; i < q.choices.size(); ++i)
        if (picked[i]) choices.push_back(q.choices[i].code);
      value = std::move(choices);
      break;
    }
    case QuestionType::kDateTime: {
      const auto folded = foldForSearch(input);
      if (folded == "now" || folded == "bay gio") {
        // Whole seconds: what a person can see and type back.
        value = DateTime{now_ms - now_ms % 1000, default_offset_minutes};
        break;
      }
      const auto iso = isoFromPeople(input, default_offset_minutes, now_ms);
      // A day without its time would be taken as midnight, which nobody meant: ask for the time.
      if (isIsoDate(iso))
        return invalid(q, "“" + input + "” thiếu giờ; hãy nhập cả giờ (ví dụ " + formatDateForPeople(iso) + " 09:30, “hôm nay 9:15”)",
                       "“" + input + "” has no time; enter the time too (e.g. " + formatDateForPeople(iso) + " 09:30, “today 9:15”)");
      auto dt = parseDateTime(iso, default_offset_minutes);
      if (!dt)
        return invalid(q, "“" + input + "” không phải ngày giờ (ví dụ 03/05/2019 14:30, 2019-05-03 14:30, “hôm nay 9:15” hoặc “bây giờ”)",
                       "“" + input + "” is not a date and time (e.g. 03/05/2019 14:30, 2019-05-03 14:30, “today 9:15” or “now”)");
      value = *dt;
      break;
    }
    case QuestionType::kDate: {
      // The day as typed (day first, ISO, today, yesterday), kept as its ISO text: a time is not
      // part of the answer, so one typed with it is refused rather than dropped unseen.
      const auto iso = isoFromPeople(input, default_offset_minutes, now_ms);
      if (!isIsoDate(iso))
        return invalid(q, "“" + input + "” không phải một ngày (ví dụ 03/05/2019, 2019-05-03 hoặc “hôm nay”)",
                       "“" + input + "” is not a date (e.g. 03/05/2019, 2019-05-03 or “today”)");
      value = iso;
      break;
    }
    case QuestionType::kGps: {
      auto p = readGeoPoint(input);
      if (!p)
        return invalid(q, "nhập vĩ độ, kinh độ (ví dụ 22.6657, 106.2570 hoặc 22,6657 106,2570 hoặc 22°39'56\"N 106°15'25\"E)",
                       "enter latitude, longitude (e.g. 22.6657, 106.2570 or 22,6657 106,2570 or 22°39'56\"N 106°15'25\"E)");
      value = *p;
      break;
    }
    case QuestionType::kPhoto:
    case QuestionType::kSignature:
      return invalid(q, "câu hỏi ảnh/chữ ký: hãy đính kèm tệp ảnh bằng `fieldcheck inspect attach`",
                     "photo or signature question: attach an image file with `fieldcheck inspect attach`");
  }
  if (auto issue = checkAnswer(q, value)) return Problem{*issue, {}};
  return value;
}

std::optional<Bilingual> checkAnswer(const Question& q, const Value& value) {
  auto bad = [&](const std::string& vi, const std::string& en) {
    return Bilingual{"“" + q.label.vi + "”: " + vi, "“" + q.label.en + "”: " + en};
  };
  if (value.isNull()) return std::nullopt;
  const auto wrongType = [&] {
    return bad("câu trả lời không đúng kiểu (" + std::string(questionTypeName(q.type)) + ")",
               "the answer has the wrong type (expected " + std::string(questionTypeName(q.type)) + ")");
  };
  switch (q.type) {
    case QuestionType::kYesNo:
      if (!value.get<bool>()) return wrongType();
      return std::nullopt;
    case QuestionType::kInteger:
    case QuestionType::kDecimal: {
      if (q.type == QuestionType::kInteger ? !value.get<std::int64_t>() : !value.asNumber())
        return wrongType();
      const double v = *value.asNumber();
      if ((q.min && v < *q.min) || (q.max && v > *q.max))
        return bad("phải " + boundsText(q, true) + (q.unit ? " " + *q.unit : "") + ", không phải " + formatNumber(v, true),
                   "must be " + boundsText(q, false) + (q.unit ? " " + *q.unit : "") + ", not " + formatNumber(v, false));
      return std::nullopt;
    }
    case QuestionType::kText: {
      const auto* s = value.get<std::string>();
      if (!s) return wrongType();
      if (!isCleanUtf8(*s)) return bad("văn bản chứa ký tự không hợp lệ", "the text contains invalid characters");
      // Characters as a person counts them (a Vietnamese letter is up to four bytes of UTF-8).
      const auto characters = static_cast<std::size_t>(
          std::count_if(s->begin(), s->end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
      if (characters > q.max_length)
        return bad("dài quá " + std::to_string(q.max_length) + " ký tự", "longer than " + std::to_string(q.max_length) + " characters");
      return std::nullopt;
    }
    case QuestionType::kSingleChoice: {
      const auto* s = value.get<std::string>();
      if (!s) return wrongType();
      if (!q.findChoice(*s)) return bad("không có lựa chọn “" + *s + "”", "no choice “" + *s + "”");
      return std::nullopt;
    }
    case QuestionType::kMultipleChoice: {
      const auto* list = value.get<Choices>();
      if (!list) return wrongType();
      for (std::size_t i = 0; i < list->size(); ++i) {
        if (!q.findChoice((*list)[i])) return bad("không có lựa chọn “" + (*list)[i] + "”", "no choice “" + (*list)[i] + "”");
        if (std::find(list->begin(), list->begin() + static_cast<long>(i), (*list)[i]) != list->begin() + static_cast<long>(i))
          return bad("lựa chọn “" + (*list)[i] + "” bị lặp", "choice “" + (*list)[i] + "” repeated");
      }
      if (list->size() > 1)
        for (const auto& code : q.exclusive)
          if (std::find(list->begin(), list->end(), code) != list->end()) {
            const auto& label = q.findChoice(code)->label;
            return bad("“" + label.vi + "” không chọn cùng lựa chọn khác", "“" + label.en + "” cannot be picked with another choice");
          }
      return std::nullopt;
    }
    case QuestionType::kDateTime:
      if (!value.get<DateTime>()) return wrongType();
      return std::nullopt;
    case QuestionType::kDate: {
      const auto* day = value.get<std::string>();
      if (!day) return wrongType();
      if (!isIsoDate(*day)) return bad("cần một ngày dạng YYYY-MM-DD có thật", "needs a real date as YYYY-MM-DD");
      return std::nullopt;
    }
    case QuestionType::kGps: {
      const auto* p = value.get<GeoPoint>();
      if (!p) return wrongType();
      if (p->latitude < -90 || p->latitude > 90 || p->longitude < -180 || p->longitude > 180)
        return bad("vĩ độ phải từ -90 đến 90 và kinh độ từ -180 đến 180",
                   "latitude must be -90 to 90 and longitude -180 to 180");
      if (p->accuracy_m && (*p->accuracy_m < 0 || !std::isfinite(*p->accuracy_m)))
        return bad("độ chính xác phải là số không âm", "accuracy must not be negative");
      return std::nullopt;
    }
    case QuestionType::kPhoto:
    case QuestionType::kSignature: {
      const auto* a = value.get<AttachmentRef>();
      if (!a) return wrongType();
      if (a->media_type != "image/jpeg" && a->media_type != "image/png")
        return bad("ảnh phải là JPEG hoặc PNG", "the photo must be a JPEG or PNG");
      if (a->sha256.size() != 64) return bad("tham chiếu ảnh hỏng", "broken photo reference");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ChecklistState::ChecklistState(const ChecklistTemplate& checklist, const Fields& answers,
                               const Fields& establishment) {
  // Effective values: a question that does not apply counts as unanswered for the conditions of
  // later questions, so a chain of conditions collapses as a person would expect.
  std::map<std::string, Value, std::less<>> effective;
  const NameLookup lookup = [&](std::string_view name) -> Value {
    constexpr std::string_view kPrefix = "establishment.";
    if (name.substr(0, kPrefix.size()) == kPrefix) {
      auto it = establishment.find(std::string(name.substr(kPrefix.size())));
      return it == establishment.end() ? Value{} : it->second;
    }
    auto it = effective.find(name);
    return it == effective.end() ? Value{} : it->second;
  };
  questions_.reserve(checklist.questions.size());
  for (const auto& q : checklist.questions) {
    QuestionState state;
    state.question = &q;
    state.relevant = !q.relevant || q.relevant->evaluate(lookup);
    if (state.relevant) {
      state.required = q.required || (q.required_if && q.required_if->evaluate(lookup));
      if (auto it = answers.find(q.id); it != answers.end()) state.value = it->second;
      if (!state.value.isNull()) {
        state.issue = checkAnswer(q, state.value);
      } else if (state.required) {
        state.issue = Bilingual{"“" + q.label.vi + "”: chưa trả lời (bắt buộc)",
                                "“" + q.label.en + "”: not answered (required)"};
      }
      if (!state.issue) effective[q.id] = state.value;
    }
    questions_.push_back(std::move(state));
  }
}

std::vector<const QuestionState*> ChecklistState::issues() const {
  std::vector<const QuestionState*> out;
  for (const auto& s : questions_)
    if (s.issue) out.push_back(&s);
  return out;
}

std::vector<Bilingual> recordIssues(const ChecklistTemplate& record, const Fields& fields,
                                    std::initializer_list<std::string_view> keys) {
  std::vector<Bilingual> out;
  for (const auto& [name, value] : fields)
    if (std::find(keys.begin(), keys.end(), name) == keys.end() && !record.find(name))
      out.push_back({"trường lạ “" + name + "”", "unknown field “" + name + "”"});
  const ChecklistState state(record, fields, {});
  for (const auto* question : state.issues()) out.push_back(*question->issue);
  return out;
}

Value ChecklistState::effective(std::string_view question_id) const {
  for (const auto& s : questions_)
    if (s.question->id == question_id) return s.relevant && !s.issue ? s.value : Value{};
  return Value{};
}

ConstraintContext constraintContext(std::int64_t now_ms, const Document* province, const std::vector<Document>& plans) {
  ConstraintContext context;
  context.now_ms = now_ms;
  if (province) {
    context.offset_minutes = parseUtcOffset(textField(*province, "utc_offset")).value_or(0);
    std::vector<std::pair<std::string, double>> bounds;
    for (const char* name : {"lat_min", "lat_max", "lon_min", "lon_max"}) {
      const auto it = province->fields.find(name);
      if (it == province->fields.end() || !it->second.asNumber()) break;
      bounds.emplace_back(std::string("province.") + name, *it->second.asNumber());
    }
    if (bounds.size() == 4)
      for (auto& [name, v] : bounds) context.names[name] = v;
  }
  // The plan in force: the latest to have begun by now, else the first to begin.
  std::optional<std::pair<DateTime, DateTime>> chosen;
  for (const auto& doc : plans) {
    const auto definition = textField(doc, "definition");
    if (definition.empty() || doc.deleted) continue;
    auto plan = parsePlan(definition);
    if (!plan) continue;
    const auto start = parseDateTime(plan.value().period_start + "T00:00:00", context.offset_minutes);
    const auto end = parseDateTime(plan.value().period_end + "T23:59:59", context.offset_minutes);
    if (!start || !end) continue;
    const bool begun = start->epoch_ms <= now_ms;
    if (!chosen) {
      chosen = {{*start, *end}};
      continue;
    }
    const bool chosen_begun = chosen->first.epoch_ms <= now_ms;
    if ((begun && (!chosen_begun || start->epoch_ms > chosen->first.epoch_ms)) ||
        (!begun && !chosen_begun && start->epoch_ms < chosen->first.epoch_ms))
      chosen = {{*start, *end}};
  }
  if (chosen) {
    context.names["plan.start"] = chosen->first;
    context.names["plan.end"] = chosen->second;
  }
  return context;
}

namespace {

struct Confirmation {
  std::string constraint, fingerprint, user;
};

std::optional<Confirmation> readConfirmation(const std::string& entry) {
  const auto first = entry.find(':');
  if (first == std::string::npos) return std::nullopt;
  const auto second = entry.find(':', first + 1);
  if (second == std::string::npos) return std::nullopt;
  return Confirmation{entry.substr(0, first), entry.substr(first + 1, second - first - 1), entry.substr(second + 1)};
}

}  // namespace

std::vector<ConstraintFailure> failedConstraints(const ChecklistTemplate& checklist, const ChecklistState& state,
                                                 const Fields& establishment, const ConstraintContext& context,
                                                 const Fields& record) {
  std::vector<ConstraintFailure> out;
  if (checklist.constraints.empty()) return out;
  const NameLookup lookup = [&](std::string_view name) -> Value {
    constexpr std::string_view kPrefix = "establishment.";
    if (name == "now()") return DateTime{context.now_ms, context.offset_minutes};
    if (name.substr(0, kPrefix.size()) == kPrefix) {
      auto it = establishment.find(std::string(name.substr(kPrefix.size())));
      return it == establishment.end() ? Value{} : it->second;
    }
    if (auto it = context.names.find(std::string(name)); it != context.names.end()) return it->second;
    return state.effective(name);
  };
  std::vector<Confirmation> confirmations;
  if (auto it = record.find(kConfirmedField); it != record.end())
    if (const auto* list = it->second.get<Choices>())
      for (const auto& entry : *list)
        if (auto c = readConfirmation(entry)) confirmations.push_back(std::move(*c));
  for (const auto& constraint : checklist.constraints) {
    if (constraint.check.holds(lookup) != false) continue;
    ConstraintFailure failure;
    failure.constraint = &constraint;
    Fields read;
    for (const auto& name : constraint.check.names()) read[name] = lookup(name);
    failure.fingerprint = blake2b128Hex({constraint.id, canonicalFieldsJson(read)}).substr(0, 12);
    if (constraint.level == ConstraintLevel::kWarning)
      for (const auto& c : confirmations)
        if (c.constraint == constraint.id && c.fingerprint == failure.fingerprint) {
          failure.confirmed = true;
          failure.confirmed_by = c.user;
        }
    out.push_back(std::move(failure));
  }
  return out;
}

Fields withConfirmation(Fields record, const ConstraintFailure& failure, const std::string& user) {
  Choices list;
  if (auto it = record.find(kConfirmedField); it != record.end())
    if (const auto* old = it->second.get<Choices>())
      for (const auto& entry : *old) {
        const auto c = readConfirmation(entry);
        if (!c || c->constraint != failure.constraint->id) list.push_back(entry);
      }
  list.push_back(failure.constraint->id + ":" + failure.fingerprint + ":" + user);
  record[kConfirmedField] = std::move(list);
  return record;
}

Bilingual describeFailure(const ConstraintFailure& failure) {
  const auto& c = *failure.constraint;
  const bool warning = c.level == ConstraintLevel::kWarning;
  Bilingual out{std::string(warning ? "[cảnh báo] " : "[lỗi] ") + c.message.vi + " (" + c.id + ")",
                std::string(warning ? "[warning] " : "[error] ") + c.message.en + " (" + c.id + ")"};
  if (warning && failure.confirmed) {
    out.vi += " — đã xác nhận bởi " + failure.confirmed_by;
    out.en += " — confirmed by " + failure.confirmed_by;
  } else if (warning) {
    out.vi += " — chưa xác nhận";
    out.en += " — not confirmed";
  }
  return out;
}

std::size_t ChecklistState::relevantCount() const {
  return static_cast<std::size_t>(std::count_if(questions_.begin(), questions_.end(),
                                                [](const QuestionState& s) { return s.relevant; }));
}

std::size_t ChecklistState::answeredCount() const {
  return static_cast<std::size_t>(std::count_if(questions_.begin(), questions_.end(), [](const QuestionState& s) {
    return s.relevant && !s.value.isNull();
  }));
}

std::string displayAnswer(const Question& q, const Value& value) {
  if (const auto* code = value.get<std::string>(); code && q.type == QuestionType::kSingleChoice) {
    if (const auto* c = q.findChoice(*code)) return c->label.vi + " / " + c->label.en;
  }
  if (const auto* list = value.get<Choices>()) {
    std::string out;
    for (const auto& code : *list) {
      const auto* c = q.findChoice(code);
      out += (out.empty() ? "" : "; ") + (c ? c->label.vi + " / " + c->label.en : code);
    }
    return out.empty() ? "(không chọn / none)" : out;
  }
  if (const auto* day = value.get<std::string>(); day && q.type == QuestionType::kDate) return formatDateForPeople(*day);
  if (const auto* moment = value.get<DateTime>()) return formatDateTimeForPeople(*moment);
  // Numbers as Vietnamese write them (2.000.000, 18,5), the unit after.
  if (const auto number = value.asNumber()) return formatNumber(*number, true) + (q.unit ? " " + *q.unit : "");
  return displayValue(value);
}

std::string confirmationsText(const Value& confirmed) {
  std::string out;
  if (const auto* entries = confirmed.get<Choices>())
    for (const auto& entry : *entries) {
      const auto first = entry.find(':'), last = entry.rfind(':');
      out += (out.empty() ? "" : "; ") + entry.substr(0, first) + (last != first ? " (" + entry.substr(last + 1) + ")" : "");
    }
  return out;
}

}  // namespace fieldcheck
