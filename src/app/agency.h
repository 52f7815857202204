// Agency: the state of one data directory's agency (sites, lockers, items, people, custody), kept
// by recording domain events in the ledger. Open() replays the ledger into a domain::State; every
// change goes through Record(), which checks the events against the current state, makes them
// durable in the ledger in one transaction (all or none), and only then applies them. So the
// state in memory is always exactly the replay of the ledger: rebuilding gives an equal State.
//
// Credentials: PIN hashes are secrets, not audit facts, so they are never in the ledger (which is
// exported to auditors); the ledger records that a PIN was set, the CredentialVault keeps the
// Argon2id hash.
//
// Thread-safety: all methods may be called from any thread; Record() calls are serialised.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "domain/state.h"
#include "ledger/ledger.h"
#include "ledger/ledger_store.h"

namespace custodian::app {

// Where PIN hashes live (store/sqlite/sqlite_credential_vault.h).
class CredentialVault {
 public:
  virtual ~CredentialVault() = default;
  // Stores every (badge, hash) pair in one transaction.
  virtual core::Status PutPinHashes(
      const std::vector<std::pair<std::string, std::string>>& hashes) = 0;
  virtual core::Result<std::optional<std::string>> PinHash(const std::string& badge) = 0;

  // A staff member's dashboard login: the Argon2id hash of the password and the TOTP secret
  // (base32), replaced as a whole.
  struct StaffSecret {
    std::string password_hash;
    std::string totp_secret;
  };
  virtual core::Status PutStaffSecret(const std::string& badge, const StaffSecret& secret) = 0;
  virtual core::Result<std::optional<StaffSecret>> GetStaffSecret(const std::string& badge) = 0;

  // API tokens (app/api_tokens.h), by the hex SHA-256 of the token: never the token itself.
  struct ApiToken {
    std::string name;
    std::string badge;
    int64_t created_us = 0;
  };
  // AlreadyExists when the name is taken.
  virtual core::Status PutApiToken(const std::string& token_sha256, const ApiToken& token) = 0;
  virtual core::Result<std::optional<ApiToken>> FindApiToken(const std::string& token_sha256) = 0;
  // NotFound when there is no token of that name; returns the one removed.
  virtual core::Result<ApiToken> DeleteApiToken(const std::string& name) = 0;
  virtual core::Result<std::vector<ApiToken>> ApiTokens() = 0;
};

// Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps; store/totp.h).
class OneTimeCodes {
 public:
  virtual ~OneTimeCodes() = default;
  // A new random secret, base32 (160 bits).
  virtual core::Result<std::string> NewSecret() const = 0;
  // The time step the code is valid for at `now` (the current step, or one either side for clock
  // drift), or none.
  virtual std::optional<int64_t> Check(const std::string& secret, const std::string& code,
                                       int64_t now_micros) const = 0;
};

// Argon2id in libsodium's encoded form (store/argon2_pins.h).
class PinHasher {
 public:
  virtual ~PinHasher() = default;
  virtual core::Result<std::string> Hash(const std::string& pin) const = 0;
  virtual bool Matches(const std::string& hash, const std::string& pin) const = 0;
};

class Agency {
 public:
  // Replays every domain event of the ledger; DataLoss naming the event if one cannot be decoded.
  static core::Result<std::unique_ptr<Agency>> Open(ledger::Ledger& ledger,
                                                    ledger::LedgerStore& store);

  // A copy of the current state.
  domain::State Snapshot() const;
  // Runs f with the state under the lock (no copy).
  void Read(const std::function<void(const domain::State&)>& f) const;

  // Checks each event on top of the previous ones, records them all in the ledger as `actor`, then
  // applies them. InvalidArgument/NotFound (nothing recorded) when a check fails, naming the event.
  core::Status Record(const std::string& actor, const std::vector<domain::DomainEvent>& events);

  // Called after every successful Record, outside the lock (the server wakes its event streams).
  // Set it once, before the agency is shared between threads.
  void SetOnRecorded(std::function<void()> f) { on_recorded_ = std::move(f); }

 private:
  explicit Agency(ledger::Ledger& ledger) : ledger_(ledger) {}
  core::Status RecordLocked(const std::string& actor,
                            const std::vector<domain::DomainEvent>& events);
  ledger::Ledger& ledger_;
  mutable std::mutex mu_;
  domain::State state_;
  std::function<void()> on_recorded_;
};

}  // namespace custodian::app
