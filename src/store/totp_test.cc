#include "store/totp.h"

#include <gtest/gtest.h>

namespace custodian::store {
namespace {

// RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890", 8-digit codes; the 6-digit
// codes are their last six digits (RFC 4226 truncation modulo 10^6).
constexpr const char* kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";  // base32 of the secret

TEST(TotpTest, ReproducesTheRfc6238TestVectors) {
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
  };
  for (const auto& [seconds, code] : vectors) {
    EXPECT_EQ(Totp::CodeAt(kRfcSecret, Totp::StepOf(seconds * 1'000'000)), code) << seconds;
  }
}

TEST(TotpTest, AcceptsTheCurrentStepAndOneEitherSideOnly) {
  const Totp totp;
  const int64_t now = 1'795'532'400'000'000LL;
  const int64_t step = Totp::StepOf(now);
  for (int64_t d : {-1, 0, 1}) {
    EXPECT_EQ(totp.Check(kRfcSecret, *Totp::CodeAt(kRfcSecret, step + d), now), step + d) << d;
  }
  for (int64_t d : {-3, -2, 2, 3}) {
    EXPECT_EQ(totp.Check(kRfcSecret, *Totp::CodeAt(kRfcSecret, step + d), now), std::nullopt) << d;
  }
  EXPECT_EQ(totp.Check(kRfcSecret, "12345", now), std::nullopt);
  EXPECT_EQ(totp.Check("not base32!", "123456", now), std::nullopt);
}

TEST(TotpTest, NewSecretsAre160BitsOfBase32AndDiffer) {
  const Totp totp;
  const std::string a = *totp.NewSecret();
  const std::string b = *totp.NewSecret();
  EXPECT_EQ(a.size(), 32u);  // 160 bits / 5
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_TRUE(Totp::CodeAt(a, 1).has_value());
}

}  // namespace
}  // namespace custodian::store
