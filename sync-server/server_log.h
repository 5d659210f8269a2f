// The server's log: one line per event on standard error, as text or as one JSON object per line
// (for journald), chosen once at start. Thread-safe. Nothing secret goes in: callers pass names,
// addresses and codes, never a password, a token or an answer.
#pragma once

#include <string>
#include <string_view>

#include "server_config.h"

namespace fieldcheck::server {

/// Chooses the format of every line written after (text by default).
void setLogFormat(LogFormat format);

enum class LogLevel { kInfo, kWarning, kError };

/// One event: its message, and what is known of the request it concerns (empty when none).
struct LogEvent {
  LogLevel level = LogLevel::kInfo;
  std::string message;
  std::string request_id, peer, user, device, method, endpoint;
  unsigned status = 0;
  double duration_ms = -1;  // negative: not a request's end
};

void logEvent(const LogEvent& event);

/// A line without request fields.
void logMessage(LogLevel level, std::string_view message);

}  // namespace fieldcheck::server
