// A province of many inspections for benchmarks, made through the server's own push path.
#include "support/province_generator.h"

#include <chrono>
#include <cstdio>
#include <map>

#include "accounts.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"
#include "provincial_storage.h"
#include "push_rules.h"
#include "support/process.h"
#include "support/sample_inspection.h"
#include "support/temp_dir.h"

namespace fieldcheck::test {
namespace {

using Clock = std::chrono::steady_clock;

struct DistrictTeam {
  std::string district;
  std::string abbreviation;  // what begins its records' numbers
  std::vector<std::string> establishments;
  std::vector<std::string> communes;
  server::Identity inspector, supervisor;
  std::int64_t inspector_seq = 0, supervisor_seq = 0;
  int inspector_numbered = 0, supervisor_numbered = 0;
};

// Inspection `n` of a district as its state has it: a draft (one in ten), submitted (two in ten)
// or approved by the supervisor (the rest), visited on a day of 2019 (some before the plan's
// period), with violations and actions that vary, numbered by the device that made it.
Document inspectionOf(DistrictTeam& team, long n, bool& by_supervisor) {
  static const Choices kViolations[] = {
      {"none"},         {"no_worker_register"}, {"no_security_certificate", "room_standard"},
      {"prostitution"}, {"underage_worker"},    {"no_guest_register"},
      {"other"}};
  static const Choices kActions[] = {{"none"}, {"reminder"},           {"reminder", "fine"},
                                     {"fine"}, {"fine", "suspension"}, {"referral"}};
  const int k = static_cast<int>(n % 10);
  by_supervisor = k >= 3;
  const auto& who = by_supervisor ? team.supervisor : team.inspector;
  auto doc = sampleInspection(who.user, who.device, team.district, team.establishments,
                              static_cast<int>(n % 1'000'000'000));
  auto& f = doc.fields;
  const DateTime visit{1'546'300'800'000 + (n % 365) * 86'400'000LL + 9 * 3'600'000LL,
                       420};  // 2019-01-01 + n days, 09:00 local
  f["visit_time"] = visit;
  f["_started_at"] = visit;
  f["_finalized_at"] = visit;
  f["violations"] = kViolations[n % 7];
  f["actions"] = kActions[n % 6];
  const bool fined = n % 6 == 2 || n % 6 == 3 || n % 6 == 4;
  // No fine where no violation was found: the server refuses such a finalized record.
  if (fined && n % 7 == 0) f["actions"] = Choices{"reminder"};
  if (fined && n % 7 != 0)
    f["fine_amount"] = 1'000'000 + (n % 20) * 500'000;
  else
    f.erase("fine_amount");
  if (k == 0) f["_status"] = "draft";
  if (by_supervisor) {
    f["_review"] = "approved";
    f["_reviewed_by"] = who.user;
    f["_reviewed_at"] = DateTime{visit.epoch_ms + 86'400'000, 420};
  }
  // The number a laptop that never logged in gives: its marker (record_number.h).
  auto& numbered = by_supervisor ? team.supervisor_numbered : team.inspector_numbered;
  f["_number"] = RecordNumber{team.abbreviation, laptopMarker(who.device), ++numbered}.text();
  return firstRevision(doc.id, doc.kind, std::move(f), who.user, who.device, doc.stamp);
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::optional<GeneratedProvince> generateProvince(const std::filesystem::path& data_dir,
                                                  long inspections) {
  std::filesystem::remove_all(data_dir);
  if (runProcess(
          {serverBinary(), "--data", data_dir.string(), "init", "--seed", sampleSeed().string()})
          .exit_code != 0) {
    std::fprintf(stderr, "fieldcheck-server init failed in %s\n", data_dir.string().c_str());
    return std::nullopt;
  }
  auto storage = server::openSqliteStorage(data_dir, false);
  if (!storage) return std::nullopt;
  auto& db = *storage.value();
  GeneratedProvince out;
  std::vector<DistrictTeam> teams;
  const auto hash = server::hashPassword(kGeneratedPassword);
  std::map<std::string, std::string> abbreviations;
  for (const auto& d : db.heads("district"))
    abbreviations[textField(d, "code")] = textField(d, "abbreviation");
  for (const auto& [code, name] : db.districts()) {
    DistrictTeam t;
    t.district = code;
    t.abbreviation = districtAbbreviation(code, abbreviations[code]);
    t.inspector = {"insp-" + code, Role::kInspector, code, newDocumentId()};
    t.supervisor = {"sup-" + code, Role::kSupervisor, code, newDocumentId()};
    for (const auto* who : {&t.inspector, &t.supervisor}) {
      if (!db.addUser({who->user, who->role, code, false, ""}, hash).ok()) return std::nullopt;
      if (!db.enrolDevice(who->user, who->device, "bench", server::newToken().hash).ok())
        return std::nullopt;
    }
    teams.push_back(std::move(t));
  }
  for (const auto& e : db.heads("establishment"))
    for (auto& t : teams)
      if (t.district == textField(e, "district")) t.establishments.push_back(e.id);
  for (const auto& c : db.heads("commune"))
    for (auto& t : teams)
      if (t.district == textField(c, "district")) t.communes.push_back(textField(c, "code"));
  if (!db.addUser({"tinh", Role::kProvincial, std::nullopt, false, ""}, hash).ok())
    return std::nullopt;
  const auto token = server::newToken();
  out.provincial_token = token.token;
  if (!db.enrolDevice("tinh", newDocumentId(), "bench", token.hash).ok()) return std::nullopt;

  const auto g0 = Clock::now();
  constexpr std::size_t kBatch = 1000;  // the protocol's largest batch
  std::vector<std::vector<protocol::PushEntry>> by_inspector(teams.size()),
      by_supervisor(teams.size());
  auto flush = [&](std::size_t t, bool supervisor) {
    auto& batch = supervisor ? by_supervisor[t] : by_inspector[t];
    if (batch.empty()) return true;
    const auto outcome = server::pushBatch(supervisor ? teams[t].supervisor : teams[t].inspector,
                                           std::move(batch), db);
    batch.clear();
    if (!outcome.refused.empty())
      std::fprintf(stderr, "refused: %s\n", outcome.refused[0].reason.en.c_str());
    return outcome.refused.empty();
  };
  for (long n = 0; n < inspections; ++n) {
    const auto t = static_cast<std::size_t>(n) % teams.size();
    bool supervisor = false;
    auto doc = inspectionOf(teams[t], n / static_cast<long>(teams.size()), supervisor);
    auto& seq = supervisor ? teams[t].supervisor_seq : teams[t].inspector_seq;
    auto& batch = supervisor ? by_supervisor[t] : by_inspector[t];
    batch.push_back({++seq, "", std::move(doc)});
    if (batch.size() == kBatch && !flush(t, supervisor)) return std::nullopt;
  }
  // Quarterly reports of every commune and district, filed by the district's inspector.
  long r = 0;
  for (std::size_t t = 0; t < teams.size(); ++t)
    for (const auto* quarter : {"2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"}) {
      auto file = [&](Fields fields) {
        fields["_period"] = quarter;
        fields["_status"] = "finalized";
        fields["_district"] = teams[t].district;
        fields["_template_version"] = 1;
        by_inspector[t].push_back({++teams[t].inspector_seq, "",
                                   firstRevision(newDocumentId(), "report", std::move(fields),
                                                 teams[t].inspector.user, teams[t].inspector.device,
                                                 HybridTimestamp{1'560'000'000'000 + ++r, 0})});
      };
      for (const auto& commune : teams[t].communes)
        file({{"_template", seedDocumentId("template", "commune-report")},
              {"_commune", commune},
              {"has_prevention_plan", r % 5 != 0},
              {"free_of_prostitution", r % 7 != 0}});
      file({{"_template", seedDocumentId("template", "district-report")},
            {"support_model_establishments", 1 + r % 3},
            {"officials_total", 20},
            {"officials_trained", 10 + r % 11}});
    }
  for (std::size_t t = 0; t < teams.size(); ++t)
    if (!flush(t, false) || !flush(t, true)) return std::nullopt;
  out.generate_s = seconds(Clock::now() - g0);
  const auto i0 = Clock::now();
  out.indexed = db.refreshReportIndex();
  out.index_s = seconds(Clock::now() - i0);
  out.inspections = inspections;
  out.reports = r;
  return out;
}

}  // namespace fieldcheck::test
