// Clock: the one source of "now" for the whole program, injected so tests run on simulated time.
// Times are UTC microseconds since the Unix epoch. Implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace custodian::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;
};

// The system's real-time clock (CLOCK_REALTIME).
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
};

// "2026-11-22T18:36:52.123456Z" — RFC 3339, UTC, always six fractional digits.
std::string FormatUtcMicros(int64_t micros);

}  // namespace custodian::core
