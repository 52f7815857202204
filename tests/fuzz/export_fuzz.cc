// Fuzz target: ledger export files (ledger/export.h), parsed and verified end to end with a fixed
// key — the code path of `custodian ledger verify --file`. Must never crash, and must never
// report ok for an export whose checkpoint does not sign exactly its events.
#include <cstdint>
#include <cstdlib>

#include "ledger/export.h"
#include "ledger/note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace custodian;
  static const ledger::NoteVerifier verifier = [] {
    core::Bytes seed(32, 7);
    return ledger::NoteSigner::FromSeed("custodian/test-site", seed)->Verifier();
  }();
  core::ByteSpan in(data, size);
  auto parsed = ledger::ParseExport(in);
  auto report = ledger::VerifyExport(in, verifier, std::nullopt);
  if (report.status.ok()) {
    if (!parsed) std::abort();
    if (report.events != parsed->records.size()) std::abort();
  }
  return 0;
}
