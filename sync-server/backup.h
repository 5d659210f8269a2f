// Backups of a provincial server: one archive of the database (a consistent copy taken while the
// server serves) and of the attachments it names, compressed, optionally sealed; and its restore.
//
// The archive (format 1), outside in:
//   file    "FCBACKUP", u32 format version, u8 sealed; when sealed, the archive key sealed to the
//           recipient's X25519 public key (crypto_box_seal, 80 bytes) and a secretstream header
//           (24 bytes); then frames, each a u32 length and that many bytes, ended by a frame of
//           length 0 and nothing after it.
//   frame   a zstd-compressed piece of the content, at most kBackupChunkBytes once expanded;
//           when sealed, that piece encrypted with crypto_secretstream (XChaCha20-Poly1305, the
//           file's header as additional data), the last one tagged FINAL.
//   content "FCBKDATA", u32 content version; entries, each: u8 1, u16 name length, name, u64 size,
//           the bytes, their SHA-256 (32 bytes); then u8 0, u64 entry count and the SHA-256 of
//           every content byte before it.
// Entries: backup.json (what was backed up, from which server), provincial.db, keys/NAME.secret
// (the server's bundle keys) and attachments/ab/SHA256. Every size read back is bounded before
// anything is allocated for it, every name is checked against those forms.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "fieldcheck/result.h"

namespace fieldcheck::server {

/// Content bytes per frame (before compression).
inline constexpr std::size_t kBackupChunkBytes = 1024 * 1024;
/// Largest database a restore takes (a province's is a few GiB at most).
inline constexpr std::uint64_t kMaxBackupDatabaseBytes = 1ull << 40;
/// Most entries in one archive (attachments, mostly).
inline constexpr std::uint64_t kMaxBackupEntries = 50'000'000;
/// Pages copied per step of SQLite's online backup (4 MiB at 4 KiB pages): a step holds a read
/// lock on the live database only while it runs.
inline constexpr int kBackupPagesPerStep = 1024;
/// How many times a copy in steps may start over (a writer changed the database between two
/// steps) before the rest is copied in one step: one read transaction, which in WAL mode does not
/// hold writers either, so a busy server cannot keep a backup from finishing.
inline constexpr int kBackupMaxRestarts = 3;

struct BackupSummary {
  std::string server_id;           // the identity of the server backed up
  std::int64_t highest_seq = 0;    // the highest global sequence the copy holds
  std::uint64_t database_bytes = 0;
  std::size_t attachments = 0;
  std::size_t attachments_missing = 0;  // named by the database, complete, but no file: not in the archive
  std::uint64_t archive_bytes = 0;
  bool sealed = false;
};

/// Writes a backup of the server whose data folder is `data_dir` to `archive`: a consistent copy
/// of its database through SQLite's online backup API (another process may be serving and
/// writing meanwhile), the attachments that copy holds whole and the server's secret keys. The
/// archive is written to `archive`.partial and renamed once complete and durable: it is there
/// whole or not at all. Sealed to the X25519 public key in `seal_to` (a file `makeBackupKeys`
/// wrote) when given. Returns a Problem (nothing left behind) when the database cannot be read,
/// the key is malformed or the archive cannot be written.
Result<BackupSummary> writeBackup(const std::filesystem::path& data_dir, const std::filesystem::path& archive,
                                  const std::optional<std::filesystem::path>& seal_to);

struct RestoreSummary {
  std::string server_id;            // the restored server's new identity
  std::string backed_up_server_id;  // the identity of the server the archive was taken from
  std::int64_t restored_seq = 0;    // the highest global sequence the archive held
  std::size_t attachments = 0;
};

/// Restores `archive` into `data_dir`, which must not exist or be empty (a folder holding a
/// database is refused: a live server's data is never overwritten). Everything is written to a
/// folder beside `data_dir` first and checked (every entry's SHA-256, the final digest, the
/// database's integrity); only then is that folder renamed to `data_dir`, so a damaged,
/// truncated or wrongly keyed archive leaves nothing behind. The restored database gets a new
/// server identity and remembers the highest global sequence it held, so laptops that synced
/// with the server after the backup notice and send again what it lacks (protocol.h). `key` is
/// the secret key file for a sealed archive; an unsealed archive given a key, and a sealed one
/// given none or another, are refused.
Result<RestoreSummary> restoreBackup(const std::filesystem::path& archive, const std::filesystem::path& data_dir,
                                     const std::optional<std::filesystem::path>& key);

/// Makes a key pair for sealing backups: the public key (hex) to `public_file`, the secret key
/// (hex) to `secret_file`, readable by its owner only. Refuses to replace an existing file.
Result<bool> makeBackupKeys(const std::filesystem::path& public_file, const std::filesystem::path& secret_file);

}  // namespace fieldcheck::server
