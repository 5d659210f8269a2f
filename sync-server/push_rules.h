// What each role may push, and in which district: the server's rules for every incoming change.
#pragma once

#include "accounts.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// Judges one pushed entry from `who` against the server's head of its document. Never trusts
/// the client for scope: the district of an inspection is its establishment's district on the
/// server. Refuses, with a reason the inspector can read: a change not written on this device, a revision id that does not match its content, a kind this role may not write,
/// a document outside the user's district, an inspection of an unknown establishment, an edit
/// of a finalized inspection by an inspector, invalid answers, and an edit based on a revision
/// that is no longer the server's (concurrent edits: merged in a later version).
PushDecision judgePush(const Identity& who, const protocol::PushEntry& entry, const std::optional<Document>& head,
                       const HeadLookup& lookup);

/// What `who` may pull.
PullScope pullScope(const Identity& who);

}  // namespace fieldcheck::server
