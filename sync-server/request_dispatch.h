// What the network layer hands a request read whole to, and what it answers: the laptops' API or
// the console, each request logged and counted. No socket here (http_server.cpp has them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api.h"
#include "console_trust.h"

namespace fieldcheck::server {

/// A refusal the network layer writes itself, in the API's error form.
ApiResponse plainError(unsigned status, const std::string& code, const std::string& vi, const std::string& en);

/// What `answer` needs of the server's configuration (http_server.cpp fills it from ServerConfig
/// once: `DispatchOptions{config.metrics_token}`).
struct DispatchOptions {
  /// Besides loopback peers, GET /metrics answers a request carrying
  /// "Authorization: Bearer <metrics_token>"; empty: loopback peers only.
  std::string metrics_token;
};

/// The answer to one request read whole, from this thread's connection to the database in
/// `data_dir`: GET /metrics (metrics.h) to a loopback peer (`api.peer`) or one with the metrics
/// token, and a 404 like any unknown address to others; the laptops' API under /v1/; the console
/// for the rest. Every answer carries an `X-Request-Id` (16 hex digits), is counted in the
/// metrics and logged in one line (server_log.h) with the caller's user and device when known,
/// the route and the path without its query string. Never throws: whatever fails becomes a 500
/// and a log line.
ApiResponse answer(ApiRequest api, const std::filesystem::path& data_dir, ConsoleContext& console,
                   const DispatchOptions& options = {});

/// Whether to read the body of request `head` (read up to its headers) announced as
/// `content_length` bytes: the most to read, or the answer to give at once.
std::variant<std::size_t, ApiResponse> admission(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 const std::filesystem::path& data_dir);

/// A target made safe for the log: without its query string (a search may name an owner), and
/// without the token of a bundle's receipt (console API.md: GET /api/receipts/TOKEN), which lets
/// its holder download it.
std::string pathForLog(std::string_view target);

/// Logs and counts a request the network layer refused before it reached `answer` (`what`: its
/// method and target, or why it could not be read; a query string is left out of the log).
void logRefusal(const std::string& what, const std::string& peer, const ApiResponse& answer);

}  // namespace fieldcheck::server
