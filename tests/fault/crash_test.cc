// Crash safety of group commit: a child process appends with 8 concurrent writers and is killed
// with SIGKILL at a random moment, many times over the same data directory. After every kill,
// every append the child had acknowledged is present with the same hash, the ledger reopens (its
// stored tail matches its signed checkpoint) and verify passes.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "testing/ledger_fixture.h"

#ifndef CRASH_CHILD
#error "CRASH_CHILD must name the crash_child executable"
#endif

namespace custodian {
namespace {

struct ChildRun {
  std::map<uint64_t, std::string> acknowledged;  // index -> leaf hash hex
  bool killed = false;
};

// Starts the child, waits for its first acknowledgement (so the kill lands while appends are in
// flight, not during start-up), lets it run for `run_for` more, kills it, and returns what it
// acknowledged.
ChildRun RunAndKill(const std::string& db, uint64_t seed, std::chrono::microseconds run_for) {
  ChildRun out;
  int fds[2];
  if (::pipe(fds) != 0) return out;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string seed_text = std::to_string(seed);
    ::execl(CRASH_CHILD, CRASH_CHILD, db.c_str(), seed_text.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string data;
  char buf[65536];
  ssize_t n;
  pollfd pfd{fds[0], POLLIN, 0};
  while (data.find('\n') == std::string::npos && ::poll(&pfd, 1, 60'000) > 0 &&
         (n = ::read(fds[0], buf, sizeof buf)) > 0) {
    data.append(buf, static_cast<size_t>(n));
  }
  std::this_thread::sleep_for(run_for);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  // Everything written before the kill is still in the pipe.
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  std::istringstream lines(data);
  uint64_t index;
  std::string hash;
  while (lines >> index >> hash) out.acknowledged[index] = hash;
  return out;
}

TEST(Crash, EveryAcknowledgedAppendSurvivesSigkillAndTheLedgerVerifies) {
  testing::LedgerFixture f;
  ASSERT_TRUE(f.Open().ok());  // creates the ledger and its meta with the fixture's key
  f.Close();
  std::mt19937_64 rng(::testing::UnitTest::GetInstance()->random_seed() + 20261122);
  std::map<uint64_t, std::string> all_acknowledged;
  constexpr int kRuns = 30;
  int killed_with_acks = 0;
  for (int run = 0; run < kRuns; ++run) {
    auto wait = std::chrono::microseconds(rng() % 150'000);
    ChildRun r = RunAndKill(f.db_path(), static_cast<uint64_t>(run), wait);
    ASSERT_TRUE(r.killed) << "run " << run << ": the child exited before it was killed";
    if (!r.acknowledged.empty()) ++killed_with_acks;
    all_acknowledged.insert(r.acknowledged.begin(), r.acknowledged.end());

    // The ledger reopens: its stored tail matches its latest signed checkpoint.
    ASSERT_TRUE(f.Open().ok()) << "run " << run;
    const uint64_t size = f.ledger().size();
    for (const auto& [index, hash] : all_acknowledged) {
      ASSERT_LT(index, size) << "run " << run << ": acknowledged event " << index << " is lost";
      auto leaf = f.ledger().LeafHashAt(index);
      ASSERT_TRUE(leaf.has_value());
      ASSERT_EQ(ledger::ToHex(*leaf), hash) << "run " << run << ": event " << index << " changed";
    }
    f.Close();
    auto v = f.Verify();
    ASSERT_TRUE(v.status.ok()) << "run " << run << ": " << v.status.ToString();
  }
  // The kills must have landed while appends were in flight, or the test proves nothing.
  EXPECT_EQ(killed_with_acks, kRuns);
  EXPECT_GT(all_acknowledged.size(), 100u);
  std::printf("crash test: %d kills, %zu acknowledged events, all present\n", kRuns,
              all_acknowledged.size());
}

}  // namespace
}  // namespace custodian
