#include "policy/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "policy/fake_zone.h"

namespace custodian::domain {
// Readable failures.
void PrintTo(const Reason& r, std::ostream* os) { *os << r.code << " \"" << r.sentence << "\""; }
}  // namespace custodian::domain

namespace custodian::policy {
namespace {

using namespace std::chrono_literals;
using domain::Category;
using domain::CompartmentKey;
using domain::DomainEvent;
using domain::Micros;
using domain::Person;
using domain::Reason;
using domain::Role;
using domain::State;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kMinute = 60 * kSecond;
constexpr Micros kHour = 60 * kMinute;
constexpr Micros kDay = 24 * kHour;

// New York wall-clock readings written out by hand (EDT = UTC-4 until 1 Nov 2026 06:00 UTC, EST =
// UTC-5 after), so the tests do not trust the zone they test with.
Micros Edt(std::chrono::year_month_day d, int h, int m = 0, int s = 0) {
  return UtcMicrosForTest(d, h, m, s) + 4 * kHour;
}
Micros Est(std::chrono::year_month_day d, int h, int m = 0, int s = 0) {
  return UtcMicrosForTest(d, h, m, s) + 5 * kHour;
}

const domain::TimeZone* const kNewYork = &NewYork2026ForTest();
const Micros kDefinedAt = Edt(2026y / 10 / 1, 8);  // the world was defined then
const Micros kNow = Est(2026y / 11 / 23, 12);      // Monday 23 Nov 2026, noon in New York

std::string Tag(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "E28011700000020000%06X", n);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Given: the armory at HQ (and one locker at NORTH), as the events that define it.

struct World {
  std::vector<DomainEvent> events;
  int tags = 0;

  void Compartment(const CompartmentKey& k) {
    events.push_back(domain::CompartmentDefined{{k, domain::CompartmentSize::kMedium, {}}});
  }
  void Item(const std::string& serial, const std::string& type, const CompartmentKey& home) {
    Compartment(home);
    events.push_back(domain::ItemDefined{{serial, type, Tag(++tags), home, 500}});
  }
  void Charge(const std::string& serial, int percent) {
    events.push_back(domain::ChargeObserved{serial, percent});
  }
  // n sign-outs and returns since the last service.
  void UsedTimes(const std::string& serial, int n) {
    for (int i = 0; i < n; ++i) {
      events.push_back(domain::ItemSignedOut{"2001", serial, 0});
      events.push_back(domain::ItemReturned{"2001", serial});
    }
  }
  void SignedOutTo(const std::string& badge, const std::string& serial) {
    events.push_back(domain::ItemSignedOut{badge, serial, 0});
  }
  void Define(const Person& p) { events.push_back(domain::PersonDefined{p, true}); }

  State Build() const {
    State s;
    for (const DomainEvent& e : events) s.Apply(e, kDefinedAt);
    return s;
  }
};

const CompartmentKey kT07Home{"HQ", "A", "1"};
const CompartmentKey kEmptyCompartment{"HQ", "A", "9"};

Person Staff(std::string badge, std::string name, std::set<Role> roles) {
  Person p;
  p.badge = std::move(badge);
  p.name = std::move(name);
  p.roles = std::move(roles);
  p.sites = {"HQ"};
  p.certifications = {{"CEW", 2027y / 6 / 30}, {"RIFLE", 2027y / 6 / 30}};
  p.licence_expires = 2027y / 6 / 30;
  return p;
}

// Sites HQ and NORTH; CEWs T-07, T-08 (HQ) and T-20 (NORTH); rifle R-1 (two-person, service every
// 50 sign-outs); radios RADIO-1…4 (service every 90 days); body cameras BWC-1, BWC-2 (not
// chargeable); evidence bag E-1. People: officer 1001, armorer 2001, supervisor 3001, admin 4001,
// auditor 5001, evidence custodian 6001 (all HQ except admin and auditor: every site), armorer
// 7001 at NORTH only.
World Armory() {
  World w;
  w.events.push_back(domain::SiteDefined{{"HQ", "Headquarters", "America/New_York"}});
  w.events.push_back(domain::SiteDefined{{"NORTH", "North Precinct", "America/New_York"}});
  w.events.push_back(
      domain::ItemTypeDefined{{"CEW", Category::kLessLethal, {"CEW"}, 12, false, true, 0, 0}});
  w.events.push_back(
      domain::ItemTypeDefined{{"RIFLE", Category::kFirearm, {"RIFLE"}, 12, true, false, 50, 0}});
  w.events.push_back(
      domain::ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 90}});
  w.events.push_back(
      domain::ItemTypeDefined{{"BWC", Category::kBodyCamera, {}, 12, false, false, 0, 0}});
  w.events.push_back(
      domain::ItemTypeDefined{{"EVBAG", Category::kEvidence, {}, 12, false, false, 0, 0}});
  w.Item("T-07", "CEW", kT07Home);
  w.Item("T-08", "CEW", {"HQ", "A", "2"});
  w.Item("T-20", "CEW", {"NORTH", "A", "1"});
  w.Item("R-1", "RIFLE", {"HQ", "L", "1"});
  for (int i = 1; i <= 4; ++i)
    w.Item("RADIO-" + std::to_string(i), "RADIO", {"HQ", "B", std::to_string(i)});
  w.Item("BWC-1", "BWC", {"HQ", "C", "1"});
  w.Item("BWC-2", "BWC", {"HQ", "C", "2"});
  w.Item("E-1", "EVBAG", {"HQ", "E", "1"});
  w.Compartment(kEmptyCompartment);
  for (const char* s : {"T-07", "T-08", "T-20"}) w.Charge(s, 90);
  for (int i = 1; i <= 4; ++i) w.Charge("RADIO-" + std::to_string(i), 80);
  w.Define(Staff("1001", "Ana Officer", {Role::kOfficer}));
  w.Define(Staff("2001", "Bo Armorer", {Role::kArmorer}));
  w.Define(Staff("3001", "Cy Supervisor", {Role::kSupervisor}));
  Person admin = Staff("4001", "Di Admin", {Role::kAdmin});
  admin.all_sites = true;
  w.Define(admin);
  Person auditor = Staff("5001", "Ed Auditor", {Role::kAuditor});
  auditor.all_sites = true;
  w.Define(auditor);
  w.Define(Staff("6001", "Flo Evidence", {Role::kEvidenceCustodian}));
  Person north = Staff("7001", "Gil North", {Role::kArmorer});
  north.sites = {"NORTH"};
  w.Define(north);
  return w;
}

Person& PersonIn(World& w, const std::string& badge) {
  for (DomainEvent& e : w.events) {
    if (auto* p = std::get_if<domain::PersonDefined>(&e); p && p->person.badge == badge) {
      return p->person;
    }
  }
  ADD_FAILURE() << "no person " << badge;
  static Person none;
  return none;
}

