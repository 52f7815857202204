// Fuzz target: event record decoding (ledger/record.h). Anything that decodes must re-encode to
// exactly the same bytes (one encoding per event), and must satisfy ValidateEvent.
#include <cstdint>
#include <cstdlib>

#include "ledger/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace custodian;
  core::ByteSpan in(data, size);
  auto e = ledger::DecodeEvent(in);
  if (!e) return 0;
  if (!ledger::ValidateEvent(*e).ok()) std::abort();
  core::Bytes again = ledger::EncodeEvent(*e);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  return 0;
}
