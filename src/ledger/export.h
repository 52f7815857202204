// Ledger export files: everything a third party needs to verify a site's ledger offline, except
// the site's public key, which must reach them by another channel (otherwise a forger would ship
// their own). Specified byte by byte in docs/ledger-format.md §Export:
//
//   "CUSTODIAN-LEDGER-EXPORT 1\n"          magic line, 26 bytes
//   u16 length + origin                     the ledger's checkpoint origin
//   u64 count                               number of events
//   count × (u32 length + record)           event records, index 0 first
//   u32 length + note                       signed checkpoint of exactly `count` events
//
// Integers are big-endian. Parsing is strict (no trailing bytes, every length bounded).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/note.h"
#include "ledger/verifier.h"

namespace custodian::ledger {

inline constexpr std::string_view kExportMagic = "CUSTODIAN-LEDGER-EXPORT 1\n";
inline constexpr size_t kMaxExportRecord = 1 << 20;
inline constexpr size_t kMaxExportNote = 1 << 20;

void AppendExportHeader(core::Bytes& out, std::string_view origin, uint64_t count);
void AppendExportRecord(core::Bytes& out, core::ByteSpan record);
void AppendExportTrailer(core::Bytes& out, std::string_view note);

struct ParsedExport {
  std::string origin;
  std::vector<core::ByteSpan> records;  // views into the parsed buffer
  std::string note;
};
core::Result<ParsedExport> ParseExport(core::ByteSpan file);

// Parses and verifies an export with the site's public key: the chain, the Merkle root against the
// signed checkpoint inside, and — if given — that it extends an earlier checkpoint.
VerifyReport VerifyExport(core::ByteSpan file, const NoteVerifier& verifier,
                          const std::optional<Checkpoint>& external);

}  // namespace custodian::ledger
