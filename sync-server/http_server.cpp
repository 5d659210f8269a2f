// HTTP/1.1 server, plain or over TLS: one coroutine per connection, a timeout on every read and on
// the TLS handshake, a limit on every body.
#include "asio_config.h"

#include <boost/beast/ssl.hpp>

#include "http_server.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <memory>
#include <ostream>
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
#include "tls_context.h"
#include "tls_proxy.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The socket under a plain or a TLS stream, whose expiry bounds every read and write.
template <class Stream>
beast::tcp_stream& tcpOf(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

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

// The open connections, so that a stop can end the idle ones at once. Each session runs on its
// own strand; the registry only hands out its socket's stream (under TLS too) to be cancelled on
// that strand. It also counts them, in all and per address, against the configured caps.
class Sessions {
 public:
  Sessions(std::size_t max_connections, std::size_t max_per_address)
      : max_connections_(max_connections), max_per_address_(max_per_address) {}

  // Registers a new connection from `address`; false (and nothing registered) when that would
  // pass a cap. A trusted proxy (`proxy`) carries everybody's connections: only the total caps it.
  bool add(const std::shared_ptr<beast::tcp_stream>& stream, const std::string& address, bool proxy) {
    std::lock_guard lock(mutex_);
    auto& from_address = per_address_[address];
    if (streams_.size() >= max_connections_ || (!proxy && from_address >= max_per_address_)) {
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
  // Stops every session: no new request is read, and a pending read, write or handshake is
  // cancelled.
  void stopAll() {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    for (const auto& [stream, address] : streams_)
      net::post(stream->get_executor(), [stream = stream] { stream->cancel(); });
  }
  bool stopping() const { return stopping_; }

 private:
  const std::size_t max_connections_, max_per_address_;
  std::mutex mutex_;
  std::map<std::shared_ptr<beast::tcp_stream>, std::string> streams_;  // and the address of each
  std::map<std::string, std::size_t> per_address_;
  std::atomic<bool> stopping_{false};
};

// The bytes of request bodies being read or handled at once, across connections, bounded by the
// configured budget. Thread-safe.
class BodyBudget {
 public:
  explicit BodyBudget(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  bool reserve(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    if (used_ + bytes > max_bytes_) return false;
    used_ += bytes;
    return true;
  }
  void release(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    used_ -= bytes;
  }

 private:
  const std::size_t max_bytes_;
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
  SessionEnd(Sessions& sessions, std::shared_ptr<beast::tcp_stream> stream, const std::string& address, bool proxy)
      : sessions_(sessions), stream_(std::move(stream)), admitted_(sessions_.add(stream_, address, proxy)) {}
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
  explicit ConsoleThreads(unsigned count) {
    for (unsigned i = 0; i < std::max(count, 1u); ++i)
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

// What every connection shares: the configuration, the caps and budgets, the console's files and
// threads, the TLS context (null when the server is plain) and the proxies it believes.
struct Shared {
  Shared(const ServerConfig& c, std::unique_ptr<TlsContexts> contexts)
      : config(c),
        sessions(c.max_connections, c.max_connections_per_address),
        bodies(c.max_body_bytes_in_flight),
        logins(c.max_failed_logins_per_address, c.login_address_window, tuning::kMaxTrackedLoginAddresses),
        console_assets(consoleAssets()),
        console_pool(c.console_threads),
        dispatch{c.metrics_token},
        trusted_proxies(c.trusted_proxies),
        tls(std::move(contexts)) {}

  const ServerConfig& config;
  Sessions sessions;
  BodyBudget bodies;
  LoginBudget logins;
  // The console's files, compressed once here and read by every thread.
  const WebAssets console_assets;
  // The console's requests are worked out on threads of their own (answered), so that reports
  // and tables read by people never hold the threads that take the laptops' syncs.
  ConsoleThreads console_pool;
  const DispatchOptions dispatch;
  const TrustedProxies trusted_proxies;
  const std::unique_ptr<TlsContexts> tls;
};

// Writes `api`, the answer to a request (`head_only` for a HEAD: no body), its body streamed from
// its file when it has one; the file is removed once written, or when the write fails.
template <class Stream>
net::awaitable<void> writeAnswer(Stream& stream, ApiResponse api, unsigned version, bool keep_alive, bool head_only,
                                 std::chrono::seconds timeout, beast::error_code& ec) {
  const FileRemoval removal(api.body_file);
  tcpOf(stream).expires_after(timeout);
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
      tcpOf(stream).expires_after(timeout + std::chrono::seconds(size / tuning::kMinDownloadBytesPerSecond));
      co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    logMessage(LogLevel::kError, "cannot read the answer's file " + forLog(api.body_file.string()) + ": " + ec.message());
    api = plainError(503, "storage", "Máy chủ tạm thời không đọc được tệp; hãy thử lại sau.",
                     "The server cannot read the file right now; try again later.");
  }
  auto res = toHttp(api, version, keep_alive);
  if (head_only) res.body().clear();
  co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
}

// `answer`, worked out where it belongs: a request of the laptops' API on the serving thread (short
// transactions), the console's on the console's threads (a report over a province may take a
// while), so that people reading the console never hold up a laptop's sync.
net::awaitable<ApiResponse> answered(ApiRequest api, Shared& shared, ConsoleContext& console) {
  if (!isConsoleTarget(api.target)) co_return answer(std::move(api), shared.config.data_dir, console, shared.dispatch);
  co_return co_await net::co_spawn(
      shared.console_pool.get_executor(),
      [&]() -> net::awaitable<ApiResponse> { co_return answer(std::move(api), shared.config.data_dir, console, shared.dispatch); },
      net::use_awaitable);
}

// Writes `answer`, a refusal of the request `what` (its method and target, or why it could not be
// read) from `peer`, logs it, and says the connection closes after it (the caller then ends the
// session, which closes it).
template <class Stream>
net::awaitable<void> refuseAndClose(Stream& stream, const std::string& peer, const std::string& what, const ApiResponse& answer,
                                    std::chrono::seconds timeout) {
  logRefusal(what, peer, answer);
  auto res = toHttp(answer, 11, false);
  beast::error_code ec;
  tcpOf(stream).expires_after(timeout);
  co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
}

// One connection as the server sees it: the socket's peer, and whether it is TLS.
struct Connection {
  std::string tcp_peer;
  bool tls = false;
};

// Who a request read up to its head comes from, and whether it reached the server over TLS:
// the socket's word, or a trusted proxy's (tls_proxy.h).
struct RequestOrigin {
  std::string peer;
  bool tls = false;
};

RequestOrigin originOf(const RequestParser& parser, const Connection& connection, const Shared& shared) {
  if (!shared.trusted_proxies.contains(connection.tcp_peer)) return {connection.tcp_peer, connection.tls};
  // Every X-Forwarded-For line, in order: together they are one list.
  std::string forwarded_for;
  const auto& fields = parser.get();
  for (auto [it, end] = fields.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!forwarded_for.empty()) forwarded_for += ",";
    forwarded_for += std::string(it->value());
  }
  std::string forwarded_proto;
  for (auto [it, end] = fields.equal_range("X-Forwarded-Proto"); it != end; ++it) forwarded_proto = std::string(it->value());
  return {believedPeer(connection.tcp_peer, forwarded_for, shared.trusted_proxies),
          believedTls(connection.tls, connection.tcp_peer, forwarded_proto, shared.trusted_proxies)};
}

// Reads requests off one connection (plain or TLS) and answers each, until the peer closes, a
// request is malformed, too large or refused from its head (answered, then closed), a read times
// out, or the server stops. Returns whether the connection is still fit to be closed politely
// (no error on it).
template <class Stream>
net::awaitable<bool> serveRequests(Stream& stream, const Connection& connection, Shared& shared) {
  const auto timeout = shared.config.request_timeout;
  const auto& peer = connection.tcp_peer;
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (unsigned served = 0; served < shared.config.max_requests_per_connection && !shared.sessions.stopping(); ++served) {
    RequestParser parser;
    limitRequest(parser);
    tcpOf(stream).expires_after(timeout);
    co_await http::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    // What the request asked, for the log of a refusal.
    const auto what = [&] {
      return forLog(std::string(parser.get().method_string()), 16) + " " + forLog(std::string(parser.get().target()));
    };
    const auto origin = ec ? RequestOrigin{peer, connection.tls} : originOf(parser, connection, shared);
    // The console's view of this request: its cookie is Secure and its origin https:// when the
    // request came over TLS, here or to a trusted proxy.
    ConsoleContext console{shared.console_assets, shared.logins, origin.tls};
    // Only chunked frames a body besides Content-Length (see transferCodingAccepted).
    if (!ec && !transferCodingAccepted(parser)) {
      co_await refuseAndClose(stream, origin.peer, what(),
                              plainError(400, "bad_http", "Yêu cầu HTTP không hợp lệ (Transfer-Encoding chỉ nhận chunked).",
                                         "Malformed HTTP request (the only Transfer-Encoding taken is chunked)."),
                              timeout);
      co_return true;
    }
    if (!ec && !parser.is_done()) {
      // Who asks decides how much body the server reads, and the body is read only when the
      // budget of bodies in flight has room for it: strangers cannot make the server hold much.
      const auto announced = parser.content_length();  // none when the body comes in chunks
      const auto content_length = announced ? std::optional<std::uint64_t>(*announced) : std::nullopt;
      auto admitted = admission(requestHead(parser, origin.peer), content_length, shared.config.data_dir);
      if (auto* refusal = std::get_if<ApiResponse>(&admitted)) {
        co_await refuseAndClose(stream, origin.peer, what(), *refusal, timeout);
        co_return true;
      }
      const auto limit = std::get<std::size_t>(admitted);
      parser.body_limit(limit);
      const BodyReservation reservation(shared.bodies,
                                        static_cast<std::size_t>(std::min<std::uint64_t>(content_length.value_or(limit), limit)));
      if (!reservation.held()) {
        co_await refuseAndClose(stream, origin.peer, what(),
                                plainError(503, "busy", "Máy chủ đang bận; hãy thử lại sau ít phút.",
                                           "The server is busy; try again in a few minutes."),
                                timeout);
        co_return true;
      }
      // A stop that came while the head was read cancelled nothing (no read was waiting): it is
      // seen here, before the body's read begins, or it cancels that read.
      if (shared.sessions.stopping()) co_return false;
      tcpOf(stream).expires_after(timeout);
      co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (!ec) {
        const bool keep_alive = parser.get().keep_alive();
        const auto version = parser.get().version();
        const bool head_only = parser.get().method() == http::verb::head;
        auto api = requestHead(parser, origin.peer);
        api.body = std::move(parser.get().body());
        co_await writeAnswer(stream, co_await answered(std::move(api), shared, console), version, keep_alive, head_only,
                             timeout, ec);
        if (ec) co_return false;
        if (!keep_alive) co_return true;
        continue;
      }
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof) co_return false;
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      co_await refuseAndClose(stream, origin.peer, "a request (" + ec.message() + ")",
                              plainError(413, "too_large", "Yêu cầu quá lớn.", "The request is too large."), timeout);
      co_return true;
    }
    if (ec) {
      // A malformed request gets a 400 when the connection is still usable; a timeout or a cut
      // connection (a TLS one cut without its close_notify too) just ends this session. Other
      // clients are not affected either way.
      if (ec != beast::error::timeout && ec != net::error::connection_reset && ec != net::error::operation_aborted &&
          ec != net::ssl::error::stream_truncated && ec.category() != net::error::get_ssl_category()) {
        co_await refuseAndClose(stream, origin.peer, "a request that cannot be read (" + ec.message() + ")",
                                plainError(400, "bad_http", "Yêu cầu HTTP không hợp lệ.", "Malformed HTTP request."), timeout);
        co_return true;
      }
      co_return false;
    }
    // A request without a body (the whole of it is its head).
    const bool keep_alive = parser.get().keep_alive();
    co_await writeAnswer(stream, co_await answered(requestHead(parser, origin.peer), shared, console), parser.get().version(),
                         keep_alive, parser.get().method() == http::verb::head, timeout, ec);
    if (ec) co_return false;
    if (!keep_alive) co_return true;
  }
  co_return !shared.sessions.stopping();
}

// The refusal of a connection past the caps.
ApiResponse tooManyConnections() {
  return plainError(503, "too_many_connections", "Máy chủ đang có quá nhiều kết nối; hãy thử lại sau.",
                    "The server has too many connections open; try again later.");
}

// The peer's address as the server names it (an IPv4 address, not its IPv6-mapped form).
std::string peerOf(const tcp::socket& socket) {
  beast::error_code ignored;
  return normalAddress(socket.remote_endpoint(ignored).address().to_string());
}

net::awaitable<void> plainSession(tcp::socket socket, Shared& shared) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  const Connection connection{peerOf(stream->socket()), false};
  const SessionEnd end(shared.sessions, stream, connection.tcp_peer, shared.trusted_proxies.contains(connection.tcp_peer));
  // Nothing may escape a detached coroutine: a failure is logged, and SessionEnd closes.
  try {
    if (!end.admitted()) {
      co_await refuseAndClose(*stream, connection.tcp_peer, "a connection", tooManyConnections(), shared.config.request_timeout);
      co_return;
    }
    co_await serveRequests(*stream, connection, shared);
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "connection from " + forLog(connection.tcp_peer) + " ended by a failure: " + forLog(e.what()));
  }
}

// A TLS connection: the handshake within the request timeout, on the context that is current
// when it arrives (kept to its end, whatever a reload does), then the same requests as plain.
// A failed handshake (plain HTTP sent to this port, a protocol or cipher refused, bytes of
// nonsense, a timeout) ends this connection alone, with one log line.
net::awaitable<void> tlsSession(tcp::socket socket, Shared& shared) {
  const auto context = shared.tls->current();
  auto stream = std::make_shared<TlsStream>(std::move(socket), *context);
  const Connection connection{peerOf(beast::get_lowest_layer(*stream).socket()), true};
  // The registry cancels the socket under the TLS stream; it shares the stream's ownership.
  const SessionEnd end(shared.sessions, std::shared_ptr<beast::tcp_stream>(stream, &beast::get_lowest_layer(*stream)),
                       connection.tcp_peer, shared.trusted_proxies.contains(connection.tcp_peer));
  const auto timeout = shared.config.request_timeout;
  try {
    beast::error_code ec;
    tcpOf(*stream).expires_after(timeout);
    co_await stream->async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      // A connection opened and closed without a byte (a port check) is no failure worth a line.
      if (ec != net::error::eof && ec != net::ssl::error::stream_truncated && !shared.sessions.stopping())
        logMessage(LogLevel::kWarning, "TLS handshake from " + forLog(connection.tcp_peer) + " failed: " + forLog(ec.message()));
      co_return;
    }
    bool polite = true;
    if (!end.admitted())
      co_await refuseAndClose(*stream, connection.tcp_peer, "a connection", tooManyConnections(), timeout);
    else
      polite = co_await serveRequests(*stream, connection, shared);
    if (polite) {
      // close_notify, so that the client knows the answer is whole; bounded like any write.
      tcpOf(*stream).expires_after(timeout);
      co_await stream->async_shutdown(net::redirect_error(net::use_awaitable, ec));
    }
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "connection from " + forLog(connection.tcp_peer) + " ended by a failure: " + forLog(e.what()));
  }
}

