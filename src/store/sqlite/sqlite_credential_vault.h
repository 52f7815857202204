// PIN hashes in their own SQLite file (DIR/credentials.db, mode 0600), apart from the ledger so
// that a ledger export never carries them. One table: pins(badge PRIMARY KEY, hash).
// Thread-safe (one connection behind a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "app/agency.h"

struct sqlite3;

namespace custodian::store {

class SqliteCredentialVault final : public app::CredentialVault {
 public:
  static core::Result<std::unique_ptr<SqliteCredentialVault>> Open(const std::string& path);
  ~SqliteCredentialVault() override;
  core::Status PutPinHashes(
      const std::vector<std::pair<std::string, std::string>>& hashes) override;
  core::Result<std::optional<std::string>> PinHash(const std::string& badge) override;

 private:
  explicit SqliteCredentialVault(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace custodian::store
