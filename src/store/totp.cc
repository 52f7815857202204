#include "store/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <vector>

namespace custodian::store {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32(const unsigned char* data, size_t n) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::vector<unsigned char>> FromBase32(std::string_view text) {
  std::vector<unsigned char> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<unsigned char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

core::Result<std::string> Totp::NewSecret() const {
  unsigned char raw[20];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return core::InternalError("no randomness for a TOTP secret (OpenSSL RAND_bytes failed)");
  }
  return Base32(raw, sizeof raw);
}

std::optional<std::string> Totp::CodeAt(std::string_view secret_base32, int64_t step) {
  auto key = FromBase32(secret_base32);
  if (!key) return std::nullopt;
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), key->data(), static_cast<int>(key->size()), counter, sizeof counter, mac,
           &mac_len) == nullptr ||
      mac_len < 20) {
    return std::nullopt;
  }
  const int offset = mac[mac_len - 1] & 0x0F;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7F) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  std::string code = std::to_string(binary % 1'000'000);
  return std::string(6 - code.size(), '0') + code;
}

std::optional<int64_t> Totp::Check(const std::string& secret, const std::string& code,
                                   int64_t now_micros) const {
  if (code.size() != 6) return std::nullopt;
  const int64_t now = StepOf(now_micros);
  for (int64_t step : {now, now - 1, now + 1}) {
    auto expected = CodeAt(secret, step);
    if (!expected) return std::nullopt;
    // Constant time over the six digits.
    unsigned diff = 0;
    for (size_t i = 0; i < 6; ++i) diff |= static_cast<unsigned>((*expected)[i] ^ code[i]);
    if (diff == 0) return step;
  }
  return std::nullopt;
}

std::string Totp::Uri(std::string_view account, std::string_view secret_base32) {
  return "otpauth://totp/Custodian:" + std::string(account) +
         "?secret=" + std::string(secret_base32) +
         "&issuer=Custodian&algorithm=SHA1&digits=6&period=30";
}

}  // namespace custodian::store
