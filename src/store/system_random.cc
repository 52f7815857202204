#include "store/system_random.h"

#include <sodium.h>

namespace custodian::store {

void SystemRandom::Fill(std::span<uint8_t> out) const {
  // sodium_init() is idempotent and thread-safe; randombytes_buf cannot fail once it succeeded.
  if (sodium_init() < 0) __builtin_trap();
  randombytes_buf(out.data(), out.size());
}

}  // namespace custodian::store
