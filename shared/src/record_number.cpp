#include "fieldcheck/record_number.h"

#include <cctype>
#include <cstdio>

#include "fieldcheck/crypto.h"
#include "fieldcheck/image.h"

namespace fieldcheck {
namespace {

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

std::string RecordNumber::text() const {
  char counter_text[16];
  std::snprintf(counter_text, sizeof counter_text, "%04d", counter);
  return prefix() + "-" + counter_text;
}

bool isDistrictAbbreviation(std::string_view text) {
  if (text.empty() || text.size() > 4) return false;
  for (char c : text)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

bool isLaptopTag(std::string_view tag) {
  if (allDigits(tag)) return tag.size() <= 4 && tag[0] != '0';
  if (tag.size() >= 2 && tag[0] == 'T') return tag.size() <= 5 && allDigits(tag.substr(1)) && tag[1] != '0';
  if (tag.size() == 7 && tag[0] == 'M') {
    for (char c : tag.substr(1))
      if (kCrockford.find(c) == std::string_view::npos) return false;
    return true;
  }
  return false;
}

std::optional<RecordNumber> parseRecordNumber(std::string_view text) {
  if (text.size() > 24) return std::nullopt;
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto first = upper.find('-');
  const auto last = upper.rfind('-');
  if (first == std::string::npos || last == first) return std::nullopt;
  RecordNumber n;
  n.district = upper.substr(0, first);
  n.laptop = upper.substr(first + 1, last - first - 1);
  const auto counter = std::string_view(upper).substr(last + 1);
  if (!isDistrictAbbreviation(n.district) || !isLaptopTag(n.laptop) || counter.size() < 4 || counter.size() > 6 ||
      !allDigits(counter))
    return std::nullopt;
  n.counter = std::stoi(std::string(counter));
  if (n.counter == 0) return std::nullopt;
  return n;
}

std::string laptopMarker(std::string_view device_id) {
  if (!isDocumentId(device_id)) return "";
  // The first 12 hex digits of an id are the time it was made; the marker takes 30 of the
  // random bits after them.
  const auto bits = std::stoull(std::string(device_id.substr(12, 8)), nullptr, 16) >> 2;
  std::string marker = "M";
  for (int i = 5; i >= 0; --i) marker += kCrockford[(bits >> (5 * i)) & 31];
  return marker;
}

std::string districtAbbreviation(std::string_view code, std::string_view abbreviation) {
  if (isDistrictAbbreviation(abbreviation)) return std::string(abbreviation);
  std::string out;
  bool word_start = true;
  for (char c : code) {
    const bool letter = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (letter && word_start && std::isalpha(static_cast<unsigned char>(c)) && out.size() < 4)
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    word_start = !letter;
  }
  return out.empty() ? "X" : out;
}

std::string recordName(const Document& record) {
  const auto number = textField(record, "_number");
  return number.empty() ? record.id.substr(0, 8) : number;
}

std::string deviceName(std::string_view device_id) {
  if (device_id == "server") return "máy chủ / server";
  const auto marker = laptopMarker(device_id);
  return "máy / laptop " + (marker.empty() ? std::string(device_id.substr(0, 8)) : marker.substr(1));
}

std::string photoName(const std::string& record_name, const std::string& question_id, int position,
                      const std::string& media_type) {
  return record_name + "-" + question_id + "-" + std::to_string(position) + std::string(imageExtension(media_type));
}

}  // namespace fieldcheck
