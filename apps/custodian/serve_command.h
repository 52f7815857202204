// `custodian serve`: the server (src/api) over one data directory's agency, with its locker banks:
// the controllers of a banks file (`--banks FILE`, hardware/modbus/bank_config.h), or simulated
// ones
// (`--simulate`: every bank of the agency simulated on loopback from its lockers and the items in
// their compartments, with the auto officer and the JSON control port), or none. Runs until SIGINT
// or SIGTERM, then stops gracefully: requests being answered finish.
//
// Plain HTTP is served on loopback only (development); `--tls`, or any other address, serves HTTPS
// with the data directory's certificate, a self-signed one made on first start
// (store/tls_certificate.h) whose SHA-256 fingerprint is printed.
//
// Prints one line per fact a person or a script needs on stdout ("serving https://ADDR:P/",
// "certificate sha256 AB:CD:…", "control 127.0.0.1:P"), the rest on stderr. Exit codes as every
// command (data_dir.h).
#pragma once

#include <cstdint>
#include <string>

namespace custodian::cli {

struct ServeArgs {
  std::string data;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: a free port
  bool tls =
      false;  // HTTPS with DIR/tls.crt and tls.key (made on first start); always off loopback
  bool simulate = false;
  std::string banks_file;  // real (or separately simulated) banks: docs/hardware-protocol.md
  int poll_ms = 200;
  bool auto_officer = true;  // with --simulate
  uint16_t control_port = 0;
  int auto_pause_ms = 1000;
};

int RunServe(const ServeArgs& args);

}  // namespace custodian::cli
