// Structural checks of JPEG and PNG files (ITU-T T.81 Annex B; PNG, ISO/IEC 15948, section 5).
#include "fieldcheck/image.h"

#include <cstdint>

namespace fieldcheck {
namespace {

unsigned byteAt(std::string_view bytes, std::size_t at) { return static_cast<unsigned char>(bytes[at]); }

std::uint32_t bigEndian32(std::string_view bytes, std::size_t at) {
  return (std::uint32_t{byteAt(bytes, at)} << 24) | (byteAt(bytes, at + 1) << 16) | (byteAt(bytes, at + 2) << 8) |
         byteAt(bytes, at + 3);
}

bool isJpegFrameMarker(unsigned marker) {
  // SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// The markers with a length that may come before the first scan: frames, tables, restart
// interval, comments, application data, and the rest of Annex B's table-and-misc segments.
bool isJpegHeaderMarker(unsigned marker) {
  return isJpegFrameMarker(marker) || marker == 0xC4 || marker == 0xCC || marker == 0xDB || marker == 0xDC ||
         marker == 0xDD || marker == 0xDE || marker == 0xDF || marker == 0xFE || (marker >= 0xE0 && marker <= 0xEF);
}

bool isWholeJpeg(std::string_view bytes) {
  if (bytes.size() < 4 || byteAt(bytes, 0) != 0xFF || byteAt(bytes, 1) != 0xD8) return false;
  std::size_t at = 2;
  bool frame = false;
  while (true) {
    if (at >= bytes.size() || byteAt(bytes, at) != 0xFF) return false;
    while (at < bytes.size() && byteAt(bytes, at) == 0xFF) ++at;  // fill bytes before a marker
    if (at + 2 >= bytes.size()) return false;
    const unsigned marker = byteAt(bytes, at);
    const std::size_t length = (byteAt(bytes, at + 1) << 8) | byteAt(bytes, at + 2);
    if (length < 2 || at + 1 + length > bytes.size()) return false;
    if (marker == 0xDA) {
      if (!frame) return false;
      // The scan's entropy-coded data escapes every 0xFF it holds, so the first FF D9 after it is
      // the end of the image (what follows it, as some cameras add, is left alone).
      return bytes.find("\xFF\xD9", at + 1 + length) != std::string_view::npos;
    }
    if (!isJpegHeaderMarker(marker)) return false;
    frame = frame || isJpegFrameMarker(marker);
    at += 1 + length;
  }
}

bool isWholePng(std::string_view bytes) {
  constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.substr(0, kSignature.size()) != kSignature) return false;
  std::size_t at = kSignature.size();
  bool first = true;
  while (at + 12 <= bytes.size()) {  // length, type, data, CRC
    const std::uint32_t length = bigEndian32(bytes, at);
    const auto type = bytes.substr(at + 4, 4);
    for (const char c : type)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    if (length > 0x7FFF'FFFFu || length > bytes.size() - at - 12) return false;
    if (first && (type != "IHDR" || length != 13)) return false;
    if (type == "IEND") return !first;
    first = false;
    at += 12 + length;
  }
  return false;
}

}  // namespace

bool isWholeImage(std::string_view bytes, std::string_view media_type) {
  if (media_type == "image/jpeg") return isWholeJpeg(bytes);
  if (media_type == "image/png") return isWholePng(bytes);
  return false;
}

}  // namespace fieldcheck
