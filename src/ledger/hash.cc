#include "ledger/hash.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace custodian::ledger {
namespace {

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) {
      std::fprintf(stderr, "fatal: OpenSSL has no SHA256\n");
      std::abort();
    }
    return m;
  }();
  return md;
}

// One reusable digest context per thread: creating a context costs more than hashing 64 bytes.
struct ThreadContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

class Digest {
 public:
  Digest() {
    thread_local ThreadContext tc;
    ctx_ = tc.ctx;
    EVP_DigestInit_ex2(ctx_, Sha256Md(), nullptr);
  }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  Hash Final() {
    Hash h;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, h.data(), &len);
    return h;
  }

 private:
  EVP_MD_CTX* ctx_;
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
