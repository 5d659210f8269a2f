// Who may use the app that `fieldcheck ui` serves: the page it handed a cookie to, on this laptop,
// and nothing else (another site in the same browser, a name rebound to 127.0.0.1).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app_api.h"

namespace fieldcheck::client {

/// A short page for people with a message in both languages (a refusal, a redirect's body):
/// fixed text only, nothing from the request written into it.
AppResponse messagePage(unsigned status, const std::string& vi, const std::string& en);

/// What the trust check reads of a request.
struct TrustedRequest {
  std::string method;
  std::string target;  // "/open?key=…", "/api/…"
  std::string host;    // the Host header
  std::string origin;  // the Origin header; "" when absent
  std::string cookie;  // the Cookie header
  std::string content_type;
};

/// The secrets of one run of the app: the key printed once and the session it is exchanged for.
class AppTrust {
 public:
  /// New random secrets for a server listening on `port` of 127.0.0.1.
  explicit AppTrust(unsigned short port);

  const std::string& key() const { return key_; }
  unsigned short port() const { return port_; }

  /// The answer to a request that may not go further: a Host other than this server's (DNS
  /// rebinding), an Origin other than the page's (another site in the same browser), a POST
  /// without the page's Origin or with another content type than JSON or an image, no session
  /// cookie; or the key's exchange (`/open?key=`) itself, which works once and sets the cookie.
  /// nullopt when the request is the page's own and may be handled.
  std::optional<AppResponse> check(const TrustedRequest& request);

 private:
  unsigned short port_;
  std::string key_;
  std::string session_;
  bool key_used_ = false;
};

/// The headers every answer of the app carries: the Content-Security-Policy (no inline script,
/// nothing from another origin), no sniffing, no referrer, no framing.
const std::vector<std::pair<std::string, std::string>>& appSecurityHeaders();

}  // namespace fieldcheck::client
