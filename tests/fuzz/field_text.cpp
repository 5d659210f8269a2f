// Fuzz target: a document's fields as text, the way stored and pulled revisions hold them. The
// first byte picks the reader: 0 the canonical field text (fieldsFromJsonText), 1 one value's
// JSON form (valueFromJson), 2 a date and time (parseDateTime, at the UTC offset the second byte
// picks), 3 a UTC offset (parseUtcOffset), 4 a record number (parseRecordNumber) and a date
// question's answer (isIsoDate).
// Checks: the canonical text's fast reader accepts nothing the general JSON reader refuses and
// reads what it reads; fields and values read back from the text written for them; a date and
// time reads back from its ISO form; a record number reads back from its text, which is the
// canonical form of what was read; a date answer reads back as a date and time at midnight UTC.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fieldcheck/record_number.h"
#include "fieldcheck/value.h"
#include "fuzz_check.h"

using namespace fieldcheck;
using fieldcheck::fuzz::contractBroken;

namespace {

void readFieldsText(std::string_view text) {
  Fields fields;
  try {
    fields = fieldsFromJsonText(text);
  } catch (const std::invalid_argument&) {
    return;
  } catch (const nlohmann::json::exception&) {
    return;
  }
  // The general reader, on its own, must read the same fields.
  Fields general;
  try {
    general = fieldsFromJson(nlohmann::json::parse(text));
  } catch (const std::exception& e) {
    contractBroken("the canonical text reader accepted fields the general reader refuses", e.what());
  }
  if (general != fields) contractBroken("the canonical text reader and the general reader read different fields");
  std::string written;
  try {
    written = fieldsToJsonText(fields);
  } catch (const std::exception& e) {
    contractBroken("fields read from text cannot be written back", e.what());
  }
  try {
    if (fieldsFromJsonText(written) != fields) contractBroken("fields changed on their round trip through canonical text");
  } catch (const std::exception& e) {
    contractBroken("canonical text written for fields does not read back", e.what());
  }
}

void readValueJson(std::string_view text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return;
  }
  Value value;
  try {
    value = valueFromJson(json);
  } catch (const std::invalid_argument&) {
    return;
  }
  try {
    if (valueFromJson(valueToJson(value)) != value) contractBroken("a value changed on its JSON round trip");
  } catch (const std::exception& e) {
    contractBroken("a value's JSON form does not read back", e.what());
  }
}

void readDateTime(std::string_view text, std::int32_t default_offset_minutes) {
  const auto read = parseDateTime(text, default_offset_minutes);
  if (!read) return;
  const auto written = formatDateTime(*read);
  const auto again = parseDateTime(written, 0);
  if (!again || !(*again == *read)) contractBroken("a date and time changed on its round trip through ISO text", written);
}

void readRecordNumber(std::string_view text) {
  if (const auto number = parseRecordNumber(text)) {
    const auto written = number->text();
    const auto again = parseRecordNumber(written);
    if (!again || again->text() != written || again->prefix() != number->prefix() || again->counter != number->counter)
      contractBroken("a record number changed on its round trip through its text", written);
    if (!isDistrictAbbreviation(number->district) || !isLaptopTag(number->laptop))
      contractBroken("a record number was read with parts that are not", written);
  }
  if (isIsoDate(text)) {
    const auto day = parseDateTime(text, 0);
    if (!day || formatDateTime(*day).substr(0, 10) != text) contractBroken("a date answer is not the day it names", std::string(text));
    if (formatDateForPeople(text).size() != 10) contractBroken("a date answer is not shown as dd/mm/yyyy", std::string(text));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = fuzz::afterSelector(data, size);
  switch (data[0] % 5) {
    case 0: readFieldsText(text); break;
    case 1: readValueJson(text); break;
    case 2:
      // Offsets from -12:00 to +14:00 in quarter hours, as the world has them.
      if (!text.empty()) readDateTime(text.substr(1), (static_cast<unsigned char>(text[0]) % 105 - 48) * 15);
      break;
    case 3:
      if (const auto offset = parseUtcOffset(text); offset && (*offset < -24 * 60 || *offset > 24 * 60))
        contractBroken("an offset of a day or more", std::to_string(*offset));
      break;
    case 4: readRecordNumber(text); break;
  }
  return 0;
}
