// `custodian sim`: the locker banks of a lockers CSV simulated on loopback (hardware/sim), with the
// items of an items CSV in place, a JSON control interface, and optionally the auto officer. Runs
// until SIGINT or SIGTERM; returns the process exit code (0 after a signal, 2 bad input, 4 a port
// that cannot be listened on).
#pragma once

#include <cstdint>
#include <string>

namespace custodian::cli {

struct SimArgs {
  std::string lockers;  // CSV files (docs/import.md)
  std::string items;
  uint16_t base_port = 0;  // bank k on base_port + k; 0: free ports
  uint16_t control_port = 0;
  bool auto_officer = false;
  std::string banks_out;  // also write the bank configuration JSON here
};

int RunSim(const SimArgs& args);

}  // namespace custodian::cli
