// The provincial database, behind one interface so that a PostgreSQL backend can later serve
// several server instances. Today's implementation is SQLite (sqlite_storage.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts.h"
#include "fieldcheck/result.h"
#include "fieldcheck/seed.h"

namespace fieldcheck::server {

struct DeviceRecord {
  std::string id;
  std::string user;
  std::string name;
  std::string enrolled_at;
  bool revoked = false;
};

/// Thread-safety: one object per thread (each holds its own connection); any number of objects
/// and processes may share the database.
class ProvincialStorage {
 public:
  virtual ~ProvincialStorage() = default;

  /// Imports a seed's documents as the first entries of the provincial log (each exactly once)
  /// and records the province. Refuses a seed of another province than the one already loaded.
  virtual Result<std::size_t> importSeed(const Seed& seed) = 0;

  virtual std::optional<std::string> setting(const std::string& key) = 0;

  /// The code of a district given its code or its name (accents optional); nullopt if unknown.
  virtual std::optional<std::string> findDistrict(const std::string& code_or_name) = 0;
  /// Every district as (code, name).
  virtual std::vector<std::pair<std::string, std::string>> districts() = 0;

  /// Adds a user with a password hash. Refuses a name already taken.
  virtual Result<User> addUser(const User& user, const std::string& password_hash) = 0;
  virtual std::vector<User> users() = 0;
  /// The user and its password hash, for a login.
  virtual std::optional<std::pair<User, std::string>> userWithHash(const std::string& name) = 0;
  /// Revokes a user and every token of its devices, at once. Returns how many devices lost access.
  virtual Result<std::size_t> revokeUser(const std::string& name) = 0;

  /// Enrols a device for a user with the hash of its token; returns the device id.
  virtual std::string enrolDevice(const std::string& user, const std::string& device_name,
                                  const std::string& token_hash) = 0;
  virtual std::vector<DeviceRecord> devices(const std::string& user) = 0;
  /// Who holds a token: nullopt when the token is unknown or its user or device is revoked.
  virtual std::optional<Identity> identityForToken(const std::string& token_hash) = 0;

  /// Appends to the audit log: who did what, from which device.
  virtual void audit(const std::string& user, const std::string& device, const std::string& action,
                     const std::string& detail) = 0;

  /// Documents of `kind` currently in the provincial record.
  virtual std::size_t documentCount(const std::string& kind) = 0;
};

/// Opens the provincial SQLite database in `data_dir` (provincial.db), creating it when `create`.
/// Refuses a missing database (without `create`), a damaged or foreign file, or a newer schema.
Result<std::unique_ptr<ProvincialStorage>> openSqliteStorage(const std::filesystem::path& data_dir, bool create);

}  // namespace fieldcheck::server
