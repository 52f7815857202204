// PIN hashing with Argon2id (libsodium's crypto_pwhash_str at its INTERACTIVE limits: ~80 ms and
// 64 MiB per check on this machine, DEPS.md trap 6 — attempts are rate-limited before hashing).
// Thread-safe.
#pragma once

#include "app/agency.h"

namespace custodian::store {

class Argon2PinHasher final : public app::PinHasher {
 public:
  core::Result<std::string> Hash(const std::string& pin) const override;
  bool Matches(const std::string& hash, const std::string& pin) const override;
};

// A random PIN of `digits` decimal digits from libsodium's CSPRNG.
std::string RandomPin(int digits = 6);

}  // namespace custodian::store
