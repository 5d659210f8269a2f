// HTTP/1.1 server: one coroutine per connection, a timeout on every read, a limit on every body.
#include "asio_config.h"

#include "http_server.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api.h"
#include "console_trust.h"
#include "fieldcheck/hybrid_clock.h"
#include "http_request.h"
#include "request_dispatch.h"
#include "server_log.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// The head of an answer: status, type, encoding, caching and the answer's own headers (which
// replace the defaults of the same name).
template <class Body>
void setHead(http::response<Body>& res, const ApiResponse& api, bool keep_alive) {
  res.set(http::field::server, "fieldcheck-server");
  if (!api.content_type.empty()) res.set(http::field::content_type, api.content_type);
  res.set(http::field::cache_control, "no-store");
  // A photo is served as the type it was checked to be, never as what a browser guesses.
  res.set("X-Content-Type-Options", "nosniff");
  if (!api.content_encoding.empty()) res.set(http::field::content_encoding, api.content_encoding);
  for (const auto& [name, value] : api.headers) res.set(name, value);
  res.keep_alive(keep_alive);
}

http::response<http::string_body> toHttp(const ApiResponse& api, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(api.status), version};
  setHead(res, api, keep_alive);
  res.body() = api.body;
  res.prepare_payload();
  return res;
}

// Removes an answer's temporary file (ApiResponse::body_file) however its sending ends.
class FileRemoval {
 public:
  explicit FileRemoval(std::filesystem::path file) : file_(std::move(file)) {}
  ~FileRemoval() {
    std::error_code ignored;
    if (!file_.empty()) std::filesystem::remove(file_, ignored);
  }
  FileRemoval(const FileRemoval&) = delete;
  FileRemoval& operator=(const FileRemoval&) = delete;

 private:
  std::filesystem::path file_;
};

