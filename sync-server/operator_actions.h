// What the provincial office does on the server (its command line and its console): plain
// functions over the storage that check who acts (roles.h's rules), do it, write the audit log,
// and return what happened or why not. Printing and HTTP answers are the callers'.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bundle_import.h"
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

/// Who does an operator action, as the audit log names them. A user (the console's caller, or a
/// user the command line names with --by) acts within their role and district (roles.h); the
/// command line's operator, who holds the server itself, acts as an administrator of the whole
/// province.
struct Actor {
  std::string name;                     // the user, or "operator"
  Role role = Role::kAdmin;
  std::optional<std::string> district;  // the user's district; none: the whole province
  std::string device;                   // the audit log's device: "console" or "cli"
  bool holds_server = false;            // the command line's operator, not a user
};
/// The command line's operator.
Actor commandLineOperator();
/// `user` acting from `device` ("console", "cli").
Actor actorOf(const User& user, const std::string& device);
/// The user `name` (--by on the command line), acting from "cli": an active user, or a problem.
Result<Actor> activeUserAtCli(ProvincialStorage& db, const std::string& name);

/// What kind of refusal an action's problem is; the console answers each with its HTTP status.
enum class Refusal {
  kForbidden,  // the actor's role may not do this (403)
  kNotFound,   // unknown, or outside the actor's district: the same to the console (404)
  kConflict,   // refused by a rule, nothing changed: already decided, a name taken (409)
  kInvalid,    // a value that is not valid (422)
};

/// A Result whose problem says what kind of refusal it is.
template <class T>
class [[nodiscard]] Acted : public Result<T> {
 public:
  Acted(T value) : Result<T>(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Acted(Refusal refusal, Problem problem, std::string field = "")
      : Result<T>(std::move(problem)), refusal_(refusal), field_(std::move(field)) {}
  /// Meaningful only for a problem.
  Refusal refusal() const { return refusal_; }
  /// The input the problem is about ("name", "role", "district", "password"), "" when none. The
  /// problem's words name no command-line option: the command line adds its own (--district).
  const std::string& field() const { return field_; }

 private:
  Refusal refusal_ = Refusal::kInvalid;
  std::string field_;
};

/// Adds a user, by an actor who may manage people: `name` a valid login name, `role` one of
/// roles.h, a district (code or name) for the roles that have one (roles.h needsDistrict,
/// mayHaveDistrict), a password of 8 to 1024 bytes. Audited.
Acted<User> addUser(ProvincialStorage& db, const Actor& by, const std::string& name, const std::string& role,
                    const std::optional<std::string>& district, const std::string& password);

/// A user just added, and their first password: a one-time code to be shown once.
struct NewUser {
  User user;
  std::string one_time_code;
};
/// addUser with a one-time code for a first password (newOneTimeCode), stored hashed and marked
/// to be changed at first use.
Acted<NewUser> addUserWithCode(ProvincialStorage& db, const Actor& by, const std::string& name, const std::string& role,
                               const std::optional<std::string>& district);

/// A new one-time code: 4 groups of 4 capital letters and digits without look-alikes (no 0, O,
/// 1, I, L), "7KQ2-MXPA-9RTD-H4WC", some 79 random bits.
std::string newOneTimeCode();

/// Gives an active user a new one-time code as their password (their console sessions end; they
/// change it at first use), by an actor who may manage people. Returns the code. Audited.
Acted<std::string> resetPassword(ProvincialStorage& db, const Actor& by, const std::string& name);

/// Revokes a user and every device of theirs at once, by an actor who may manage people (never
/// themselves). Returns the user as they now stand and how many devices lost access. Audited.
struct RevokedUser {
  User user;
  std::size_t devices = 0;
};
Acted<RevokedUser> revokeUser(ProvincialStorage& db, const Actor& by, const std::string& name);

/// Every user, for an actor who may manage people.
Acted<std::vector<User>> listUsers(ProvincialStorage& db, const Actor& by);

/// Enrolled devices the actor sees (roles.h maySee of their user's district; a province-wide
/// user's devices to province-wide actors only), of `user` only when given (a Problem for an
/// unknown user).
Acted<std::vector<DeviceRecord>> listDevices(ProvincialStorage& db, const Actor& by, const std::string& user);
/// Revokes device `device_id` (exactly), by an actor who may manage people: its next sync is
/// refused. Audited.
Acted<DeviceRecord> revokeDevice(ProvincialStorage& db, const Actor& by, const std::string& device_id);
/// Revokes the one device whose id begins with `ref` (4 characters at least), as revokeDevice.
Acted<DeviceRecord> revokeDeviceByRef(ProvincialStorage& db, const Actor& by, const std::string& ref);

/// The id of the inspection or periodic report `ref` names: its number ("HA-2-0007", any case),
/// its id, or the start of its id (4 characters at least) that names only it.
Result<std::string> findRecordId(ProvincialStorage& db, const std::string& ref);

/// A review of the record `record_ref` names (findRecordId), by an actor who may review records
/// of its district (roles.h mayReviewIn). Returns the new head. Audited.
Acted<Document> reviewRecord(ProvincialStorage& db, const Actor& by, const std::string& record_ref,
                             const ReviewDecision& decision);

/// The same decision on several records, each on its own: one refused does not stop the others.
struct ReviewRefused {
  std::string ref;     // as given
  std::string id;      // the record's id, when found in the actor's scope
  std::string number;  // as people name it (record_number.h recordName), when found
  Refusal refusal = Refusal::kInvalid;
  Problem problem;
};
struct ReviewedMany {
  std::vector<Document> reviewed;
  std::vector<ReviewRefused> refused;
};
/// reviewRecord for each of `record_refs` in turn (at most tuning's batch, else a kInvalid
/// problem and nothing done).
Acted<ReviewedMany> reviewMany(ProvincialStorage& db, const Actor& by, const std::vector<std::string>& record_refs,
                               const ReviewDecision& decision);

/// Open conflict `number` decided by an actor who may resolve conflicts in its district (roles.h
/// mayResolveIn; see decisionFromInput for `takes` and `sets`); returns the resolving revision.
/// Audited.
Acted<std::string> resolveConflict(ProvincialStorage& db, const Actor& by, std::int64_t number,
                                   const std::vector<std::string>& takes, const std::vector<std::string>& sets);

/// Applies a bundle carried in (bundle_import.h), by an actor who may import bundles. Audited.
Acted<BundleImport> importBundleAs(ProvincialStorage& db, const Actor& by, std::string_view bundle_file);

/// The province's UTC offset in minutes, as its seed gave it.
std::int32_t provinceOffsetMinutes(ProvincialStorage& db);

}  // namespace fieldcheck::server
