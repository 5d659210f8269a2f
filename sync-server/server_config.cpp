// The server's configuration file and its addresses (server_config.h).
#include "server_config.h"

#include <arpa/inet.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <system_error>

#include <toml++/toml.h>

namespace fieldcheck::server {

std::string ListenAddress::text() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parseListenAddress(const std::string& text) {
  auto bad = problem("Địa chỉ phục vụ “" + text + "” phải có dạng HOST:CỔNG, ví dụ 127.0.0.1:8470 hoặc [::1]:8470.",
                     "The address to serve on “" + text + "” must look like HOST:PORT, for example 127.0.0.1:8470 or [::1]:8470.");
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() || text.size() - colon - 1 > 5) return bad;
  const auto port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos) return bad;
  const auto port = std::stoul(port_text);
  if (port > 65535) return bad;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  in6_addr v6{};
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) != 1 && inet_pton(AF_INET6, host.c_str(), &v6) != 1) return bad;
  return ListenAddress{host, static_cast<unsigned short>(port)};
}

bool isLoopbackHost(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // An IPv4 loopback address mapped into IPv6 (::ffff:127.x.y.z), as a dual-stack socket reports it.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

bool isIpAddress(const std::string& text) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// The reading of one file: each refusal names the file and the line of the node it is about.
class ConfigReader {
 public:
  explicit ConfigReader(std::string file, const std::filesystem::path& folder) : file_(std::move(file)), folder_(folder) {}

  Problem refuse(const toml::source_region& where, const std::string& vi, const std::string& en) const {
    const auto line = std::to_string(where.begin.line);
    return problem(file_ + " dòng " + line + ": " + vi, file_ + " line " + line + ": " + en);
  }

  // "[server] threads", as messages name a key.
  static std::string name(const std::string& table, const std::string& key) { return "[" + table + "] " + key; }

  std::optional<Problem> integer(const toml::node& node, const std::string& key, std::int64_t low, std::int64_t high,
                                 const std::string& unit_vi, const std::string& unit_en, std::int64_t& out) const {
    const auto* value = node.as_integer();
    if (!value || value->get() < low || value->get() > high)
      return refuse(node.source(),
                    key + " phải là một số nguyên từ " + std::to_string(low) + " đến " + std::to_string(high) + unit_vi + ".",
                    key + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) + unit_en + ".");
    out = value->get();
    return std::nullopt;
  }

  std::optional<Problem> text(const toml::node& node, const std::string& key, std::string& out) const {
    const auto* value = node.as_string();
    if (!value || value->get().empty() || value->get().size() > 4096)
      return refuse(node.source(), key + " phải là một chuỗi không rỗng trong dấu ngoặc kép, ví dụ \"...\".",
                    key + " must be a non-empty string in double quotes, for example \"...\".");
    out = value->get();
    return std::nullopt;
  }

  // A path; a relative one is relative to the file's folder.
  std::optional<Problem> path(const toml::node& node, const std::string& key, std::filesystem::path& out) const {
    std::string value;
    if (auto bad = text(node, key, value)) return bad;
    std::filesystem::path p(value);
    out = (p.is_absolute() ? p : folder_ / p).lexically_normal();
    return std::nullopt;
  }

  std::optional<Problem> choice(const toml::node& node, const std::string& key, std::initializer_list<const char*> choices,
                                std::string& out) const {
    std::string allowed;
    for (const auto* c : choices) allowed += std::string(allowed.empty() ? "" : " | ") + "\"" + c + "\"";
    const auto* value = node.as_string();
    if (value)
      for (const auto* c : choices)
        if (value->get() == c) {
          out = c;
          return std::nullopt;
        }
    return refuse(node.source(), key + " phải là một trong: " + allowed + ".", key + " must be one of: " + allowed + ".");
  }

  // An array of strings, each checked by `check` (nullopt: accepted, else why not), at most `most`.
  std::optional<Problem> strings(const toml::node& node, const std::string& key, std::size_t most, const std::string& example,
                                 const std::function<std::optional<Bilingual>(const std::string&)>& check,
                                 std::vector<std::string>& out) const {
    const auto* array = node.as_array();
    const auto most_text = std::to_string(most);
    if (!array || array->size() > most)
      return refuse(node.source(), key + " phải là một danh sách (tối đa " + most_text + ") trong ngoặc vuông, ví dụ " + example + ".",
                    key + " must be a list (at most " + most_text + ") in square brackets, for example " + example + ".");
    out.clear();
    for (const auto& item : *array) {
      const auto* value = item.as_string();
      if (!value)
        return refuse(item.source(), "mỗi mục của " + key + " phải là một chuỗi trong dấu ngoặc kép, ví dụ " + example + ".",
                      "each item of " + key + " must be a string in double quotes, for example " + example + ".");
      if (auto why = check(value->get())) return refuse(item.source(), why->vi, why->en);
      out.push_back(value->get());
    }
    return std::nullopt;
  }

 private:
  std::string file_;
  std::filesystem::path folder_;
};

