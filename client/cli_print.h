// What the `fieldcheck` command line prints: each result as people read it (print…, in both
// languages) and as scripts read it (…Json). Nothing here decides anything; the service does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inspector_service.h"
#include "sync_engine.h"

namespace fieldcheck::client {

/// A Problem: with `json`, as {"error": {"vi", "en", "details"}} on `out`; else as `Lỗi:` /
/// `Error:` and its details on `err`.
void printProblem(std::ostream& out, std::ostream& err, bool json, const Problem& p);

/// Any document as scripts read it: id, kind, revision, parents, author, device, stamp, fields.
nlohmann::json documentJson(const Document& doc);

// ---- init, login, sync, bundles, attachments ----

nlohmann::json initJson(const Home& home, const InitSummary& s);
void printInit(std::ostream& out, const Home& home, const InitSummary& s);

nlohmann::json loginJson(const LoginResult& l);
void printLogin(std::ostream& out, const LoginResult& l);

/// One line of a sync's progress, rewritten in place (a terminal's), `seconds` after it began.
void printSyncProgress(std::ostream& err, const SyncCounts& c, double seconds);
nlohmann::json syncJson(const SyncCounts& c);
void printSynced(std::ostream& out, const SyncCounts& c);
/// This laptop's edits a merge set aside for now, one entry each in both languages.
void printWaitingEdits(std::ostream& out, const std::vector<WaitingEdit>& waiting);
/// Warns when this laptop's clock was found off the server's by enough to matter
/// (clockSkewWorthWarning); prints nothing otherwise.
void warnClockSkew(std::ostream& out, std::int64_t skew_ms);

nlohmann::json bundleJson(const BundleSummary& w);
void printBundleWritten(std::ostream& out, const std::string& file, const BundleSummary& w);
nlohmann::json receiptJson(const ReceiptSummary& a);
void printReceipt(std::ostream& out, const ReceiptSummary& a);

/// A fetched photo, `shown` where it now is.
nlohmann::json fetchedJson(const AttachmentRef& ref, const std::string& shown);
void printFetched(std::ostream& out, const AttachmentRef& ref, const std::string& shown);

// ---- establishments ----

nlohmann::json establishmentsJson(const InspectorService& service, const std::vector<Document>& establishments);
/// A table: code, name, kind (by its label), district, commune; then how many.
void printEstablishments(std::ostream& out, const InspectorService& service, const std::vector<Document>& establishments);
/// An establishment's record: each field by its label in the record template's order, choices by
/// their labels, places by their names.
void printEstablishment(std::ostream& out, const InspectorService& service, const Document& est);
/// An establishment's record just corrected: a "Saved" line, then the record.
void printEstablishmentSaved(std::ostream& out, const InspectorService& service, const Document& est);

// ---- inspections and periodic reports ----

nlohmann::json inspectionJson(const InspectorService& service, const InspectionView& v);
/// A record with its questions that apply, its answers and their faults, the checks across
/// answers, and what is left to do.
void printInspection(std::ostream& out, const InspectorService& service, const InspectionView& v);

nlohmann::json newRecordJson(const Document& record);
void printNewRecord(std::ostream& out, const InspectorService& service, const Document& record, const InspectionView& v);
void printDiscarded(std::ostream& out, const InspectorService& service, const Document& record);
/// After `inspect set` or `attach`: how many answered, how many missing, and the checks that fail.
void printAnswersSaved(std::ostream& out, const InspectionView& v);
void printFinalized(std::ostream& out, const InspectorService& service, const Document& record);
void printReviewed(std::ostream& out, const InspectorService& service, const Document& record);
void printConfirmed(std::ostream& out, const InspectorService& service, const std::string& constraint, const InspectionView& v);

/// `inspect list` as a table, a row at a time: the header, each record, then how many.
void printInspectionListHeader(std::ostream& out);
void printInspectionListRow(std::ostream& out, const InspectorService& service, const InspectionView& v);
void printInspectionListEnd(std::ostream& out, std::size_t count);

// ---- history, conflicts, status ----

nlohmann::json historyJson(const std::vector<Document>& revisions);
/// Each revision of `doc` (oldest first) with what it changed (`changes`, see revisionChanges).
void printHistory(std::ostream& out, const InspectorService& service, const Document& doc,
                  const std::vector<Document>& revisions, const std::vector<RevisionChanges>& changes);

nlohmann::json conflictsJson(const InspectorService& service, const std::vector<ConflictView>& views);
void printConflicts(std::ostream& out, const InspectorService& service, const std::vector<ConflictView>& views, bool detailed);
void printConflictCount(std::ostream& out, std::size_t count, bool all);
/// A conflict resolved on this laptop by revision `resolution`.
void printResolved(std::ostream& out, std::int64_t number, const Document& resolution);

nlohmann::json statusJson(const StatusSummary& s);
void printStatus(std::ostream& out, const InspectorService& service, const StatusSummary& s);

}  // namespace fieldcheck::client
