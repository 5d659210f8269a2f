// What a request read whole is handed to (request_dispatch.h): this thread's connection to the
// database, /metrics, the laptops' API or the console, and each request's log line and counts.
#include "request_dispatch.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/hybrid_clock.h"
#include "metrics.h"
#include "server_log.h"

namespace fieldcheck::server {
namespace {

// Each serving thread has its own connection to the provincial database (to another folder's,
// opened anew, when a caller such as a test changes `data_dir`).
ProvincialStorage* threadStorage(const std::filesystem::path& data_dir) {
  thread_local std::unique_ptr<ProvincialStorage> storage;
  thread_local std::filesystem::path opened_dir;
  if (!storage || opened_dir != data_dir) {
    storage.reset();
    auto opened = openSqliteStorage(data_dir, false);
    if (!opened) return nullptr;
    storage = std::move(opened.value());
    opened_dir = data_dir;
  }
  return storage.get();
}

ApiResponse storageUnavailable() {
  return plainError(503, "storage", "Máy chủ không mở được cơ sở dữ liệu tỉnh.", "The server cannot open the provincial database.");
}

// The error code of a refusal the server wrote itself ("" for another body).
std::string errorCode(const ApiResponse& answer) {
  if (!answer.content_encoding.empty() || answer.content_type.rfind("application/json", 0) != 0) return "";
  const auto parsed = nlohmann::json::parse(answer.body, nullptr, false);
  return parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() ? parsed["error"].value("code", "") : "";
}

// A request's id for the log and the X-Request-Id header: 64 random bits as 16 hex digits. Not a
// secret, only unique enough to find one request's line.
std::string newRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(random()));
  return hex;
}

}  // namespace

std::string pathForLog(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  constexpr std::string_view kReceipts = "/api/receipts/";
  if (path.substr(0, kReceipts.size()) == kReceipts) return std::string(kReceipts) + ":token";
  return forLog(path);
}

namespace {

LogLevel levelFor(unsigned status) { return status >= 500 ? LogLevel::kError : status >= 400 ? LogLevel::kWarning : LogLevel::kInfo; }

// GET /metrics: to a loopback peer, or to one that sends the configured token; anyone else gets
// the 404 of an address that does not exist, so the endpoint is not revealed.
ApiResponse metricsAnswer(const ApiRequest& api, ProvincialStorage& storage, const std::filesystem::path& data_dir,
                          const DispatchOptions& options) {
  const auto authorization = api.headers.find("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool token_ok = !options.metrics_token.empty() && authorization != api.headers.end() &&
                        authorization->second.rfind(kBearer, 0) == 0 &&
                        sameSecret(std::string_view(authorization->second).substr(kBearer.size()), options.metrics_token);
  if (!isLoopbackHost(api.peer) && !token_ok)
    return plainError(404, "not_found", "Không có địa chỉ này.", "There is no such address.");
  if (api.method != "GET") {
    auto refused = plainError(405, "method", "Chỉ dùng GET.", "Use GET.");
    refused.headers.emplace_back("Allow", "GET");
    return refused;
  }
  try {
    return {200, kMetricsContentType, metricsText(storage, data_dir), ""};
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "metrics cannot read the database: " + forLog(e.what()));
    return storageUnavailable();
  }
}

}  // namespace

ApiResponse plainError(unsigned status, const std::string& code, const std::string& vi, const std::string& en) {
  return {status, "application/json; charset=utf-8",
          R"({"error":{"code":")" + code + R"(","vi":")" + vi + R"(","en":")" + en + R"("}})", ""};
}

// One line of the log for a request the server refused before reading it whole: what it asked
// (or why it could not be read), from where, and the answer. Counted with the others.
void logRefusal(const std::string& what, const std::string& peer, const ApiResponse& answer) {
  LogEvent event;
  event.level = levelFor(answer.status);
  event.message = errorCode(answer);
  event.request_id = newRequestId();
  event.peer = forLog(peer);
  event.status = answer.status;
  const auto space = what.find(' ');
  const bool asked = space != std::string::npos && space > 0 && what.compare(space + 1, 1, "/") == 0 &&
                     what.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == space;
  if (asked) {
    event.method = what.substr(0, space);
    event.endpoint = std::string(endpointOf(std::string_view(what).substr(space + 1)));
    event.path = pathForLog(std::string_view(what).substr(space + 1));
  } else {
    event.endpoint = "other";
    event.path = forLog(what);
  }
  countRequest(event.endpoint, answer.status, -1);
  logEvent(event);
}

// The answer to one request read whole, counted and logged in one line at its end. Never throws:
// whatever fails becomes a 500 and a log line.
ApiResponse answer(ApiRequest api, const std::filesystem::path& data_dir, ConsoleContext& console, const DispatchOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  LogEvent event;
  event.request_id = newRequestId();
  event.peer = forLog(api.peer);
  event.method = forLog(api.method, 16);
  event.endpoint = std::string(endpointOf(api.target));
  event.path = pathForLog(api.target);
  ApiResponse response;
  try {
    response = [&] {
      auto* storage = threadStorage(data_dir);
      if (!storage) return storageUnavailable();
      // The merges and conflicts a scrape counts are those from the server's first request on.
      // Metrics never cost a request its answer: a failure here is logged once, and /metrics says it.
      try {
        watchDatabase(*storage, data_dir);
      } catch (const std::exception& e) {
        static std::atomic<bool> said{false};
        if (!said.exchange(true)) logMessage(LogLevel::kWarning, "metrics cannot read the database: " + forLog(e.what()));
      }
      if (event.endpoint == "/metrics") return metricsAnswer(api, *storage, data_dir, options);
      // Everything but the laptops' API (/v1/…) is the console's.
      if (isConsoleTarget(api.target)) return handleConsole(api, *storage, console, wallClockMs());
      return handleEncoded(std::move(api), *storage, console.logins);
    }();
  } catch (const std::exception& e) {
    auto failure = event;
    failure.level = LogLevel::kError;
    failure.message = "request failed: " + forLog(e.what());
    logEvent(failure);
    response = plainError(500, "internal", "Máy chủ không xử lý được yêu cầu này.", "The server could not handle this request.");
  }
  response.headers.emplace_back("X-Request-Id", event.request_id);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  countRequest(event.endpoint, response.status, took.count());
  event.level = levelFor(response.status);
  event.status = response.status;
  event.duration_ms = took.count() * 1000;
  event.user = forLog(response.log_user, 64);
  event.device = forLog(response.log_device, 64);
  if (response.status >= 400) event.message = errorCode(response);
  logEvent(event);
  return response;
}

// admitBody on this thread's storage; a failure to reach it is a 503.
std::variant<std::size_t, ApiResponse> admission(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 const std::filesystem::path& data_dir) {
  try {
    // /metrics takes no body.
    if (endpointOf(head.target) == "/metrics") return std::size_t{0};
    if (auto* storage = threadStorage(data_dir))
      return isConsoleTarget(head.target) ? admitConsoleBody(head, content_length, *storage, wallClockMs())
                                          : admitBody(head, content_length, *storage);
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "request from " + forLog(head.peer) + " failed: " + forLog(e.what()));
  }
  return storageUnavailable();
}

}  // namespace fieldcheck::server
