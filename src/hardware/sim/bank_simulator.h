// BankSimulator: one simulated locker bank controller. A Modbus TCP server on loopback that speaks
// the Custodian locker protocol (docs/hardware-protocol.md) through the same codec as the driver,
// and the physical world behind it: doors, locks, the items (tags, weights, charge) in each
// compartment, temperature, mains power, the fire alarm — which a test or a person changes through
// the methods below. Faults are part of the world: a slow answer, garbage frames, dropping off the
// network.
//
// Locks: writing 1 to a compartment's lock coil releases the lock; it re-engages when the door
// closes after having been opened, when 0 is written, or after the pulse time (default 30 s) if
// the door was never opened. A door opens only while its lock is released — unless forced.
//
// Thread-safety: every method may be called from any thread; the server runs on its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "hardware/modbus/protocol.h"

namespace custodian::hardware::sim {

struct SimCompartment {
  bool scale = true;
  bool charger = false;
  bool thermometer = false;
  bool pass_through = false;
};

struct SimItem {
  modbus::Epc tag;
  uint32_t weight_g = 0;
  std::optional<int> charge_percent;  // a device that reports its charge in a charging bay
};

class BankSimulator {
 public:
  struct Options {
    std::string identity = "CUSTODIAN-SIM";
    uint16_t port = 0;  // 0: the system picks a free one (see port())
    std::chrono::milliseconds pulse{30'000};
  };
  static core::Result<std::unique_ptr<BankSimulator>> Start(
      std::vector<SimCompartment> compartments, Options options);
  ~BankSimulator();
  BankSimulator(const BankSimulator&) = delete;
  BankSimulator& operator=(const BankSimulator&) = delete;

  uint16_t port() const;
  int compartments() const;

  // The world. Compartments are 0-based here (the protocol's compartment 1 is index 0). A
  // method given an index out of range does nothing and returns false.
  bool Place(int i, SimItem item);                             // put an item in (any tag)
  std::optional<SimItem> Take(int i, const modbus::Epc& tag);  // take it out, if there
  bool OpenDoor(int i);   // only while the lock is released; false otherwise
  bool ForceDoor(int i);  // open it whatever the lock says
  bool CloseDoor(int i);
  // The scale's reading, overriding the items' sum; none: the items' sum again.
  bool SetWeight(int i, std::optional<uint32_t> grams);
  bool SetTemperature(int i, std::optional<int> deci_c);
  bool SetTamper(int i, bool tampered);
  void SetMains(bool present);
  void SetFireAlarm(bool active);

  // Faults.
  void SetResponseDelay(std::chrono::milliseconds delay);  // every answer waits this long
  void SendGarbage(int answers);  // the next `answers` answers are malformed frames
  void SetOffline(bool offline);  // drop every connection and refuse new ones until false

  // What happened.
  bool DoorClosed(int i) const;
  bool LockReleased(int i) const;
  int UnlockPulses(int i) const;  // coil writes of 1 so far
  std::vector<SimItem> Items(int i) const;
  uint64_t RequestsServed() const;
  // What a poll would read now (doors, locks, tags, scales, sensors, mains, fire alarm), and
  // whether the controller is off the network: for the simulator's control interface.
  modbus::BankSnapshot Snapshot() const;
  bool Offline() const;

 private:
  struct State;
  explicit BankSimulator(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace custodian::hardware::sim
