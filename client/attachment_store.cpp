// Content-addressed attachment files.
#include "attachment_store.h"

#include <fstream>
#include <iterator>
#include <system_error>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/image.h"
#include "platform.h"
#include "tuning.h"

namespace fieldcheck::client {

namespace fs = std::filesystem;


fs::path AttachmentStore::pathOf(const AttachmentRef& ref) const {
  return dir_ / ref.sha256.substr(0, 2) / ref.sha256;
}

Result<AttachmentRef> AttachmentStore::add(const fs::path& file) const {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || !fs::is_regular_file(file, ec))
    return problem("Không đọc được tệp " + utf8Of(file) + "; kiểm tra đường dẫn và quyền đọc tệp.",
                   "Cannot read the file " + utf8Of(file) + "; check the path and that the file is readable.");
  if (size > tuning::kMaxAttachmentBytes)
    return problem("Tệp " + utf8Of(file) + " lớn quá " + std::to_string(tuning::kMaxAttachmentBytes >> 20) +
                       " MiB; hãy chụp lại với độ phân giải thấp hơn.",
                   "The file " + utf8Of(file) + " is larger than " +
                       std::to_string(tuning::kMaxAttachmentBytes >> 20) + " MiB; take it again at a lower resolution.");
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    return problem("Không đọc được tệp " + utf8Of(file) + "; kiểm tra đường dẫn và quyền đọc tệp.",
                   "Cannot read the file " + utf8Of(file) + "; check the path and that the file is readable.");
  return store(bytes, utf8Of(file));
}

Result<AttachmentRef> AttachmentStore::store(const std::string& bytes, const std::string& name) const {
  std::error_code ec;
  const std::string type(imageMediaType(bytes));
  if (type.empty())
    return problem("Tệp " + name + " không phải ảnh JPEG hay PNG.", "The file " + name + " is not a JPEG or PNG image.");
  if (!isWholeImage(bytes, type))
    return problem("Tệp " + name + " không phải ảnh trọn vẹn (hỏng hoặc bị cắt); hãy chụp hoặc chép lại ảnh.",
                   "The file " + name + " is not a whole image (damaged or cut short); take or copy the photo again.");
  AttachmentRef ref{sha256Hex(bytes), bytes.size(), type};
  const auto target = pathOf(ref);
  if (fs::exists(target, ec) && fs::file_size(target, ec) == bytes.size()) return ref;

  makePrivateDir(target.parent_path());
  // Write aside, sync, then rename: a crash never leaves a half photo under its hash, and a write
  // that fails (a full disk) leaves nothing behind to fill it further.
  auto temp = target;
  temp += ".part";
  auto failed = [&](Problem p) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return p;
  };
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out)
      return failed(problem("Không ghi được ảnh vào " + utf8Of(temp) + " (đĩa đầy?); không có gì được lưu.",
                            "Cannot write the photo to " + utf8Of(temp) + " (disk full?); nothing was kept."));
  }
  fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec || !platform::syncFile(temp))
    return failed(problem("Không lưu bền được ảnh vào đĩa.", "Cannot flush the photo to the disk."));
  fs::rename(temp, target, ec);
  if (ec)
    return failed(problem("Không lưu được ảnh (" + ec.message() + ").", "Cannot store the photo (" + ec.message() + ")."));
  return ref;
}

}  // namespace fieldcheck::client
