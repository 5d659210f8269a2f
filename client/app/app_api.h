// The inspector's app's API: one plain function from a request to its answer, over the inspector
// service and the sync engine (no socket here: app_server.h carries it; tests call it directly).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "background_sync.h"
#include "fieldcheck/http_target.h"
#include "home.h"
#include "inspector_service.h"

namespace fieldcheck::client {

/// A request as the API reads it, already past the trust checks of app_server.h.
struct AppRequest {
  std::string method;        // "GET", "POST"
  std::string target;        // "/api/inspections/BLC-2-0007?x=1", still encoded
  std::string content_type;  // of the body
  std::string body;
};

struct AppResponse {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Content-Disposition)
};

/// The API of API.md over one home. Not thread-safe: the server calls it from one thread (the
/// background sync has its own store connection and lock).
class AppApi {
 public:
  /// Opens the home's store; a Problem when it is not set up (`fieldcheck init` or `login` first).
  static Result<std::unique_ptr<AppApi>> open(const Home& home);

  /// Answers one request under /api/. Never throws: a failure of the store becomes a 500 with a
  /// message for people, an expected refusal its 4xx.
  AppResponse handle(const AppRequest& request);

 private:
  AppApi(Home home, InspectorService service) : home_(std::move(home)), service_(std::move(service)), sync_(home_) {}
  AppResponse route(const AppRequest& request);
  // The larger groups of route's requests, one function each.
  AppResponse today();
  AppResponse inspections(const AppRequest& request, const HttpTarget& target);
  AppResponse conflicts(const AppRequest& request, const HttpTarget& target);

  Home home_;
  InspectorService service_;
  BackgroundSync sync_;
};

}  // namespace fieldcheck::client
