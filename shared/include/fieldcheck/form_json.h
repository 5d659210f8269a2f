// A record's Form as JSON (client/app/API.md's `Form`): the one shape the inspector's app and the
// provincial console both answer with, so one renderer (shared/web/form.js) draws both.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/document.h"
#include "fieldcheck/result.h"

namespace fieldcheck {

/// {"vi", "en"}.
nlohmann::json bilingualJson(const Bilingual& text);

/// A question and its answer as a field shows it: its type, label, hint, unit, bounds, choices (yes
/// and no as two), the answer as text to put back in an input ("input": what parseAnswerInput reads
/// back to the same value) and as people read it ("shown").
nlohmann::json questionJson(const Question& q, const Value& value);

/// What a Form says beyond the template and the record: how the reader's side names the record
/// and its places, where it stands for them and what they may do with it.
struct FormContext {
  std::string number;         // how people name the record ("HA-2-0007")
  std::string commune_name;   // of its establishment
  std::string district_name;  // of its establishment
  std::string_view standing_code;  // draft | finalized | submitted | approved | returned
  Bilingual standing_label;
  bool editable = false;
  bool may_review = false;
  bool unsent = false;
  /// Whether the reader can show photo `sha256` from where it is ("local"; false: on the server only).
  std::function<bool(const std::string& sha256)> photo_here;
};

/// A record's Form: its standing, the sections with only the questions that apply (`state` of
/// `checklist` for `record`'s answers), each with its fault and the checks across answers that
/// concern it (`failures`), what is missing, every check that fails. `establishment` is the
/// document the record is about (an establishment, or a report's commune or district); an empty
/// id names none.
nlohmann::json formJson(const Document& record, const Document& establishment, const ChecklistTemplate& checklist,
                        const ChecklistState& state, const std::vector<ConstraintFailure>& failures,
                        const FormContext& context);

/// What one revision of a history changed: the fields it set to a new value and those it cleared,
/// against its first parent (the revision it was made on), or against the revision before it
/// when that parent is not in the history; every field it holds for the first revision.
struct RevisionChanges {
  std::vector<std::pair<std::string, Value>> set;  // by field name
  std::vector<std::string> cleared;                // by field name
};
/// The changes of each revision of `history` (oldest first, as a replica received them), in the
/// same order.
std::vector<RevisionChanges> revisionChanges(const std::vector<Document>& history);

/// A field as people read it: its label and its value shown.
struct FieldDescription {
  Bilingual label;
  std::string shown;
};

/// How one side (a laptop's store, the provincial database) names what a record's fields point
/// to. Every function is needed.
struct RecordNaming {
  std::function<std::string(const std::string& code)> district_name;  // its code when unknown
  std::function<std::string(const std::string& code)> commune_name;    // its code when unknown
  /// An inspection or report by its record name, an establishment by its code and name.
  std::function<std::string(const std::string& id)> document_name;
  /// How people name an inspection or periodic report ("HA-2-0007").
  std::function<std::string(const Document& record)> record_name;
  /// The checklist that asks `doc`'s fields (its template, or for an establishment the
  /// establishment record template); nullptr when there is none.
  std::function<std::shared_ptr<const ChecklistTemplate>(const Document& doc)> checklist;
};

/// How people read field `name` of `doc` holding `value` in its history or a conflict: an answer
/// by its question's label and as the question shows it (choices by label, dates day first,
/// photos by name), the record's own fields by what they mean (its establishment by code and
/// name, the warnings confirmed and by whom); a field nothing describes by its name, as stored. A
/// cleared field (null) keeps its label and shows as a dash.
FieldDescription describeField(const Document& doc, const std::string& name, const Value& value, const RecordNaming& naming);

}  // namespace fieldcheck
