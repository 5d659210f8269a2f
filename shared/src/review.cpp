// Inspections' review states, and the fields a review writes.
#include "fieldcheck/review.h"
#include "fieldcheck/record_number.h"

namespace fieldcheck {
namespace {

namespace f = inspection_fields;

constexpr const char* kReviewFieldNames[] = {f::kReview, f::kReviewComment, f::kReviewedBy, f::kReviewedAt};

bool sameReview(const Document& a, const Document* b) {
  for (const auto* name : kReviewFieldNames) {
    const auto in_a = a.fields.find(name);
    const Value* in_b = nullptr;
    if (b)
      if (auto it = b->fields.find(name); it != b->fields.end()) in_b = &it->second;
    if ((in_a == a.fields.end()) != (in_b == nullptr)) return false;
    if (in_b && !(in_a->second == *in_b)) return false;
  }
  return true;
}

bool hasReview(const Document& doc) {
  for (const auto* name : kReviewFieldNames)
    if (doc.fields.count(name)) return true;
  return false;
}

}  // namespace

ReviewState reviewState(const Document& inspection) {
  const auto review = textField(inspection, f::kReview);
  if (textField(inspection, f::kStatus) != kStatusFinalized)
    return review == kReviewReturned ? ReviewState::kReturned : ReviewState::kDraft;
  return review == kReviewApproved ? ReviewState::kApproved : ReviewState::kSubmitted;
}

std::string_view reviewStateCode(ReviewState state) {
  switch (state) {
    case ReviewState::kDraft: return "draft";
    case ReviewState::kSubmitted: return "submitted";
    case ReviewState::kApproved: return "approved";
    case ReviewState::kReturned: return "returned";
  }
  return "draft";
}

Bilingual reviewStateLabel(ReviewState state) {
  switch (state) {
    case ReviewState::kDraft: return {"Nháp", "Draft"};
    case ReviewState::kSubmitted: return {"Đã gửi", "Submitted"};
    case ReviewState::kApproved: return {"Đã duyệt", "Approved"};
    case ReviewState::kReturned: return {"Bị trả lại", "Returned"};
  }
  return {"Nháp", "Draft"};
}

Result<Fields> reviewedFields(const Document& inspection, const ReviewDecision& decision, const std::string& by,
                              const DateTime& at) {
  const auto id = recordName(inspection);
  const auto state = reviewState(inspection);
  if (state == ReviewState::kDraft || state == ReviewState::kReturned)
    return problem("Phiếu " + id + " chưa hoàn tất (còn là nháp) nên chưa duyệt được; chờ cán bộ kiểm tra hoàn tất.",
                   "Inspection " + id + " is a draft, not finalized, so it cannot be reviewed yet; wait for the inspector to finalize it.");
  if (decision.approve && state == ReviewState::kApproved)
    return problem("Phiếu " + id + " đã được duyệt rồi.", "Inspection " + id + " is already approved.");
  if (!decision.approve && decision.comment.find_first_not_of(" \t\r\n") == std::string::npos)
    return problem("Trả lại phiếu phải kèm lý do: thêm --comment \"...\" để cán bộ kiểm tra biết cần sửa gì.",
                   "Returning an inspection needs a reason: add --comment \"...\" so the inspector knows what to correct.");
  if (decision.comment.size() > kMaxReviewCommentBytes)
    return problem("Nhận xét dài quá " + std::to_string(kMaxReviewCommentBytes) + " byte; hãy viết ngắn lại.",
                   "The comment is over " + std::to_string(kMaxReviewCommentBytes) + " bytes; make it shorter.");
  Fields fields = inspection.fields;
  fields[f::kReview] = std::string(decision.approve ? kReviewApproved : kReviewReturned);
  if (decision.comment.empty()) fields.erase(f::kReviewComment);
  else fields[f::kReviewComment] = decision.comment;
  fields[f::kReviewedBy] = by;
  fields[f::kReviewedAt] = at;
  if (!decision.approve) {
    fields[f::kStatus] = std::string(kStatusDraft);
    fields.erase(f::kFinalizedAt);
  }
  return fields;
}

void clearReview(Fields& fields) {
  for (const auto* name : kReviewFieldNames) fields.erase(name);
}

std::optional<Bilingual> reviewFieldsProblem(const Document& doc, const Document* head, bool reviewer) {
  if (!hasReview(doc)) {
    // Clearing a review is finalizing again after a return; nothing else drops an approval.
    if (!head || !hasReview(*head) || reviewer) return std::nullopt;
    if (reviewState(*head) == ReviewState::kReturned && textField(doc, f::kStatus) == kStatusFinalized) return std::nullopt;
    return Bilingual{"Chỉ giám sát viên mới bỏ được kết quả duyệt phiếu.", "Only a supervisor can undo an inspection's review."};
  }
  const auto review = textField(doc, f::kReview);
  const auto status = textField(doc, f::kStatus);
  const auto by = doc.fields.find(f::kReviewedBy);
  const auto at = doc.fields.find(f::kReviewedAt);
  const bool well_formed = (review == kReviewApproved && status == kStatusFinalized) ||
                           (review == kReviewReturned && status == kStatusDraft && !textField(doc, f::kReviewComment).empty());
  if (!well_formed || by == doc.fields.end() || !by->second.get<std::string>() || at == doc.fields.end() ||
      !at->second.get<DateTime>() || textField(doc, f::kReviewComment).size() > kMaxReviewCommentBytes)
    return Bilingual{"Kết quả duyệt phiếu không hợp lệ.", "The inspection's review is malformed."};
  if (!reviewer && !sameReview(doc, head))
    return Bilingual{"Chỉ giám sát viên mới duyệt hoặc trả lại phiếu.", "Only a supervisor approves or returns an inspection."};
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> periodDays(std::string_view period) {
  const auto year = std::string(period.substr(0, 4));
  if (year.size() != 4 || !parseDateTime(year + "-01-01", 0)) return std::nullopt;
  int first = 1, last = 12;  // months
  if (period.size() == 7 && period.substr(4, 2) == "-Q" && period[6] >= '1' && period[6] <= '4') {
    last = (period[6] - '0') * 3;
    first = last - 2;
  } else if (period.size() == 7 && period[4] == '-' && parseDateTime(year + "-" + std::string(period.substr(5, 2)) + "-01", 0)) {
    first = last = std::stoi(std::string(period.substr(5, 2)));
  } else if (period.size() != 4) {
    return std::nullopt;
  }
  auto month = [&](int m) { return year + (m < 10 ? "-0" : "-") + std::to_string(m); };
  // The month's last day is the latest of 31, 30, 29, 28 the calendar has.
  std::string end = "28";
  for (const char* day : {"31", "30", "29"})
    if (parseDateTime(month(last) + "-" + day, 0)) {
      end = day;
      break;
    }
  return std::pair{month(first) + "-01", month(last) + "-" + end};
}

std::string visitDay(const Document& inspection) {
  for (const auto* name : {"visit_time", inspection_fields::kFinalizedAt, inspection_fields::kStartedAt}) {
    const auto it = inspection.fields.find(name);
    if (it == inspection.fields.end()) continue;
    if (const auto* at = it->second.get<DateTime>()) return formatDateTime(*at).substr(0, 10);
  }
  return "";
}

}  // namespace fieldcheck
