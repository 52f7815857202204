// The `custodian ledger …` commands, run as a user runs them: the real binary, real files, and
// checks of the printed formats that an auditor's scripts rely on.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ledger/export.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/files.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace custodian {
namespace {

// The root from a line "ok: N events, root <64 hex>", or "" if the line is not exactly that.
std::string OkRoot(const std::string& line, uint64_t events) {
  const std::string prefix = "ok: " + std::to_string(events) + " events, root ";
  if (line.rfind(prefix, 0) != 0) return "";
  std::string root = line.substr(prefix.size());
  if (root.size() != 64 || root.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return "";
  }
  return root;
}

std::vector<ledger::Hash> PathFromJson(const nlohmann::json& hexes) {
  std::vector<ledger::Hash> path;
  for (const auto& h : hexes) path.push_back(*ledger::HashFromHex(h.get<std::string>()));
  return path;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.file("site");
    auto init = Cli("ledger init --data " + data_ + " --site north-12");
    ASSERT_EQ(init.exit_code, 0) << init.out;
    auto pop = Cli("ledger populate --data " + data_ + " --events 600 --writers 8");
    ASSERT_EQ(pop.exit_code, 0) << pop.out;
    EXPECT_EQ(pop.out.rfind("appended 600 events with 8 writers in ", 0), 0u) << pop.out;
    EXPECT_NE(pop.out.find(" events/s"), std::string::npos) << pop.out;
  }
  testing::RunResult Cli(const std::string& args, bool stderr_too = false) {
    return testing::Run(testing::CustodianBin() + " " + args, stderr_too);
  }
  std::string Root() {
    auto v = Cli("ledger verify --data " + data_);
    std::string root = OkRoot(v.last_line(), 600);
    EXPECT_FALSE(root.empty()) << v.out;
    return root;
  }
  testing::TempDir dir_;
  std::string data_;
};

TEST_F(CliTest, InitCreatesAPrivateKeyOnlyTheOwnerCanReadAndPrintsThePublicKey) {
  struct stat st {};
  ASSERT_EQ(::stat((data_ + "/site.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = Cli("ledger key --data " + data_);
  ASSERT_EQ(key.exit_code, 0);
  EXPECT_TRUE(ledger::NoteVerifier::FromVerifierKey(key.last_line()).has_value()) << key.out;
  EXPECT_EQ(key.last_line().rfind("custodian/north-12+", 0), 0u);
}

TEST_F(CliTest, VerifyEndsWithOkEventsAndRoot) {
  auto v = Cli("ledger verify --data " + data_);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_FALSE(Root().empty());
}

TEST_F(CliTest, ProofIsJsonThatVerifiesAgainstTheVerifiedRoot) {
  auto p = Cli("ledger proof --data " + data_ + " --index 123");
  ASSERT_EQ(p.exit_code, 0) << p.out;
  auto j = nlohmann::json::parse(p.out);
  EXPECT_EQ(j["index"], 123);
  EXPECT_EQ(j["size"], 600);
  EXPECT_EQ(j["root"], Root());
  std::vector<ledger::Hash> path = PathFromJson(j["path"]);
  auto leaf = *ledger::HashFromHex(j["leaf_hash"].get<std::string>());
  auto root = *ledger::HashFromHex(j["root"].get<std::string>());
  EXPECT_TRUE(ledger::VerifyInclusion(leaf, 123, 600, path, root).ok());

  auto older =
      nlohmann::json::parse(Cli("ledger proof --data " + data_ + " --index 5 --size 300").out);
  EXPECT_EQ(older["size"], 300);
  EXPECT_NE(older["root"], j["root"]);
}

TEST_F(CliTest, ConsistencyIsJsonThatVerifiesBetweenTheTwoRoots) {
  auto c = Cli("ledger consistency --data " + data_ + " --from 257 --to 600");
  ASSERT_EQ(c.exit_code, 0) << c.out;
  auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j["from"], 257);
  EXPECT_EQ(j["to"], 600);
  EXPECT_EQ(j["root_to"], Root());
  std::vector<ledger::Hash> path = PathFromJson(j["path"]);
  EXPECT_TRUE(ledger::VerifyConsistency(257, 600,
                                        *ledger::HashFromHex(j["root_from"].get<std::string>()),
                                        *ledger::HashFromHex(j["root_to"].get<std::string>()), path)
                  .ok());
}

TEST_F(CliTest, CheckpointIsASignedNoteThatOpensWithThePublishedKey) {
  auto c = Cli("ledger checkpoint --data " + data_);
  ASSERT_EQ(c.exit_code, 0);
  auto verifier = store::LoadVerifierKey(data_ + "/site.pub");
  ASSERT_TRUE(verifier.has_value());
  auto cp = ledger::OpenCheckpoint(c.out, *verifier);
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString() << "\n" << c.out;
  EXPECT_EQ(cp->origin, "custodian/north-12");
  EXPECT_EQ(cp->size, 600u);
  EXPECT_EQ(ledger::ToHex(cp->root), Root());
}

TEST_F(CliTest, ExportVerifiesOfflineWithOnlyThePublicKeyAndFailsWhenAltered) {
  const std::string file = dir_.file("north-12.export");
  auto e = Cli("ledger export --data " + data_ + " --out " + file);
  ASSERT_EQ(e.exit_code, 0) << e.out;
  const std::string key = Cli("ledger key --data " + data_).last_line();
  // The auditor has the export and the key, nothing else.
  std::filesystem::rename(data_, dir_.file("gone"));
  auto ok = Cli("ledger verify --file " + file + " --key '" + key + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_FALSE(OkRoot(ok.last_line(), 600).empty()) << ok.out;

  // Alter one byte inside event 300's payload region.
  std::string bytes = *store::ReadFile(file);
  auto parsed = ledger::ParseExport(core::AsBytes(bytes));
  ASSERT_TRUE(parsed.has_value());
  size_t offset = static_cast<size_t>(parsed->records[300].data() -
                                      reinterpret_cast<const uint8_t*>(bytes.data()));
  bytes[offset + parsed->records[300].size() - 3] ^= 0x01;
  std::ofstream(dir_.file("altered.export"), std::ios::binary) << bytes;
  auto bad = Cli("ledger verify --file " + dir_.file("altered.export") + " --key '" + key + "'");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("first bad event index 300"), std::string::npos) << bad.out;

  auto other = ledger::NoteSigner::Generate("custodian/north-12");
  auto wrong =
      Cli("ledger verify --file " + file + " --key '" + other->Verifier().VerifierKey() + "'");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("does not verify"), std::string::npos) << wrong.out;

  std::ofstream(dir_.file("garbage.export")) << "hello";
  auto garbage =
      Cli("ledger verify --file " + dir_.file("garbage.export") + " --key '" + key + "'");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.out.find("not a Custodian ledger export"), std::string::npos) << garbage.out;
}

