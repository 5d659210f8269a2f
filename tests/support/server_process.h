// A real fieldcheck-server started by a test on 127.0.0.1, and a small HTTP client for it.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fieldcheck::test {

/// Starts `fieldcheck-server --data DIR serve --listen 127.0.0.1:PORT` (0: a free port) and
/// waits for its port. The destructor kills it if the test has not stopped it.
class ServerProcess {
 public:
  /// `serve_args` come after `serve --listen …` (a later `--listen` adds an address),
  /// `global_args` before `serve` (`--config FILE`, say).
  explicit ServerProcess(const std::filesystem::path& data_dir, unsigned short port = 0,
                         const std::vector<std::string>& serve_args = {}, const std::vector<std::string>& global_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// The file that holds what the server printed (standard output and error).
  const std::filesystem::path& logFile() const { return log_; }
  /// Sends `signal` and waits (at most 20 s) for the exit; returns the exit code, or -signal.
  int stop(int signal);

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

/// The password tests give user `name`.
inline std::string testPassword(const std::string& name) { return "password-of-" + name; }

/// `fieldcheck-server --data DATA_DIR user add NAME ARGS...` with testPassword(name); true when it
/// worked.
bool addServerUser(const std::string& data_dir, const std::string& name, std::vector<std::string> args);

/// A port on 127.0.0.1 that was free a moment ago (for a server restarted on the same port).
unsigned short freePort();

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lowercase
};

/// One HTTP/1.1 request over a new TCP connection to 127.0.0.1:`port`. Throws on a network error.
HttpReply httpRequest(unsigned short port, const std::string& method, const std::string& target,
                      const std::map<std::string, std::string>& headers = {}, const std::string& body = "");

}  // namespace fieldcheck::test
