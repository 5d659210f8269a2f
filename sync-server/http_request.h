// Reading one HTTP request as the server does: Beast's parser with the server's limits, the
// transfer codings it takes, and the request's head as the API reads it (api.h). No socket.
#pragma once

#include "asio_config.h"

#include <string>

#include "api.h"

namespace fieldcheck::server {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Sets the server's limits (tuning.h) on a parser for one request: its head, and its body until
/// admitBody says how much this caller may send.
void limitRequest(RequestParser& parser);

/// False when the request's head names a transfer coding other than chunked (identity, gzip, a
/// misspelling): this server and a proxy in front of it could read different requests from the
/// same bytes, so such a request is refused and its connection closed. True without one.
bool transferCodingAccepted(const RequestParser& parser);

/// The head of a request as the API reads it: method, target, headers (names in lowercase; a
/// header sent twice keeps its last value), `peer`, no body.
ApiRequest requestHead(const RequestParser& parser, const std::string& peer);

}  // namespace fieldcheck::server
