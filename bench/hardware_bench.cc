#include "hardware_bench.h"

#include <modbus/modbus.h>

#include <chrono>
#include <thread>

#include "hardware/modbus/modbus_tcp_controller.h"
#include "hardware/modbus/protocol.h"
#include "hardware/sim/bank_simulator.h"

namespace custodian::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace hw = hardware::modbus;

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

core::Result<HardwareTimes> MeasureHardware(const HardwareSizes& sizes) {
  std::vector<hardware::sim::SimCompartment> comps(static_cast<size_t>(sizes.compartments));
  hardware::sim::BankSimulator::Options so;
  so.pulse = std::chrono::milliseconds(50);
  CUSTODIAN_ASSIGN_OR_RETURN(auto sim, hardware::sim::BankSimulator::Start(comps, so));
  for (int i = 0; i < sizes.compartments; ++i) {
    char tag[64];
    std::snprintf(tag, sizeof tag, "E2801170000002000000%04X", static_cast<unsigned>(i & 0xFFFF));
    sim->Place(i, {tag, 400, std::nullopt});
  }
  hw::BankConfig bank{"B", "A", "127.0.0.1", sim->port(), {}};
  for (int i = 0; i < sizes.compartments; ++i) bank.compartments.push_back(std::to_string(i + 1));
  // Polls every 20 ms rather than the default 200 ms: ten times the contention an unlock meets on
  // the bank's connection, and enough polls to measure in a couple of seconds.
  hw::DriverOptions options;
  options.poll_interval = std::chrono::milliseconds(20);
  hw::ModbusTcpController driver({bank}, options, {});
  driver.Start();

  // The floor: our own libmodbus connection to the same simulator.
  modbus_t* raw = modbus_new_tcp("127.0.0.1", sim->port());
  if (raw == nullptr || modbus_connect(raw) != 0) {
    if (raw != nullptr) modbus_free(raw);
    return core::UnavailableError("cannot connect to the simulator");
  }
  HardwareTimes t;
  core::Status failed;
  for (int k = 0; k < sizes.unlocks && failed.ok(); ++k) {
    const int c = k % sizes.compartments;
    auto t0 = Clock::now();
    failed = driver.Unlock({"B", "A", std::to_string(c + 1)}, app::Door::kOuter);
    t.unlock_ms.push_back(MsSince(t0));
    t0 = Clock::now();
    if (modbus_write_bit(raw, hw::coil::Address(c, hw::coil::kOuterLock), 1) != 1) {
      failed = core::UnavailableError(std::string("raw coil write: ") + modbus_strerror(errno));
    }
    t.write_ms.push_back(MsSince(t0));
  }

  // Polls: the driver's own accounting of the time spent inside its polls, over the next
  // `polls`, while our connection reads the same bank between them.
  const uint64_t polls0 = driver.GoodPolls()[0];
  const double us0 = driver.GoodPollMicros()[0];
  const int n = sizes.compartments;
  std::vector<uint16_t> regs(static_cast<size_t>(hw::ir::Count(n)));
  std::vector<uint8_t> bits(static_cast<size_t>(hw::di::Count(n)));
  double read_us = 0;
  int reads = 0;
  while (failed.ok() && (driver.GoodPolls()[0] < polls0 + static_cast<uint64_t>(sizes.polls) ||
                         reads < sizes.polls)) {
    const auto t0 = Clock::now();
    for (int at = 0; at < hw::ir::Count(n); at += MODBUS_MAX_READ_REGISTERS) {
      const int count = std::min(MODBUS_MAX_READ_REGISTERS, hw::ir::Count(n) - at);
      if (modbus_read_input_registers(raw, at, count, regs.data() + at) != count) {
        failed = core::UnavailableError("raw register read failed");
      }
    }
    if (modbus_read_input_bits(raw, 0, hw::di::Count(n), bits.data()) != hw::di::Count(n)) {
      failed = core::UnavailableError("raw input read failed");
    }
    read_us += std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    ++reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_interval.count() / 2));
  }
  const uint64_t polls = driver.GoodPolls()[0] - polls0;
  const double poll_us = driver.GoodPollMicros()[0] - us0;
  driver.Stop();
  modbus_close(raw);
  modbus_free(raw);
  CUSTODIAN_RETURN_IF_ERROR(failed);
  t.poll_us_per_compartment = poll_us / static_cast<double>(polls) / n;
  t.read_us_per_compartment = read_us / reads / n;
  return t;
}

}  // namespace custodian::bench
