#include "store/sqlite/sqlite_credential_vault.h"

#include <sqlite3.h>
#include <sys/stat.h>

namespace custodian::store {
namespace {

core::Status Error(sqlite3* db, const std::string& what) {
  return core::UnavailableError("credential vault: " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

core::Result<std::unique_ptr<SqliteCredentialVault>> SqliteCredentialVault::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  const mode_t old = umask(077);  // the file holds secrets: owner only
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<SqliteCredentialVault> vault(new SqliteCredentialVault(db));
  if (rc != SQLITE_OK) {
    umask(old);
    return Error(db, "cannot open " + path);
  }
  const int exec = sqlite3_exec(db,
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                "CREATE TABLE IF NOT EXISTS pins(badge TEXT PRIMARY KEY, "
                                "hash TEXT NOT NULL);"
                                "CREATE TABLE IF NOT EXISTS staff(badge TEXT PRIMARY KEY, "
                                "password_hash TEXT NOT NULL, totp_secret TEXT NOT NULL);"
                                "CREATE TABLE IF NOT EXISTS api_tokens(sha256 TEXT PRIMARY KEY, "
                                "name TEXT NOT NULL UNIQUE, badge TEXT NOT NULL, "
                                "created_us INTEGER NOT NULL);",
                                nullptr, nullptr, nullptr);
  umask(old);
  if (exec != SQLITE_OK) return Error(db, "cannot prepare " + path);
  return vault;
}

SqliteCredentialVault::~SqliteCredentialVault() { sqlite3_close(db_); }

core::Status SqliteCredentialVault::PutPinHashes(
    const std::vector<std::pair<std::string, std::string>>& hashes) {
  std::lock_guard l(mu_);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error(db_, "begin");
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO pins(badge, hash) VALUES(?, ?)", -1, &s,
                         nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Error(db_, "prepare");
  }
  for (const auto& [badge, hash] : hashes) {
    sqlite3_bind_text(s, 1, badge.data(), static_cast<int>(badge.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
      core::Status e = Error(db_, "store a PIN hash");
      sqlite3_finalize(s);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    core::Status e = Error(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return core::Status::Ok();
}

core::Result<std::optional<std::string>> SqliteCredentialVault::PinHash(const std::string& badge) {
  std::lock_guard l(mu_);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT hash FROM pins WHERE badge = ?", -1, &s, nullptr) !=
      SQLITE_OK) {
    return Error(db_, "prepare");
  }
  sqlite3_bind_text(s, 1, badge.data(), static_cast<int>(badge.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  std::optional<std::string> out;
  if (rc == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error(db_, "read a PIN hash");
  return out;
}

core::Status SqliteCredentialVault::PutStaffSecret(const std::string& badge,
                                                   const StaffSecret& secret) {
  std::lock_guard l(mu_);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO staff(badge, password_hash, totp_secret) "
                         "VALUES(?, ?, ?)",
                         -1, &s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  sqlite3_bind_text(s, 1, badge.data(), static_cast<int>(badge.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, secret.password_hash.data(),
                    static_cast<int>(secret.password_hash.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, secret.totp_secret.data(), static_cast<int>(secret.totp_secret.size()),
                    SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return Error(db_, "store a staff login");
  return core::Status::Ok();
}

core::Result<std::optional<app::CredentialVault::StaffSecret>>
SqliteCredentialVault::GetStaffSecret(const std::string& badge) {
  std::lock_guard l(mu_);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT password_hash, totp_secret FROM staff WHERE badge = ?", -1,
                         &s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  sqlite3_bind_text(s, 1, badge.data(), static_cast<int>(badge.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  std::optional<StaffSecret> out;
  if (rc == SQLITE_ROW) {
    out = StaffSecret{reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                      reinterpret_cast<const char*>(sqlite3_column_text(s, 1))};
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error(db_, "read a staff login");
  return out;
}

namespace {

// One prepared statement, finalized on scope exit.
struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
  void Text(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  std::string Column(int i) {
    const unsigned char* t = sqlite3_column_text(s, i);
    return t == nullptr ? std::string() : reinterpret_cast<const char*>(t);
  }
  app::CredentialVault::ApiToken Token() {
    return {Column(0), Column(1), sqlite3_column_int64(s, 2)};
  }
};

}  // namespace

core::Status SqliteCredentialVault::PutApiToken(const std::string& token_sha256,
                                                const ApiToken& token) {
  std::lock_guard l(mu_);
  Statement st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO api_tokens(sha256, name, badge, created_us) "
                         "VALUES(?, ?, ?, ?)",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  st.Text(1, token_sha256);
  st.Text(2, token.name);
  st.Text(3, token.badge);
  sqlite3_bind_int64(st.s, 4, token.created_us);
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_CONSTRAINT) {
    return core::AlreadyExistsError("an API token named \"" + token.name + "\" exists already");
  }
  if (rc != SQLITE_DONE) return Error(db_, "store an API token");
  return core::Status::Ok();
}

core::Result<std::optional<app::CredentialVault::ApiToken>> SqliteCredentialVault::FindApiToken(
    const std::string& token_sha256) {
  std::lock_guard l(mu_);
  Statement st;
  if (sqlite3_prepare_v2(db_, "SELECT name, badge, created_us FROM api_tokens WHERE sha256 = ?", -1,
                         &st.s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  st.Text(1, token_sha256);
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return std::optional<ApiToken>(st.Token());
  if (rc != SQLITE_DONE) return Error(db_, "read an API token");
  return std::optional<ApiToken>();
}

core::Result<app::CredentialVault::ApiToken> SqliteCredentialVault::DeleteApiToken(
    const std::string& name) {
  std::lock_guard l(mu_);
  Statement find;
  if (sqlite3_prepare_v2(db_, "SELECT name, badge, created_us FROM api_tokens WHERE name = ?", -1,
                         &find.s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  find.Text(1, name);
  const int rc = sqlite3_step(find.s);
  if (rc == SQLITE_DONE) return core::NotFoundError("no API token is named \"" + name + "\"");
  if (rc != SQLITE_ROW) return Error(db_, "read an API token");
  ApiToken token = find.Token();
  Statement del;
  if (sqlite3_prepare_v2(db_, "DELETE FROM api_tokens WHERE name = ?", -1, &del.s, nullptr) !=
      SQLITE_OK) {
    return Error(db_, "prepare");
  }
  del.Text(1, name);
  if (sqlite3_step(del.s) != SQLITE_DONE) return Error(db_, "delete an API token");
  return token;
}

core::Result<std::vector<app::CredentialVault::ApiToken>> SqliteCredentialVault::ApiTokens() {
  std::lock_guard l(mu_);
  Statement st;
  if (sqlite3_prepare_v2(db_, "SELECT name, badge, created_us FROM api_tokens ORDER BY name", -1,
                         &st.s, nullptr) != SQLITE_OK) {
    return Error(db_, "prepare");
  }
  std::vector<ApiToken> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) out.push_back(st.Token());
  if (rc != SQLITE_DONE) return Error(db_, "list the API tokens");
  return out;
}

}  // namespace custodian::store
