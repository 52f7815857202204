// PIN hashes in their own SQLite file (DIR/credentials.db, mode 0600), apart from the ledger so
// that a ledger export never carries them. Tables: pins(badge PRIMARY KEY, hash) and
// staff(badge PRIMARY KEY, password_hash, totp_secret).
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
  core::Status PutStaffSecret(const std::string& badge, const StaffSecret& secret) override;
  core::Result<std::optional<StaffSecret>> GetStaffSecret(const std::string& badge) override;
  core::Status PutApiToken(const std::string& token_sha256, const ApiToken& token) override;
  core::Result<std::optional<ApiToken>> FindApiToken(const std::string& token_sha256) override;
  core::Result<ApiToken> DeleteApiToken(const std::string& name) override;
  core::Result<std::vector<ApiToken>> ApiTokens() override;

 private:
  explicit SqliteCredentialVault(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace custodian::store
