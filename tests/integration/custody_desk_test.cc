// The custody operations, given / when / then, on the real parts: a SQLite ledger, the SQLite
// credential vault, Argon2id PINs (at libsodium's cheapest cost, so 40 logins stay fast), the
// system's IANA zones. The locker hardware is the fake controller (the hardware issue brings the
// simulator); time is a fake clock shared by the ledger and the desk.
//
// Every test ends by rebuilding the state from the ledger alone and comparing it with the state
// the desk built while it worked.
#include "app/custody_desk.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/event_codec.h"
#include "store/argon2_pins.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/tzdb_zones.h"
#include "testing/fake_locker_controller.h"
#include "testing/ledger_fixture.h"

namespace custodian {
namespace {

using namespace domain;
using app::CompartmentReading;
using app::Outcome;
using app::Session;
using testing::FakeLockerController;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kMinute = 60 * kSecond;
constexpr Micros kHour = 60 * kMinute;

// Tuesday 24 Nov 2026, 15:00 UTC = 10:00 in New York.
constexpr Micros kTuesdayMorning = 1'795'532'400LL * kSecond;

const CompartmentKey kRadioBay{"HQ", "A", "1"};
const CompartmentKey kCewBay{"HQ", "A", "2"};
const CompartmentKey kRifleBay{"HQ", "A", "3"};
const CompartmentKey kNorthBay{"NORTH", "A", "1"};
const CompartmentKey kFridge{"HQ", "B", "1"};
const CompartmentKey kOcBay{"HQ", "C", "1"};
constexpr app::Door kOuter = app::Door::kOuter;  // the only door CustodyDesk opens (so far)
const std::string kRadioTag = "E28011700000020000000001";
const std::string kCewTag = "E28011700000020000000002";
const std::string kRifleTag = "E28011700000020000000003";
const std::string kStrangerTag = "E280117000000200000000FF";
const std::string kSampleTag = "E280117000000200000000A1";
const std::string kOcTag = "E280117000000200000000C1";

Person MakePerson(std::string badge, std::string name, std::set<Role> roles,
                  std::map<std::string, Date> certs, std::optional<Date> licence = std::nullopt) {
  return Person{std::move(badge),
                std::move(name),
                std::move(roles),
                {"HQ"},
                false,
                std::move(certs),
                licence,
                {}};
}

std::vector<DomainEvent> World() {
  const Date valid = *ParseDate("2027-06-30");
  const Date expired = *ParseDate("2026-11-01");
  Person north = MakePerson("5001", "Nora North", {Role::kOfficer}, {});
  north.sites = {"NORTH"};
  return {
      SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
      SiteDefined{{"NORTH", "North Station", "America/Chicago"}},
      CompartmentDefined{
          {kRadioBay, CompartmentSize::kSmall, {Feature::kCharging, Feature::kRfid}}},
      CompartmentDefined{{kCewBay, CompartmentSize::kSmall, {Feature::kCharging, Feature::kRfid}}},
      CompartmentDefined{{kRifleBay, CompartmentSize::kLongGun, {Feature::kRfid}}},
      CompartmentDefined{{kNorthBay, CompartmentSize::kSmall, {Feature::kRfid}}},
      CompartmentDefined{{kFridge, CompartmentSize::kMedium, {Feature::kRefrigerated}}},
      ItemTypeDefined{{"SAMPLE", Category::kEvidence, {}, 24, false, false, 0, 0}},
      ItemDefined{{"EV-1", "SAMPLE", kSampleTag, kFridge, 120}},
      CompartmentDefined{{kOcBay, CompartmentSize::kSmall, {Feature::kScale, Feature::kRfid}}},
      ItemTypeDefined{{"OC", Category::kLessLethal, {}, 12, false, false, 0, 0, true}},
      ItemDefined{{"OC-1", "OC", kOcTag, kOcBay, 180}},
      ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 0}},
      ItemTypeDefined{{"CEW", Category::kLessLethal, {"CEW"}, 10, false, false, 0, 0}},
      ItemTypeDefined{{"RIFLE", Category::kFirearm, {"FIREARM"}, 8, true, false, 2, 0}},
      ItemDefined{{"R-1", "RADIO", kRadioTag, kRadioBay, 400}},
      ItemDefined{{"T-7", "CEW", kCewTag, kCewBay, 350}},
      ItemDefined{{"RF-1", "RIFLE", kRifleTag, kRifleBay, 3400}},
      PersonDefined{MakePerson("1001", "Ana Able", {Role::kOfficer},
                               {{"CEW", valid}, {"FIREARM", valid}}, valid),
                    true},
      PersonDefined{MakePerson("1002", "Ben Lapsed", {Role::kOfficer}, {{"CEW", expired}}), true},
      PersonDefined{MakePerson("2001", "Sam Supervisor", {Role::kSupervisor},
                               {{"CEW", valid}, {"FIREARM", valid}}, valid),
                    true},
      PersonDefined{MakePerson("3001", "Alex Armorer", {Role::kArmorer}, {}), true},
      PersonDefined{MakePerson("4001", "Ada Admin", {Role::kAdmin}, {}), true},
      PersonDefined{north, true},
      PersonDefined{MakePerson("7001", "Eve Emergency", {Role::kOfficer, Role::kEmergency}, {}),
                    true},
      PersonDefined{MakePerson("7002", "Ed Emergency", {Role::kEmergency}, {}), true},
      ChargeObserved{"R-1", 90},
  };
}

// Counts PIN checks, passing them on to the real hasher.
class CountingPinHasher final : public app::PinHasher {
 public:
  explicit CountingPinHasher(const app::PinHasher& inner) : inner_(inner) {}
  core::Result<std::string> Hash(const std::string& pin) const override { return inner_.Hash(pin); }
  bool Matches(const std::string& hash, const std::string& pin) const override {
    ++matches;
    return inner_.Matches(hash, pin);
  }
  mutable std::atomic<int> matches{0};

 private:
  const app::PinHasher& inner_;
};

class CustodyDeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_.clock().Set(kTuesdayMorning);
    ASSERT_TRUE(f_.Open().ok());
    auto a = app::Agency::Open(f_.ledger(), f_.store());
    ASSERT_TRUE(a) << a.error().ToString();
    agency_ = std::move(*a);
    ASSERT_TRUE(agency_->Record("admin:test", World()).ok());
    auto v = store::SqliteCredentialVault::Open(f_.dir().file("credentials.db"));
    ASSERT_TRUE(v) << v.error().ToString();
    vault_ = std::move(*v);
    std::vector<std::pair<std::string, std::string>> pins;
    for (const char* badge : {"1001", "1002", "2001", "3001", "4001", "5001", "7001", "7002"}) {
      pins.emplace_back(badge, *hasher_.Hash(std::string(badge) + "9"));  // PIN: badge + "9"
    }
    ASSERT_TRUE(vault_->PutPinHashes(pins).ok());
    desk_ =
        std::make_unique<app::CustodyDesk>(*agency_, controller_, *vault_, counting_, f_.clock(),
                                           [](std::string_view name) -> const TimeZone* {
                                             auto z = store::FindZone(name);
                                             return z ? *z : nullptr;
                                           });
    start_ = f_.ledger().size();
  }

  void TearDown() override {
    // Replay: the ledger alone rebuilds exactly the state the desk built.
    if (!agency_) return;
    auto again = app::Agency::Open(f_.ledger(), f_.store());
    ASSERT_TRUE(again) << again.error().ToString();
    EXPECT_EQ((*again)->Snapshot(), agency_->Snapshot());
    EXPECT_TRUE(f_.Verify().status.ok());
  }

  Session Login(const std::string& badge, const std::string& site = "HQ") {
    auto l = desk_->Authenticate(badge, badge + "9", site);
    EXPECT_TRUE(l) << l.error().ToString();
    EXPECT_TRUE(l->session) << l->message;
    return *l->session;
  }

  // The domain events recorded since SetUp, decoded, with their kinds.
  std::vector<std::pair<std::string, DomainEvent>> Recorded() {
    std::vector<std::pair<std::string, DomainEvent>> out;
    EXPECT_TRUE(f_.store()
                    .ScanEvents(start_, UINT64_MAX,
                                [&](uint64_t, core::ByteSpan record) {
                                  auto e = ledger::ParseEvent(record);
                                  EXPECT_TRUE(e);
                                  auto d = app::DecodePayload(e->kind, e->payload);
                                  EXPECT_TRUE(d) << e->kind;
                                  out.emplace_back(std::string(e->kind), *d);
                                  return true;
                                })
                    .ok());
    return out;
  }
  std::vector<std::string> Kinds() {
    std::vector<std::string> k;
    for (auto& [kind, e] : Recorded()) k.push_back(kind);
    return k;
  }
  template <typename T>
  T Last() {
    auto r = Recorded();
    for (auto it = r.rbegin(); it != r.rend(); ++it) {
      if (auto* e = std::get_if<T>(&it->second)) return *e;
    }
    ADD_FAILURE() << "no such event recorded";
    return T{};
  }
  void Mark() { start_ = f_.ledger().size(); }

  State Now() { return agency_->Snapshot(); }
  void Door(const CompartmentKey& c, bool closed, std::vector<std::string> tags) {
    CompartmentReading r;
    r.compartment = c;
    r.door_closed = closed;
    r.tags = std::move(tags);
    ASSERT_TRUE(desk_->OnReading(r).ok());
  }
  // The officer takes the item out of its open compartment and shuts the door.
  void TakeOut(const CompartmentKey& c, std::vector<std::string> left_behind = {}) {
    Door(c, false, left_behind);
    Door(c, true, left_behind);
  }
  void SignOutAndTake(const Session& s, const std::string& serial, const CompartmentKey& c,
                      const app::SignOutOptions& o = {}) {
    auto r = desk_->SignOut(s, serial, o);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_TRUE(r->granted) << (r->reasons.empty() ? "" : r->reasons[0].sentence);
    TakeOut(c);
    ASSERT_TRUE(Now().FindItem(serial)->custody);
  }
  static bool HasCode(const Outcome& o, std::string_view code) {
    return std::any_of(o.reasons.begin(), o.reasons.end(),
                       [&](const Reason& r) { return r.code == code; });
  }

  testing::LedgerFixture f_{"agency"};
  std::unique_ptr<app::Agency> agency_;
  std::unique_ptr<store::SqliteCredentialVault> vault_;
  store::Argon2PinHasher hasher_{store::Argon2PinHasher::Cheapest()};
  CountingPinHasher counting_{hasher_};
  FakeLockerController controller_;
  std::unique_ptr<app::CustodyDesk> desk_;
  uint64_t start_ = 0;
};

// ---- Authenticate ----------------------------------------------------------------------------

TEST_F(CustodyDeskTest, TheRightPinOpensASessionAndIsRecorded) {
  auto l = desk_->Authenticate("1001", "10019", "HQ");
  ASSERT_TRUE(l);
  ASSERT_TRUE(l->session);
  EXPECT_EQ(l->session->badge(), "1001");
  EXPECT_EQ(l->session->site(), "HQ");
  EXPECT_EQ(Last<LoginSucceeded>(), (LoginSucceeded{"1001", "HQ"}));
}

TEST_F(CustodyDeskTest, FiveWrongPinsWithinFifteenMinutesLockUntilAnAdminReleases) {
  for (int i = 1; i <= 4; ++i) {
    auto l = desk_->Authenticate("1001", "0000", "HQ");
    ASSERT_TRUE(l);
    EXPECT_FALSE(l->session);
    EXPECT_EQ(l->reason, "wrong_pin");
    EXPECT_FALSE(l->locked_now);
    f_.clock().Advance(3 * kMinute);
  }
  EXPECT_FALSE(Now().FindPerson("1001")->locked);
  auto fifth = desk_->Authenticate("1001", "0000", "HQ");
  ASSERT_TRUE(fifth);
  EXPECT_TRUE(fifth->locked_now);
  EXPECT_NE(fifth->message.find("locked"), std::string::npos);
  EXPECT_TRUE(Now().FindPerson("1001")->locked);
  EXPECT_EQ(Kinds(),
            (std::vector<std::string>{"login.failed", "login.failed", "login.failed",
                                      "login.failed", "login.failed", "credential.locked"}));

  // Locked: even the right PIN fails, and says why.
  auto right = desk_->Authenticate("1001", "10019", "HQ");
  ASSERT_TRUE(right);
  EXPECT_FALSE(right->session);
  EXPECT_EQ(right->reason, "locked");
  EXPECT_EQ(Last<LoginFailed>().reason, "locked");

  // An officer cannot release it; an admin at the person's site can.
  const Session officer = Login("1002");
  auto refused = desk_->ReleaseCredential(officer, "1001");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->granted);
  EXPECT_TRUE(HasCode(*refused, "role_not_permitted"));
  EXPECT_EQ(Last<AccessDenied>().action, "release_credential");
  EXPECT_TRUE(Now().FindPerson("1001")->locked);

  const Session admin = Login("4001");
  auto released = desk_->ReleaseCredential(admin, "1001");
  ASSERT_TRUE(released);
  EXPECT_TRUE(released->granted);
  EXPECT_EQ(Last<CredentialReleased>().badge, "1001");
  EXPECT_FALSE(Now().FindPerson("1001")->locked);
  Login("1001");
}

TEST_F(CustodyDeskTest, FailuresOlderThanFifteenMinutesDoNotCountTowardsTheLock) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(desk_->Authenticate("1001", "0000", "HQ"));
  f_.clock().Advance(15 * kMinute);
  auto l = desk_->Authenticate("1001", "0000", "HQ");
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->locked_now);
  EXPECT_FALSE(Now().FindPerson("1001")->locked);
}

TEST_F(CustodyDeskTest, ASuccessfulLoginResetsTheCountOfFailures) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(desk_->Authenticate("1001", "0000", "HQ"));
  Login("1001");
  auto l = desk_->Authenticate("1001", "0000", "HQ");
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->locked_now);
}

