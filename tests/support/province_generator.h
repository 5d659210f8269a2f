// A province of many inspections for benchmarks, made through the server's own push path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fieldcheck::test {

/// What generateProvince made.
struct GeneratedProvince {
  std::string provincial_token;  // a sync token of the provincial officer "tinh"
  long inspections = 0;
  long reports = 0;
  std::size_t indexed = 0;  // records the reports' index took
  double generate_s = 0;    // pushing them
  double index_s = 0;       // the reports' index taking them
};

/// The password of every user the generator adds.
inline constexpr const char* kGeneratedPassword = "bench-password";

/// Makes a new provincial database in `data_dir` (removed first) from the sample seed with
/// `inspections` inspections, pushed through the server's push path (server::pushBatch) in the
/// protocol's largest batches: every district's inspector "insp-CODE" pushes drafts (one in ten)
/// and finalized ones (two in ten), its supervisor "sup-CODE" approved ones (the rest), each with
/// a record number of its device's marker, visited on a day of 2019; then every commune and
/// district files quarterly reports; then the reports' index is refreshed. Users have
/// kGeneratedPassword; "tinh" is a provincial officer. nullopt (after saying why on stderr) when
/// anything failed or was refused.
std::optional<GeneratedProvince> generateProvince(const std::filesystem::path& data_dir,
                                                  long inspections);

}  // namespace fieldcheck::test
