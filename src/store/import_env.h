// What an import needs from this machine (app::ImportEnv): its time zone database and a random PIN
// source.
#pragma once

#include "app/csv_import.h"
#include "store/argon2_pins.h"
#include "store/tzdb_zones.h"

namespace custodian::store {

inline app::ImportEnv MachineImportEnv() {
  app::ImportEnv env;
  env.zone_exists = [](std::string_view name) { return FindZone(name).has_value(); };
  env.new_pin = [] { return RandomPin(6); };
  return env;
}

}  // namespace custodian::store
