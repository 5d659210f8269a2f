// What each role may push, and in which district: the server's rules for every incoming change.
#pragma once

#include <optional>
#include <string_view>

#include "accounts.h"
#include "fieldcheck/answer_validation.h"
#include "fieldcheck/checklist_template.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// The checks of a pushed entry from `who` that need no transaction, run before the write lock
/// so that concurrent pushes check in parallel: `fields_json` is the canonical text of its
/// fields. Refuses, with a reason the inspector can read: a change not written on this device or
/// naming another author than the token's user, a revision id that does not match its content, a
/// kind a field laptop may not write, an inspection with an unknown status or template, or
/// invalid answers (templates never change under a revision id, so `lookup` may read outside the
/// transaction); an establishment whose
/// record does not hold to `record_template` (the province's establishment record template;
/// nullptr when it has none): a field it does not have, an answer out of bounds or choices, a
/// required one missing. A finalized inspection or report that breaks an error constraint of its
/// template (checked with `context`: the server's own clock, plan and province) is refused with
/// code "constraint" and the constraint's message; warnings are never refused (their
/// confirmations travel in the record), nor are drafts, which may be half-way. The server's own
/// merges are not pushes and are never checked here, so no merge is refused or lost for it.
std::optional<protocol::Refusal> precheckPush(const Identity& who, const protocol::PushEntry& entry,
                                              std::string_view fields_json, const HeadLookup& lookup,
                                              const ChecklistTemplate* record_template,
                                              const ConstraintContext& context);

/// The rest, inside the push transaction, against the server's current head of the document.
/// Never trusts the client for scope: the district of an inspection is its establishment's
/// district on the server. Refuses a document outside the user's district, an inspection of an
/// unknown establishment or moved to another, an edit of a finalized inspection by an
/// inspector, a review (approval or return) from an inspector or a malformed one, a deletion of
/// an establishment by an inspector or of a record another device wrote last by an inspector, an
/// establishment moved to a commune outside its district, and an edit of a document the server
/// does not have that names a base revision (on a server restored from a backup the storage parks
/// such an edit before judging it, until the revision it is based on arrives: see
/// ProvincialStorage::applyPush). An edit based on a revision that is no longer the head is
/// accepted for a merge; one from a supervisor, provincial officer or administrator may resolve
/// conflicts (see ConflictRecord).
PushDecision judgePush(const Identity& who, const protocol::PushEntry& entry, const std::optional<Document>& head,
                       const HeadLookup& lookup);

/// Checks a batch from `who` (precheckPush, outside the transaction), then applies it with
/// judgePush in one durable transaction. Returns only after the commit.
PushOutcome pushBatch(const Identity& who, std::vector<protocol::PushEntry> entries, ProvincialStorage& storage);

/// What `who` may pull: conflict records only for those who decide them.
PullScope pullScope(const Identity& who);

}  // namespace fieldcheck::server
