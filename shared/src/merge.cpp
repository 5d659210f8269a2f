// Three-way merge of concurrent revisions.
#include "fieldcheck/merge.h"

#include <set>

namespace fieldcheck {
namespace {

std::optional<Value> fieldOf(const Document& doc, const std::string& name) {
  if (doc.deleted) return std::nullopt;
  auto it = doc.fields.find(name);
  if (it == doc.fields.end()) return std::nullopt;
  return it->second;
}

ConflictSide sideOf(const Document& doc, std::optional<Value> value) {
  return {std::move(value), doc.deleted, doc.revision, doc.author, doc.device, doc.stamp};
}

// The document's own fields, or none when it is deleted.
const Fields& liveFields(const Document& doc) {
  static const Fields kNone;
  return doc.deleted ? kNone : doc.fields;
}

}  // namespace

bool winsOver(const Document& a, const HybridTimestamp& a_stamp, const Document& b, const HybridTimestamp& b_stamp) {
  if (a_stamp != b_stamp) return b_stamp < a_stamp;
  if (a.device != b.device) return a.device > b.device;
  return a.revision > b.revision;  // the same device and stamp twice: still one answer everywhere
}

bool winsOver(const Document& a, const Document& b) { return winsOver(a, a.stamp, b, b.stamp); }

MergeResult mergeRevisions(const Document& base, const Document& a, const Document& b) {
  return mergeRevisions(base, a, b, winsOver(a, b));
}

MergeResult mergeRevisions(const Document& base, const Document& a, const Document& b, bool a_wins) {
  const Document& winner = a_wins ? a : b;
  const Document& other = &winner == &a ? b : a;
  MergeResult result;

  // The document itself. A deletion against an edit is a conflict, and the provisional winner
  // decides whether it stays deleted; when only one of the two actually happened (the deleted
  // side was deleted already, or the other side changed nothing), that one stands.
  if (a.deleted && b.deleted) {
    result.deleted = true;
    return result;
  }
  if (a.deleted != b.deleted) {
    const Document& editor = a.deleted ? b : a;
    const bool deletion_is_new = !base.deleted;
    const bool edit_is_new = base.deleted || liveFields(editor) != liveFields(base);
    if (!edit_is_new) {
      result.deleted = true;
      return result;
    }
    if (!deletion_is_new) {
      result.fields = editor.fields;
      return result;
    }
    result.conflicts.push_back({"", std::nullopt, sideOf(winner, std::nullopt), sideOf(other, std::nullopt)});
    if (winner.deleted) {
      result.deleted = true;
      return result;
    }
    // The edit wins: the fields merge below, the deleted side offering the base's values.
  }

  std::set<std::string> names;
  for (const auto* doc : {&base, &a, &b})
    for (const auto& [name, _] : liveFields(*doc)) names.insert(name);
  for (const auto& name : names) {
    const auto from_base = fieldOf(base, name);
    // A deleted side that lost keeps nothing to contribute: the edit's values stand.
    const auto from_a = a.deleted ? from_base : fieldOf(a, name);
    const auto from_b = b.deleted ? from_base : fieldOf(b, name);
    std::optional<Value> merged;
    if (from_a == from_b) {
      merged = from_a;
    } else if (from_a == from_base) {
      merged = from_b;
    } else if (from_b == from_base) {
      merged = from_a;
    } else {
      const auto& won = &winner == &a ? from_a : from_b;
      const auto& lost = &winner == &a ? from_b : from_a;
      result.conflicts.push_back({name, from_base, sideOf(winner, won), sideOf(other, lost)});
      merged = won;
    }
    if (merged) result.fields.emplace(name, std::move(*merged));
  }
  return result;
}

}  // namespace fieldcheck
