// LockerController: the port through which the app drives locker hardware (PRODUCT.md §3.6).
// The app layer owns the interface; src/hardware/ implements it (Modbus TCP, the simulator) and
// tests use a fake (tests/testing/fake_locker_controller.h).
//
// Commands go out through the port; what the hardware observes comes back as CompartmentReading
// values that the adapter hands to CustodyDesk::OnReading (app/custody_desk.h).
//
// Thread-safety: implementations must accept calls from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/model.h"

namespace custodian::app {

// A compartment's doors: every compartment has the outer one, on the officers' side; a
// pass-through compartment (domain::Feature::kPassThrough) also has an inner one, opening into the
// property room, with its own lock.
enum class Door { kOuter, kInner };

// What a compartment's sensors say at one moment.
struct CompartmentReading {
  domain::CompartmentKey compartment;
  bool door_closed = true;  // the outer door
  // Pass-through compartments: the inner door, on the property-room side. True for every other
  // compartment (it has no inner door to open).
  bool inner_door_closed = true;
  std::vector<std::string> tags;          // RFID EPCs present, 24 upper-case hex digits each
  std::optional<int64_t> weight_g;        // none: no scale
  std::optional<int> charge_percent;      // none: no charger, or nothing charging
  std::optional<int> temperature_deci_c;  // none: no thermometer
};

// Something a bank's controller reported that is not a door or a tag: the driver's own view of the
// bank (online, offline, garbage answers) and the alarms of the physical world.
struct BankEvent {
  enum class Kind {
    kOnline,     // answering again (or for the first time)
    kOffline,    // not answering: the bank fails secure (its locks stay engaged)
    kBadAnswer,  // an answer that is not the protocol: ignored, detail says why
    kMainsLost,
    kMainsRestored,
    kFireAlarm,
    kFireAlarmCleared,
    kTamper,      // a compartment's tamper switch
    kForcedDoor,  // a door opened while its lock was engaged
  };
  Kind kind;
  std::string site;
  std::string bank;
  std::string compartment;  // empty for the bank as a whole
  std::string detail;       // one sentence for people
};

class LockerController {
 public:
  virtual ~LockerController() = default;
  // Pulses the lock of one of the compartment's doors so that the door can be opened. Unavailable
  // when the controller cannot be reached; the app then records that the opening was abandoned.
  // An adapter need not know which compartments are pass-through: the inner lock of one that is
  // not may be commanded and simply has no effect.
  virtual core::Status Unlock(const domain::CompartmentKey& compartment, Door door) = 0;
  // Engages that lock again (the door was never opened after an Unlock).
  virtual core::Status Relock(const domain::CompartmentKey& compartment, Door door) = 0;
};

}  // namespace custodian::app
