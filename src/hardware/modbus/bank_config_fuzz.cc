// Fuzz target: the banks file of `custodian serve --banks` (hardware/modbus/bank_config.h).
// Parsing must never crash; it fails with InvalidArgument only, and what it accepts is within the
// documented limits (ports 1-65535, 1-64 distinct compartments per bank, distinct banks).
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "hardware/modbus/bank_config.h"
#include "hardware/modbus/protocol.h"

using namespace custodian;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto banks = hardware::modbus::ParseBankConfig(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!banks) {
    if (banks.error().code() != core::StatusCode::kInvalidArgument) std::abort();
    if (banks.error().message().empty()) std::abort();
    return 0;
  }
  if (banks->empty()) std::abort();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& b : *banks) {
    if (b.port == 0 || b.host.empty() || b.site.empty() || b.bank.empty()) std::abort();
    if (b.compartments.empty() ||
        b.compartments.size() > static_cast<size_t>(hardware::modbus::kMaxCompartments)) {
      std::abort();
    }
    if (std::set<std::string>(b.compartments.begin(), b.compartments.end()).size() !=
        b.compartments.size()) {
      std::abort();
    }
    if (!seen.emplace(b.site, b.bank).second) std::abort();
  }
  return 0;
}
