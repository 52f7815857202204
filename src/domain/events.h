// Domain events: every change to the model or to custody, and every denied attempt, as a value.
// The app layer records each one in the ledger (kind = KindOf(event), payload = its JSON) before
// it takes effect, and State (domain/state.h) is nothing but these events applied in ledger order,
// so replaying the ledger rebuilds it exactly.
//
// Definitions (SiteDefined, PersonDefined, …) are upserts: they carry the whole new value.
// Nothing is ever deleted; a revocation or a quarantine is an event of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/model.h"

namespace custodian::domain {

// Why something was denied, as a stable code and a sentence for the person in front of the locker.
struct Reason {
  std::string code;      // "certification_expired", "outside_schedule", …
  std::string sentence;  // "Taser T-07 withheld: your CEW certification expired on 20 Nov 2026."
  friend bool operator==(const Reason&, const Reason&) = default;
};

struct SiteDefined {
  Site site;
  friend bool operator==(const SiteDefined&, const SiteDefined&) = default;
};
struct CompartmentDefined {
  Compartment compartment;
  friend bool operator==(const CompartmentDefined&, const CompartmentDefined&) = default;
};
struct ItemTypeDefined {
  ItemType type;
  friend bool operator==(const ItemTypeDefined&, const ItemTypeDefined&) = default;
};
struct ItemDefined {
  Item item;
  friend bool operator==(const ItemDefined&, const ItemDefined&) = default;
};
// A person's record; the PIN itself is never in the ledger (see app/credentials.h), only the fact
// that a new one was set.
struct PersonDefined {
  Person person;
  bool pin_set = false;
  friend bool operator==(const PersonDefined&, const PersonDefined&) = default;
};
struct CredentialRevoked {
  std::string badge;
  std::string reason;
  friend bool operator==(const CredentialRevoked&, const CredentialRevoked&) = default;
};
struct CredentialReinstated {
  std::string badge;
  friend bool operator==(const CredentialReinstated&, const CredentialReinstated&) = default;
};
struct LoginSucceeded {
  std::string badge;
  std::string site;
  friend bool operator==(const LoginSucceeded&, const LoginSucceeded&) = default;
};
struct LoginFailed {
  std::string badge;
  std::string site;
  std::string reason;  // "wrong_pin", "unknown_badge", "locked", "revoked"
  friend bool operator==(const LoginFailed&, const LoginFailed&) = default;
};
// Five consecutive failures within 15 minutes: the credential stays locked until released.
struct CredentialLocked {
  std::string badge;
  friend bool operator==(const CredentialLocked&, const CredentialLocked&) = default;
};
struct CredentialReleased {
  std::string badge;
  friend bool operator==(const CredentialReleased&, const CredentialReleased&) = default;
};
// A staff member (supervisor, armorer, evidence custodian, admin, auditor) was given a dashboard
// login: a password and a TOTP secret, kept in the credential vault, never in the ledger.
struct StaffLoginSet {
  std::string badge;
  friend bool operator==(const StaffLoginSet&, const StaffLoginSet&) = default;
};

// An attempt that was refused: a sign-out the policy (or an override) refused, or a return,
// handover, problem report, service or credential release the person may not make.
struct AccessDenied {
  std::string badge;
  std::string serial;  // empty when the attempt was not about an item
  std::vector<Reason> reasons;
  std::string action = "sign_out";  // "sign_out", "return", "handover", "report_problem", …
  friend bool operator==(const AccessDenied&, const AccessDenied&) = default;
};
// The decision to open the compartment: durable before the unlock command is sent.
struct SignOutGranted {
  std::string badge;
  std::string serial;
  CompartmentKey compartment;
  std::string approver;         // second person, when the type needs one
  std::string override_by;      // a supervisor's override of a denial …
  std::string override_reason;  // … with the reason they stated
  std::vector<Reason> overridden;
  friend bool operator==(const SignOutGranted&, const SignOutGranted&) = default;
};
// The controller reported the item gone and the door closed: custody begins.
struct ItemSignedOut {
  std::string badge;
  std::string serial;
  Micros due = 0;
  friend bool operator==(const ItemSignedOut&, const ItemSignedOut&) = default;
};
// The door was never opened (30 s) or the item never left: relocked, no custody.
struct SignOutAbandoned {
  std::string badge;
  std::string serial;
  std::string reason;
  friend bool operator==(const SignOutAbandoned&, const SignOutAbandoned&) = default;
};
// The compartment opened for a return: custody ends when the door closes on the item's tag.
struct ReturnStarted {
  std::string badge;
  std::string serial;
  CompartmentKey compartment;
  friend bool operator==(const ReturnStarted&, const ReturnStarted&) = default;
};
// The door of a return was never opened (30 s): relocked, custody unchanged.
struct ReturnAbandoned {
  std::string badge;
  std::string serial;
  std::string reason;
  friend bool operator==(const ReturnAbandoned&, const ReturnAbandoned&) = default;
};
struct ItemReturned {
  std::string badge;
  std::string serial;
  friend bool operator==(const ItemReturned&, const ItemReturned&) = default;
};
// A return whose tag was not the item's (or no tag): an alert; custody does not change.
struct ReturnRejected {
  std::string badge;
  std::string serial;
  std::string tag_read;  // empty: nothing was read
  std::string reason;
  friend bool operator==(const ReturnRejected&, const ReturnRejected&) = default;
};
struct ItemHandedOver {
  std::string serial;
  std::string from_badge;
  std::string to_badge;
  Micros due = 0;
  friend bool operator==(const ItemHandedOver&, const ItemHandedOver&) = default;
};
// A problem report quarantines the item: withheld from everyone until an armorer services it.
struct ProblemReported {
  std::string badge;
  std::string serial;
  std::string description;
  friend bool operator==(const ProblemReported&, const ProblemReported&) = default;
};
// An armorer opened a quarantined (or service-due) item's compartment to service it.
struct ServiceOpened {
  std::string badge;  // the armorer
  std::string serial;
  CompartmentKey compartment;
  friend bool operator==(const ServiceOpened&, const ServiceOpened&) = default;
};
struct ItemServiced {
  std::string badge;  // the armorer
  std::string serial;
  std::string notes;
  friend bool operator==(const ItemServiced&, const ItemServiced&) = default;
};
struct ItemOverdue {
  std::string serial;
  std::string badge;
  Micros due = 0;
  friend bool operator==(const ItemOverdue&, const ItemOverdue&) = default;
};
// The charge a bay reported for the item in it (percent, 0–100).
struct ChargeObserved {
  std::string serial;
  int percent = 0;
  friend bool operator==(const ChargeObserved&, const ChargeObserved&) = default;
};

// A consumable (OC spray) came back lighter than it went out: accepted, and its new weight kept.
struct PartialUse {
  std::string badge;
  std::string serial;
  int expected_g = 0;  // what it weighed when it went out
  int measured_g = 0;  // what it weighs now
  friend bool operator==(const PartialUse&, const PartialUse&) = default;
};

// Something the locker hardware reported that needs a person's attention, or the end of it:
// forced_door, tamper, door_held_open, bank_offline, bank_online, bad_answer, mains_lost,
// mains_restored, fire_alarm, fire_alarm_cleared, temperature_excursion, temperature_normal,
// weight_mismatch. Recorded as it happens; the state keeps no alarm (the ledger is the record).
struct HardwareAlarm {
  std::string site;
  std::string bank;
  std::string compartment;  // empty: the bank as a whole
  std::string code;
  std::string detail;                // one sentence
  std::vector<std::string> serials;  // the items concerned, e.g. every item in a warm fridge
  friend bool operator==(const HardwareAlarm&, const HardwareAlarm&) = default;
};

// An emergency mode of a bank (or of a whole site, bank empty), set by two people (or by the fire
// alarm input, by = "hardware:fire_alarm"): "lockdown" (nothing opens except for two emergency
// people together), "open_all" (every door released, one after another; a one-off action, not a
// lasting mode) or "normal" (lifts a lockdown).
struct EmergencyModeSet {
  std::string site;
  std::string bank;  // empty: every bank of the site
  std::string mode;
  std::string by;
  std::string second;
  std::string reason;
  friend bool operator==(const EmergencyModeSet&, const EmergencyModeSet&) = default;
};

// A named person acknowledged an alert (alerts.h): the ledger index of the event that raised it,
// the alert's site (so the acknowledgement is seen where the alert was), and what they did.
struct AlertAcknowledged {
  uint64_t alert = 0;
  std::string badge;
  std::string site;
  std::string note;
  friend bool operator==(const AlertAcknowledged&, const AlertAcknowledged&) = default;
};

// Someone asked for an emergency mode from the dashboard; it takes effect only when a second person
// approves (then EmergencyModeSet names both). `ask` is the number the approval refers to.
struct EmergencyModeAsked {
  std::string site;
  std::string bank;
  std::string mode;
  std::string badge;  // who asked
  std::string reason;
  uint64_t ask = 0;
  friend bool operator==(const EmergencyModeAsked&, const EmergencyModeAsked&) = default;
};

// An API token was issued to an integration (PRODUCT.md §3.11), or revoked. The token acts as the
// person `badge` — with exactly their roles and sites, so an integration is a person defined with
// the roles and sites it should have —; only its SHA-256 is kept, in the credential vault, and
// never in the ledger. `name` tells tokens apart ("siem", "cad-bridge").
struct ApiTokenIssued {
  std::string badge;
  std::string name;
  friend bool operator==(const ApiTokenIssued&, const ApiTokenIssued&) = default;
};
struct ApiTokenRevoked {
  std::string badge;
  std::string name;
  friend bool operator==(const ApiTokenRevoked&, const ApiTokenRevoked&) = default;
};

using DomainEvent =
    std::variant<SiteDefined, CompartmentDefined, ItemTypeDefined, ItemDefined, PersonDefined,
                 CredentialRevoked, CredentialReinstated, LoginSucceeded, LoginFailed,
                 CredentialLocked, CredentialReleased, AccessDenied, SignOutGranted, ItemSignedOut,
                 SignOutAbandoned, ReturnStarted, ReturnAbandoned, ItemReturned, ReturnRejected,
                 ItemHandedOver, ProblemReported, ServiceOpened, ItemServiced, ItemOverdue,
                 ChargeObserved, HardwareAlarm, EmergencyModeSet, PartialUse, StaffLoginSet,
                 AlertAcknowledged, ApiTokenIssued, ApiTokenRevoked, EmergencyModeAsked>;

// The ledger kind of an event: "site.defined", "access.denied", "item.signed_out", …
std::string_view KindOf(const DomainEvent& e);
// What the event is about, as ledger subjects: "site:HQ", "item:R-17", "person:1001", …
std::vector<std::string> SubjectsOf(const DomainEvent& e);

}  // namespace custodian::domain
