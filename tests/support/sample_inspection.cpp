#include "support/sample_inspection.h"

#include "fieldcheck/crypto.h"
#include "fieldcheck/seed.h"

namespace fieldcheck::test {

Document sampleInspection(const std::string& user, const std::string& device, const std::string& district,
                          const std::vector<std::string>& establishments, int n) {
  const auto minute = n * 60'000LL;
  Fields f{{"_establishment", establishments[static_cast<std::size_t>(n) % establishments.size()]},
           {"_template", seedDocumentId("template", "establishment-inspection")}, {"_template_version", 1},
           {"_district", district}, {"_status", "finalized"}, {"_started_at", DateTime{1'556'868'600'000 + minute, 420}},
           {"_finalized_at", DateTime{1'556'870'400'000 + minute, 420}},
           {"visit_time", DateTime{1'556'868'600'000 + minute, 420}},
           {"team_members", "Nông Văn An, Lê Thị Bình, Hoàng Đức Cường"},
           {"business_registration", true}, {"security_certificate", n % 7 != 0}, {"worker_register", n % 5 != 0},
           {"workers_total", 4 + n % 20}, {"workers_women", 2 + n % 10}, {"workers_under_18", 0},
           {"prostitution_signs", false}, {"prevention_material", Choices{"prostitution", "hiv_aids"}},
           {"workers_informed", true}, {"violations", Choices{"no_worker_register"}},
           {"actions", Choices{"reminder", "fine"}}, {"fine_amount", 2'500'000 + (n % 10) * 500'000},
           {"conclusion", "to_correct"}, {"notes", "Cơ sở đã được nhắc nhở niêm yết tài liệu tuyên truyền; hẹn kiểm tra lại."},
           {"location", GeoPoint{22.6657 + n * 1e-5, 106.2570, 8.0}}};
  return firstRevision(newDocumentId(), "inspection", std::move(f), user, device, HybridTimestamp{1'556'870'400'000 + n, 0});
}

}  // namespace fieldcheck::test
