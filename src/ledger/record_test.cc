#include "ledger/record.h"

#include <gtest/gtest.h>

namespace custodian::ledger {
namespace {

Event Sample() {
  Event e;
  e.index = 258;
  e.time_us = 1'795'000'000'123'456;
  e.prev_hash.fill(0xab);
  e.site = "north-12";
  e.actor = "badge:10042";
  e.kind = "item.signed_out";
  e.subjects = {"item:taser-T07", "compartment:B2-14"};
  e.payload = R"({"due_back":"2026-11-22T18:00:00Z"})";
  return e;
}

TEST(Record, EncodesTheDocumentedLayoutByteForByte) {
  Event e;
  e.index = 1;
  e.time_us = 2;
  e.site = "s";
  e.kind = "k";
  e.subjects = {"x"};
  e.payload = "{}";
  core::Bytes b = EncodeEvent(e);
  // version, index, time, prev (32 zero bytes), site, actor, kind, subjects, payload
  std::string expected_hex =
      "01"
      "0000000000000001"
      "0000000000000002" +
      std::string(64, '0') +
      "0001"
      "73"
      "0000"
      "0001"
      "6b"
      "0001"
      "0001"
      "78"
      "00000002"
      "7b7d";
  EXPECT_EQ(core::HexEncode(b), expected_hex);
}

TEST(Record, RoundTripsEveryField) {
  Event e = Sample();
  auto d = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(*d, e);
}

TEST(Record, RejectsEveryTruncationAndAnyTrailingByte) {
  core::Bytes b = EncodeEvent(Sample());
  for (size_t n = 0; n < b.size(); ++n) {
    core::Bytes cut(b.begin(), b.begin() + static_cast<long>(n));
    EXPECT_FALSE(DecodeEvent(cut).has_value()) << "truncated to " << n;
  }
  b.push_back(0);
  auto d = DecodeEvent(b);
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("trailing"), std::string::npos);
}

TEST(Record, RejectsUnknownVersionBadKindAndInvalidUtf8) {
  core::Bytes b = EncodeEvent(Sample());
  b[0] = 2;
  EXPECT_NE(DecodeEvent(b).error().message().find("version"), std::string::npos);

  Event bad_kind = Sample();
  bad_kind.kind = "Item Signed Out";
  EXPECT_FALSE(ValidateEvent(bad_kind).ok());
  EXPECT_FALSE(DecodeEvent(EncodeEvent(bad_kind)).has_value());

  Event bad_actor = Sample();
  bad_actor.actor = "\xc3\x28";  // invalid UTF-8 sequence
  EXPECT_FALSE(ValidateEvent(bad_actor).ok());
  Event overlong = Sample();
  overlong.actor = "\xc0\xaf";  // overlong encoding of '/'
  EXPECT_FALSE(ValidateEvent(overlong).ok());
  Event fine = Sample();
  fine.actor = "Officer Zo\xc3\xab";  // "Zoë"
  EXPECT_TRUE(ValidateEvent(fine).ok());
}

TEST(Record, EnforcesFieldLimits) {
  Event e = Sample();
  e.site = "";
  EXPECT_FALSE(ValidateEvent(e).ok());
  e = Sample();
  e.subjects.assign(kMaxSubjects + 1, "x");
  EXPECT_FALSE(ValidateEvent(e).ok());
  e = Sample();
  e.payload.assign(kMaxPayloadLength + 1, 'x');
  EXPECT_FALSE(ValidateEvent(e).ok());
  e.payload.assign(kMaxPayloadLength, 'x');
  EXPECT_TRUE(ValidateEvent(e).ok());
  e.subjects = {""};
  EXPECT_FALSE(ValidateEvent(e).ok());
}

}  // namespace
}  // namespace custodian::ledger
