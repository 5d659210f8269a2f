// Field values: the typed contents of a document's fields, and their JSON form for storage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace fieldcheck {

/// A moment in time: milliseconds since the Unix epoch (UTC) and the UTC offset, in minutes,
/// at which it was recorded (kept so a report shows the local time the inspector saw).
struct DateTime {
  std::int64_t epoch_ms = 0;
  std::int32_t offset_minutes = 0;
  bool operator==(const DateTime&) const = default;
};

/// A GPS position in decimal degrees (WGS 84) with the receiver's accuracy when known.
struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
  std::optional<double> accuracy_m;
  bool operator==(const GeoPoint&) const = default;
};

/// A reference to a content-addressed attachment (a photo or a signature).
struct AttachmentRef {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t size_bytes = 0;
  std::string media_type;  // image/jpeg or image/png
  bool operator==(const AttachmentRef&) const = default;
};

/// "image/jpeg" or "image/png" when `bytes` begin as such an image does, whatever a file's name
/// says; "" otherwise.
std::string_view imageMediaType(std::string_view bytes);

/// The codes of the choices selected in a multiple-choice answer, in the template's order.
using Choices = std::vector<std::string>;

enum class ValueType { kNull, kBool, kInteger, kDecimal, kText, kDateTime, kChoices, kGps, kAttachment };

/// One field value. Text is UTF-8 in NFC.
class Value {
 public:
  using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, DateTime,
                               Choices, GeoPoint, AttachmentRef>;

  Value() = default;
  Value(bool v) : storage_(v) {}                          // NOLINT(google-explicit-constructor)
  Value(std::int64_t v) : storage_(v) {}                  // NOLINT(google-explicit-constructor)
  Value(int v) : storage_(std::int64_t{v}) {}             // NOLINT(google-explicit-constructor)
  Value(double v) : storage_(v) {}                        // NOLINT(google-explicit-constructor)
  Value(std::string v) : storage_(std::move(v)) {}        // NOLINT(google-explicit-constructor)
  Value(const char* v) : storage_(std::string(v)) {}      // NOLINT(google-explicit-constructor)
  Value(DateTime v) : storage_(v) {}                      // NOLINT(google-explicit-constructor)
  Value(Choices v) : storage_(std::move(v)) {}            // NOLINT(google-explicit-constructor)
  Value(GeoPoint v) : storage_(v) {}                      // NOLINT(google-explicit-constructor)
  Value(AttachmentRef v) : storage_(std::move(v)) {}      // NOLINT(google-explicit-constructor)

  ValueType type() const { return static_cast<ValueType>(storage_.index()); }
  bool isNull() const { return type() == ValueType::kNull; }

  /// Typed access; nullptr when the value holds another type.
  template <class T>
  const T* get() const {
    return std::get_if<T>(&storage_);
  }

  /// The value as a number when it is an integer or a decimal.
  std::optional<double> asNumber() const;

  const Storage& storage() const { return storage_; }
  Storage& storage() { return storage_; }

  bool operator==(const Value&) const = default;

 private:
  Storage storage_;
};

/// A document's fields by name. Ordered, so that serialised forms are canonical.
using Fields = std::map<std::string, Value>;

/// The name of a value type as users and templates spell it ("integer", "datetime", ...).
std::string_view valueTypeName(ValueType type);

/// JSON form, chosen so the SQLite JSON functions reach the data: null, true, 42, 2.5 and
/// "text" as themselves; {"datetime": "2019-05-03T14:30:00+07:00"}, {"choices": [...]},
/// {"lat": .., "lon": .., "accuracy_m": ..} and {"sha256": .., "size": .., "type": ..} for the rest.
nlohmann::json valueToJson(const Value& value);

/// Reads the JSON form back. Throws std::invalid_argument naming what is wrong when the JSON
/// is not a value of that form (it may come from a hostile peer).
Value valueFromJson(const nlohmann::json& json);

nlohmann::json fieldsToJson(const Fields& fields);

/// Fields from their JSON text: read directly when the text is in the canonical form
/// (fieldsToJsonText's), which is how every stored and pulled revision holds them and about five
/// times faster; any other text goes through the general parser. Throws std::invalid_argument
/// (or nlohmann::json::parse_error) naming what is wrong, as fieldsFromJson does.
Fields fieldsFromJsonText(std::string_view text);

/// Appends `text` as a JSON string literal: quoted, with `"`, `\\` and control characters
/// escaped, other UTF-8 as is. The canonical text's way of writing strings.
void appendJsonString(std::string& out, std::string_view text);

/// The same JSON form as compact text, written directly (no JSON tree), keys in order: the
/// canonical text that is stored and hashed. Throws std::invalid_argument on a non-finite decimal.
/// Text must already be valid UTF-8 (answer validation guarantees it).
std::string fieldsToJsonText(const Fields& fields);
/// Throws std::invalid_argument on anything but an object of valid values.
Fields fieldsFromJson(const nlohmann::json& json);

/// ISO 8601 with the recorded offset, e.g. "2019-05-03T14:30:00+07:00".
std::string formatDateTime(const DateTime& value);

/// How much of the second formatUtc writes.
enum class UtcPrecision { kSeconds, kMilliseconds };

/// An instant, in milliseconds since 1970-01-01T00:00:00Z (earlier ones negative), as the server's
/// database and log write times, in UTC: "2019-05-03T02:00:00Z" to the second, or
/// "2026-11-30T18:30:05.123Z" to the millisecond. Rounded down to what it writes (-1 ms is
/// "1969-12-31T23:59:59Z"); years past 9999 take the digits they need. Uses no C library time
/// function: the same text on every platform, and thread-safe.
std::string formatUtc(std::int64_t epoch_ms, UtcPrecision precision = UtcPrecision::kSeconds);

/// As people in Vietnam read it, in the recorded offset's local time: "03/05/2019 14:30" (day
/// first; seconds only when there are some). ISO (formatDateTime) stays in JSON and the database.
std::string formatDateTimeForPeople(const DateTime& value);
/// "2019-05-03" (or any ISO text starting with a date) as "03/05/2019"; other text unchanged.
std::string formatDateForPeople(std::string_view iso_date);
/// Whether `text` is exactly a day that exists, as "YYYY-MM-DD" (how a date question's answer is kept).
bool isIsoDate(std::string_view text);


/// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]", optionally followed
/// by "Z" or "+HH:MM"/"-HH:MM". Without an offset, `default_offset_minutes` applies.
/// Returns nullopt for anything else, including impossible dates such as 2019-02-30.
std::optional<DateTime> parseDateTime(std::string_view text, std::int32_t default_offset_minutes);

/// Parses a UTC offset such as "+07:00"; nullopt when malformed.
std::optional<std::int32_t> parseUtcOffset(std::string_view text);

/// A short human rendering of a value (without template knowledge: codes, not labels).
std::string displayValue(const Value& value);

}  // namespace fieldcheck
