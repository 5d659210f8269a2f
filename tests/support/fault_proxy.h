// A fault-injecting TCP proxy for tests, on Asio: between a client and the server on 127.0.0.1,
// it cuts connections at random byte offsets in either direction (or at a chosen one), and can
// add latency and limit bandwidth like a slow mobile link.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

namespace fieldcheck::test {

struct FaultPlan {
  std::uint64_t seed = 1;
  double cut_probability = 0.5;       // of each connection being cut once
  std::uint64_t max_cut_offset = 6000;  // bytes into the chosen direction
  unsigned delay_ms = 0;              // latency: every byte arrives this long after it was sent, each way
  std::uint64_t bytes_per_second = 0;  // bandwidth of each direction; 0: unlimited
  std::int64_t cut_upload_at = -1;  // >= 0: the connection carrying this byte of all the traffic
                                    // towards the server, counted from the start, is cut there, once
};

/// Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstream_port` under `plan`.
/// Runs on its own thread until destroyed. Counts what it did.
class FaultProxy {
 public:
  FaultProxy(unsigned short upstream_port, FaultPlan plan);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  unsigned short port() const { return port_; }
  /// Connections forwarded, how many were chosen to be cut, and how many cuts happened (the
  /// traffic reached the chosen offset).
  std::uint64_t connections() const;
  std::uint64_t cuts() const;
  std::uint64_t cutsDone() const;
  /// Bytes delivered towards the server, on every connection.
  std::uint64_t bytesUp() const;

  /// Stops or resumes cutting (delays and throttling stay), e.g. for a clean login or a final
  /// clean sync.
  void heal();
  void breakAgain();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  unsigned short port_ = 0;
};

}  // namespace fieldcheck::test
