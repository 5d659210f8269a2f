// X-Forwarded-For and X-Forwarded-Proto believed from trusted proxies only (see tls_proxy.h).
#include "tls_proxy.h"

#include <algorithm>

#include <arpa/inet.h>

namespace fieldcheck::server {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The last comma-separated value of `list`, trimmed.
std::string_view lastValue(std::string_view list) {
  const auto comma = list.rfind(',');
  return trimmed(comma == std::string_view::npos ? list : list.substr(comma + 1));
}

}  // namespace

std::string normalAddress(std::string_view address) {
  const std::string text(trimmed(address).substr(0, 64));
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return inet_ntop(AF_INET, bytes, out, sizeof out) ? out : "";
  if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return "";
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, bytes)) return inet_ntop(AF_INET, bytes + 12, out, sizeof out) ? out : "";
  return inet_ntop(AF_INET6, bytes, out, sizeof out) ? out : "";
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& addresses) {
  for (const auto& a : addresses)
    if (auto normal = normalAddress(a); !normal.empty()) addresses_.push_back(std::move(normal));
}

bool TrustedProxies::contains(const std::string& address) const {
  const auto normal = normalAddress(address);
  return !normal.empty() && std::find(addresses_.begin(), addresses_.end(), normal) != addresses_.end();
}

std::string believedPeer(const std::string& tcp_peer, std::string_view forwarded_for, const TrustedProxies& trusted) {
  if (!trusted.contains(tcp_peer)) return tcp_peer;
  std::string believed = tcp_peer;
  // The whole list, however long (the request head's limit bounds it): a proxy appends the address
  // it saw last, so cutting the list would drop the only hop that is not the caller's own invention.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto hop = normalAddress(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (hop.empty()) break;
    believed = hop;
    if (!trusted.contains(hop)) break;
  }
  return believed;
}

bool believedTls(bool over_tls, const std::string& tcp_peer, std::string_view forwarded_proto, const TrustedProxies& trusted) {
  if (over_tls) return true;
  return trusted.contains(tcp_peer) && lastValue(forwarded_proto) == "https";
}

}  // namespace fieldcheck::server
