// The catalog of embedded web assets: hashed names, references rewritten, bodies compressed.
#include "fieldcheck/web_assets.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <zlib.h>

#include "fieldcheck/crypto.h"

namespace fieldcheck {
namespace {

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Files whose text may name other files, rewritten before they are hashed.
bool namesOthers(std::string_view name) { return endsWith(name, ".html") || endsWith(name, ".css"); }

// "app.js" with hash "1a2b3c4d" → "/static/app.1a2b3c4d.js".
std::string hashedName(std::string_view name, std::string_view hash) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "/static/" + std::string(name) + "." + std::string(hash);
  return "/static/" + std::string(name.substr(0, dot)) + "." + std::string(hash) + std::string(name.substr(dot));
}

}  // namespace

std::string mediaTypeOfFileName(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},   {".md", "text/plain; charset=utf-8"},
  };
  for (const auto& [extension, type] : kTypes)
    if (endsWith(name, extension)) return std::string(type);
  return "application/octet-stream";
}

std::string gzipCompress(std::string_view data) {
  z_stream stream{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

WebAssets::WebAssets(const EmbeddedFile* files, std::size_t count, std::string_view page_name) {
  std::vector<EmbeddedFile> ordered(files, files + count);
  // Files that name no other go first, then CSS, then HTML: each is hashed after the files it
  // names have their final names.
  auto rank = [](std::string_view name) { return endsWith(name, ".html") ? 2 : endsWith(name, ".css") ? 1 : 0; };
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const EmbeddedFile& a, const EmbeddedFile& b) { return rank(a.name) < rank(b.name); });
  bool page_found = false;
  for (const auto& file : ordered) {
    std::string body(file.bytes);
    if (namesOthers(file.name)) {
      // Longest names first, so "/static/app.js" is not taken for a prefix of "/static/app.json".
      std::vector<std::pair<std::string, std::string>> known(hashed_by_name_.begin(), hashed_by_name_.end());
      std::sort(known.begin(), known.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
      for (const auto& [name, hashed] : known) {
        const std::string plain = "/static/" + name;
        for (auto at = body.find(plain); at != std::string::npos; at = body.find(plain, at + hashed.size())) {
          const auto after = at + plain.size();
          // Only the whole name: "/static/app.js" but not "/static/app.jsx".
          if (after < body.size() && (std::isalnum(static_cast<unsigned char>(body[after])) || body[after] == '.' ||
                                      body[after] == '_' || body[after] == '-')) {
            at += 1;
            continue;
          }
          body.replace(at, plain.size(), hashed);
        }
      }
    }
    const auto digest = sha256Hex(body);
    WebAsset asset;
    asset.content_type = mediaTypeOfFileName(file.name);
    asset.gzip_body = gzipCompress(body);
    asset.body = std::move(body);
    asset.etag = "\"" + digest.substr(0, 16) + "\"";
    if (file.name == page_name) {
      page_found = true;
      by_path_["/"] = std::move(asset);
      continue;
    }
    asset.immutable = true;
    auto path = hashedName(file.name, digest.substr(0, 8));
    hashed_by_name_[std::string(file.name)] = path;
    by_path_[path] = std::move(asset);
  }
  if (!page_found) throw std::invalid_argument("web assets: no page named " + std::string(page_name));
}

const WebAsset* WebAssets::find(std::string_view path) const {
  auto found = by_path_.find(path);
  return found == by_path_.end() ? nullptr : &found->second;
}

std::string WebAssets::hashedPath(std::string_view name) const {
  auto found = hashed_by_name_.find(name);
  return found == hashed_by_name_.end() ? std::string() : found->second;
}

std::vector<std::string> WebAssets::paths() const {
  std::vector<std::string> out{"/"};
  for (const auto& [path, asset] : by_path_)
    if (path != "/") out.push_back(path);
  return out;
}

}  // namespace fieldcheck
