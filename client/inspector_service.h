// What an inspector does, as plain functions over the local store: the CLI (and later a local
// web UI) call these and only render their results.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attachment_store.h"
#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/document.h"
#include "fieldcheck/form_json.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/review.h"
#include "fieldcheck/roles.h"
#include "fieldcheck/seed.h"
#include "home.h"
#include "local_store.h"
#include "platform.h"

namespace fieldcheck::client {


/// "FIELD=VALUE" as typed on the command line.
using Assignment = std::pair<std::string, std::string>;

/// Splits "FIELD=VALUE" at the first '='; nullopt without one.
std::optional<Assignment> parseAssignment(std::string_view text);

struct InitSummary {
  std::string province;
  std::size_t establishments = 0;
  std::size_t documents = 0;
  std::string device;
  bool already_initialised = false;
};

/// Sets up `home` offline from a seed folder: creates the store, records the user and the
/// province's UTC offset, imports the seed. Running it again on the same home imports only what
/// is missing and changes no edit.
Result<InitSummary> initHome(const Home& home, const std::filesystem::path& seed_dir,
                             const std::string& user);

/// Fetches a photo from the server this laptop logged in to (fetchAttachment: supervisors and
/// above, in their scope) into `home`'s attachments. `photo` is its name (photoName, or an
/// export's file name), resolved through the records of `home` when it holds a province, or its
/// SHA-256 or the start of it (6 hex digits at least). A Problem when the store cannot be opened,
/// no such photo is named here, or the server does not give it.
Result<AttachmentRef> fetchPhoto(const Home& home, std::string photo);
/// The file name a fetched photo is saved under for a person: its name (photoName: the record's
/// number, the question, the position) and its extension, "BLC-2-0007-photo_premises-1.jpg".
std::string photoFileName(const Home& home, const AttachmentRef& ref);

/// What each revision of a history changed (form_json.h).
using fieldcheck::RevisionChanges;
using fieldcheck::revisionChanges;

/// A field as people read it: its label and its value shown (form_json.h).
using fieldcheck::FieldDescription;

/// An inspection with everything needed to show or fill it.
struct InspectionView {
  Document inspection;
  Document establishment;
  std::shared_ptr<const ChecklistTemplate> checklist;  // shared and immutable: `state` points into it
  ChecklistState state;
  bool unsent = false;  // it has changes this laptop has not sent yet
  /// The template's constraints its answers break (errors and warnings, confirmed or not),
  /// checked against this laptop's clock, the plan and the province.
  std::vector<ConstraintFailure> failures;
};

/// Where an inspection stands as this laptop knows it: its review state (reviewState), except
/// that a finalized inspection whose finalizing the server does not have yet is "finalized",
/// waiting to be sent, not "submitted".
struct InspectionStanding {
  std::string_view code;  // draft | finalized | submitted | approved | returned
  Bilingual label;
};
InspectionStanding inspectionStanding(const Document& inspection, bool unsent);

/// An edit made on this laptop that the server's merge set aside for now: another's value of the
/// same field was applied, and a supervisor decides.
struct WaitingEdit {
  std::string record;  // "CS-43 Karaoke Hoa Hồng", or an inspection or report by its number
  Bilingual field;     // the question's label
  std::string mine, applied, by;  // the values as people read them (choices by label, dates day first)
};

struct StatusSummary {
  std::size_t drafts = 0;
  std::size_t finalized = 0;
  std::size_t returned = 0;  // drafts a supervisor returned for correction
  std::size_t pending_changes = 0;
  std::string user;
  std::string device;
  std::string province;
  std::string server;          // empty until `fieldcheck login`
  std::string last_sync;       // empty until the first complete sync
  std::int64_t clock_skew_ms = 0;
  std::size_t open_conflicts = 0;  // on a supervisor's laptop: records waiting for a decision here
  std::size_t pending_uploads = 0;  // photos the server does not hold whole yet
  std::vector<protocol::Refusal> refused;
  std::vector<Upload> refused_uploads;  // photos the server will not take, with why
  std::vector<WaitingEdit> waiting;     // this laptop's edits set aside by a merge, waiting for a decision
  std::vector<std::string> outside;     // unsent work outside the user's district, named ("CS-12 … (Hòa An)")
};


/// A conflict record as this laptop knows it: the server's record, and whether this laptop has
/// already resolved it in a revision the server has not received yet.
struct ConflictView {
  ConflictRecord record;
  std::string resolved_here;  // the revision that resolves it here; empty when none

