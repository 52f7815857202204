#include "store/argon2_pins.h"

#include <sodium.h>

namespace custodian::store {
namespace {
bool Init() { return sodium_init() >= 0; }
static_assert(crypto_pwhash_OPSLIMIT_INTERACTIVE == 2);
static_assert(crypto_pwhash_MEMLIMIT_INTERACTIVE == size_t{64} << 20);
static_assert(crypto_pwhash_OPSLIMIT_MIN == 1 && crypto_pwhash_MEMLIMIT_MIN == 8192);
}  // namespace

core::Result<std::string> Argon2PinHasher::Hash(const std::string& pin) const {
  if (!Init()) return core::InternalError("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), limits_.ops, limits_.memory_bytes) != 0) {
    return core::UnavailableError("Argon2id ran out of memory hashing a PIN");
  }
  return std::string(out);
}

bool Argon2PinHasher::Matches(const std::string& hash, const std::string& pin) const {
  if (!Init() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

std::string RandomPin(int digits) {
  if (!Init()) return {};
  std::string pin;
  for (int i = 0; i < digits; ++i) pin += static_cast<char>('0' + randombytes_uniform(10));
  return pin;
}

}  // namespace custodian::store
