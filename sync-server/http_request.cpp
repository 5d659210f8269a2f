// Reading one HTTP request as the server does (see http_request.h).
#include "http_request.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "tuning.h"

namespace fieldcheck::server {

namespace beast = boost::beast;
namespace http = beast::http;

void limitRequest(RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(tuning::kMaxRequestHeaderBytes));
  parser.body_limit(tuning::kMaxRequestBodyBytes);
}

bool transferCodingAccepted(const RequestParser& parser) {
  const auto coding = parser.get()[http::field::transfer_encoding];
  return coding.empty() || beast::iequals(coding, "chunked");
}

ApiRequest requestHead(const RequestParser& parser, const std::string& peer) {
  const auto& req = parser.get();
  ApiRequest api{std::string(req.method_string()), std::string(req.target()), {}, {}, peer};
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    api.headers[name] = std::string(field.value());
  }
  return api;
}

}  // namespace fieldcheck::server
