#include "domain/state.h"

#include <gtest/gtest.h>

namespace custodian::domain {
namespace {

constexpr Micros kMinute = 60LL * 1000 * 1000;

// A small world: site HQ, one compartment, a radio type and one radio, one officer.
std::vector<DomainEvent> World() {
  Person officer{"1001", "Ana Officer", {Role::kOfficer}, {"HQ"}, false, {}, std::nullopt, {}};
  return {SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
          CompartmentDefined{{{"HQ", "A", "1"}, CompartmentSize::kSmall, {Feature::kCharging}}},
          ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 0}},
          ItemDefined{{"R-1", "RADIO", "E28011700000020000000001", {"HQ", "A", "1"}, 350}},
          PersonDefined{officer, true}};
}

State Build(const std::vector<DomainEvent>& events) {
  State s;
  Micros t = 1'000'000;
  for (const DomainEvent& e : events) {
    EXPECT_TRUE(s.Check(e).ok()) << KindOf(e) << ": " << s.Check(e).message();
    s.Apply(e, t += kMinute);
  }
  return s;
}

TEST(State, SignOutAssignsCustodyAndReturnEndsIt) {
  State s = Build(World());
  s.Apply(SignOutGranted{"1001", "R-1", {"HQ", "A", "1"}, "", "", "", {}}, 10 * kMinute);
  ASSERT_TRUE(s.FindItem("R-1")->pending);
  s.Apply(ItemSignedOut{"1001", "R-1", 100 * kMinute}, 11 * kMinute);
  const ItemState* r = s.FindItem("R-1");
  ASSERT_TRUE(r->custody);
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->custody->badge, "1001");
  EXPECT_EQ(r->custody->since, 11 * kMinute);
  EXPECT_EQ(r->signouts_since_service, 1);
  EXPECT_EQ(s.HeldBy("1001").size(), 1u);
  s.Apply(ItemReturned{"1001", "R-1"}, 20 * kMinute);
  EXPECT_FALSE(s.FindItem("R-1")->custody);
  EXPECT_TRUE(s.HeldBy("1001").empty());
}

TEST(State, KeepsTheCountOfItemsHeldPerBadgeInStepWithCustody) {
  std::vector<DomainEvent> world = World();
  world.push_back(ItemDefined{{"R-2", "RADIO", "E28011700000020000000002", {"HQ", "A", "1"}, 350}});
  Person other{"1002", "Ben Officer", {Role::kOfficer}, {"HQ"}, false, {}, std::nullopt, {}};
  world.push_back(PersonDefined{other, true});
  State s = Build(world);
  auto recount = [&](std::string_view badge) { return static_cast<int>(s.HeldBy(badge).size()); };
  s.Apply(ItemSignedOut{"1001", "R-1", 0}, 1);
  s.Apply(ItemSignedOut{"1001", "R-2", 0}, 2);
  EXPECT_EQ(s.HeldCount("1001"), 2);
  s.Apply(ItemHandedOver{"R-2", "1001", "1002", 0}, 3);
  EXPECT_EQ(s.HeldCount("1001"), 1);
  EXPECT_EQ(s.HeldCount("1002"), 1);
  // A sign-out recorded over an existing custody (never recorded by the app; a replay must still
  // keep the count right) moves the item rather than counting it twice.
  s.Apply(ItemSignedOut{"1001", "R-2", 0}, 4);
  EXPECT_EQ(s.HeldCount("1001"), 2);
  EXPECT_EQ(s.HeldCount("1002"), 0);
  s.Apply(ItemReturned{"1001", "R-1"}, 5);
  s.Apply(ItemReturned{"1001", "R-1"}, 6);  // twice: still not negative
  s.Apply(ItemReturned{"1001", "R-2"}, 7);
  for (const char* b : {"1001", "1002", "9999"}) EXPECT_EQ(s.HeldCount(b), recount(b)) << b;
  EXPECT_TRUE(s.held.empty());
}

TEST(State, AChargeOutsideZeroToAHundredIsRefused) {
  State s = Build(World());
  EXPECT_TRUE(s.Check(ChargeObserved{"R-1", 0}).ok());
  EXPECT_TRUE(s.Check(ChargeObserved{"R-1", 100}).ok());
  EXPECT_EQ(s.Check(ChargeObserved{"R-1", 101}).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Check(ChargeObserved{"R-1", -1}).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Check(ChargeObserved{"R-9", 50}).code(), core::StatusCode::kNotFound);
}

