#include "ledger/hash.h"

#include <gtest/gtest.h>

namespace custodian::ledger {
namespace {

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(ToHex(Sha256(core::AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256(core::AsBytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256(core::AsBytes("ab"), core::AsBytes("c"))),
            ToHex(Sha256(core::AsBytes("abc"))));
}

TEST(LeafHash, PrefixesZeroByteAsRfc6962Says) {
  // RFC 6962 reference: the hash of the empty leaf is the root of the one-leaf tree.
  EXPECT_EQ(ToHex(LeafHash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(HashFromHex, RejectsWrongLengthAndNonHex) {
  EXPECT_FALSE(HashFromHex("abcd").has_value());
  EXPECT_FALSE(HashFromHex(std::string(63, 'a') + "g").has_value());
  auto h = HashFromHex(std::string(64, 'A'));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(ToHex(*h), std::string(64, 'a'));
}

}  // namespace
}  // namespace custodian::ledger