// When: `badge` asks for `serial` from its home compartment at `now` in New York.
Decision Ask(const State& s, const std::string& badge, const std::string& serial, Micros now = kNow,
             const Settings& settings = {}) {
  const domain::ItemState* i = s.FindItem(serial);
  const CompartmentKey home = i ? i->item.home : kT07Home;
  return Decide(s, badge, serial, home, kNewYork, now, settings);
}

std::vector<std::string> Codes(const std::vector<Reason>& reasons) {
  std::vector<std::string> out;
  for (const Reason& r : reasons) out.push_back(r.code);
  return out;
}
std::vector<std::string> Serials(const std::vector<Offer>& offers) {
  std::vector<std::string> out;
  for (const Offer& o : offers) out.push_back(o.serial);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Given / when / then, one finding each.

TEST(Decide, AllowsCertifiedOfficerInsideEveryRule) {
  State s = Armory().Build();
  Decision d = Ask(s, "1001", "T-07");
  EXPECT_TRUE(d.allow);
  EXPECT_THAT(d.reasons, IsEmpty());
  EXPECT_THAT(d.requirements, IsEmpty());
}

TEST(Decide, DeniesUnknownBadge) {
  State s = Armory().Build();
  Decision d = Ask(s, "9999", "T-07");
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"unknown_person", "CEW T-07 withheld: badge 9999 is not known."}));
}

TEST(Decide, DeniesUnknownSerial) {
  State s = Armory().Build();
  Decision d = Decide(s, "1001", "X-99", kT07Home, kNewYork, kNow);
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"unknown_item", "Item X-99 withheld: no item has this serial."}));
}

TEST(Decide, DeniesCompartmentThatIsNotDefined) {
  State s = Armory().Build();
  Decision d = Decide(s, "1001", "T-07", {"HQ", "Z", "1"}, kNewYork, kNow);
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"unknown_compartment",
                                 "CEW T-07 withheld: compartment HQ/Z/1 is not defined."},
                          Reason{"wrong_compartment",
                                 "CEW T-07 withheld: it is kept in compartment HQ/A/1, not "
                                 "HQ/Z/1."}));
}

TEST(Decide, DeniesItemAskedForFromAnotherCompartment) {
  State s = Armory().Build();
  Decision d = Decide(s, "1001", "T-07", kEmptyCompartment, kNewYork, kNow);
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(Codes(d.reasons), ElementsAre("wrong_compartment"));
}

TEST(Decide, DeniesWhenSiteTimeZoneIsUnknownBecauseExpiryCannotBeChecked) {
  State s = Armory().Build();
  Decision d = Decide(s, "1001", "T-07", kT07Home, nullptr, kNow);
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(Codes(d.reasons), ElementsAre("unknown_time_zone"));
}

TEST(Decide, DeniesRevokedCredentialGivingTheReason) {
  World w = Armory();
  w.events.push_back(domain::CredentialRevoked{"1001", "suspended"});
  Decision d = Ask(w.Build(), "1001", "T-07");
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"credential_revoked",
                                 "CEW T-07 withheld: your credential is revoked (suspended)."}));
}

TEST(Decide, DeniesLockedCredential) {
  World w = Armory();
  w.events.push_back(domain::CredentialLocked{"1001"});
  EXPECT_THAT(Codes(Ask(w.Build(), "1001", "T-07").reasons), ElementsAre("credential_locked"));
}

TEST(Decide, DeniesOfficerAtSiteOutsideTheirScope) {
  State s = Armory().Build();
  Decision d = Ask(s, "1001", "T-20");  // T-20 is at NORTH
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons, ElementsAre(Reason{"no_access_at_site",
                                            "CEW T-20 withheld: you have no access at site "
                                            "NORTH."}));
}

TEST(Decide, AllowsPersonWithAllSitesAnywhere) {
  World w = Armory();
  PersonIn(w, "1001").all_sites = true;
  EXPECT_TRUE(Ask(w.Build(), "1001", "T-20").allow);
}

TEST(Decide, DeniesEquipmentToAdminAndAuditor) {
  State s = Armory().Build();
  for (const char* badge : {"4001", "5001"}) {
    Decision d = Ask(s, badge, "T-07");
    EXPECT_FALSE(d.allow) << badge;
    EXPECT_THAT(d.reasons, ElementsAre(Reason{"role_not_permitted",
                                              "CEW T-07 withheld: only an officer, supervisor or "
                                              "armorer may take equipment."}))
        << badge;
  }
}

TEST(Decide, AllowsEquipmentToOfficerSupervisorAndArmorer) {
  State s = Armory().Build();
  for (const char* badge : {"1001", "2001", "3001"}) EXPECT_TRUE(Ask(s, badge, "T-07").allow);
}

TEST(Decide, GivesEvidenceOnlyToEvidenceCustodian) {
  State s = Armory().Build();
  EXPECT_TRUE(Ask(s, "6001", "E-1").allow);
  for (const char* badge : {"1001", "2001", "3001"}) {
    EXPECT_THAT(Ask(s, badge, "E-1").reasons,
                ElementsAre(Reason{"role_not_permitted",
                                   "EVBAG E-1 withheld: only an evidence custodian may take "
                                   "evidence."}))
        << badge;
  }
}

TEST(Decide, DeniesRadioToEvidenceCustodian) {
  State s = Armory().Build();
  EXPECT_THAT(Codes(Ask(s, "6001", "RADIO-1").reasons), ElementsAre("role_not_permitted"));
}

TEST(Decide, DeniesTaserWhenCewCertificationMissing) {
  World w = Armory();
  PersonIn(w, "1001").certifications.erase("CEW");
  EXPECT_THAT(Ask(w.Build(), "1001", "T-07").reasons,
              ElementsAre(Reason{"certification_missing",
                                 "CEW T-07 withheld: you have no CEW certification."}));
}

TEST(Decide, DeniesTaserWhenCewCertificationExpired) {
  World w = Armory();
  PersonIn(w, "1001").certifications["CEW"] = 2026y / 11 / 20;
  Decision d = Ask(w.Build(), "1001", "T-07", Est(2026y / 11 / 21, 9));
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"certification_expired",
                                 "CEW T-07 withheld: your CEW certification expired on 20 Nov "
                                 "2026."}));
}

TEST(Decide, HonoursCertificationThroughItsExpiryDayInSiteLocalTime) {
  World w = Armory();
  PersonIn(w, "1001").certifications["CEW"] = 2026y / 11 / 20;
  State s = w.Build();
  // 23:59:59 on 20 Nov in New York is already 21 Nov in UTC: still valid.
  EXPECT_TRUE(Ask(s, "1001", "T-07", Est(2026y / 11 / 20, 23, 59, 59)).allow);
  // One second later it is 21 Nov in New York too.
  EXPECT_THAT(Codes(Ask(s, "1001", "T-07", Est(2026y / 11 / 21, 0)).reasons),
              ElementsAre("certification_expired"));
}

