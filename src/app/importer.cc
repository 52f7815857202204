#include "app/importer.h"

#include <thread>

namespace custodian::app {

core::Status StorePinHashes(CredentialVault& vault, const PinHasher& hasher,
                            const std::vector<std::pair<std::string, std::string>>& pins) {
  if (pins.empty()) return core::Status::Ok();
  std::vector<std::pair<std::string, std::string>> hashes(pins.size());
  std::vector<core::Status> failed(2);
  auto hash_range = [&](size_t begin, size_t end, core::Status& status) {
    for (size_t i = begin; i < end && status.ok(); ++i) {
      auto h = hasher.Hash(pins[i].second);
      if (!h) {
        status = h.error();
      } else {
        hashes[i] = {pins[i].first, std::move(*h)};
      }
    }
  };
  const size_t half = pins.size() / 2;
  if (half == 0) {
    hash_range(0, pins.size(), failed[0]);
  } else {
    std::thread second(hash_range, half, pins.size(), std::ref(failed[1]));
    hash_range(0, half, failed[0]);
    second.join();
  }
  for (const core::Status& s : failed) CUSTODIAN_RETURN_IF_ERROR(s);
  return vault.PutPinHashes(hashes);
}

core::Result<ImportPlan> Importer::Import(const std::string& actor, ImportKind kind,
                                          std::string_view csv) {
  CUSTODIAN_ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(kind, csv, agency_.Snapshot(), env_));
  CUSTODIAN_RETURN_IF_ERROR(StorePinHashes(vault_, hasher_, plan.pins));
  CUSTODIAN_RETURN_IF_ERROR(agency_.Record(actor, plan.events));
  return plan;
}

}  // namespace custodian::app
