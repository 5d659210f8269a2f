// Files and folders the programs create for their sensitive data, and the one crossing between
// UTF-8 text and file-system paths.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fieldcheck {

/// The path named by `utf8` (a command-line argument, a setting, a name typed by a person). On
/// Windows the text is converted to UTF-16 explicitly: libstdc++ would read a narrow string in
/// another code page, and "Hồ sơ" would name a different folder. Elsewhere the bytes are the path.
/// Never throws for bad input: an invalid UTF-8 sequence becomes U+FFFD on Windows.
std::filesystem::path pathFromUtf8(std::string_view utf8);

/// `path` as UTF-8 text, for messages, JSON and settings, and for libraries that take a UTF-8 file
/// name (SQLite). On Windows converted from UTF-16 (an unpaired surrogate becomes U+FFFD);
/// elsewhere the path's own bytes.
std::string utf8Of(const std::filesystem::path& path);

/// Makes `dir` (and its parents) and restricts it to its owner: the data names businesses,
/// owners and workers. On Windows the folder gets a protected access list granting the current
/// user alone (nothing inherited from above), which what is created inside inherits.
/// Throws std::filesystem::filesystem_error.
void makePrivateDir(const std::filesystem::path& dir);

/// Appends `bytes` to `file` (made readable by its owner only when new) and flushes them to the
/// disk before returning. Throws std::system_error naming the file on failure.
void appendDurably(const std::filesystem::path& file, std::string_view bytes);

/// The whole content of `file`. Throws std::system_error naming the file when it cannot be read.
std::string readWholeFile(const std::filesystem::path& file);

#ifdef _WIN32
/// UTF-8 as UTF-16, for the Windows wide-character APIs (invalid sequences become U+FFFD).
std::wstring wideFromUtf8(std::string_view utf8);

/// UTF-16 from a Windows API as UTF-8 (unpaired surrogates become U+FFFD).
std::string utf8FromWide(std::wstring_view wide);
#endif

}  // namespace fieldcheck
