// Backups: the archive (backup.h describes its format), its writer and its reader.
#include "backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sodium.h>
#include <sqlite3.h>

#include <array>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/value.h"
#include "provincial_storage.h"

namespace fieldcheck::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kFileMagic[8] = {'F', 'C', 'B', 'A', 'C', 'K', 'U', 'P'};
constexpr char kContentMagic[8] = {'F', 'C', 'B', 'K', 'D', 'A', 'T', 'A'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint32_t kContentVersion = 1;
constexpr std::size_t kSealedKeyBytes = crypto_secretstream_xchacha20poly1305_KEYBYTES + crypto_box_SEALBYTES;
constexpr std::size_t kStreamHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
// The file's header: magic, version, sealed flag, and when sealed the sealed key and stream header.
constexpr std::size_t kPlainHeaderBytes = sizeof(kFileMagic) + 4 + 1;
constexpr std::size_t kMaxNameBytes = 200;

// Thrown inside the reader and the writer, turned into a Problem at their edge.
struct Refused {
  Problem why;
};

[[noreturn]] void refuse(const std::string& vi, const std::string& en) { throw Refused{problem(vi, en)}; }

[[noreturn]] void damaged(const std::string& en_detail) {
  Problem p = problem("Tệp sao lưu bị hỏng hoặc bị cắt cụt; không khôi phục gì từ nó. Hãy dùng một bản sao lưu khác.",
                      "The backup file is damaged or truncated; nothing was restored from it. Use another backup.");
  p.details.push_back({"Chi tiết (tiếng Anh): " + en_detail, en_detail});
  throw Refused{std::move(p)};
}

void putU16(std::string& out, std::uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); }
void putU32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void putU64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

// A hex key file's key: 64 hex digits, whitespace around them ignored.
std::optional<std::array<unsigned char, 32>> readHexKey(const fs::path& file) {
  std::string text;
  std::error_code ec;
  if (fs::file_size(file, ec) > 1024 || ec) return std::nullopt;
  try {
    text = readWholeFile(file);
  } catch (const std::system_error&) {
    return std::nullopt;
  }
  const auto first = text.find_first_not_of(" \t\r\n"), last = text.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  text = text.substr(first, last - first + 1);
  std::array<unsigned char, 32> key{};
  std::size_t length = 0;
  if (text.size() != 64 || sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr) != 0 ||
      length != key.size())
    return std::nullopt;
  return key;
}

