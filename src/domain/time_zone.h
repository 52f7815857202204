// TimeZone: turns an instant into a site's local calendar date and clock time. Schedules and
// certification expiry dates are local to the site, so the policy asks the site's zone. The real
// zones come from the system's IANA database (store/tzdb_zones.h); tests may use a fake with hand
// made transitions. Implementations must be immutable after construction and thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "domain/model.h"

namespace custodian::domain {

struct LocalTime {
  Date date;                  // local calendar day
  int weekday = 0;            // 0 = Monday … 6 = Sunday
  int64_t second_of_day = 0;  // seconds since local midnight, 0 … 86399 (a DST day has 23 or 25 h
                              // of instants but every local clock reading is in this range)
};

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  virtual const std::string& name() const = 0;
  virtual LocalTime ToLocal(Micros utc) const = 0;
};

}  // namespace custodian::domain
