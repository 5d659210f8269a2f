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

Bilingual roleTitle(Role role) {
  switch (role) {
    case Role::kInspector: return {"Cán bộ kiểm tra", "Inspector"};
    case Role::kSupervisor: return {"Giám sát viên", "Supervisor"};
    case Role::kProvincial: return {"Cán bộ tỉnh", "Provincial officer"};
    case Role::kAdmin: return {"Quản trị viên", "Administrator"};
  }
  return {"Cán bộ kiểm tra", "Inspector"};
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

bool mayManagePeople(Role role) { return role == Role::kAdmin; }
bool mayImportBundles(Role role) { return role == Role::kProvincial || role == Role::kAdmin; }
bool mayExport(Role role) { return role != Role::kInspector; }
bool maySeeAuditLog(Role role) { return role == Role::kProvincial || role == Role::kAdmin; }

bool needsDistrict(Role role) { return role == Role::kInspector; }
bool mayHaveDistrict(Role role) { return role == Role::kInspector || role == Role::kSupervisor; }

// A provincial officer's or administrator's district is ignored, not trusted: one stored by an
// older server or by hand must not narrow (or widen) what the role sees.
bool maySee(Role role, const std::optional<std::string>& user_district, const std::string& district) {
  return !mayHaveDistrict(role) || worksIn(user_district, district);
}
bool mayReviewIn(Role role, const std::optional<std::string>& user_district, const std::string& district) {
  return mayReview(role) && maySee(role, user_district, district);
}
bool mayResolveIn(Role role, const std::optional<std::string>& user_district, const std::string& district) {
  return mayResolveConflicts(role) && maySee(role, user_district, district);
}

}  // namespace fieldcheck
