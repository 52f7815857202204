// core::SharedMutex: readers share it, a writer excludes everyone, and a waiting writer holds back
// new readers (what keeps the server's sign-outs from starving behind its reads).
#include "core/shared_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace custodian::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(SharedMutex, ReadersShareAndAWriterExcludesEveryone) {
  SharedMutex mu;
  {
    std::shared_lock a(mu);
    EXPECT_TRUE(mu.try_lock_shared());  // a second reader at once
    EXPECT_FALSE(mu.try_lock());        // no writer while readers hold it
    mu.unlock_shared();
  }
  {
    std::unique_lock w(mu);
    EXPECT_FALSE(mu.try_lock_shared());
    EXPECT_FALSE(mu.try_lock());
  }
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(SharedMutex, AWaitingWriterHoldsBackNewReaders) {
  SharedMutex mu;
  mu.lock_shared();  // a reader in the middle of an answer
  std::atomic<bool> wrote{false};
  std::thread writer([&] {
    std::unique_lock w(mu);
    wrote = true;
  });
  // Once the writer waits, a new reader is refused (a reader-preferring lock would let it in, and
  // with readers overlapping for ever the writer would never get its turn).
  bool refused = false;
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (!refused && steady_clock::now() < deadline) {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      std::this_thread::sleep_for(milliseconds(1));
    } else {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "a new reader still got in 10 s after a writer began to wait";
  EXPECT_FALSE(wrote.load());
  mu.unlock_shared();
  writer.join();
  EXPECT_TRUE(wrote.load());
}

TEST(SharedMutex, AWriterGetsItsTurnWhileReadersOverlapWithoutAGap) {
  SharedMutex mu;
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  // Two readers that each take the lock again as soon as they let it go, overlapping each other.
  auto reader = [&] {
    while (!stop) {
      std::shared_lock r(mu);
      ++reads;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  };
  std::thread r1(reader), r2(reader);
  while (reads < 10) std::this_thread::yield();
  int writes = 0;
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (writes < 20 && steady_clock::now() < deadline) {
    std::unique_lock w(mu);
    ++writes;
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(writes, 20) << "the writer got the lock only " << writes << " times in 10 s";
}

}  // namespace
}  // namespace custodian::core
