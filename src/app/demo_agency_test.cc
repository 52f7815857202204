#include "app/demo_agency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "policy/fake_zone.h"
#include "policy/policy.h"

namespace custodian::app {
namespace {

using namespace std::chrono_literals;
using domain::Category;
using domain::Role;
using domain::State;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;

const domain::Date kToday = domain::Date(2026y / 11 / 23);  // a Monday
// Noon in New York, 11:00 in Chicago, 10:00 in Denver (standard time in late November).
const domain::Micros kNow = policy::UtcMicrosForTest(2026y / 11 / 23, 17);
const policy::FixedRulesZoneForTest kEastern("EST", -5 * 3600, {});
const policy::FixedRulesZoneForTest kCentral("CST", -6 * 3600, {});
const policy::FixedRulesZoneForTest kMountain("MST", -7 * 3600, {});

const domain::TimeZone* ZoneOf(const std::string& site) {
  if (site == "HQ") return &kEastern;
  if (site == "D2") return &kCentral;
  if (site == "EVF") return &kMountain;
  return nullptr;
}

ImportEnv Env() {
  ImportEnv env;
  env.zone_exists = [](std::string_view z) {
    return z == "America/New_York" || z == "America/Chicago" || z == "America/Denver";
  };
  env.new_pin = [] {
    ADD_FAILURE() << "every demo person has a PIN; none should be generated";
    return std::string("0000");
  };
  return env;
}

// The demo agency imported on an empty state, CSV by CSV, then its extra events: what `demo seed`
// records. Fails the test when any step does not plan or check cleanly.
struct Seeded {
  DemoAgency demo = MakeDemoAgency(kToday);
  State state;
  std::vector<std::pair<std::string, std::string>> pins;

