// Field-by-field three-way merge of two concurrent revisions of a document against their common
// ancestor (issue 4). Pure: no storage, no clock.
//
// A field changed on one side only takes that side's value. A field changed on both sides to
// the same value takes it. A field changed on both sides to different values is a conflict:
// both candidates are kept, and the provisional winner, the one every replica shows until a
// supervisor decides, is the side with the later hybrid clock stamp (on the server, bounded by
// when each reached it), then the greater device id. An edit on one side against a deletion on the other is a conflict of the whole document,
// decided provisionally the same way. The result does not depend on which side is called which.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fieldcheck/document.h"

namespace fieldcheck {

/// One side of a conflict: its value (nullopt: the field is absent) or whether it deleted the
/// document, and who wrote it, when, on which device, in which revision.
struct ConflictSide {
  std::optional<Value> value;
  bool deleted = false;
  std::string revision;
  std::string author;
  std::string device;
  HybridTimestamp stamp;
};

struct FieldConflict {
  std::string field;  // empty: the document itself, deleted on one side and edited on the other
  std::optional<Value> base;
  ConflictSide winner;  // applied provisionally
  ConflictSide other;   // kept for the supervisor
};

struct MergeResult {
  Fields fields;
  bool deleted = false;
  std::vector<FieldConflict> conflicts;  // in field order; the document's own first
};

/// Merges `a` and `b`, two revisions of one document that both descend from `base`; `a_wins`
/// says which side wins provisional decisions.
MergeResult mergeRevisions(const Document& base, const Document& a, const Document& b, bool a_wins);

/// The same, the provisional winner decided by winsOver on the revisions' own stamps.
MergeResult mergeRevisions(const Document& base, const Document& a, const Document& b);

/// True when `a` wins a provisional decision over `b`: the later stamp, then the greater device.
/// The server orders by stamps it can check instead (orderingStamp): `a_stamp` and `b_stamp`.
bool winsOver(const Document& a, const Document& b);
bool winsOver(const Document& a, const HybridTimestamp& a_stamp, const Document& b, const HybridTimestamp& b_stamp);

}  // namespace fieldcheck
