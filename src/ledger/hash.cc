#include "ledger/hash.h"

// OpenSSL's low-level SHA-256 functions are deprecated in 3.0 in favour of EVP, but they remain
// part of its API and use the same SHA-NI code without EVP's per-call provider dispatch: 99 ns
// against 152 ns for a 65-byte interior node on this machine, and the ledger hashes one leaf and
// about one node per event. See docs/adr/0001-foundation.md.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstring>

namespace custodian::ledger {
namespace {

class Digest {
 public:
  Digest() { SHA256_Init(&ctx_); }
  void Update(const void* p, size_t n) { SHA256_Update(&ctx_, p, n); }
  Hash Final() {
    Hash h;
    SHA256_Final(h.data(), &ctx_);
    return h;
  }

 private:
  SHA256_CTX ctx_;
};

}  // namespace

Hash Sha256(core::ByteSpan data) {
  Digest d;
  d.Update(data.data(), data.size());
  return d.Final();
}

Hash Sha256(core::ByteSpan a, core::ByteSpan b) {
  Digest d;
  d.Update(a.data(), a.size());
  d.Update(b.data(), b.size());
  return d.Final();
}

Hash LeafHash(core::ByteSpan leaf_data) {
  static constexpr uint8_t kLeafPrefix = 0x00;
  Digest d;
  d.Update(&kLeafPrefix, 1);
  d.Update(leaf_data.data(), leaf_data.size());
  return d.Final();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Digest d;
  d.Update(buf, sizeof buf);
  return d.Final();
}

Hash EmptyRoot() { return Sha256(core::ByteSpan{}); }

std::string ToHex(const Hash& h) { return core::HexEncode(h); }

core::Result<Hash> HashFromBytes(core::ByteSpan bytes) {
  if (bytes.size() != 32) {
    return core::InvalidArgumentError("a hash is 32 bytes, got " + std::to_string(bytes.size()));
  }
  Hash h;
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

core::Result<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return core::InvalidArgumentError("a hash is 64 hex digits, got " + std::to_string(hex.size()));
  }
  auto bytes = core::HexDecode(hex);
  if (!bytes) return bytes.error();
  return HashFromBytes(*bytes);
}

}  // namespace custodian::ledger