TEST(Decide, DeniesRifleWithoutWeaponLicence) {
  World w = Armory();
  PersonIn(w, "1001").licence_expires.reset();
  Decision d = Ask(w.Build(), "1001", "R-1");
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"licence_missing",
                                 "RIFLE R-1 withheld: you have no weapon licence on record."}));
}

TEST(Decide, DeniesRifleWhenLicenceExpiredYesterdayInLocalTime) {
  World w = Armory();
  PersonIn(w, "1001").licence_expires = 2026y / 11 / 22;
  State s = w.Build();
  EXPECT_THAT(Ask(s, "1001", "R-1").reasons,
              ElementsAre(Reason{"licence_expired",
                                 "RIFLE R-1 withheld: your weapon licence expired on 22 Nov "
                                 "2026."}));
  EXPECT_TRUE(Ask(s, "1001", "R-1", Est(2026y / 11 / 22, 23, 59, 59)).allow);
}

TEST(Decide, NeedsNoLicenceForWhatIsNotAFirearm) {
  World w = Armory();
  PersonIn(w, "1001").licence_expires.reset();
  EXPECT_TRUE(Ask(w.Build(), "1001", "T-07").allow);
}

// Mon-Fri 06:00-18:00.
World ArmoryWithDayShift() {
  World w = Armory();
  PersonIn(w, "1001").schedule = {{0b0011111, 6 * 60, 18 * 60}};
  return w;
}

TEST(Decide, DeniesOneSecondBeforeScheduleStartsAndAllowsAtStart) {
  State s = ArmoryWithDayShift().Build();
  Decision before = Ask(s, "1001", "T-07", Est(2026y / 11 / 23, 5, 59, 59));
  EXPECT_THAT(before.reasons,
              ElementsAre(Reason{"outside_schedule",
                                 "CEW T-07 withheld: it is outside your schedule (Mon-Fri "
                                 "06:00-18:00)."}));
  EXPECT_TRUE(Ask(s, "1001", "T-07", Est(2026y / 11 / 23, 6)).allow);
}

TEST(Decide, AllowsOneSecondBeforeScheduleEndsAndDeniesAtEnd) {
  State s = ArmoryWithDayShift().Build();
  EXPECT_TRUE(Ask(s, "1001", "T-07", Est(2026y / 11 / 23, 17, 59, 59)).allow);
  EXPECT_THAT(Codes(Ask(s, "1001", "T-07", Est(2026y / 11 / 23, 18)).reasons),
              ElementsAre("outside_schedule"));
}

TEST(Decide, DeniesOnADayTheScheduleDoesNotCover) {
  State s = ArmoryWithDayShift().Build();
  // Saturday 21 Nov 2026 at noon.
  EXPECT_THAT(Codes(Ask(s, "1001", "T-07", Est(2026y / 11 / 21, 12)).reasons),
              ElementsAre("outside_schedule"));
}

TEST(Decide, ReadsTheScheduleOnTheLocalClockAcrossTheDstChange) {
  State s = ArmoryWithDayShift().Build();
  // 10:30 UTC is 06:30 EDT on Friday 30 Oct (inside) but 05:30 EST on Monday 2 Nov (outside).
  EXPECT_TRUE(Ask(s, "1001", "T-07", UtcMicrosForTest(2026y / 10 / 30, 10, 30)).allow);
  EXPECT_THAT(Codes(Ask(s, "1001", "T-07", UtcMicrosForTest(2026y / 11 / 2, 10, 30)).reasons),
              ElementsAre("outside_schedule"));
}

TEST(Decide, DeniesQuarantinedItemQuotingTheProblem) {
  World w = Armory();
  w.events.push_back(domain::ProblemReported{"1001", "T-07", "probe door sticks"});
  Decision d = Ask(w.Build(), "3001", "T-07");
  EXPECT_THAT(d.reasons,
              ElementsAre(Reason{"quarantined",
                                 "CEW T-07 withheld: it is quarantined (probe door sticks) until "
                                 "an armorer services it."}));
}

TEST(Decide, LetsArmorerOpenQuarantinedItemForService) {
  World w = Armory();
  w.events.push_back(domain::ProblemReported{"1001", "T-07", "probe door sticks"});
  EXPECT_TRUE(Ask(w.Build(), "2001", "T-07").allow);
}

TEST(Decide, DoesNotExemptArmorerOfAnotherSiteFromQuarantine) {
  World w = Armory();
  w.events.push_back(domain::ProblemReported{"1001", "T-07", "probe door sticks"});
  EXPECT_THAT(Codes(Ask(w.Build(), "7001", "T-07").reasons),
              ElementsAre("no_access_at_site", "quarantined"));
}

TEST(Decide, DeniesItemAlreadyInSomeonesCustody) {
  World w = Armory();
  w.SignedOutTo("3001", "T-07");
  EXPECT_THAT(Ask(w.Build(), "1001", "T-07").reasons,
              ElementsAre(Reason{"already_out", "CEW T-07 withheld: it is already signed out."}));
}

TEST(Decide, DeniesItemWhoseSignOutIsPending) {
  World w = Armory();
  w.events.push_back(domain::SignOutGranted{"3001", "T-07", kT07Home, "", "", "", {}});
  EXPECT_THAT(Codes(Ask(w.Build(), "1001", "T-07").reasons), ElementsAre("already_out"));
}

TEST(Decide, WithholdsRifleAtItsFiftiethSignOutSinceService) {
  World w = Armory();
  w.UsedTimes("R-1", 49);
  EXPECT_TRUE(Ask(w.Build(), "1001", "R-1").allow);
  w.UsedTimes("R-1", 1);
  EXPECT_THAT(Ask(w.Build(), "1001", "R-1").reasons,
              ElementsAre(Reason{"service_due",
                                 "RIFLE R-1 withheld: it is due for service after 50 "
                                 "sign-outs."}));
}

TEST(Decide, WithholdsRadioNinetyDaysAfterItsLastService) {
  State s = Armory().Build();
  EXPECT_TRUE(Ask(s, "1001", "RADIO-1", kDefinedAt + 90 * kDay - kSecond).allow);
  EXPECT_THAT(Ask(s, "1001", "RADIO-1", kDefinedAt + 90 * kDay).reasons,
              ElementsAre(Reason{"service_due",
                                 "RADIO RADIO-1 withheld: it is due for service every 90 days."}));
}

TEST(Decide, ExemptsArmorerFromServiceDue) {
  World w = Armory();
  w.UsedTimes("R-1", 50);
  EXPECT_TRUE(Ask(w.Build(), "2001", "R-1").allow);
}

