// The app's HTTP server: Boost.Beast on one thread, a coroutine per connection, a deadline on every
// read and a limit on every body; the trust check before anything else; assets from the program.
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "app_server.h"

#include <csignal>
#include <iostream>

#include "fieldcheck/web_assets.h"
#include "platform.h"
#include "tuning.h"

namespace fieldcheck {
// The files of shared/web and client/app/web, compiled in (cmake/EmbedAssets.cmake).
extern const EmbeddedFile kAppAssets[];
extern const std::size_t kAppAssetsCount;
}  // namespace fieldcheck

namespace fieldcheck::client {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct Server {
  AppTrust trust;
  WebAssets assets;
  std::unique_ptr<AppApi> api;
};

http::response<http::string_body> toHttp(const AppResponse& answer, unsigned version, bool keep_alive, bool immutable) {
  http::response<http::string_body> res{static_cast<http::status>(answer.status), version};
  res.set(http::field::server, "fieldcheck-ui");
  res.set(http::field::content_type, answer.content_type);
  res.set(http::field::cache_control, immutable ? "public, max-age=31536000, immutable" : "no-store");
  for (const auto& [name, value] : appSecurityHeaders()) res.set(name, value);
  for (const auto& [name, value] : answer.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = answer.body;
  res.prepare_payload();
  return res;
}

// The answer to one request read whole.
http::response<http::string_body> answerRequest(Server& server, const http::request<http::string_body>& req) {
  const bool keep_alive = req.keep_alive();
  TrustedRequest trusted{std::string(req.method_string()), std::string(req.target()), std::string(req[http::field::host]),
                         std::string(req[http::field::origin]), std::string(req[http::field::cookie]),
                         std::string(req[http::field::content_type])};
  if (auto refusal = server.trust.check(trusted)) return toHttp(*refusal, req.version(), keep_alive, false);
  const std::string_view target = trusted.target;
  const auto path = target.substr(0, target.find('?'));
  if (path.starts_with("/api/")) {
    auto answer = server.api->handle({trusted.method, trusted.target, trusted.content_type, req.body()});
    return toHttp(answer, req.version(), keep_alive, false);
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return toHttp(messagePage(405, "Địa chỉ này chỉ để xem, không nhận gửi dữ liệu. Hãy dùng các nút trên trang của ứng dụng.",
                                   "This address can only be read, not sent to. Use the buttons on the app's page."), req.version(), keep_alive, false);
  const auto* asset = server.assets.find(path);
  if (!asset) return toHttp(messagePage(404, "Không có trang này.", "No such page."), req.version(), keep_alive, false);
  AppResponse answer;
  answer.content_type = asset->content_type;
  answer.headers.emplace_back("ETag", asset->etag);
  answer.headers.emplace_back("Vary", "Accept-Encoding");
  if (std::string_view(req[http::field::if_none_match].data(), req[http::field::if_none_match].size()) == asset->etag) {
    answer.status = 304;
    auto res = toHttp(answer, req.version(), keep_alive, asset->immutable);
    res.body().clear();
    return res;
  }
  if (req[http::field::accept_encoding].find("gzip") != std::string_view::npos) {
    answer.body = asset->gzip_body;
    answer.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    answer.body = asset->body;
  }
  return toHttp(answer, req.version(), keep_alive, asset->immutable);
}

net::awaitable<void> serveConnection(Server& server, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(tuning::kAppMaxHeaderBytes);
    parser.body_limit(tuning::kAppMaxBodyBytes);
    stream.expires_after(tuning::kAppReadTimeout);
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == http::error::body_limit) {
        auto res = toHttp(messagePage(413, "Tệp quá lớn (tối đa 25 MB).", "The file is too large (25 MB at most)."), 11, false, false);
        stream.expires_after(tuning::kAppReadTimeout);
        co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
      }
      break;
    }
    auto res = answerRequest(server, parser.get());
    if (parser.get().method() == http::verb::head) res.body().clear();
    const bool keep_alive = res.keep_alive();
    stream.expires_after(tuning::kAppReadTimeout);
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> acceptConnections(Server& server, tcp::acceptor& acceptor) {
  for (;;) {
    beast::error_code ec;
    auto socket = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // a connection that failed while being accepted: the next one may be fine
    }
    net::co_spawn(acceptor.get_executor(), serveConnection(server, std::move(socket)), net::detached);
  }
}

}  // namespace

int serveApp(const AppOptions& options, std::ostream& out, std::ostream& err) {
  auto api = AppApi::open(options.home);
  if (!api) {
    err << "Lỗi: " << api.problem().message.vi << "\nError: " << api.problem().message.en << "\n";
    return 1;
  }
  net::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    err << "Lỗi: không mở được cổng " << options.port << " trên 127.0.0.1 (" << ec.message()
        << "). Chọn cổng khác bằng --port, hoặc bỏ --port để dùng một cổng trống.\n"
        << "Error: cannot listen on port " << options.port << " of 127.0.0.1 (" << ec.message()
        << "). Choose another with --port, or leave --port out for a free one.\n";
    return 1;
  }
  Server server{AppTrust(acceptor.local_endpoint().port()), WebAssets(kAppAssets, kAppAssetsCount, "index.html"),
                std::move(api.value())};
  const auto url = "http://127.0.0.1:" + std::to_string(server.trust.port()) + "/open?key=" + server.trust.key();
  out << "Fieldcheck: " << url << "\n"
      << "Ứng dụng đang chạy trên máy này; mở địa chỉ trên trong trình duyệt (chỉ dùng được một lần). Ctrl-C để dừng.\n"
      << "The app is running on this laptop; open the address above in a browser (it works once). Ctrl-C stops it.\n"
      << std::flush;
  if (options.open_browser && !platform::openInBrowser(url))
    out << "Không mở được trình duyệt; hãy tự mở địa chỉ trên. / Could not open a browser; open the address above yourself.\n"
        << std::flush;

#ifdef SIGHUP
  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
#else
  // Windows: the C runtime raises SIGINT for Ctrl-C and SIGBREAK for Ctrl-Break in the console.
  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGBREAK);
#endif
  signals.async_wait([&](const beast::error_code&, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    ioc.stop();
  });
  net::co_spawn(ioc, acceptConnections(server, acceptor), net::detached);
  ioc.run();
  out << "Đã dừng. / Stopped.\n";
  return 0;
}

}  // namespace fieldcheck::client
