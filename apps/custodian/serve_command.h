// `custodian serve`: the server (src/api) over one data directory's agency, with its locker banks:
// the controllers of a banks file (`--banks FILE`, hardware/modbus/bank_config.h), or simulated
// ones
// (`--simulate`: every bank of the agency simulated on loopback from its lockers and the items in
// their compartments, with the auto officer and the JSON control port), or none. Runs until SIGINT
// or SIGTERM, then stops gracefully: requests being answered finish.
//
// Prints one line per fact a person or a script needs on stdout ("serving http://127.0.0.1:P/",
// "control 127.0.0.1:P"), the rest on stderr. Exit codes as every command (data_dir.h).
#pragma once

#include <cstdint>
#include <string>

namespace custodian::cli {

struct ServeArgs {
  std::string data;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: a free port
  bool simulate = false;
  std::string banks_file;  // real (or separately simulated) banks: docs/hardware-protocol.md
  int poll_ms = 200;
  bool auto_officer = true;  // with --simulate
  uint16_t control_port = 0;
  int auto_pause_ms = 1000;
};

int RunServe(const ServeArgs& args);

}  // namespace custodian::cli
