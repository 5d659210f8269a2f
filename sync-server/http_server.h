// The network layer: HTTP/1.1 on Boost.Beast over Asio coroutines, in front of api.h.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

namespace fieldcheck::server {

struct ServeOptions {
  std::filesystem::path data_dir;
  std::string host = "127.0.0.1";
  unsigned short port = 8470;  // 0 picks a free port
};

/// Serves until SIGINT or SIGTERM. Prints one line "… http://HOST:PORT" to `out` once
/// listening (with the real port when 0 was asked). On a signal it stops accepting, lets the
/// requests being handled finish (each is one transaction: committed or rolled back whole),
/// closes every connection and returns 0. Returns 1 with a message when it cannot start.
int serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::server
