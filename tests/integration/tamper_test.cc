// Tampering with a stored ledger — as someone with write access to the database file would — is
// detected by verify, which names the first bad event. Every test first proves that the untouched
// ledger verifies, so a detection is caused by the tampering and nothing else.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "ledger/record.h"
#include "testing/ledger_fixture.h"

namespace custodian {
namespace {

using testing::LedgerFixture;

// Direct, unsynchronised access to the database file.
class Attacker {
 public:
  explicit Attacker(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    Exec("PRAGMA synchronous=OFF");
    Exec("DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete");
  }
  ~Attacker() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "";
      sqlite3_free(err);
      throw std::runtime_error(m);
    }
  }
  core::Bytes Get(uint64_t key) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, "SELECT record FROM events WHERE idx = ?", -1, &s, nullptr);
    sqlite3_bind_int64(s, 1, static_cast<int64_t>(key));
    core::Bytes out;
    if (sqlite3_step(s) == SQLITE_ROW) {
      auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s, 0));
      out.assign(p, p + sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  void Put(uint64_t key, const core::Bytes& record) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO events(idx, record) VALUES(?, ?)", -1, &s,
                       nullptr);
    sqlite3_bind_int64(s, 1, static_cast<int64_t>(key));
    sqlite3_bind_blob(s, 2, record.data(), static_cast<int>(record.size()), SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_finalize(s);
  }
  // Moves events with key > after up by one, making room for an insertion at after + 1.
  void MakeRoomAfter(uint64_t after) {
    Exec("UPDATE events SET idx = idx + 1000000 WHERE idx > " + std::to_string(after));
    Exec("UPDATE events SET idx = idx - 999999 WHERE idx > 1000000");
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr uint64_t kEvents = 40;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.Open().ok());
    ASSERT_TRUE(f_.AppendSynthetic(kEvents).ok());
    f_.Close();
    auto clean = f_.Verify();
    ASSERT_TRUE(clean.status.ok()) << clean.status.ToString();
    ASSERT_EQ(clean.events, kEvents);
  }
  void ExpectFirstBad(uint64_t index, const std::string& why) {
    auto r = f_.Verify();
    EXPECT_FALSE(r.status.ok()) << why;
    ASSERT_TRUE(r.first_bad_index.has_value()) << why << ": " << r.status.ToString();
    EXPECT_EQ(*r.first_bad_index, index) << why << ": " << r.status.ToString();
  }
  LedgerFixture f_;
};