TEST(Decide, LetsServiceDueItemsOutWhenSettingsSaySo) {
  World w = Armory();
  w.UsedTimes("R-1", 50);
  Settings lenient;
  lenient.withhold_when_service_due = false;
  EXPECT_TRUE(Ask(w.Build(), "1001", "R-1", kNow, lenient).allow);
}

TEST(Decide, DeniesChargeableItemWhoseChargeWasNeverReported) {
  World w = Armory();
  w.Item("T-09", "CEW", {"HQ", "A", "3"});
  EXPECT_THAT(Ask(w.Build(), "1001", "T-09").reasons,
              ElementsAre(Reason{"charge_unknown",
                                 "CEW T-09 withheld: its charge has not been reported."}));
}

TEST(Decide, DeniesTaserChargedBelowMinimumSayingThePercent) {
  World w = Armory();
  w.Charge("T-07", 20);
  EXPECT_THAT(Ask(w.Build(), "1001", "T-07").reasons,
              ElementsAre(Reason{"charge_low",
                                 "CEW T-07 withheld: it is charged to 20%, below the 50% "
                                 "needed."}));
}

TEST(Decide, AllowsChargeExactlyAtMinimum) {
  World w = Armory();
  w.Charge("T-07", 50);
  EXPECT_TRUE(Ask(w.Build(), "1001", "T-07").allow);
  w.Charge("T-07", 49);
  EXPECT_FALSE(Ask(w.Build(), "1001", "T-07").allow);
}

TEST(Decide, DeniesFourthItemWhenLimitIsThree) {
  World w = Armory();
  w.SignedOutTo("1001", "T-08");
  w.SignedOutTo("1001", "RADIO-1");
  EXPECT_TRUE(Ask(w.Build(), "1001", "T-07").allow);
  w.SignedOutTo("1001", "RADIO-2");
  EXPECT_THAT(Ask(w.Build(), "1001", "T-07").reasons,
              ElementsAre(Reason{"limit_reached",
                                 "CEW T-07 withheld: you already hold 3 items and the limit is "
                                 "3."}));
}

TEST(Decide, CountsItemsHeldAtOtherSitesTowardsTheLimit) {
  World w = Armory();
  PersonIn(w, "1001").all_sites = true;
  w.SignedOutTo("1001", "T-20");  // NORTH
  Settings one;
  one.max_items_out = 1;
  EXPECT_THAT(Codes(Ask(w.Build(), "1001", "T-07", kNow, one).reasons),
              ElementsAre("limit_reached"));
}

TEST(Decide, RequiresSecondPersonForRifleButStillAllowsIt) {
  State s = Armory().Build();
  Decision d = Ask(s, "1001", "R-1");
  EXPECT_TRUE(d.allow);
  EXPECT_THAT(d.requirements, ElementsAre(Reason{"second_person_required",
                                                 "A second person must approve this sign-out."}));
}

TEST(Decide, CollectsEveryReasonThatAppliesNotJustTheFirst) {
  World w = Armory();
  Person& p = PersonIn(w, "1001");
  p.certifications.erase("RIFLE");
  p.licence_expires = 2026y / 1 / 1;
  p.schedule = {{0b0011111, 6 * 60, 7 * 60}};
  w.events.push_back(domain::CredentialLocked{"1001"});
  w.events.push_back(domain::ProblemReported{"2001", "R-1", "bolt cracked"});
  w.UsedTimes("R-1", 50);
  w.SignedOutTo("1001", "T-07");
  Settings one;
  one.max_items_out = 1;
  Decision d = Ask(w.Build(), "1001", "R-1", kNow, one);
  EXPECT_FALSE(d.allow);
  EXPECT_THAT(
      Codes(d.reasons),
      UnorderedElementsAre("credential_locked", "certification_missing", "licence_expired",
                           "outside_schedule", "quarantined", "service_due", "limit_reached"));
  EXPECT_THAT(Codes(d.requirements), ElementsAre("second_person_required"));
}

// ---------------------------------------------------------------------------------------------
// ListAvailable

TEST(ListAvailable, RanksBestChargedRadioFirstThenLeastUsedThenSerial) {
  World w = Armory();
  w.Charge("RADIO-1", 60);
  w.UsedTimes("RADIO-1", 5);
  w.Charge("RADIO-2", 95);
  w.UsedTimes("RADIO-2", 7);
  w.Charge("RADIO-3", 95);
  w.UsedTimes("RADIO-3", 2);
  w.Charge("RADIO-4", 60);
  w.UsedTimes("RADIO-4", 5);
  w.Charge("BWC-2", 40);  // not chargeable, but a known charge still ranks before none
  w.Charge("T-08", 95);
  Availability a = ListAvailable(w.Build(), "1001", "HQ", kNewYork, kNow);
  EXPECT_THAT(Serials(a.allowed), ElementsAre("BWC-2", "BWC-1", "T-08", "T-07", "RADIO-3",
                                              "RADIO-2", "RADIO-1", "RADIO-4", "R-1"));
  EXPECT_THAT(Serials(a.withheld), ElementsAre("E-1"));
  EXPECT_THAT(Codes(a.withheld[0].decision.reasons), ElementsAre("role_not_permitted"));
}

TEST(ListAvailable, LeavesOutItemsInCustodyOrPendingAndItemsOfOtherSites) {
  World w = Armory();
  w.SignedOutTo("3001", "T-07");
  w.events.push_back(domain::SignOutGranted{"3001", "T-08", {"HQ", "A", "2"}, "", "", "", {}});
  Availability a = ListAvailable(w.Build(), "2001", "HQ", kNewYork, kNow);
  std::vector<std::string> all = Serials(a.allowed);
  for (const std::string& s : Serials(a.withheld)) all.push_back(s);
  EXPECT_THAT(all, ::testing::Not(::testing::Contains("T-07")));
  EXPECT_THAT(all, ::testing::Not(::testing::Contains("T-08")));
  EXPECT_THAT(all, ::testing::Not(::testing::Contains("T-20")));
  EXPECT_EQ(all.size(), 8u);
}

TEST(ListAvailable, WithholdsInSerialOrderWithReasons) {
  World w = Armory();
  w.events.push_back(domain::ProblemReported{"2001", "RADIO-2", "no transmit"});
  w.Charge("T-07", 10);
  Availability a = ListAvailable(w.Build(), "1001", "HQ", kNewYork, kNow);
  EXPECT_THAT(Serials(a.withheld), ElementsAre("E-1", "RADIO-2", "T-07"));
  EXPECT_THAT(Codes(a.withheld[1].decision.reasons), ElementsAre("quarantined"));
  EXPECT_THAT(Codes(a.withheld[2].decision.reasons), ElementsAre("charge_low"));
}

