#include "ledger/export.h"

namespace custodian::ledger {

void AppendExportHeader(core::Bytes& out, std::string_view origin, uint64_t count) {
  out.insert(out.end(), kExportMagic.begin(), kExportMagic.end());
  core::AppendU16(out, static_cast<uint16_t>(origin.size()));
  out.insert(out.end(), origin.begin(), origin.end());
  core::AppendU64(out, count);
}

void AppendExportRecord(core::Bytes& out, core::ByteSpan record) {
  core::AppendU32(out, static_cast<uint32_t>(record.size()));
  out.insert(out.end(), record.begin(), record.end());
}

void AppendExportTrailer(core::Bytes& out, std::string_view note) {
  core::AppendU32(out, static_cast<uint32_t>(note.size()));
  out.insert(out.end(), note.begin(), note.end());
}

core::Result<ParsedExport> ParseExport(core::ByteSpan file) {
  using core::InvalidArgumentError;
  if (file.size() < kExportMagic.size() ||
      core::AsChars(file.subspan(0, kExportMagic.size())) != kExportMagic) {
    return InvalidArgumentError("not a Custodian ledger export (the first line must be \"" +
                                std::string(kExportMagic.substr(0, kExportMagic.size() - 1)) +
                                "\")");
  }
  core::ByteReader r(file.subspan(kExportMagic.size()));
  ParsedExport out;
  uint16_t origin_size = 0;
  core::ByteSpan origin;
  if (!r.ReadU16(origin_size) || !r.ReadBytes(origin_size, origin)) {
    return InvalidArgumentError("export is truncated in its origin");
  }
  out.origin = std::string(core::AsChars(origin));
  uint64_t count = 0;
  if (!r.ReadU64(count)) return InvalidArgumentError("export is truncated in its event count");
  // Every record takes at least 4 bytes, so a larger count cannot be true; don't trust it to size
  // allocations.
  if (count > r.remaining() / 4) {
    return InvalidArgumentError("export claims " + std::to_string(count) +
                                " events but is too short to hold them");
  }
  out.records.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t size = 0;
    core::ByteSpan record;
    if (!r.ReadU32(size) || size > kMaxExportRecord || !r.ReadBytes(size, record)) {
      return InvalidArgumentError("export is truncated or damaged at event " + std::to_string(i) +
                                  " of " + std::to_string(count));
    }
    out.records.push_back(record);
  }
  uint32_t note_size = 0;
  core::ByteSpan note;
  if (!r.ReadU32(note_size) || note_size > kMaxExportNote || !r.ReadBytes(note_size, note)) {
    return InvalidArgumentError("export is truncated in its signed checkpoint");
  }
  out.note = std::string(core::AsChars(note));
  if (r.remaining() != 0) {
    return InvalidArgumentError("export has " + std::to_string(r.remaining()) +
                                " unexpected bytes after its signed checkpoint");
  }
  return out;
}

VerifyReport VerifyExport(core::ByteSpan file, const NoteVerifier& verifier,
                          const std::optional<Checkpoint>& external) {
  VerifyReport failed;
  auto parsed = ParseExport(file);
  if (!parsed) {
    failed.status = core::DataLossError(parsed.error().message());
    return failed;
  }
  if (parsed->origin != verifier.name()) {
    failed.status = core::DataLossError("the export is of ledger \"" + parsed->origin +
                                        "\" but the key is for \"" + verifier.name() + "\"");
    return failed;
  }
  auto cp = OpenCheckpoint(parsed->note, verifier);
  if (!cp) {
    failed.status = core::DataLossError("the export's checkpoint does not verify with this key: " +
                                        cp.error().message());
    return failed;
  }
  std::vector<VerifyAnchor> anchors;
  anchors.push_back(VerifyAnchor{cp->size, cp->root, "the export's signed checkpoint"});
  if (auto s = AddExternalAnchor(external, verifier, anchors); !s.ok()) {
    failed.status = s;
    return failed;
  }
  LogVerifier v(std::move(anchors));
  (void)FeedPipelined(v, [&](const std::function<bool(core::ByteSpan)>& add) {
    for (core::ByteSpan record : parsed->records) {
      if (!add(record)) break;
    }
    return core::Status::Ok();
  });
  VerifyReport report = v.Finish();
  if (report.status.ok() && cp->size != report.events) {
    report.status =
        core::DataLossError("the export holds " + std::to_string(report.events) +
                            " events but its checkpoint signs " + std::to_string(cp->size));
    report.first_bad_index = std::min(report.events, cp->size);
  }
  return report;
}

}  // namespace custodian::ledger
