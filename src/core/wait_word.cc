#include "core/wait_word.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace custodian::core {

void WaitWord::WaitWhileEquals(uint32_t seen) {
  // The kernel compares the word with `seen` atomically before sleeping, so a bump between the
  // caller's check and this call is never missed.
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAIT_PRIVATE, seen, nullptr,
            nullptr, 0);
}

void WaitWord::BumpAndWakeAll() {
  word_.fetch_add(1, std::memory_order_release);
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
            nullptr, 0);
}

}  // namespace custodian::core
