// What every command of the CLI shares: the exit code for a failure, and a data directory opened
// as store + site key + ledger.
//
// Exit codes: 0 success · 1 verification found a problem · 2 bad usage or input · 3 access
// denied (`access explain`) · 4 environment failure (disk, database).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/sqlite/sqlite_ledger_store.h"

namespace custodian::cli {

inline constexpr int kExitBad = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitDeny = 3;
inline constexpr int kExitEnvironment = 4;

// The exit code for a failed status.
int ExitCode(const core::Status& s);
// Prints "error: …" to stderr and returns the exit code for the status.
int Fail(const core::Status& s);

std::filesystem::path DatabasePath(const std::filesystem::path& dir);

// A data directory opened for work: store, site key and ledger.
struct DataDir {
  std::unique_ptr<store::SqliteLedgerStore> store;
  std::optional<ledger::NoteSigner> signer;
  core::SystemClock clock;
  std::unique_ptr<ledger::Ledger> ledger;
};

// Opens (or, with `create`, creates) the ledger in `dir`; a new ledger is for `site_if_new` and
// gets a new key, whose public half is printed. Without `create`, a missing ledger is NotFound:
// "no ledger in DIR (<missing_hint>)".
core::Result<std::unique_ptr<DataDir>> OpenDataDir(const std::filesystem::path& dir,
                                                   const std::string& site_if_new, bool create,
                                                   const std::string& missing_hint);

}  // namespace custodian::cli