// What one key of one table does with its value: reads it into the configuration, or says why not.
using KeyReader = std::function<std::optional<Problem>(const ConfigReader&, const toml::node&, ServerConfig&)>;
using Schema = std::map<std::string, std::map<std::string, KeyReader>>;

KeyReader integerKey(std::string table, std::string key, std::int64_t low, std::int64_t high, std::string unit_vi,
                     std::string unit_en, std::function<void(ServerConfig&, std::int64_t)> set) {
  return [=](const ConfigReader& r, const toml::node& node, ServerConfig& c) -> std::optional<Problem> {
    std::int64_t value = 0;
    if (auto bad = r.integer(node, ConfigReader::name(table, key), low, high, unit_vi, unit_en, value)) return bad;
    set(c, value);
    return std::nullopt;
  };
}

const Schema& schema() {
  static const Schema kSchema = [] {
    Schema s;
    s["server"]["data"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) {
      return r.path(node, "[server] data", c.data_dir);
    };
    s["server"]["listen"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) -> std::optional<Problem> {
      std::vector<std::string> texts;
      const auto check = [](const std::string& text) -> std::optional<Bilingual> {
        auto address = parseListenAddress(text);
        if (!address) return address.problem().message;
        return std::nullopt;
      };
      if (auto bad = r.strings(node, "[server] listen", 16, "[\"127.0.0.1:8470\"]", check, texts)) return bad;
      if (texts.empty())
        return r.refuse(node.source(), "[server] listen cần ít nhất một địa chỉ, ví dụ [\"127.0.0.1:8470\"].",
                        "[server] listen needs at least one address, for example [\"127.0.0.1:8470\"].");
      c.listen.clear();
      for (const auto& text : texts) c.listen.push_back(parseListenAddress(text).value());
      return std::nullopt;
    };
    s["server"]["threads"] = integerKey("server", "threads", 1, 64, "", "", [](ServerConfig& c, std::int64_t v) {
      c.threads = static_cast<unsigned>(v);
    });
    s["server"]["console_threads"] = integerKey("server", "console_threads", 1, 64, "", "", [](ServerConfig& c, std::int64_t v) {
      c.console_threads = static_cast<unsigned>(v);
    });

    s["tls"]["cert"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) { return r.path(node, "[tls] cert", c.tls_cert); };
    s["tls"]["key"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) { return r.path(node, "[tls] key", c.tls_key); };
    s["tls"]["plain_http"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) -> std::optional<Problem> {
      std::string value;
      if (auto bad = r.choice(node, "[tls] plain_http", {"loopback", "anywhere"}, value)) return bad;
      c.plain_http_anywhere = value == "anywhere";
      return std::nullopt;
    };
    s["tls"]["trusted_proxies"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) {
      const auto check = [](const std::string& text) -> std::optional<Bilingual> {
        if (isIpAddress(text)) return std::nullopt;
        return Bilingual{"“" + text + "” trong [tls] trusted_proxies không phải là một địa chỉ IP (ví dụ \"10.0.0.5\" hoặc \"::1\").",
                         "“" + text + "” in [tls] trusted_proxies is not an IP address (for example \"10.0.0.5\" or \"::1\")."};
      };
      return r.strings(node, "[tls] trusted_proxies", 64, "[\"10.0.0.5\"]", check, c.trusted_proxies);
    };

    s["limits"]["max_connections"] = integerKey("limits", "max_connections", 1, 100'000, "", "", [](ServerConfig& c, std::int64_t v) {
      c.max_connections = static_cast<std::size_t>(v);
    });
    s["limits"]["max_connections_per_address"] =
        integerKey("limits", "max_connections_per_address", 1, 100'000, "", "",
                   [](ServerConfig& c, std::int64_t v) { c.max_connections_per_address = static_cast<std::size_t>(v); });
    // At least what one request may need at once: the largest body (a console's bundle).
    constexpr auto kLeastBodyMiB = static_cast<std::int64_t>(
        (std::max(tuning::kMaxRequestBodyBytes, tuning::kMaxConsoleBundleBytes) + kMiB - 1) / kMiB);
    s["limits"]["max_body_mib_in_flight"] =
        integerKey("limits", "max_body_mib_in_flight", kLeastBodyMiB, 64 * 1024, " MiB (ít nhất bằng gói lớn nhất bảng điều khiển nhận)",
                   " MiB (at least the largest bundle the console takes)",
                   [](ServerConfig& c, std::int64_t v) { c.max_body_bytes_in_flight = static_cast<std::size_t>(v) * kMiB; });
    s["limits"]["request_timeout_seconds"] =
        integerKey("limits", "request_timeout_seconds", 1, 3600, " giây", " seconds",
                   [](ServerConfig& c, std::int64_t v) { c.request_timeout = std::chrono::seconds(v); });
    s["limits"]["max_requests_per_connection"] =
        integerKey("limits", "max_requests_per_connection", 1, 1'000'000, "", "",
                   [](ServerConfig& c, std::int64_t v) { c.max_requests_per_connection = static_cast<unsigned>(v); });

    s["login"]["max_failed_per_address"] =
        integerKey("login", "max_failed_per_address", 1, 100'000, "", "",
                   [](ServerConfig& c, std::int64_t v) { c.max_failed_logins_per_address = static_cast<int>(v); });
    s["login"]["address_window_minutes"] =
        integerKey("login", "address_window_minutes", 1, 24 * 60, " phút", " minutes",
                   [](ServerConfig& c, std::int64_t v) { c.login_address_window = std::chrono::minutes(v); });

    s["tokens"]["device_token_unused_days"] =
        integerKey("tokens", "device_token_unused_days", 0, 3650, " ngày (0: không bao giờ hết hạn)", " days (0: never expires)",
                   [](ServerConfig& c, std::int64_t v) { c.device_token_unused = std::chrono::hours(24 * v); });

    s["log"]["format"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) -> std::optional<Problem> {
      std::string value;
      if (auto bad = r.choice(node, "[log] format", {"text", "json"}, value)) return bad;
      c.log_format = value == "json" ? LogFormat::kJson : LogFormat::kText;
      return std::nullopt;
    };

    s["metrics"]["token"] = [](const ConfigReader& r, const toml::node& node, ServerConfig& c) -> std::optional<Problem> {
      // The token is a secret: no message repeats it.
      const auto* value = node.as_string();
      const auto printable = [](const std::string& t) {
        for (const unsigned char ch : t)
          if (ch <= 0x20 || ch >= 0x7f) return false;
        return true;
      };
      if (!value || value->get().size() < kMinMetricsTokenChars || value->get().size() > 256 || !printable(value->get()))
        return r.refuse(node.source(),
                        "[metrics] token phải là một chuỗi từ " + std::to_string(kMinMetricsTokenChars) + " đến 256 ký tự ASCII, không có "
                        "dấu cách (ví dụ tạo bằng: openssl rand -hex 32).",
                        "[metrics] token must be a string of " + std::to_string(kMinMetricsTokenChars) + " to 256 ASCII characters "
                        "without spaces (make one with: openssl rand -hex 32).");
      c.metrics_token = value->get();
      return std::nullopt;
    };
    return s;
  }();
  return kSchema;
}

