// The demo agency: a realistic, made-up agency to explore Custodian with (`custodian demo seed`).
// Three sites in three US time zones (a headquarters, a district station, an evidence and property
// facility), two locker banks each, 120 compartments, about 200 items of every category and 60
// people in every role, whose certifications are valid, expiring within 30 days or expired.
//
// The agency is given as the five CSV files of the import (docs/import.md), in import order, so
// that seeding goes through exactly the path a real agency's spreadsheets go through, plus the
// events that follow the import (charge readings from the charging bays, a reported problem that
// quarantines an item), and the demo credentials worth trying, with what each one shows.
//
// Every demo person's PIN is kDemoPin. That is for a demonstration only: a real import leaves the
// pin column empty so that each person gets a random PIN (docs/import.md, "Generated PINs").
//
// Invariants: MakeDemoAgency is pure and deterministic: the same `today` gives the same bytes and
// events (no clock, no randomness). Dates of certifications and licences are relative to `today`,
// so "expired 20 days ago" stays true whenever the demo is seeded. Every CSV plans cleanly with
// PlanImport, in order, on an empty State.
//
// Thread-safety: a pure function; values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/csv_import.h"
#include "domain/events.h"
#include "domain/model.h"

namespace custodian::app {

// The PIN of every demo person: demo only, never for a real agency.
inline constexpr std::string_view kDemoPin = "1234";
// The dashboard login of every demo staff member (supervisor, armorer, evidence custodian, admin,
// auditor): this password and this TOTP secret (add it to an authenticator app, or print the
// current code with `custodian staff code --secret …`). Demo only.
inline constexpr std::string_view kDemoStaffPassword = "custodian-demo";
inline constexpr std::string_view kDemoTotpSecret = "CUSTODIANDEMOCUSTODIANDEMO234567";

// A person worth logging in as, and what they show.
struct DemoCredential {
  std::string badge;
  std::string name;
  std::string role;          // "officer", "armorer", … as the people CSV writes them
  std::string site;          // "HQ", "HQ;D2" or "*"
  std::string demonstrates;  // "CEW certification expired 20 days ago: CEWs are withheld"
  std::string try_item;      // an item to `access explain` for them; may be empty
};

struct DemoAgency {
  std::string sites_csv, lockers_csv, types_csv, people_csv, items_csv;
  // Recorded after the import: a ChargeObserved for every chargeable item, ProblemReported for the
  // quarantined ones.
  std::vector<domain::DomainEvent> events;
  std::vector<DemoCredential> credentials;

  // The five CSV texts with their kinds, in the order they must be imported.
  std::vector<std::pair<ImportKind, const std::string*>> Csvs() const {
    return {{ImportKind::kSites, &sites_csv},
            {ImportKind::kLockers, &lockers_csv},
            {ImportKind::kTypes, &types_csv},
            {ImportKind::kPeople, &people_csv},
            {ImportKind::kItems, &items_csv}};
  }
};

DemoAgency MakeDemoAgency(domain::Date today);

}  // namespace custodian::app
