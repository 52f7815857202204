// Fuzz target for the signed-note and checkpoint parsers (src/ledger/note.h), which read keys,
// notes and checkpoints that arrive from outside. Beyond "never crash", it checks the property the
// strict parsers promise: whatever they accept has exactly one text form, so formatting the parsed
// value gives back the input bytes, and an opened note's text is a prefix of the note.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ledger/note.h"

namespace {

using custodian::ledger::NoteSigner;
using custodian::ledger::NoteVerifier;

// The seed corpus's notes are signed by this key (seed bytes 0, 1, …, 31), so mutations of them
// reach signature verification instead of stopping at "no signature by this key".
const NoteVerifier& FuzzVerifier() {
  static const NoteVerifier verifier = [] {
    uint8_t seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i);
    return NoteSigner::FromSeed("fuzz.custodian.example/log", seed)->Verifier();
  }();
  return verifier;
}

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "note_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace ledger = custodian::ledger;

  if (auto v = NoteVerifier::FromVerifierKey(input); v.has_value()) {
    Require(v->VerifierKey() == input, "accepted verifier key does not format back to the input");
  }
  if (auto s = NoteSigner::FromSignerKey(input); s.has_value()) {
    Require(s->SignerKey() == input, "accepted signer key does not format back to the input");
  }
  if (auto c = ledger::ParseCheckpoint(input); c.has_value()) {
    Require(ledger::FormatCheckpoint(*c) == input, "accepted checkpoint does not format back");
  }
  if (auto text = ledger::OpenNote(input, FuzzVerifier()); text.has_value()) {
    Require(input.starts_with(*text), "opened note's text is not a prefix of the note");
  }
  if (auto c = ledger::OpenCheckpoint(input, FuzzVerifier()); c.has_value()) {
    Require(c->origin == FuzzVerifier().name(), "opened checkpoint names another origin");
  }
  return 0;
}
