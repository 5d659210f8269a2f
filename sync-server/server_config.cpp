// The server's configuration file and its addresses (server_config.h).
#include "server_config.h"

#include <arpa/inet.h>

namespace fieldcheck::server {

std::string ListenAddress::text() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parseListenAddress(const std::string& text) {
  auto bad = problem("Địa chỉ phục vụ “" + text + "” phải có dạng HOST:CỔNG, ví dụ 127.0.0.1:8470 hoặc [::1]:8470.",
                     "The address to serve on “" + text + "” must look like HOST:PORT, for example 127.0.0.1:8470 or [::1]:8470.");
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() || text.size() - colon - 1 > 5) return bad;
  const auto port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos) return bad;
  const auto port = std::stoul(port_text);
  if (port > 65535) return bad;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  in6_addr v6{};
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) != 1 && inet_pton(AF_INET6, host.c_str(), &v6) != 1) return bad;
  return ListenAddress{host, static_cast<unsigned short>(port)};
}

bool isLoopbackHost(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // An IPv4 loopback address mapped into IPv6 (::ffff:127.x.y.z), as a dual-stack socket reports it.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace fieldcheck::server