TEST_F(CustodyDeskTest, UnknownBadgesRevokedCredentialsAndOtherSitesFailAndAreRecorded) {
  auto unknown = desk_->Authenticate("9999", "1234", "HQ");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->reason, "unknown_badge");
  EXPECT_EQ(unknown->message, "The badge or the PIN is not right.");  // as for a wrong PIN
  EXPECT_EQ(counting_.matches.load(), 1);  // and as slow: a PIN check against a dummy hash
  EXPECT_EQ(Last<LoginFailed>(), (LoginFailed{"9999", "HQ", "unknown_badge"}));

  // A badge typed as garbage is recorded safely, never as raw bytes.
  auto garbage = desk_->Authenticate(std::string(200, 'x') + "\n\x01", "1", "HQ");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->reason, "unknown_badge");
  EXPECT_EQ(Last<LoginFailed>().badge, std::string(64, 'x'));

  auto elsewhere = desk_->Authenticate("5001", "50019", "HQ");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->reason, "no_access_at_site");

  ASSERT_TRUE(agency_->Record("admin:test", {CredentialRevoked{"1002", "suspended"}}).ok());
  auto revoked = desk_->Authenticate("1002", "10029", "HQ");
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->reason, "revoked");

  auto no_site = desk_->Authenticate("1001", "10019", "MARS");
  ASSERT_FALSE(no_site);
  EXPECT_EQ(no_site.error().code(), core::StatusCode::kInvalidArgument);
}

// ---- Sign-out ---------------------------------------------------------------------------------

TEST_F(CustodyDeskTest, TheGrantIsDurableBeforeTheUnlockAndCustodyBeginsWhenTheDoorCloses) {
  const Session ana = Login("1001");
  Mark();
  std::vector<std::string> kinds_at_unlock;
  controller_.OnCommand([&](const FakeLockerController::Command&) { kinds_at_unlock = Kinds(); });

  auto r = desk_->SignOut(ana, "R-1");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->granted);
  EXPECT_EQ(r->compartment, kRadioBay);
  EXPECT_EQ(controller_.commands(),
            (std::vector<FakeLockerController::Command>{{"unlock", kRadioBay, kOuter}}));
  EXPECT_EQ(kinds_at_unlock, (std::vector<std::string>{"signout.granted"}));
  EXPECT_FALSE(Now().FindItem("R-1")->custody);  // not yet: the door has not closed

  f_.clock().Advance(5 * kSecond);
  Door(kRadioBay, false, {kRadioTag});
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
  f_.clock().Advance(5 * kSecond);
  Door(kRadioBay, true, {});
  const State s = Now();
  ASSERT_TRUE(s.FindItem("R-1")->custody);
  EXPECT_EQ(s.FindItem("R-1")->custody->badge, "1001");
  EXPECT_EQ(s.FindItem("R-1")->custody->due, f_.clock().NowMicros() + 12 * kHour);
  EXPECT_EQ(s.HeldCount("1001"), 1);
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"signout.granted", "item.signed_out"}));
}

TEST_F(CustodyDeskTest, ADoorNotOpenedWithinThirtySecondsIsRelockedAndRecorded) {
  const Session ana = Login("1001");
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  f_.clock().Advance(30 * kSecond - 1);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(Now().FindItem("R-1")->pending);
  f_.clock().Advance(1);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_EQ(Last<SignOutAbandoned>(), (SignOutAbandoned{"1001", "R-1", "door_not_opened"}));
  EXPECT_EQ(controller_.commands().back(),
            (FakeLockerController::Command{"relock", kRadioBay, kOuter}));
  EXPECT_FALSE(Now().FindItem("R-1")->pending);
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
  // Available again.
  EXPECT_TRUE(desk_->SignOut(ana, "R-1")->granted);
}

TEST_F(CustodyDeskTest, AnOpenedDoorIsNotRelockedAndAnItemLeftBehindEndsTheSignOut) {
  const Session ana = Login("1001");
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  Door(kRadioBay, false, {kRadioTag});
  f_.clock().Advance(45 * kSecond);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(Now().FindItem("R-1")->pending);  // the door is open: no relock
  Door(kRadioBay, true, {kRadioTag});           // closed with the radio still inside
  EXPECT_EQ(Last<SignOutAbandoned>().reason, "item_not_taken");
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
  EXPECT_FALSE(Now().FindItem("R-1")->pending);
}

TEST_F(CustodyDeskTest, ADeniedSignOutIsRecordedWithItsReasonsAndNothingUnlocks) {
  const Session ben = Login("1002");
  Mark();
  auto r = desk_->SignOut(ben, "T-7");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->granted);
  ASSERT_TRUE(HasCode(*r, "certification_expired"));
  EXPECT_EQ(r->reasons[0].sentence,
            "CEW T-7 withheld: your CEW certification expired on 1 Nov 2026.");
  EXPECT_TRUE(controller_.commands().empty());
  const AccessDenied denied = Last<AccessDenied>();
  EXPECT_EQ(denied.badge, "1002");
  EXPECT_EQ(denied.serial, "T-7");
  EXPECT_EQ(denied.reasons, r->reasons);
  EXPECT_EQ(denied.action, "sign_out");

  // An item that does not exist is a denied attempt too.
  auto ghost = desk_->SignOut(ben, "NOPE-1");
  ASSERT_TRUE(ghost);
  EXPECT_TRUE(HasCode(*ghost, "unknown_item"));
  EXPECT_EQ(Last<AccessDenied>().serial, "NOPE-1");
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"access.denied", "access.denied"}));
}

TEST_F(CustodyDeskTest, AnItemAtAnotherSiteIsWithheldAtThisTerminal) {
  ASSERT_TRUE(agency_
                  ->Record("admin:test", {ItemDefined{{"N-1", "RADIO", kStrangerTag, kNorthBay, 1}},
                                          ChargeObserved{"N-1", 100}})
                  .ok());
  const Session ana = Login("1001");
  auto r = desk_->SignOut(ana, "N-1");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->granted);
  EXPECT_TRUE(HasCode(*r, "other_site"));
}

