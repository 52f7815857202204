// The agency's state on a real ledger: recorded events survive reopening and replay into an equal
// State; a bad event in a group records nothing; PIN hashes stay out of the ledger.
#include "app/agency.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/event_codec.h"
#include "store/argon2_pins.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "testing/ledger_fixture.h"

namespace custodian {
namespace {

using namespace domain;
using testing::LedgerFixture;

std::vector<DomainEvent> World() {
  Person officer{"1001",
                 "Ana Officer",
                 {Role::kOfficer},
                 {"HQ"},
                 false,
                 {{"CEW", *ParseDate("2026-11-20")}},
                 std::nullopt,
                 {}};
  return {SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
          CompartmentDefined{{{"HQ", "A", "14"}, CompartmentSize::kSmall, {Feature::kCharging}}},
          ItemTypeDefined{{"CEW", Category::kLessLethal, {"CEW"}, 12, false, true, 0, 0}},
          ItemDefined{{"T-07", "CEW", "E28011700000020000000007", {"HQ", "A", "14"}, 350}},
          PersonDefined{officer, true}};
}

TEST(Agency, RecordedEventsReplayIntoAnEqualStateAfterReopening) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(3).ok());  // other event families share the ledger
  auto a = app::Agency::Open(f.ledger(), f.store());
  ASSERT_TRUE(a) << a.error().ToString();
  ASSERT_TRUE((*a)->Record("admin:9", World()).ok());
  f.clock().Advance(60'000'000);
  ASSERT_TRUE(
      (*a)->Record("1001", {SignOutGranted{"1001", "T-07", {"HQ", "A", "14"}, "", "", "", {}},
                            ItemSignedOut{"1001", "T-07", 99}})
          .ok());
  ASSERT_TRUE((*a)->Record("1001", {ChargeObserved{"T-07", 81}}).ok());
  const State before = (*a)->Snapshot();
  ASSERT_TRUE(before.FindItem("T-07")->custody);
  EXPECT_EQ(before.FindItem("T-07")->custody->since, f.clock().NowMicros());
  EXPECT_EQ(f.ledger().size(), 3u + 5u + 2u + 1u);

  a->reset();
  ASSERT_TRUE(f.Open().ok());
  auto b = app::Agency::Open(f.ledger(), f.store());
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ((*b)->Snapshot(), before);
  EXPECT_TRUE(f.Verify().status.ok());
}

TEST(Agency, ABadEventInAGroupRecordsNothingAndNamesTheEvent) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  auto a = app::Agency::Open(f.ledger(), f.store());
  ASSERT_TRUE(a);
  auto events = World();
  events.push_back(ItemDefined{{"T-08", "NOPE", "E28011700000020000000008", {"HQ", "A", "14"}, 1}});
  core::Status s = (*a)->Record("admin:9", events);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("event 6 of 6 (item.defined)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("NOPE"), std::string::npos);
  EXPECT_EQ(f.ledger().size(), 0u);
  EXPECT_TRUE((*a)->Snapshot().sites.empty());
}

TEST(Agency, RefusesToOpenALedgerWhoseDomainPayloadCannotBeReplayed) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ledger::EventDraft d{"admin:9", "site.defined", {"site:HQ"}, R"({"site":{"code":"HQ"}})"};
  ASSERT_TRUE(f.ledger().Append(d));
  auto a = app::Agency::Open(f.ledger(), f.store());
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code(), core::StatusCode::kDataLoss);
  EXPECT_NE(a.error().message().find("event 0 (site.defined)"), std::string::npos)
      << a.error().message();
}

TEST(CredentialVault, KeepsArgon2idHashesOutsideTheLedgerInAnOwnerOnlyFile) {
  LedgerFixture f;
  const std::string path = f.dir().file("credentials.db");
  auto v = store::SqliteCredentialVault::Open(path);
  ASSERT_TRUE(v) << v.error().ToString();
  store::Argon2PinHasher hasher;
  auto h = hasher.Hash("482913");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  ASSERT_TRUE((*v)->PutPinHashes({{"1001", *h}}).ok());
  auto got = (*v)->PinHash("1001");
  ASSERT_TRUE(got && *got);
  EXPECT_TRUE(hasher.Matches(**got, "482913"));
  EXPECT_FALSE(hasher.Matches(**got, "482914"));
  EXPECT_FALSE(hasher.Matches("garbage", "482913"));
  EXPECT_FALSE(*(*v)->PinHash("2002"));
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string pin = store::RandomPin(6);
  EXPECT_EQ(pin.size(), 6u);
  EXPECT_EQ(pin.find_first_not_of("0123456789"), std::string::npos);
}

}  // namespace
}  // namespace custodian