  bool open() const { return !record.resolved && resolved_here.empty(); }
};

/// An `inspect fill` of one inspection open on this laptop: the first holds the inspection's fill
/// lock for as long as it runs (released when it ends, however it ends); one opened meanwhile
/// learns when the first began, so that it can say two are open rather than let one overwrite
/// the other's answers unseen.
struct FillPresence {
  std::optional<platform::FileLock> lock;  // held: no other fill of the inspection is open
  std::string other_since;                 // "09:12": when the open one began (when not held)
};

class InspectorService {
 public:
  /// Opens the store of an initialised home.
  static Result<InspectorService> open(const Home& home);

  /// Enters a fill of inspection `id` (see FillPresence).
  FillPresence enterFill(const std::string& id) const;

  /// Establishments, filtered by district (name or code, accents optional) and by search words
  /// over code, name, address and owner (accents optional): name matches first, then by
  /// district and code.
  Result<std::vector<Document>> establishments(const std::optional<std::string>& district,
                                               const std::optional<std::string>& search) const;

  /// The same, also by commune (its code), only the first `limit` of them and how many there are
  /// in all: what a search as you type shows, quick over ten thousand establishments (their search
  /// keys are folded once and kept while the store does not change).
  struct EstablishmentPage {
    std::size_t total = 0;
    std::vector<Document> items;
  };
  Result<EstablishmentPage> establishmentPage(const std::optional<std::string>& district,
                                              const std::optional<std::string>& commune,
                                              const std::optional<std::string>& search, std::size_t limit) const;

  /// An establishment by its code ("CS-01"), its id or an unambiguous id prefix.
  Result<Document> findEstablishment(std::string_view ref) const;
  /// The shortest beginning of an inspection's or periodic report's id, 8 characters at least,
  /// that names only it on this laptop (ids begin with the time they were made, so two started
  /// within a minute share their first 8).
  std::string shortId(const std::string& id) const;
  /// How people name an inspection or periodic report: its number ("HA-2-0007"), or for a record
  /// made by an older program without one, its shortId.
  std::string recordName(const Document& record) const;
  /// How people read field `name` of `doc` holding `value` in its history: an answer by its
  /// question's label and as the question shows it (choices by label, dates day first, photos by
  /// name), the record's own fields by what they mean (its establishment by code and name, the
  /// warnings confirmed and by whom); a field nothing describes by its name, as stored.
  FieldDescription describeField(const Document& doc, const std::string& name, const Value& value) const;

  /// How people name document `id`: an inspection or report by recordName, an establishment by
  /// its code and name; the start of the id for anything else or unknown here.
  std::string documentName(const std::string& id) const;

  /// The name of the photo of `record`'s question `question_id` ("HA-2-0007-photo_front-1": the
  /// record's name, the question, the photo's position in it).
  std::string photoName(const Document& record, const std::string& question_id) const {
    return fieldcheck::photoName(recordName(record), question_id, 1);  // one image per question
  }
  /// The name of photo `sha256` by the first record here that holds it; its first 12 hex digits
  /// when none does.
  std::string photoName(const std::string& sha256) const;
  /// A photo by its name (photoName; the position may be left out): the attachment its record's
  /// question holds. nullopt when `name` is not of that form; a Problem when no such photo is here.
  std::optional<Result<AttachmentRef>> photoByName(std::string_view name) const;



  /// An inspection (or a periodic report) by its number ("HA-2-0007", any case), its
  /// establishment's code ("CS-31": the one inspection of it here; when there are several, a
  /// Problem listing them), its id or an unambiguous id prefix; one discarded only with
  /// `discarded_too` (its history).

  Result<Document> findInspection(std::string_view ref, bool discarded_too = false) const;

  /// What a history is asked of: the inspection or periodic report `ref` names (findInspection,
  /// discarded ones too), else the establishment it names (findEstablishment); a Problem naming
  /// neither when it names none.
  Result<Document> findInspectionOrEstablishment(std::string_view ref) const;

  /// Corrects an establishment's record as found on the visit. Each value is checked against
  /// the establishment template; code and district are the provincial office's to change.
  Result<Document> correctEstablishment(std::string_view ref, const std::vector<Assignment>& changes);

  /// Starts a draft inspection of an establishment with the province's inspection template
  /// (or `template_ref`, a template id, when there are several).
  Result<Document> newInspection(std::string_view establishment_ref,
                                 const std::optional<std::string>& template_ref);

  /// Starts a draft periodic report for `period` ("2019", "2019-Q3", "2019-07"; empty: this year
  /// on the province's calendar): of a commune
  /// (the "commune_report" template) or of a district (the "district_report" template), or of
  /// `template_ref` when there are several. The same commands as an inspection's fill, finalize
  /// and review it.
  Result<Document> newReport(const std::optional<std::string>& template_ref, const std::optional<std::string>& commune,
                             const std::optional<std::string>& district, std::string period);