TEST_F(CustodyDeskTest, AControllerThatCannotUnlockAbandonsTheGrantedSignOut) {
  const Session ana = Login("1001");
  controller_.FailWith(core::UnavailableError("bank A does not answer"));
  auto r = desk_->SignOut(ana, "R-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("HQ/A/1"), std::string::npos) << r.error().message();
  EXPECT_EQ(Last<SignOutAbandoned>().reason, "controller_error: bank A does not answer");
  EXPECT_FALSE(Now().FindItem("R-1")->pending);
}

TEST_F(CustodyDeskTest, ATwoPersonTypeNeedsASecondQualifiedPersonSignedInAtTheTerminal) {
  const Session ana = Login("1001");
  auto alone = desk_->SignOut(ana, "RF-1");
  ASSERT_TRUE(alone);
  EXPECT_FALSE(alone->granted);
  EXPECT_TRUE(HasCode(*alone, "second_person_required"));

  const Session ben = Login("1002");  // an officer is not a qualified approver
  app::SignOutOptions by_officer;
  by_officer.approver = &ben;
  EXPECT_FALSE(desk_->SignOut(ana, "RF-1", by_officer)->granted);

  const Session sam = Login("2001");
  app::SignOutOptions by_supervisor;
  by_supervisor.approver = &sam;
  SignOutAndTake(ana, "RF-1", kRifleBay, by_supervisor);
  EXPECT_EQ(Last<SignOutGranted>().approver, "2001");
}

TEST_F(CustodyDeskTest, OneTransactionAtATimePerCompartment) {
  ASSERT_TRUE(agency_
                  ->Record("admin:test", {ItemDefined{{"R-2", "RADIO", kStrangerTag, kRadioBay, 1}},
                                          ChargeObserved{"R-2", 80}})
                  .ok());
  const Session ana = Login("1001");
  const Session sam = Login("2001");
  SignOutAndTake(sam, "R-2", kRadioBay);
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  // R-1's sign-out has the bay open: R-2 cannot be returned into it until that is done.
  auto busy = desk_->Return(sam, "R-2");
  ASSERT_TRUE(busy);
  EXPECT_FALSE(busy->granted);
  EXPECT_TRUE(HasCode(*busy, "compartment_busy"));
  TakeOut(kRadioBay);
  EXPECT_TRUE(desk_->Return(sam, "R-2")->granted);
  EXPECT_TRUE(HasCode(*desk_->SignOut(ana, "R-1"), "already_out"));
}

// ---- Override ---------------------------------------------------------------------------------

TEST_F(CustodyDeskTest, ASupervisorOverridesADenialWithAStatedReason) {
  const Session ben = Login("1002");
  const Session sam = Login("2001");
  app::SignOutOptions o;
  o.override_by = &sam;
  auto no_reason = desk_->SignOut(ben, "T-7", o);
  ASSERT_TRUE(no_reason);
  EXPECT_FALSE(no_reason->granted);
  EXPECT_TRUE(HasCode(*no_reason, "override_reason_missing"));

  const Session ana = Login("1001");  // an officer cannot override
  app::SignOutOptions by_officer;
  by_officer.override_by = &ana;
  by_officer.override_reason = "trust me";
  EXPECT_TRUE(HasCode(*desk_->SignOut(ben, "T-7", by_officer), "override_not_allowed"));

  o.override_reason = "recertification booked; riot call-out";
  SignOutAndTake(ben, "T-7", kCewBay, o);
  const SignOutGranted g = Last<SignOutGranted>();
  EXPECT_EQ(g.override_by, "2001");
  EXPECT_EQ(g.override_reason, "recertification booked; riot call-out");
  ASSERT_EQ(g.overridden.size(), 1u);
  EXPECT_EQ(g.overridden[0].code, "certification_expired");
}

TEST_F(CustodyDeskTest, NoOverrideReleasesAQuarantinedItem) {
  const Session sam = Login("2001");
  ASSERT_TRUE(desk_->ReportProblem(sam, "T-7", "probe wire frayed")->granted);
  const Session ana = Login("1001");
  app::SignOutOptions o;
  o.override_by = &sam;
  o.override_reason = "urgent";
  auto r = desk_->SignOut(ana, "T-7", o);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->granted);
  EXPECT_TRUE(HasCode(*r, "quarantined"));
  EXPECT_TRUE(HasCode(*r, "override_not_allowed"));
  EXPECT_TRUE(controller_.commands().empty());
}

// ---- Return -----------------------------------------------------------------------------------

TEST_F(CustodyDeskTest, ReturningTheRightTagEndsCustody) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "R-1", kRadioBay);
  f_.clock().Advance(4 * kHour);
  Mark();
  auto r = desk_->Return(ana, "R-1");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->granted);
  EXPECT_EQ(controller_.commands().back(),
            (FakeLockerController::Command{"unlock", kRadioBay, kOuter}));
  EXPECT_TRUE(Now().FindItem("R-1")->custody);  // until the door closes on its tag
  Door(kRadioBay, false, {});
  Door(kRadioBay, true, {kRadioTag});
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
  EXPECT_EQ(Now().HeldCount("1001"), 0);
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"return.started", "item.returned"}));
}

TEST_F(CustodyDeskTest, AWrongTagOrNothingRaisesAnAlertAndCustodyStays) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "R-1", kRadioBay);
  ASSERT_TRUE(desk_->Return(ana, "R-1")->granted);
  Door(kRadioBay, false, {});
  Door(kRadioBay, true, {kStrangerTag});
  EXPECT_EQ(Last<ReturnRejected>(), (ReturnRejected{"1001", "R-1", kStrangerTag, "wrong_item"}));
  ASSERT_TRUE(Now().FindItem("R-1")->custody);
  EXPECT_EQ(Now().FindItem("R-1")->custody->badge, "1001");

  ASSERT_TRUE(desk_->Return(ana, "R-1")->granted);
  Door(kRadioBay, false, {});
  Door(kRadioBay, true, {});
  EXPECT_EQ(Last<ReturnRejected>(), (ReturnRejected{"1001", "R-1", "", "nothing_returned"}));
  EXPECT_TRUE(Now().FindItem("R-1")->custody);
}

TEST_F(CustodyDeskTest, OnlyTheHolderMayReturnAndAnUnopenedReturnIsRelocked) {
  const Session ana = Login("1001");
  const Session ben = Login("1002");
  SignOutAndTake(ana, "R-1", kRadioBay);
  auto not_his = desk_->Return(ben, "R-1");
  ASSERT_TRUE(not_his);
  EXPECT_FALSE(not_his->granted);
  EXPECT_TRUE(HasCode(*not_his, "not_holder"));
  EXPECT_EQ(Last<AccessDenied>().action, "return");

  ASSERT_TRUE(desk_->Return(ana, "R-1")->granted);
  f_.clock().Advance(30 * kSecond);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_EQ(Last<ReturnAbandoned>(), (ReturnAbandoned{"1001", "R-1", "door_not_opened"}));
  EXPECT_EQ(controller_.commands().back(),
            (FakeLockerController::Command{"relock", kRadioBay, kOuter}));
  EXPECT_TRUE(Now().FindItem("R-1")->custody);
  EXPECT_FALSE(Now().FindItem("R-1")->returning);
}

// ---- Handover ---------------------------------------------------------------------------------

TEST_F(CustodyDeskTest, HandoverNeedsAReceiverAllowedToHoldTheItem) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "T-7", kCewBay);
  const Session ben = Login("1002");
  auto refused = desk_->Handover(ana, ben, "T-7");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->granted);
  EXPECT_TRUE(HasCode(*refused, "certification_expired"));
  EXPECT_FALSE(HasCode(*refused, "already_out"));
  EXPECT_EQ(Last<AccessDenied>().action, "handover");

  const Session sam = Login("2001");
  f_.clock().Advance(2 * kHour);
  auto done = desk_->Handover(ana, sam, "T-7");
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->granted);
  const State s = Now();
  EXPECT_EQ(s.FindItem("T-7")->custody->badge, "2001");
  EXPECT_EQ(s.FindItem("T-7")->custody->due, f_.clock().NowMicros() + 10 * kHour);
  EXPECT_EQ(s.HeldCount("1001"), 0);
  EXPECT_EQ(s.HeldCount("2001"), 1);
  EXPECT_EQ(Last<ItemHandedOver>().to_badge, "2001");

  // Only the holder hands over.
  EXPECT_TRUE(HasCode(*desk_->Handover(ana, ben, "T-7"), "not_holder"));
}

