// The Modbus TCP driver against the real simulator over loopback (port 0): readings and events
// from polls, unlock pulses of the outer and the inner (pass-through) doors, and the faults —
// garbage frames, a slow controller, a controller that drops off the network — each ending in a
// defined state. Then a whole sign-out and return through CustodyDesk, the driver and the simulated
// bank.
//
// Waits are for asynchronous effects with a generous deadline (the poll runs every 20 ms here);
// nothing asserts how fast anything is — that is `make bench`'s business.
#include "hardware/modbus/modbus_tcp_controller.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "app/custody_desk.h"
#include "hardware/sim/bank_simulator.h"
#include "store/argon2_pins.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/tzdb_zones.h"
#include "testing/driver_recorder.h"
#include "testing/ledger_fixture.h"

namespace custodian {
namespace {

using app::BankEvent;
using app::CompartmentReading;
using app::Door;
using app::Session;
using hardware::modbus::BankConfig;
using hardware::modbus::DriverOptions;
using hardware::modbus::ModbusTcpController;
using hardware::sim::BankSimulator;
using hardware::sim::SimCompartment;
using hardware::sim::SimItem;
using SimDoor = hardware::sim::Door;
using namespace std::chrono_literals;

const std::string kRadioTag = "E28011700000020000000001";
const std::string kOtherTag = "E28011700000020000000002";

using Recorder = testing::DriverRecorder;
DriverOptions Fast() { return testing::FastDriverOptions(); }

class ModbusDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BankSimulator::Options o;
    o.identity = "SIM HQ-A";
    o.pulse = 30s;
    // 1: a charging bay; 2: pass-through (an inner door on the property-room side); 3: a fridge.
    auto sim = BankSimulator::Start(
        {SimCompartment{true, true, false, false}, SimCompartment{true, false, false, true},
         SimCompartment{true, false, true, false}},
        o);
    ASSERT_TRUE(sim) << sim.error().ToString();
    sim_ = std::move(*sim);
    ASSERT_TRUE(sim_->Place(0, SimItem{kRadioTag, 410, 90}));
    BankConfig bank{"HQ", "A", "127.0.0.1", sim_->port(), {"1", "2", "3"}};
    driver_ = std::make_unique<ModbusTcpController>(std::vector<BankConfig>{bank}, Fast(),
                                                    recorder_.Callbacks());
    driver_->Start();
    ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOnline));
    ASSERT_TRUE(recorder_.WaitForReading("A", "1", true, {kRadioTag}));
  }
  void TearDown() override { driver_.reset(); }

  Recorder recorder_;
  std::unique_ptr<BankSimulator> sim_;
  std::unique_ptr<ModbusTcpController> driver_;
};

TEST_F(ModbusDriverTest, ReportsDoorsAndTagsAsTheyChange) {
  EXPECT_TRUE(recorder_.WaitForReading("A", "2", true, {}));
  EXPECT_NE(recorder_.Events()[0].detail.find("SIM HQ-A"), std::string::npos);
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, Door::kOuter).ok());
  ASSERT_TRUE(sim_->OpenDoor(0));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", false, {kRadioTag}));
  ASSERT_TRUE(sim_->Take(0, kRadioTag));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", false, {}));
  ASSERT_TRUE(sim_->CloseDoor(0));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", true, {}));
  EXPECT_FALSE(sim_->LockReleased(0));  // the lock caught the door
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kForcedDoor), 0u);
}

TEST_F(ModbusDriverTest, UnlockAlwaysPulsesTheCoilEvenIfTheDoorReadsOpen) {
  ASSERT_TRUE(sim_->ForceDoor(1));
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kForcedDoor));
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kOuter).ok());
  EXPECT_EQ(sim_->UnlockPulses(1), 1);
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kOuter).ok());
  EXPECT_EQ(sim_->UnlockPulses(1), 2);
  ASSERT_TRUE(driver_->Relock({"HQ", "A", "2"}, Door::kOuter).ok());
  EXPECT_FALSE(sim_->LockReleased(1));
  auto unknown = driver_->Unlock({"HQ", "A", "9"}, Door::kOuter);
  EXPECT_EQ(unknown.code(), core::StatusCode::kNotFound);
}