  /// Sets answers from typed text ("QUESTION=VALUE"; an empty value clears the answer). All
  /// are checked first; if any is wrong nothing is saved and each fault is listed. An answer that
  /// makes a constraint fail is saved all the same (the inspector may be half-way through): the
  /// view lists the failure, and finalize refuses until it is resolved.
  Result<Document> setAnswers(std::string_view inspection_ref, const std::vector<Assignment>& answers);

  /// Sets one answer to a value (null clears it), saved at once. Used by the interactive fill.
  Result<Document> setAnswer(std::string_view inspection_ref, const std::string& question_id, Value value);

  /// Attaches a photo file to a photo question.
  Result<Document> attach(std::string_view inspection_ref, const std::string& question_id,
                          const std::filesystem::path& file);
  /// The same with the image's bytes (the app's upload), `name` naming it in messages.
  Result<Document> attachBytes(std::string_view inspection_ref, const std::string& question_id,
                               const std::string& bytes, const std::string& name);
  /// The file of photo `sha256` when a record on this laptop names it and it is here; nullopt otherwise.
  std::optional<std::filesystem::path> photoFile(std::string_view sha256) const;

  /// A supervisor's review of a finalized inspection, offline: approved, or returned to its
  /// inspector as a draft with `decision.comment` (see reviewedFields). Saved at once and sent
  /// with the next sync. Refuses on an inspector's laptop and for a draft.
  Result<Document> review(std::string_view inspection_ref, const ReviewDecision& decision);

  /// Finalizes a complete inspection. Refuses, listing every missing or invalid answer, every
  /// constraint an error breaks and every warning not confirmed for its current values (each
  /// with what to do), until none is left.
  Result<Document> finalize(std::string_view inspection_ref);

  /// Confirms warning `constraint_id` of an inspection for the values it fires for now (see
  /// ConstraintFailure): recorded in the record's kConfirmedField with this laptop's user, saved
  /// at once and sent with the next sync. Refuses an unknown constraint, an error (those are
  /// corrected, not confirmed) and a warning that does not fire.
  Result<Document> confirm(std::string_view inspection_ref, const std::string& constraint_id);

  /// Throws away an inspection or periodic report: a deletion, sent with the next sync (the
  /// server keeps its history). An inspector discards only a draft, and the server takes it only
  /// from the laptop that last wrote it; a supervisor or above may discard a finalized one.
  Result<Document> discard(std::string_view inspection_ref);

  Result<InspectionView> view(std::string_view inspection_ref) const;
  /// The same for a record already in hand (as a write or a list returned it), without finding it again.
  Result<InspectionView> viewOf(const Document& inspection) const;

  /// Inspections, optionally only those with `status` ("draft" or "finalized", or a review state:
  /// "submitted", "approved", "returned"), newest first.
  Result<std::vector<Document>> inspections(const std::optional<std::string>& status) const;

  StatusSummary status() const;

  /// Who uses this laptop and where, as the server said at login (empty before the first login).
  struct Session {
    std::string user, role, district, device, laptop_number, province, server;
    bool may_review = false;  // a supervisor or above: reviews, resolves conflicts, amends
  };
  Session session() const;
  /// The bytes of the photos still to upload, and the documents with changes to send: what the
  /// next sync will send (its progress counts them).
  std::uint64_t pendingUploadBytes() const;
  std::size_t pendingDocuments() const { return store_.pendingDocuments(); }
  /// The records written on this laptop (its user's work), not the colleagues' a sync brought.
  std::set<std::string> idsWrittenHere() const { return store_.idsWrittenHere(); }

  /// Conflict records this laptop has (supervisors pull them), open ones only unless `all`, by number.
  std::vector<ConflictView> conflicts(bool all) const;
  /// A conflict record by its number ("3" or "#3") or its id as `conflicts list --json` prints
  /// it (or an unambiguous beginning of it, 4 hex digits at least).
  Result<ConflictView> findConflict(std::string_view ref) const;

  /// Resolves conflict `ref` (see findConflict) offline, as a supervisor decides (see decisionFromInput): a
  /// revision of its document with both heads as parents, saved here and sent with the next
  /// sync. Refuses, changing nothing, on an inspector's laptop, for a conflict already resolved
  /// (here or on the server), and for an incomplete decision.
  Result<Document> resolveConflict(std::string_view ref, const std::vector<std::string>& takes,
                                   const std::vector<std::string>& sets);

  /// This laptop's edits that the server's merges set aside for now and no decision has settled
  /// yet: each field where this laptop's value was not applied, and the value that was, by whom.
  std::vector<WaitingEdit> waitingEdits() const;