// ---- Problems and service ---------------------------------------------------------------------

TEST_F(CustodyDeskTest, AProblemAtReturnQuarantinesUntilAnArmorerServicesIt) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "T-7", kCewBay);
  ASSERT_TRUE(desk_->Return(ana, "T-7", "trigger sticks")->granted);
  Door(kCewBay, false, {});
  Door(kCewBay, true, {kCewTag});
  State s = Now();
  EXPECT_FALSE(s.FindItem("T-7")->custody);
  EXPECT_TRUE(s.FindItem("T-7")->quarantined);
  EXPECT_EQ(s.FindItem("T-7")->quarantine_reason, "trigger sticks");

  // Withheld from everyone, with the reported problem in the sentence.
  auto again = desk_->SignOut(ana, "T-7");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->granted);
  ASSERT_TRUE(HasCode(*again, "quarantined"));
  EXPECT_NE(again->reasons[0].sentence.find("trigger sticks"), std::string::npos);

  // Its compartment opens only for an armorer.
  const Session sam = Login("2001");
  auto not_armorer = desk_->OpenForService(sam, "T-7");
  ASSERT_TRUE(not_armorer);
  EXPECT_FALSE(not_armorer->granted);
  EXPECT_EQ(Last<AccessDenied>().action, "open_for_service");
  const size_t commands = controller_.commands().size();
  const Session alex = Login("3001");
  auto open = desk_->OpenForService(alex, "T-7");
  ASSERT_TRUE(open);
  ASSERT_TRUE(open->granted);
  ASSERT_EQ(controller_.commands().size(), commands + 1);
  EXPECT_EQ(controller_.commands().back(),
            (FakeLockerController::Command{"unlock", kCewBay, kOuter}));

  EXPECT_TRUE(HasCode(*desk_->RecordService(sam, "T-7", "fixed"), "role_not_permitted"));
  EXPECT_TRUE(HasCode(*desk_->RecordService(alex, "T-7", ""), "notes_missing"));
  ASSERT_TRUE(desk_->RecordService(alex, "T-7", "replaced trigger spring")->granted);
  s = Now();
  EXPECT_FALSE(s.FindItem("T-7")->quarantined);
  EXPECT_EQ(s.FindItem("T-7")->signouts_since_service, 0);
  EXPECT_TRUE(desk_->SignOut(ana, "T-7")->granted);
}

TEST_F(CustodyDeskTest, AProblemAtSignOutKeepsTheItemInAndQuarantined) {
  const Session ana = Login("1001");
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  Door(kRadioBay, false, {kRadioTag});
  auto r = desk_->ReportProblem(ana, "R-1", "cracked antenna");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->granted);
  Door(kRadioBay, true, {kRadioTag});  // left it in
  const State s = Now();
  EXPECT_TRUE(s.FindItem("R-1")->quarantined);
  EXPECT_FALSE(s.FindItem("R-1")->custody);
  EXPECT_EQ(Last<SignOutAbandoned>().reason, "item_not_taken");

  // Someone with nothing to do with the item cannot quarantine it, nor without saying why.
  const Session ben = Login("1002");
  EXPECT_TRUE(HasCode(*desk_->ReportProblem(ben, "T-7", "looks odd"), "role_not_permitted"));
  EXPECT_TRUE(HasCode(*desk_->ReportProblem(ana, "R-1", ""), "description_missing"));
}

TEST_F(CustodyDeskTest, TheSignOutCounterMakesServiceDue) {
  const Session ana = Login("1001");
  const Session sam = Login("2001");
  app::SignOutOptions o;
  o.approver = &sam;
  for (int i = 0; i < 2; ++i) {
    SignOutAndTake(ana, "RF-1", kRifleBay, o);
    ASSERT_TRUE(desk_->Return(ana, "RF-1")->granted);
    Door(kRifleBay, false, {});
    Door(kRifleBay, true, {kRifleTag});
  }
  EXPECT_EQ(Now().FindItem("RF-1")->signouts_since_service, 2);
  auto due = desk_->SignOut(ana, "RF-1", o);
  ASSERT_TRUE(due);
  EXPECT_FALSE(due->granted);
  EXPECT_TRUE(HasCode(*due, "service_due"));
  const Session alex = Login("3001");
  ASSERT_TRUE(desk_->RecordService(alex, "RF-1", "inspected, cleaned")->granted);
  EXPECT_TRUE(desk_->SignOut(ana, "RF-1", o)->granted);
}

// ---- Sensors and alarms ----------------------------------------------------------------------

TEST_F(CustodyDeskTest, ChargeReadingsAreRecordedWhenTheyMatter) {
  auto charge = [&](int percent) {
    CompartmentReading r;
    r.compartment = kRadioBay;
    r.tags = {kRadioTag};
    r.charge_percent = percent;
    ASSERT_TRUE(desk_->OnReading(r).ok());
  };
  Mark();
  charge(88);  // state says 90: a move of 2 is noise
  EXPECT_TRUE(Kinds().empty());
  charge(45);  // below the 50 % the policy needs
  EXPECT_EQ(Last<ChargeObserved>(), (ChargeObserved{"R-1", 45}));
  charge(47);
  charge(52);  // crosses back over the minimum
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"item.charge_observed", "item.charge_observed"}));
  EXPECT_EQ(Now().FindItem("R-1")->charge_percent, 52);
}

TEST_F(CustodyDeskTest, ARefrigeratedCompartmentOutOfRangeRaisesAnExcursionOnceForEveryItemInIt) {
  auto temp = [&](int deci) {
    CompartmentReading r;
    r.compartment = kFridge;
    r.tags = {kSampleTag};
    r.temperature_deci_c = deci;
    ASSERT_TRUE(desk_->OnReading(r).ok());
  };
  Mark();
  temp(45);
  temp(80);  // the edge is inside
  EXPECT_TRUE(Kinds().empty());
  temp(91);
  temp(95);
  const HardwareAlarm a = Last<HardwareAlarm>();
  EXPECT_EQ(a.code, "temperature_excursion");
  EXPECT_EQ(a.serials, std::vector<std::string>{"EV-1"});
  EXPECT_EQ(a.detail, "HQ/B/1 is at 9.1 °C, outside 2.0 °C to 8.0 °C");
  temp(19);  // colder than the range is out of it as well: still the same excursion
  temp(50);
  EXPECT_EQ(Last<HardwareAlarm>().code, "temperature_normal");
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"hardware.alarm", "hardware.alarm"}));
}

TEST_F(CustodyDeskTest, ADoorHeldOpenForAMinuteRaisesOneAlarm) {
  Mark();
  Door(kCewBay, false, {kCewTag});
  f_.clock().Advance(60 * kSecond - 1);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(Kinds().empty());
  f_.clock().Advance(1);
  ASSERT_TRUE(desk_->Tick().ok());
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_EQ(Kinds(), std::vector<std::string>{"hardware.alarm"});
  EXPECT_EQ(Last<HardwareAlarm>().code, "door_held_open");
  EXPECT_EQ(Last<HardwareAlarm>().compartment, "2");
}

