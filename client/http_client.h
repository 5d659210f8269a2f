// The client's HTTP transport to the sync server (the only client file that includes Beast).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fieldcheck/result.h"

namespace fieldcheck::client {

struct ServerAddress {
  std::string host;
  std::string port;
  std::string url() const { return "http://" + host + ":" + port; }
};

/// Reads "http://HOST[:PORT]" (port 8470 when absent). Refuses anything else with a message.
Result<ServerAddress> parseServerUrl(std::string_view url);

struct HttpReply {
  unsigned status = 0;
  std::string body;  // decompressed when the server compressed it
};

/// One keep-alive HTTP/1.1 connection, opened on first use and reopened after a failure.
/// Not thread-safe.
class HttpConnection {
 public:
  explicit HttpConnection(ServerAddress address);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Sends one request and reads the reply, within `timeout`. Bodies worth it are sent
  /// zstd-compressed, and a compressed reply is decompressed. A Problem means the request may
  /// or may not have reached the server (no connection, cut, timed out): retrying is safe only
  /// for idempotent requests, which every sync request is. Any HTTP status is a reply.
  Result<HttpReply> request(const std::string& method, const std::string& target,
                            const std::map<std::string, std::string>& headers, const std::string& body,
                            std::chrono::milliseconds timeout);

  /// Bytes sent and received so far, headers included.
  std::uint64_t bytesSent() const { return bytes_sent_; }
  std::uint64_t bytesReceived() const { return bytes_received_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerAddress address_;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace fieldcheck::client