TEST(State, ProblemReportQuarantinesUntilServiceWhichResetsTheCounter) {
  State s = Build(World());
  s.Apply(ItemSignedOut{"1001", "R-1", 0}, 5 * kMinute);
  s.Apply(ProblemReported{"1001", "R-1", "antenna broken"}, 6 * kMinute);
  EXPECT_TRUE(s.FindItem("R-1")->quarantined);
  EXPECT_EQ(s.FindItem("R-1")->quarantine_reason, "antenna broken");
  s.Apply(ItemServiced{"2001", "R-1", "antenna replaced"}, 9 * kMinute);
  EXPECT_FALSE(s.FindItem("R-1")->quarantined);
  EXPECT_EQ(s.FindItem("R-1")->signouts_since_service, 0);
  EXPECT_EQ(s.FindItem("R-1")->service_clock_start, 9 * kMinute);
}

TEST(State, CountsOnlyWrongPinFailuresInsideTheWindow) {
  State s = Build(World());
  s.Apply(LoginFailed{"1001", "HQ", "wrong_pin"}, 0);
  s.Apply(LoginFailed{"1001", "HQ", "wrong_pin"}, 20 * kMinute);  // the first fell out
  s.Apply(LoginFailed{"1001", "HQ", "locked"}, 21 * kMinute);     // not a PIN guess
  EXPECT_EQ(s.FindPerson("1001")->recent_failures.size(), 1u);
  s.Apply(LoginSucceeded{"1001", "HQ"}, 22 * kMinute);
  EXPECT_TRUE(s.FindPerson("1001")->recent_failures.empty());
}

TEST(State, ReplayingTheSameEventsGivesAnEqualState) {
  std::vector<DomainEvent> events = World();
  events.push_back(ItemSignedOut{"1001", "R-1", 99});
  events.push_back(ChargeObserved{"R-1", 80});
  events.push_back(CredentialLocked{"1001"});
  State a = Build(events), b = Build(events);
  EXPECT_EQ(a, b);
  b.Apply(CredentialReleased{"1001"}, 1);
  EXPECT_NE(a, b);
}

TEST(State, ChecksReferencesAndFormatsOfDefinitions) {
  State s = Build(World());
  EXPECT_FALSE(s.Check(CompartmentDefined{{{"NOPE", "A", "2"}, CompartmentSize::kSmall, {}}}).ok());
  EXPECT_FALSE(
      s.Check(ItemDefined{{"R-2", "LASER", "E28011700000020000000002", {"HQ", "A", "1"}, 1}}).ok());
  auto dup =
      s.Check(ItemDefined{{"R-2", "RADIO", "E28011700000020000000001", {"HQ", "A", "1"}, 1}});
  EXPECT_NE(dup.message().find("already belongs to item R-1"), std::string::npos) << dup.message();
  EXPECT_FALSE(
      s.Check(ItemDefined{{"R-2", "RADIO", "e28011700000020000000002", {"HQ", "A", "1"}, 1}}).ok());
  EXPECT_FALSE(
      s.Check(ItemDefined{{"R-2", "RADIO", "E28011700000020000000002", {"HQ", "A", "9"}, 1}}).ok());
  EXPECT_TRUE(
      s.Check(ItemDefined{{"R-2", "RADIO", "E28011700000020000000002", {"HQ", "A", "1"}, 1}}).ok());
  EXPECT_FALSE(s.Check(SiteDefined{{"bad code", "x", "UTC"}}).ok());
  EXPECT_EQ(s.Check(ItemReturned{"1001", "R-9"}).code(), core::StatusCode::kNotFound);
}

TEST(State, RetaggingAnItemFreesItsOldTag) {
  State s = Build(World());
  s.Apply(ItemDefined{{"R-1", "RADIO", "E28011700000020000000009", {"HQ", "A", "1"}, 350}}, 1);
  EXPECT_EQ(s.tags.count("E28011700000020000000001"), 0u);
  EXPECT_EQ(s.tags.at("E28011700000020000000009"), "R-1");
}

}  // namespace
}  // namespace custodian::domain
