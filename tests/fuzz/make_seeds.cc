// Writes the seed corpora of record_fuzz and export_fuzz: real records and a real export of a small
// ledger signed with the fixed key the export target verifies with. Run by hand when the formats
// change: build/dev/tests/fuzz/make_seeds tests/fuzz/corpus
#include <filesystem>
#include <fstream>

#include "ledger/export.h"
#include "testing/ledger_fixture.h"

int main(int argc, char** argv) {
  using namespace custodian;
  if (argc < 2) return 2;
  std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out / "record_fuzz");
  std::filesystem::create_directories(out / "export_fuzz");
  auto write = [](const std::filesystem::path& p, core::ByteSpan b) {
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  for (uint64_t events : {0, 1, 3, 9}) {
    testing::LedgerFixture f;
    if (!f.Open().ok() || !f.AppendSynthetic(events).ok()) return 1;
    core::Bytes file;
    auto n = app::WriteExport(f.ledger(), f.store(), [&](core::ByteSpan chunk) {
      file.insert(file.end(), chunk.begin(), chunk.end());
      return core::Status::Ok();
    });
    if (!n) return 1;
    // The seeds must be valid exports, so mutations start from the verifier's deepest path.
    if (!ledger::VerifyExport(file, f.signer().Verifier(), std::nullopt).status.ok()) return 1;
    write(out / "export_fuzz" / ("export_" + std::to_string(events) + ".bin"), file);
    if (events == 3) {
      uint64_t i = 0;
      (void)f.store().ScanEvents(0, 3, [&](uint64_t, core::ByteSpan r) {
        write(out / "record_fuzz" / ("record_" + std::to_string(i++) + ".bin"), r);
        return true;
      });
    }
  }
  return 0;
}
