// The hardware rows of custodian_bench (issue #4), over loopback against the real simulator:
//  * unlock latency: ModbusTcpController::Unlock — from the moment the decision is made to the
//    coil write acknowledged by the simulated controller — while the driver polls the same bank
//    every 20 ms (ten times the default, so more contention than in service), beside a bare
//    libmodbus modbus_write_bit round trip on its own connection to the same simulator (the
//    transport's floor), alternated call by call;
//  * polling cost per compartment: the driver's time per poll of a 20-compartment bank (read,
//    decode, compare, report) divided by 20, beside bare libmodbus reads of the same registers and
//    inputs on their own connection.
//
// Thread-safety: call from one thread.
#pragma once

#include <vector>

#include "core/result.h"

namespace custodian::bench {

struct HardwareSizes {
  int unlocks = 2000;  // Unlock calls per round, and as many bare coil writes
  int polls = 100;     // driver polls measured per round, and as many bare bank reads
  int compartments = 20;
};

struct HardwareTimes {
  std::vector<double> unlock_ms, write_ms;  // one each
  double poll_us_per_compartment = 0;       // mean over the round's polls
  double read_us_per_compartment = 0;       // mean over the bare reads
};

core::Result<HardwareTimes> MeasureHardware(const HardwareSizes& sizes);

}  // namespace custodian::bench
