// The server's log: one line per event on standard error, as text or as one JSON object per line
// (for journald), chosen once at start. Thread-safe. Nothing secret goes in: callers pass names,
// addresses, routes and codes, never a password, a token, a cookie, a header's value or an answer.
#pragma once

#include <string>
#include <string_view>

#include "server_config.h"

namespace fieldcheck::server {

/// Chooses the format of every line written after (text by default).
void setLogFormat(LogFormat format);

enum class LogLevel { kInfo, kWarning, kError };

/// One event: its message, and what is known of the request it concerns (empty when none).
/// Text from outside (peer, method, path) is passed through forLog (api.h) by the caller.
struct LogEvent {
  LogLevel level = LogLevel::kInfo;
  std::string message;
  std::string request_id, peer, user, device, method, endpoint;
  unsigned status = 0;
  double duration_ms = -1;  // negative: not a request's end
  std::string path = {};    // the request's path without its query string (which may carry a secret)
};

/// Writes `event` as one line: in text, a request's end reads
/// "fieldcheck-server: 200 POST /v1/sync nam@3f2a… 12.3 ms from 127.0.0.1 [req 8c1f…]", a refusal
/// "fieldcheck-server: refused POST /v1/sync from 127.0.0.1: 401 unauthorized 0.4 ms [req …]";
/// in JSON, every field known is a key (time, level, message, request_id, peer, user, device,
/// method, endpoint, path, status, duration_ms).
void logEvent(const LogEvent& event);

/// A line without request fields.
void logMessage(LogLevel level, std::string_view message);

/// `text`, a line a command prints on standard output (serve's "Serving on URL"), as that output
/// should read: unchanged in text format, an info line's JSON object (time, level, message) in
/// JSON format, so that every line the server writes under journald is one JSON object.
std::string outputLine(std::string_view text);

}  // namespace fieldcheck::server