TEST_F(ModbusDriverTest, AnInnerUnlockPulsesTheInnerCoilAndReleasesOnlyTheInnerLock) {
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kInner).ok());
  EXPECT_TRUE(sim_->LockReleased(1, SimDoor::kInner));
  EXPECT_EQ(sim_->UnlockPulses(1, SimDoor::kInner), 1);
  EXPECT_FALSE(sim_->LockReleased(1));  // the outer lock did not move
  EXPECT_EQ(sim_->UnlockPulses(1), 0);
  EXPECT_FALSE(sim_->OpenDoor(1));  // so the outer door stays shut
  ASSERT_TRUE(sim_->OpenDoor(1, SimDoor::kInner));
  ASSERT_TRUE(sim_->CloseDoor(1, SimDoor::kInner));
  EXPECT_FALSE(sim_->LockReleased(1, SimDoor::kInner));  // the inner lock caught its door
  EXPECT_FALSE(sim_->OpenDoor(1, SimDoor::kInner));
  // Relock engages it at once.
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kInner).ok());
  ASSERT_TRUE(driver_->Relock({"HQ", "A", "2"}, Door::kInner).ok());
  EXPECT_FALSE(sim_->LockReleased(1, SimDoor::kInner));
  EXPECT_EQ(sim_->UnlockPulses(1, SimDoor::kInner), 2);
}

TEST_F(ModbusDriverTest, TheInnerCoilOfACompartmentWithoutAnInnerDoorIsWrittenAndChangesNothing) {
  // The driver does not know features: the write goes out and the controller acknowledges it.
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, Door::kInner).ok());
  EXPECT_FALSE(sim_->LockReleased(0, SimDoor::kInner));
  EXPECT_EQ(sim_->UnlockPulses(0, SimDoor::kInner), 0);
  EXPECT_FALSE(sim_->LockReleased(0));
  EXPECT_FALSE(sim_->OpenDoor(0, SimDoor::kInner));
  EXPECT_FALSE(sim_->ForceDoor(0, SimDoor::kInner));
  EXPECT_FALSE(sim_->CloseDoor(0, SimDoor::kInner));
  EXPECT_TRUE(sim_->DoorClosed(0, SimDoor::kInner));  // reads closed: there is nothing to open
  EXPECT_EQ(driver_->Unlock({"HQ", "A", "9"}, Door::kInner).code(), core::StatusCode::kNotFound);
}

TEST_F(ModbusDriverTest, TheInnerDoorOpeningIsAReadingOfItsOwnWithTheOuterDoorStillClosed) {
  ASSERT_TRUE(recorder_.WaitForDoors("A", "2", true, true));
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kInner).ok());
  ASSERT_TRUE(sim_->OpenDoor(1, SimDoor::kInner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", true, false));
  // Evidence goes in from the property-room side: the tag is read with the inner door open.
  ASSERT_TRUE(sim_->Place(1, SimItem{kOtherTag, 300, std::nullopt}));
  EXPECT_TRUE(recorder_.WaitForReading("A", "2", true, {kOtherTag}));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", true, false));
  ASSERT_TRUE(sim_->CloseDoor(1, SimDoor::kInner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", true, true));
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kForcedDoor), 0u);
  // Every other compartment reads its (missing) inner door closed.
  EXPECT_TRUE(recorder_.WaitForDoors("A", "1", true, true));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "3", true, true));
}

TEST_F(ModbusDriverTest, TheOuterAndInnerDoorsOfAPassThroughCompartmentAreIndependent) {
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kOuter).ok());
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kInner).ok());
  EXPECT_EQ(sim_->UnlockPulses(1), 1);
  EXPECT_EQ(sim_->UnlockPulses(1, SimDoor::kInner), 1);
  ASSERT_TRUE(sim_->OpenDoor(1));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", false, true));
  ASSERT_TRUE(sim_->OpenDoor(1, SimDoor::kInner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", false, false));
  ASSERT_TRUE(sim_->CloseDoor(1));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", true, false));
  EXPECT_FALSE(sim_->LockReleased(1));                  // the outer lock caught its door …
  EXPECT_TRUE(sim_->LockReleased(1, SimDoor::kInner));  // … and the inner one waits for its own
  ASSERT_TRUE(sim_->CloseDoor(1, SimDoor::kInner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "2", true, true));
  EXPECT_FALSE(sim_->LockReleased(1, SimDoor::kInner));
  // A relock of one door leaves the other released.
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kOuter).ok());
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kInner).ok());
  ASSERT_TRUE(driver_->Relock({"HQ", "A", "2"}, Door::kOuter).ok());
  EXPECT_FALSE(sim_->LockReleased(1));
  EXPECT_TRUE(sim_->LockReleased(1, SimDoor::kInner));
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kForcedDoor), 0u);
}

