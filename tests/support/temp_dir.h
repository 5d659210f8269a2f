// A temporary folder per test, removed when the test ends.
#pragma once

#include <filesystem>
#include <random>
#include <string>

namespace fieldcheck::test {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("fieldcheck-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// The sample province shipped in packaging/seed.
inline std::filesystem::path sampleSeed() { return FIELDCHECK_SEED_DIR; }

}  // namespace fieldcheck::test
