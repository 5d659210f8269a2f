// What the network layer hands a request read whole to, and what it answers: the laptops' API or
// the console, each request logged and counted. No socket here (http_server.cpp has them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "api.h"
#include "console_trust.h"

namespace fieldcheck::server {

/// A refusal the network layer writes itself, in the API's error form.
ApiResponse plainError(unsigned status, const std::string& code, const std::string& vi, const std::string& en);

/// The answer to one request read whole, from this thread's connection to the database in
/// `data_dir`. Never throws: whatever fails becomes a 500 and a log line.
ApiResponse answer(ApiRequest api, const std::filesystem::path& data_dir, ConsoleContext& console);

/// Whether to read the body of request `head` (read up to its headers) announced as
/// `content_length` bytes: the most to read, or the answer to give at once.
std::variant<std::size_t, ApiResponse> admission(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 const std::filesystem::path& data_dir);

/// Logs a request the network layer refused before it reached `answer` (`what`: its method and
/// target, or why it could not be read).
void logRefusal(const std::string& what, const std::string& peer, const ApiResponse& answer);

}  // namespace fieldcheck::server