  Seeded() {
    for (const auto& [kind, csv] : demo.Csvs()) {
      auto plan = PlanImport(kind, *csv, state, Env());
      if (!plan) {
        ADD_FAILURE() << ImportKindName(kind) << ": " << plan.error().ToString();
        return;
      }
      EXPECT_THAT(plan->generated_pin_badges, IsEmpty());
      for (const auto& e : plan->events) state.Apply(e, kNow - 3600'000'000LL);
      pins.insert(pins.end(), plan->pins.begin(), plan->pins.end());
    }
    for (const auto& e : demo.events) {
      EXPECT_TRUE(state.Check(e).ok()) << state.Check(e).ToString();
      state.Apply(e, kNow - 1800'000'000LL);
    }
  }
};

const Seeded& Demo() {
  static const Seeded* const seeded = new Seeded();
  return *seeded;
}

TEST(DemoAgency, EveryCsvPlansCleanlyThroughTheImportInOrderOnAnEmptyState) {
  const Seeded s;  // the constructor fails the test on any import or check error
  EXPECT_EQ(s.state.events_applied, s.state.sites.size() + s.state.compartments.size() +
                                        s.state.types.size() + s.state.people.size() +
                                        s.state.items.size() + s.demo.events.size());
}

TEST(DemoAgency, HasThreeSitesInThreeZonesSixBanksAndAboutTwoHundredItems) {
  const State& st = Demo().state;
  EXPECT_EQ(st.sites.size(), 3u);
  std::set<std::string> zones;
  for (const auto& [code, site] : st.sites) zones.insert(site.timezone);
  EXPECT_EQ(zones.size(), 3u);
  std::set<std::pair<std::string, std::string>> banks;
  for (const auto& [key, c] : st.compartments) banks.emplace(key.site, key.bank);
  EXPECT_EQ(banks.size(), 6u);
  EXPECT_GE(st.compartments.size(), 110u);
  EXPECT_LE(st.compartments.size(), 130u);
  EXPECT_GE(st.items.size(), 180u);
  EXPECT_LE(st.items.size(), 220u);
  EXPECT_GE(st.people.size(), 55u);
  EXPECT_LE(st.people.size(), 65u);
}

TEST(DemoAgency, MostCompartmentsHoldOneItemAndItemsSitInFittingCompartments) {
  const State& st = Demo().state;
  std::map<domain::CompartmentKey, int> per_compartment;
  for (const auto& [serial, i] : st.items) {
    ++per_compartment[i.item.home];
    const domain::Compartment& c = *st.FindCompartment(i.item.home);
    const domain::ItemType& t = *st.FindType(i.item.type);
    if (t.chargeable) {
      EXPECT_TRUE(c.features.count(domain::Feature::kCharging)) << serial;
    }
    if (i.item.type == "RIFLE") {
      EXPECT_EQ(c.size, domain::CompartmentSize::kLongGun) << serial;
    }
    if (i.item.type == "BIO") {
      EXPECT_TRUE(c.features.count(domain::Feature::kRefrigerated)) << serial;
    }
  }
  const auto single = std::count_if(per_compartment.begin(), per_compartment.end(),
                                    [](const auto& kv) { return kv.second == 1; });
  EXPECT_GT(static_cast<size_t>(single) * 2, st.compartments.size());
}

TEST(DemoAgency, EveryCategoryHasItemsAndEveryRoleHasAPerson) {
  const State& st = Demo().state;
  std::set<Category> categories;
  for (const auto& [serial, i] : st.items) categories.insert(st.FindType(i.item.type)->category);
  for (Category c :
       {Category::kFirearm, Category::kLessLethal, Category::kRadio, Category::kBodyCamera,
        Category::kKey, Category::kEvidence, Category::kOther}) {
    EXPECT_TRUE(categories.count(c)) << domain::CategoryName(c);
  }
  std::map<Role, int> roles;
  int all_sites = 0;
  for (const auto& [badge, p] : st.people) {
    for (Role r : p.person.roles) ++roles[r];
    all_sites += p.person.all_sites;
  }
  for (Role r : domain::kAllRoles) EXPECT_GE(roles[r], 1) << domain::RoleName(r);
  EXPECT_GT(roles[Role::kOfficer], static_cast<int>(st.people.size()) / 2);
  EXPECT_GE(all_sites, 2);
  const domain::ItemType& rifle = *st.FindType("RIFLE");
  EXPECT_TRUE(rifle.two_person);
  EXPECT_THAT(rifle.certifications, Contains("FIREARM"));
  EXPECT_TRUE(st.FindType("CEW")->chargeable);
  EXPECT_THAT(st.FindType("CEW")->certifications, Contains("CEW"));
}

TEST(DemoAgency, CertificationsAreValidExpiringWithinThirtyDaysOrExpired) {
  int valid = 0, expiring = 0, expired = 0, licences_expired = 0, schedules = 0;
  for (const auto& [badge, p] : Demo().state.people) {
    for (const auto& [code, expiry] : p.person.certifications) {
      if (expiry < kToday) {
        ++expired;
      } else if (expiry <= kToday + std::chrono::days(30)) {
        ++expiring;
      } else {
        ++valid;
      }
    }
    if (p.person.licence_expires && *p.person.licence_expires < kToday) ++licences_expired;
    schedules += !p.person.schedule.empty();
  }
  EXPECT_GE(valid, 100);
  EXPECT_GE(expiring, 8);
  EXPECT_GE(expired, 8);
  EXPECT_GE(licences_expired, 3);
  EXPECT_GE(schedules, 4);
  EXPECT_LT(schedules, static_cast<int>(Demo().state.people.size()) / 2);
}

TEST(DemoAgency, EveryPersonHasTheDemoPinAndEveryItemAUniqueUpperHexTag) {
  EXPECT_EQ(Demo().pins.size(), Demo().state.people.size());
  for (const auto& [badge, pin] : Demo().pins) EXPECT_EQ(pin, kDemoPin) << badge;
  std::set<std::string> tags;
  for (const auto& [serial, i] : Demo().state.items) {
    EXPECT_EQ(i.item.tag.size(), 24u);
    EXPECT_EQ(i.item.tag.find_first_not_of("0123456789ABCDEF"), std::string::npos);
    tags.insert(i.item.tag);
    EXPECT_GT(i.item.weight_g, 0) << serial;
  }
  EXPECT_EQ(tags.size(), Demo().state.items.size());
  EXPECT_TRUE(Demo().state.FindItem("CEW-0012") != nullptr);
}

TEST(DemoAgency, EveryChargeableItemHasAChargeSomeTooLowAndTwoAreQuarantined) {
  int low = 0, quarantined = 0;
  for (const auto& [serial, i] : Demo().state.items) {
    if (Demo().state.FindType(i.item.type)->chargeable) {
      ASSERT_TRUE(i.charge_percent.has_value()) << serial;
      low += *i.charge_percent < policy::Settings{}.min_charge_percent;
    } else {
      EXPECT_FALSE(i.charge_percent.has_value()) << serial;
    }
    quarantined += i.quarantined;
  }
  EXPECT_GE(low, 5);
  EXPECT_EQ(quarantined, 2);
}

TEST(DemoAgency, IsDeterministicAndItsDatesFollowToday) {
  const DemoAgency a = MakeDemoAgency(kToday), b = MakeDemoAgency(kToday);
  for (size_t k = 0; k < a.Csvs().size(); ++k) EXPECT_EQ(*a.Csvs()[k].second, *b.Csvs()[k].second);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.credentials.size(), b.credentials.size());
  for (size_t k = 0; k < a.credentials.size(); ++k) {
    EXPECT_EQ(a.credentials[k].badge, b.credentials[k].badge);
    EXPECT_EQ(a.credentials[k].demonstrates, b.credentials[k].demonstrates);
  }
  const DemoAgency later = MakeDemoAgency(kToday + std::chrono::days(400));
  EXPECT_EQ(later.items_csv, a.items_csv);
  EXPECT_NE(later.people_csv, a.people_csv);
  EXPECT_NE(later.people_csv.find(domain::FormatDate(kToday + std::chrono::days(400 - 20))),
            std::string::npos)
      << "officer 1002's CEW certification expires 20 days before the day seeded";
}

TEST(DemoAgency, AnOfficerMayTakeItemsAndTheExpiredCewOfficerSeesCewsWithheld) {
  const State& st = Demo().state;
  const policy::Availability ok = policy::ListAvailable(st, "1001", "HQ", &kEastern, kNow);
  EXPECT_GE(ok.allowed.size(), 20u);
  EXPECT_THAT(ok.allowed, Contains(Field(&policy::Offer::serial, "CEW-0001")));
  // The quarantined CEW and the low-charge ones are withheld even from her.
  EXPECT_THAT(ok.withheld, Contains(Field(&policy::Offer::serial, "CEW-0004")));

  const policy::Availability cew = policy::ListAvailable(st, "1002", "HQ", &kEastern, kNow);
  EXPECT_THAT(cew.allowed, Not(IsEmpty()));
  bool withheld_for_certification = false;
  for (const policy::Offer& o : cew.withheld) {
    if (o.item->item.type != "CEW") continue;
    for (const auto& r : o.decision.reasons) {
      withheld_for_certification |= r.code == "certification_expired";
    }
  }
  EXPECT_TRUE(withheld_for_certification);
  EXPECT_THAT(cew.allowed, Not(Contains(Field(&policy::Offer::serial, "CEW-0001"))));
}

// What each demo credential's table row says is what the policy decides for its item.
TEST(DemoAgency, EveryDemoCredentialShowsWhatItsRowSays) {
  const State& st = Demo().state;
  const std::map<std::string, std::string> expected = {
      {"1001", "allow"},
      {"1002", "certification_expired"},
      {"1003", "allow"},
      {"1004", "licence_expired"},
      {"1005", "allow"},
      {"1006", "certification_missing"},
      {"2001", "allow"},
      {"3001", "allow"},
      {"4001", "allow"},
      {"5001", "role_not_permitted"},
      {"6001", "role_not_permitted"},
  };
  ASSERT_EQ(Demo().demo.credentials.size(), expected.size());
  for (const DemoCredential& c : Demo().demo.credentials) {
    SCOPED_TRACE(c.badge + " " + c.try_item);
    ASSERT_NE(st.FindPerson(c.badge), nullptr);
    EXPECT_EQ(st.FindPerson(c.badge)->person.name, c.name);
    const domain::ItemState* item = st.FindItem(c.try_item);
    ASSERT_NE(item, nullptr);
    const policy::Decision d = policy::Decide(st, c.badge, c.try_item, item->item.home,
                                              ZoneOf(item->item.home.site), kNow);
    if (expected.at(c.badge) == "allow") {
      EXPECT_TRUE(d.allow) << (d.reasons.empty() ? "" : d.reasons[0].sentence);
    } else {
      EXPECT_FALSE(d.allow);
      EXPECT_THAT(d.reasons, Contains(Field(&domain::Reason::code, expected.at(c.badge))));
    }
  }
  // 2001's rifle needs a second person; 1005 is outside the schedule on a Saturday.
  const auto rifle =
      policy::Decide(st, "2001", "RFL-0002", st.FindItem("RFL-0002")->item.home, &kEastern, kNow);
  EXPECT_THAT(rifle.requirements, Contains(Field(&domain::Reason::code, "second_person_required")));
  const auto saturday = policy::Decide(st, "1005", "RAD-0009", st.FindItem("RAD-0009")->item.home,
                                       &kCentral, kNow - 2 * 86'400'000'000LL);
  EXPECT_THAT(saturday.reasons, Contains(Field(&domain::Reason::code, "outside_schedule")));
}

}  // namespace
}  // namespace custodian::app
