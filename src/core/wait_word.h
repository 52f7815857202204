// WaitWord: a 32-bit counter that threads can sleep on until it changes, and that wakes every
// sleeper with one system call (a Linux futex). Unlike std::atomic::wait in libstdc++ it never
// spins with sched_yield first, which with many threads on two cores starves the thread that
// would make progress. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace custodian::core {

class WaitWord {
 public:
  uint32_t Load() const { return word_.load(std::memory_order_acquire); }
  // Sleeps while the word still equals `seen` (returns at once if it does not; may return
  // spuriously: callers re-check their condition).
  void WaitWhileEquals(uint32_t seen);
  // Changes the word and wakes every thread sleeping on it.
  void BumpAndWakeAll();

 private:
  std::atomic<uint32_t> word_{0};
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
};

}  // namespace custodian::core
