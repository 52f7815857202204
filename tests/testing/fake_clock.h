// A clock that stands still until the test moves it. Thread-safe.
#pragma once

#include <atomic>

#include "core/clock.h"

namespace custodian::testing {

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(int64_t now_us = 1'795'000'000'000'000) : now_(now_us) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t micros) { now_ = micros; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace custodian::testing
