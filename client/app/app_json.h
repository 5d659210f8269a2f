// The JSON the app's API answers with (API.md), built from what the inspector service says: the
// page renders it as it is. Nothing here decides what applies, what is valid or who may do what.
#pragma once

#include <nlohmann/json.hpp>

#include "fieldcheck/form_json.h"
#include "fieldcheck/result.h"
#include "inspector_service.h"
#include "sync_engine.h"

namespace fieldcheck::client {

/// {"vi", "en"} (form_json.h).
using fieldcheck::bilingualJson;
/// {"error": {"vi", "en", "details": [{"vi", "en"}...]}}.
nlohmann::json problemJson(const Problem& p);

/// A question and its answer as a field shows it (form_json.h).
using fieldcheck::questionJson;

/// A record's Form (form_json.h's, as this laptop sees the record): its standing, the sections with
/// only the questions that apply, each with its fault and the checks across answers that concern
/// it, what is missing, every check that fails.
nlohmann::json formJson(const InspectorService& service, const InspectionView& v);
/// A record in a list (RecordRow).
nlohmann::json recordRowJson(const InspectorService& service, const InspectionView& v);
/// An establishment in a search's results: kind and status by their labels (`record`: the
/// establishment record template; nullptr shows codes), places by name.
nlohmann::json establishmentItemJson(const InspectorService& service, const ChecklistTemplate* record, const Document& e);

/// Every revision of `doc`, oldest first, with what each changed by label and as people read it.
nlohmann::json historyJson(const InspectorService& service, const Document& doc);

/// A conflict in a list (ConflictRow), and whole: each field's base, applied and other value side
/// by side, who wrote each and when.
nlohmann::json conflictRowJson(const InspectorService& service, const ConflictView& v);
nlohmann::json conflictJson(const InspectorService& service, const ConflictView& v);

}  // namespace fieldcheck::client
