// Realistic inspections for benchmarks and tests that need many of them quickly.
#pragma once

#include <string>
#include <vector>

#include "fieldcheck/document.h"

namespace fieldcheck::test {

/// A finalized inspection of the sample province's checklist with about 30 answers, as `user`
/// makes it on `device` in `district`: of establishment `n` modulo the list, its answers varied
/// by `n`. A new document each call.
Document sampleInspection(const std::string& user, const std::string& device, const std::string& district,
                          const std::vector<std::string>& establishments, int n);

}  // namespace fieldcheck::test