TEST_F(CustodyDeskTest, BankEventsBecomeAlarmsAndABadControllerIsRecordedOnceAMinute) {
  using Kind = app::BankEvent::Kind;
  Mark();
  ASSERT_TRUE(
      desk_->OnBankEvent({Kind::kForcedDoor, "HQ", "A", "2", "the door opened while locked"}).ok());
  const HardwareAlarm forced = Last<HardwareAlarm>();
  EXPECT_EQ(forced.code, "forced_door");
  EXPECT_EQ(forced.serials, std::vector<std::string>{"T-7"});
  ASSERT_TRUE(desk_->OnBankEvent({Kind::kBadAnswer, "HQ", "A", "", "garbage"}).ok());
  f_.clock().Advance(30 * kSecond);
  ASSERT_TRUE(desk_->OnBankEvent({Kind::kBadAnswer, "HQ", "A", "", "garbage"}).ok());
  f_.clock().Advance(30 * kSecond);
  ASSERT_TRUE(desk_->OnBankEvent({Kind::kBadAnswer, "HQ", "A", "", "garbage"}).ok());
  ASSERT_TRUE(desk_->OnBankEvent({Kind::kOffline, "HQ", "A", "", "not answering"}).ok());
  std::vector<std::string> codes;
  for (auto& [kind, e] : Recorded()) codes.push_back(std::get<HardwareAlarm>(e).code);
  EXPECT_EQ(codes,
            (std::vector<std::string>{"forced_door", "bad_answer", "bad_answer", "bank_offline"}));
}

TEST_F(CustodyDeskTest, TheScaleMustAgreeWithTheTags) {
  const Session ana = Login("1001");
  // The tag left but the bay still weighs 400 g: the radio may still be inside with a dead tag.
  // The sign-out does not finish — no custody — and someone must look.
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  Door(kRadioBay, false, {kRadioTag});
  CompartmentReading closed;
  closed.compartment = kRadioBay;
  closed.weight_g = 400;
  ASSERT_TRUE(desk_->OnReading(closed).ok());
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
  EXPECT_FALSE(Now().FindItem("R-1")->pending);
  EXPECT_EQ(Last<SignOutAbandoned>(), (SignOutAbandoned{"1001", "R-1", "weight_unchanged"}));
  const HardwareAlarm unchanged = Last<HardwareAlarm>();
  EXPECT_EQ(unchanged.code, "weight_mismatch");
  EXPECT_EQ(unchanged.serials, std::vector<std::string>{"R-1"});
  EXPECT_NE(unchanged.detail.find("did not finish"), std::string::npos) << unchanged.detail;

  // Signed out again: the tag left and the weight dropped — custody begins.
  ASSERT_TRUE(desk_->SignOut(ana, "R-1")->granted);
  Door(kRadioBay, false, {kRadioTag});
  closed.weight_g = 0;
  ASSERT_TRUE(desk_->OnReading(closed).ok());
  EXPECT_TRUE(Now().FindItem("R-1")->custody);

  // Returned: its tag, but 100 g instead of 400 g (the radio's shell, the insides gone).
  ASSERT_TRUE(desk_->Return(ana, "R-1")->granted);
  Door(kRadioBay, false, {});
  CompartmentReading light;
  light.compartment = kRadioBay;
  light.tags = {kRadioTag};
  light.weight_g = 100;
  ASSERT_TRUE(desk_->OnReading(light).ok());
  EXPECT_EQ(Last<ReturnRejected>(), (ReturnRejected{"1001", "R-1", kRadioTag, "wrong_weight"}));
  EXPECT_TRUE(Now().FindItem("R-1")->custody);

  // Within the tolerance (25 g or 5 %): returned.
  ASSERT_TRUE(desk_->Return(ana, "R-1")->granted);
  Door(kRadioBay, false, {});
  light.weight_g = 418;
  ASSERT_TRUE(desk_->OnReading(light).ok());
  EXPECT_FALSE(Now().FindItem("R-1")->custody);
}

TEST_F(CustodyDeskTest, AWeightThatDroppedByMoreThanTheItemIsCustodyAndAnAlarm) {
  // Two canisters share the OC bay; one is signed out, and the bay ends up empty of weight.
  const std::string second_tag = "E280117000000200000000C2";
  ASSERT_TRUE(
      agency_->Record("admin:test", {ItemDefined{{"OC-2", "OC", second_tag, kOcBay, 180}}}).ok());
  Mark();
  const Session ana = Login("1001");
  ASSERT_TRUE(desk_->SignOut(ana, "OC-1")->granted);
  Door(kOcBay, false, {kOcTag, second_tag});
  CompartmentReading closed;
  closed.compartment = kOcBay;
  closed.tags = {second_tag};  // OC-2's tag still reads …
  closed.weight_g = 20;        // … but 160 g of it is gone too
  ASSERT_TRUE(desk_->OnReading(closed).ok());
  EXPECT_TRUE(Now().FindItem("OC-1")->custody);
  const HardwareAlarm alarm = Last<HardwareAlarm>();
  EXPECT_EQ(alarm.code, "weight_mismatch");
  EXPECT_NE(alarm.detail.find("weighs 20 g; the items left in it weigh 180 g"), std::string::npos)
      << alarm.detail;
}

TEST_F(CustodyDeskTest, AConsumableReturnedLighterIsPartialUseNotARejection) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "OC-1", kOcBay);
  ASSERT_TRUE(desk_->Return(ana, "OC-1")->granted);
  Door(kOcBay, false, {});
  CompartmentReading used;
  used.compartment = kOcBay;
  used.tags = {kOcTag};
  used.weight_g = 121;  // 59 g of spray gone
  ASSERT_TRUE(desk_->OnReading(used).ok());
  EXPECT_FALSE(Now().FindItem("OC-1")->custody);
  EXPECT_EQ(Last<PartialUse>(), (PartialUse{"1001", "OC-1", 180, 121}));
  EXPECT_EQ(Now().FindItem("OC-1")->ExpectedWeight(), 121);

  // Next time it goes out and comes back untouched: no partial use, the new weight is expected.
  Mark();
  SignOutAndTake(ana, "OC-1", kOcBay);
  ASSERT_TRUE(desk_->Return(ana, "OC-1")->granted);
  Door(kOcBay, false, {});
  used.weight_g = 119;
  ASSERT_TRUE(desk_->OnReading(used).ok());
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"signout.granted", "item.signed_out",
                                               "return.started", "item.returned"}));
  // An armorer's service (a refill) restores the reference weight.
  const Session alex = Login("3001");
  ASSERT_TRUE(desk_->RecordService(alex, "OC-1", "refilled")->granted);
  EXPECT_EQ(Now().FindItem("OC-1")->ExpectedWeight(), 180);
}

// ---- Emergency modes -------------------------------------------------------------------------

