// The interactive fill of an inspection checklist.
#include "fill_session.h"

#include <algorithm>
#include <istream>
#include <ostream>

#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/files.h"
#include "fieldcheck/text.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

constexpr const char* kHelp =
    "  Gõ câu trả lời rồi Enter. Enter trống: giữ câu trả lời hiện có và đi tiếp.\n"
    "  <  câu trước   >  bỏ qua   -  xóa câu trả lời   :q  dừng (đã lưu)   ?  trợ giúp\n"
    "  Type an answer and press Enter. Empty Enter: keep the current answer and go on.\n"
    "  <  back   >  skip   -  clear the answer   :q  stop (all saved)   ?  help\n";

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

bool readLine(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (line.size() > tuning::kMaxInputLineBytes) line.resize(tuning::kMaxInputLineBytes);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::string inputHint(const Question& q) {
  switch (q.type) {
    case QuestionType::kYesNo: return "c = có/yes, k = không/no";
    case QuestionType::kInteger:
    case QuestionType::kDecimal: {
      std::string hint = q.type == QuestionType::kInteger ? "số nguyên / whole number" : "số / number";
      if (q.min || q.max) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " [%s … %s]", q.min ? std::to_string(static_cast<long long>(*q.min)).c_str() : "",
                      q.max ? std::to_string(static_cast<long long>(*q.max)).c_str() : "");
        hint += buf;
      }
      if (q.unit) hint += " " + *q.unit;
      return hint;
    }
    case QuestionType::kText: return "văn bản / text";
    case QuestionType::kSingleChoice: return "chọn một số / pick one number";
    case QuestionType::kMultipleChoice: return "chọn một hay nhiều số, cách bằng dấu phẩy / one or more numbers, comma-separated";
    case QuestionType::kDateTime: return "03/05/2019 09:30 · hôm nay 9:15 · hôm qua · 2019-05-03 09:30 · “bây giờ”/“now”";
    case QuestionType::kDate: return "03/05/2019 · hôm nay · hôm qua · 2019-05-03";
    case QuestionType::kGps: return "vĩ độ, kinh độ / latitude, longitude: 22,6657 106,2570 · 22.6657, 106.2570 · 22°39'56\"N 106°15'25\"E";
    case QuestionType::kPhoto:
    case QuestionType::kSignature: return "đường dẫn tệp ảnh JPEG/PNG / path to a JPEG/PNG file";
  }
  return "";
}

// Index of the next question that applies, from `from` in direction `step`; -1 when none.
int nextRelevant(const ChecklistState& state, int from, int step) {
  const int n = static_cast<int>(state.questions().size());
  for (int i = from; i >= 0 && i < n; i += step)
    if (state.questions()[static_cast<std::size_t>(i)].relevant) return i;
  return -1;
}

// `shown`: the current answer as people read it (a photo by its name), empty when unanswered.
void printQuestion(std::ostream& out, const QuestionState& s, const std::string& shown, int position, int total) {
  const auto& q = *s.question;
  out << "\n[" << position << "/" << total << "] " << q.label.vi << (s.required ? " *" : "") << "\n"
      << "      " << q.label.en << "\n";
  if (q.hint) out << "      (" << q.hint->vi << " / " << q.hint->en << ")\n";
  for (std::size_t i = 0; i < q.choices.size(); ++i)
    out << "   " << (i + 1) << ". " << q.choices[i].label.vi << " / " << q.choices[i].label.en << "\n";
  if (!shown.empty()) out << "   Hiện tại / current: " << shown << "\n";
  out << "   " << inputHint(q) << "\n> " << std::flush;
}

}  // namespace