TEST(ListAvailable, WithholdsItemWhoseHomeCompartmentWasNeverDefined) {
  // Given an item replayed from a ledger whose compartment definition is missing (Check() would
  // have refused it; Apply() does not look).
  // A crowded site, so the look-up meets other compartments on its way.
  World w = Armory();
  for (int i = 0; i < 40; ++i) w.Compartment({"HQ", "Z", std::to_string(10 + i)});
  w.events.push_back(domain::ItemDefined{{"T-99", "CEW", Tag(99), {"HQ", "Z", "9"}, 500}});
  w.Charge("T-99", 90);
  Availability a = ListAvailable(w.Build(), "1001", "HQ", kNewYork, kNow);
  EXPECT_THAT(Serials(a.withheld), ElementsAre("E-1", "T-99"));
  EXPECT_THAT(a.withheld[1].decision.reasons,
              ElementsAre(Reason{"unknown_compartment",
                                 "CEW T-99 withheld: compartment HQ/Z/9 is not defined."}));
}

TEST(ListAvailable, WithholdsEverythingFromUnknownBadge) {
  Availability a = ListAvailable(Armory().Build(), "9999", "HQ", kNewYork, kNow);
  EXPECT_THAT(a.allowed, IsEmpty());
  EXPECT_EQ(a.withheld.size(), 10u);
  for (const Offer& o : a.withheld) {
    EXPECT_THAT(Codes(o.decision.reasons), ElementsAre("unknown_person")) << o.serial;
  }
}

// ---------------------------------------------------------------------------------------------
// The decision matrix: every combination of the rules' inputs, each decision compared with an
// oracle written from the rules in PRODUCT.md §3.3 and policy.cc's header, not from its code.

enum class Cert { kValid, kExpiredYesterday, kExpiresToday, kMissing };
enum class Licence { kValid, kExpired, kMissing };
enum class Clock { kSecondBeforeStart, kAtStart, kSecondBeforeEnd, kAtEnd };
enum class DstSide { kSaturdayBefore, kMondayAfter };  // 31 Oct 2026 (EDT), 2 Nov 2026 (EST)
enum class Charge { k20, k80, kUnknown };

struct Case {
  Role role = Role::kOfficer;
  bool evidence = false;  // the evidence bag (two-person, not chargeable), not the smart pistol
  Cert cert = Cert::kValid;
  Licence licence = Licence::kValid;
  Clock clock = Clock::kAtStart;
  DstSide side = DstSide::kSaturdayBefore;
  bool quarantined = false;
  bool service_due = false;
  Charge charge = Charge::k80;
  bool at_limit = false;
};

std::string Describe(const Case& c) {
  return std::string(domain::RoleName(c.role)) + (c.evidence ? " evidence" : " pistol") +
         " cert=" + std::to_string(static_cast<int>(c.cert)) +
         " licence=" + std::to_string(static_cast<int>(c.licence)) +
         " clock=" + std::to_string(static_cast<int>(c.clock)) +
         " side=" + std::to_string(static_cast<int>(c.side)) +
         " quarantined=" + std::to_string(c.quarantined) +
         " service_due=" + std::to_string(c.service_due) +
         " charge=" + std::to_string(static_cast<int>(c.charge)) +
         " at_limit=" + std::to_string(c.at_limit);
}

// The oracle: which reasons the rules give for this case.
std::set<std::string> Expected(const Case& c) {
  std::set<std::string> r;
  const bool armorer = c.role == Role::kArmorer;
  if (c.evidence) {
    if (c.role != Role::kEvidenceCustodian) r.insert("role_not_permitted");
  } else if (c.role != Role::kOfficer && c.role != Role::kSupervisor && !armorer) {
    r.insert("role_not_permitted");
  }
  if (c.cert == Cert::kMissing) r.insert("certification_missing");
  if (c.cert == Cert::kExpiredYesterday) r.insert("certification_expired");
  if (!c.evidence && c.licence == Licence::kMissing) r.insert("licence_missing");
  if (!c.evidence && c.licence == Licence::kExpired) r.insert("licence_expired");
  if (c.clock == Clock::kSecondBeforeStart || c.clock == Clock::kAtEnd) {
    r.insert("outside_schedule");
  }
  if (c.quarantined && !armorer) r.insert("quarantined");
  if (c.service_due && !armorer) r.insert("service_due");
  if (!c.evidence && c.charge == Charge::kUnknown) r.insert("charge_unknown");
  if (!c.evidence && c.charge == Charge::k20) r.insert("charge_low");
  if (c.at_limit) r.insert("limit_reached");
  return r;
}

// The matrix world: site HQ in New York; a smart pistol X-1 (firearm, chargeable, certification
// PISTOL, service every 10 sign-outs) and an evidence bag EV-1 (two-person, certification
// EVIDENCE, service every 10 sign-outs); person P-1 with a 19:00-23:00 Mon-Sat schedule, so the
// edges fall on the next day in UTC and a UTC-based date or a wrong offset shows; fillers F-1, F-2
// that P-1 holds against a limit of 2.
State MatrixWorld() {
  World w;
  w.events.push_back(domain::SiteDefined{{"HQ", "Headquarters", "America/New_York"}});
  w.events.push_back(
      domain::ItemTypeDefined{{"SMART", Category::kFirearm, {"PISTOL"}, 12, false, true, 10, 0}});
  w.events.push_back(domain::ItemTypeDefined{
      {"EVBAG", Category::kEvidence, {"EVIDENCE"}, 12, true, false, 10, 0}});
  w.events.push_back(domain::ItemTypeDefined{{"KEY", Category::kKey, {}, 12, false, false, 0, 0}});
  w.Item("X-1", "SMART", {"HQ", "A", "1"});
  w.Item("EV-1", "EVBAG", {"HQ", "A", "2"});
  w.Item("F-1", "KEY", {"HQ", "K", "1"});
  w.Item("F-2", "KEY", {"HQ", "K", "2"});
  Person p = Staff("P-1", "Pat Matrix", {Role::kOfficer});
  p.schedule = {{0b0111111, 19 * 60, 23 * 60}};
  w.Define(p);
  w.SignedOutTo("P-1", "F-1");
  return w.Build();
}

Micros MatrixNow(const Case& c) {
  const auto day = c.side == DstSide::kSaturdayBefore ? 2026y / 10 / 31 : 2026y / 11 / 2;
  auto at = [&](int h, int m, int s) {
    return c.side == DstSide::kSaturdayBefore ? Edt(day, h, m, s) : Est(day, h, m, s);
  };
  switch (c.clock) {
    case Clock::kSecondBeforeStart:
      return at(18, 59, 59);
    case Clock::kAtStart:
      return at(19, 0, 0);
    case Clock::kSecondBeforeEnd:
      return at(22, 59, 59);
    case Clock::kAtEnd:
      return at(23, 0, 0);
  }
  return 0;
}