TEST_F(TamperTest, DetectsAFlippedBitInAnyByteOfAnyEventAndNamesThatEvent) {
  Attacker a(f_.db_path());
  std::mt19937 rng(20261122);
  int checked = 0;
  for (uint64_t j = 0; j < kEvents; ++j) {
    const core::Bytes original = a.Get(j);
    ASSERT_FALSE(original.empty());
    // Every byte of the first, a middle, and the last two events; a sample of the others.
    const bool every_byte = j == 0 || j == kEvents / 2 || j >= kEvents - 2;
    std::vector<size_t> positions;
    if (every_byte) {
      for (size_t i = 0; i < original.size(); ++i) positions.push_back(i);
    } else {
      for (int k = 0; k < 12; ++k) positions.push_back(rng() % original.size());
    }
    for (size_t pos : positions) {
      core::Bytes changed = original;
      changed[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      a.Put(j, changed);
      ExpectFirstBad(j, "bit flip in event " + std::to_string(j) + " byte " + std::to_string(pos));
      ++checked;
    }
    a.Put(j, original);
  }
  EXPECT_TRUE(f_.Verify().status.ok());
  EXPECT_GT(checked, 1000);
}

TEST_F(TamperTest, DetectsAReplacedEventThatStillDecodes) {
  Attacker a(f_.db_path());
  auto e = ledger::DecodeEvent(a.Get(17));
  ASSERT_TRUE(e.has_value());
  e->actor = "badge:9999";  // someone else took the weapon
  a.Put(17, ledger::EncodeEvent(*e));
  ExpectFirstBad(17, "replaced actor");
}

TEST_F(TamperTest, DetectsADeletedEvent) {
  Attacker a(f_.db_path());
  a.Exec("DELETE FROM events WHERE idx = 12");
  ExpectFirstBad(12, "deleted event 12");
}

TEST_F(TamperTest, DetectsDeletionOfTheFirstEvent) {
  Attacker a(f_.db_path());
  a.Exec("DELETE FROM events WHERE idx = 0");
  ExpectFirstBad(0, "deleted event 0");
}

TEST_F(TamperTest, DetectsTruncationOfTheLastEvent) {
  Attacker a(f_.db_path());
  a.Exec("DELETE FROM events WHERE idx = " + std::to_string(kEvents - 1));
  ExpectFirstBad(kEvents - 1, "deleted the last event");
}

TEST_F(TamperTest, DetectsTruncationOfTheTail) {
  Attacker a(f_.db_path());
  a.Exec("DELETE FROM events WHERE idx >= 30");
  ExpectFirstBad(30, "truncated at 30");
}

TEST_F(TamperTest, DetectsADuplicatedEvent) {
  Attacker a(f_.db_path());
  core::Bytes copy = a.Get(8);
  a.MakeRoomAfter(8);
  a.Put(9, copy);
  ExpectFirstBad(9, "event 8 stored twice");
}

TEST_F(TamperTest, DetectsAForgedEventInsertedWithAValidLinkAndIndex) {
  Attacker a(f_.db_path());
  auto prev = a.Get(20);
  auto forged = ledger::DecodeEvent(prev);
  ASSERT_TRUE(forged.has_value());
  forged->index = 21;
  forged->prev_hash = ledger::LeafHash(prev);
  forged->kind = "item.returned";
  a.MakeRoomAfter(20);
  a.Put(21, ledger::EncodeEvent(*forged));
  ExpectFirstBad(21, "forged insertion at 21");
}

TEST_F(TamperTest, DetectsReorderedEvents) {
  Attacker a(f_.db_path());
  core::Bytes x = a.Get(5), y = a.Get(6);
  a.Put(5, y);
  a.Put(6, x);
  ExpectFirstBad(5, "swapped 5 and 6");
}

TEST_F(TamperTest, DetectsAnAlteredSignedCheckpoint) {
  Attacker a(f_.db_path());
  a.Exec("UPDATE latest_checkpoint SET note = replace(note, '\n40\n', '\n39\n')");
  auto r = f_.Verify();
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("does not verify"), std::string::npos) << r.status.message();
}

TEST_F(TamperTest, DetectsAnAlteredStoredMerkleNode) {
  ASSERT_TRUE(f_.Open().ok());
  ASSERT_TRUE(f_.AppendSynthetic(600 - kEvents).ok());
  f_.Close();
  ASSERT_TRUE(f_.Verify().status.ok());
  Attacker a(f_.db_path());
  a.Exec("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1");
  auto r = f_.Verify();
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("Merkle node (level 8, index 1)"), std::string::npos)
      << r.status.message();
}

TEST(Rollback, RestoringAnOlderCopyIsDetectedAgainstALaterCheckpoint) {
  LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(20).ok());
  f.Close();
  testing::TempDir backup;
  for (const char* name : {"ledger.db", "ledger.db-wal"}) {
    if (std::filesystem::exists(f.dir().file(name))) {
      std::filesystem::copy_file(f.dir().file(name), backup.file(name));
    }
  }
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(20, 1, 2).ok());
  auto later = f.ledger().Checkpoint();
  ASSERT_TRUE(later.has_value());
  auto checkpoint = ledger::OpenCheckpoint(later->note, f.signer().Verifier());
  ASSERT_TRUE(checkpoint.has_value());
  f.Close();
  ASSERT_TRUE(f.Verify(*checkpoint).status.ok());

  // Restore the backup of 20 events over the live files.
  std::filesystem::remove(f.dir().file("ledger.db-wal"));
  std::filesystem::remove(f.dir().file("ledger.db-shm"));
  for (const char* name : {"ledger.db", "ledger.db-wal"}) {
    if (std::filesystem::exists(backup.file(name))) {
      std::filesystem::copy_file(backup.file(name), f.dir().file(name),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  // On its own the older copy is a consistent ledger: only an outside checkpoint reveals it.
  EXPECT_TRUE(f.Verify().status.ok());
  auto r = f.Verify(*checkpoint);
  EXPECT_FALSE(r.status.ok());
  ASSERT_TRUE(r.first_bad_index.has_value());
  EXPECT_EQ(*r.first_bad_index, 20u);
  EXPECT_NE(r.status.message().find("restored from an older copy"), std::string::npos);

  // A fork: the restored copy grows again with different events past the checkpoint's size.
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(25, 1, 99).ok());
  f.Close();
  EXPECT_TRUE(f.Verify().status.ok());
  auto fork = f.Verify(*checkpoint);
  EXPECT_FALSE(fork.status.ok());
  EXPECT_NE(fork.status.message().find("do not match the given checkpoint"), std::string::npos)
      << fork.status.message();
}

}  // namespace
}  // namespace custodian

