// Fuzz target: decoding a locker bank's registers (hardware/modbus/protocol.h), i.e. whatever a
// controller — or something pretending to be one — answers to a poll. Input: the discrete inputs'
// count as one byte, then that many bytes of bits, then the input registers as big-endian words.
// Decoding must never crash; it fails with InvalidArgument only, and whatever it accepts encodes
// back to exactly the registers it came from (nothing was guessed or dropped).
#include <cstdint>
#include <cstdlib>

#include "hardware/modbus/protocol.h"

using namespace custodian::hardware::modbus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t bits = data[0];
  if (size < 1 + bits) return 0;
  BankRegisters r;
  r.discrete.assign(data + 1, data + 1 + bits);
  for (size_t i = 1 + bits; i + 1 < size; i += 2) {
    r.input.push_back(static_cast<uint16_t>(data[i] << 8 | data[i + 1]));
  }
  auto b = DecodeBank(r);
  if (!b.has_value()) {
    if (b.error().code() != custodian::core::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const BankRegisters back = EncodeBank(*b);
  if (back.discrete != r.discrete) std::abort();
  // Identity bytes after a NUL are not kept (NUL-padded text), so compare the rest exactly.
  BankRegisters masked = r;
  for (int k = ir::kIdentity; k < ir::kIdentity + ir::kIdentityRegisters; ++k) {
    masked.input[static_cast<size_t>(k)] = back.input[static_cast<size_t>(k)];
  }
  if (back.input != masked.input) std::abort();
  return 0;
}