void Arrange(State& s, const Case& c) {
  const domain::Date today = c.side == DstSide::kSaturdayBefore ? domain::Date(2026y / 10 / 31)
                                                                : domain::Date(2026y / 11 / 2);
  Person& p = s.people.at("P-1").person;
  p.roles = {c.role};
  p.certifications.clear();
  if (c.cert != Cert::kMissing) {
    const domain::Date expiry = c.cert == Cert::kValid          ? today + std::chrono::days(30)
                                : c.cert == Cert::kExpiresToday ? today
                                                                : today - std::chrono::days(1);
    p.certifications = {{"PISTOL", expiry}, {"EVIDENCE", expiry}};
  }
  switch (c.licence) {
    case Licence::kValid:
      p.licence_expires = today + std::chrono::days(365);
      break;
    case Licence::kExpired:
      p.licence_expires = today - std::chrono::days(1);
      break;
    case Licence::kMissing:
      p.licence_expires.reset();
      break;
  }
  for (const char* serial : {"X-1", "EV-1"}) {
    domain::ItemState& i = s.items.at(serial);
    i.quarantined = c.quarantined;
    i.quarantine_reason = c.quarantined ? "reported faulty" : "";
    i.signouts_since_service = c.service_due ? 10 : 9;
    switch (c.charge) {
      case Charge::k20:
        i.charge_percent = 20;
        break;
      case Charge::k80:
        i.charge_percent = 80;
        break;
      case Charge::kUnknown:
        i.charge_percent.reset();
        break;
    }
  }
  domain::ItemState& f2 = s.items.at("F-2");
  if (c.at_limit) {
    f2.custody = domain::Custody{"P-1", 0, 0, false};
  } else {
    f2.custody.reset();
  }
  // The case edits custody directly, so recount what Apply would have counted.
  s.held.clear();
  for (const auto& [serial, i] : s.items) {
    if (i.custody) ++s.held[i.custody->badge];
  }
}

// Case number n of the cross product, reading n as a mixed-radix number whose digits pick each
// dimension's value; kCaseCount numbers give every combination once.
constexpr int kCaseCount = 6 * 2 * 4 * 3 * 4 * 2 * 2 * 2 * 3 * 2;
Case NthCase(int n) {
  auto digit = [&n](int radix) {
    const int d = n % radix;
    n /= radix;
    return d;
  };
  Case c;
  c.role = domain::kAllRoles[digit(6)];
  c.evidence = digit(2) == 1;
  c.cert = static_cast<Cert>(digit(4));
  c.licence = static_cast<Licence>(digit(3));
  c.clock = static_cast<Clock>(digit(4));
  c.side = static_cast<DstSide>(digit(2));
  c.quarantined = digit(2) == 1;
  c.service_due = digit(2) == 1;
  c.charge = static_cast<Charge>(digit(3));
  c.at_limit = digit(2) == 1;
  return c;
}

// Empty when the decision is the oracle's: the same set of codes, each once, allow iff none, the
// second person for the evidence bag only, and sentences that name the item.
std::string Mismatch(const Case& c, const Decision& d) {
  const std::string serial = c.evidence ? "EV-1" : "X-1";
  const std::string prefix = (c.evidence ? "EVBAG " : "SMART ") + serial + " withheld: ";
  std::set<std::string> got;
  std::string problems;
  for (const Reason& r : d.reasons) {
    got.insert(r.code);
    if (r.sentence.rfind(prefix, 0) != 0 || r.sentence.back() != '.') {
      problems += "\n  sentence: " + r.sentence;
    }
  }
  const std::set<std::string> want = Expected(c);
  if (got != want || got.size() != d.reasons.size() || d.allow != want.empty()) {
    problems += "\n  got:  allow=" + std::to_string(d.allow);
    for (const Reason& r : d.reasons) problems += " " + r.code;
    problems += "\n  want:";
    for (const std::string& code : want) problems += " " + code;
  }
  const bool two_person =
      d.requirements.size() == 1 && d.requirements[0].code == "second_person_required";
  if (two_person != c.evidence) problems += "\n  requirements wrong";
  return problems.empty() ? "" : Describe(c) + problems;
}

TEST(DecisionMatrix, AgreesWithTheOracleOnEveryCombination) {
  State s = MatrixWorld();
  Settings settings;
  settings.max_items_out = 2;
  settings.min_charge_percent = 50;
  int allowed = 0, failures = 0;
  for (int n = 0; n < kCaseCount; ++n) {
    const Case c = NthCase(n);
    Arrange(s, c);
    const std::string serial = c.evidence ? "EV-1" : "X-1";
    const Decision d =
        Decide(s, "P-1", serial, s.items.at(serial).item.home, kNewYork, MatrixNow(c), settings);
    allowed += d.allow ? 1 : 0;
    if (std::string m = Mismatch(c, d); !m.empty() && ++failures <= 20) ADD_FAILURE() << m;
  }
  EXPECT_EQ(failures, 0) << "of " << kCaseCount << " cases";
  EXPECT_GT(allowed, 0);  // the walk reaches the allowed corner too
}

// The oracle itself must be able to say no to a plausible wrong policy: a UTC date for expiry.
TEST(DecisionMatrix, OracleExpectsExpiryTodayToHoldLateInTheLocalEvening) {
  const Case c{
      .cert = Cert::kExpiresToday, .clock = Clock::kSecondBeforeEnd, .side = DstSide::kMondayAfter};
  EXPECT_THAT(Expected(c), IsEmpty());
  // 22:59:59 EST is 03:59:59 UTC the next day, so a UTC date would say "expired".
  EXPECT_EQ(MatrixNow(c), UtcMicrosForTest(2026y / 11 / 3, 3, 59, 59));
}

// ---------------------------------------------------------------------------------------------
// Properties over random worlds.

const std::vector<std::string> kCertPool = {"A", "B", "C"};

struct Arena {
  State state;
  std::string badge = "P";
  Micros now = 0;
};

