// Time zones from the system's IANA database (/usr/share/zoneinfo, Debian package tzdata), read
// through Howard Hinnant's date library (Debian's libdate-tz, the model for C++20's <chrono> time
// zones, which GCC 12 lacks). See docs/adr/0002-custody-core.md.
//
// Thread-safety: FindZone may be called from any thread; zones are immutable and live until exit.
#pragma once

#include <string_view>

#include "core/result.h"
#include "domain/time_zone.h"

namespace custodian::store {

// The zone called `name` ("America/New_York", "UTC"); NotFound with the name when the database
// has no such zone, Unavailable when the database itself cannot be read.
core::Result<const domain::TimeZone*> FindZone(std::string_view name);

}  // namespace custodian::store
