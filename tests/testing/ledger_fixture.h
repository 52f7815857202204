// A site ledger on a real SQLite file in a temp dir, with a fixed key and a fake clock: the
// common setup of the ledger's integration, tamper and fault tests.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "app/ledger_tasks.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/verifier.h"
#include "store/sqlite/sqlite_ledger_store.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace custodian::testing {

inline ledger::NoteSigner TestSigner(const std::string& site = "test-site") {
  core::Bytes seed(32, 7);
  return *ledger::NoteSigner::FromSeed(ledger::OriginForSite(site), seed);
}

class LedgerFixture {
 public:
  explicit LedgerFixture(std::string site = "test-site", store::SqliteOptions options = {})
      : site_(std::move(site)), signer_(TestSigner(site_)), options_(std::move(options)) {}

  std::string db_path() const { return dir_.file("ledger.db"); }
  const TempDir& dir() const { return dir_; }
  ledger::NoteSigner& signer() { return signer_; }
  FakeClock& clock() { return clock_; }

  // (Re)opens store and ledger; returns the open status.
  core::Status Open() {
    ledger_.reset();
    store_.reset();
    auto s = store::SqliteLedgerStore::Open(db_path(), options_);
    if (!s) return s.error();
    store_ = std::move(*s);
    auto l = ledger::Ledger::Open(*store_, signer_, clock_, site_);
    if (!l) return l.error();
    ledger_ = std::move(*l);
    return core::Status::Ok();
  }
  void Close() {
    ledger_.reset();
    store_.reset();
  }
  void set_options(store::SqliteOptions o) { options_ = std::move(o); }

  ledger::Ledger& ledger() { return *ledger_; }
  store::SqliteLedgerStore& store() { return *store_; }

  core::Status AppendSynthetic(uint64_t n, int writers = 1, uint64_t seed = 1) {
    auto r = app::PopulateSynthetic(*ledger_, n, writers, seed);
    return r ? core::Status::Ok() : r.error();
  }

  // Verifies the stored ledger with a fresh store connection, as `custodian ledger verify` does.
  ledger::VerifyReport Verify(const std::optional<ledger::Checkpoint>& external = std::nullopt) {
    auto s = store::SqliteLedgerStore::Open(db_path());
    if (!s) {
      ledger::VerifyReport r;
      r.status = s.error();
      return r;
    }
    return ledger::VerifyStore(**s, signer_.Verifier(), external);
  }

  // Runs SQL directly on the database file, as an attacker with file access would.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(db_path().c_str(), &db);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("SQL failed: " + msg + " in " + sql);
  }

 private:
  TempDir dir_;
  std::string site_;
  ledger::NoteSigner signer_;
  store::SqliteOptions options_;
  FakeClock clock_;
  std::unique_ptr<store::SqliteLedgerStore> store_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

}  // namespace custodian::testing
