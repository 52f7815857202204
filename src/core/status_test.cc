#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"

namespace custodian::core {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CUSTODIAN_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Result, CarriesAValueOrTheErrorThatStoppedIt) {
  EXPECT_EQ(*Quarter(8), 2);
  auto odd = Quarter(6);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(odd.error().message(), "3 is odd");
}

TEST(Result, AnOkStatusIsNotAValue) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInternal);
}

TEST(Status, AnnotatesKeepingTheCodeAndPrintsItsName) {
  Status s = DataLossError("event 7 was altered").Annotate("verify");
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.ToString(), "DataLoss: verify: event 7 was altered");
  EXPECT_TRUE(Status::Ok().Annotate("x").ok());
}

TEST(Clock, FormatsUtcMicrosecondsAsRfc3339) {
  EXPECT_EQ(FormatUtcMicros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatUtcMicros(1'795'000'000'123'456), "2026-11-18T11:06:40.123456Z");
  EXPECT_EQ(FormatUtcMicros(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace custodian::core
