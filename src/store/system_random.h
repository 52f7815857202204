// The operating system's CSPRNG, through libsodium (randombytes_buf).
#pragma once

#include "core/random.h"

namespace custodian::store {

class SystemRandom final : public core::Random {
 public:
  void Fill(std::span<uint8_t> out) const override;
};

}  // namespace custodian::store
