// What the provincial office does on the server itself (its command line today, its console
// next): plain functions over the storage that check and do, and return what happened or why not.
// Printing is the caller's; the rules of who may do what are roles.h's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fieldcheck/review.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// Creates the provincial database's content from a seed folder; returns the seed's province
/// and how many documents were new.
struct InitOutcome {
  std::string province;
  std::size_t added = 0;
};
Result<InitOutcome> initFromSeed(ProvincialStorage& db, const std::string& seed_dir);

/// Adds a user: `name` a valid login name, `role` one of roles.h, a district (code or name) for
/// inspectors and supervisors only, a password of 8 to 1024 bytes.
Result<User> addUser(ProvincialStorage& db, const std::string& name, const std::string& role,
                     const std::optional<std::string>& district, const std::string& password);

/// Enrolled devices, of `user` only when given (a Problem for an unknown user).
Result<std::vector<DeviceRecord>> listDevices(ProvincialStorage& db, const std::string& user);
/// Revokes the one device whose id begins with `ref` (4 characters at least).
Result<DeviceRecord> revokeDeviceByRef(ProvincialStorage& db, const std::string& ref);

/// The id of the inspection or periodic report `ref` names: its number ("HA-2-0007", any case),
/// its id, or the start of its id (4 characters at least) that names only it.
Result<std::string> findRecordId(ProvincialStorage& db, const std::string& ref);

/// A review by `reviewer`, an active user who may review (roles.h) in the record's district.
Result<Document> reviewAsOperator(ProvincialStorage& db, const std::string& record_ref, const ReviewDecision& decision,
                                  const std::string& reviewer);

/// Open conflict `number` decided by `resolver`, an active user who may resolve conflicts in its
/// district (see decisionFromInput for `takes` and `sets`); returns the resolving revision.
Result<std::string> resolveAsOperator(ProvincialStorage& db, std::int64_t number, const std::vector<std::string>& takes,
                                      const std::vector<std::string>& sets, const std::string& resolver);

/// The province's UTC offset in minutes, as its seed gave it.
std::int32_t provinceOffsetMinutes(ProvincialStorage& db);

}  // namespace fieldcheck::server