TEST_F(CliTest, VerifyNamesTheFirstBadEventAndExitsNonZero) {
  // Change one byte of event 77 as stored (the trigger guard is dropped first, as an attacker
  // would).
  auto r = testing::Run(
      "sqlite3 " + data_ +
      "/ledger.db \"DROP TRIGGER events_no_update; UPDATE events SET "
      "record = CAST(replace(CAST(record AS TEXT), 'badge', 'bAdge') AS BLOB) WHERE idx = 77\"");
  ASSERT_EQ(r.exit_code, 0) << "needs the sqlite3 command";
  auto v = Cli("ledger verify --data " + data_);
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.last_line().find("first bad event index 77"), std::string::npos) << v.out;
}

TEST_F(CliTest, VerifyWithALaterCheckpointDetectsRestoringAnOlderCopy) {
  std::filesystem::copy(data_, dir_.file("backup"), std::filesystem::copy_options::recursive);
  ASSERT_EQ(Cli("ledger populate --data " + data_ + " --events 50").exit_code, 0);
  auto c = Cli("ledger checkpoint --data " + data_);
  std::ofstream(dir_.file("later.checkpoint")) << c.out;
  std::filesystem::remove_all(data_);
  std::filesystem::rename(dir_.file("backup"), data_);
  EXPECT_EQ(Cli("ledger verify --data " + data_).exit_code, 0);
  auto v = Cli("ledger verify --data " + data_ + " --checkpoint " + dir_.file("later.checkpoint"));
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.last_line().find("first bad event index 600"), std::string::npos) << v.out;
}

TEST_F(CliTest, BadUsageGetsAClearMessageAndExitCodeTwo) {
  auto none = Cli("ledger verify --data " + dir_.file("nowhere"), true);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.out.find("no ledger in"), std::string::npos) << none.out;
  auto beyond = Cli("ledger proof --data " + data_ + " --index 5 --size 601", true);
  EXPECT_EQ(beyond.exit_code, 2);
  EXPECT_NE(beyond.out.find("larger than the ledger"), std::string::npos) << beyond.out;
  auto missing = Cli("ledger populate --data " + data_, true);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("--events"), std::string::npos) << missing.out;
  auto nokey = Cli("ledger verify --file x", true);
  EXPECT_EQ(nokey.exit_code, 2);
  auto badkey = Cli("ledger verify --file x --key nonsense", true);
  EXPECT_EQ(badkey.exit_code, 2);
  EXPECT_NE(badkey.out.find("neither a verifier key nor a readable file"), std::string::npos)
      << badkey.out;
}

}  // namespace
}  // namespace custodian
