// The ledger on a real SQLite file: appends, group commit, reopening, proofs and projections.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "ledger/merkle.h"
#include "ledger/record.h"
#include "testing/ledger_fixture.h"

namespace custodian {
namespace {

using testing::LedgerFixture;

ledger::EventDraft Draft(std::string kind, std::string payload = "{}") {
  ledger::EventDraft d;
  d.actor = "badge:1001";
  d.kind = std::move(kind);
  d.subjects = {"item:radio-7"};
  d.payload = std::move(payload);
  return d;
}

std::vector<core::Bytes> StoredRecords(store::SqliteLedgerStore& s) {
  std::vector<core::Bytes> out;
  EXPECT_TRUE(s.ScanEvents(0, UINT64_MAX, [&](uint64_t, core::ByteSpan r) {
                 out.emplace_back(r.begin(), r.end());
                 return true;
               }).ok());
  return out;
}

TEST(Ledger, AppendsGapFreeChainedEventsWithTheClocksTime) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  f.clock().Set(1'795'000'000'123'456);
  auto a = f.ledger().Append(Draft("item.signed_out", R"({"due":"18:00"})"));
  f.clock().Advance(5);
  auto b = f.ledger().Append(Draft("item.returned"));
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->index, 0u);
  EXPECT_EQ(b->index, 1u);
  auto records = StoredRecords(f.store());
  ASSERT_EQ(records.size(), 2u);
  auto e0 = ledger::DecodeEvent(records[0]);
  auto e1 = ledger::DecodeEvent(records[1]);
  ASSERT_TRUE(e0 && e1);
  EXPECT_EQ(e0->time_us, 1'795'000'000'123'456);
  EXPECT_EQ(e1->time_us, 1'795'000'000'123'461);
  EXPECT_EQ(e0->prev_hash, ledger::Hash{});
  EXPECT_EQ(e1->prev_hash, ledger::LeafHash(records[0]));
  EXPECT_EQ(e0->site, "test-site");
  EXPECT_EQ(e0->payload, R"({"due":"18:00"})");
  EXPECT_EQ(a->leaf_hash, ledger::LeafHash(records[0]));
}

TEST(Ledger, RejectsAnInvalidDraftWithoutHarmingTheOthers) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  auto bad = f.ledger().Append(Draft("Not A Kind!"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("event kind"), std::string::npos);
  auto good = f.ledger().Append(Draft("door.opened"));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->index, 0u);
  EXPECT_TRUE(f.ledger().health().ok());
}

TEST(Ledger, ConcurrentWritersGetDistinctGapFreeIndices) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  constexpr int kThreads = 16, kEach = 40;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = f.ledger().Append(Draft("door.closed", "{\"t\":" + std::to_string(t) + "}"));
        ASSERT_TRUE(r.has_value()) << r.error().ToString();
        got[t].push_back(r->index);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kEach});
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kEach - 1});
  EXPECT_TRUE(f.Verify().status.ok());
  auto latest = f.store().LatestCheckpoint();
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->size, uint64_t{kThreads * kEach});
}

TEST(Ledger, AppendAllRecordsEveryDraftConsecutivelyOrNoneWhenOneIsBad) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.ledger().Append(Draft("door.opened")).has_value());
  std::vector<ledger::EventDraft> bad{Draft("site.defined"), Draft("Bad Kind"),
                                      Draft("item.defined")};
  auto none = f.ledger().AppendAll(bad);
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message().find("event 2 of 3 (none recorded)"), std::string::npos)
      << none.error().message();
  EXPECT_EQ(f.ledger().size(), 1u);
  std::vector<ledger::EventDraft> good(300, Draft("item.defined"));  // > one batch's share
  std::vector<std::thread> others;
  for (int t = 0; t < 4; ++t) {
    others.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ASSERT_TRUE(f.ledger().Append(Draft("door.closed")));
    });
  }
  auto all = f.ledger().AppendAll(good);
  for (auto& t : others) t.join();
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 300u);
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].index, (*all)[0].index + i);  // never interleaved with other writers
  }
  EXPECT_EQ(f.ledger().size(), 1u + 300u + 80u);
  EXPECT_TRUE(f.Verify().status.ok());
}

TEST(Ledger, ReopensWhereItLeftOffAndKeepsTheSameRoot) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(700).ok());
  ledger::Hash root = f.ledger().root();
  ASSERT_TRUE(f.Open().ok());
  EXPECT_EQ(f.ledger().size(), 700u);
  EXPECT_EQ(f.ledger().root(), root);
  ASSERT_TRUE(f.AppendSynthetic(300).ok());
  auto v = f.Verify();
  ASSERT_TRUE(v.status.ok()) << v.status.ToString();
  EXPECT_EQ(v.events, 1000u);
  EXPECT_EQ(v.root, f.ledger().root());
}