// Writes `api`, the answer to a request (`head_only` for a HEAD: no body), its body streamed from
// its file when it has one; the file is removed once written, or when the write fails.
net::awaitable<void> writeAnswer(beast::tcp_stream& stream, ApiResponse api, unsigned version, bool keep_alive, bool head_only,
                                 beast::error_code& ec) {
  const FileRemoval removal(api.body_file);
  stream.expires_after(tuning::kRequestReadTimeout);
  if (!api.body_file.empty() && !head_only) {
    http::file_body::value_type file;
    file.open(api.body_file.string().c_str(), beast::file_mode::scan, ec);
    if (!ec) {
      http::response<http::file_body> res{static_cast<http::status>(api.status), version};
      setHead(res, api, keep_alive);
      res.body() = std::move(file);
      res.prepare_payload();
      // A large file gets the time a slow link needs for it, and no more.
      const auto size = res.body().size();
      stream.expires_after(tuning::kRequestReadTimeout + std::chrono::seconds(size / tuning::kMinDownloadBytesPerSecond));
      co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    std::cerr << "fieldcheck-server: cannot read the answer's file " << forLog(api.body_file.string()) << ": " << ec.message()
              << std::endl;
    api = plainError(503, "storage", "Máy chủ tạm thời không đọc được tệp; hãy thử lại sau.",
                     "The server cannot read the file right now; try again later.");
  }
  auto res = toHttp(api, version, keep_alive);
  if (head_only) res.body().clear();
  co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
}

// The open connections, so that a stop can end the idle ones at once. Each session runs on its
// own strand; the registry only hands out its stream to be cancelled on that strand.
// It also counts them, in all and per address, against the tuning's caps.
class Sessions {
 public:
  // Registers a new connection from `address`; false (and nothing registered) when that would
  // pass a cap.
  bool add(const std::shared_ptr<beast::tcp_stream>& stream, const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& from_address = per_address_[address];
    if (streams_.size() >= tuning::kMaxConnections || from_address >= tuning::kMaxConnectionsPerAddress) {
      if (from_address == 0) per_address_.erase(address);
      return false;
    }
    ++from_address;
    streams_.emplace(stream, address);
    return true;
  }
  void remove(const std::shared_ptr<beast::tcp_stream>& stream) {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    if (--per_address_[it->second] == 0) per_address_.erase(it->second);
    streams_.erase(it);
  }
  // Stops every session: no new request is read, and a pending read or write is cancelled.
  void stopAll() {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    for (const auto& [stream, address] : streams_)
      net::post(stream->get_executor(), [stream = stream] { stream->cancel(); });
  }
  bool stopping() const { return stopping_; }

 private:
  std::mutex mutex_;
  std::map<std::shared_ptr<beast::tcp_stream>, std::string> streams_;  // and the address of each
  std::map<std::string, std::size_t> per_address_;
  std::atomic<bool> stopping_{false};
};

// The bytes of request bodies being read or handled at once, across connections, bounded by the
// tuning's budget. Thread-safe.
class BodyBudget {
 public:
  bool reserve(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    if (used_ + bytes > tuning::kMaxBodyBytesInFlight) return false;
    used_ += bytes;
    return true;
  }
  void release(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    used_ -= bytes;
  }

 private:
  std::mutex mutex_;
  std::size_t used_ = 0;
};

// A share of the body budget, given back however the request ends.
class BodyReservation {
 public:
  BodyReservation(BodyBudget& budget, std::size_t bytes)
      : budget_(budget), held_(budget.reserve(bytes)), bytes_(held_ ? bytes : 0) {}
  ~BodyReservation() { budget_.release(bytes_); }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  bool held() const { return held_; }

 private:
  BodyBudget& budget_;
  bool held_;
  std::size_t bytes_;
};

// Ends a session however its coroutine ends, a failure included: the stream leaves the registry
// and, with the last reference, its socket closes, so no request can leave a connection open.
class SessionEnd {
 public:
  SessionEnd(Sessions& sessions, std::shared_ptr<beast::tcp_stream> stream, const std::string& address)
      : sessions_(sessions), stream_(std::move(stream)), admitted_(sessions_.add(stream_, address)) {}
  bool admitted() const { return admitted_; }
  ~SessionEnd() {
    beast::error_code ignored;
    stream_->socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_->socket().close(ignored);
    if (admitted_) sessions_.remove(stream_);
  }
  SessionEnd(const SessionEnd&) = delete;
  SessionEnd& operator=(const SessionEnd&) = delete;

 private:
  Sessions& sessions_;
  std::shared_ptr<beast::tcp_stream> stream_;
  bool admitted_;
};

// The threads that work out the console's requests: apart from the serving threads, and at a
// lower scheduling priority (a nice value of tuning::kConsoleThreadNice), so that when the cores
// are busy a laptop's sync goes first and a report over the province waits. Runs until destroyed
// (after the server stopped, when no request is left for it).
class ConsoleThreads {
 public:
  ConsoleThreads() {
    for (unsigned i = 0; i < tuning::kConsoleThreads; ++i)
      threads_.emplace_back([this] {
        // Linux gives each thread its own nice value; failing to lower it only costs priority.
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), tuning::kConsoleThreadNice);
        ioc_.run();
      });
  }
  ~ConsoleThreads() {
    work_.reset();
    for (auto& t : threads_) t.join();
  }
  ConsoleThreads(const ConsoleThreads&) = delete;
  ConsoleThreads& operator=(const ConsoleThreads&) = delete;
  net::io_context::executor_type get_executor() { return ioc_.get_executor(); }

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::vector<std::thread> threads_;
};

// `answer`, worked out where it belongs: a request of the laptops' API on the serving thread (short
// transactions), the console's on the console's threads (a report over a province may take a
// while), so that people reading the console never hold up a laptop's sync.
net::awaitable<ApiResponse> answered(ApiRequest api, const std::filesystem::path& data_dir, ConsoleContext& console,
                                     ConsoleThreads& console_pool) {
  if (!isConsoleTarget(api.target)) co_return answer(std::move(api), data_dir, console);
  co_return co_await net::co_spawn(
      console_pool.get_executor(),
      [&]() -> net::awaitable<ApiResponse> { co_return answer(std::move(api), data_dir, console); }, net::use_awaitable);
}

// Writes `answer`, a refusal of the request `what` (its method and target, or why it could not be
// read) from `peer`, logs it, and says the connection closes after it (the caller then ends the
// session, which closes it).
net::awaitable<void> refuseAndClose(beast::tcp_stream& stream, const std::string& peer, const std::string& what,
                                    const ApiResponse& answer) {
  logRefusal(what, peer, answer);
  auto res = toHttp(answer, 11, false);
  beast::error_code ec;
  stream.expires_after(tuning::kRequestReadTimeout);
  co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
}

