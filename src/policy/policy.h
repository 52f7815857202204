// Access policy and readiness (PRODUCT.md §3.3): may this person take this item from this
// compartment now? A pure function of the state, the site's time zone and the instant: no I/O, no
// clock, no randomness, so the same inputs always give the same decision and a test can walk every
// combination. A missing or unverifiable fact (unknown person, unknown zone, charge never reported)
// means deny. Every reason comes with a stable code and one sentence an officer understands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/state.h"
#include "domain/time_zone.h"

namespace custodian::policy {

struct Settings {
  int min_charge_percent = 50;  // chargeable types below this stay in the bay
  int max_items_out = 3;        // per person, across all sites
  bool withhold_when_service_due = true;
};

struct Decision {
  bool allow = false;
  std::vector<domain::Reason> reasons;       // why not (empty when allowed)
  std::vector<domain::Reason> requirements;  // what must still happen, e.g. a second person
};

// zone: the time zone of the compartment's site; nullptr when it could not be resolved (deny).
Decision Decide(const domain::State& state, std::string_view badge, std::string_view serial,
                const domain::CompartmentKey& compartment, const domain::TimeZone* zone,
                domain::Micros now, const Settings& settings = {});

struct Offer {
  std::string serial;
  Decision decision;
  // The item and its type (nullptr: not defined) in the state decided on: valid while that state
  // is, so a caller writing the list needs no second look-up per item.
  const domain::ItemState* item = nullptr;
  const domain::ItemType* type = nullptr;
};
struct Availability {
  std::vector<Offer> allowed;   // best first: by type, then readiness (charge, service age)
  std::vector<Offer> withheld;  // with their reasons, by serial
};
// What this person may take now from the compartments of `site` (zone: that site's time zone, or
// nullptr), and what is withheld and why. Items in someone's custody are not listed at all.
Availability ListAvailable(const domain::State& state, std::string_view badge,
                           std::string_view site, const domain::TimeZone* zone, domain::Micros now,
                           const Settings& settings = {});

}  // namespace custodian::policy