TEST(Ledger, ProofsFromTheStoreMatchAnIndependentInMemoryTree) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(1100, 4).ok());
  ledger::InMemoryMerkleTree mem;
  for (const auto& r : StoredRecords(f.store())) mem.Append(ledger::LeafHash(r));
  ASSERT_EQ(mem.size(), 1100u);
  EXPECT_EQ(f.ledger().root(), mem.Root());
  for (uint64_t size : std::vector<uint64_t>{1, 2, 255, 256, 257, 512, 1000, 1100}) {
    auto root = f.ledger().RootAt(size);
    ASSERT_TRUE(root.has_value()) << root.error().ToString();
    EXPECT_EQ(*root, *ledger::RootAt(mem, size)) << size;
    for (uint64_t index : {uint64_t{0}, size / 2, size - 1}) {
      auto path = f.ledger().InclusionProof(index, size);
      ASSERT_TRUE(path.has_value());
      EXPECT_EQ(*path, *ledger::InclusionProof(mem, index, size));
      EXPECT_TRUE(ledger::VerifyInclusion(mem.leaf(index), index, size, *path, *root).ok());
    }
    auto cons = f.ledger().ConsistencyProof(size, 1100);
    ASSERT_TRUE(cons.has_value());
    EXPECT_TRUE(ledger::VerifyConsistency(size, 1100, *root, f.ledger().root(), *cons).ok());
  }
  EXPECT_FALSE(f.ledger().InclusionProof(5, 1101).has_value());
  EXPECT_FALSE(f.ledger().ConsistencyProof(10, 5).has_value());
}

TEST(Ledger, CheckpointIsASignedNoteOfTheCurrentTree) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(42).ok());
  auto c = f.ledger().Checkpoint();
  ASSERT_TRUE(c.has_value());
  auto cp = ledger::OpenCheckpoint(c->note, f.signer().Verifier());
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, "custodian/test-site");
  EXPECT_EQ(cp->size, 42u);
  EXPECT_EQ(cp->root, f.ledger().root());
  auto history = f.store().CheckpointHistory();
  ASSERT_TRUE(history.has_value());
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->back().size, 42u);
}

TEST(Ledger, RefusesToOpenWithAnotherSitesKey) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  f.Close();
  auto store = store::SqliteLedgerStore::Open(f.db_path());
  ASSERT_TRUE(store.has_value());
  auto other = testing::TestSigner("other-site");
  auto l = ledger::Ledger::Open(**store, other, f.clock(), "other-site");
  ASSERT_FALSE(l.has_value());
  EXPECT_EQ(l.error().code(), core::StatusCode::kFailedPrecondition);
}

TEST(Ledger, RefusesToAppendWhenTheStoredTailContradictsTheSignedCheckpoint) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(10).ok());
  f.Close();
  f.Sql("DROP TRIGGER events_no_delete; DELETE FROM events WHERE idx = 9");
  auto s = f.Open();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), core::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("refusing to append"), std::string::npos) << s.message();
}

TEST(Ledger, StoreRefusesUpdatesAndDeletesOfEvents) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(3).ok());
  f.Close();
  EXPECT_THROW(f.Sql("DELETE FROM events WHERE idx = 1"), std::runtime_error);
  EXPECT_THROW(f.Sql("UPDATE events SET record = x'00' WHERE idx = 1"), std::runtime_error);
  EXPECT_TRUE(f.Verify().status.ok());
}

TEST(Projection, IsUpdatedWithTheEventsAndRebuildsIdenticallyFromThem) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(250, 4).ok());
  auto incremental = f.store().ReadKindSummary();
  ASSERT_TRUE(incremental.has_value());
  ASSERT_EQ(incremental->size(), 5u);
  uint64_t total = 0;
  for (const auto& k : *incremental) total += k.events;
  EXPECT_EQ(total, 250u);
  f.Sql("UPDATE kind_summary SET events = 0");  // damage it, as a crash between two writes would
  ASSERT_TRUE(f.store().RebuildProjections().ok());
  auto rebuilt = f.store().ReadKindSummary();
  ASSERT_TRUE(rebuilt.has_value());
  EXPECT_EQ(*rebuilt, *incremental);
}

TEST(SqliteLedgerStore, RejectsAFileThatIsNotALedgerDatabase) {
  testing::TempDir dir;
  {
    sqlite3* db = nullptr;
    sqlite3_open(dir.file("other.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA application_id=42; CREATE TABLE x(y)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto s = store::SqliteLedgerStore::Open(dir.file("other.db"));
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("not a Custodian ledger"), std::string::npos);
}

}  // namespace
}  // namespace custodian
