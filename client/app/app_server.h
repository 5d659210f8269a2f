// `fieldcheck ui`: the inspector's app served on 127.0.0.1 to this laptop's browser alone, its
// assets from the program itself, its requests trusted only from the page it handed a cookie to.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "app_api.h"
#include "home.h"

namespace fieldcheck::client {

struct AppOptions {
  Home home;
  unsigned short port = 0;  // 0: a free port
  bool open_browser = true;
};

/// Serves the app until SIGINT, SIGTERM or SIGHUP (the terminal closed). Prints first, on `out`,
/// "Fieldcheck: http://127.0.0.1:PORT/open?key=SECRET" then a line for people, and opens the
/// default browser on that address unless told not to. Returns 0 after a signal, 1 with a message
/// on `err` when it cannot start (no home, the port taken).
int serveApp(const AppOptions& options, std::ostream& out, std::ostream& err);

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
