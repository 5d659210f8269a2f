// Inspections' own fields and their review: draft, submitted, approved or returned to the inspector.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "fieldcheck/document.h"
#include "fieldcheck/result.h"
#include "fieldcheck/value.h"

namespace fieldcheck {

/// Field names of an inspection (or periodic report) document that are not answers. Question ids
/// cannot start with '_', so these never collide with answers.
namespace inspection_fields {
inline constexpr const char* kEstablishment = "_establishment";
inline constexpr const char* kTemplate = "_template";
inline constexpr const char* kTemplateVersion = "_template_version";
inline constexpr const char* kDistrict = "_district";
inline constexpr const char* kCommune = "_commune";  // periodic reports of a commune
inline constexpr const char* kPeriod = "_period";    // periodic reports: "2019", "2019-Q3" or "2019-07"
inline constexpr const char* kStatus = "_status";
inline constexpr const char* kStartedAt = "_started_at";
inline constexpr const char* kFinalizedAt = "_finalized_at";
inline constexpr const char* kReview = "_review";  // absent, "approved" or "returned"
inline constexpr const char* kReviewComment = "_review_comment";
inline constexpr const char* kReviewedBy = "_reviewed_by";
inline constexpr const char* kReviewedAt = "_reviewed_at";
inline constexpr const char* kNumber = "_number";  // "HA-2-0007" (record_number.h), given when created
}  // namespace inspection_fields

inline constexpr std::string_view kStatusDraft = "draft";
inline constexpr std::string_view kStatusFinalized = "finalized";
inline constexpr std::string_view kReviewApproved = "approved";
inline constexpr std::string_view kReviewReturned = "returned";

/// Where an inspection stands. Finalized and not yet reviewed is "submitted"; a returned one is a
/// draft again, with the supervisor's comment, until its inspector finalizes it again.
enum class ReviewState { kDraft, kSubmitted, kApproved, kReturned };

ReviewState reviewState(const Document& inspection);
/// "draft", "submitted", "approved", "returned": the codes reports, exports and SQL use.
std::string_view reviewStateCode(ReviewState state);
/// What a person reads, the same words on every screen (UI.md): "Nháp" / "Draft", "Đã gửi" / "Submitted", ...
Bilingual reviewStateLabel(ReviewState state);

/// Longest review comment, in bytes.
inline constexpr std::size_t kMaxReviewCommentBytes = 2000;

struct ReviewDecision {
  bool approve = false;  // false: return to the inspector
  std::string comment;   // needed to return, optional to approve
};

/// The fields of `inspection` after a supervisor's review by `by` at `at`: approved (it stays
/// finalized) or returned (a draft again, with the comment). Refuses a draft, approving twice, and
/// returning without a comment, or with one over the limit.
Result<Fields> reviewedFields(const Document& inspection, const ReviewDecision& decision, const std::string& by,
                              const DateTime& at);

/// Finalizing again after a return: the review of the last round goes (history keeps it).
void clearReview(Fields& fields);

/// Why the review fields of `doc` (a new revision whose head is `head`, or a first revision when
/// null) are malformed or are not an inspector's to change; nullopt when they are fine. An
/// inspector may only keep the head's review, or clear a return by finalizing again.
std::optional<Bilingual> reviewFieldsProblem(const Document& doc, const Document* head, bool reviewer);

/// The local day ("YYYY-MM-DD") of an inspection's visit, as the province's tables and filters
/// show it: its answer "visit_time", else when it was finalized, else when it was started; "" when
/// it holds none of them.
std::string visitDay(const Document& inspection);

/// The first and last day ("YYYY-MM-DD") a periodic report's period covers: a year ("2019"), a
/// quarter ("2019-Q3") or a month ("2019-07"); nullopt for anything else.
std::optional<std::pair<std::string, std::string>> periodDays(std::string_view period);

}  // namespace fieldcheck
