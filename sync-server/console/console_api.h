// The provincial console's JSON API below the trust check (API.md): one request from a user whose
// session was accepted, in; one answer, out. No socket; the tests call it as the server does.
#pragma once

#include <string>
#include <vector>

#include "api.h"
#include "provincial_storage.h"

namespace fieldcheck::server {

/// Answers one console API request (`/api/…`, other than the session, `me` and the password,
/// which console_trust.cpp answers) from `caller`, an active user whose session the trust check
/// accepted and whose password is not a one-time code. Reads (GET) go to console_reads.cpp;
/// people, laptops, reviews, conflicts' resolutions and bundles to console_writes.cpp. Never
/// throws for any request: a failure is a 4xx with a message in Vietnamese and English.
ApiResponse handleConsoleApi(const ApiRequest& request, const User& caller, ProvincialStorage& storage);

/// The GETs of API.md but /api/people*, /api/devices* and /api/receipts*; 404 for another path.
ApiResponse handleConsoleRead(const ApiRequest& request, const User& caller, ProvincialStorage& storage);

/// Everything else: every request that changes something, and /api/people*, /api/devices*,
/// /api/receipts*; 404 for a path and method it does not take.
ApiResponse handleConsoleWrite(const ApiRequest& request, const User& caller, ProvincialStorage& storage);

/// Whether handleConsoleRead answers a GET of the path `segments`.
bool isConsoleReadPath(const std::vector<std::string>& segments);
/// The methods ("GET", "POST") handleConsoleWrite takes at the path `segments`; none when it has
/// no such path.
std::vector<std::string> consoleWriteMethods(const std::vector<std::string>& segments);

}  // namespace fieldcheck::server
