// `fieldcheck ui`: the inspector's app served on 127.0.0.1 to this laptop's browser alone, its
// assets from the program itself, its requests trusted only from the page it handed a cookie to.
#pragma once

#include <iosfwd>
#include <string>

#include "app_trust.h"
#include "home.h"

namespace fieldcheck::client {

struct AppOptions {
  Home home;
  unsigned short port = 0;  // 0: a free port
  bool open_browser = true;
};

/// Serves the app until SIGINT, SIGTERM or SIGHUP (the terminal closed). Prints first, on `out`,
/// "Fieldcheck: http://127.0.0.1:PORT/open?key=SECRET" then a line for people, and opens the
/// default browser on that address unless told not to. Returns 0 after a signal, 1 with a message
/// on `err` when it cannot start (no home, the port taken).
int serveApp(const AppOptions& options, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::client
