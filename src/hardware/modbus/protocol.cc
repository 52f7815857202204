#include "hardware/modbus/protocol.h"

#include <algorithm>

namespace custodian::hardware::modbus {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

core::Status Bad(const std::string& where, const std::string& why) {
  return core::InvalidArgumentError("bank registers: " + where + ": " + why);
}

std::string Reg(int address) { return "input register " + std::to_string(address); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::array<uint16_t, 6> EpcToRegisters(const Epc& epc) {
  std::array<uint16_t, 6> out{};
  for (size_t r = 0; r < 6; ++r) {
    uint16_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const size_t at = r * 4 + k;
      const int d = at < epc.size() ? HexValue(epc[at]) : 0;
      v = static_cast<uint16_t>(v << 4 | (d < 0 ? 0 : d));
    }
    out[r] = v;
  }
  return out;
}

Epc EpcFromRegisters(const uint16_t* six) {
  Epc epc(24, '0');
  for (size_t r = 0; r < 6; ++r) {
    for (size_t k = 0; k < 4; ++k) epc[r * 4 + k] = kHex[(six[r] >> (12 - 4 * k)) & 0xF];
  }
  return epc;
}

core::Result<int> DecodeHeader(const std::vector<uint16_t>& header) {
  if (header.size() < static_cast<size_t>(ir::kHeaderRegisters)) {
    return Bad("header", "got " + std::to_string(header.size()) + " registers, need " +
                             std::to_string(ir::kHeaderRegisters));
  }
  if (header[ir::kMagic] != kMagic) {
    return Bad(Reg(ir::kMagic), "not a Custodian locker controller (magic " +
                                    std::to_string(header[ir::kMagic]) + ", expected " +
                                    std::to_string(kMagic) + ")");
  }
  if (header[ir::kVersionMajor] != kVersionMajor) {
    return Bad(Reg(ir::kVersionMajor), "protocol version " +
                                           std::to_string(header[ir::kVersionMajor]) +
                                           ".x is not supported (this driver speaks 1.x)");
  }
  const int n = header[ir::kCompartmentCount];
  if (n < 1 || n > kMaxCompartments) {
    return Bad(Reg(ir::kCompartmentCount), "compartment count " + std::to_string(n) +
                                               " is outside 1-" + std::to_string(kMaxCompartments));
  }
  return n;
}

core::Result<BankSnapshot> DecodeBank(const BankRegisters& r) {
  CUSTODIAN_ASSIGN_OR_RETURN(const int n, DecodeHeader(r.input));
  if (r.input.size() != static_cast<size_t>(ir::Count(n))) {
    return Bad("input registers", "got " + std::to_string(r.input.size()) + ", expected " +
                                      std::to_string(ir::Count(n)) + " for " + std::to_string(n) +
                                      " compartments");
  }
  if (r.discrete.size() != static_cast<size_t>(di::Count(n))) {
    return Bad("discrete inputs", "got " + std::to_string(r.discrete.size()) + ", expected " +
                                      std::to_string(di::Count(n)) + " for " + std::to_string(n) +
                                      " compartments");
  }
  for (size_t i = 0; i < r.discrete.size(); ++i) {
    if (r.discrete[i] > 1) {
      return Bad("discrete input " + std::to_string(i),
                 "value " + std::to_string(r.discrete[i]) + " is not a bit");
    }
  }
  for (int k = ir::kIdentity + ir::kIdentityRegisters; k < ir::kHeaderRegisters; ++k) {
    if (r.input[k] != 0) return Bad(Reg(k), "reserved register is not 0");
  }
  for (int k = di::kFireAlarm + 1; k < di::kHeaderBits; ++k) {
    if (r.discrete[k] != 0)
      return Bad("discrete input " + std::to_string(k), "reserved input is not 0");
  }
  BankSnapshot b;
  b.version_minor = r.input[ir::kVersionMinor];
  b.heartbeat = r.input[ir::kHeartbeat];
  for (int k = 0; k < ir::kIdentityRegisters; ++k) {
    const uint16_t v = r.input[ir::kIdentity + k];
    for (const int c : {v >> 8, v & 0xFF}) {
      if (c == 0) continue;
      if (c < 0x20 || c > 0x7E) {
        return Bad(Reg(ir::kIdentity + k),
                   "identity holds a non-printable byte " + std::to_string(c));
      }
      b.identity += static_cast<char>(c);
    }
  }
  b.mains_power = r.discrete[di::kMainsPower] != 0;
  b.fire_alarm = r.discrete[di::kFireAlarm] != 0;
  b.compartments.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    CompartmentSnapshot& c = b.compartments[static_cast<size_t>(i)];
    const int base = ir::kCompartmentBase + i * ir::kCompartmentRegisters;
    const uint16_t* reg = r.input.data() + base;
    const std::string where = "compartment " + std::to_string(i + 1) + ", ";
    c.tag_count = reg[ir::kTagCount];
    if (c.tag_count > 255) {
      return Bad(where + Reg(base + ir::kTagCount),
                 "tag count " + std::to_string(c.tag_count) + " is not plausible (at most 255)");
    }
    for (int s = 0; s < kTagSlots; ++s) {
      const uint16_t* slot = reg + ir::kTags + 6 * s;
      const bool empty = std::all_of(slot, slot + 6, [](uint16_t w) { return w == 0; });
      if (s < c.tag_count) {
        if (empty) {
          return Bad(where + Reg(base + ir::kTags + 6 * s),
                     "tag slot " + std::to_string(s + 1) + " is empty but the count says " +
                         std::to_string(c.tag_count) + " tags");
        }
        c.tags.push_back(EpcFromRegisters(slot));
      } else if (!empty) {
        return Bad(where + Reg(base + ir::kTags + 6 * s),
                   "tag slot " + std::to_string(s + 1) + " holds an EPC but the count says " +
                       std::to_string(c.tag_count) + " tags");
      }
    }
    const uint32_t weight = uint32_t{reg[ir::kWeightHigh]} << 16 | reg[ir::kWeightLow];
    if (weight != 0xFFFFFFFFu) {
      if (weight > 1'000'000u) {
        return Bad(where + Reg(base + ir::kWeightHigh),
                   "weight " + std::to_string(weight) + " g is over 1,000 kg");
      }
      c.weight_g = weight;
    }
    const uint16_t charge = reg[ir::kCharge];
    if (charge != 0xFFFF) {
      if (charge > 100) {
        return Bad(where + Reg(base + ir::kCharge),
                   "charge " + std::to_string(charge) + " % is over 100 %");
      }
      c.charge_percent = charge;
    }
    const uint16_t temp = reg[ir::kTemperature];
    if (temp != 0x8000) {
      const int deci = static_cast<int16_t>(temp);
      if (deci < -400 || deci > 850) {
        return Bad(where + Reg(base + ir::kTemperature),
                   "temperature " + std::to_string(deci) +
                       " tenths of a degree is outside -40.0 to 85.0 °C");
      }
      c.temperature_deci_c = deci;
    }
    const uint16_t hum = reg[ir::kHumidity];
    if (hum != 0xFFFF) {
      if (hum > 1000) {
        return Bad(where + Reg(base + ir::kHumidity),
                   "humidity " + std::to_string(hum) + " tenths of a percent is over 100 %");
      }
      c.humidity_deci_pct = hum;
    }
    for (int k = 30; k < ir::kCompartmentRegisters; ++k) {
      if (reg[k] != 0) return Bad(where + Reg(base + k), "reserved register is not 0");
    }
    const uint8_t* bits = r.discrete.data() + di::kHeaderBits + i * di::kCompartmentBits;
    c.door_closed = bits[di::kDoorClosed] != 0;
    c.lock_engaged = bits[di::kLockEngaged] != 0;
    c.tamper = bits[di::kTamper] != 0;
    c.inner_door_closed = bits[di::kInnerDoorClosed] != 0;
  }
  return b;
}

