// `custodian serve`: the server (src/api) over one data directory's agency, with its locker banks:
// the controllers of a banks file (`--banks FILE`, hardware/modbus/bank_config.h), or simulated
// ones (`--simulate`: every bank of the agency simulated on loopback from its lockers and the items
// in their compartments, with the auto officer and the JSON control port), or none. Runs until
// SIGINT or SIGTERM, then stops gracefully: requests being answered finish.
//
// Configured by defaults < a TOML file (`--config FILE`, or DIR/custodian.toml) < CUSTODIAN_*
// environment variables < flags (store/config_file.h, docs/custodian.example.toml);
// `--print-config` prints the effective configuration, each value with where it came from, and
// exits.
//
// Plain HTTP is served on loopback only (development); `--tls`, or any other address, serves HTTPS
// with the data directory's certificate, a self-signed one made on first start
// (store/tls_certificate.h) whose SHA-256 fingerprint is printed.
//
// Standard output: one line per fact a person or a script needs ("serving https://ADDR:P/",
// "certificate sha256 AB:CD:…", "control 127.0.0.1:P"). Standard error: the log (core/log.h), one
// JSON object per line by default ([log] format = "text" for people), with an access line per
// request ("msg":"request"). A configuration that cannot be read is refused before the log exists,
// as "error: …" like every command; later failures to start are a log entry "cannot start". Exit
// codes as every command (data_dir.h).
#pragma once

#include <string>
#include <vector>

#include "store/config_file.h"

namespace custodian::cli {

struct ServeArgs {
  std::string config_file;  // --config; "" : DIR/custodian.toml if there is one
  bool print_config = false;
  // The flags given (only those): each sets one key, over the file and the environment.
  std::vector<store::Setting> flags;
};

int RunServe(const ServeArgs& args);

}  // namespace custodian::cli
