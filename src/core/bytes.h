// Byte strings and their text forms: lower-case hex and standard base64 (RFC 4648 §4, with
// padding). Decoders are strict: they reject anything that is not the canonical encoding, so a
// value has exactly one text form (a property the signed-note and checkpoint formats rely on).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace custodian::core {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string HexEncode(ByteSpan bytes);
Result<Bytes> HexDecode(std::string_view hex);  // Lower- or upper-case; even length.

std::string Base64Encode(ByteSpan bytes);
Result<Bytes> Base64Decode(std::string_view text);  // Canonical padded form only.

// Big-endian integer encoding for the binary formats in docs/.
void AppendU16(Bytes& out, uint16_t v);
void AppendU32(Bytes& out, uint32_t v);
void AppendU64(Bytes& out, uint64_t v);

// Reads big-endian fields from a byte span; every read reports running past the end.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}
  bool ReadU8(uint8_t& v);
  bool ReadU16(uint16_t& v);
  bool ReadU32(uint32_t& v);
  bool ReadU64(uint64_t& v);
  bool ReadBytes(size_t n, ByteSpan& v);
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace custodian::core
