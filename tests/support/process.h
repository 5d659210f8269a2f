// Running the real programs from tests: with input, output capture, environment and kill (POSIX).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fieldcheck::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string input;                          // written to the program's standard input
  std::map<std::string, std::string> env;     // added to (or replacing in) the environment
  std::vector<std::string> unset_env;         // removed from the environment
  std::string cwd;                            // the program's working folder; the test's when empty
};

/// The peak resident memory (VmHWM, KiB) of running process `pid`; nullopt when it has ended, or
/// when `program` is given and the process is not (yet) running it: a forked child counts its
/// parent's memory until its exec.
std::optional<long> peakMemoryKiB(pid_t pid, const std::string& program = "");

/// Runs `argv` to completion and returns its exit code and output.
ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// A started program that the test may kill at any moment.
class RunningProcess {
 public:
  explicit RunningProcess(const std::vector<std::string>& argv);
  RunningProcess(RunningProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  ~RunningProcess();
  RunningProcess(const RunningProcess&) = delete;
  RunningProcess& operator=(const RunningProcess&) = delete;

  /// Sends SIGKILL (if still running) and reaps it. Returns the exit code if it had already
  /// finished by itself, nullopt if the kill ended it.
  std::optional<int> kill();

  /// Waits for the program to end by itself; returns its exit code (-1 if a signal ended it).
  int wait();

  /// Its process id, for signals and /proc; -1 once it has been reaped (kill, wait).
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

/// The programs under test.
inline std::string clientBinary() { return FIELDCHECK_CLIENT_BIN; }
inline std::string serverBinary() { return FIELDCHECK_SERVER_BIN; }

}  // namespace fieldcheck::test