  /// The names a person knows conflict `record`'s record and fields by (see conflictNames).
  ConflictNames conflictNamesOf(const ConflictRecord& record) const {
    return conflictNames(record, [this](const std::string& id) { return store_.head(id); }, store_.heads(kinds::kTemplate));
  }

  /// Every revision of a document, oldest first.
  std::vector<Document> history(const std::string& id) const { return store_.history(id); }

  /// The province's establishment record template (what an establishment's fields are and how
  /// they read); nullptr when this laptop has none.
  std::shared_ptr<const ChecklistTemplate> establishmentTemplate() const {
    auto found = templateByPurpose("establishment", std::nullopt);
    return found ? found.value() : nullptr;
  }

  /// The districts this laptop holds with their communes, each in Vietnamese alphabetical order.
  struct Place {
    std::string code, name;
    std::vector<std::pair<std::string, std::string>> communes;  // code, name
  };
  std::vector<Place> places() const;
  /// The ids of the inspections of establishment `establishment_id` held here (discarded ones not).
  std::vector<std::string> inspectionsOf(const std::string& establishment_id) const;

  /// A district's or commune's display name from its code (the code itself when unknown).
  std::string districtName(const std::string& code) const;
  std::string communeName(const std::string& code) const;

  std::int32_t utcOffsetMinutes() const { return utc_offset_minutes_; }

 private:
  InspectorService(LocalStore store, Home home);

  /// This laptop's user's role, as the server told it at login (roles.h says what each may do).
  Role role() const;

  /// How messages name a kind of document.
  struct Noun {
    std::string vi;
    std::string en;
    std::string en_plural;
    std::string list_command;
  };
  /// A district or commune (`kind`) by its code or its name, accents optional; refuses an
  /// unknown one, listing those there are.
  Result<Document> findPlace(std::string_view kind, std::string_view ref) const;

  /// Why a change of something in `district` (`what`, as the message names it) would be refused
  /// by the server for this laptop's user, who works in another district; nullopt when it would
  /// not (the user's district, the whole province, or a laptop that never logged in).
  std::optional<Problem> outsideDistrict(const std::string& district, const std::string& what_vi,
                                         const std::string& what_en) const;

  /// A document of one of `kinds` by its id or an id prefix that names only it among them.
  Result<Document> findById(std::initializer_list<std::string_view> kinds, std::string_view ref, const Noun& noun) const;

  /// The number of a record of `district` made now (record_number.h); counts it, so call it
  /// inside the write that saves the record.
  std::string newNumber(const std::string& district);

  Result<std::shared_ptr<const ChecklistTemplate>> templateByPurpose(std::string_view purpose,

                                              const std::optional<std::string>& template_id) const;
  /// The constraints `record`'s answers (as `state`) break, on this laptop's clock, plan and province.
  std::vector<ConstraintFailure> constraintFailures(const ChecklistTemplate& checklist, const ChecklistState& state,
                                                    const Fields& establishment, const Fields& record) const;
  /// Writes an inspection's new fields after refusing edits to a finalized one, except a
  /// supervisor's (or provincial officer's, or administrator's) amendment that keeps it complete.
  /// Puts attachment `ref` (just stored, or why not) as the answer to photo question `question_id`.
  Result<Document> attachRef(std::string_view inspection_ref, const std::string& question_id,
                             const std::function<Result<AttachmentRef>()>& store);
  Result<Document> editDraft(const Document& inspection,
                             const std::function<Result<Fields>(const InspectionView&)>& change);

  /// The parsed template of a template document's revision; parsed once per process.
  Result<std::shared_ptr<const ChecklistTemplate>> parsedTemplate(const Document& template_doc) const;

  /// Every establishment here with its search keys folded once, by district then code; rebuilt
  /// when the store has changed since (LocalStore::changeMark), by this program or another.
  struct IndexedEstablishment {
    std::string id;  // the document is read when shown: ten thousand of them need not stay in memory
    std::string district, commune, code, folded_code, folded_name, folded_all;
  };
  const std::vector<IndexedEstablishment>& establishmentIndex() const;
  /// The establishment whose code is `code` (any case, accents optional), through the index.
  std::optional<Document> establishmentByCode(std::string_view code) const;

  LocalStore store_;
  Home home_;
  mutable std::vector<IndexedEstablishment> establishment_index_;
  mutable std::pair<std::int64_t, std::int64_t> establishment_index_mark_{-1, -1};
  mutable std::map<std::string, std::shared_ptr<const ChecklistTemplate>> templates_by_revision_;
  AttachmentStore attachments_;
  std::int32_t utc_offset_minutes_ = 0;
};

}  // namespace fieldcheck::client
