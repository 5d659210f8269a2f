// Laptops for benchmarks: inspectors' devices that log in to a real server and push inspections.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http_client.h"
#include "provincial_storage.h"

namespace fieldcheck::test {

/// A set of inspectors' laptops, one user and device each, dealt to the province's districts in
/// turn. Not thread-safe (pushInspections runs its own threads).
class BenchLaptops {
 public:
  /// Adds inspectors PREFIX0 … PREFIX{count-1} with `password_hash` (users already there, from an
  /// earlier run on the same database, are kept). nullopt when a user cannot be added.
  static std::optional<BenchLaptops> enrol(server::ProvincialStorage& storage, int count,
                                           const std::string& prefix,
                                           const std::string& password_hash);

  /// Logs every laptop in through POST /v1/login with `password`, each as a new device. False
  /// (after saying why on stderr) when one is refused.
  bool login(const client::ServerAddress& address, const std::string& password);

  struct Pushed {
    long inspections = 0;
    double seconds = -1;  // -1 when a push failed or was refused
  };
  /// Every laptop pushes `per_laptop` new finalized inspections (made before the clock starts) of
  /// its district at once, each on its own connection, in batches of `batch`, as the client does.
  Pushed pushInspections(int per_laptop, int batch);

 private:
  struct Laptop {
    std::string user, district, device, token;
    std::vector<std::string> establishments;
    std::int64_t seq = 0, cursor = 0;
  };
  std::vector<Laptop> laptops_;
  client::ServerAddress address_;
  int made_ = 0;
};

}  // namespace fieldcheck::test