TEST_F(ModbusDriverTest, OnlyACoilWriteIsAPulseNotThePollsThatFollowIt) {
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, Door::kOuter).ok());
  const uint64_t polls = driver_->GoodPolls()[0];
  ASSERT_TRUE(recorder_.WaitFor(
      [&](const auto&, const auto&) { return driver_->GoodPolls()[0] >= polls + 3; }));
  EXPECT_EQ(sim_->UnlockPulses(0), 1);
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "2"}, Door::kOuter).ok());  // another coil
  EXPECT_EQ(sim_->UnlockPulses(0), 1);
  EXPECT_EQ(sim_->UnlockPulses(1), 1);
}

TEST(ModbusDriverPulseTest, ALockWhoseDoorIsNeverOpenedEngagesAgainWhileTheDriverPolls) {
  BankSimulator::Options o;
  o.pulse = 100ms;
  auto sim = BankSimulator::Start({SimCompartment{}}, o);
  ASSERT_TRUE(sim) << sim.error().ToString();
  Recorder recorder;
  ModbusTcpController driver({BankConfig{"HQ", "A", "127.0.0.1", (*sim)->port(), {"1"}}}, Fast(),
                             recorder.Callbacks());
  driver.Start();
  ASSERT_TRUE(recorder.WaitForEvents(BankEvent::Kind::kOnline));
  ASSERT_TRUE(driver.Unlock({"HQ", "A", "1"}, Door::kOuter).ok());
  EXPECT_TRUE((*sim)->LockReleased(0));
  ASSERT_TRUE(recorder.WaitFor([&](const auto&, const auto&) { return !(*sim)->LockReleased(0); }));
  EXPECT_EQ((*sim)->UnlockPulses(0), 1);
}

TEST(ModbusDriverPulseTest, AnInnerLockWhoseDoorIsNeverOpenedEngagesAgainAfterThePulseTime) {
  BankSimulator::Options o;
  o.pulse = 100ms;
  auto sim = BankSimulator::Start({SimCompartment{true, false, false, true}}, o);
  ASSERT_TRUE(sim) << sim.error().ToString();
  Recorder recorder;
  ModbusTcpController driver({BankConfig{"HQ", "A", "127.0.0.1", (*sim)->port(), {"1"}}}, Fast(),
                             recorder.Callbacks());
  ASSERT_TRUE(driver.Unlock({"HQ", "A", "1"}, Door::kInner).ok());
  EXPECT_TRUE((*sim)->LockReleased(0, SimDoor::kInner));
  ASSERT_TRUE(recorder.WaitFor(
      [&](const auto&, const auto&) { return !(*sim)->LockReleased(0, SimDoor::kInner); }));
  EXPECT_FALSE((*sim)->OpenDoor(0, SimDoor::kInner));
  // Opened within the pulse, it stays released until the door closes.
  ASSERT_TRUE(driver.Unlock({"HQ", "A", "1"}, Door::kInner).ok());
  ASSERT_TRUE((*sim)->OpenDoor(0, SimDoor::kInner));
  std::this_thread::sleep_for(250ms);
  EXPECT_TRUE((*sim)->LockReleased(0, SimDoor::kInner));
  ASSERT_TRUE((*sim)->CloseDoor(0, SimDoor::kInner));
  EXPECT_FALSE((*sim)->LockReleased(0, SimDoor::kInner));
}

TEST_F(ModbusDriverTest, AForcedDoorTamperMainsAndFireAlarmAreReported) {
  ASSERT_TRUE(sim_->ForceDoor(0));
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kForcedDoor));
  ASSERT_TRUE(sim_->SetTamper(2, true));
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kTamper));
  sim_->SetMains(false);
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kMainsLost));
  sim_->SetMains(true);
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kMainsRestored));
  sim_->SetFireAlarm(true);
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kFireAlarm));
  for (const BankEvent& e : recorder_.Events()) {
    if (e.kind == BankEvent::Kind::kForcedDoor) {
      EXPECT_EQ(e.compartment, "1");
    }
    if (e.kind == BankEvent::Kind::kTamper) {
      EXPECT_EQ(e.compartment, "3");
    }
  }
}

