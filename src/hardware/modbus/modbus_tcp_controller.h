// ModbusTcpController: the LockerController that drives real locker banks (and the simulator) over
// Modbus TCP with the Custodian locker protocol (docs/hardware-protocol.md), using libmodbus.
//
// One polling thread per bank reads the whole bank every poll interval (default 200 ms), decodes
// it with modbus::DecodeBank — which trusts nothing — and reports what changed: a
// CompartmentReading whenever a door (the outer one, or the inner one of a pass-through
// compartment), the tags, the charge, the temperature or the weight (beyond a deadband) of a
// compartment change (all of them after every (re)connection), and a BankEvent for the rest
// (online/offline, a bad answer, mains, fire alarm, tamper, an outer door forced while its lock was
// engaged — the protocol reports no inner lock state, so a forced inner door is not told apart). A
// bank that does not answer `offline_after` polls in a row is reported offline once; the driver
// reconnects with exponential backoff, and its controller keeps the locks engaged meanwhile (fail
// secure). A bad answer drops the connection (the byte stream can no longer be trusted) and counts
// as a failed poll.
//
// Unlock writes the lock coil of the door (1) — the outer lock's, or the inner lock's of a
// pass-through compartment — and returns once the controller acknowledged it, always: even if the
// door already reads open, and even for the inner lock of a compartment that has none (the driver
// does not know the compartments' features; such a controller ignores the coil). Relock writes 0.
//
// Thread-safety: Unlock/Relock may be called from any thread; callbacks run on the polling threads
// (one per bank, so readings of one bank arrive in order) and must not call Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/locker_controller.h"

namespace custodian::hardware::modbus {

struct BankConfig {
  std::string site;
  std::string bank;
  std::string host = "127.0.0.1";
  uint16_t port = 502;
  std::vector<std::string> compartments;  // protocol compartment k+1 is compartments[k]
};

struct DriverOptions {
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds response_timeout{500};
  int offline_after = 3;  // failed polls in a row
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  int weight_deadband_g = 2;  // smaller weight changes alone do not make a new reading
};

struct DriverCallbacks {
  std::function<void(const app::CompartmentReading&)> on_reading;
  std::function<void(const app::BankEvent&)> on_event;
};

class ModbusTcpController final : public app::LockerController {
 public:
  ModbusTcpController(std::vector<BankConfig> banks, DriverOptions options,
                      DriverCallbacks callbacks);
  ~ModbusTcpController() override;  // stops the polling threads

  void Start();  // starts one polling thread per bank
  void Stop();

  core::Status Unlock(const domain::CompartmentKey& compartment, app::Door door) override;
  core::Status Relock(const domain::CompartmentKey& compartment, app::Door door) override;

  // Polls completed without error, per bank in configuration order (for tests and metrics).
  std::vector<uint64_t> GoodPolls() const;
  // Time spent in those polls (reading, decoding, comparing, callbacks), per bank, microseconds.
  std::vector<double> GoodPollMicros() const;

 private:
  struct Bank;
  core::Status WriteLock(const domain::CompartmentKey& compartment, app::Door door, bool release);
  void PollLoop(Bank& bank);

  DriverOptions options_;
  DriverCallbacks callbacks_;
  std::vector<std::unique_ptr<Bank>> banks_;
};

}  // namespace custodian::hardware::modbus
