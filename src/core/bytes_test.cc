#include "core/bytes.h"

#include <gtest/gtest.h>

namespace custodian::core {
namespace {

TEST(Base64, MatchesRfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(AsBytes(plain[i])), encoded[i]);
    auto back = Base64Decode(encoded[i]);
    ASSERT_TRUE(back.has_value()) << encoded[i];
    EXPECT_EQ(AsChars(*back), plain[i]);
  }
}

TEST(Base64, RejectsNonCanonicalAndGarbage) {
  EXPECT_FALSE(Base64Decode("Zh==").has_value());  // stray bits under the padding
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!A==").has_value());
  EXPECT_FALSE(Base64Decode("=m9v").has_value());
}

TEST(Hex, RoundTripsAndRejectsBadDigits) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "00abff");
  EXPECT_EQ(*HexDecode("00ABff"), b);
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(ByteReader, ReportsRunningPastTheEnd) {
  Bytes b;
  AppendU16(b, 0x0102);
  AppendU32(b, 0x03040506);
  ByteReader r(b);
  uint16_t a = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  EXPECT_TRUE(r.ReadU16(a));
  EXPECT_TRUE(r.ReadU32(c));
  EXPECT_EQ(a, 0x0102);
  EXPECT_EQ(c, 0x03040506u);
  EXPECT_FALSE(r.ReadU64(d));
}

}  // namespace
}  // namespace custodian::core
