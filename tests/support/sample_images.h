// Photos for tests: files whose structure is a whole JPEG or PNG, of any size, that differ by a
// salt (their pixels are not meant to be seen).
#pragma once

#include <cstddef>
#include <string>

namespace fieldcheck::test {

/// A JPEG of exactly `size` bytes (at least 64): its header segments, a frame, a scan of
/// `salt`-dependent data as incompressible as a photo's, and the end-of-image marker.
std::string sampleJpeg(std::size_t size, int salt = 0);

/// A PNG of exactly `size` bytes (at least 64): its header chunk, one data chunk of
/// `salt`-dependent bytes and the end chunk (CRCs are not computed: nothing here checks them).
std::string samplePng(std::size_t size, int salt = 0);

}  // namespace fieldcheck::test
