// The target of an HTTP request as a web interface reads it: its path's segments and its query.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fieldcheck {

struct HttpTarget {
  std::string path;                           // "/api/inspections/BLC-2-0007" (still encoded)
  std::vector<std::string> segments;          // {"api", "inspections", "BLC-2-0007"} (decoded)
  std::map<std::string, std::string> query;   // decoded; the last of a repeated key wins

  /// The query value of `key`, or nullopt when absent or empty.
  std::optional<std::string> param(std::string_view key) const;
};

/// `text` with %XX sequences decoded (and '+' as a space when `plus_is_space`); nullopt when a %
/// is not followed by two hex digits or the result holds a NUL byte.
std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space);

/// Splits a request target ("/a/b%20c?x=1&y=") into its path, decoded segments and query; nullopt
/// when it does not start with '/' or holds a malformed escape.
std::optional<HttpTarget> parseHttpTarget(std::string_view target);

/// The value of cookie `name` in a Cookie header ("a=1; b=2"); "" when absent.
std::string cookieValue(std::string_view header, std::string_view name);

}  // namespace fieldcheck
