// CSV export in the import formats (docs/import.md), so that what one agency's data directory holds
// can be read back by `custodian import` or by the simulator (`custodian serve --simulate` builds
// its simulated banks from the lockers and items of the state).
//
// Thread-safety: pure functions of the state.
#pragma once

#include <string>

#include "domain/state.h"

namespace custodian::app {

// Every compartment: "site,bank,compartment,size,features", in key order.
std::string ExportLockersCsv(const domain::State& state);
// "serial,type,tag,site,bank,compartment,weight_g" for every item — or, with in_compartment_only,
// for the items that are physically in their home compartment now (not in anyone's custody), by
// serial. A consumable's measured weight is exported as its weight.
std::string ExportItemsCsv(const domain::State& state, bool in_compartment_only);

}  // namespace custodian::app
