// FixedRulesZoneForTest: a TimeZone with hand-written UTC offsets, for policy tests only. It holds
// a standard offset and a list of transitions (from this UTC instant on, this offset applies), so a
// test states exactly which local clock reading every instant has, independent of the system's
// time zone database. NewYork2026ForTest() has the America/New_York rules for 2026: UTC-5, UTC-4
// from 8 Mar 2026 07:00 UTC (02:00 EST becomes 03:00 EDT), UTC-5 again from 1 Nov 2026 06:00 UTC
// (02:00 EDT becomes 01:00 EST). Outside 2026 it stays at UTC-5.
//
// Thread-safety: immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "domain/time_zone.h"

namespace custodian::policy {

class FixedRulesZoneForTest final : public domain::TimeZone {
 public:
  struct Transition {
    domain::Micros from_utc = 0;  // this offset applies from this instant on
    int64_t offset_seconds = 0;   // local = UTC + offset
  };

  // transitions: in increasing from_utc order.
  FixedRulesZoneForTest(std::string name, int64_t standard_offset_seconds,
                        std::vector<Transition> transitions)
      : name_(std::move(name)),
        standard_offset_seconds_(standard_offset_seconds),
        transitions_(std::move(transitions)) {}

  const std::string& name() const override { return name_; }

  domain::LocalTime ToLocal(domain::Micros utc) const override {
    using std::chrono::days;
    using std::chrono::microseconds;
    using std::chrono::sys_time;
    const domain::Micros local_micros = utc + OffsetAt(utc) * 1'000'000;
    const sys_time<microseconds> local{microseconds(local_micros)};
    const domain::Date date = std::chrono::floor<days>(local);
    domain::LocalTime out;
    out.date = date;
    out.weekday = static_cast<int>(std::chrono::weekday(date).iso_encoding()) - 1;
    out.second_of_day = std::chrono::floor<std::chrono::seconds>(local - date).count();
    return out;
  }

  int64_t OffsetAt(domain::Micros utc) const {
    int64_t offset = standard_offset_seconds_;
    for (const Transition& t : transitions_) {
      if (utc < t.from_utc) break;
      offset = t.offset_seconds;
    }
    return offset;
  }

 private:
  std::string name_;
  int64_t standard_offset_seconds_;
  std::vector<Transition> transitions_;
};

// UTC microseconds of a civil UTC date and time.
inline domain::Micros UtcMicrosForTest(std::chrono::year_month_day day, int hour, int minute = 0,
                                       int second = 0) {
  const int64_t s = std::chrono::sys_days(day).time_since_epoch().count() * 86400LL +
                    hour * 3600LL + minute * 60LL + second;
  return s * 1'000'000;
}

inline const FixedRulesZoneForTest& NewYork2026ForTest() {
  using namespace std::chrono_literals;
  static const FixedRulesZoneForTest* const zone =
      new FixedRulesZoneForTest("America/New_York (2026 rules, test)", -5 * 3600,
                                {{UtcMicrosForTest(2026y / 3 / 8, 7), -4 * 3600},
                                 {UtcMicrosForTest(2026y / 11 / 1, 6), -5 * 3600}});
  return *zone;
}

}  // namespace custodian::policy
