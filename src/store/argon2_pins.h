// PIN hashing with Argon2id (libsodium's crypto_pwhash_str at its INTERACTIVE limits: ~80 ms and
// 64 MiB per check on this machine, DEPS.md trap 6 — attempts are rate-limited before hashing).
// Thread-safe.
#pragma once

#include <cstddef>

#include "app/agency.h"

namespace custodian::store {

class Argon2PinHasher final : public app::PinHasher {
 public:
  // Argon2id cost. The default is libsodium's INTERACTIVE (2 passes, 64 MiB); tests that hash many
  // PINs pass Cheapest() (1 pass, 8 KiB), which only makes their own hashes cheap: Matches() always
  // uses the cost encoded in the stored hash.
  struct Limits {
    unsigned long long ops;
    size_t memory_bytes;
  };
  static Limits Interactive() { return Limits{2, size_t{64} << 20}; }
  static Limits Cheapest() { return Limits{1, 8192}; }
  Argon2PinHasher() : limits_(Interactive()) {}
  explicit Argon2PinHasher(Limits limits) : limits_(limits) {}
  core::Result<std::string> Hash(const std::string& pin) const override;
  bool Matches(const std::string& hash, const std::string& pin) const override;

 private:
  Limits limits_;
};

// A random PIN of `digits` decimal digits from libsodium's CSPRNG.
std::string RandomPin(int digits = 6);

}  // namespace custodian::store