std::string hexOf(const unsigned char* bytes, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

// ---- writing ----

// The archive's frames, written to a file: content goes in, is cut into chunks, compressed,
// sealed when a key is given, and framed.
class ArchiveWriter {
 public:
  ArchiveWriter(const fs::path& file, const std::optional<std::array<unsigned char, 32>>& public_key) : out_(file, std::ios::binary | std::ios::trunc) {
    if (!out_) refuse("Không tạo được tệp " + file.string() + ".", "Cannot create the file " + file.string() + ".");
    std::string header(kFileMagic, sizeof(kFileMagic));
    putU32(header, kFormatVersion);
    header.push_back(public_key ? 1 : 0);
    if (public_key) {
      std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> key{};
      crypto_secretstream_xchacha20poly1305_keygen(key.data());
      std::array<unsigned char, kSealedKeyBytes> sealed_key{};
      crypto_box_seal(sealed_key.data(), key.data(), key.size(), public_key->data());
      std::array<unsigned char, kStreamHeaderBytes> stream_header{};
      crypto_secretstream_xchacha20poly1305_init_push(&state_, stream_header.data(), key.data());
      sodium_memzero(key.data(), key.size());
      header.append(reinterpret_cast<const char*>(sealed_key.data()), sealed_key.size());
      header.append(reinterpret_cast<const char*>(stream_header.data()), stream_header.size());
      sealed_ = true;
    }
    associated_ = header;
    writeRaw(header);
    crypto_hash_sha256_init(&digest_);
  }

  // Content bytes, hashed into the final digest.
  void write(std::string_view bytes) {
    crypto_hash_sha256_update(&digest_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    append(bytes);
  }

  // Content bytes outside the digest (the digest itself).
  void append(std::string_view bytes) {
    while (!bytes.empty()) {
      if (chunk_.size() == kBackupChunkBytes) flush(false);
      const auto n = std::min(bytes.size(), kBackupChunkBytes - chunk_.size());
      chunk_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
  }

  // The content's end: the digest of everything before it, the last frame, the end mark.
  void finish(std::uint64_t entries) {
    std::string end(1, '\0');
    putU64(end, entries);
    write(end);
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&digest_, digest.data());
    append(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    flush(true);
    std::string mark;
    putU32(mark, 0);
    writeRaw(mark);
    out_.flush();
    if (!out_) refuse("Không ghi được tệp sao lưu (ổ đĩa đầy?).", "Cannot write the backup file (disk full?).");
    out_.close();
  }

  std::uint64_t bytesWritten() const { return written_; }

 private:
  void flush(bool last) {
    auto frame = compress(chunk_);
    chunk_.clear();
    if (sealed_) {
      std::string cipher(frame.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
      crypto_secretstream_xchacha20poly1305_push(
          &state_, reinterpret_cast<unsigned char*>(cipher.data()), nullptr, reinterpret_cast<const unsigned char*>(frame.data()),
          frame.size(), reinterpret_cast<const unsigned char*>(associated_.data()), associated_.size(),
          last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
      frame = std::move(cipher);
    }
    std::string length;
    putU32(length, static_cast<std::uint32_t>(frame.size()));
    writeRaw(length);
    writeRaw(frame);
  }

  void writeRaw(std::string_view bytes) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out_) refuse("Không ghi được tệp sao lưu (ổ đĩa đầy?).", "Cannot write the backup file (disk full?).");
    written_ += bytes.size();
  }

  std::ofstream out_;
  bool sealed_ = false;
  std::string associated_;
  crypto_secretstream_xchacha20poly1305_state state_{};
  crypto_hash_sha256_state digest_{};
  std::string chunk_;
  std::uint64_t written_ = 0;
};

// One entry: its header, its bytes from `file` (or `bytes`), its SHA-256.
void writeEntry(ArchiveWriter& archive, const std::string& name, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) refuse("Không đọc được " + file.string() + ".", "Cannot read " + file.string() + ".");
  const auto size = fs::file_size(file);
  std::string head(1, '\1');
  putU16(head, static_cast<std::uint16_t>(name.size()));
  head += name;
  putU64(head, size);
  archive.write(head);
  crypto_hash_sha256_state hash;
  crypto_hash_sha256_init(&hash);
  std::string buffer(256 * 1024, '\0');
  std::uint64_t copied = 0;
  while (copied < size) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - copied));
    in.read(buffer.data(), static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(in.gcount()) != n)
      refuse("Tệp " + file.string() + " thay đổi trong khi sao lưu.", "The file " + file.string() + " changed during the backup.");
    crypto_hash_sha256_update(&hash, reinterpret_cast<const unsigned char*>(buffer.data()), n);
    archive.write(std::string_view(buffer.data(), n));
    copied += n;
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&hash, digest.data());
  archive.write(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// Copies the live database at `source` to `target` with SQLite's online backup API, in steps.
void copyDatabase(const fs::path& source, const fs::path& target) {
  sqlite3* from = nullptr;
  sqlite3* to = nullptr;
  auto close = [&] {
    sqlite3_close_v2(from);
    sqlite3_close_v2(to);
  };
  if (sqlite3_open_v2(source.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(target.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    close();
    refuse("Không mở được cơ sở dữ liệu tỉnh " + source.string() + ".", "Cannot open the provincial database " + source.string() + ".");
  }
  sqlite3_busy_timeout(from, 10'000);
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (!backup) {
    const std::string why = sqlite3_errmsg(to);
    close();
    refuse("Không bắt đầu sao chép được cơ sở dữ liệu (" + why + ").", "Cannot start copying the database (" + why + ").");
  }
  int rc = SQLITE_OK;
  int restarts = 0;
  int last_remaining = -1;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    // A copy that started over too often goes on in one step (see kBackupMaxRestarts).
    rc = sqlite3_backup_step(backup, restarts > kBackupMaxRestarts ? -1 : kBackupPagesPerStep);
    const int remaining = sqlite3_backup_remaining(backup);
    if (last_remaining >= 0 && remaining > last_remaining) ++restarts;
    last_remaining = remaining;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sqlite3_backup_finish(backup);
  const std::string why = sqlite3_errmsg(to);
  close();
  if (rc != SQLITE_DONE)
    refuse("Sao chép cơ sở dữ liệu thất bại (" + why + ").", "Copying the database failed (" + why + ").");
}

// ---- reading ----

// The archive's content, read back frame by frame from a file: opened, decompressed, hashed.
class ArchiveReader {
 public:
  ArchiveReader(const fs::path& file, const std::optional<std::array<unsigned char, 32>>& secret_key) : in_(file, std::ios::binary) {
    if (!in_) refuse("Không đọc được tệp " + file.string() + ".", "Cannot read the file " + file.string() + ".");
    auto header = readRaw(kPlainHeaderBytes, "the file's header");
    if (std::memcmp(header.data(), kFileMagic, sizeof(kFileMagic)) != 0)
      refuse("Tệp " + file.string() + " không phải bản sao lưu Fieldcheck.", "The file " + file.string() + " is not a Fieldcheck backup.");
    std::uint32_t version = 0;
    std::memcpy(&version, header.data() + sizeof(kFileMagic), 4);
    if (version != kFormatVersion)
      refuse("Bản sao lưu dạng " + std::to_string(version) + " là của một Fieldcheck mới hơn; hãy khôi phục bằng bản đó.",
             "The backup is of format " + std::to_string(version) + ", from a newer Fieldcheck; restore it with that version.");
    const auto sealed_flag = static_cast<unsigned char>(header.back());
    if (sealed_flag > 1) damaged("the header's sealed flag is neither 0 nor 1");
    sealed_ = sealed_flag == 1;
    if (sealed_ && !secret_key)
      refuse("Bản sao lưu này được niêm phong; hãy chỉ khóa bí mật với --key TỆP.",
             "This backup is sealed; name its secret key with --key FILE.");
    if (!sealed_ && secret_key)
      refuse("Bản sao lưu này không được niêm phong; hãy chạy lại không có --key (và kiểm tra đây đúng là tệp cần khôi phục).",
             "This backup is not sealed; run again without --key (and check it is the file you meant to restore).");
    if (sealed_) {
      const auto sealed_key = readRaw(kSealedKeyBytes, "the sealed key");
      const auto stream_header = readRaw(kStreamHeaderBytes, "the stream header");
      header += sealed_key;
      header += stream_header;
      std::array<unsigned char, crypto_box_PUBLICKEYBYTES> public_key{};
      crypto_scalarmult_base(public_key.data(), secret_key->data());
      std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> key{};
      if (crypto_box_seal_open(key.data(), reinterpret_cast<const unsigned char*>(sealed_key.data()), sealed_key.size(),
                               public_key.data(), secret_key->data()) != 0)
        refuse("Khóa này không mở được bản sao lưu: nó được niêm phong cho một khóa khác (hoặc phần đầu tệp bị hỏng).",
               "This key does not open the backup: it was sealed to another key (or the file's beginning is damaged).");
      if (crypto_secretstream_xchacha20poly1305_init_pull(&state_, reinterpret_cast<const unsigned char*>(stream_header.data()),
                                                          key.data()) != 0)
        damaged("the stream header is malformed");
      sodium_memzero(key.data(), key.size());
    }
    associated_ = header;
    crypto_hash_sha256_init(&digest_);
  }

  // Exactly `n` content bytes (hashed into the running digest), or a refusal.
  std::string read(std::size_t n, const char* what) {
    std::string out;
    out.reserve(std::min(n, kBackupChunkBytes));
    while (out.size() < n) {
      if (position_ == chunk_.size()) nextFrame(what);
      const auto take = std::min(n - out.size(), chunk_.size() - position_);
      out.append(chunk_, position_, take);
      position_ += take;
    }
    crypto_hash_sha256_update(&digest_, reinterpret_cast<const unsigned char*>(out.data()), out.size());
    return out;
  }

  std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(read(1, what)[0]); }
  std::uint16_t u16(const char* what) { return number<std::uint16_t>(what); }
  std::uint32_t u32(const char* what) { return number<std::uint32_t>(what); }
  std::uint64_t u64(const char* what) { return number<std::uint64_t>(what); }

  // The digest of every content byte read so far.
  std::array<unsigned char, crypto_hash_sha256_BYTES> digestSoFar() {
    auto copy = digest_;
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&copy, digest.data());
    return digest;
  }

  // After the content: nothing left in the last frame, the end mark, then the end of the file.
  void expectEnd() {
    if (position_ != chunk_.size()) damaged("stray bytes after the final digest");
    if (sealed_ && !final_seen_) damaged("the last frame is not marked final");
    const auto mark = readRaw(4, "the end mark");
    std::uint32_t length = 1;
    std::memcpy(&length, mark.data(), 4);
    if (length != 0) damaged("frames after the final digest");
    if (in_.peek() != std::char_traits<char>::eof()) damaged("stray bytes after the end mark");
  }

 private:
  template <class T>
  T number(const char* what) {
    const auto bytes = read(sizeof(T), what);
    T value{};
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }

  std::string readRaw(std::size_t n, const char* what) {
    std::string bytes(n, '\0');
    in_.read(bytes.data(), static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(in_.gcount()) != n) damaged(std::string("the file ends inside ") + what);
    return bytes;
  }

  void nextFrame(const char* what) {
    if (final_seen_) damaged(std::string("the content ends inside ") + what);
    const auto length_bytes = readRaw(4, "a frame's length");
    std::uint32_t length = 0;
    std::memcpy(&length, length_bytes.data(), 4);
    const std::size_t most = kMaxCompressedChunkBytes + (sealed_ ? crypto_secretstream_xchacha20poly1305_ABYTES : 0);
    if (length == 0) damaged(std::string("the content ends inside ") + what);
    if (length > most) damaged("a frame longer than any the writer makes");
    auto frame = readRaw(length, "a frame");
    if (sealed_) {
      if (length < crypto_secretstream_xchacha20poly1305_ABYTES) damaged("a sealed frame shorter than its tag");
      std::string plain(length - crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
      unsigned char tag = 0;
      if (crypto_secretstream_xchacha20poly1305_pull(&state_, reinterpret_cast<unsigned char*>(plain.data()), nullptr, &tag,
                                                     reinterpret_cast<const unsigned char*>(frame.data()), frame.size(),
                                                     reinterpret_cast<const unsigned char*>(associated_.data()),
                                                     associated_.size()) != 0)
        damaged("a sealed frame does not authenticate");
      final_seen_ = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
      frame = std::move(plain);
    }
    auto chunk = decompress(frame, kBackupChunkBytes);
    if (!chunk) damaged("a frame does not decompress: " + chunk.problem().message.en);
    chunk_ = std::move(chunk.value());
    position_ = 0;
  }

  // What compress() can make of a chunk at most (ZSTD_compressBound of kBackupChunkBytes, with room).
  static constexpr std::size_t kMaxCompressedChunkBytes = kBackupChunkBytes + kBackupChunkBytes / 128 + 1024;

  std::ifstream in_;
  bool sealed_ = false;
  bool final_seen_ = false;
  std::string associated_;
  crypto_secretstream_xchacha20poly1305_state state_{};
  crypto_hash_sha256_state digest_{};
  std::string chunk_;
  std::size_t position_ = 0;
};

// The largest size an entry of that name may have, or nullopt for a name no archive holds.
std::optional<std::uint64_t> entryLimit(const std::string& name) {
  static const std::regex attachment("attachments/([0-9a-f]{2})/([0-9a-f]{64})");
  static const std::regex key("keys/[a-z]{1,32}\\.secret");
  std::smatch m;
  if (name == "backup.json") return 64 * 1024;
  if (name == "provincial.db") return kMaxBackupDatabaseBytes;
  if (std::regex_match(name, m, attachment) && m[2].str().compare(0, 2, m[1].str()) == 0) return 1ull << 32;
  if (std::regex_match(name, key)) return 4096;
  return std::nullopt;
}

// A folder beside `data_dir` to restore into, new and private.
fs::path stagingFolderFor(const fs::path& data_dir) {
  auto dir = data_dir;
  dir += ".restoring-" + randomSecret(6);
  makePrivateDir(dir);
  return dir;
}

void syncPath(const fs::path& path) {
  // Durability of a renamed file's directory entry: fsync of the folder.
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    fsync(fileno(f));
    std::fclose(f);
  }
}

}  // namespace

Result<BackupSummary> writeBackup(const fs::path& data_dir, const fs::path& archive, const std::optional<fs::path>& seal_to) {
  ensureSodium();
  const auto database = data_dir / "provincial.db";
  std::error_code ec;
  if (!fs::exists(database, ec))
    return problem("Không có cơ sở dữ liệu tỉnh trong " + data_dir.string() + "; hãy kiểm tra --data.",
                   "There is no provincial database in " + data_dir.string() + "; check --data.");
  std::optional<std::array<unsigned char, 32>> public_key;
  if (seal_to) {
    public_key = readHexKey(*seal_to);
    if (!public_key)
      return problem("Tệp " + seal_to->string() + " không chứa khóa công khai (64 chữ số hex); hãy tạo bằng `backup keygen`.",
                     "The file " + seal_to->string() + " holds no public key (64 hex digits); make one with `backup keygen`.");
  }
  auto partial = archive;
  partial += ".partial";
  const auto scratch = data_dir / "tmp";
  const auto copy = scratch / ("backup-" + randomSecret(6) + ".db");
  auto cleanUp = [&] {
    fs::remove(partial, ec);
    for (const auto* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(fs::path(copy.string() + suffix), ec);
  };
  try {
    makePrivateDir(scratch);
    copyDatabase(database, copy);
    BackupSummary summary;
    summary.sealed = seal_to.has_value();
    std::vector<std::string> attachments;
    {
      SQLite::Database db(copy.string(), SQLite::OPEN_READWRITE);
      // The copy is a file of its own: no WAL beside it to carry along.
      db.exec("PRAGMA journal_mode = DELETE");
      summary.highest_seq = db.execAndGet("SELECT coalesce(max(seq), 0) FROM changes").getInt64();
      SQLite::Statement id(db, "SELECT value FROM settings WHERE key = 'server_id'");
      if (id.executeStep()) summary.server_id = id.getColumn(0).getString();
      SQLite::Statement held(db, "SELECT DISTINCT sha256 FROM uploads WHERE complete = 1 ORDER BY sha256");
      while (held.executeStep()) attachments.push_back(held.getColumn(0).getString());
    }
    summary.database_bytes = fs::file_size(copy);
    ArchiveWriter writer(partial, public_key);
    std::uint64_t entries = 0;
    {
      std::string head(kContentMagic, sizeof(kContentMagic));
      putU32(head, kContentVersion);
      writer.write(head);
    }
    const json about{{"format", kFormatVersion}, {"created_at", formatUtc(wallClockMs())}, {"server_id", summary.server_id},
                     {"highest_seq", summary.highest_seq}, {"attachments", attachments.size()}};
    const auto about_file = scratch / ("backup-" + randomSecret(6) + ".json");
    appendDurably(about_file, about.dump(2));
    writeEntry(writer, "backup.json", about_file);
    fs::remove(about_file, ec);
    ++entries;
    writeEntry(writer, "provincial.db", copy);
    ++entries;
    for (const char* key : {"sealing", "signing"}) {
      const auto file = data_dir / "keys" / (std::string(key) + ".secret");
      if (!fs::exists(file, ec)) continue;
      writeEntry(writer, "keys/" + std::string(key) + ".secret", file);
      ++entries;
    }
    for (const auto& sha : attachments) {
      const auto name = "attachments/" + sha.substr(0, 2) + "/" + sha;
      const auto file = data_dir / name;
      if (!isSha256Hex(sha) || !fs::exists(file, ec)) {
        ++summary.attachments_missing;
        continue;
      }
      writeEntry(writer, name, file);
      ++entries;
      ++summary.attachments;
    }
    writer.finish(entries);
    summary.archive_bytes = writer.bytesWritten();
    // Durable before it takes its name: a crash leaves the old archive or the whole new one.
    {
      FILE* f = std::fopen(partial.c_str(), "r+");
      if (!f || fsync(fileno(f)) != 0) {
        if (f) std::fclose(f);
        refuse("Không ghi được tệp sao lưu xuống đĩa.", "Cannot flush the backup file to the disk.");
      }
      std::fclose(f);
    }
    fs::rename(partial, archive);
    syncPath(archive.parent_path().empty() ? fs::path(".") : archive.parent_path());
    cleanUp();
    return summary;
  } catch (const Refused& r) {
    cleanUp();
    return r.why;
  } catch (const std::exception& e) {
    cleanUp();
    Problem p = problem("Sao lưu thất bại; không tệp nào được ghi.", "The backup failed; no file was written.");
    p.details.push_back({e.what(), e.what()});
    return p;
  }
}

Result<RestoreSummary> restoreBackup(const fs::path& archive, const fs::path& data_dir, const std::optional<fs::path>& key) {
  ensureSodium();
  std::error_code ec;
  if (fs::exists(data_dir / "provincial.db", ec))
    return problem("Thư mục " + data_dir.string() +
                       " đã có cơ sở dữ liệu tỉnh; khôi phục không bao giờ ghi đè. Hãy khôi phục vào một thư mục mới, hoặc "
                       "dừng máy chủ và đổi tên thư mục đó trước.",
                   "The folder " + data_dir.string() +
                       " already holds a provincial database; a restore never overwrites one. Restore into a new folder, or "
                       "stop the server and rename that folder first.");
  if (fs::exists(data_dir, ec) && (!fs::is_directory(data_dir, ec) || !fs::is_empty(data_dir, ec)))
    return problem("Thư mục " + data_dir.string() + " không trống; hãy khôi phục vào một thư mục mới hoặc trống.",
                   "The folder " + data_dir.string() + " is not empty; restore into a new or empty folder.");
  std::optional<std::array<unsigned char, 32>> secret_key;
  if (key) {
    secret_key = readHexKey(*key);
    if (!secret_key)
      return problem("Tệp " + key->string() + " không chứa khóa bí mật (64 chữ số hex).",
                     "The file " + key->string() + " holds no secret key (64 hex digits).");
  }
  fs::path staging;
  try {
    ArchiveReader reader(archive, secret_key);
    staging = stagingFolderFor(data_dir);
    const auto magic = reader.read(sizeof(kContentMagic), "the content's magic");
    if (std::memcmp(magic.data(), kContentMagic, sizeof(kContentMagic)) != 0) damaged("the content does not begin as a backup's");
    if (const auto version = reader.u32("the content's version"); version != kContentVersion)
      damaged("a content version this Fieldcheck does not know (" + std::to_string(version) + ")");
    RestoreSummary summary;
    std::uint64_t entries = 0;
    bool has_database = false;
    std::string about_text;
    for (;;) {
      const auto kind = reader.u8("an entry's kind");
      if (kind == 0) break;
      if (kind != 1) damaged("an entry of unknown kind");
      if (++entries > kMaxBackupEntries) damaged("more entries than any archive holds");
      const auto name_length = reader.u16("an entry's name length");
      if (name_length == 0 || name_length > kMaxNameBytes) damaged("an entry's name of " + std::to_string(name_length) + " bytes");
      const auto name = reader.read(name_length, "an entry's name");
      const auto limit = entryLimit(name);
      if (!limit) damaged("an entry of an unexpected name");
      const auto size = reader.u64("an entry's size");
      if (size > *limit) damaged("an entry larger than its kind may be (" + name + ")");
      const auto target = staging / name;
      makePrivateDir(target.parent_path());
      if (fs::exists(target, ec)) damaged("an entry that appears twice (" + name + ")");
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, ec);
      crypto_hash_sha256_state hash;
      crypto_hash_sha256_init(&hash);
      for (std::uint64_t copied = 0; copied < size;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kBackupChunkBytes, size - copied));
        const auto bytes = reader.read(n, "an entry's bytes");
        crypto_hash_sha256_update(&hash, reinterpret_cast<const unsigned char*>(bytes.data()), n);
        out.write(bytes.data(), static_cast<std::streamsize>(n));
        if (name == "backup.json") about_text += bytes;
        copied += n;
      }
      out.flush();
      if (!out) refuse("Không ghi được " + target.string() + " (ổ đĩa đầy?).", "Cannot write " + target.string() + " (disk full?).");
      out.close();
      std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
      crypto_hash_sha256_final(&hash, digest.data());
      const auto stated = reader.read(digest.size(), "an entry's SHA-256");
      if (std::memcmp(stated.data(), digest.data(), digest.size()) != 0) damaged("the SHA-256 of " + name + " does not match");
      if (name.rfind("attachments/", 0) == 0) {
        if (hexOf(digest.data(), digest.size()) != name.substr(name.size() - 64)) damaged("an attachment that is not its name's");
        ++summary.attachments;
      }
      has_database = has_database || name == "provincial.db";
    }
    if (reader.u64("the entry count") != entries) damaged("the entry count does not match");
    const auto computed = reader.digestSoFar();
    const auto stated = reader.read(computed.size(), "the final digest");
    if (std::memcmp(stated.data(), computed.data(), computed.size()) != 0) damaged("the final digest does not match");
    reader.expectEnd();
    if (!has_database) damaged("no database in the archive");
    try {
      summary.backed_up_server_id = json::parse(about_text).value("server_id", std::string());
    } catch (const json::exception&) {
      damaged("backup.json is not JSON");
    }
    {
      SQLite::Database db((staging / "provincial.db").string(), SQLite::OPEN_READONLY);
      const auto check = db.execAndGet("PRAGMA integrity_check").getString();
      if (check != "ok") damaged("the database fails SQLite's integrity check: " + check);
    }
    // The restored server is another history from the backup on: a new identity, and the last
    // sequence both histories share, for laptops to go back to.
    {
      auto storage = openSqliteStorage(staging, false);
      if (!storage) throw Refused{storage.problem()};
      const auto identity = storage.value()->restartHistory();
      summary.server_id = identity.id;
      summary.restored_seq = identity.restored_seq;
    }
    for (const auto* leftover : {"provincial.db-wal", "provincial.db-shm"}) fs::remove(staging / leftover, ec);
    syncPath(staging);
    fs::rename(staging, data_dir);
    syncPath(data_dir.parent_path().empty() ? fs::path(".") : data_dir.parent_path());
    return summary;
  } catch (const Refused& r) {
    if (!staging.empty()) fs::remove_all(staging, ec);
    return r.why;
  } catch (const std::exception& e) {
    if (!staging.empty()) fs::remove_all(staging, ec);
    Problem p = problem("Khôi phục thất bại; không có gì được ghi vào " + data_dir.string() + ".",
                        "The restore failed; nothing was written to " + data_dir.string() + ".");
    p.details.push_back({e.what(), e.what()});
    return p;
  }
}

Result<bool> makeBackupKeys(const fs::path& public_file, const fs::path& secret_file) {
  ensureSodium();
  std::error_code ec;
  for (const auto& file : {public_file, secret_file})
    if (fs::exists(file, ec))
      return problem("Tệp " + file.string() + " đã có; không ghi đè khóa. Hãy chọn tên khác.",
                     "The file " + file.string() + " exists; a key is never overwritten. Choose another name.");
  const auto keys = newSealingKeys();
  try {
    appendDurably(secret_file, keys.secret_hex + "\n");  // new: owner-only
    fs::permissions(secret_file, fs::perms::owner_read | fs::perms::owner_write);
    appendDurably(public_file, keys.public_hex + "\n");
    fs::permissions(public_file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  } catch (const std::exception& e) {
    return problem("Không ghi được tệp khóa (" + std::string(e.what()) + ").", "Cannot write the key files (" + std::string(e.what()) + ").");
  }
  return true;
}

}  // namespace fieldcheck::server