TEST_F(CustodyDeskTest, ALockdownShutsABankForEveryoneButTwoEmergencyStaffTogether) {
  const Session ana = Login("1001");
  const Session sam = Login("2001");
  const Session ada = Login("4001");
  // One person, or an officer, cannot.
  EXPECT_TRUE(HasCode(*desk_->SetEmergencyMode(sam, sam, "A", "lockdown", "intruder"),
                      "second_person_required"));
  EXPECT_TRUE(HasCode(*desk_->SetEmergencyMode(sam, ana, "A", "lockdown", "intruder"),
                      "role_not_permitted"));
  EXPECT_TRUE(HasCode(*desk_->SetEmergencyMode(sam, ada, "A", "lockdown", ""), "reason_missing"));
  EXPECT_EQ(Last<AccessDenied>().action, "emergency_mode");
  Mark();
  auto set = desk_->SetEmergencyMode(sam, ada, "A", "lockdown", "armed intruder in the building");
  ASSERT_TRUE(set);
  ASSERT_TRUE(set->granted);
  EXPECT_EQ(Last<EmergencyModeSet>(), (EmergencyModeSet{"HQ", "A", "lockdown", "2001", "4001",
                                                        "armed intruder in the building"}));

  auto shut = desk_->SignOut(ana, "R-1");
  ASSERT_TRUE(shut);
  EXPECT_FALSE(shut->granted);
  ASSERT_TRUE(HasCode(*shut, "lockdown"));
  app::SignOutOptions o;
  o.override_by = &sam;
  o.override_reason = "need it";
  EXPECT_TRUE(HasCode(*desk_->SignOut(ana, "R-1", o), "override_not_allowed"));
  // Another bank of the site is not affected.
  EXPECT_FALSE(HasCode(*desk_->SignOut(ana, "EV-1"), "lockdown"));

  const Session eve = Login("7001");
  const Session ed = Login("7002");
  EXPECT_TRUE(HasCode(*desk_->SignOut(eve, "R-1"), "lockdown"));  // alone: no
  app::SignOutOptions pair;
  pair.approver = &ed;
  SignOutAndTake(eve, "R-1", kRadioBay, pair);
  const SignOutGranted g = Last<SignOutGranted>();
  EXPECT_EQ(g.approver, "7002");
  EXPECT_EQ(g.override_by, "7002");
  ASSERT_EQ(g.overridden.size(), 1u);
  EXPECT_EQ(g.overridden[0].code, "lockdown");

  // Open-all is refused during the lockdown; lifting it restores sign-outs.
  EXPECT_TRUE(
      HasCode(*desk_->SetEmergencyMode(sam, ada, "", "open_all", "fire drill"), "lockdown"));
  ASSERT_TRUE(desk_->SetEmergencyMode(ada, sam, "A", "normal", "all clear")->granted);
  EXPECT_TRUE(Now().lockdowns.empty());
  EXPECT_TRUE(desk_->SignOut(ana, "T-7")->granted);
}

TEST_F(CustodyDeskTest, OpenAllReleasesEveryDoorOfTheBankOneAfterAnother) {
  const Session sam = Login("2001");
  const Session ed = Login("7002");
  auto r = desk_->SetEmergencyMode(ed, sam, "A", "open_all", "evacuation");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->granted);
  EXPECT_EQ(controller_.commands(),
            (std::vector<FakeLockerController::Command>{{"unlock", kRadioBay, kOuter},
                                                        {"unlock", kCewBay, kOuter},
                                                        {"unlock", kRifleBay, kOuter}}));
  EXPECT_EQ(Last<EmergencyModeSet>().mode, "open_all");
  EXPECT_TRUE(Now().lockdowns.empty());  // a one-off action, not a lasting mode
}

TEST_F(CustodyDeskTest, TheFireAlarmInputDoesWhatTheSiteConfigured) {
  app::CustodyDesk::Settings settings;
  settings.fire_alarm_action = "lockdown";
  app::CustodyDesk armory(
      *agency_, controller_, *vault_, counting_, f_.clock(),
      [](std::string_view) -> const TimeZone* { return nullptr; }, settings);
  Mark();
  ASSERT_TRUE(armory.OnBankEvent({app::BankEvent::Kind::kFireAlarm, "HQ", "A", "", "fire"}).ok());
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"hardware.alarm", "emergency.mode_set"}));
  const EmergencyModeSet m = Last<EmergencyModeSet>();
  EXPECT_EQ(m.mode, "lockdown");
  EXPECT_EQ(m.by, "hardware:fire_alarm");
  EXPECT_TRUE(Now().InLockdown(kRadioBay));
  EXPECT_FALSE(Now().InLockdown(kFridge));
}

// ---- Overdue ----------------------------------------------------------------------------------

TEST_F(CustodyDeskTest, TheClockMarksAnItemOverdueOnceWhenItsDueTimePasses) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "R-1", kRadioBay);
  const Micros due = Now().FindItem("R-1")->custody->due;
  f_.clock().Set(due - 1);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_FALSE(Now().FindItem("R-1")->custody->overdue_reported);
  f_.clock().Set(due);
  Mark();
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_EQ(Last<ItemOverdue>(), (ItemOverdue{"R-1", "1001", due}));
  EXPECT_TRUE(Now().FindItem("R-1")->custody->overdue_reported);
  f_.clock().Advance(kHour);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"item.overdue"}));
}

TEST_F(CustodyDeskTest, ARevokedSessionCanNoLongerAct) {
  const Session ana = Login("1001");
  SignOutAndTake(ana, "R-1", kRadioBay);
  ASSERT_TRUE(agency_->Record("admin:test", {CredentialRevoked{"1001", "suspended"}}).ok());
  EXPECT_TRUE(HasCode(*desk_->SignOut(ana, "T-7"), "credential_revoked"));
  EXPECT_TRUE(HasCode(*desk_->Return(ana, "R-1"), "credential_revoked"));
  EXPECT_TRUE(HasCode(*desk_->ReportProblem(ana, "R-1", "x"), "credential_revoked"));
}

// ---- Concurrency: group commit ---------------------------------------------------------------

// The SQLite ledger store, with every commit counted and, while held, made to wait at a gate
// before it is written: the seam that shows what the desk does while a commit is in flight.
class GatedStore final : public ledger::LedgerStore {
 public:
  explicit GatedStore(ledger::LedgerStore& inner) : inner_(inner) {}
  core::Result<std::optional<ledger::LedgerMeta>> ReadMeta() override { return inner_.ReadMeta(); }
  core::Status WriteMeta(const ledger::LedgerMeta& m) override { return inner_.WriteMeta(m); }
  core::Status Commit(const ledger::CommitBatch& batch) override {
    {
      std::unique_lock l(mu_);
      ++commits_;
      waiting_ = hold_;
      cv_.wait(l, [&] { return !hold_; });
      waiting_ = false;
    }
    return inner_.Commit(batch);
  }
  core::Result<uint64_t> CountEvents() override { return inner_.CountEvents(); }
  core::Status ScanEvents(uint64_t from, uint64_t to,
                          const std::function<bool(uint64_t, core::ByteSpan)>& visit) override {
    return inner_.ScanEvents(from, to, visit);
  }
  core::Result<std::optional<ledger::Hash>> ReadNode(uint32_t level, uint64_t index) override {
    return inner_.ReadNode(level, index);
  }
  core::Status ScanNodes(const std::function<bool(const ledger::MerkleNode&)>& visit) override {
    return inner_.ScanNodes(visit);
  }
  core::Result<std::optional<ledger::StoredCheckpoint>> LatestCheckpoint() override {
    return inner_.LatestCheckpoint();
  }
  core::Result<std::vector<ledger::StoredCheckpoint>> CheckpointHistory() override {
    return inner_.CheckpointHistory();
  }
  core::Status AddCheckpoint(const ledger::StoredCheckpoint& c) override {
    return inner_.AddCheckpoint(c);
  }

