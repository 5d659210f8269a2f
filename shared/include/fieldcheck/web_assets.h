// Web pages served from the program itself: the files embedded at build time
// (cmake/EmbedAssets.cmake), under content-hashed names, compressed once at start.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fieldcheck {

/// One file compiled into the program: its file name (no folder) and its bytes.
struct EmbeddedFile {
  std::string_view name;
  std::string_view bytes;
};

/// What a request for one asset is answered with.
struct WebAsset {
  std::string content_type;  // "text/css; charset=utf-8"
  std::string body;          // as it is
  std::string gzip_body;     // the same, gzip-compressed (Content-Encoding: gzip)
  std::string etag;          // "\"<16 hex digits of its SHA-256>\""
  bool immutable = false;    // a hashed name: its content never changes under it
};

/// The assets of one web interface. Every file but the page is served at
/// "/static/STEM.HASH.EXT" (HASH: 8 hex digits of its SHA-256); the page (`page_name`, an HTML
/// file) is served at "/". In HTML and CSS, every reference "/static/NAME" to another file is
/// rewritten to its hashed path before it is hashed and compressed, so a page always names the
/// content it was built with. Immutable after construction: thread-safe to read.
class WebAssets {
 public:
  /// Builds the catalog from `files` (the array fieldcheck_embed_assets generated and its count).
  /// Throws std::invalid_argument when `page_name` is not among them (a build mistake).
  WebAssets(const EmbeddedFile* files, std::size_t count, std::string_view page_name);

  /// The asset served at `path` ("/" or "/static/…", without a query); nullptr when none is.
  const WebAsset* find(std::string_view path) const;
  /// The hashed path of file `name` ("app.js" → "/static/app.1a2b3c4d.js"); empty when unknown.
  std::string hashedPath(std::string_view name) const;
  /// Every path served, the page first.
  std::vector<std::string> paths() const;

 private:
  std::map<std::string, WebAsset, std::less<>> by_path_;
  std::map<std::string, std::string, std::less<>> hashed_by_name_;
};

/// The media type of a file name by its extension (UTF-8 for text); "application/octet-stream"
/// for an unknown one.
std::string mediaTypeOfFileName(std::string_view name);

/// `data` gzip-compressed (RFC 1952) at the best ratio. Thread-safe.
std::string gzipCompress(std::string_view data);

}  // namespace fieldcheck
