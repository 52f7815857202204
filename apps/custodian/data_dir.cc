#include "data_dir.h"

#include <iostream>

#include "store/files.h"

namespace custodian::cli {

namespace fs = std::filesystem;

int Fail(const core::Status& s) {
  std::cerr << "error: " << s.ToString() << "\n";
  return ExitCode(s);
}

int ExitCode(const core::Status& s) {
  switch (s.code()) {
    case core::StatusCode::kInvalidArgument:
    case core::StatusCode::kNotFound:
    case core::StatusCode::kAlreadyExists:
    case core::StatusCode::kFailedPrecondition:
      return kExitUsage;
    case core::StatusCode::kDataLoss:
      return kExitBad;
    default:
      return kExitEnvironment;
  }
}

fs::path DatabasePath(const fs::path& dir) { return dir / "ledger.db"; }

core::Result<std::unique_ptr<DataDir>> OpenDataDir(const fs::path& dir,
                                                   const std::string& site_if_new, bool create,
                                                   const std::string& missing_hint) {
  if (!create && !fs::exists(DatabasePath(dir))) {
    return core::NotFoundError("no ledger in " + dir.string() + " (" + missing_hint + ")");
  }
  CUSTODIAN_RETURN_IF_ERROR(store::EnsureDirectory(dir));
  auto d = std::make_unique<DataDir>();
  CUSTODIAN_ASSIGN_OR_RETURN(d->store, store::SqliteLedgerStore::Open(DatabasePath(dir)));
  CUSTODIAN_ASSIGN_OR_RETURN(auto meta, d->store->ReadMeta());
  const std::string origin = meta ? meta->origin : ledger::OriginForSite(site_if_new);
  bool created = false;
  CUSTODIAN_ASSIGN_OR_RETURN(auto signer, store::LoadOrCreateSiteKey(dir, origin, &created));
  d->signer.emplace(std::move(signer));
  if (created) {
    std::cerr << "created the site key for " << origin << "; public key (give it to auditors):\n"
              << d->signer->Verifier().VerifierKey() << "\n";
  }
  CUSTODIAN_ASSIGN_OR_RETURN(d->ledger,
                             ledger::Ledger::Open(*d->store, *d->signer, d->clock, site_if_new));
  return d;
}

}  // namespace custodian::cli