// Runs on the acceptor's strand, as does the stop, so the two never touch the acceptor at once.
net::awaitable<void> listen(tcp::acceptor& acceptor, Shared& shared, net::io_context& ioc) {
  bool accept_failing = false;
  for (;;) {
    beast::error_code ec;
    // Each connection gets a strand of its own.
    auto socket = co_await acceptor.async_accept(net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open() || shared.sessions.stopping()) co_return;
      // A failed accept (out of descriptors, say) must not stop the others, nor spin: wait a
      // moment for connections to end, and say so once per failure streak.
      if (!accept_failing) logMessage(LogLevel::kError, "cannot accept connections: " + ec.message());
      accept_failing = true;
      net::steady_timer pause(acceptor.get_executor(), tuning::kAcceptFailurePause);
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    accept_failing = false;
    auto executor = socket.get_executor();
    if (shared.tls)
      net::co_spawn(executor, tlsSession(std::move(socket), shared), net::detached);
    else
      net::co_spawn(executor, plainSession(std::move(socket), shared), net::detached);
  }
}

// Both languages of a refusal to start, on `err`.
void printProblem(std::ostream& err, const Problem& problem) {
  err << "Lỗi: " << problem.message.vi << "\nError: " << problem.message.en << "\n";
}

// Logs `what` and the certificate in use: its file, fingerprint and end of validity, and a
// warning when that has passed (laptops and browsers refuse it).
void logCertificate(const std::string& what, const std::filesystem::path& cert) {
  const auto summary = summarizeCertificate(cert);
  if (!summary) return;
  logMessage(LogLevel::kInfo, what + forLog(cert.string()) + " (SHA-256 " + summary->fingerprint + ", valid until " +
                                  summary->not_after + ")");
  if (summary->expired)
    logMessage(LogLevel::kWarning, "the TLS certificate " + forLog(cert.string()) + " expired on " + summary->not_after +
                                       ": laptops and browsers refuse it; renew it and send SIGHUP");
}

