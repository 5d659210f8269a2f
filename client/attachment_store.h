// Content-addressed attachments (photos, signatures) beside the local database.
#pragma once

#include <filesystem>
#include <string>

#include "fieldcheck/result.h"
#include "fieldcheck/value.h"

namespace fieldcheck::client {

/// Files stored once by their SHA-256 under `dir`/ab/abcdef…; the same photo added twice is
/// stored once.
class AttachmentStore {
 public:
  explicit AttachmentStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  /// Copies `file` into the store, durably and readable by this user only, and returns its
  /// reference. Refuses a missing or unreadable file, one larger than the limit, and anything
  /// that is not a whole JPEG or PNG by its content (whatever its name says). A write that fails
  /// (a full disk) leaves nothing behind.
  Result<AttachmentRef> add(const std::filesystem::path& file) const;

  /// Stores `bytes` (named `name` in messages) the same way: checked to be a JPEG or PNG.
  Result<AttachmentRef> store(const std::string& bytes, const std::string& name) const;

  /// Where the content of `ref` is kept.
  std::filesystem::path pathOf(const AttachmentRef& ref) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace fieldcheck::client
