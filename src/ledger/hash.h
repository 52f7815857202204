// SHA-256 and the RFC 6962 / RFC 9162 hashing rules that the ledger is built on:
//   leaf hash = SHA-256(0x00 || leaf data),  node hash = SHA-256(0x01 || left || right).
// The domain-separation prefixes make a leaf impossible to pass off as an interior node.
// OpenSSL does the hashing (SHA-NI on x86; DEPS.md trap 5), through its low-level SHA-256
// functions, which cost a third less than EVP per call for the small inputs a Merkle tree hashes.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/bytes.h"

namespace custodian::ledger {

using Hash = std::array<uint8_t, 32>;

Hash Sha256(core::ByteSpan data);
// SHA-256 over the concatenation of two spans, without copying them together.
Hash Sha256(core::ByteSpan a, core::ByteSpan b);

Hash LeafHash(core::ByteSpan leaf_data);
Hash NodeHash(const Hash& left, const Hash& right);
// The root of the empty tree: SHA-256 of the empty string.
Hash EmptyRoot();

std::string ToHex(const Hash& h);
core::Result<Hash> HashFromHex(std::string_view hex);    // Exactly 64 hex digits.
core::Result<Hash> HashFromBytes(core::ByteSpan bytes);  // Exactly 32 bytes.

}  // namespace custodian::ledger
