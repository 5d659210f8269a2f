// Who may do what: the roles and the rules of each, in one place that the laptop (what it offers
// and refuses offline), the server's API and push rules, and the server's command line share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fieldcheck/result.h"

namespace fieldcheck {

enum class Role { kInspector, kSupervisor, kProvincial, kAdmin };

/// "inspector", "supervisor", "provincial", "admin".
std::string_view roleName(Role role);
std::optional<Role> parseRole(std::string_view name);
/// What people read: "Cán bộ kiểm tra" / "Inspector", "Giám sát viên" / "Supervisor", "Cán bộ
/// tỉnh" / "Provincial officer", "Quản trị viên" / "Administrator".
Bilingual roleTitle(Role role);

/// Approves or returns a finalized inspection or periodic report (a supervisor, a provincial
/// officer or an administrator; never an inspector, not even their own work).
bool mayReview(Role role);
/// Decides a conflict between two edits made offline.
bool mayResolveConflicts(Role role);
/// Amends a finalized record, keeping it complete; an inspector's finalized work is no longer theirs
/// to edit.
bool mayAmendFinalized(Role role);
/// Discards a finalized record, or a draft another laptop wrote last, or deletes an establishment.
bool mayDiscardOthersWork(Role role);

/// Adds, revokes and resets users and revokes laptops (an administrator only).
bool mayManagePeople(Role role);
/// Imports a bundle a laptop wrote offline and someone carried in (a provincial officer or an
/// administrator).
bool mayImportBundles(Role role);
/// Downloads records as a file, CSV, XLSX or JSON lines (a supervisor, a provincial officer or an
/// administrator).
bool mayExport(Role role);
/// Reads the audit log: who did what, when, from which device (a provincial officer or an
/// administrator).
bool maySeeAuditLog(Role role);

/// Whether a user of `role` must belong to one district (an inspector).
bool needsDistrict(Role role);
/// Whether a user of `role` may belong to one district (an inspector or a supervisor; a
/// provincial officer and an administrator see the whole province).
bool mayHaveDistrict(Role role);

/// Whether a user who works in `user_district` (nullopt or "": the whole province) may read and
/// write what belongs to `district`.
bool worksIn(const std::optional<std::string>& user_district, const std::string& district);
/// Whether a user of `role` who works in `user_district` sees what belongs to `district`:
/// inspectors and supervisors their district's (all when they have none), provincial officers and
/// administrators everything. What they may do with it is the rules above.
bool maySee(Role role, const std::optional<std::string>& user_district, const std::string& district);
/// maySee, and mayReview: reviews a record of `district`.
bool mayReviewIn(Role role, const std::optional<std::string>& user_district, const std::string& district);
/// maySee, and mayResolveConflicts: decides a conflict over a record of `district`.
bool mayResolveIn(Role role, const std::optional<std::string>& user_district, const std::string& district);

}  // namespace fieldcheck