BankRegisters EncodeBank(const BankSnapshot& b) {
  const int n = static_cast<int>(b.compartments.size());
  BankRegisters r;
  r.input.assign(static_cast<size_t>(ir::Count(n)), 0);
  r.discrete.assign(static_cast<size_t>(di::Count(n)), 0);
  r.input[ir::kMagic] = kMagic;
  r.input[ir::kVersionMajor] = kVersionMajor;
  r.input[ir::kVersionMinor] = b.version_minor;
  r.input[ir::kCompartmentCount] = static_cast<uint16_t>(n);
  r.input[ir::kHeartbeat] = b.heartbeat;
  for (size_t k = 0; k < b.identity.size() && k < 2 * ir::kIdentityRegisters; ++k) {
    const auto c = static_cast<uint8_t>(b.identity[k]);
    r.input[ir::kIdentity + k / 2] |= static_cast<uint16_t>(k % 2 == 0 ? c << 8 : c);
  }
  r.discrete[di::kMainsPower] = b.mains_power ? 1 : 0;
  r.discrete[di::kFireAlarm] = b.fire_alarm ? 1 : 0;
  for (int i = 0; i < n; ++i) {
    const CompartmentSnapshot& c = b.compartments[static_cast<size_t>(i)];
    uint16_t* reg = r.input.data() + ir::kCompartmentBase + i * ir::kCompartmentRegisters;
    reg[ir::kTagCount] = static_cast<uint16_t>(c.tag_count);
    for (size_t s = 0; s < c.tags.size() && s < static_cast<size_t>(kTagSlots); ++s) {
      const auto words = EpcToRegisters(c.tags[s]);
      std::copy(words.begin(), words.end(), reg + ir::kTags + 6 * s);
    }
    const uint32_t weight = c.weight_g.value_or(0xFFFFFFFFu);
    reg[ir::kWeightHigh] = static_cast<uint16_t>(weight >> 16);
    reg[ir::kWeightLow] = static_cast<uint16_t>(weight & 0xFFFF);
    reg[ir::kCharge] = static_cast<uint16_t>(c.charge_percent.value_or(0xFFFF));
    reg[ir::kTemperature] = c.temperature_deci_c
                                ? static_cast<uint16_t>(static_cast<int16_t>(*c.temperature_deci_c))
                                : uint16_t{0x8000};
    reg[ir::kHumidity] = static_cast<uint16_t>(c.humidity_deci_pct.value_or(0xFFFF));
    uint8_t* bits = r.discrete.data() + di::kHeaderBits + i * di::kCompartmentBits;
    bits[di::kDoorClosed] = c.door_closed ? 1 : 0;
    bits[di::kLockEngaged] = c.lock_engaged ? 1 : 0;
    bits[di::kTamper] = c.tamper ? 1 : 0;
    bits[di::kInnerDoorClosed] = c.inner_door_closed ? 1 : 0;
  }
  return r;
}

}  // namespace custodian::hardware::modbus
