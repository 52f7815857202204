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
// Doors: every compartment has an outer door; a pass-through compartment (SimCompartment::
// pass_through) also has an inner door, on the property-room side, with its own lock on the inner
// coil under the same rules and its own pulse count; it reads as discrete input +3. The door and
// lock methods take a Door, the outer one when not given. A compartment that is not pass-through
// has no inner door: opening, forcing or closing it fails (false), it always reads closed, and its
// inner coil is acknowledged and ignored (it reads back 0), as a controller without that lock
// would.
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

// Which door of a compartment (the inner one exists in pass-through compartments only).
enum class Door { kOuter, kInner };

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
  // Only while that door's lock is released; false otherwise.
  bool OpenDoor(int i, Door door = Door::kOuter);
  bool ForceDoor(int i, Door door = Door::kOuter);  // open it whatever the lock says
  bool CloseDoor(int i, Door door = Door::kOuter);
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
  bool PassThrough(int i) const;  // whether compartment i has an inner door
  bool DoorClosed(int i, Door door = Door::kOuter) const;
  bool LockReleased(int i, Door door = Door::kOuter) const;
  int UnlockPulses(int i, Door door = Door::kOuter) const;  // coil writes of 1 so far
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
