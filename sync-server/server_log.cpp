// The server's log lines (server_log.h).
#include "server_log.h"

#include <atomic>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "fieldcheck/value.h"

namespace fieldcheck::server {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::mutex g_write;

// Now in UTC, to the millisecond: "2026-11-30T18:30:05.123Z".
std::string utcNow() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return formatUtc(std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count(), UtcPrecision::kMilliseconds);
}

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// One event as a JSON object on one line.
std::string jsonLine(const LogEvent& e) {
  nlohmann::json o{{"time", utcNow()}, {"level", levelName(e.level)}};
  const auto put = [&o](const char* key, const std::string& value) {
    if (!value.empty()) o[key] = value;
  };
  put("message", e.message);
  put("request_id", e.request_id);
  put("peer", e.peer);
  put("user", e.user);
  put("device", e.device);
  put("method", e.method);
  put("endpoint", e.endpoint);
  put("path", e.path);
  if (e.status != 0) o["status"] = e.status;
  if (e.duration_ms >= 0) o["duration_ms"] = std::round(e.duration_ms * 1000) / 1000;
  // Bytes that are not UTF-8 (from a request's path, say) are replaced, never a failure to log.
  return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void setLogFormat(LogFormat format) { g_format = format; }

void logEvent(const LogEvent& e) {
  std::string line;
  if (g_format == LogFormat::kJson) {
    line = jsonLine(e);
  } else if (e.status != 0) {
    // A request's end, for a person reading: what was answered to whom, how fast, which request.
    const auto what = (e.method.empty() ? "" : e.method + " ") + (e.path.empty() ? e.endpoint : e.path);
    line = "fieldcheck-server: ";
    if (e.status >= 400) {
      line += "refused " + what + " from " + e.peer + ": " + std::to_string(e.status);
      if (!e.message.empty()) line += " " + e.message;
    } else {
      line += std::to_string(e.status) + " " + what;
    }
    if (!e.user.empty()) line += " " + e.user + (e.device.empty() ? "" : "@" + e.device);
    if (e.duration_ms >= 0) {
      char ms[32];
      std::snprintf(ms, sizeof ms, " %.1f ms", e.duration_ms);
      line += ms;
    }
    if (e.status < 400) {
      if (!e.peer.empty()) line += " from " + e.peer;
      if (!e.message.empty()) line += " (" + e.message + ")";
    }
    if (!e.request_id.empty()) line += " [req " + e.request_id + "]";
  } else {
    line = "fieldcheck-server: " + e.message;
  }
  std::lock_guard lock(g_write);
  std::cerr << line << std::endl;
}

std::string outputLine(std::string_view text) {
  if (g_format != LogFormat::kJson) return std::string(text);
  LogEvent event;
  event.message = std::string(text);
  return jsonLine(event);
}

void logMessage(LogLevel level, std::string_view message) {
  LogEvent event;
  event.level = level;
  event.message = std::string(message);
  logEvent(event);
}

}  // namespace fieldcheck::server
