// Who a request comes from when a TLS proxy stands in front of the server: X-Forwarded-For and
// X-Forwarded-Proto, believed only from the proxies the configuration names ([tls]
// trusted_proxies). No socket here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fieldcheck::server {

/// The trusted proxies' addresses, normalised (see normalAddress); entries that are not IP
/// addresses are left out (the configuration refuses them before).
class TrustedProxies {
 public:
  explicit TrustedProxies(const std::vector<std::string>& addresses);
  /// Whether `address` (an IP address as text) is one of them.
  bool contains(const std::string& address) const;
  bool empty() const { return addresses_.empty(); }

 private:
  std::vector<std::string> addresses_;
};

/// `address` as the server names a peer: an IPv4 address mapped into IPv6 ("::ffff:10.0.0.5", as
/// a socket listening on [::] sees it) becomes the IPv4 address; IPv6 in its shortest form; text
/// that is not an IP address is returned empty.
std::string normalAddress(std::string_view address);

/// The address a request is believed to come from. `tcp_peer` is the socket's; when it is a
/// trusted proxy, `forwarded_for` (the X-Forwarded-For values, comma-separated, the nearest hop
/// last) is read from the right, passing over the trusted proxies, and the first other address is
/// the client; a value that is not an IP address stops the reading there (the hop to its right is
/// believed). Without a trusted proxy, `tcp_peer`.
std::string believedPeer(const std::string& tcp_peer, std::string_view forwarded_for, const TrustedProxies& trusted);

/// Whether the request reached the server over TLS: `over_tls` (this socket), or a trusted proxy
/// `tcp_peer` says so with X-Forwarded-Proto "https" (its last value when it holds several).
bool believedTls(bool over_tls, const std::string& tcp_peer, std::string_view forwarded_proto, const TrustedProxies& trusted);

}  // namespace fieldcheck::server
