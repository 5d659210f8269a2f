// What a request read whole is handed to (request_dispatch.h): this thread's connection to the
// database, the laptops' API or the console, and the log of refusals and failures.
#include "request_dispatch.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "fieldcheck/hybrid_clock.h"
#include "server_log.h"

namespace fieldcheck::server {
namespace {

// Each serving thread has its own connection to the provincial database.
ProvincialStorage* threadStorage(const std::filesystem::path& data_dir) {
  thread_local std::unique_ptr<ProvincialStorage> storage;
  if (!storage) {
    auto opened = openSqliteStorage(data_dir, false);
    if (!opened) return nullptr;
    storage = std::move(opened.value());
  }
  return storage.get();
}

ApiResponse storageUnavailable() {
  return plainError(503, "storage", "Máy chủ không mở được cơ sở dữ liệu tỉnh.", "The server cannot open the provincial database.");
}

// The error code of a refusal the server wrote itself ("" for another body).
std::string errorCode(const ApiResponse& answer) {
  const auto parsed = nlohmann::json::parse(answer.body, nullptr, false);
  return parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() ? parsed["error"].value("code", "") : "";
}

}  // namespace

ApiResponse plainError(unsigned status, const std::string& code, const std::string& vi, const std::string& en) {
  return {status, "application/json; charset=utf-8",
          R"({"error":{"code":")" + code + R"(","vi":")" + vi + R"(","en":")" + en + R"("}})", ""};
}

// One line of the log for a request the server refused: what it asked (or why it could not be
// read), from where, and the answer.
void logRefusal(const std::string& what, const std::string& peer, const ApiResponse& answer) {
  logMessage(LogLevel::kWarning, "refused " + what + " from " + forLog(peer) + ": " + std::to_string(answer.status) + " " +
                                      errorCode(answer));
}

// The answer to one request read whole, logged when it is a refusal. Never throws: whatever
// fails becomes a 500 and a log line.
ApiResponse answer(ApiRequest api, const std::filesystem::path& data_dir, ConsoleContext& console) {
  const auto peer = api.peer;
  const auto what = forLog(api.method, 16) + " " + forLog(api.target);
  try {
    auto response = [&] {
      auto* storage = threadStorage(data_dir);
      if (!storage) return storageUnavailable();
      // Everything but the laptops' API (/v1/…) is the console's.
      if (isConsoleTarget(api.target)) return handleConsole(api, *storage, console, wallClockMs());
      return handleEncoded(std::move(api), *storage, console.logins);
    }();
    if (response.status >= 400) logRefusal(what, peer, response);
    return response;
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "request from " + forLog(peer) + " failed: " + forLog(e.what()));
    return plainError(500, "internal", "Máy chủ không xử lý được yêu cầu này.", "The server could not handle this request.");
  }
}

// admitBody on this thread's storage; a failure to reach it is a 503.
std::variant<std::size_t, ApiResponse> admission(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 const std::filesystem::path& data_dir) {
  try {
    if (auto* storage = threadStorage(data_dir))
      return isConsoleTarget(head.target) ? admitConsoleBody(head, content_length, *storage, wallClockMs())
                                          : admitBody(head, content_length, *storage);
  } catch (const std::exception& e) {
    logMessage(LogLevel::kError, "request from " + forLog(head.peer) + " failed: " + forLog(e.what()));
  }
  return storageUnavailable();
}

}  // namespace fieldcheck::server