// Reloads the certificate and key on each SIGHUP until the server stops: new connections get the
// new context; when the files do not make one, the old one stays and the log says why.
void reloadOnHangup(net::signal_set& hangups, Shared& shared) {
  hangups.async_wait([&hangups, &shared](const beast::error_code& ec, int) {
    if (ec) return;
    if (!shared.tls) {
      logMessage(LogLevel::kInfo, "SIGHUP: no TLS certificate to reload (the server is plain HTTP)");
    } else if (auto problem = shared.tls->reload(shared.config.tls_cert, shared.config.tls_key)) {
      logMessage(LogLevel::kError, "SIGHUP: the TLS certificate was not reloaded, the one in use stays: " + problem->message.en);
    } else {
      logCertificate("SIGHUP: TLS certificate reloaded from ", shared.config.tls_cert);
    }
    reloadOnHangup(hangups, shared);
  });
}

}  // namespace

int serve(const ServerConfig& config, std::ostream& out, std::ostream& err) {
  // A reload asked for while the server is still starting (its database opened and migrated, its
  // certificate read) must not end it: SIGHUP's default action is to terminate, and systemd does not
  // restart a process a signal ended cleanly. Ignored until the reloading handler below takes it
  // (main does it first; again here for a caller that is not main, such as a test).
  ::signal(SIGHUP, SIG_IGN);
  setLogFormat(config.log_format);
  if (config.listen.empty()) {
    printProblem(err, problem("Không có địa chỉ nào để phục vụ; hãy cho --listen HOST:PORT ([server] listen).",
                              "No address to serve on; give --listen HOST:PORT ([server] listen)."));
    return kConfigRefusedExit;
  }
  const bool tls = !config.tls_cert.empty() || !config.tls_key.empty();
  if (tls && (config.tls_cert.empty() || config.tls_key.empty())) {
    printProblem(err, problem("HTTPS cần cả chứng chỉ (--tls-cert) lẫn khoá riêng (--tls-key); hãy cho cả hai.",
                              "HTTPS needs both the certificate (--tls-cert) and the private key (--tls-key); give both."));
    return kConfigRefusedExit;
  }
  // Plain HTTP crosses no network unless the configuration says a TLS proxy stands in front.
  if (!tls && !config.plain_http_anywhere)
    for (const auto& at : config.listen)
      if (!isLoopbackHost(at.host)) {
        printProblem(err, problem("Không phục vụ HTTP không mã hoá trên “" + at.text() +
                                      "”: dữ liệu sẽ đi qua mạng không được bảo vệ. Hãy cho --tls-cert FILE --tls-key FILE "
                                      "để phục vụ HTTPS, hoặc, nếu một proxy TLS đứng trước máy chủ, đặt plain_http = "
                                      "\"anywhere\" trong [tls] (--plain-http-anywhere) và trusted_proxies.",
                                  "Will not serve plain HTTP on “" + at.text() +
                                      "”: the records would cross the network unprotected. Give --tls-cert FILE --tls-key "
                                      "FILE to serve HTTPS, or, behind a TLS proxy, set plain_http = \"anywhere\" in [tls] "
                                      "(--plain-http-anywhere) and trusted_proxies."));
        return kConfigRefusedExit;
      }
  std::unique_ptr<TlsContexts> contexts;
  if (tls) {
    auto context = makeTlsContext(config.tls_cert, config.tls_key);
    if (!context) {
      printProblem(err, context.problem());
      return kConfigRefusedExit;
    }
    contexts = std::make_unique<TlsContexts>(std::move(context.value()));
  }

  auto check = openSqliteStorage(config.data_dir, false);
  if (!check) {
    printProblem(err, check.problem());
    return 1;
  }
  check.value().reset();

  const unsigned threads = std::max(config.threads, 1u);
  net::io_context ioc{static_cast<int>(threads)};
  auto acceptor_strand = net::make_strand(ioc);
  // One acceptor per address, all on one strand with the stop.
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::string> serving;
  for (const auto& at : config.listen) {
    beast::error_code ec;
    const auto address = net::ip::make_address(at.host, ec);
    if (ec) {
      err << "Lỗi: địa chỉ “" << at.host << "” không hợp lệ.\nError: “" << at.host << "” is not an IP address.\n";
      return kConfigRefusedExit;
    }
    const tcp::endpoint endpoint{address, at.port};
    auto acceptor = std::make_unique<tcp::acceptor>(acceptor_strand);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    // An IPv6 address serves IPv6 only: "0.0.0.0" and "::" are two addresses to list.
    if (!ec && address.is_v6()) acceptor->set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      err << "Lỗi: không mở được cổng " << at.text() << " (" << ec.message() << ").\nError: cannot listen on " << at.text()
          << " (" << ec.message() << ").\n";
      return 1;
    }
    const auto bound = acceptor->local_endpoint();
    const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    serving.push_back((tls ? "https://" : "http://") + host + ":" + std::to_string(bound.port()));
    acceptors.push_back(std::move(acceptor));
  }

  Shared shared(config, std::move(contexts));
  for (const auto& url : serving) out << outputLine("Đang phục vụ / Serving on " + url) << std::endl;
  if (tls)
    logCertificate("TLS certificate ", config.tls_cert);

  // SIGHUP reloads the certificate; SIGINT and SIGTERM stop. Both sets on the acceptors' strand.
  net::signal_set hangups(acceptor_strand, SIGHUP);
  reloadOnHangup(hangups, shared);
  net::signal_set signals(acceptor_strand, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& signal_ec, int) {
    if (signal_ec) return;
    // Stop accepting, end idle connections, and let requests being handled finish: a request is
    // handled inside one transaction, committed or rolled back whole. When the last session has
    // ended there is no work left and every run() returns.
    beast::error_code ignored;
    for (auto& acceptor : acceptors) acceptor->close(ignored);
    hangups.cancel(ignored);
    shared.sessions.stopAll();
  });

  for (auto& acceptor : acceptors) net::co_spawn(acceptor_strand, listen(*acceptor, shared, ioc), net::detached);

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  out << outputLine("Đã dừng / Stopped") << std::endl;
  return 0;
}

}  // namespace fieldcheck::server
