#include "fieldcheck/roles.h"

namespace fieldcheck {

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kInspector: return "inspector";
    case Role::kSupervisor: return "supervisor";
    case Role::kProvincial: return "provincial";
    case Role::kAdmin: return "admin";
  }
  return "inspector";
}

std::optional<Role> parseRole(std::string_view name) {
  for (Role r : {Role::kInspector, Role::kSupervisor, Role::kProvincial, Role::kAdmin})
    if (roleName(r) == name) return r;
  return std::nullopt;
}

// Today the three rules agree: everyone above an inspector decides. Kept apart because they are
// different decisions, and a province may one day separate them (reviewers who do not resolve).
bool mayReview(Role role) { return role != Role::kInspector; }
bool mayResolveConflicts(Role role) { return role != Role::kInspector; }
bool mayAmendFinalized(Role role) { return role != Role::kInspector; }
bool mayDiscardOthersWork(Role role) { return role != Role::kInspector; }

bool worksIn(const std::optional<std::string>& user_district, const std::string& district) {
  return !user_district || user_district->empty() || *user_district == district;
}

}  // namespace fieldcheck
