// The network layer: HTTP/1.1 on Boost.Beast over Asio coroutines, in front of api.h.
#pragma once

#include <iosfwd>

#include "server_config.h"

namespace fieldcheck::server {

/// Serves until SIGINT or SIGTERM. Prints one line "… http://HOST:PORT" to `out` once
/// listening (with the real port when 0 was asked). On a signal it stops accepting, lets the
/// requests being handled finish (each is one transaction: committed or rolled back whole),
/// closes every connection and returns 0. Returns 1 with a message when it cannot start.
int serve(const ServerConfig& config, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::server
