// The Custodian locker protocol, version 1.0, over Modbus TCP: the register map of one locker bank
// controller, and a pure codec between its registers and a BankSnapshot. Specified register by
// register in docs/hardware-protocol.md; this file is that specification in code, shared by the
// driver (ModbusTcpController) and the simulator so they cannot disagree.
//
// No I/O here: the transport (libmodbus) reads the register blocks and hands them to
// DecodeBank(), which trusts nothing — wrong magic or version, a count out of range, a block of the
// wrong size, an EPC in an unused slot, a charge over 100 % or a temperature no sensor can report
// is an InvalidArgument naming the register.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace custodian::hardware::modbus {

inline constexpr uint16_t kMagic = 0x4355;  // "CU"
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr int kMaxCompartments = 64;
inline constexpr int kTagSlots = 4;  // EPCs reported per compartment; more are counted only

// Input registers (function 0x04), read-only.
namespace ir {
inline constexpr int kMagic = 0;
inline constexpr int kVersionMajor = 1;
inline constexpr int kVersionMinor = 2;
inline constexpr int kCompartmentCount = 3;
inline constexpr int kHeartbeat = 4;  // +1 at least every 500 ms, wraps at 65535
inline constexpr int kIdentity = 5;  // 8 registers: 16 ASCII characters, 2 per register, NUL-padded
inline constexpr int kIdentityRegisters = 8;
inline constexpr int kHeaderRegisters = 16;  // 13–15 reserved, read as 0
// Compartment i (0-based) occupies kCompartmentBase + i * kCompartmentRegisters …
inline constexpr int kCompartmentBase = 16;
inline constexpr int kCompartmentRegisters = 32;
// … with these offsets:
inline constexpr int kTagCount = 0;      // tags read now (may exceed kTagSlots)
inline constexpr int kTags = 1;          // kTagSlots EPCs of 6 registers (96 bits, big-endian)
inline constexpr int kWeightHigh = 25;   // grams, unsigned 32 bits: high word …
inline constexpr int kWeightLow = 26;    // … low word; 0xFFFFFFFF = no scale
inline constexpr int kCharge = 27;       // percent 0–100; 0xFFFF = not charging / no charger
inline constexpr int kTemperature = 28;  // 0.1 °C, two's complement; 0x8000 = no sensor
inline constexpr int kHumidity = 29;     // 0.1 % RH 0–1000; 0xFFFF = no sensor
// 30–31 reserved, read as 0.
inline constexpr int Count(int compartments) {
  return kCompartmentBase + compartments * kCompartmentRegisters;
}
}  // namespace ir

// Discrete inputs (function 0x02), read-only.
namespace di {
inline constexpr int kMainsPower = 0;  // 1 = mains present
inline constexpr int kFireAlarm = 1;   // 1 = the building's fire alarm input is active
inline constexpr int kHeaderBits = 8;  // 2–7 reserved, read as 0
inline constexpr int kCompartmentBits = 4;
inline constexpr int kDoorClosed = 0;       // outer door
inline constexpr int kLockEngaged = 1;      // outer lock
inline constexpr int kTamper = 2;           // enclosure or lock tamper switch
inline constexpr int kInnerDoorClosed = 3;  // pass-through compartments; 1 otherwise
inline constexpr int Count(int compartments) {
  return kHeaderBits + compartments * kCompartmentBits;
}
}  // namespace di

// Coils (functions 0x01, 0x05, 0x0F). Writing 1 pulses the lock open for the controller's pulse
// time, after which the controller clears the coil to 0 itself; writing 0 relocks at once.
namespace coil {
inline constexpr int kCompartmentCoils = 2;
inline constexpr int kOuterLock = 0;
inline constexpr int kInnerLock = 1;
inline constexpr int Address(int compartment, int which) {
  return compartment * kCompartmentCoils + which;
}
}  // namespace coil

using Epc = std::string;  // 24 upper-case hex digits

struct CompartmentSnapshot {
  bool door_closed = true;
  bool lock_engaged = true;
  bool tamper = false;
  bool inner_door_closed = true;
  int tag_count = 0;  // tags read; tags holds the first kTagSlots of them
  std::vector<Epc> tags;
  std::optional<uint32_t> weight_g;   // none: no scale
  std::optional<int> charge_percent;  // none: no charger
  std::optional<int> temperature_deci_c;
  std::optional<int> humidity_deci_pct;
  friend bool operator==(const CompartmentSnapshot&, const CompartmentSnapshot&) = default;
};

struct BankSnapshot {
  uint16_t version_minor = kVersionMinor;
  uint16_t heartbeat = 0;
  std::string identity;  // up to 16 printable ASCII characters
  bool mains_power = true;
  bool fire_alarm = false;
  std::vector<CompartmentSnapshot> compartments;
  friend bool operator==(const BankSnapshot&, const BankSnapshot&) = default;
};

// What a poll reads: the input registers ir::Count(n) and the discrete inputs di::Count(n).
struct BankRegisters {
  std::vector<uint16_t> input;
  std::vector<uint8_t> discrete;  // one byte per bit, 0 or 1 (as libmodbus returns them)
};

// The compartment count from the header alone (first ir::kHeaderRegisters input registers), after
// checking magic and major version: the driver reads the header first, then the rest.
core::Result<int> DecodeHeader(const std::vector<uint16_t>& header);
core::Result<BankSnapshot> DecodeBank(const BankRegisters& registers);
// The registers a conforming controller serves for this snapshot (the simulator's side).
BankRegisters EncodeBank(const BankSnapshot& bank);

// EPC ⇄ its 6 registers. An all-zero EPC is not a tag.
std::array<uint16_t, 6> EpcToRegisters(const Epc& epc);  // precondition: 24 hex digits
Epc EpcFromRegisters(const uint16_t* six);

}  // namespace custodian::hardware::modbus
