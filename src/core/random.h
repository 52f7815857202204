// Random: the source of secrets (tokens), injected like the Clock so that tests may fix it.
// Implementations must be thread-safe and, outside tests, cryptographically secure
// (store/system_random.h).
#pragma once

#include <cstdint>
#include <span>

namespace custodian::core {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) const = 0;
};

}  // namespace custodian::core
