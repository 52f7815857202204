// Importer: the CSV imports (docs/import.md) as one use case for the command line and the API —
// plan the file on the agency's state (csv_import.h), store the PIN hashes, record the events.
//
// Thread-safety: Import may be called from any thread; the agency re-checks every event as it
// records them, so a change recorded meanwhile cannot be overwritten by a stale plan.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "app/agency.h"
#include "app/csv_import.h"

namespace custodian::app {

// Hashes every PIN (Argon2id, ~80 ms each: a larger batch is split over two threads) and stores
// all the hashes in one transaction.
core::Status StorePinHashes(CredentialVault& vault, const PinHasher& hasher,
                            const std::vector<std::pair<std::string, std::string>>& pins);

class Importer {
 public:
  Importer(Agency& agency, CredentialVault& vault, const PinHasher& hasher, ImportEnv env)
      : agency_(agency), vault_(vault), hasher_(hasher), env_(std::move(env)) {}

  // The plan that was recorded as `actor` (its pins include those generated). InvalidArgument
  // naming the row and column for a bad file; nothing is recorded then. The PIN hashes are stored
  // before the people are recorded: a person without a hash cannot log in (safe), a hash without
  // its person is never used.
  core::Result<ImportPlan> Import(const std::string& actor, ImportKind kind, std::string_view csv);

 private:
  Agency& agency_;
  CredentialVault& vault_;
  const PinHasher& hasher_;
  ImportEnv env_;
};

}  // namespace custodian::app
