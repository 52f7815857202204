#include "store/tzdb_zones.h"

#include <gtest/gtest.h>

namespace custodian::store {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(TzdbZones, NewYorkFallsBackOnFirstSundayOfNovember2026) {
  auto z = FindZone("America/New_York");
  ASSERT_TRUE(z) << z.error().message();
  // 2026-11-01 05:59:59 UTC = 01:59:59 EDT; one second later it is 01:00:00 EST.
  const int64_t before = 1793512799LL * kSecond;
  auto a = (*z)->ToLocal(before);
  auto b = (*z)->ToLocal(before + kSecond);
  EXPECT_EQ(domain::FormatDate(a.date), "2026-11-01");
  EXPECT_EQ(a.weekday, 6);  // Sunday
  EXPECT_EQ(a.second_of_day, 1 * 3600 + 59 * 60 + 59);
  EXPECT_EQ(b.second_of_day, 1 * 3600);
}

TEST(TzdbZones, NewYorkSpringsForwardOnSecondSundayOfMarch2026) {
  auto z = FindZone("America/New_York");
  ASSERT_TRUE(z);
  // 2026-03-08 06:59:59 UTC = 01:59:59 EST; one second later it is 03:00:00 EDT.
  const int64_t before = 1772953199LL * kSecond;
  EXPECT_EQ((*z)->ToLocal(before).second_of_day, 1 * 3600 + 59 * 60 + 59);
  EXPECT_EQ((*z)->ToLocal(before + kSecond).second_of_day, 3 * 3600);
}

TEST(TzdbZones, UtcWeekdayAndDateOfTheEpoch) {
  auto z = FindZone("UTC");
  ASSERT_TRUE(z);
  auto t = (*z)->ToLocal(0);
  EXPECT_EQ(domain::FormatDate(t.date), "1970-01-01");
  EXPECT_EQ(t.weekday, 3);  // Thursday
  EXPECT_EQ((*z)->ToLocal(-kSecond).weekday, 2);
}

TEST(TzdbZones, UnknownZoneIsNotFoundWithAHint) {
  auto z = FindZone("Mars/Olympus_Mons");
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().code(), core::StatusCode::kNotFound);
  EXPECT_NE(z.error().message().find("IANA"), std::string::npos);
  EXPECT_EQ(*FindZone("Europe/Berlin"), *FindZone("Europe/Berlin"));  // cached, same object
}

}  // namespace
}  // namespace custodian::store