// "server, tls, …" or "data, listen, …": what a table or the file accepts, for a refusal.
template <class Map>
std::string namesOf(const Map& map) {
  std::string names;
  for (const auto& [name, unused] : map) names += (names.empty() ? "" : ", ") + name;
  return names;
}

}  // namespace

Result<ServerConfig> loadServerConfig(const std::filesystem::path& file) {
  const auto shown = file.string();
  // A configuration is a few kilobytes: anything much larger is not one.
  constexpr std::uintmax_t kMaxFileBytes = 1024 * 1024;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || !std::filesystem::is_regular_file(file, ec))
    return problem("Không đọc được tệp cấu hình " + shown + " (" + (ec ? ec.message() : "không phải tệp") + ").",
                   "Cannot read the configuration file " + shown + " (" + (ec ? ec.message() : "not a file") + ").");
  if (size > kMaxFileBytes)
    return problem("Tệp cấu hình " + shown + " quá lớn (tối đa 1 MiB).", "The configuration file " + shown + " is too large (1 MiB at most).");
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof())
    return problem("Không đọc được tệp cấu hình " + shown + ".", "Cannot read the configuration file " + shown + ".");

  const ConfigReader reader(shown, std::filesystem::absolute(file, ec).parent_path());
  toml::table root;
  try {
    root = toml::parse(text, shown);
  } catch (const toml::parse_error& e) {
    return reader.refuse(e.source(), "không đúng cú pháp TOML (" + std::string(e.description()) + ").",
                         "not valid TOML (" + std::string(e.description()) + ").");
  }

  ServerConfig config;
  const auto& tables = schema();
  for (const auto& [table_key, table_node] : root) {
    const auto table_name = std::string(table_key.str());
    const auto known = tables.find(table_name);
    if (known == tables.end())
      return reader.refuse(table_key.source(), "không có bảng hay khóa “" + table_name + "”; các bảng được nhận: " + namesOf(tables) + ".",
                           "there is no table or key “" + table_name + "”; the tables accepted: " + namesOf(tables) + ".");
    const auto* table = table_node.as_table();
    if (!table)
      return reader.refuse(table_node.source(), "“" + table_name + "” phải là một bảng, viết [" + table_name + "] trên một dòng riêng.",
                           "“" + table_name + "” must be a table, written [" + table_name + "] on a line of its own.");
    for (const auto& [key, node] : *table) {
      const auto key_name = std::string(key.str());
      const auto read = known->second.find(key_name);
      if (read == known->second.end())
        return reader.refuse(key.source(),
                             "bảng [" + table_name + "] không có khóa “" + key_name + "”; các khóa được nhận: " + namesOf(known->second) + ".",
                             "the table [" + table_name + "] has no key “" + key_name + "”; the keys accepted: " + namesOf(known->second) + ".");
      if (auto bad = read->second(reader, node, config)) return *bad;
    }
  }

  // Keys that only make sense together.
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    const auto* tls = root["tls"].as_table();
    const auto& present = config.tls_cert.empty() ? *tls->get("key") : *tls->get("cert");
    return reader.refuse(present.source(), "[tls] cần cả cert và key (hai tệp PEM), hoặc không có cái nào.",
                         "[tls] needs both cert and key (two PEM files), or neither.");
  }
  if (config.max_connections_per_address > config.max_connections) {
    const auto& node = *root["limits"].as_table()->get(root["limits"]["max_connections_per_address"] ? "max_connections_per_address"
                                                                                                    : "max_connections");
    return reader.refuse(node.source(), "[limits] max_connections_per_address (" + std::to_string(config.max_connections_per_address) +
                                            ") không được lớn hơn max_connections (" + std::to_string(config.max_connections) + ").",
                         "[limits] max_connections_per_address (" + std::to_string(config.max_connections_per_address) +
                             ") may not be more than max_connections (" + std::to_string(config.max_connections) + ").");
  }
  return config;
}

}  // namespace fieldcheck::server
