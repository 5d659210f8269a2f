// HTTP/1.1 client on Boost.Beast, synchronous with a deadline on every operation.
#include <utility>  // before Asio: Boost 1.74's headers use std::exchange without it

#include "http_client.h"

#include "fieldcheck/compression.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace fieldcheck::client {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t kMaxReplyBodyBytes = 64 * 1024 * 1024;
// Smaller bodies gain nothing from compression.
constexpr std::size_t kWorthCompressingBytes = 256;

}  // namespace

Result<ServerAddress> parseServerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  auto bad = problem("Địa chỉ máy chủ phải có dạng http://TÊN_MÁY:CỔNG, ví dụ http://127.0.0.1:8470.",
                     "The server address must look like http://HOST:PORT, for example http://127.0.0.1:8470.");
  if (url.substr(0, kScheme.size()) != kScheme) return bad;
  url.remove_prefix(kScheme.size());
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) return bad;
  const auto colon = url.rfind(':');
  ServerAddress address{std::string(url.substr(0, colon)), colon == std::string_view::npos ? "8470" : std::string(url.substr(colon + 1))};
  if (address.host.empty() || address.port.empty() || address.port.size() > 5 ||
      address.port.find_first_not_of("0123456789") != std::string::npos)
    return bad;
  return address;
}

struct HttpConnection::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpConnection::HttpConnection(ServerAddress address) : impl_(std::make_unique<Impl>()), address_(std::move(address)) {}
HttpConnection::~HttpConnection() {
  if (impl_->connected) {
    beast::error_code ignored;
    impl_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  }
}

Result<HttpReply> HttpConnection::request(const std::string& method, const std::string& target,
                                          const std::map<std::string, std::string>& headers, const std::string& body,
                                          std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  beast::error_code ec;
  auto failed = [&](const char* what_vi, const char* what_en) {
    beast::error_code ignored;
    s.stream.socket().close(ignored);
    s.connected = false;
    s.buffer.clear();
    return problem(std::string(what_vi) + " " + address_.url() + " (" + ec.message() + ").",
                   std::string(what_en) + " " + address_.url() + " (" + ec.message() + ").");
  };
  if (!s.connected) {
    net::ip::tcp::resolver resolver(s.ioc);
    auto endpoints = resolver.resolve(address_.host, address_.port, ec);
    if (ec) return failed("Không tìm thấy máy chủ", "Cannot find the server");
    s.stream.expires_after(timeout);
    s.stream.connect(endpoints, ec);
    if (ec) return failed("Không kết nối được máy chủ", "Cannot connect to the server");
    s.connected = true;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, address_.host);
  req.set(http::field::user_agent, "fieldcheck");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.set(http::field::accept_encoding, std::string(kContentCoding));
  const auto type = headers.find("Content-Type");
  const bool image = type != headers.end() && type->second.rfind("image/", 0) == 0;  // compressed already
  if (body.size() >= kWorthCompressingBytes && !image) {
    req.set(http::field::content_encoding, std::string(kContentCoding));
    req.body() = compress(body);
  } else {
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  s.stream.expires_after(timeout);
  bytes_sent_ += http::write(s.stream, req, ec);
  if (ec) return failed("Mất kết nối khi gửi tới", "The connection dropped while sending to");
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBodyBytes);
  bytes_received_ += http::read(s.stream, s.buffer, parser, ec);
  if (ec) return failed("Mất kết nối khi nhận từ", "The connection dropped while receiving from");
  auto res = parser.release();
  if (std::string(res[http::field::content_encoding]) == kContentCoding) {
    auto plain = decompress(res.body(), kMaxReplyBodyBytes);
    if (!plain) return failed("Trả lời hỏng từ", "A damaged answer from");
    res.body() = std::move(plain.value());
  }
  if (!res.keep_alive()) {
    beast::error_code ignored;
    s.stream.socket().close(ignored);
    s.connected = false;
  }
  return HttpReply{res.result_int(), std::move(res.body())};
}

}  // namespace fieldcheck::client