// Reads requests off one connection and answers each, until the peer closes, a request is
// malformed, too large or refused from its head (answered, then closed), a read times out, or the
// server stops.
net::awaitable<void> serveRequests(beast::tcp_stream& stream, const std::string& peer, const std::filesystem::path& data_dir,
                                   Sessions& sessions, ConsoleContext& console, ConsoleThreads& console_pool,
                                   BodyBudget& bodies) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (unsigned served = 0; served < tuning::kMaxRequestsPerConnection && !sessions.stopping(); ++served) {
    RequestParser parser;
    limitRequest(parser);
    stream.expires_after(tuning::kRequestReadTimeout);
    co_await http::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    // Only chunked frames a body besides Content-Length (see transferCodingAccepted).
    // What the request asked, for the log of a refusal.
    const auto what = [&] {
      return forLog(std::string(parser.get().method_string()), 16) + " " + forLog(std::string(parser.get().target()));
    };
    if (!ec && !transferCodingAccepted(parser)) {
      co_await refuseAndClose(stream, peer, what(),
                              plainError(400, "bad_http", "Yêu cầu HTTP không hợp lệ (Transfer-Encoding chỉ nhận chunked).",
                                         "Malformed HTTP request (the only Transfer-Encoding taken is chunked)."));
      co_return;
    }
    if (!ec && !parser.is_done()) {
      // Who asks decides how much body the server reads, and the body is read only when the
      // budget of bodies in flight has room for it: strangers cannot make the server hold much.
      const auto announced = parser.content_length();  // none when the body comes in chunks
      const auto content_length = announced ? std::optional<std::uint64_t>(*announced) : std::nullopt;
      auto admitted = admission(requestHead(parser, peer), content_length, data_dir);
      if (auto* refusal = std::get_if<ApiResponse>(&admitted)) {
        co_await refuseAndClose(stream, peer, what(), *refusal);
        co_return;
      }
      const auto limit = std::get<std::size_t>(admitted);
      parser.body_limit(limit);
      const BodyReservation reservation(bodies, static_cast<std::size_t>(std::min<std::uint64_t>(content_length.value_or(limit), limit)));
      if (!reservation.held()) {
        co_await refuseAndClose(stream, peer, what(),
                                plainError(503, "busy", "Máy chủ đang bận; hãy thử lại sau ít phút.",
                                           "The server is busy; try again in a few minutes."));
        co_return;
      }
      // A stop that came while the head was read cancelled nothing (no read was waiting): it is
      // seen here, before the body's read begins, or it cancels that read.
      if (sessions.stopping()) co_return;
      stream.expires_after(tuning::kRequestReadTimeout);
      co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (!ec) {
        const bool keep_alive = parser.get().keep_alive();
        const auto version = parser.get().version();
        const bool head_only = parser.get().method() == http::verb::head;
        auto api = requestHead(parser, peer);
        api.body = std::move(parser.get().body());
        co_await writeAnswer(stream, co_await answered(std::move(api), data_dir, console, console_pool), version, keep_alive,
                             head_only, ec);
        if (ec || !keep_alive) co_return;
        continue;
      }
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof) co_return;
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      co_await refuseAndClose(stream, peer, "a request (" + ec.message() + ")",
                              plainError(413, "too_large", "Yêu cầu quá lớn.", "The request is too large."));
      co_return;
    }
    if (ec) {
      // A malformed request gets a 400 when the connection is still usable; a timeout or a cut
      // connection just ends this session. Other clients are not affected either way.
      if (ec != beast::error::timeout && ec != net::error::connection_reset && ec != net::error::operation_aborted)
        co_await refuseAndClose(stream, peer, "a request that cannot be read (" + ec.message() + ")",
                                plainError(400, "bad_http", "Yêu cầu HTTP không hợp lệ.", "Malformed HTTP request."));
      co_return;
    }
    // A request without a body (the whole of it is its head).
    const bool keep_alive = parser.get().keep_alive();
    co_await writeAnswer(stream, co_await answered(requestHead(parser, peer), data_dir, console, console_pool),
                         parser.get().version(), keep_alive,
                         parser.get().method() == http::verb::head, ec);
    if (ec || !keep_alive) co_return;
  }
}

