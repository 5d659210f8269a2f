// Record numbers people can say over the phone: "HA-2-0007", the 7th record that laptop 2 of
// Hòa An made. Given offline when an inspection or periodic report is created, never changed,
// and unique in the province without asking the server:
//   DISTRICT  the abbreviation of the record's district ("HA"; see districtAbbreviation);
//   LAPTOP    the laptop's number, given by the server at login: "2", unique among the laptops
//             enrolled in that district, or "T3" for a laptop whose user works province-wide
//             (unique in the province). A laptop that never logged in uses its marker instead:
//             "M" and six letters or digits from the random part of its device id;
//   COUNTER   the laptop's count of the records it numbered under that DISTRICT-LAPTOP, at least
//             four digits.
// The server gives a laptop number to one device only and never again, and refuses a new record
// whose number is not of the device that sends it (its numbers or its marker), or a change of a
// record's number: two laptops can never make the same number. Only two laptops that both never
// logged in and whose device ids share the 30 random bits of the marker could (one chance in a
// billion per pair); the server would then still take both records, and a number would find both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fieldcheck/document.h"

namespace fieldcheck {

struct RecordNumber {
  std::string district;  // "HA"
  std::string laptop;    // "2", "T3" or "MK7Q2XA"
  int counter = 0;       // 7

  /// "HA-2"
  std::string prefix() const { return district + "-" + laptop; }
  /// "HA-2-0007"
  std::string text() const;
};

/// Reads "HA-2-0007" (letters in either case); nullopt for anything else.
std::optional<RecordNumber> parseRecordNumber(std::string_view text);

/// Whether `tag` is a laptop part a number may carry: a district's laptop number ("2"), a
/// province-wide one ("T3") or a marker ("MK7Q2XA").
bool isLaptopTag(std::string_view tag);

/// The marker of a laptop that has not logged in yet: "M" and six characters of Crockford's
/// base 32 from the random part of its device id (32 hex digits; "" for anything else).
std::string laptopMarker(std::string_view device_id);

/// The letters that begin the numbers of a district's records: its `abbreviation` when its seed
/// gives one (1 to 4 capital letters), else the first letter of each word of its code
/// ("hoa-an" → "HA"), without accents.
std::string districtAbbreviation(std::string_view code, std::string_view abbreviation);

/// Whether `text` can be a district's abbreviation: 1 to 4 capital letters A-Z.
bool isDistrictAbbreviation(std::string_view text);

/// How people name an inspection or periodic report: its number, or the first 8 characters of
/// its id for one an older program made without a number.
std::string recordName(const Document& record);

/// How people tell laptops apart where a device id would be shown: "máy / laptop MK7Q2XA" (its
/// marker, from the random part of its id: two laptops enrolled the same minute differ), or
/// "máy chủ / server" for the server's own revisions.
std::string deviceName(std::string_view device_id);

/// How people name a photo: its record's name (its number), the question and its position
/// there, "HA-2-0007-photo_front-1"; with `media_type`, as a file: "HA-2-0007-photo_front-1.jpg".
std::string photoName(const std::string& record_name, const std::string& question_id, int position,
                      const std::string& media_type = "");


}  // namespace fieldcheck