int runFill(InspectorService& service, const std::string& inspection_ref, std::istream& in, std::ostream& out) {
  auto first = service.view(inspection_ref);
  if (!first) {
    out << first.problem().message.vi << "\n" << first.problem().message.en << "\n";
    return 1;
  }
  const std::string id = first.value().inspection.id;
  const std::string name = service.recordName(first.value().inspection);
  if (auto it = first.value().inspection.fields.find(inspection_fields::kStatus);
      it != first.value().inspection.fields.end() && it->second != Value{std::string(kStatusDraft)}) {
    out << "Phiếu này đã hoàn tất, không sửa được nữa.\nThis inspection is finalized and can no longer be edited.\n";
    return 1;
  }
  out << "Phiếu / Inspection " << name << " — " << first.value().checklist->title.vi << " / "
      << first.value().checklist->title.en << "\n" << kHelp;
  const auto presence = service.enterFill(id);
  if (!presence.lock)
    out << "\n! Phiếu này đang được điền ở một phiên khác từ " << presence.other_since
        << ". Mỗi câu trả lời được lưu ngay; câu trả lời sau cùng cho một câu hỏi sẽ thay câu trước.\n"
        << "! Another fill is open on this inspection since " << presence.other_since
        << ". Each answer is saved at once; the later answer to a question replaces the earlier one.\n";

  // Resume at the first question that applies and is not answered yet.
  int index = -1;
  for (std::size_t i = 0; i < first.value().state.questions().size(); ++i) {
    const auto& s = first.value().state.questions()[i];
    if (s.relevant && s.value.isNull()) {
      index = static_cast<int>(i);
      break;
    }
  }
  if (index < 0) index = nextRelevant(first.value().state, 0, 1);

  std::string line;
  while (index >= 0) {
    auto current = service.view(id);
    if (!current) {
      out << current.problem().message.vi << "\n" << current.problem().message.en << "\n";
      return 1;
    }
    const auto& state = current.value().state;
    if (!state.questions()[static_cast<std::size_t>(index)].relevant) {
      // An earlier answer changed what applies: move on to the next question that does.
      index = nextRelevant(state, index, 1);
      continue;
    }
    int position = 0;
    for (int i = 0; i <= index; ++i) position += state.questions()[static_cast<std::size_t>(i)].relevant ? 1 : 0;
    const auto& s = state.questions()[static_cast<std::size_t>(index)];
    const auto shown = s.value.isNull() ? std::string() : takesAttachment(s.question->type)
                                                          ? service.photoName(current.value().inspection, s.question->id)
                                                          : displayAnswer(*s.question, s.value);
    printQuestion(out, s, shown, position, static_cast<int>(state.relevantCount()));

    if (!readLine(in, line)) {
      out << "\nĐã lưu bản nháp. Tiếp tục sau bằng `fieldcheck inspect fill " << name << "`.\n"
          << "Draft saved. Continue later with `fieldcheck inspect fill " << name << "`.\n";
      return 0;
    }
    const std::string trimmed = trim(line);
    if (trimmed == ":q" || trimmed == ":quit") {
      out << "Đã lưu bản nháp. / Draft saved.\n";
      return 0;
    }
    if (trimmed == "?") {
      out << kHelp;
      continue;
    }
    if (trimmed == "<") {
      const int previous = nextRelevant(state, index - 1, -1);
      if (previous < 0) out << "   (đây là câu đầu / this is the first question)\n";
      else index = previous;
      continue;
    }
    if (trimmed.empty() || trimmed == ">") {
      index = nextRelevant(state, index + 1, 1);
      continue;
    }
    // The other fill may have answered this question since it was shown: say so, not overwrite unseen.
    if (auto now = service.view(id)) {
      for (const auto& q : now.value().state.questions())
        if (q.question->id == s.question->id && q.value != s.value)
          out << "   ! Câu này vừa được trả lời ở phiên khác: " << displayAnswer(*q.question, q.value)
              << "; câu trả lời của bạn thay thế.\n   ! This question was just answered in the other fill: "
              << displayAnswer(*q.question, q.value) << "; yours replaces it.\n";
    }
    Result<Document> saved = trimmed == "-" ? service.setAnswer(id, s.question->id, Value{})
                             : takesAttachment(s.question->type)
                                 ? service.attach(id, s.question->id, pathFromUtf8(trimmed))
                                 : [&]() -> Result<Document> {
                                     auto value = parseAnswerInput(*s.question, trimmed, service.utcOffsetMinutes(),
                                                                   wallClockMs());
                                     if (!value) return value.problem();
                                     return service.setAnswer(id, s.question->id, value.value());
                                   }();
    if (!saved) {
      out << "   ✗ " << saved.problem().message.vi << "\n   ✗ " << saved.problem().message.en << "\n";
      continue;
    }
    out << "   ✓ đã lưu / saved\n";
    // The answer may make later questions apply or not: recompute before moving on.
    auto after = service.view(id);
    // Checks across answers that this answer bears on, or that it made fail, right after it.
    if (after) {
      for (const auto& failure : after.value().failures) {
        const auto& concerned = failure.constraint->questions;
        const bool about_this = std::find(concerned.begin(), concerned.end(), s.question->id) != concerned.end();
        const bool is_new = std::none_of(current.value().failures.begin(), current.value().failures.end(),
                                         [&](const ConstraintFailure& f) { return f.constraint->id == failure.constraint->id; });
        if (failure.confirmed || (!about_this && !is_new)) continue;
        const auto line = describeFailure(failure);
        out << "   " << (failure.constraint->level == ConstraintLevel::kError ? "✗ " : "⚠ ") << line.vi << "\n     "
            << line.en << "\n";
      }
    }
    index = after ? nextRelevant(after.value().state, index + 1, 1) : -1;
  }

  auto final_view = service.view(id);
  if (!final_view) return 1;
  const auto issues = final_view.value().state.issues();
  if (!issues.empty()) {
    out << "\nĐã lưu bản nháp; còn " << issues.size() << " câu thiếu hoặc sai:\n"
        << "Draft saved; " << issues.size() << " answer(s) missing or invalid:\n";
    for (const auto* i : issues) out << "  - " << i->issue->vi << " / " << i->issue->en << "\n";
    out << "Chạy lại / run again: fieldcheck inspect fill " << name << "\n";
    return 0;
  }
  const auto& failures = final_view.value().failures;
  if (std::any_of(failures.begin(), failures.end(), [](const ConstraintFailure& f) { return !f.confirmed; })) {
    out << "\nĐã lưu bản nháp; các câu trả lời chưa đạt kiểm tra sau (lỗi phải sửa; cảnh báo sửa hoặc xác nhận bằng "
        << "`fieldcheck inspect confirm " << name << " MÃ`):\n"
        << "Draft saved; the answers do not pass these checks (correct errors; correct warnings or confirm them with "
        << "`fieldcheck inspect confirm " << name << " ID`):\n";
    for (const auto& failure : failures) {
      if (failure.confirmed) continue;
      const auto line = describeFailure(failure);
      out << "  - " << line.vi << "\n    " << line.en << "\n";
    }
    return 0;
  }
  out << "\nĐã trả lời đủ. Hoàn tất phiếu ngay? (c/k)\nAll answered. Finalize now? (y/n)\n> " << std::flush;
  if (readLine(in, line)) {
    const auto folded = foldForSearch(line);
    if (folded == "c" || folded == "co" || folded == "y" || folded == "yes") {
      auto done = service.finalize(id);
      if (!done) {
        out << done.problem().message.vi << "\n" << done.problem().message.en << "\n";
        for (const auto& d : done.problem().details) out << "  - " << d.vi << "\n    " << d.en << "\n";
        return 1;
      }
      out << "Đã hoàn tất phiếu " << name << ". / Inspection finalized.\n";
      return 0;
    }
  }
  out << "Đã lưu bản nháp. Hoàn tất sau bằng `fieldcheck inspect finalize " << name << "`.\n"
      << "Draft saved. Finalize later with `fieldcheck inspect finalize " << name << "`.\n";
  return 0;
}

}  // namespace fieldcheck::client
