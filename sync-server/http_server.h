// The network layer: HTTP/1.1 on Boost.Beast over Asio coroutines, plain or over TLS (Asio's SSL
// streams, tls_context.h), in front of api.h.
#pragma once

#include <iosfwd>

#include "server_config.h"

namespace fieldcheck::server {

/// Serves every address of `config.listen` until SIGINT or SIGTERM: HTTPS when `config.tls_cert`
/// and `tls_key` are given (TLS 1.2 and 1.3 only; the certificate and key are read again on each
/// SIGHUP, and when they do not load the old ones stay and the log says why), plain HTTP
/// otherwise, which only loopback addresses get unless `config.plain_http_anywhere`.
/// X-Forwarded-For and X-Forwarded-Proto are believed only from `config.trusted_proxies`
/// (tls_proxy.h): the address they name becomes the request's peer (login budget, audit, logs).
/// Prints one line "… http://HOST:PORT" or "… https://HOST:PORT" per address to `out` once
/// listening (with the real port when 0 was asked). On a signal it stops accepting, lets the
/// requests being handled finish (each is one transaction: committed or rolled back whole),
/// closes every connection and returns 0. When it cannot start it writes why to `err`, in both
/// languages, and returns kConfigRefusedExit for a configuration it refuses (plain HTTP on a
/// network address, a missing or bad certificate or key, a key not of the certificate) or 1
/// otherwise (the data folder, a port taken).
int serve(const ServerConfig& config, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::server