net::awaitable<void> session(tcp::socket socket, std::filesystem::path data_dir, Sessions& sessions, ConsoleContext& console,
                             ConsoleThreads& console_pool,
                             BodyBudget& bodies) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  std::string peer;
  {
    beast::error_code ignored;
    peer = stream->socket().remote_endpoint(ignored).address().to_string();
  }
  const SessionEnd end(sessions, stream, peer);
  // Nothing may escape a detached coroutine: a failure is logged, and SessionEnd closes.
  try {
    if (!end.admitted()) {
      co_await refuseAndClose(*stream, peer, "a connection",
                              plainError(503, "too_many_connections", "Máy chủ đang có quá nhiều kết nối; hãy thử lại sau.",
                                         "The server has too many connections open; try again later."));
      co_return;
    }
    co_await serveRequests(*stream, peer, data_dir, sessions, console, console_pool, bodies);
  } catch (const std::exception& e) {
    std::cerr << "fieldcheck-server: connection from " << forLog(peer) << " ended by a failure: " << forLog(e.what()) << std::endl;
  }
}

// Runs on the acceptor's strand, as does the stop, so the two never touch the acceptor at once.
net::awaitable<void> listen(tcp::acceptor& acceptor, std::filesystem::path data_dir, Sessions& sessions, ConsoleContext& console,
                            ConsoleThreads& console_pool,
                            BodyBudget& bodies, net::io_context& ioc) {
  bool accept_failing = false;
  for (;;) {
    beast::error_code ec;
    // Each connection gets a strand of its own.
    auto socket = co_await acceptor.async_accept(net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open() || sessions.stopping()) co_return;
      // A failed accept (out of descriptors, say) must not stop the others, nor spin: wait a
      // moment for connections to end, and say so once per failure streak.
      if (!accept_failing) std::cerr << "fieldcheck-server: cannot accept connections: " << ec.message() << std::endl;
      accept_failing = true;
      net::steady_timer pause(acceptor.get_executor(), tuning::kAcceptFailurePause);
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    accept_failing = false;
    auto executor = socket.get_executor();
    net::co_spawn(executor, session(std::move(socket), data_dir, sessions, console, console_pool, bodies), net::detached);
  }
}

}  // namespace

int serve(const ServerConfig& config, std::ostream& out, std::ostream& err) {
  setLogFormat(config.log_format);
  auto check = openSqliteStorage(config.data_dir, false);
  if (!check) {
    err << "Lỗi: " << check.problem().message.vi << "\nError: " << check.problem().message.en << "\n";
    return 1;
  }
  check.value().reset();

  net::io_context ioc{static_cast<int>(tuning::kServerThreads)};
  auto acceptor_strand = net::make_strand(ioc);
  tcp::acceptor acceptor(acceptor_strand);
  Sessions sessions;
  beast::error_code ec;
  const auto& listen_at = config.listen.front();
  const auto address = net::ip::make_address(listen_at.host, ec);
  if (ec) {
    err << "Lỗi: địa chỉ “" << listen_at.host << "” không hợp lệ.\nError: “" << listen_at.host << "” is not an IP address.\n";
    return 1;
  }
  const tcp::endpoint endpoint{address, listen_at.port};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    err << "Lỗi: không mở được cổng " << listen_at.host << ":" << listen_at.port << " (" << ec.message()
        << ").\nError: cannot listen on " << listen_at.host << ":" << listen_at.port << " (" << ec.message() << ").\n";
    return 1;
  }
  const auto bound = acceptor.local_endpoint();
  out << "Đang phục vụ / Serving on http://" << bound.address().to_string() << ":" << bound.port() << std::endl;

  net::signal_set signals(acceptor_strand, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& signal_ec, int) {
    if (signal_ec) return;
    // Stop accepting, end idle connections, and let requests being handled finish: a request is
    // handled inside one transaction, committed or rolled back whole. When the last session has
    // ended there is no work left and every run() returns.
    beast::error_code ignored;
    acceptor.close(ignored);
    sessions.stopAll();
  });
  LoginBudget logins(tuning::kMaxFailedLoginsPerAddress, tuning::kLoginAddressWindow, tuning::kMaxTrackedLoginAddresses);
  // The console's files, compressed once here and read by every thread; no TLS yet.
  const auto console_assets = consoleAssets();
  ConsoleContext console{console_assets, logins, false};
  BodyBudget bodies;
  // The console's requests are worked out on threads of their own (answered), so that reports
  // and tables read by people never hold the threads that take the laptops' syncs.
  ConsoleThreads console_pool;
  net::co_spawn(acceptor_strand, listen(acceptor, config.data_dir, sessions, console, console_pool, bodies, ioc),
                net::detached);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < tuning::kServerThreads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  out << "Đã dừng / Stopped" << std::endl;
  return 0;
}

}  // namespace fieldcheck::server
