// TOTP one-time codes for dashboard logins (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1 (OpenSSL),
// 6 digits, 30-second steps from the Unix epoch — what every authenticator app speaks. Secrets are
// 160 random bits (OpenSSL RAND_bytes) in RFC 4648 base32 without padding.
//
// Thread-safety: stateless; every method may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/agency.h"

namespace custodian::store {

class Totp final : public app::OneTimeCodes {
 public:
  core::Result<std::string> NewSecret() const override;
  std::optional<int64_t> Check(const std::string& secret, const std::string& code,
                               int64_t now_micros) const override;

  // The 6-digit code of a step (RFC 4226 with the step as the counter); none for a secret that is
  // not base32.
  static std::optional<std::string> CodeAt(std::string_view secret_base32, int64_t step);
  static int64_t StepOf(int64_t now_micros) { return now_micros / 1'000'000 / 30; }
  // The otpauth:// URI an authenticator app scans ("Custodian:2001").
  static std::string Uri(std::string_view account, std::string_view secret_base32);
};

}  // namespace custodian::store
