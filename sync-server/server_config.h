// The server's configuration: one TOML file (`--config FILE`; /etc/fieldcheck/server.toml for the
// package), then the command line's flags over it. Every key, its unit and its default are in
// packaging/server.toml; the defaults are tuning.h's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fieldcheck/result.h"
#include "tuning.h"

namespace fieldcheck::server {

enum class LogFormat { kText, kJson };

/// One address the server listens on ("127.0.0.1:8470", "[::1]:8470", "0.0.0.0:443").
struct ListenAddress {
  std::string host;
  unsigned short port = 8470;  // 0 picks a free port
  std::string text() const;
  bool operator==(const ListenAddress&) const = default;
};

struct ServerConfig {
  /// Where the provincial database and its photos live ([server] data).
  std::filesystem::path data_dir;
  /// [server] listen: every address served. Plain HTTP only on loopback addresses unless
  /// `plain_http_anywhere` (a TLS proxy in front); with a certificate, every address is TLS.
  std::vector<ListenAddress> listen{{"127.0.0.1", 8470}};
  /// [server] threads, console_threads.
  unsigned threads = tuning::kServerThreads;
  unsigned console_threads = tuning::kConsoleThreads;

  /// [tls] cert, key: PEM files; both or neither. Reloaded on SIGHUP.
  std::filesystem::path tls_cert, tls_key;
  /// [tls] plain_http = "loopback" (default) | "anywhere": plain HTTP on other addresses, for a
  /// TLS proxy in front; then `trusted_proxies` are the only peers whose X-Forwarded-For and
  /// X-Forwarded-Proto are believed.
  bool plain_http_anywhere = false;
  std::vector<std::string> trusted_proxies;

  /// [limits]
  std::size_t max_connections = tuning::kMaxConnections;
  std::size_t max_connections_per_address = tuning::kMaxConnectionsPerAddress;
  std::size_t max_body_bytes_in_flight = tuning::kMaxBodyBytesInFlight;
  std::chrono::seconds request_timeout{tuning::kRequestReadTimeout};
  unsigned max_requests_per_connection = tuning::kMaxRequestsPerConnection;

  /// [login]: failed logins from one address within the window before that address is refused.
  int max_failed_logins_per_address = tuning::kMaxFailedLoginsPerAddress;
  std::chrono::seconds login_address_window{tuning::kLoginAddressWindow};

  /// [tokens] device_token_unused_days: a laptop's token unused this long is refused (its user
  /// logs in again); 0 never expires.
  std::chrono::hours device_token_unused{24 * 90};

  /// [log] format = "text" | "json" (one object per line, for journald).
  LogFormat log_format = LogFormat::kText;

  /// [metrics] token: /metrics answers loopback peers, and others that send
  /// "Authorization: Bearer TOKEN"; empty: loopback only.
  std::string metrics_token;

  bool operator==(const ServerConfig&) const = default;
};

/// The shortest [metrics] token accepted, in characters.
inline constexpr std::size_t kMinMetricsTokenChars = 32;

/// How `fieldcheck-server` exits when its configuration is refused (sysexits' EX_CONFIG): a
/// service manager can tell it from a crash and not restart it in a loop.
inline constexpr int kConfigRefusedExit = 78;

/// The configuration in `file`, over the defaults. An unknown key, a value of the wrong type or
/// out of its range is refused with the file's line and the reason, in both languages
/// ("server.toml dòng 7: …" / "server.toml line 7: …"), as is a file that is not TOML, a list of
/// addresses parseListenAddress refuses, a trusted proxy that is not an IP address, a metrics
/// token shorter than kMinMetricsTokenChars and a certificate without its key. Relative paths
/// are relative to the file's folder. Never throws.
Result<ServerConfig> loadServerConfig(const std::filesystem::path& file);

/// Reads "HOST:PORT" ("[V6]:PORT" too); refuses anything else with a message.
Result<ListenAddress> parseListenAddress(const std::string& text);

/// Whether `text` is an IPv4 or IPv6 address ("10.0.0.5", "::1"), as [tls] trusted_proxies holds.
bool isIpAddress(const std::string& text);

/// Whether `host` (an IP address as text) is a loopback address (127.0.0.0/8, ::1).
bool isLoopbackHost(const std::string& host);

}  // namespace fieldcheck::server
