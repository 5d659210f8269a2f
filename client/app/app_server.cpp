// The app's HTTP server: Boost.Beast on one thread, a coroutine per connection, a deadline on every
// read and a limit on every body; the trust check before anything else; assets from the program.
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "app_server.h"

#include <iostream>

#include "fieldcheck/crypto.h"
#include "fieldcheck/http_target.h"
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

constexpr std::string_view kCookieName = "fc_session";

AppResponse pageResponse(unsigned status, const std::string& vi, const std::string& en) {
  AppResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  // Fixed text only: nothing from the request is written into this page.
  r.body = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Fieldcheck</title><h1>Fieldcheck</h1><p>" + vi +
           "</p><p lang=\"en\">" + en + "</p></html>";
  return r;
}

// The value of cookie `name` in a Cookie header; "" when absent.
std::string cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semicolon = header.find(';');
    auto pair = header.substr(0, semicolon);
    header = semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
  }
  return "";
}

// Compares secrets in time that does not depend on where they differ.
bool sameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

const std::vector<std::pair<std::string, std::string>>& appSecurityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  return headers;
}

AppTrust::AppTrust(unsigned short port) : port_(port), key_(randomSecret(24)), session_(randomSecret(32)) {}

std::optional<AppResponse> AppTrust::check(const TrustedRequest& request) {
  const auto port = std::to_string(port_);
  // DNS rebinding: another name that resolves here reaches this server with its own Host.
  if (request.host != "127.0.0.1:" + port && request.host != "localhost:" + port)
    return pageResponse(403, "Địa chỉ không đúng. Mở ứng dụng bằng địa chỉ mà lệnh fieldcheck ui in ra.",
                        "Wrong address. Open the app at the address fieldcheck ui prints.");
  const bool origin_ours = request.origin == "http://127.0.0.1:" + port || request.origin == "http://localhost:" + port;
  if (!request.origin.empty() && !origin_ours)
    return pageResponse(403, "Yêu cầu từ một trang khác bị từ chối.", "A request from another site was refused.");
  if (request.method != "GET" && request.method != "HEAD") {
    if (!origin_ours)
      return pageResponse(403, "Yêu cầu không đến từ trang của ứng dụng nên bị từ chối.",
                          "The request did not come from the app's page, so it was refused.");
    const auto& type = request.content_type;
    const bool allowed = startsWith(type, "application/json") || startsWith(type, "image/jpeg") ||
                         startsWith(type, "image/png") || startsWith(type, "application/octet-stream");
    if (!allowed)
      return pageResponse(415, "Kiểu nội dung không được nhận.", "This content type is not accepted.");
  }
  if (startsWith(request.target, "/open")) {
    auto target = parseHttpTarget(request.target);
    const auto key = target ? target->param("key").value_or("") : "";
    if (key_used_ || !sameSecret(key, key_))
      return pageResponse(403,
                          "Địa chỉ này đã dùng rồi hoặc không đúng. Đóng trang này, chạy lại lệnh fieldcheck ui và mở địa chỉ mới nó in ra.",
                          "This address was used already or is wrong. Close this page, run fieldcheck ui again and open the new "
                          "address it prints.");
    key_used_ = true;
    AppResponse r = pageResponse(303, "Đang mở ứng dụng…", "Opening the app…");
    r.headers.emplace_back("Location", "/");
    r.headers.emplace_back("Set-Cookie", std::string(kCookieName) + "=" + session_ + "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }
  if (!sameSecret(cookieValue(request.cookie, kCookieName), session_))
    return pageResponse(401, "Phiên làm việc đã hết. Chạy lại lệnh fieldcheck ui để mở ứng dụng.",
                        "This session has ended. Run fieldcheck ui again to open the app.");
  return std::nullopt;
}

namespace {

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
  if (startsWith(path, "/api/")) {
    auto answer = server.api->handle({trusted.method, trusted.target, trusted.content_type, req.body()});
    return toHttp(answer, req.version(), keep_alive, false);
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return toHttp(pageResponse(405, "Không làm được việc này ở đây.", "Not allowed here."), req.version(), keep_alive, false);
  const auto* asset = server.assets.find(path);
  if (!asset) return toHttp(pageResponse(404, "Không có trang này.", "No such page."), req.version(), keep_alive, false);
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
        auto res = toHttp(pageResponse(413, "Tệp quá lớn (tối đa 25 MB).", "The file is too large (25 MB at most)."), 11, false, false);
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
  net::signal_set signals(ioc, SIGINT, SIGTERM);
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