TEST_F(ModbusDriverTest, GarbageFramesAreRejectedAndTheDriverRecovers) {
  const uint64_t before = driver_->GoodPolls()[0];
  sim_->SendGarbage(2);
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kBadAnswer));
  // Two bad answers are fewer than offline_after: no offline event, and polls succeed again.
  ASSERT_TRUE(recorder_.WaitFor(
      [&](const auto&, const auto&) { return driver_->GoodPolls()[0] > before + 3; }));
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kOffline), 0u);
  // Readings still make sense afterwards.
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, Door::kOuter).ok());
  ASSERT_TRUE(sim_->OpenDoor(0));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", false, {kRadioTag}));
}

TEST_F(ModbusDriverTest, AControllerThatDropsOffIsReportedOfflineOnceAndUnlocksFailUntilItReturns) {
  sim_->SetOffline(true);
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOffline));
  auto refused = driver_->Unlock({"HQ", "A", "1"}, Door::kOuter);
  EXPECT_EQ(refused.code(), core::StatusCode::kUnavailable) << refused.ToString();
  EXPECT_FALSE(sim_->LockReleased(0));
  std::this_thread::sleep_for(300ms);  // more failed polls: still one offline event
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kOffline), 1u);
  sim_->SetOffline(false);
  ASSERT_TRUE(recorder_.WaitFor([&](const auto&, const std::vector<BankEvent>& ev) {
    return std::count_if(ev.begin(), ev.end(), [](const BankEvent& e) {
             return e.kind == BankEvent::Kind::kOnline;
           }) == 2;
  }));
  EXPECT_TRUE(driver_->Unlock({"HQ", "A", "1"}, Door::kOuter).ok());
  EXPECT_TRUE(sim_->LockReleased(0));
}

TEST_F(ModbusDriverTest, ASlowControllerPastTheTimeoutCountsAsNotAnswering) {
  sim_->SetResponseDelay(50ms);  // within the 200 ms timeout: fine
  const uint64_t before = driver_->GoodPolls()[0];
  ASSERT_TRUE(recorder_.WaitFor(
      [&](const auto&, const auto&) { return driver_->GoodPolls()[0] > before + 2; }));
  EXPECT_EQ(recorder_.Count(BankEvent::Kind::kOffline), 0u);
  sim_->SetResponseDelay(400ms);  // past it
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOffline));
  sim_->SetResponseDelay(0ms);
  ASSERT_TRUE(recorder_.WaitFor([&](const auto&, const std::vector<BankEvent>& ev) {
    return ev.back().kind == BankEvent::Kind::kOnline;
  }));
}