// A random world: two sites, up to 3 types, up to 9 items (and some empty compartments; now and
// then an item whose home was never defined), one person "P" with random roles,
// sites, certifications (expiring a few days either side of today), licence and schedule, and an
// instant near a DST change or an ordinary day of 2026.
Arena GenArena() {
  Arena a;
  const std::vector<Micros> interesting = {
      UtcMicrosForTest(2026y / 3 / 8, 7), UtcMicrosForTest(2026y / 11 / 1, 6),
      UtcMicrosForTest(2026y / 6 / 15, 4), UtcMicrosForTest(2026y / 11 / 23, 17)};
  a.now = *rc::gen::elementOf(interesting) +
          *rc::gen::inRange<int64_t>(-2 * 86400, 2 * 86400) * kSecond;
  const Micros defined_at = a.now - *rc::gen::inRange<int64_t>(0, 60 * 86400) * kSecond;
  auto apply = [&](const DomainEvent& e) { a.state.Apply(e, defined_at); };
  const std::vector<std::string> sites = {"HQ", "NORTH"};
  for (const std::string& s : sites) apply(domain::SiteDefined{{s, s, "America/New_York"}});

  const int ntypes = *rc::gen::inRange(1, 4);
  for (int t = 0; t < ntypes; ++t) {
    domain::ItemType type;
    type.code = "T" + std::to_string(t);
    type.category = *rc::gen::element(Category::kFirearm, Category::kLessLethal, Category::kRadio,
                                      Category::kEvidence, Category::kKey);
    for (const std::string& c : kCertPool) {
      if (*rc::gen::inRange(0, 3) == 0) type.certifications.push_back(c);
    }
    type.two_person = *rc::gen::arbitrary<bool>();
    type.chargeable = *rc::gen::arbitrary<bool>();
    type.service_every_signouts = *rc::gen::inRange(0, 4);
    type.service_every_days = *rc::gen::element(0, 1, 30);
    apply(domain::ItemTypeDefined{type});
  }
  const int nempty = *rc::gen::inRange(0, 40);  // compartments with nothing in them
  for (int i = 0; i < nempty; ++i) {
    const CompartmentKey k{*rc::gen::elementOf(sites), *rc::gen::element<std::string>("A", "B"),
                           std::to_string(*rc::gen::inRange(0, 30))};
    apply(domain::CompartmentDefined{{k, domain::CompartmentSize::kSmall, {}}});
  }
  const int nitems = *rc::gen::inRange(1, 10);
  for (int i = 0; i < nitems; ++i) {
    const std::string serial = "S" + std::to_string(i);
    const CompartmentKey home{*rc::gen::elementOf(sites), "A", std::to_string(i)};
    if (*rc::gen::inRange(0, 8) != 0) {  // else a replayed item whose home was never defined
      apply(domain::CompartmentDefined{{home, domain::CompartmentSize::kSmall, {}}});
    }
    apply(domain::ItemDefined{
        {serial, "T" + std::to_string(*rc::gen::inRange(0, ntypes)), Tag(i), home, 100}});
    if (*rc::gen::inRange(0, 4) == 0) apply(domain::ProblemReported{"P", serial, "broken"});
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        apply(domain::ItemSignedOut{"P", serial, 0});
        break;
      case 1:
        apply(domain::ItemSignedOut{"Q", serial, 0});
        break;
      case 2:
        apply(domain::SignOutGranted{"Q", serial, home, "", "", "", {}});
        break;
      default:
        break;
    }
    if (*rc::gen::inRange(0, 4) != 0) {
      apply(domain::ChargeObserved{serial, *rc::gen::inRange(0, 101)});
    }
    a.state.items.at(serial).signouts_since_service = *rc::gen::inRange(0, 5);
  }

  Person p;
  p.badge = a.badge;
  p.name = "Pat";
  for (Role r : domain::kAllRoles) {
    if (*rc::gen::inRange(0, 3) == 0) p.roles.insert(r);
  }
  if (p.roles.empty())
    p.roles.insert(*rc::gen::elementOf(
        std::vector<Role>(std::begin(domain::kAllRoles), std::end(domain::kAllRoles))));
  p.all_sites = *rc::gen::inRange(0, 4) == 0;
  for (const std::string& s : sites) {
    if (*rc::gen::inRange(0, 4) != 0) p.sites.insert(s);
  }
  const domain::Date today = kNewYork->ToLocal(a.now).date;
  for (const std::string& c : kCertPool) {
    if (*rc::gen::inRange(0, 5) != 0) {
      p.certifications[c] = today + std::chrono::days(*rc::gen::inRange(-3, 4));
    }
  }
  if (*rc::gen::inRange(0, 5) != 0) {
    p.licence_expires = today + std::chrono::days(*rc::gen::inRange(-3, 4));
  }
  const int nwindows = *rc::gen::inRange(0, 3);
  for (int i = 0; i < nwindows; ++i) {
    const int start = *rc::gen::inRange(0, 24 * 60 - 1);
    const int end = *rc::gen::inRange(start + 1, 24 * 60 + 1);
    p.schedule.push_back({static_cast<uint8_t>(*rc::gen::inRange(1, 128)), start, end});
  }
  apply(domain::PersonDefined{p, true});
  if (*rc::gen::inRange(0, 8) == 0) apply(domain::CredentialRevoked{a.badge, "suspended"});
  if (*rc::gen::inRange(0, 8) == 0) apply(domain::CredentialLocked{a.badge});
  return a;
}

Settings GenSettings() {
  Settings s;
  s.min_charge_percent = *rc::gen::inRange(0, 101);
  s.max_items_out = *rc::gen::inRange(0, 4);
  s.withhold_when_service_due = *rc::gen::arbitrary<bool>();
  return s;
}

Decision DecideAtHome(const Arena& a, const domain::ItemState& i, const Settings& settings) {
  return Decide(a.state, a.badge, i.item.serial, i.item.home, kNewYork, a.now, settings);
}

bool SameDecision(const Decision& x, const Decision& y) {
  return x.allow == y.allow && x.reasons == y.reasons && x.requirements == y.requirements;
}

RC_GTEST_PROP(PolicyProperty, NeverAllowsWithoutEveryRequiredCertificationValidAtThatInstant, ()) {
  const Arena a = GenArena();
  const Settings settings = GenSettings();
  const domain::Date today = kNewYork->ToLocal(a.now).date;
  const Person& p = a.state.people.at(a.badge).person;
  for (const auto& [serial, i] : a.state.items) {
    if (!DecideAtHome(a, i, settings).allow) continue;
    for (const std::string& c : a.state.types.at(i.item.type).certifications) {
      auto it = p.certifications.find(c);
      RC_ASSERT(it != p.certifications.end());
      RC_ASSERT(today <= it->second);
    }
  }
}

RC_GTEST_PROP(PolicyProperty, NeverAllowsQuarantinedItemExceptToArmorerOfThatSite, ()) {
  const Arena a = GenArena();
  const Settings settings = GenSettings();
  const domain::PersonState& ps = a.state.people.at(a.badge);
  for (const auto& [serial, i] : a.state.items) {
    if (!i.quarantined) continue;
    const bool armorer_here = a.state.HasRole(ps, Role::kArmorer, i.item.home.site);
    const Decision d = DecideAtHome(a, i, settings);
    if (!armorer_here) RC_ASSERT(!d.allow);
    const bool says_quarantined =
        std::any_of(d.reasons.begin(), d.reasons.end(),
                    [](const Reason& r) { return r.code == "quarantined"; });
    RC_ASSERT(says_quarantined == !armorer_here);
  }
}