namespace custodian {
namespace {

// Ledgers longer than one verification block (1,024 events) are checked a block at a time on two
// threads; tampering at and around block boundaries must be named exactly as record by record.
TEST(TamperAcrossBlocks, NamesTheFirstBadEventAtAndAroundBlockBoundaries) {
  testing::LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  constexpr uint64_t kN = 2600;
  ASSERT_TRUE(f.AppendSynthetic(kN, 8).ok());
  ASSERT_TRUE(f.ledger().Checkpoint().has_value());
  f.Close();
  auto clean = f.Verify();
  ASSERT_TRUE(clean.status.ok()) << clean.status.ToString();
  EXPECT_EQ(clean.events, kN);
  Attacker a(f.db_path());
  for (uint64_t j :
       {uint64_t{0}, uint64_t{1}, uint64_t{1022}, uint64_t{1023}, uint64_t{1024}, uint64_t{1025},
        uint64_t{2047}, uint64_t{2048}, uint64_t{2500}, kN - 2, kN - 1}) {
    const core::Bytes original = a.Get(j);
    for (size_t byte : {size_t{20}, original.size() - 2}) {  // in prev_hash; in the payload
      core::Bytes changed = original;
      changed[byte] ^= 0x04;
      a.Put(j, changed);
      auto r = f.Verify();
      EXPECT_FALSE(r.status.ok());
      ASSERT_TRUE(r.first_bad_index.has_value()) << j << ": " << r.status.ToString();
      EXPECT_EQ(*r.first_bad_index, j) << "byte " << byte << ": " << r.status.ToString();
    }
    a.Put(j, original);
  }
  ASSERT_TRUE(f.Verify().status.ok());
  a.Exec("DELETE FROM events WHERE idx = 1024");
  auto deleted = f.Verify();
  ASSERT_TRUE(deleted.first_bad_index.has_value());
  EXPECT_EQ(*deleted.first_bad_index, 1024u);
}

TEST(TamperAcrossBlocks, DetectsAnAlteredStoredNodeOfAWholeBlock) {
  testing::LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(2100, 8).ok());
  f.Close();
  ASSERT_TRUE(f.Verify().status.ok());
  Attacker a(f.db_path());
  for (const char* node :
       {"level = 8 AND idx = 5", "level = 10 AND idx = 1", "level = 11 AND idx = 0"}) {
    a.Exec("CREATE TABLE IF NOT EXISTS saved AS SELECT * FROM merkle_nodes WHERE 0");
    a.Exec(std::string("INSERT INTO saved SELECT * FROM merkle_nodes WHERE ") + node);
    a.Exec(std::string("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE ") + node);
    auto r = f.Verify();
    EXPECT_FALSE(r.status.ok()) << node;
    EXPECT_NE(r.status.message().find("Merkle node"), std::string::npos) << r.status.message();
    a.Exec("DELETE FROM merkle_nodes WHERE (level, idx) IN (SELECT level, idx FROM saved)");
    a.Exec("INSERT INTO merkle_nodes SELECT * FROM saved; DELETE FROM saved");
    EXPECT_TRUE(f.Verify().status.ok()) << node;
  }
}

}  // namespace
}  // namespace custodian
