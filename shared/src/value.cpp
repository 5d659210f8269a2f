// Field values: JSON form, date-time parsing and formatting.
#include "fieldcheck/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fieldcheck {
namespace {

using nlohmann::json;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil calendar algorithm).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// A time as milliseconds since 1970-01-01 (in UTC or in some offset's local time): its day and how far
// into that day, rounded down (-1 ms is 23:59:59.999 on 1969-12-31, not 00:00:00 on 1970-01-01).
struct CivilTime {
  std::int64_t year;
  unsigned month;
  unsigned day;
  std::int64_t ms_of_day;
};
CivilTime civilFromMs(std::int64_t ms) {
  std::int64_t days = ms / 86'400'000;
  std::int64_t ms_of_day = ms % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  CivilTime t{0, 0, 0, ms_of_day};
  civilFromDays(days, t.year, t.month, t.day);
  return t;
}

bool isLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` decimal digits at `pos`.
bool readDigits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

[[noreturn]] void badValue(const std::string& what) {
  throw std::invalid_argument("invalid field value: " + what);
}

}  // namespace

std::optional<double> Value::asNumber() const {
  if (const auto* i = get<std::int64_t>()) return static_cast<double>(*i);
  if (const auto* d = get<double>()) return *d;
  return std::nullopt;
}

std::string_view valueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "yes/no";
    case ValueType::kInteger: return "integer";
    case ValueType::kDecimal: return "decimal";
    case ValueType::kText: return "text";
    case ValueType::kDateTime: return "datetime";
    case ValueType::kChoices: return "choices";
    case ValueType::kGps: return "gps";
    case ValueType::kAttachment: return "attachment";
  }
  return "unknown";
}

json valueToJson(const Value& value) {
  struct Visitor {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(bool v) const { return v; }
    json operator()(std::int64_t v) const { return v; }
    json operator()(double v) const { return v; }
    json operator()(const std::string& v) const { return v; }
    json operator()(const DateTime& v) const { return json{{"datetime", formatDateTime(v)}}; }
    json operator()(const Choices& v) const { return json{{"choices", v}}; }
    json operator()(const GeoPoint& v) const {
      json j{{"lat", v.latitude}, {"lon", v.longitude}};
      if (v.accuracy_m) j["accuracy_m"] = *v.accuracy_m;
      return j;
    }
    json operator()(const AttachmentRef& v) const {
      return json{{"sha256", v.sha256}, {"size", v.size_bytes}, {"type", v.media_type}};
    }
  };
  return std::visit(Visitor{}, value.storage());
}

Value valueFromJson(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return Value{};
    case json::value_t::boolean: return Value{j.get<bool>()};
    case json::value_t::number_integer: return Value{j.get<std::int64_t>()};
    case json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) badValue("integer out of range");
      return Value{static_cast<std::int64_t>(u)};
    }
    case json::value_t::number_float: {
      const double d = j.get<double>();
      if (!std::isfinite(d)) badValue("decimal is not finite");
      return Value{d};
    }
    case json::value_t::string: return Value{j.get<std::string>()};
    case json::value_t::object: break;
    default: badValue("unsupported JSON type");
  }
  if (j.size() == 1 && j.contains("datetime")) {
    const auto& s = j["datetime"];
    if (!s.is_string()) badValue("datetime must be a string");
    auto dt = parseDateTime(s.get<std::string>(), 0);
    if (!dt) badValue("datetime is not ISO 8601: " + s.get<std::string>());
    return Value{*dt};
  }
  if (j.size() == 1 && j.contains("choices")) {
    const auto& list = j["choices"];
    if (!list.is_array()) badValue("choices must be an array");
    Choices choices;
    for (const auto& c : list) {
      if (!c.is_string()) badValue("a choice must be a string code");
      choices.push_back(c.get<std::string>());
    }
    return Value{std::move(choices)};
  }
  if (j.contains("lat") && j.contains("lon") && j.size() <= 3) {
    if (!j["lat"].is_number() || !j["lon"].is_number()) badValue("lat and lon must be numbers");
    GeoPoint p{j["lat"].get<double>(), j["lon"].get<double>(), std::nullopt};
    if (j.contains("accuracy_m")) {
      if (!j["accuracy_m"].is_number()) badValue("accuracy_m must be a number");
      p.accuracy_m = j["accuracy_m"].get<double>();
    } else if (j.size() == 3) {
      badValue("unknown key in a GPS point");
    }
    return Value{p};
  }
  if (j.size() == 3 && j.contains("sha256") && j.contains("size") && j.contains("type")) {
    if (!j["sha256"].is_string() || !j["size"].is_number_unsigned() || !j["type"].is_string())
      badValue("attachment needs sha256 (text), size (unsigned) and type (text)");
    return Value{AttachmentRef{j["sha256"].get<std::string>(), j["size"].get<std::uint64_t>(),
                               j["type"].get<std::string>()}};
  }
  badValue("unrecognised object " + j.dump().substr(0, 80));
}

json fieldsToJson(const Fields& fields) {
  json j = json::object();
  for (const auto& [name, value] : fields) j[name] = valueToJson(value);
  return j;
}

Fields fieldsFromJson(const json& j) {
  if (!j.is_object()) badValue("fields must be a JSON object");
  Fields fields;
  for (const auto& [name, value] : j.items()) fields.emplace(name, valueFromJson(value));
  return fields;
}

namespace {

// A reader of exactly what fieldsToJsonText writes. Each method returns false at the first byte
// it does not expect; the caller then hands the text to the general parser, so this reader
// never accepts what that parser would refuse.
class CanonicalReader {
 public:
  explicit CanonicalReader(std::string_view text) : text_(text) {}

  bool fields(Fields& out) {
    if (!take('{')) return false;
    if (take('}')) return at_end();
    std::string name, previous;
    do {
      if (!string(name) || (!out.empty() && name <= previous) || !take(':')) return false;
      Value v;
      if (!value(v)) return false;
      previous = name;
      out.emplace_hint(out.end(), name, std::move(v));
    } while (take(','));
    return take('}') && at_end();
  }

 private:
  bool at_end() const { return pos_ == text_.size(); }
  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  static bool validUtf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        ++i;
        continue;
      }
      std::size_t n = 0;
      std::uint32_t cp = 0;
      if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
      else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
      else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
      else return false;
      if (i + n >= s.size()) return false;
      for (std::size_t k = 1; k <= n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (d & 0x3F);
      }
      static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
      if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += n + 1;
    }
    return true;
  }

  bool string(std::string& out) {
    out.clear();
    if (!take('"')) return false;
    std::size_t run = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        out.append(text_.data() + run, pos_ - run);
        ++pos_;
        return validUtf8(out);
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        ++pos_;
        continue;
      }
      out.append(text_.data() + run, pos_ - run);
      if (++pos_ >= text_.size()) return false;
      switch (text_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          // Only the control characters the writer escapes this way: \u0000 to \u001f.
          if (text_.substr(pos_, 2) != "00" || pos_ + 4 > text_.size()) return false;
          int v = 0;
          for (int k = 2; k < 4; ++k) {
            const char h = text_[pos_ + static_cast<std::size_t>(k)];
            v = v * 16 + (h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : 99);
          }
          if (v >= 0x20) return false;
          out += static_cast<char>(v);
          pos_ += 4;
          break;
        }
        default: return false;
      }
      run = pos_;
    }
    return false;
  }

  // A JSON number as the writer writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(Value& out) {
    const auto start = pos_;
    take('-');
    auto digits = [&] {
      const auto from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    const auto first = pos_;
    const auto whole = digits();
    if (whole == 0 || (whole > 1 && text_[first] == '0')) return false;
    bool decimal = false;
    if (take('.')) {
      if (digits() == 0) return false;
      decimal = true;
    }
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (digits() == 0) return false;
      decimal = true;
    }
    const char* b = text_.data() + start;
    const char* e = text_.data() + pos_;
    if (!decimal) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(b, e, v);
      if (ec != std::errc() || end != e) return false;
      out = Value{v};
      return true;
    }
    double d = 0;
    auto [end, ec] = std::from_chars(b, e, d);
    if (ec != std::errc() || end != e || !std::isfinite(d)) return false;
    out = Value{d};
    return true;
  }

  bool decimalOf(double& out) {
    Value v;
    if (!number(v)) return false;
    const auto n = v.asNumber();
    if (!n) return false;
    out = *n;
    return true;
  }

  bool value(Value& out) {
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case 'n': out = Value{}; return word("null");
      case 't': out = Value{true}; return word("true");
      case 'f': out = Value{false}; return word("false");
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = Value{std::move(s)};
        return true;
      }
      case '{': return object(out);
      default: return number(out);
    }
  }

  // The objects the writer writes, each with its keys in its order.
  bool object(Value& out) {
    std::string s;
    if (word("{\"datetime\":")) {
      if (!string(s) || !take('}')) return false;
      auto dt = parseDateTime(s, 0);
      if (!dt) return false;
      out = Value{*dt};
      return true;
    }
    if (word("{\"choices\":[")) {
      Choices choices;
      if (!take(']')) {
        do {
          if (!string(s)) return false;
          choices.push_back(s);
        } while (take(','));
        if (!take(']')) return false;
      }
      if (!take('}')) return false;
      out = Value{std::move(choices)};
      return true;
    }
    GeoPoint p;
    if (word("{\"accuracy_m\":")) {
      double a = 0;
      if (!decimalOf(a) || !word(",\"lat\":")) return false;
      p.accuracy_m = a;
    } else if (!word("{\"lat\":")) {
      return attachment(out);
    }
    if (!decimalOf(p.latitude) || !word(",\"lon\":") || !decimalOf(p.longitude) || !take('}')) return false;
    out = Value{p};
    return true;
  }

  bool attachment(Value& out) {
    AttachmentRef ref;
    Value size;
    if (!word("{\"sha256\":") || !string(ref.sha256) || !word(",\"size\":") || !number(size) || !word(",\"type\":") ||
        !string(ref.media_type) || !take('}'))
      return false;
    const auto* n = size.get<std::int64_t>();
    if (!n || *n < 0) return false;
    ref.size_bytes = static_cast<std::uint64_t>(*n);
    out = Value{std::move(ref)};
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Fields fieldsFromJsonText(std::string_view text) {
  Fields fields;
  if (CanonicalReader(text).fields(fields)) return fields;
  return fieldsFromJson(json::parse(text));
}

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  // Runs of characters that need no escape are copied whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

namespace {

void appendInteger(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void appendDecimal(std::string& out, double v) {
  if (!std::isfinite(v)) badValue("decimal is not finite");
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  // "20" would read back as an integer: keep a decimal a decimal.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void appendValueJson(std::string& out, const Value& value) {
  struct Visitor {
    std::string& out;
    void operator()(std::monostate) const { out += "null"; }
    void operator()(bool v) const { out += v ? "true" : "false"; }
    void operator()(std::int64_t v) const { appendInteger(out, v); }
    void operator()(double v) const { appendDecimal(out, v); }
    void operator()(const std::string& v) const { appendJsonString(out, v); }
    void operator()(const DateTime& v) const {
      out += "{\"datetime\":";
      appendJsonString(out, formatDateTime(v));
      out += '}';
    }
    void operator()(const Choices& v) const {
      out += "{\"choices\":[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        appendJsonString(out, v[i]);
      }
      out += "]}";
    }
    void operator()(const GeoPoint& v) const {
      if (v.accuracy_m) {
        out += "{\"accuracy_m\":";
        appendDecimal(out, *v.accuracy_m);
        out += ",\"lat\":";
      } else {
        out += "{\"lat\":";
      }
      appendDecimal(out, v.latitude);
      out += ",\"lon\":";
      appendDecimal(out, v.longitude);
      out += '}';
    }
    void operator()(const AttachmentRef& v) const {
      out += "{\"sha256\":";
      appendJsonString(out, v.sha256);
      out += ",\"size\":";
      appendInteger(out, static_cast<std::int64_t>(v.size_bytes));
      out += ",\"type\":";
      appendJsonString(out, v.media_type);
      out += '}';
    }
  };
  std::visit(Visitor{out}, value.storage());
}

}  // namespace

std::string fieldsToJsonText(const Fields& fields) {
  std::string out;
  out.reserve(64 * fields.size() + 2);
  out += '{';
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, name);
    out += ':';
    appendValueJson(out, value);
  }
  out += '}';
  return out;
}

std::string formatDateTime(const DateTime& value) {
  const auto [y, m, d, ms_of_day] = civilFromMs(value.epoch_ms + std::int64_t{value.offset_minutes} * 60'000);
  const auto secs = ms_of_day / 1000;
  const int off = value.offset_minutes < 0 ? -value.offset_minutes : value.offset_minutes;
  char buf[64];
  if (y < 0 || y > 9999 || off >= 100 * 60) {  // outside what the text form reads back
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%c%02d:%02d", static_cast<long long>(y), m, d,
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), value.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
  }
  // "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM", digit by digit: this runs for every date of
  // every document serialised.
  char* p = buf;
  auto digits = [&p](std::int64_t number, int width) {
    for (int i = width - 1; i >= 0; --i, number /= 10) p[i] = static_cast<char>('0' + number % 10);
    p += width;
  };
  auto put = [&p](char c) { *p++ = c; };
  digits(y, 4);
  put('-');
  digits(m, 2);
  put('-');
  digits(d, 2);
  put('T');
  digits(secs / 3600, 2);
  put(':');
  digits(secs / 60 % 60, 2);
  put(':');
  digits(secs % 60, 2);
  if (value.offset_minutes == 0) {
    put('Z');
  } else {
    put(value.offset_minutes < 0 ? '-' : '+');
    digits(off / 60, 2);
    put(':');
    digits(off % 60, 2);
  }
  return std::string(buf, p);
}

std::string formatUtc(std::int64_t epoch_ms, UtcPrecision precision) {
  const auto [y, m, d, ms_of_day] = civilFromMs(epoch_ms);
  const auto secs = ms_of_day / 1000;
  char text[64];
  int n = std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  if (precision == UtcPrecision::kMilliseconds)
    n += std::snprintf(text + n, sizeof text - n, ".%03lld", static_cast<long long>(ms_of_day % 1000));
  text[n++] = 'Z';
  return std::string(text, static_cast<std::size_t>(n));
}

std::optional<std::int32_t> parseUtcOffset(std::string_view text) {
  if (text == "Z" || text == "z") return 0;
  int hh = 0, mm = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
      !readDigits(text, 1, 2, hh) || !readDigits(text, 4, 2, mm) || hh > 14 || mm > 59)
    return std::nullopt;
  const int minutes = hh * 60 + mm;
  return text[0] == '-' ? -minutes : minutes;
}

std::optional<DateTime> parseDateTime(std::string_view text, std::int32_t default_offset_minutes) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      !readDigits(text, 5, 2, month) || !readDigits(text, 8, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > daysInMonth(year, static_cast<unsigned>(month)))
    return std::nullopt;
  std::size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (!readDigits(text, pos + 1, 2, hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !readDigits(text, pos + 4, 2, minute))
      return std::nullopt;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!readDigits(text, pos + 1, 2, second)) return std::nullopt;
      pos += 3;
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  }
  std::int32_t offset = default_offset_minutes;
  if (pos < text.size()) {
    auto parsed = parseUtcOffset(text.substr(pos));
    if (!parsed) return std::nullopt;
    offset = *parsed;
  }
  const std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month),
                                          static_cast<unsigned>(day));
  const std::int64_t local_ms =
      days * 86'400'000 + (std::int64_t{hour} * 3600 + minute * 60 + second) * 1000;
  return DateTime{local_ms - std::int64_t{offset} * 60'000, offset};
}

std::string formatDateForPeople(std::string_view iso_date) {
  const auto digit = [&](std::size_t i) { return i < iso_date.size() && iso_date[i] >= '0' && iso_date[i] <= '9'; };
  if (iso_date.size() < 10 || iso_date[4] != '-' || iso_date[7] != '-' || !digit(0) || !digit(1) || !digit(2) ||
      !digit(3) || !digit(5) || !digit(6) || !digit(8) || !digit(9))
    return std::string(iso_date);
  return std::string(iso_date.substr(8, 2)) + "/" + std::string(iso_date.substr(5, 2)) + "/" +
         std::string(iso_date.substr(0, 4));
}

bool isIsoDate(std::string_view text) {
  if (text.size() != 10) return false;
  const auto day = parseDateTime(text, 0);
  return day && formatDateTime(*day).compare(0, 10, text) == 0;
}

std::string formatDateTimeForPeople(const DateTime& value) {
  const auto iso = formatDateTime(value);  // YYYY-MM-DDTHH:MM:SS then the offset
  if (iso.size() < 19 || iso[10] != 'T') return iso;
  return formatDateForPeople(iso) + " " + iso.substr(11, iso.compare(17, 2, "00") == 0 ? 5 : 8);
}

std::string displayValue(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "—"; }
    std::string operator()(bool v) const { return v ? "có / yes" : "không / no"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.10g", v);
      return buf;
    }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const DateTime& v) const { return formatDateTimeForPeople(v); }

    std::string operator()(const Choices& v) const {
      std::string out;
      for (const auto& c : v) out += (out.empty() ? "" : ", ") + c;
      return out;
    }
    std::string operator()(const GeoPoint& v) const {
      char buf[80];
      std::snprintf(buf, sizeof buf, "%.6f, %.6f", v.latitude, v.longitude);
      std::string out = buf;
      if (v.accuracy_m) out += " (±" + std::to_string(static_cast<long>(*v.accuracy_m)) + " m)";
      return out;
    }
    std::string operator()(const AttachmentRef& v) const {
      return v.media_type + " " + std::to_string(v.size_bytes) + " B, " + v.sha256.substr(0, 12);
    }
  };
  return std::visit(Visitor{}, value.storage());
}

std::string_view imageMediaType(std::string_view bytes) {
  constexpr std::string_view kPng("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xD8 &&
      static_cast<unsigned char>(bytes[2]) == 0xFF)
    return "image/jpeg";
  if (bytes.substr(0, kPng.size()) == kPng) return "image/png";
  return "";
}

}  // namespace fieldcheck