  void Hold() {
    std::lock_guard l(mu_);
    hold_ = true;
    commits_ = 0;
  }
  void Release() {
    std::lock_guard l(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  bool waiting() {
    std::lock_guard l(mu_);
    return waiting_;
  }
  int commits() {
    std::lock_guard l(mu_);
    return commits_;
  }

 private:
  ledger::LedgerStore& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false, waiting_ = false;
  int commits_ = 0;
};

// Waits until `done` holds; false after 30 s (the operations never got there: a desk that
// serialises them behind the held commit), so that the test fails instead of hanging.
template <typename F>
bool AwaitCondition(F done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Shift change: eight sign-outs at once, plus a ninth attempt at an item the first just took.
// While the first grant's commit is held at the gate, the others decide on the state that already
// includes it (the ninth is refused: pending) and queue; the durable state shows none of them, and
// no door opens. Released, they all become durable in one more commit (2 fsyncs for 9 events), and
// every door opens only once its grant is durable.
TEST(CustodyDeskConcurrency, ConcurrentSignOutsShareOneCommitAndNoDoorOpensBeforeItsGrant) {
  constexpr int kKeys = 8;
  testing::TempDir dir;
  testing::FakeClock clock(kTuesdayMorning);
  const ledger::NoteSigner signer = testing::TestSigner("agency");
  auto sqlite = store::SqliteLedgerStore::Open(dir.file("ledger.db"));
  ASSERT_TRUE(sqlite) << sqlite.error().ToString();
  GatedStore gate(**sqlite);
  auto ledger = ledger::Ledger::Open(gate, signer, clock, "agency");
  ASSERT_TRUE(ledger) << ledger.error().ToString();
  auto agency = app::Agency::Open(**ledger, gate);
  ASSERT_TRUE(agency) << agency.error().ToString();
  std::vector<DomainEvent> world = World();
  world.push_back(ItemTypeDefined{{"KEY", Category::kKey, {}, 12, false, false, 0, 0}});
  std::map<CompartmentKey, std::string> serial_at;
  for (int i = 0; i < kKeys; ++i) {
    const CompartmentKey bay{"HQ", "K", std::to_string(i + 1)};
    const std::string serial = "K-" + std::to_string(i + 1);
    world.push_back(CompartmentDefined{{bay, CompartmentSize::kSmall, {Feature::kRfid}}});
    world.push_back(
        ItemDefined{{serial, "KEY", "E280117000000200000000B" + std::to_string(i), bay, 50}});
    serial_at[bay] = serial;
  }
  ASSERT_TRUE((*agency)->Record("admin:test", world).ok());
  auto vault = store::SqliteCredentialVault::Open(dir.file("credentials.db"));
  ASSERT_TRUE(vault) << vault.error().ToString();
  store::Argon2PinHasher hasher{store::Argon2PinHasher::Cheapest()};
  ASSERT_TRUE((*vault)->PutPinHashes({{"1001", *hasher.Hash("10019")}}).ok());
  FakeLockerController controller;
  app::CustodyDesk desk(**agency, controller, **vault, hasher, clock,
                        [](std::string_view name) -> const TimeZone* {
                          auto z = store::FindZone(name);
                          return z ? *z : nullptr;
                        });
  auto login = desk.Authenticate("1001", "10019", "HQ");
  ASSERT_TRUE(login && login->session);
  const Session ana = *login->session;

  // Every unlock: its grant must be in the durable state already.
  std::atomic<int> early_unlocks{0};
  controller.OnCommand([&](const FakeLockerController::Command& c) {
    (*agency)->Read([&](const State& s) {
      const ItemState* i = s.FindItem(serial_at.at(c.compartment));
      if (i == nullptr || !i->pending) ++early_unlocks;
    });
  });
  uint64_t latest_applied = 0, durable_applied = 0;
  (*agency)->Read([&](const State& s) { durable_applied = s.events_applied; });

  gate.Hold();
  std::vector<core::Result<Outcome>> outcomes(kKeys + 1, core::InternalError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kKeys; ++i) {
    threads.emplace_back([&, i] { outcomes[i] = desk.SignOut(ana, "K-" + std::to_string(i + 1)); });
  }
  auto pending_in_latest = [&] {
    int n = 0;
    (*agency)->ReadLatest([&](const State& s) {
      for (const auto& [bay, serial] : serial_at) n += s.FindItem(serial)->pending ? 1 : 0;
      latest_applied = s.events_applied;
    });
    return n;
  };
  const bool all_queued =
      AwaitCondition([&] { return gate.waiting() && pending_in_latest() == kKeys; });
  EXPECT_TRUE(all_queued) << "the sign-outs did not queue while a commit was in flight";
  threads.emplace_back([&] { outcomes[kKeys] = desk.SignOut(ana, "K-1"); });
  EXPECT_TRUE(all_queued && AwaitCondition([&] {
                pending_in_latest();
                return latest_applied == durable_applied + kKeys + 1;
              }));
  // Decided and queued, none durable: nothing shows, no door has opened.
  (*agency)->Read([&](const State& s) {
    EXPECT_EQ(s.events_applied, durable_applied);
    EXPECT_FALSE(s.FindItem("K-1")->pending);
  });
  EXPECT_TRUE(controller.commands().empty());
  EXPECT_EQ(gate.commits(), 1);

  gate.Release();
  for (auto& t : threads) t.join();
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(outcomes[i]) << outcomes[i].error().ToString();
    EXPECT_TRUE(outcomes[i]->granted) << i;
  }
  ASSERT_TRUE(outcomes[kKeys]);
  EXPECT_FALSE(outcomes[kKeys]->granted);  // decided on K-1's queued grant
  EXPECT_EQ(gate.commits(), 2);            // 9 events, 2 commits: the first, and all the rest
  EXPECT_EQ(controller.commands().size(), size_t{kKeys});
  EXPECT_EQ(early_unlocks.load(), 0);
  // Durable and latest agree again, and the ledger alone rebuilds the same state.
  domain::State latest;
  (*agency)->ReadLatest([&](const State& s) { latest = s; });
  EXPECT_EQ(latest, (*agency)->Snapshot());
  auto again = app::Agency::Open(**ledger, gate);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ((*again)->Snapshot(), (*agency)->Snapshot());
}

}  // namespace
}  // namespace custodian