TEST_F(ModbusDriverTest, AMisconfiguredBankIsABadAnswerNotATrustedOne) {
  Recorder other;
  BankConfig wrong{"HQ", "B", "127.0.0.1", sim_->port(), {"1", "2"}};  // the bank has 3
  ModbusTcpController d({wrong}, Fast(), other.Callbacks());
  d.Start();
  ASSERT_TRUE(other.WaitForEvents(BankEvent::Kind::kOffline));
  bool named = false;
  for (const BankEvent& e : other.Events()) {
    named =
        named || e.detail.find("reports 3 compartments, but 2 are configured") != std::string::npos;
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(other.Count(BankEvent::Kind::kOnline), 0u);
}

// ---- The whole path: desk → driver → simulated bank → driver → desk ---------------------------

// An agency with one radio in HQ/A/1, its desk driving a simulated bank through the real driver,
// and officer 1001 signed in. The desk's clock is the ledger's fake one (for its 30 s rule); the
// driver and the simulator run in real time.
class ModbusCustodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    using namespace domain;
    ASSERT_TRUE(f_.Open().ok());
    auto agency = app::Agency::Open(f_.ledger(), f_.store());
    ASSERT_TRUE(agency);
    agency_ = std::move(*agency);
    Person ana{"1001", "Ana Able", {Role::kOfficer}, {"HQ"}, false, {}, std::nullopt, {}};
    ASSERT_TRUE(
        agency_
            ->Record(
                "admin:test",
                {SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
                 CompartmentDefined{{kBay, CompartmentSize::kSmall, {Feature::kRfid}}},
                 ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, false, 0, 0}},
                 ItemDefined{{"R-1", "RADIO", kRadioTag, kBay, 410}}, PersonDefined{ana, true}})
            .ok());
    auto vault = store::SqliteCredentialVault::Open(f_.dir().file("credentials.db"));
    ASSERT_TRUE(vault);
    vault_ = std::move(*vault);
    ASSERT_TRUE(vault_->PutPinHashes({{"1001", *hasher_.Hash("2468")}}).ok());
    auto sim = BankSimulator::Start({SimCompartment{}}, {});
    ASSERT_TRUE(sim);
    sim_ = std::move(*sim);
    ASSERT_TRUE(sim_->Place(0, SimItem{kRadioTag, 410, std::nullopt}));

    hardware::modbus::DriverCallbacks cb;
    cb.on_reading = [this](const CompartmentReading& r) {
      Report(desk_ ? desk_->OnReading(r) : core::Status::Ok());
    };
    cb.on_event = [this](const BankEvent& e) {
      Report(desk_ ? desk_->OnBankEvent(e) : core::Status::Ok());
    };
    driver_ = std::make_unique<ModbusTcpController>(
        std::vector<BankConfig>{{"HQ", "A", "127.0.0.1", sim_->port(), {"1"}}}, Fast(), cb);
    desk_ = std::make_unique<app::CustodyDesk>(*agency_, *driver_, *vault_, hasher_, f_.clock(),
                                               [](std::string_view z) -> const domain::TimeZone* {
                                                 auto r = store::FindZone(z);
                                                 return r ? *r : nullptr;
                                               });
    driver_->Start();
    auto login = desk_->Authenticate("1001", "2468", "HQ");
    ASSERT_TRUE(login && login->session);
    ana_.emplace(*login->session);
    ASSERT_TRUE(Wait([&] { return HasAlarm("bank_online"); }));
  }
  void TearDown() override {
    if (driver_) driver_->Stop();
    std::lock_guard l(mu_);
    EXPECT_TRUE(errors_.empty()) << errors_.front();
  }

  void Report(core::Status s) {
    std::lock_guard l(mu_);
    if (!s.ok()) errors_.push_back(s.ToString());
    cv_.notify_all();
  }
  domain::State State() { return agency_->Snapshot(); }
  template <typename Pred>
  bool Wait(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::unique_lock l(mu_);
      cv_.wait_for(l, 5ms);
    }
    return true;
  }
  // A person's hand is slower than a poll: let the driver see each step (two full polls).
  void Settle() {
    const uint64_t seen = driver_->GoodPolls()[0];
    Wait([&] { return driver_->GoodPolls()[0] >= seen + 2; });
  }
  bool HasAlarm(const std::string& code) {
    bool found = false;
    EXPECT_TRUE(f_.store()
                    .ScanEvents(0, UINT64_MAX,
                                [&](uint64_t, core::ByteSpan record) {
                                  auto e = ledger::ParseEvent(record);
                                  if (e && e->kind == "hardware.alarm" &&
                                      e->payload.find("\"code\":\"" + code + "\"") !=
                                          std::string::npos) {
                                    found = true;
                                  }
                                  return true;
                                })
                    .ok());
    return found;
  }

  const domain::CompartmentKey kBay{"HQ", "A", "1"};
  testing::LedgerFixture f_{"agency"};
  std::unique_ptr<app::Agency> agency_;
  std::unique_ptr<store::SqliteCredentialVault> vault_;
  store::Argon2PinHasher hasher_{store::Argon2PinHasher::Cheapest()};
  std::unique_ptr<BankSimulator> sim_;
  std::unique_ptr<ModbusTcpController> driver_;
  std::unique_ptr<app::CustodyDesk> desk_;
  std::optional<Session> ana_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> errors_;
};

