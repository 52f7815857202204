// CustodyDesk: the custody operations of PRODUCT.md §3.2–§3.5 — authenticate, sign out, return,
// hand over, override, report a problem, service, release a locked credential — and the two
// things driven by the outside world: what the locker hardware observes (OnReading) and the
// passing of time (Tick: doors never opened, overdue items).
//
// Every operation records its outcome in the ledger through the Agency before it acts, so the
// ledger says what happened even if the process dies right after:
//   - a granted sign-out is recorded (signout.granted) before the Unlock command is sent; custody
//     (item.signed_out, with its due time) begins only when the compartment reports the door
//     closed again without the item's tag;
//   - a return opens the item's home compartment (return.started); custody ends (item.returned)
//     only when the door closes on the item's own tag — anything else is return.rejected, an alert,
//     and custody stays;
//   - a door not opened within Settings::door_timeout is relocked (signout.abandoned /
//     return.abandoned);
//   - every refused attempt is an access.denied event with its reasons (login failures are
//     login.failed; the fifth within 15 minutes also records credential.locked).
// Outcomes that the rules forbid are values (Outcome::granted = false, with reasons); a Status
// error means the environment failed (ledger, vault, controller) or the input was malformed.
//
// Sessions: Authenticate returns a Session, the only proof of a checked badge and PIN that the
// other operations accept. A Session does not expire here (the API layer adds idle and absolute
// timeouts); every operation re-checks that the credential is neither revoked nor locked.
//
// Thread-safety: all methods may be called from any thread. Each decides and queues its events
// under one mutex, on the agency's latest state (Agency::ReadLatest: every event queued before
// it, durable or not), so decisions are made one at a time in ledger order. The operations a
// person starts (authenticate, sign out, return, hand over, refusals …) then release the mutex
// while their events become durable, so that concurrent ones share a commit (group commit, e.g.
// twenty officers at a shift change), and only then open a door or answer. The hardware's
// readings, Tick and emergency modes wait for durability under the mutex (they are rare and
// ordered). Authenticate's PIN check (Argon2id, ~0.1 s) runs before the mutex is taken.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/agency.h"
#include "app/decoy_hash.h"
#include "app/locker_controller.h"
#include "core/clock.h"
#include "core/result.h"
#include "domain/time_zone.h"
#include "policy/policy.h"

namespace custodian::app {

class Session {
 public:
  const std::string& badge() const { return badge_; }
  const std::string& site() const { return site_; }
  domain::Micros since() const { return since_; }

 private:
  friend class CustodyDesk;
  friend class StaffLogins;
  friend class ApiTokens;
  Session(std::string badge, std::string site, domain::Micros since)
      : badge_(std::move(badge)), site_(std::move(site)), since_(since) {}
  std::string badge_;
  std::string site_;
  domain::Micros since_ = 0;
};

struct Login {
  std::optional<Session> session;  // set on success
  std::string reason;   // on failure: "wrong_pin", "unknown_badge", "locked", "revoked", "no_pin",
                        // "no_access_at_site"
  std::string message;  // one sentence for the person at the terminal
  bool locked_now = false;  // this failure locked the credential
};

struct Outcome {
  bool granted = false;
  std::vector<domain::Reason> reasons;       // why not
  std::vector<domain::Reason> requirements;  // what is still missing (a second person)
  domain::CompartmentKey compartment;        // the compartment opened, when one was
};

// What a sign-out may bring besides the officer's own session.
struct SignOutOptions {
  const Session* approver = nullptr;     // the second person, for two-person types
  const Session* override_by = nullptr;  // a supervisor overriding a denial …
  std::string override_reason;           // … with the reason they state
};

class CustodyDesk {
 public:
  struct Settings {
    policy::Settings policy;
    domain::Micros door_timeout = 30'000'000;    // unlocked door not opened: relock
    domain::Micros door_held_open = 60'000'000;  // a door open this long: door_held_open alarm
    // A scale agrees with the items' reference weights within max(grams, percent of them).
    int weight_tolerance_g = 25;
    int weight_tolerance_percent = 5;
    int charge_step = 5;         // charge changes smaller than this are not recorded
    int fridge_min_deci_c = 20;  // refrigerated compartments: 2.0–8.0 °C
    int fridge_max_deci_c = 80;
    domain::Micros bad_answer_every = 60'000'000;  // at most one bad_answer alarm per bank
    // What the fire alarm input of a bank does besides being recorded: "none", "open_all" (free
    // the doors, e.g. for a key cabinet on an evacuation route) or "lockdown" (an armory).
    std::string fire_alarm_action = "none";
  };
  // The time zone of a site's IANA name, or nullptr (the policy then denies).
  using ZoneLookup = std::function<const domain::TimeZone*(std::string_view)>;

  CustodyDesk(Agency& agency, LockerController& controller, CredentialVault& vault,
              const PinHasher& hasher, const core::Clock& clock, ZoneLookup zones,
              Settings settings);
  CustodyDesk(Agency& agency, LockerController& controller, CredentialVault& vault,
              const PinHasher& hasher, const core::Clock& clock, ZoneLookup zones)
      : CustodyDesk(agency, controller, vault, hasher, clock, std::move(zones), Settings{}) {}

  // Badge and PIN at a terminal of `site`. InvalidArgument for an unknown site.
  core::Result<Login> Authenticate(const std::string& badge, const std::string& pin,
                                   const std::string& site);
  // An admin at the person's site (or all sites) releases a locked credential.
  core::Result<Outcome> ReleaseCredential(const Session& admin, const std::string& badge);