RC_GTEST_PROP(PolicyProperty, AllowsExactlyWhenNoReasonApplies, ()) {
  const Arena a = GenArena();
  const Settings settings = GenSettings();
  for (const auto& [serial, i] : a.state.items) {
    const Decision d = DecideAtHome(a, i, settings);
    RC_ASSERT(d.allow == d.reasons.empty());
    const std::string prefix = i.item.type + " " + serial + " withheld: ";
    for (const Reason& r : d.reasons) {
      RC_ASSERT(r.sentence.rfind(prefix, 0) == 0);
      RC_ASSERT(r.sentence.back() == '.');
    }
    const bool two_person = a.state.types.at(i.item.type).two_person;
    RC_ASSERT(d.requirements.size() == (two_person ? 1u : 0u));
  }
}

RC_GTEST_PROP(PolicyProperty, FindsOutsideScheduleExactlyWhenNoWindowCoversTheLocalClock, ()) {
  const Arena a = GenArena();
  const Person& p = a.state.people.at(a.badge).person;
  const domain::LocalTime local = kNewYork->ToLocal(a.now);
  bool covered = p.schedule.empty();
  for (const domain::ScheduleWindow& w : p.schedule) {
    covered =
        covered || (((w.days >> local.weekday) & 1) && local.second_of_day >= w.start_minute * 60 &&
                    local.second_of_day < w.end_minute * 60);
  }
  for (const auto& [serial, i] : a.state.items) {
    const std::vector<Reason> reasons = DecideAtHome(a, i, {}).reasons;
    const bool outside = std::any_of(reasons.begin(), reasons.end(),
                                     [](const Reason& r) { return r.code == "outside_schedule"; });
    RC_ASSERT(outside == !covered);
  }
}

RC_GTEST_PROP(PolicyProperty, DecidesTheSameWayEveryTime, ()) {
  const Arena a = GenArena();
  const Settings settings = GenSettings();
  const State copy = a.state;
  for (const auto& [serial, i] : a.state.items) {
    const Decision first = DecideAtHome(a, i, settings);
    const Decision again = DecideAtHome(a, i, settings);
    const Decision on_copy = Decide(copy, a.badge, serial, i.item.home, kNewYork, a.now, settings);
    RC_ASSERT(SameDecision(first, again));
    RC_ASSERT(SameDecision(first, on_copy));
  }
}

RC_GTEST_PROP(PolicyProperty, ListsAsAllowedExactlyTheItemsDecideAllows, ()) {
  const Arena a = GenArena();
  const Settings settings = GenSettings();
  for (const std::string site : {"HQ", "NORTH"}) {
    const Availability av = ListAvailable(a.state, a.badge, site, kNewYork, a.now, settings);
    std::set<std::string> want_allowed, want_withheld;
    for (const auto& [serial, i] : a.state.items) {
      if (i.item.home.site != site || i.custody || i.pending) continue;
      (DecideAtHome(a, i, settings).allow ? want_allowed : want_withheld).insert(serial);
    }
    std::vector<std::string> allowed = Serials(av.allowed), withheld = Serials(av.withheld);
    RC_ASSERT(std::set<std::string>(allowed.begin(), allowed.end()) == want_allowed);
    RC_ASSERT(std::set<std::string>(withheld.begin(), withheld.end()) == want_withheld);
    RC_ASSERT(allowed.size() == want_allowed.size());
    RC_ASSERT(withheld.size() == want_withheld.size());
    RC_ASSERT(std::is_sorted(withheld.begin(), withheld.end()));
    for (const std::vector<Offer>* offers : {&av.allowed, &av.withheld}) {
      for (const Offer& o : *offers) {
        RC_ASSERT(SameDecision(o.decision, DecideAtHome(a, a.state.items.at(o.serial), settings)));
        // The offer points at the state's own item and its type.
        RC_ASSERT(o.item == &a.state.items.at(o.serial));
        RC_ASSERT(o.type == a.state.FindType(o.item->item.type));
      }
    }
    // Best first: by type, then more charge (unknown last), fewer sign-outs, serial.
    for (size_t k = 1; k < av.allowed.size(); ++k) {
      const domain::ItemState& x = a.state.items.at(av.allowed[k - 1].serial);
      const domain::ItemState& y = a.state.items.at(av.allowed[k].serial);
      const auto key = [](const domain::ItemState& i) {
        return std::make_tuple(i.item.type, i.charge_percent ? -*i.charge_percent : 1,
                               i.signouts_since_service, i.item.serial);
      };
      RC_ASSERT(key(x) < key(y));
    }
  }
}

// Everything in order for an officer at HQ: radios (chargeable, charged enough) and body cameras
// (not chargeable, charge known or not) with random charge and use since service.
RC_GTEST_PROP(PolicyProperty, RanksAllowedItemsByTypeThenChargeThenUseThenSerial, ()) {
  World w;
  w.events.push_back(domain::SiteDefined{{"HQ", "Headquarters", "America/New_York"}});
  w.events.push_back(
      domain::ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 0}});
  w.events.push_back(
      domain::ItemTypeDefined{{"BWC", Category::kBodyCamera, {}, 12, false, false, 0, 0}});
  w.Define(Staff("1001", "Ana Officer", {Role::kOfficer}));
  const int n = *rc::gen::inRange(1, 13);
  for (int i = 0; i < n; ++i) {
    const std::string serial = "I-" + std::to_string(i);
    const bool radio = *rc::gen::arbitrary<bool>();
    w.Item(serial, radio ? "RADIO" : "BWC", {"HQ", "A", std::to_string(i)});
    if (radio || *rc::gen::arbitrary<bool>()) w.Charge(serial, *rc::gen::inRange(50, 53));
  }
  State s = w.Build();
  for (auto& [serial, i] : s.items) i.signouts_since_service = *rc::gen::inRange(0, 3);

  const Availability av = ListAvailable(s, "1001", "HQ", kNewYork, kNow);
  RC_ASSERT(av.withheld.empty());
  std::vector<const domain::ItemState*> want;
  for (const auto& [serial, i] : s.items) want.push_back(&i);
  std::sort(want.begin(), want.end(), [](const domain::ItemState* x, const domain::ItemState* y) {
    const auto key = [](const domain::ItemState& i) {
      return std::make_tuple(i.item.type, i.charge_percent ? 0 : 1, -i.charge_percent.value_or(0),
                             i.signouts_since_service, i.item.serial);
    };
    return key(*x) < key(*y);
  });
  std::vector<std::string> want_serials;
  for (const domain::ItemState* i : want) want_serials.push_back(i->item.serial);
  RC_ASSERT(Serials(av.allowed) == want_serials);
}

}  // namespace
}  // namespace custodian::policy
