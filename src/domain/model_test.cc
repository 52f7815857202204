#include "domain/model.h"

#include <gtest/gtest.h>

namespace custodian::domain {
namespace {

using namespace std::chrono_literals;

TEST(Model, ParsesScheduleWithRangesListsAndWrapAround) {
  auto s =
      ParseSchedule("Mon-Fri 06:00-18:00;Sat 08:00-12:00;Fri-Mon 22:00-24:00;Tue,Thu 00:00-01:30");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->size(), 4u);
  EXPECT_EQ((*s)[0].days, 0b0011111);
  EXPECT_EQ((*s)[0].start_minute, 360);
  EXPECT_EQ((*s)[0].end_minute, 1080);
  EXPECT_EQ((*s)[1].days, 0b0100000);
  EXPECT_EQ((*s)[2].days, 0b1110001);  // Fri, Sat, Sun, Mon
  EXPECT_EQ((*s)[2].end_minute, 1440);
  EXPECT_EQ((*s)[3].days, 0b0001010);
  EXPECT_EQ(FormatSchedule(*s),
            "Mon-Fri 06:00-18:00;Sat 08:00-12:00;Mon,Fri-Sun 22:00-24:00;Tue,Thu 00:00-01:30");
  auto again = ParseSchedule(FormatSchedule(*s));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *s);
}

TEST(Model, EmptyScheduleMeansAnyTime) {
  auto s = ParseSchedule("");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
}

TEST(Model, RejectsBadSchedulesWithAMessageNamingTheWindow) {
  for (const char* bad : {"Mon", "Mon 06:00", "Mon 18:00-06:00", "Mon 06:00-06:00",
                          "Xyz 01:00-02:00", "Mon 6:00-18:00", "Mon 06:60-18:00", "Mon 24:00-24:00",
                          "Mon-Fri06:00-18:00", "Mon;Tue 01:00-02:00"}) {
    auto s = ParseSchedule(bad);
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_NE(s.error().message().find("schedule window"), std::string::npos) << bad;
    }
  }
}

TEST(Model, ParsesOnlyRealDates) {
  auto d = ParseDate("2026-11-20");
  ASSERT_TRUE(d);
  EXPECT_EQ(FormatDate(*d), "2026-11-20");
  EXPECT_EQ(FormatDateForPeople(*d), "20 Nov 2026");
  EXPECT_TRUE(ParseDate("2028-02-29"));
  for (const char* bad : {"2027-02-29", "2026-13-01", "2026-1-01", "20261120", "2026-11-20x", "",
                          "1969-12-31", "2026-11-0a"}) {
    EXPECT_FALSE(ParseDate(bad)) << bad;
  }
}

TEST(Model, EnumNamesRoundTripAndUnknownNamesListTheKnownOnes) {
  for (Role r : kAllRoles) EXPECT_EQ(*ParseRole(RoleName(r)), r);
  for (Feature f : kAllFeatures) EXPECT_EQ(*ParseFeature(FeatureName(f)), f);
  auto bad = ParseRole("sheriff");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("evidence_custodian"), std::string::npos);
  EXPECT_EQ(*ParseSize("long_gun"), CompartmentSize::kLongGun);
  EXPECT_EQ(*ParseCategory("less_lethal"), Category::kLessLethal);
}

}  // namespace
}  // namespace custodian::domain
