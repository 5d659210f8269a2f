#include "support/sample_images.h"

#include <random>
#include <stdexcept>

namespace fieldcheck::test {
namespace {

// Bytes as incompressible as a photo's, that never hold 0xFF, so a JPEG scan of them needs no
// escapes.
void fill(std::string& out, std::size_t count, int salt) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(salt) * 0x9E37'79B9'7F4A'7C15ull + 1);
  for (std::size_t i = 0; i < count; ++i) out.push_back(static_cast<char>(std::min<std::uint64_t>(rng() & 0xFF, 0xFE)));
}

void bigEndian32(std::string& out, std::size_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

}  // namespace

std::string sampleJpeg(std::size_t size, int salt) {
  if (size < 64) throw std::invalid_argument("sampleJpeg: at least 64 bytes");
  std::string out("\xFF\xD8", 2);
  out += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);                  // APP0
  out += std::string("\xFF\xC0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01", 19);  // SOF0, 1x1
  out += std::string("\xFF\xDA\x00\x0C\x03\x01\x00\x02\x11\x03\x11\x00\x3F\x00", 14);                      // SOS
  fill(out, size - out.size() - 2, salt);
  out += std::string("\xFF\xD9", 2);
  return out;
}

std::string samplePng(std::size_t size, int salt) {
  if (size < 64) throw std::invalid_argument("samplePng: at least 64 bytes");
  std::string out("\x89PNG\r\n\x1a\n", 8);
  bigEndian32(out, 13);
  out += "IHDR";
  out += std::string("\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00", 13);  // 1x1, 8-bit RGB
  out += std::string(4, '\0');                                                    // CRC
  const std::size_t data = size - out.size() - 12 - 12;
  bigEndian32(out, data);
  out += "IDAT";
  fill(out, data, salt);
  out += std::string(4, '\0');
  bigEndian32(out, 0);
  out += "IEND";
  out += std::string(4, '\0');
  return out;
}

}  // namespace fieldcheck::test
