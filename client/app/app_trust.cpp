// The app's trust check: Host, Origin, content type, the one-time key and the session cookie.
#include "app_trust.h"

#include <string_view>

#include "fieldcheck/crypto.h"
#include "fieldcheck/http_target.h"

namespace fieldcheck::client {
namespace {

constexpr std::string_view kCookieName = "fc_session";



bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

AppResponse messagePage(unsigned status, const std::string& vi, const std::string& en) {
  AppResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  // Fixed text only: nothing from the request is written into this page.
  r.body = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Fieldcheck</title><h1>Fieldcheck</h1><p>" + vi +
           "</p><p lang=\"en\">" + en + "</p></html>";
  return r;
}

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
    return messagePage(403, "Địa chỉ không đúng. Mở ứng dụng bằng địa chỉ mà lệnh fieldcheck ui in ra.",
                        "Wrong address. Open the app at the address fieldcheck ui prints.");
  const bool origin_ours = request.origin == "http://127.0.0.1:" + port || request.origin == "http://localhost:" + port;
  if (!request.origin.empty() && !origin_ours)
    return messagePage(403, "Yêu cầu từ một trang khác bị từ chối.", "A request from another site was refused.");
  if (request.method != "GET" && request.method != "HEAD") {
    if (!origin_ours)
      return messagePage(403, "Yêu cầu không đến từ trang của ứng dụng nên bị từ chối.",
                          "The request did not come from the app's page, so it was refused.");
    const auto& type = request.content_type;
    const bool allowed = startsWith(type, "application/json") || startsWith(type, "image/jpeg") ||
                         startsWith(type, "image/png") || startsWith(type, "application/octet-stream");
    if (!allowed)
      return messagePage(415, "Kiểu nội dung không được nhận: ứng dụng chỉ nhận JSON hoặc ảnh JPEG, PNG gửi từ trang của nó. Hãy dùng trang mà fieldcheck ui mở.",
                         "This content type is not accepted: the app takes only JSON or JPEG and PNG images sent from its own page. "
                         "Use the page fieldcheck ui opens.");
  }
  if (startsWith(request.target, "/open")) {
    auto target = parseHttpTarget(request.target);
    const auto key = target ? target->param("key").value_or("") : "";
    if (key_used_ || !sameSecret(key, key_))
      return messagePage(403,
                          "Địa chỉ này đã dùng rồi hoặc không đúng. Đóng trang này, chạy lại lệnh fieldcheck ui và mở địa chỉ mới nó in ra.",
                          "This address was used already or is wrong. Close this page, run fieldcheck ui again and open the new "
                          "address it prints.");
    key_used_ = true;
    AppResponse r = messagePage(303, "Đang mở ứng dụng…", "Opening the app…");
    r.headers.emplace_back("Location", "/");
    r.headers.emplace_back("Set-Cookie", std::string(kCookieName) + "=" + session_ + "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }
  if (!sameSecret(cookieValue(request.cookie, kCookieName), session_))
    return messagePage(401, "Phiên làm việc đã hết. Chạy lại lệnh fieldcheck ui để mở ứng dụng.",
                        "This session has ended. Run fieldcheck ui again to open the app.");
  return std::nullopt;
}


}  // namespace fieldcheck::client