TEST_F(ModbusCustodyTest, ASignOutAndAReturnThroughTheSimulatedBank) {
  auto granted = desk_->SignOut(*ana_, "R-1");
  ASSERT_TRUE(granted) << granted.error().ToString();
  ASSERT_TRUE(granted->granted);
  EXPECT_TRUE(sim_->LockReleased(0));  // the unlock reached the bank

  ASSERT_TRUE(sim_->OpenDoor(0));
  Settle();
  ASSERT_TRUE(sim_->Take(0, kRadioTag));
  ASSERT_TRUE(sim_->CloseDoor(0));
  ASSERT_TRUE(Wait([&] { return State().FindItem("R-1")->custody.has_value(); }));
  EXPECT_EQ(State().FindItem("R-1")->custody->badge, "1001");

  // The wrong item goes back first: an alert, custody stays.
  auto ret = desk_->Return(*ana_, "R-1");
  ASSERT_TRUE(ret && ret->granted);
  ASSERT_TRUE(sim_->OpenDoor(0));
  Settle();
  ASSERT_TRUE(sim_->Place(0, SimItem{kOtherTag, 300, std::nullopt}));
  ASSERT_TRUE(sim_->CloseDoor(0));
  ASSERT_TRUE(Wait([&] { return !State().FindItem("R-1")->returning.has_value(); }));
  EXPECT_TRUE(State().FindItem("R-1")->custody.has_value());
  // The armorer takes the wrong item out again (a forced door: an alarm of its own).
  ASSERT_TRUE(sim_->ForceDoor(0));
  Settle();
  ASSERT_TRUE(sim_->Take(0, kOtherTag));
  ASSERT_TRUE(sim_->CloseDoor(0));
  ASSERT_TRUE(Wait([&] { return HasAlarm("forced_door"); }));

  ASSERT_TRUE(desk_->Return(*ana_, "R-1")->granted);
  ASSERT_TRUE(sim_->OpenDoor(0));
  Settle();
  ASSERT_TRUE(sim_->Place(0, SimItem{kRadioTag, 410, std::nullopt}));
  ASSERT_TRUE(sim_->CloseDoor(0));
  ASSERT_TRUE(Wait([&] { return !State().FindItem("R-1")->custody.has_value(); }));
}

TEST_F(ModbusCustodyTest, ABankThatDropsOffMidSignOutEndsInCustodyOnceItsTagsAreReadAgain) {
  ASSERT_TRUE(desk_->SignOut(*ana_, "R-1")->granted);
  sim_->SetOffline(true);
  ASSERT_TRUE(Wait([&] { return HasAlarm("bank_offline"); }));
  // Unseen by anyone: the officer opens the released door, takes the radio, shuts the door.
  ASSERT_TRUE(sim_->OpenDoor(0));
  ASSERT_TRUE(sim_->Take(0, kRadioTag));
  ASSERT_TRUE(sim_->CloseDoor(0));
  // The 30 s rule does not guess while the bank is offline.
  f_.clock().Advance(31'000'000);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(State().FindItem("R-1")->pending.has_value());
  // Back online: the first readings prove the tag left, so the sign-out completes.
  sim_->SetOffline(false);
  ASSERT_TRUE(Wait([&] { return State().FindItem("R-1")->custody.has_value(); }));
  EXPECT_TRUE(HasAlarm("bank_online"));
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(State().FindItem("R-1")->custody.has_value());
}

TEST_F(ModbusCustodyTest, AnUnopenedDoorOnABankThatComesBackIsRelockedThen) {
  ASSERT_TRUE(desk_->SignOut(*ana_, "R-1")->granted);
  sim_->SetOffline(true);
  ASSERT_TRUE(Wait([&] { return HasAlarm("bank_offline"); }));
  f_.clock().Advance(31'000'000);
  ASSERT_TRUE(desk_->Tick().ok());
  EXPECT_TRUE(State().FindItem("R-1")->pending.has_value());
  sim_->SetOffline(false);
  ASSERT_TRUE(Wait([&] {
    return HasAlarm("bank_online") && desk_->Tick().ok() &&
           !State().FindItem("R-1")->pending.has_value();
  }));
  EXPECT_FALSE(State().FindItem("R-1")->custody.has_value());
  EXPECT_FALSE(sim_->LockReleased(0));  // relocked
}

TEST_F(ModbusCustodyTest, PowerLostWhileADoorIsOpenIsRecordedAndTheSignOutStillCompletes) {
  ASSERT_TRUE(desk_->SignOut(*ana_, "R-1")->granted);
  ASSERT_TRUE(sim_->OpenDoor(0));
  Settle();
  sim_->SetMains(false);
  ASSERT_TRUE(Wait([&] { return HasAlarm("mains_lost"); }));
  ASSERT_TRUE(sim_->Take(0, kRadioTag));
  ASSERT_TRUE(sim_->CloseDoor(0));
  ASSERT_TRUE(Wait([&] { return State().FindItem("R-1")->custody.has_value(); }));
  sim_->SetMains(true);
  ASSERT_TRUE(Wait([&] { return HasAlarm("mains_restored"); }));
}

}  // namespace
}  // namespace custodian
