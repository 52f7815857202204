#include "domain/alerts.h"

#include <gtest/gtest.h>

#include "domain/state.h"

namespace custodian::domain {
namespace {

constexpr Micros kMinute = 60LL * 1000 * 1000;

State World() {
  Person officer{"1001", "Ana Officer", {Role::kOfficer}, {"HQ"}, false, {}, std::nullopt, {}};
  State s;
  uint64_t index = 0;
  for (const DomainEvent& e : std::vector<DomainEvent>{
           SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
           CompartmentDefined{{{"HQ", "A", "1"}, CompartmentSize::kSmall, {}}},
           ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 0}},
           ItemDefined{{"R-1", "RADIO", "E28011700000020000000001", {"HQ", "A", "1"}, 350}},
           PersonDefined{officer, true}}) {
    s.Apply(e, kMinute, index++);
  }
  return s;
}

AccessDenied Denied(std::string code) {
  return AccessDenied{"1001", "R-1", {{std::move(code), "A sentence."}}, "sign_out"};
}

TEST(Alerts, UnauthorisedAndAfterHoursAttemptsRaiseAlertsButRoutineRefusalsDoNot) {
  State s = World();
  auto a = AlertFor(Denied("certification_expired"), s, 7, 10 * kMinute);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, "unauthorised_attempt");
  EXPECT_EQ(a->index, 7u);
  EXPECT_EQ(a->site, "HQ");
  EXPECT_EQ(a->serial, "R-1");
  EXPECT_EQ(a->badge, "1001");
  EXPECT_NE(a->summary.find("1001 Ana Officer"), std::string::npos) << a->summary;
  EXPECT_EQ(AlertFor(Denied("outside_schedule"), s, 8, 0)->code, "outside_schedule");
  EXPECT_EQ(AlertFor(Denied("lockdown"), s, 9, 0)->code, "lockdown_attempt");
  for (const char* routine : {"already_out", "limit_reached", "charge_low", "service_due",
                              "quarantined", "second_person_required"}) {
    EXPECT_FALSE(AlertFor(Denied(routine), s, 10, 0)) << routine;
  }
  EXPECT_FALSE(AlertFor(ItemSignedOut{"1001", "R-1", 0}, s, 11, 0));
}

TEST(Alerts, HardwareAlarmsAreCriticalForForcedDoorsAndTamper) {
  State s = World();
  EXPECT_EQ(
      AlertFor(HardwareAlarm{"HQ", "A", "1", "forced_door", "Door forced.", {}}, s, 1, 0)->severity,
      "critical");
  EXPECT_EQ(AlertFor(HardwareAlarm{"HQ", "A", "", "bank_offline", "", {}}, s, 1, 0)->severity,
            "warning");
  // The end of a condition is not an alert of its own.
  EXPECT_FALSE(AlertFor(HardwareAlarm{"HQ", "A", "", "bank_online", "", {}}, s, 1, 0));
}

TEST(Alerts, ALockdownOrOpenAllIsCriticalAndTheReturnToNormalAWarning) {
  State s = World();
  for (const char* mode : {"lockdown", "open_all"}) {
    EXPECT_EQ(
        AlertFor(EmergencyModeSet{"HQ", "", mode, "2001", "5001", "drill"}, s, 1, 0)->severity,
        "critical")
        << mode;
    EXPECT_EQ(AlertFor(EmergencyModeAsked{"HQ", "", mode, "2001", "drill", 1}, s, 1, 0)->severity,
              "critical")
        << mode;
  }
  EXPECT_EQ(
      AlertFor(EmergencyModeSet{"HQ", "", "normal", "2001", "5001", "clear"}, s, 1, 0)->severity,
      "warning");
  EXPECT_EQ(AlertFor(EmergencyModeAsked{"HQ", "", "normal", "2001", "clear", 2}, s, 1, 0)->severity,
            "warning");
}

TEST(Alerts, StateKeepsOpenAlertsUntilAcknowledgedAndMarksEndedConditionsCleared) {
  State s = World();
  s.Apply(Denied("certification_expired"), 10 * kMinute, 5);
  s.Apply(HardwareAlarm{"HQ", "A", "", "bank_offline", "Bank A stopped answering.", {}},
          11 * kMinute, 6);
  s.Apply(ItemSignedOut{"1001", "R-1", 0}, 12 * kMinute, 7);
  ASSERT_EQ(s.open_alerts.size(), 2u);
  s.Apply(HardwareAlarm{"HQ", "A", "", "bank_online", "", {}}, 13 * kMinute, 8);
  EXPECT_EQ(s.open_alerts.at(6).cleared_at, 13 * kMinute);
  EXPECT_EQ(s.open_alerts.at(5).cleared_at, 0);

  const AlertAcknowledged ack{5, "2001", "HQ", "Spoke to the officer."};
  EXPECT_TRUE(s.Check(ack).ok());
  s.Apply(ack, 14 * kMinute, 9);
  EXPECT_EQ(s.open_alerts.count(5), 0u);
  ASSERT_EQ(s.acknowledged_alerts.size(), 1u);
  EXPECT_EQ(s.acknowledged_alerts[0].acknowledged_by, "2001");
  EXPECT_EQ(s.acknowledged_alerts[0].note, "Spoke to the officer.");
  EXPECT_EQ(s.acknowledged_alerts[0].acknowledged_at, 14 * kMinute);
  // Twice, or an alert that never was: refused before anything is recorded.
  EXPECT_EQ(s.Check(ack).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.Check(AlertAcknowledged{4, "2001", "HQ", ""}).code(),
            core::StatusCode::kFailedPrecondition);
}

TEST(Alerts, WithoutALedgerIndexNoAlertIsKept) {
  State s = World();
  s.Apply(Denied("certification_expired"), 10 * kMinute);
  EXPECT_TRUE(s.open_alerts.empty());
}

TEST(Alerts, OnlyTheMostRecentAcknowledgedAreKept) {
  State s = World();
  const uint64_t n = State::kRecentAcknowledged + 5;
  for (uint64_t i = 0; i < n; ++i) {
    s.Apply(Denied("outside_schedule"), kMinute, 100 + 2 * i);
    s.Apply(AlertAcknowledged{100 + 2 * i, "2001", "HQ", ""}, kMinute, 101 + 2 * i);
  }
  EXPECT_TRUE(s.open_alerts.empty());
  ASSERT_EQ(s.acknowledged_alerts.size(), State::kRecentAcknowledged);
  EXPECT_EQ(s.acknowledged_alerts.back().index, 100 + 2 * (n - 1));
}

}  // namespace
}  // namespace custodian::domain
