// State: the projection of the domain events — the model as defined so far, who holds what since
// when and until when, what is quarantined, what needs service, whose credential is locked.
// State is a pure function of the events in ledger order: Apply() never fails and never looks at
// anything but the event and the time it was recorded, so rebuilding from the ledger gives an
// identical State (operator==). Whether an event may be recorded at all is decided before, by
// Check() here for definitions and by the policy and the app layer for custody.
//
// Thread-safety: a value; not synchronised.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/alerts.h"
#include "domain/events.h"
#include "domain/model.h"

namespace custodian::domain {

// Credential lock-out: this many consecutive failures within the window lock the badge.
inline constexpr int kLockAfterFailures = 5;
inline constexpr Micros kFailureWindow = 15LL * 60 * 1000 * 1000;
// The login failures that count towards the lock: a wrong PIN at a terminal, a wrong password or
// one-time code at the dashboard.
bool CountsTowardsLock(std::string_view login_failure_reason);
// The roles that may have a dashboard login (everyone but officers and the emergency role alone).
bool IsStaffRole(Role r);

struct Custody {
  std::string badge;
  Micros since = 0;
  Micros due = 0;
  bool overdue_reported = false;
  friend bool operator==(const Custody&, const Custody&) = default;
};

struct ItemState {
  Item item;
  std::optional<Custody> custody;
  std::optional<SignOutGranted> pending;  // compartment unlocked for it, not yet taken
  Micros pending_since = 0;
  std::optional<ReturnStarted> returning;  // compartment unlocked to put it back
  Micros returning_since = 0;
  bool quarantined = false;
  std::string quarantine_reason;
  Micros quarantined_since = 0;
  int signouts_since_service = 0;
  Micros service_clock_start = 0;  // last service, or when the item was first defined
  std::optional<int> charge_percent;
  std::optional<int>
      measured_weight_g;  // a consumable's weight after partial use; reset by service
  // What the scale should read for it: the last measured weight, or the reference weight.
  int ExpectedWeight() const { return measured_weight_g.value_or(item.weight_g); }
  friend bool operator==(const ItemState&, const ItemState&) = default;
};

struct PersonState {
  Person person;
  bool pin_set = false;
  bool revoked = false;
  std::string revoked_reason;
  bool locked = false;
  bool staff_login = false;             // a dashboard password and TOTP secret are set
  std::vector<Micros> recent_failures;  // consecutive failures, oldest first
  friend bool operator==(const PersonState&, const PersonState&) = default;
};

struct State {
  std::map<std::string, Site> sites;
  std::map<CompartmentKey, Compartment> compartments;
  std::map<std::string, ItemType> types;
  std::map<std::string, ItemState> items;
  std::map<std::string, PersonState> people;
  std::map<std::string, std::string> tags;       // RFID tag → serial
  std::map<std::string, int, std::less<>> held;  // badge → items in their custody (none: absent)
  // Banks in lockdown as (site, bank); bank "" = the whole site.
  std::set<std::pair<std::string, std::string>> lockdowns;
  // Alerts not yet acknowledged, by the ledger index of the event that raised them; and the most
  // recently acknowledged ones, oldest first (at most kRecentAcknowledged).
  std::map<uint64_t, Alert> open_alerts;
  std::vector<Alert> acknowledged_alerts;
  static constexpr size_t kRecentAcknowledged = 200;
  uint64_t events_applied = 0;

  // Applies one event recorded at `at`. Total: an event that refers to something unknown changes
  // nothing but the counter (the app never records one; a replay must still not fail). `index` is
  // the event's position in the ledger, which identifies the alert it raises; without one
  // (kNoIndex: a scratch copy) no alert is kept.
  static constexpr uint64_t kNoIndex = UINT64_MAX;
  void Apply(const DomainEvent& event, Micros at, uint64_t index = kNoIndex);

  // Whether a definition may be recorded on top of this state: references resolve (a compartment's
  // site, an item's type and home compartment), fields are in range, an RFID tag belongs to one
  // item only. InvalidArgument with a sentence naming the field otherwise.
  core::Status Check(const DomainEvent& event) const;

  const ItemState* FindItem(std::string_view serial) const;
  const PersonState* FindPerson(std::string_view badge) const;
  const ItemType* FindType(std::string_view code) const;
  const Site* FindSite(std::string_view code) const;
  const Compartment* FindCompartment(const CompartmentKey& key) const;
  // Items in this person's custody, in serial order (walks every item).
  std::vector<const ItemState*> HeldBy(std::string_view badge) const;
  // How many items this person holds: one look-up.
  int HeldCount(std::string_view badge) const;
  // Whether the compartment's bank or site is in lockdown.
  bool InLockdown(const CompartmentKey& c) const;
  // Whether this person has `role` at `site`.
  bool HasRole(const PersonState& p, Role role, std::string_view site) const;

  friend bool operator==(const State&, const State&) = default;
};

}  // namespace custodian::domain
