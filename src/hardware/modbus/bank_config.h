// The locker banks a server drives: the configuration file of `custodian serve --banks FILE`, in
// the JSON form `custodian sim --banks-out` writes (so a simulator started by hand, or real
// controllers, are configured the same way):
//
//   {"banks": [{"site": "HQ", "bank": "A", "host": "10.0.4.21", "port": 502,
//               "compartments": ["1", "2", …]}, …]}
//
// Protocol compartment k+1 of a bank is compartments[k]. Other top-level members (the simulator's
// "control_port") are ignored; a bank with an unknown member is refused, so a misspelt one is not
// silently dropped. Parsing trusts nothing (fuzzed: bank_config_fuzz.cc): InvalidArgument naming
// the member, e.g. "banks[1].port: must be a whole number 1-65535".
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "hardware/modbus/modbus_tcp_controller.h"

namespace custodian::hardware::modbus {

core::Result<std::vector<BankConfig>> ParseBankConfig(std::string_view json_text);

}  // namespace custodian::hardware::modbus
