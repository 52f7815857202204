#include "app/event_codec.h"

#include <gtest/gtest.h>

namespace custodian::app {
namespace {

using namespace domain;

std::vector<DomainEvent> OneOfEach() {
  Person p{"1001",
           "Ana \"Ace\" Officer",
           {Role::kOfficer, Role::kArmorer},
           {"HQ", "N1"},
           false,
           {{"CEW", *ParseDate("2027-03-01")}, {"FIREARM", *ParseDate("2026-12-31")}},
           *ParseDate("2028-01-31"),
           *ParseSchedule("Mon-Fri 06:00-18:00;Sat 08:00-12:00")};
  Person q = p;
  q.all_sites = true;
  q.sites.clear();
  q.licence_expires.reset();
  q.schedule.clear();
  return {
      SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
      CompartmentDefined{{{"HQ", "A", "14"},
                          CompartmentSize::kLongGun,
                          {Feature::kCharging, Feature::kPassThrough}}},
      ItemTypeDefined{{"CEW", Category::kLessLethal, {"CEW"}, 12, true, true, 50, 90}},
      ItemDefined{{"T-07", "CEW", "E28011700000020000000007", {"HQ", "A", "14"}, 350}},
      PersonDefined{p, true},
      PersonDefined{q, false},
      CredentialRevoked{"1001", "left the agency"},
      CredentialReinstated{"1001"},
      LoginSucceeded{"1001", "HQ"},
      LoginFailed{"1001", "HQ", "wrong_pin"},
      CredentialLocked{"1001"},
      CredentialReleased{"1001"},
      StaffLoginSet{"2001"},
      AccessDenied{"1001", "T-07", {{"certification_expired", "CEW T-07 withheld: …"}}, "sign_out"},
      SignOutGranted{"1001", "T-07", {"HQ", "A", "14"}, "2002", "3003", "riot", {{"a", "b"}}},
      ItemSignedOut{"1001", "T-07", 1'800'000'000'000'000},
      SignOutAbandoned{"1001", "T-07", "door_not_opened"},
      ReturnStarted{"1001", "T-07", {"HQ", "A", "14"}},
      ReturnAbandoned{"1001", "T-07", "door_not_opened"},
      ItemReturned{"1001", "T-07"},
      ReturnRejected{"1001", "T-07", "E28011700000020000000008", "wrong_tag"},
      ItemHandedOver{"T-07", "1001", "2002", 5},
      ProblemReported{"1001", "T-07", "cartridge stuck"},
      ServiceOpened{"2002", "T-07", {"HQ", "A", "14"}},
      ItemServiced{"2002", "T-07", "cleaned"},
      ItemOverdue{"T-07", "1001", 5},
      ChargeObserved{"T-07", 87},
      HardwareAlarm{"HQ", "A", "14", "temperature_excursion", "9.1 °C", {"EV-1", "EV-2"}},
      EmergencyModeSet{"HQ", "A", "lockdown", "2001", "4001", "armed intruder"},
      PartialUse{"1001", "OC-1", 180, 121},
      AlertAcknowledged{42, "2001", "HQ", "spoke to the officer"},
      ApiTokenIssued{"9901", "siem"},
      ApiTokenRevoked{"9901", "siem"},
      EmergencyModeAsked{"HQ", "", "lockdown", "2001", "armed intruder", 3}};
}

TEST(EventCodec, EveryKindRoundTripsExactly) {
  auto events = OneOfEach();
  EXPECT_EQ(events.size() - 1, std::variant_size_v<DomainEvent>);  // PersonDefined twice
  for (const DomainEvent& e : events) {
    const std::string payload = EncodePayload(e);
    auto back = DecodePayload(KindOf(e), payload);
    ASSERT_TRUE(back) << KindOf(e) << ": " << back.error().message();
    EXPECT_EQ(*back, e) << payload;
    EXPECT_EQ(EncodePayload(*back), payload);  // canonical: same bytes again
    EXPECT_TRUE(IsDomainKind(KindOf(e)));
  }
}

TEST(EventCodec, AnItemTypeWrittenBeforeConsumableExistedStillDecodes) {
  const std::string old =
      R"({"type":{"category":"less_lethal","certifications":["OC"],"chargeable":false,)"
      R"("code":"OC","loan_hours":12,"service_every_days":0,"service_every_signouts":0,)"
      R"("two_person":false}})";
  auto d = DecodePayload("item_type.defined", old);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_FALSE(std::get<ItemTypeDefined>(*d).type.consumable);
  // Every other field is still required.
  auto missing = DecodePayload("item_type.defined", R"({"type":{"code":"OC"}})");
  EXPECT_FALSE(missing);
}

TEST(EventCodec, PayloadIsCanonicalWithSortedKeys) {
  EXPECT_EQ(EncodePayload(ChargeObserved{"T-07", 87}), R"({"percent":87,"serial":"T-07"})");
}

TEST(EventCodec, RejectsPayloadsThatCannotBeReplayed) {
  auto missing = DecodePayload("item.charge_observed", R"({"serial":"T-07"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.error().message().find("percent"), std::string::npos)
      << missing.error().message();
  EXPECT_FALSE(DecodePayload("item.charge_observed", R"({"serial":7,"percent":1})"));
  EXPECT_FALSE(DecodePayload("item.charge_observed", "not json"));
  EXPECT_FALSE(DecodePayload("item.charge_observed", "[1,2]"));
  auto bad_role = DecodePayload(
      "person.defined",
      R"({"person":{"all_sites":true,"badge":"1","certifications":{},"licence_expires":null,"name":"x","roles":["sheriff"],"schedule":"","sites":[]},"pin_set":true})");
  ASSERT_FALSE(bad_role);
  EXPECT_NE(bad_role.error().message().find("sheriff"), std::string::npos);
  auto bad_date = DecodePayload(
      "person.defined",
      R"({"person":{"all_sites":true,"badge":"1","certifications":{"CEW":"2027-02-30"},"licence_expires":null,"name":"x","roles":["officer"],"schedule":"","sites":[]},"pin_set":true})");
  EXPECT_FALSE(bad_date);
}

TEST(EventCodec, OtherKindsAreNotDomainEvents) {
  EXPECT_FALSE(IsDomainKind("synthetic.load"));
  auto r = DecodePayload("synthetic.load", "{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace custodian::app
