// What a photo's bytes must look like, whole, before anyone stores or serves them as a photo.
#pragma once

#include <string_view>

namespace fieldcheck {

/// Whether `bytes` hold a whole image of `media_type` ("image/jpeg" or "image/png") as far as its
/// structure goes, without decoding the pixels: a JPEG's segments, each within the file, up to a
/// frame header and the start of its scan, and an end-of-image marker after it; a PNG's chunks,
/// each within the file, from its header chunk to its end chunk. A file that only begins like an
/// image (a JPEG's first bytes and then a web page, say) is not one.
bool isWholeImage(std::string_view bytes, std::string_view media_type);

/// The file extension of an image's media type: ".jpg", ".png"; "" for any other type.
inline std::string_view imageExtension(std::string_view media_type) {
  return media_type == "image/png" ? ".png" : media_type == "image/jpeg" ? ".jpg" : "";
}

}  // namespace fieldcheck
