// Agency: the state of one data directory's agency (sites, lockers, items, people, custody), kept
// by recording domain events in the ledger. Open() replays the ledger into a domain::State; every
// change goes through Record() (or its two halves, Submit and Await), which checks the events
// against the latest state, queues them in the ledger in one transaction (all or none), and applies
// them once they are durable. So the state that Read() shows is always exactly the replay of the
// ledger's durable events: rebuilding gives an equal State, and a crash loses nothing shown.
//
// Two states: `state_` (durable events only: what Read and Snapshot show) and `latest_` (the same
// plus the events queued in the ledger but not yet durable, in ledger order, with the indices and
// time the ledger assigned them). Checks and decisions about what to record next are made on
// `latest_` (ReadLatest), so a decision always sees every event ordered before it, while the
// fsync that makes those events durable is shared with whoever queues meanwhile (group commit).
// Nothing may act on `latest_` in the world (open a door, answer a client) before Await says the
// events it depends on are durable. If the ledger fails, every queued event fails with it (the
// ledger fails closed) and `latest_` is reset to `state_` once the queue has drained.
//
// Credentials: PIN hashes are secrets, not audit facts, so they are never in the ledger (which is
// exported to auditors); the ledger records that a PIN was set, the CredentialVault keeps the
// Argon2id hash.
//
// Thread-safety: all methods may be called from any thread; Submit() calls are serialised, and
// the mutex is never held while waiting for the disk.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/shared_mutex.h"
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

  // A copy of the current (durable) state.
  domain::State Snapshot() const;
  // Runs f with the durable state under the lock, shared with other readers (no copy): what may be
  // shown or acted on. f must not call Read or ReadLatest again (see core::SharedMutex).
  void Read(const std::function<void(const domain::State&)>& f) const;
  // Runs f with the latest state: the durable one plus every event queued and not yet durable.
  // Only for deciding what to record next (its effects must wait for Await); never show it.
  void ReadLatest(const std::function<void(const domain::State&)>& f) const;

  // Checks each event on top of the previous ones, records them all in the ledger as `actor`, then
  // applies them. InvalidArgument/NotFound (nothing recorded) when a check fails, naming the event.
  // Same as Await(Submit(...)).
  core::Status Record(const std::string& actor, const std::vector<domain::DomainEvent>& events);

  // Record in two halves. Submit checks the events against the latest state, queues them in the
  // ledger (their order is fixed from here on) and applies them to the latest state; nothing is
  // durable or shown yet. Await returns once they are durable and applied to the durable state
  // (or failed: "in doubt", see Ledger::Append). Every Submit must be awaited, promptly (later
  // appends wait for it); between the two the caller may release its locks but must not wait for
  // anything that might itself be waiting for the ledger.
  class Queued {
   private:
    friend class Agency;
    explicit Queued(ledger::Ledger::Ticket t) : ticket_(std::move(t)) {}
    ledger::Ledger::Ticket ticket_;
  };
  core::Result<Queued> Submit(const std::string& actor,
                              const std::vector<domain::DomainEvent>& events);
  core::Status Await(const Queued& queued);

  // Called after every successful Record, outside the lock (the server wakes its event streams).
  // Set it once, before the agency is shared between threads.
  void SetOnRecorded(std::function<void()> f) { on_recorded_ = std::move(f); }

 private:
  explicit Agency(ledger::Ledger& ledger) : ledger_(ledger) {}
  // Applies every queued batch whose ticket is done, in ledger order, to state_. Under mu_.
  void ApplyDurableLocked();

  struct Pending {
    ledger::Ledger::Ticket ticket;
    std::vector<domain::DomainEvent> events;
  };
  ledger::Ledger& ledger_;
  // Guards everything below: shared by readers (Read, ReadLatest, Snapshot), so answers are built
  // in parallel; taken alone to change the states, and a writer waiting holds back new readers.
  mutable core::SharedMutex mu_;
  domain::State state_;           // durable events only
  domain::State latest_;          // state_ plus pending_
  std::deque<Pending> pending_;   // submitted, not yet applied to state_, in ledger order
  bool latest_diverged_ = false;  // a queued event failed: latest_ holds events state_ never will
  std::function<void()> on_recorded_;
};

}  // namespace custodian::app
