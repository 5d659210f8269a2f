// Starting the real server for tests, and talking HTTP to it over real TCP.
#include <utility>

#include "server_process.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

extern char** environ;

namespace fieldcheck::test {

unsigned short freePort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

ServerProcess::ServerProcess(const std::filesystem::path& data_dir, unsigned short port, const std::vector<std::string>& serve_args,
                             const std::vector<std::string>& global_args)
    : log_(data_dir.parent_path() / (data_dir.filename().string() + "-server.log")) {
  // The server's output goes to a file beside its data, read here for the port line.
  const auto& log = log_;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args{serverBinary(), "--data", data_dir.string()};
  args.insert(args.end(), global_args.begin(), global_args.end());
  for (const auto& arg : std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port)}) args.push_back(arg);
  args.insert(args.end(), serve_args.begin(), serve_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start the server: " + std::string(std::strerror(rc)));
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(log);
    seen.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    // "… http://127.0.0.1:PORT", or https:// when serving TLS.
    const std::string kAt = "://127.0.0.1:";
    const auto at = seen.find(kAt);
    const auto eol = at == std::string::npos ? std::string::npos : seen.find('\n', at);
    if (eol != std::string::npos)
      port_ = static_cast<unsigned short>(std::stoi(seen.substr(at + kAt.size(), eol - at - kAt.size())));
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
  }
  if (port_ == 0) {
    stop(SIGKILL);
    throw std::runtime_error("the server did not start; it printed: " + seen);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

int ServerProcess::stop(int signal) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signal);
  int status = 0;
  for (int i = 0; i < 2000; ++i) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -SIGKILL;
}

HttpReply httpRequest(unsigned short port, const std::string& method, const std::string& target,
                      const std::map<std::string, std::string>& headers, const std::string& body) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  boost::beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  HttpReply reply{res.result_int(), res.body(), {}};
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

bool addServerUser(const std::string& data_dir, const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), {serverBinary(), "--data", data_dir, "user", "add", name});
  ProcessOptions password;
  password.input = testPassword(name) + "\n";
  return runProcess(args, password).exit_code == 0;
}

}  // namespace fieldcheck::test