  // Sign-out of `serial` from its home compartment at the session's site.
  core::Result<Outcome> SignOut(const Session& officer, const std::string& serial,
                                const SignOutOptions& options = {});
  // Opens the home compartment of an item the officer holds; `problem` (optional) reports a fault
  // at the same time, quarantining the item.
  core::Result<Outcome> Return(const Session& officer, const std::string& serial,
                               const std::string& problem = "");
  // Custody passes from `from` (who holds the item) to `to`, both authenticated at one site; `to`
  // must be allowed to hold it (role, certifications, licence, schedule, limit).
  core::Result<Outcome> Handover(const Session& from, const Session& to, const std::string& serial);
  // By the holder, by the officer whose sign-out of it is in progress, or by an armorer or a
  // supervisor at its site: the item is quarantined until an armorer services it.
  core::Result<Outcome> ReportProblem(const Session& by, const std::string& serial,
                                      const std::string& description);
  // Armorers at the item's site: open its compartment to service it, and record the service
  // (which lifts the quarantine and restarts the service counters).
  core::Result<Outcome> OpenForService(const Session& armorer, const std::string& serial);
  core::Result<Outcome> RecordService(const Session& armorer, const std::string& serial,
                                      const std::string& notes);

  // What a compartment's sensors reported. A door seen open and then closed completes the
  // sign-out or the return waiting at that compartment.
  core::Status OnReading(const CompartmentReading& reading);
  // Two people (each a supervisor, admin or emergency at the site, signed in at one of its
  // terminals) set an emergency mode of a bank, or of the whole site when bank is empty:
  // "lockdown", "normal" (lifts it) or "open_all" (releases every door, one after another; refused
  // during a lockdown). During a lockdown a sign-out needs the officer and the approver to both
  // have the emergency role.
  core::Result<Outcome> SetEmergencyMode(const Session& first, const Session& second,
                                         const std::string& bank, const std::string& mode,
                                         const std::string& reason);
  // The same from the dashboard: two staff sessions (each logged in with a password and a
  // one-time code, so not at any one site) for `site`. The roles are checked at that site.
  core::Result<Outcome> SetEmergencyModeAt(const std::string& site, const Session& first,
                                           const Session& second, const std::string& bank,
                                           const std::string& mode, const std::string& reason);

  // What a bank reported besides doors and tags: recorded as hardware.alarm events (a stream of
  // bad answers at most once a minute per bank).
  core::Status OnBankEvent(const BankEvent& event);
  // Relocks doors not opened in time, reports overdue items and doors held open, as of the
  // clock's now.
  core::Status Tick();

  // What the desk knows of the hardware now, beyond the ledger (for the dashboard's grid): doors
  // seen open, banks reported offline ("site/bank"), refrigerated compartments too warm.
  struct HardwareView {
    std::set<domain::CompartmentKey> doors_open;
    std::set<std::string> offline_banks;
    std::set<domain::CompartmentKey> too_warm;
  };
  HardwareView Hardware();

 private:
  // Records the refusal; returns with `l` unlocked (see RecordUnlocking).
  core::Result<Outcome> Deny(std::unique_lock<std::mutex>& l, const std::string& badge,
                             const std::string& serial, std::string_view action,
                             std::vector<domain::Reason> reasons);
  // Reasons the person behind the session may not act now (revoked, locked), or none.
  std::vector<domain::Reason> SessionProblems(const domain::State& s, const Session& session,
                                              std::string_view subject) const;
  // The checks every operation on an item starts with: the credential still good, the item known
  // (nullptr otherwise). `refused` starts each sentence ("CEW T-7 return refused").
  const domain::ItemState* Prelude(const domain::State& s, const Session& who,
                                   const std::string& serial, const std::string& refused,
                                   std::vector<domain::Reason>& why) const;
  const domain::TimeZone* ZoneOf(const domain::State& s, std::string_view site) const;
  // Records the events and waits until they are durable, holding whatever lock the caller holds.
  core::Status Record(const std::string& actor, std::vector<domain::DomainEvent> events);
  // Queues the events while `l` (on mu_) is held, so they follow everything decided before them,
  // then releases it while they become durable: operations that decide meanwhile share the
  // fsync. Returns with `l` unlocked.
  core::Status RecordUnlocking(std::unique_lock<std::mutex>& l, const std::string& actor,
                               std::vector<domain::DomainEvent> events);
  // Charge and temperature from a reading, as (actor, event) pairs.
  void SensorEvents(const domain::State& s, const CompartmentReading& r,
                    std::vector<std::pair<std::string, domain::DomainEvent>>& events);
  int64_t WeightTolerance(int64_t expected) const;
  // Records the mode and, for open_all, releases the doors. Under mu_.
  core::Result<Outcome> ApplyEmergencyMode(domain::EmergencyModeSet mode, const std::string& actor);

  Agency& agency_;
  LockerController& controller_;
  CredentialVault& vault_;
  const PinHasher& hasher_;
  const core::Clock& clock_;
  ZoneLookup zones_;
  Settings settings_;
  std::mutex mu_;
  // Unlocked compartments whose door has been seen open since.
  std::set<domain::CompartmentKey> opened_;
  // Checked against for unknown badges; made once, on the first unknown badge.
  DecoyHash decoy_{hasher_};
  // Doors seen open, since when; and those already reported as held open.
  std::map<domain::CompartmentKey, domain::Micros> open_since_;
  std::set<domain::CompartmentKey> held_open_reported_;
  // The tags of each compartment at its last closed-door reading.
  std::map<domain::CompartmentKey, std::vector<std::string>> closed_tags_;
  // Refrigerated compartments in an excursion.
  std::set<domain::CompartmentKey> too_warm_;
  // "site/bank" → when a bad answer was last recorded; banks reported offline.
  std::map<std::string, domain::Micros> last_bad_answer_;
  std::set<std::string> offline_banks_;
};

}  // namespace custodian::app
