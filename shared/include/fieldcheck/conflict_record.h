// Conflict records: what the server keeps of each merge that changed a field both ways, as a
// document of kind "conflict" that syncs to supervisors in scope; and how a decision on one
// turns into the resolving revision of the document.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fieldcheck/merge.h"
#include "fieldcheck/result.h"

namespace fieldcheck {

namespace kinds {
/// Written by the server only; pulled by supervisors, provincial staff and administrators.
inline constexpr std::string_view kConflict = "conflict";
}  // namespace kinds

/// One merge's conflicts: the fields both sides changed to different values (or the record
/// itself, deleted on one side and edited on the other), with the base, the value applied
/// provisionally and the other value, and who wrote each, when and on which device. Open until
/// a resolution arrives: a revision of the document with the other side's revision among its
/// parents, from a supervisor, provincial officer or administrator.
struct ConflictRecord {
  std::string id;              // the record's document id
  std::int64_t number = 0;     // what people type: 1, 2, ... in the province
  std::string doc_id;          // the document in conflict
  std::string doc_kind;
  std::string district;        // empty: province-wide
  std::string base_revision;   // the common ancestor the merge used
  std::string merge_revision;  // the head that applied the provisional winner
  std::vector<FieldConflict> conflicts;  // in field order; the record's own ("") first
  bool resolved = false;
  std::string resolved_by;     // user name
  std::string resolution;      // the resolving revision
  HybridTimestamp recorded;    // when the merge was written

  /// The side whose value was applied, and the other, as every field of this record shares them.
  const ConflictSide& applied() const { return conflicts.front().winner; }
  const ConflictSide& other() const { return conflicts.front().other; }

  /// The document's fields (the canonical form every replica hashes).
  Fields toFields() const;
  /// Reads a record back from a document of kind "conflict"; nullopt when it is not one.
  static std::optional<ConflictRecord> fromDocument(const Document& doc);
};

/// What a supervisor decided, field by field: keep the applied value, take the other, or a new
/// value. `everything` applies to each field without its own decision.
enum class ConflictSideChoice { kApplied, kOther };
struct ConflictDecision {
  std::optional<ConflictSideChoice> everything;
  std::map<std::string, ConflictSideChoice> sides;  // by field
  std::map<std::string, Value> values;              // by field: a new value (null clears it)
};

/// Parses "applied", "other" (`everything`) or "FIELD=applied|other" into `decision`.
/// Returns a problem naming the accepted forms otherwise.
Result<bool> addTakeChoice(ConflictDecision& decision, std::string_view text);

/// The revision that resolves `record` as `decision` says, on top of `head` (the document's
/// current head): fields taken from the decided sides, parents {head, the other side's
/// revision}, written by `author` on `device` at `stamp`. `other_revision` is the other side's
/// revision itself, needed only when the record itself is in conflict and the other side is an
/// edit. Refuses, naming them, fields the decision leaves undecided and decisions on fields that
/// are not in conflict.
Result<Document> resolvingRevision(const ConflictRecord& record, const ConflictDecision& decision, const Document& head,
                                   const Document* other_revision, std::string author, std::string device,
                                   HybridTimestamp stamp);

/// A value for `field` of `doc` from what a person typed, read as the question its checklist asks
/// it (an inspection's own template, an establishment's record template, from `templates`) and
/// checked; a field no checklist asks about takes the text as typed. Empty input clears it (null).
Result<Value> parseFieldInput(const Document& doc, const std::vector<Document>& templates, const std::string& field,
                              std::string_view input, std::int32_t offset_minutes);

/// A decision as typed: each of `takes` as addTakeChoice reads it, each of `sets` as
/// "FIELD=VALUE" read by parseFieldInput for `head`. Refuses, saying what to type, when there is
/// neither, or when one is malformed.
Result<ConflictDecision> decisionFromInput(const std::vector<std::string>& takes, const std::vector<std::string>& sets,
                                           const Document& head, const std::vector<Document>& templates,
                                           std::int32_t offset_minutes);

/// The JSON a script reads, and the text a supervisor reads (times at `offset_minutes`).
nlohmann::json conflictToJson(const ConflictRecord& record, std::int32_t offset_minutes);
/// What a person reads a conflict by: its record ("CS-43 Karaoke Hoa Hồng", or an inspection of
/// it) and each field's question label ("Số người lao động / Number of workers").
struct ConflictNames {
  std::string record;                         // "" when unknown: the record's kind and id are shown
  std::string district;                       // the district's name; "" when unknown: its code is shown
  std::map<std::string, Bilingual> fields;     // a field without a label is shown by its name
};

/// The names of `record`'s record and fields as the documents this replica holds say them:
/// `lookup` gives a document's head by id (the record, and the establishment an inspection is
/// of), `templates` the templates that ask the fields.
ConflictNames conflictNames(const ConflictRecord& record, const std::function<std::optional<Document>(const std::string&)>& lookup,
                            const std::vector<Document>& templates);

/// One line per record with `detailed` false; the base and both sides, each field a line,
/// with `detailed` true. `state` replaces "open"/"resolved" when the caller knows better (a
/// resolution waiting on this laptop to be sent). `names` (from conflictNames) names the record
/// and the fields as people know them.
void printConflict(std::ostream& out, const ConflictRecord& record, std::int32_t offset_minutes, bool detailed,
                   std::string_view state = {}, const ConflictNames& names = {});

}  // namespace fieldcheck
