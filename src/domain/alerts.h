// Alerts (PRODUCT.md §3.7): the ledger events that need a person's attention — an overdue item, an
// attempt outside schedule or without the right, a locked credential, a forced door, tamper, a door
// held open, a bank offline, the wrong item put back, partial use, a reported problem, an emergency
// mode. An alert is identified by the ledger index of the event that raised it, so anyone holding
// the ledger can check it; it stays open until a named person acknowledges it (AlertAcknowledged,
// itself a ledger event). The hardware conditions that end (a bank back online, mains restored,
// the fire alarm cleared, the temperature back in range) mark their open alerts cleared; they still
// need an acknowledgement.
//
// Pure: no I/O; State keeps the open ones (state.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/events.h"

namespace custodian::domain {

struct State;

struct Alert {
  uint64_t index = 0;  // the ledger index of the event that raised it
  Micros at = 0;
  std::string kind;  // the event's ledger kind: "item.overdue", "hardware.alarm", …
  std::string code;  // "overdue", "outside_schedule", "unauthorised_attempt", "forced_door", …
  std::string severity;  // "critical", "warning" or "info"
  std::string site;      // "" when about no one site (e.g. a person with every site)
  std::string bank;
  std::string compartment;
  std::string badge;      // the person concerned, if any
  std::string serial;     // the item concerned, if any
  std::string summary;    // one sentence
  Micros cleared_at = 0;  // the condition ended (hardware); 0: not (or not a condition)
  std::string acknowledged_by;
  Micros acknowledged_at = 0;
  std::string note;
  friend bool operator==(const Alert&, const Alert&) = default;
};

// The alert `event` raises, judged against the state just before it is applied; none for the
// events that are routine (a sign-out, a denial because the item is already out, …).
std::optional<Alert> AlertFor(const DomainEvent& event, const State& before, uint64_t index,
                              Micros at);

}  // namespace custodian::domain
