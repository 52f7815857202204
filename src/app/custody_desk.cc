#include "app/custody_desk.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace custodian::app {
namespace {

using domain::DomainEvent;
using domain::ItemState;
using domain::Micros;
using domain::PersonState;
using domain::Reason;
using domain::Role;
using domain::State;

constexpr Micros kHour = 3'600'000'000LL;
constexpr size_t kMaxTypedBadge = 64;

// Denial codes a supervisor may override: the person's qualifications and the item's readiness.
// Never facts that cannot be established, a credential problem, a quarantine or an item already
// out — those stay shut whoever asks.
constexpr std::string_view kOverridable[] = {
    "certification_missing", "certification_expired", "licence_missing", "licence_expired",
    "outside_schedule",      "service_due",           "charge_low",      "charge_unknown",
    "limit_reached",         "no_access_at_site"};

bool Overridable(const Reason& r) {
  return std::find(std::begin(kOverridable), std::end(kOverridable), r.code) !=
         std::end(kOverridable);
}

// Reasons that do not concern a handover: the item is out by design, and its charge and service
// state were the sign-out's business.
bool IrrelevantForHandover(const Reason& r) {
  return r.code == "already_out" || r.code == "charge_low" || r.code == "charge_unknown" ||
         r.code == "service_due";
}

// "CEW T-07" (or "Item T-07" when it or its type is unknown).
std::string ItemName(const State& s, const std::string& serial) {
  const ItemState* i = s.FindItem(serial);
  const domain::ItemType* t = i != nullptr ? s.FindType(i->item.type) : nullptr;
  return (t != nullptr ? t->code : std::string("Item")) + " " + serial;
}

std::string PersonActor(const std::string& badge) { return "person:" + badge; }
std::string HardwareActor(const std::string& site, const std::string& bank) {
  return "hardware:" + site + "/" + bank;
}

// When a loan that starts now ends: the item type's loan period (12 h if the type is unknown).
Micros DueFrom(const State& s, const ItemState& item, Micros now) {
  const domain::ItemType* t = s.FindType(item.item.type);
  return now + (t != nullptr ? t->loan_hours : 12) * kHour;
}

// A badge as typed, made safe to record: at most 64 characters, printable ASCII.
std::string TypedBadge(const std::string& typed) {
  std::string b = typed.substr(0, kMaxTypedBadge);
  for (char& c : b) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return b;
}

// Whether another item's sign-out or return has this compartment open: one transaction at a time
// per compartment, so the door's close can be attributed. (Walks the items: State has no index by
// compartment, and this runs once per sign-out or return, not per decision.)
bool CompartmentBusy(const State& s, const domain::CompartmentKey& c, const std::string& serial) {
  for (const auto& [other_serial, other] : s.items) {
    if (other_serial != serial && other.item.home == c && (other.pending || other.returning)) {
      return true;
    }
  }
  return false;
}

bool Contains(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

CustodyDesk::CustodyDesk(Agency& agency, LockerController& controller, CredentialVault& vault,
                         const PinHasher& hasher, const core::Clock& clock, ZoneLookup zones,
                         Settings settings)
    : agency_(agency),
      controller_(controller),
      vault_(vault),
      hasher_(hasher),
      clock_(clock),
      zones_(std::move(zones)),
      settings_(settings) {}

core::Status CustodyDesk::Record(const std::string& actor, std::vector<DomainEvent> events) {
  return agency_.Record(actor, events);
}

core::Status CustodyDesk::RecordUnlocking(std::unique_lock<std::mutex>& l, const std::string& actor,
                                          std::vector<DomainEvent> events) {
  auto queued = agency_.Submit(actor, events);
  l.unlock();
  if (!queued) return queued.error();
  return agency_.Await(*queued);
}

const domain::TimeZone* CustodyDesk::ZoneOf(const State& s, std::string_view site) const {
  const domain::Site* st = s.FindSite(site);
  return st != nullptr && zones_ ? zones_(st->timezone) : nullptr;
}

std::vector<Reason> CustodyDesk::SessionProblems(const State& s, const Session& session,
                                                 std::string_view subject) const {
  std::vector<Reason> out;
  const PersonState* p = s.FindPerson(session.badge());
  const std::string head = std::string(subject) + ": ";
  if (p == nullptr) {
    out.push_back({"unknown_person", head + "badge " + session.badge() + " is not known."});
  } else {
    if (p->revoked) out.push_back({"credential_revoked", head + "your credential is revoked."});
    if (p->locked) out.push_back({"credential_locked", head + "your credential is locked."});
  }
  return out;
}

const ItemState* CustodyDesk::Prelude(const State& s, const Session& who, const std::string& serial,
                                      const std::string& refused, std::vector<Reason>& why) const {
  why = SessionProblems(s, who, refused);
  const ItemState* item = s.FindItem(serial);
  if (item == nullptr) why.push_back({"unknown_item", refused + ": no item has this serial."});
  return item;
}

core::Result<Outcome> CustodyDesk::Deny(std::unique_lock<std::mutex>& l, const std::string& badge,
                                        const std::string& serial, std::string_view action,
                                        std::vector<Reason> reasons) {
  CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(
      l, PersonActor(badge), {domain::AccessDenied{badge, serial, reasons, std::string(action)}}));
  Outcome o;
  o.reasons = std::move(reasons);
  return o;
}

core::Result<Login> CustodyDesk::Authenticate(const std::string& typed_badge,
                                              const std::string& pin, const std::string& site) {
  const std::string badge = TypedBadge(typed_badge);
  bool site_known = false, known = false;
  agency_.ReadLatest([&](const State& s) {
    site_known = s.FindSite(site) != nullptr;
    known = badge == typed_badge && s.FindPerson(badge) != nullptr;
  });
  if (!site_known) return core::InvalidArgumentError("unknown site \"" + site + "\"");

  // The PIN check (Argon2id, ~0.1 s) runs before the desk's lock is taken, so a login never holds
  // up sign-outs or the hardware's readings. An unknown badge costs a check against a dummy hash,
  // so the time taken does not tell which badges exist.
  std::optional<std::string> hash;
  if (known) {
    CUSTODIAN_ASSIGN_OR_RETURN(hash, vault_.PinHash(badge));
  } else {
    CUSTODIAN_ASSIGN_OR_RETURN(hash, decoy_.Get());
  }
  const bool pin_ok = hash && hasher_.Matches(*hash, pin) && known;

  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  bool revoked = false, locked = false, at_site = false;
  int recent_failures = 0;
  agency_.ReadLatest([&](const State& s) {
    const PersonState* p = known ? s.FindPerson(badge) : nullptr;
    if (p == nullptr) return;
    revoked = p->revoked;
    locked = p->locked;
    at_site = p->person.all_sites || p->person.sites.count(site) > 0;
    recent_failures =
        static_cast<int>(std::count_if(p->recent_failures.begin(), p->recent_failures.end(),
                                       [&](Micros t) { return t > now - domain::kFailureWindow; }));
  });

  const std::string actor = "terminal:" + site;
  auto fail = [&](std::string reason, std::string message, bool lock) -> core::Result<Login> {
    std::vector<DomainEvent> events{domain::LoginFailed{badge, site, reason}};
    if (lock) events.push_back(domain::CredentialLocked{badge});
    CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(l, actor, std::move(events)));
    Login out;
    out.reason = std::move(reason);
    out.message = std::move(message);
    out.locked_now = lock;
    return out;
  };
  const std::string wrong = "The badge or the PIN is not right.";
  if (!known) return fail("unknown_badge", wrong, false);
  if (revoked) return fail("revoked", "This credential is revoked. See a supervisor.", false);
  if (locked) {
    return fail("locked",
                "This credential is locked after repeated wrong PINs. An administrator "
                "must release it.",
                false);
  }
  if (!hash) return fail("no_pin", "No PIN is set for this badge. See an administrator.", false);
  if (!pin_ok) {
    // Counted under the lock, on the state as it is now, so concurrent failures lock exactly once
    // the fifth is recorded.
    const bool lock_now = recent_failures + 1 >= domain::kLockAfterFailures;
    if (lock_now) {
      return fail("wrong_pin",
                  "Too many wrong PINs: this credential is now locked until an administrator "
                  "releases it.",
                  true);
    }
    return fail("wrong_pin", wrong, false);
  }
  if (!at_site) {
    return fail("no_access_at_site", "You have no access at this site.", false);
  }
  CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(l, actor, {domain::LoginSucceeded{badge, site}}));
  Login out;
  out.session = Session(badge, site, now);
  return out;
}

core::Result<Outcome> CustodyDesk::ReleaseCredential(const Session& admin,
                                                     const std::string& badge) {
  std::unique_lock l(mu_);
  std::vector<Reason> why;
  bool is_locked = false;
  agency_.ReadLatest([&](const State& s) {
    why = SessionProblems(s, admin, "Release of " + badge);
    const PersonState* a = s.FindPerson(admin.badge());
    const PersonState* p = s.FindPerson(badge);
    if (p == nullptr) {
      why.push_back({"unknown_person", "Release of " + badge + ": no one has this badge."});
      return;
    }
    is_locked = p->locked;
    // The admin must be an admin wherever the person has access: everywhere for an all-sites
    // person, else at one of their sites.
    bool scoped = false;
    if (a != nullptr && a->person.roles.count(Role::kAdmin) > 0) {
      if (p->person.all_sites) {
        scoped = a->person.all_sites;
      } else {
        for (const std::string& site : p->person.sites) {
          scoped = scoped || s.HasRole(*a, Role::kAdmin, site);
        }
      }
    }
    if (!scoped) {
      why.push_back({"role_not_permitted", "Release of " + badge +
                                               ": only an administrator at their site may "
                                               "release a credential."});
    }
  });
  if (!why.empty()) return Deny(l, admin.badge(), "", "release_credential", std::move(why));
  Outcome o;
  o.granted = true;
  if (!is_locked) return o;  // nothing to release: no event
  CUSTODIAN_RETURN_IF_ERROR(
      RecordUnlocking(l, PersonActor(admin.badge()), {domain::CredentialReleased{badge}}));
  return o;
}

core::Result<Outcome> CustodyDesk::SignOut(const Session& officer, const std::string& serial,
                                           const SignOutOptions& options) {
  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  policy::Decision d;
  domain::CompartmentKey compartment;
  std::vector<Reason> extra;  // reasons beyond the policy's: the compartment, the second person
  std::vector<Reason> emergency_opening;  // the lockdown two emergency people open together
  bool override_valid = false;
  agency_.ReadLatest([&](const State& s) {
    const ItemState* item = s.FindItem(serial);
    compartment =
        item != nullptr ? item->item.home : domain::CompartmentKey{officer.site(), "", ""};
    const std::string name = ItemName(s, serial);
    if (item != nullptr && item->item.home.site != officer.site()) {
      extra.push_back({"other_site", name + " withheld: it is kept at site " +
                                         item->item.home.site + ", not at this terminal's site " +
                                         officer.site() + "."});
    }
    d = policy::Decide(s, officer.badge(), serial, compartment, ZoneOf(s, compartment.site), now,
                       settings_.policy);
    if (item != nullptr && !item->custody && !item->pending &&
        CompartmentBusy(s, compartment, serial)) {
      extra.push_back({"compartment_busy", name + " withheld: its compartment is open for "
                                                  "another transaction; try again in a moment."});
    }
    auto qualified = [&](const Session* who, Role a, Role b) {
      if (who == nullptr || who->badge() == officer.badge() || who->site() != officer.site()) {
        return false;
      }
      const PersonState* p = s.FindPerson(who->badge());
      return p != nullptr && !p->revoked && !p->locked &&
             (s.HasRole(*p, a, compartment.site) || s.HasRole(*p, b, compartment.site));
    };
    // A lockdown opens only for two emergency people together (the approver being the second).
    if (s.InLockdown(compartment)) {
      const PersonState* me = s.FindPerson(officer.badge());
      if (me != nullptr && s.HasRole(*me, Role::kEmergency, compartment.site) &&
          qualified(options.approver, Role::kEmergency, Role::kEmergency)) {
        for (auto it = d.reasons.begin(); it != d.reasons.end();) {
          if (it->code == "lockdown") {
            emergency_opening.push_back(*it);
            it = d.reasons.erase(it);
          } else {
            ++it;
          }
        }
      }
    }
    if (!d.requirements.empty() &&
        !qualified(options.approver, Role::kSupervisor, Role::kArmorer) &&
        emergency_opening.empty()) {
      extra.push_back({"second_person_required",
                       name + " withheld: a second person (a supervisor or an armorer at this "
                              "site, signed in at this terminal) must approve this sign-out."});
    }
    if (options.override_by != nullptr) {
      if (!qualified(options.override_by, Role::kSupervisor, Role::kSupervisor)) {
        extra.push_back({"override_not_allowed",
                         name + " withheld: only another supervisor at this site, signed in at "
                                "this terminal, may override a denial."});
      } else if (options.override_reason.empty()) {
        extra.push_back(
            {"override_reason_missing", name + " withheld: an override needs a stated reason."});
      } else if (!std::all_of(d.reasons.begin(), d.reasons.end(), Overridable)) {
        extra.push_back({"override_not_allowed",
                         name + " withheld: no override can release it while it is quarantined, "
                                "already out, or the credential or the records are in doubt."});
      } else {
        override_valid = true;
      }
    }
  });

  std::vector<Reason> overridden;
  std::vector<Reason> reasons = d.reasons;
  if (override_valid && extra.empty()) {
    overridden = std::move(reasons);
    reasons.clear();
  }
  reasons.insert(reasons.end(), extra.begin(), extra.end());
  if (!reasons.empty()) return Deny(l, officer.badge(), serial, "sign_out", std::move(reasons));

  domain::SignOutGranted granted{officer.badge(), serial, compartment, "", "", "", overridden};
  if (options.approver != nullptr && (!d.requirements.empty() || !emergency_opening.empty())) {
    granted.approver = options.approver->badge();
  }
  if (!emergency_opening.empty()) {
    granted.override_by = options.approver->badge();
    granted.override_reason = "emergency opening during a lockdown, by two emergency staff";
    granted.overridden.insert(granted.overridden.end(), emergency_opening.begin(),
                              emergency_opening.end());
  }
  if (!overridden.empty()) {
    granted.override_by = options.override_by->badge();
    granted.override_reason = options.override_reason;
  }
  // Queued in order under the lock; durable (the lock released meanwhile, so that concurrent
  // operations share the fsync) before the door opens.
  CUSTODIAN_ASSIGN_OR_RETURN(Agency::Queued queued,
                             agency_.Submit(PersonActor(officer.badge()), {std::move(granted)}));
  opened_.erase(compartment);
  l.unlock();
  CUSTODIAN_RETURN_IF_ERROR(agency_.Await(queued));
  if (core::Status u = controller_.Unlock(compartment, Door::kOuter); !u.ok()) {
    l.lock();
    CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(
        l, PersonActor(officer.badge()),
        {domain::SignOutAbandoned{officer.badge(), serial, "controller_error: " + u.message()}}));
    return u.Annotate("unlocking " + compartment.ToString());
  }
  Outcome o;
  o.granted = true;
  o.requirements = d.requirements;
  o.compartment = compartment;
  return o;
}

core::Result<Outcome> CustodyDesk::Return(const Session& officer, const std::string& serial,
                                          const std::string& problem) {
  std::unique_lock l(mu_);
  std::vector<Reason> why;
  domain::CompartmentKey compartment;
  agency_.ReadLatest([&](const State& s) {
    const std::string name = ItemName(s, serial);
    const ItemState* item = Prelude(s, officer, serial, name + " return refused", why);
    if (item == nullptr) return;
    compartment = item->item.home;
    if (!item->custody || item->custody->badge != officer.badge()) {
      why.push_back({"not_holder", name + " return refused: it is not signed out to you."});
    } else if (item->returning) {
      why.push_back({"return_in_progress", name + " return refused: its compartment is already "
                                                  "open for the return."});
    } else if (CompartmentBusy(s, compartment, serial)) {
      why.push_back({"compartment_busy", name + " return refused: its compartment is open for "
                                                "another transaction; try again in a moment."});
    }
    if (compartment.site != officer.site()) {
      why.push_back({"other_site", name + " return refused: it belongs at site " +
                                       compartment.site + "; return it there."});
    }
  });
  if (!why.empty()) return Deny(l, officer.badge(), serial, "return", std::move(why));

  std::vector<DomainEvent> events{domain::ReturnStarted{officer.badge(), serial, compartment}};
  if (!problem.empty()) events.push_back(domain::ProblemReported{officer.badge(), serial, problem});
  // As for a sign-out: queued under the lock, durable before the door opens.
  CUSTODIAN_ASSIGN_OR_RETURN(Agency::Queued queued,
                             agency_.Submit(PersonActor(officer.badge()), events));
  opened_.erase(compartment);
  l.unlock();
  CUSTODIAN_RETURN_IF_ERROR(agency_.Await(queued));
  if (core::Status u = controller_.Unlock(compartment, Door::kOuter); !u.ok()) {
    l.lock();
    CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(
        l, PersonActor(officer.badge()),
        {domain::ReturnAbandoned{officer.badge(), serial, "controller_error: " + u.message()}}));
    return u.Annotate("unlocking " + compartment.ToString());
  }
  Outcome o;
  o.granted = true;
  o.compartment = compartment;
  return o;
}

core::Result<Outcome> CustodyDesk::Handover(const Session& from, const Session& to,
                                            const std::string& serial) {
  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  std::vector<Reason> why;
  Micros due = 0;
  agency_.ReadLatest([&](const State& s) {
    const std::string name = ItemName(s, serial);
    const ItemState* item = Prelude(s, from, serial, name + " handover refused", why);
    if (item == nullptr) return;
    if (!item->custody || item->custody->badge != from.badge()) {
      why.push_back({"not_holder", name + " handover refused: it is not signed out to you."});
    }
    if (to.badge() == from.badge() || to.site() != from.site()) {
      why.push_back({"second_person_required",
                     name + " handover refused: the receiving officer must sign in at the same "
                            "terminal."});
    }
    // The receiver must be allowed to hold it, as for a sign-out (credential, site, role,
    // certifications, licence, schedule, limit, quarantine).
    const policy::Decision d = policy::Decide(s, to.badge(), serial, item->item.home,
                                              ZoneOf(s, to.site()), now, settings_.policy);
    for (const Reason& r : d.reasons) {
      if (!IrrelevantForHandover(r)) why.push_back(r);
    }
    due = DueFrom(s, *item, now);
  });
  if (!why.empty()) return Deny(l, from.badge(), serial, "handover", std::move(why));
  CUSTODIAN_RETURN_IF_ERROR(
      RecordUnlocking(l, PersonActor(from.badge()),
                      {domain::ItemHandedOver{serial, from.badge(), to.badge(), due}}));
  Outcome o;
  o.granted = true;
  return o;
}

core::Result<Outcome> CustodyDesk::ReportProblem(const Session& by, const std::string& serial,
                                                 const std::string& description) {
  std::unique_lock l(mu_);
  std::vector<Reason> why;
  agency_.ReadLatest([&](const State& s) {
    const std::string name = ItemName(s, serial);
    const ItemState* item = Prelude(s, by, serial, name + " problem report refused", why);
    if (item == nullptr) return;
    const PersonState* p = s.FindPerson(by.badge());
    const bool holder = item->custody && item->custody->badge == by.badge();
    const bool signing_out = item->pending && item->pending->badge == by.badge();
    const bool staff = p != nullptr && (s.HasRole(*p, Role::kArmorer, item->item.home.site) ||
                                        s.HasRole(*p, Role::kSupervisor, item->item.home.site));
    if (!holder && !signing_out && !staff) {
      why.push_back({"role_not_permitted",
                     name + " problem report refused: only its holder, the officer signing it "
                            "out, or an armorer or supervisor at its site may report a problem."});
    }
    if (description.empty()) {
      why.push_back({"description_missing", name + " problem report refused: say what is wrong."});
    }
  });
  if (!why.empty()) return Deny(l, by.badge(), serial, "report_problem", std::move(why));
  CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(
      l, PersonActor(by.badge()), {domain::ProblemReported{by.badge(), serial, description}}));
  Outcome o;
  o.granted = true;
  return o;
}

core::Result<Outcome> CustodyDesk::OpenForService(const Session& armorer,
                                                  const std::string& serial) {
  std::unique_lock l(mu_);
  std::vector<Reason> why;
  domain::CompartmentKey compartment;
  agency_.ReadLatest([&](const State& s) {
    const std::string name = ItemName(s, serial);
    const ItemState* item = Prelude(s, armorer, serial, name + " service opening refused", why);
    if (item == nullptr) return;
    compartment = item->item.home;
    const PersonState* p = s.FindPerson(armorer.badge());
    if (p == nullptr || !s.HasRole(*p, Role::kArmorer, compartment.site) ||
        compartment.site != armorer.site()) {
      why.push_back({"role_not_permitted", name +
                                               " service opening refused: only an armorer at "
                                               "site " +
                                               compartment.site + " may open it."});
    }
    if (item->custody) {
      why.push_back({"already_out", name + " service opening refused: it is signed out."});
    }
  });
  if (!why.empty()) return Deny(l, armorer.badge(), serial, "open_for_service", std::move(why));
  CUSTODIAN_RETURN_IF_ERROR(
      RecordUnlocking(l, PersonActor(armorer.badge()),
                      {domain::ServiceOpened{armorer.badge(), serial, compartment}}));
  CUSTODIAN_RETURN_IF_ERROR(controller_.Unlock(compartment, Door::kOuter)
                                .Annotate("unlocking " + compartment.ToString()));
  Outcome o;
  o.granted = true;
  o.compartment = compartment;
  return o;
}

core::Result<Outcome> CustodyDesk::RecordService(const Session& armorer, const std::string& serial,
                                                 const std::string& notes) {
  std::unique_lock l(mu_);
  std::vector<Reason> why;
  agency_.ReadLatest([&](const State& s) {
    const std::string name = ItemName(s, serial);
    const ItemState* item = Prelude(s, armorer, serial, name + " service record refused", why);
    if (item == nullptr) return;
    const PersonState* p = s.FindPerson(armorer.badge());
    if (p == nullptr || !s.HasRole(*p, Role::kArmorer, item->item.home.site)) {
      why.push_back({"role_not_permitted", name +
                                               " service record refused: only an armorer at "
                                               "site " +
                                               item->item.home.site + " may record its service."});
    }
    if (notes.empty()) {
      why.push_back({"notes_missing", name + " service record refused: say what was done."});
    }
  });
  if (!why.empty()) return Deny(l, armorer.badge(), serial, "record_service", std::move(why));
  CUSTODIAN_RETURN_IF_ERROR(RecordUnlocking(
      l, PersonActor(armorer.badge()), {domain::ItemServiced{armorer.badge(), serial, notes}}));
  Outcome o;
  o.granted = true;
  return o;
}

core::Status CustodyDesk::OnReading(const CompartmentReading& reading) {
  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  const domain::CompartmentKey& key = reading.compartment;
  std::vector<std::pair<std::string, DomainEvent>> events;  // (actor, event)
  agency_.ReadLatest([&](const State& s) {
    SensorEvents(s, reading, events);
    if (!reading.door_closed) {
      opened_.insert(key);
      open_since_.try_emplace(key, now);
      return;
    }
    open_since_.erase(key);
    held_open_reported_.erase(key);
    // A closed door never seen open (a poll missed it, or the bank was offline meanwhile) can
    // still complete what the tags prove: a granted sign-out whose tag is gone, a return whose
    // tag is back. It never abandons or rejects anything: the door may simply not be open yet.
    const bool seen_open = opened_.erase(key) > 0;
    // Only a changed set of tags can prove anything then; a closed door whose tags are as last
    // read (a charge or temperature reading) is not worth a walk over every item.
    auto [last, first_reading] = closed_tags_.try_emplace(key, reading.tags);
    const bool tags_changed = first_reading || last->second != reading.tags;
    last->second = reading.tags;
    if (!seen_open && !tags_changed) return;

    // Tags of the items that rest in this compartment and were not part of a transaction: they
    // are expected to be read and say nothing about a return.
    std::vector<std::string> resting;
    for (const auto& [serial, i] : s.items) {
      if (i.item.home == key && !i.custody && !i.pending) resting.push_back(i.item.tag);
    }
    // What the scale should read for the tags present (none: no scale, or a tag we do not know).
    int64_t expected = 0;
    bool expected_known = true;
    for (const std::string& tag : reading.tags) {
      auto t = s.tags.find(tag);
      const ItemState* i = t != s.tags.end() ? s.FindItem(t->second) : nullptr;
      if (i == nullptr) {
        expected_known = false;
        break;
      }
      expected += i->ExpectedWeight();
    }
    const int64_t weighed = reading.weight_g.value_or(0);
    const bool weight_ok = !reading.weight_g || !expected_known ||
                           std::llabs(weighed - expected) <= WeightTolerance(expected);
    const std::string actor_hw = HardwareActor(key.site, key.bank);
    for (const auto& [serial, i] : s.items) {
      if (i.item.home != key) continue;
      if (i.pending) {
        const std::string& badge = i.pending->badge;
        if (Contains(reading.tags, i.item.tag)) {
          if (seen_open) {
            events.emplace_back(PersonActor(badge),
                                domain::SignOutAbandoned{badge, serial, "item_not_taken"});
          }
        } else if (reading.weight_g && expected_known &&
                   weighed - expected > WeightTolerance(expected)) {
          // The tag left but the weight did not drop: the item may still be inside with a tag
          // that no longer reads, or something untagged took its place. The sign-out does not
          // finish (custody would name someone for an item that may never have left); it ends,
          // and someone must look.
          events.emplace_back(PersonActor(badge),
                              domain::SignOutAbandoned{badge, serial, "weight_unchanged"});
          events.emplace_back(
              actor_hw,
              domain::HardwareAlarm{
                  key.site,
                  key.bank,
                  key.compartment,
                  "weight_mismatch",
                  "the tag of " + serial + " is no longer read in " + key.ToString() +
                      " but it still weighs " + std::to_string(weighed) + " g (" +
                      std::to_string(expected) + " g expected without it): " +
                      "check the compartment; the sign-out by badge " + badge + " did not finish",
                  {serial}});
        } else {
          events.emplace_back(PersonActor(badge),
                              domain::ItemSignedOut{badge, serial, DueFrom(s, i, now)});
          // The tag left and the weight dropped; if it dropped by more than the item weighs,
          // something else left too: custody begins (the officer is accountable for what left)
          // and someone must look.
          if (!weight_ok) {
            events.emplace_back(
                actor_hw,
                domain::HardwareAlarm{key.site,
                                      key.bank,
                                      key.compartment,
                                      "weight_mismatch",
                                      "after " + serial + " was signed out, " + key.ToString() +
                                          " weighs " + std::to_string(weighed) +
                                          " g; the items left in it weigh " +
                                          std::to_string(expected) + " g",
                                      {serial}});
          }
        }
      }
      if (i.returning) {
        const std::string& badge = i.returning->badge;
        const domain::ItemType* type = s.FindType(i.item.type);
        const bool lighter =
            reading.weight_g && expected_known && expected - weighed > WeightTolerance(expected);
        if (Contains(reading.tags, i.item.tag) && weight_ok) {
          events.emplace_back(PersonActor(badge), domain::ItemReturned{badge, serial});
        } else if (Contains(reading.tags, i.item.tag) && lighter && type != nullptr &&
                   type->consumable) {
          // Used, not swapped: accepted, with what is left of it.
          const int before = i.ExpectedWeight();
          const int now_g = static_cast<int>(std::max<int64_t>(0, before - (expected - weighed)));
          events.emplace_back(PersonActor(badge), domain::ItemReturned{badge, serial});
          events.emplace_back(PersonActor(badge), domain::PartialUse{badge, serial, before, now_g});
        } else if (!seen_open) {
          // Not proven yet: wait for the door.
        } else if (Contains(reading.tags, i.item.tag)) {
          events.emplace_back(PersonActor(badge),
                              domain::ReturnRejected{badge, serial, i.item.tag, "wrong_weight"});
        } else {
          std::string foreign;
          for (const std::string& tag : reading.tags) {
            if (!Contains(resting, tag)) {
              foreign = tag;
              break;
            }
          }
          events.emplace_back(
              PersonActor(badge),
              domain::ReturnRejected{badge, serial, foreign,
                                     foreign.empty() ? "nothing_returned" : "wrong_item"});
        }
      }
    }
  });
  for (auto& [actor, e] : events) CUSTODIAN_RETURN_IF_ERROR(Record(actor, {std::move(e)}));
  return core::Status::Ok();
}

int64_t CustodyDesk::WeightTolerance(int64_t expected) const {
  return std::max<int64_t>(settings_.weight_tolerance_g,
                           expected * settings_.weight_tolerance_percent / 100);
}

void CustodyDesk::SensorEvents(const State& s, const CompartmentReading& r,
                               std::vector<std::pair<std::string, DomainEvent>>& events) {
  const domain::CompartmentKey& key = r.compartment;
  const std::string actor = HardwareActor(key.site, key.bank);
  auto serials_present = [&] {
    std::vector<std::string> out;
    for (const std::string& tag : r.tags) {
      if (auto t = s.tags.find(tag); t != s.tags.end()) out.push_back(t->second);
    }
    return out;
  };
  // Charge: attributed when exactly one known chargeable item is in the bay; recorded when it
  // moved by charge_step points, crossed the policy's minimum, or reached 100 %.
  if (r.charge_percent && r.tags.size() == 1) {
    const std::vector<std::string> serials = serials_present();
    const ItemState* i = serials.size() == 1 ? s.FindItem(serials[0]) : nullptr;
    const domain::ItemType* t = i != nullptr ? s.FindType(i->item.type) : nullptr;
    if (t != nullptr && t->chargeable) {
      const int now = std::clamp(*r.charge_percent, 0, 100);
      const int min = settings_.policy.min_charge_percent;
      const std::optional<int> before = i->charge_percent;
      if (!before || std::abs(now - *before) >= settings_.charge_step ||
          (now >= min) != (*before >= min) || (now == 100 && *before != 100)) {
        events.emplace_back(actor, domain::ChargeObserved{serials[0], now});
      }
    }
  }
  // Temperature of a refrigerated compartment: an excursion when it leaves the range, and the
  // end of it when it is back, each recorded once, naming every item inside.
  const domain::Compartment* c = s.FindCompartment(key);
  if (r.temperature_deci_c && c != nullptr && c->features.count(domain::Feature::kRefrigerated)) {
    const int t = *r.temperature_deci_c;
    const bool outside = t < settings_.fridge_min_deci_c || t > settings_.fridge_max_deci_c;
    auto degrees = [](int deci) {
      const int a = std::abs(deci);
      return std::string(deci < 0 ? "-" : "") + std::to_string(a / 10) + "." +
             std::to_string(a % 10) + " °C";
    };
    const std::string range =
        degrees(settings_.fridge_min_deci_c) + " to " + degrees(settings_.fridge_max_deci_c);
    if (outside && too_warm_.insert(key).second) {
      events.emplace_back(actor, domain::HardwareAlarm{
                                     key.site, key.bank, key.compartment, "temperature_excursion",
                                     key.ToString() + " is at " + degrees(t) + ", outside " + range,
                                     serials_present()});
    } else if (!outside && too_warm_.erase(key) > 0) {
      events.emplace_back(
          actor,
          domain::HardwareAlarm{key.site, key.bank, key.compartment, "temperature_normal",
                                key.ToString() + " is back at " + degrees(t) + ", within " + range,
                                serials_present()});
    }
  }
}

CustodyDesk::HardwareView CustodyDesk::Hardware() {
  std::unique_lock l(mu_);
  HardwareView v;
  for (const auto& [c, since] : open_since_) v.doors_open.insert(c);
  v.offline_banks = offline_banks_;
  v.too_warm = too_warm_;
  return v;
}

core::Result<Outcome> CustodyDesk::SetEmergencyMode(const Session& first, const Session& second,
                                                    const std::string& bank,
                                                    const std::string& mode,
                                                    const std::string& reason) {
  return SetEmergencyModeAt(first.site(), first, second, bank, mode, reason);
}

core::Result<Outcome> CustodyDesk::SetEmergencyModeAt(const std::string& site, const Session& first,
                                                      const Session& second,
                                                      const std::string& bank,
                                                      const std::string& mode,
                                                      const std::string& reason) {
  std::unique_lock l(mu_);
  const std::string what =
      "Emergency mode " + mode + " for " + (bank.empty() ? site : site + "/" + bank);
  std::vector<Reason> why;
  agency_.ReadLatest([&](const State& s) {
    why = SessionProblems(s, first, what + " refused");
    for (Reason& r : SessionProblems(s, second, what + " refused")) why.push_back(std::move(r));
    auto may = [&](const Session& who) {
      const PersonState* p = s.FindPerson(who.badge());
      return p != nullptr &&
             (s.HasRole(*p, Role::kSupervisor, site) || s.HasRole(*p, Role::kAdmin, site) ||
              s.HasRole(*p, Role::kEmergency, site));
    };
    // Both at a terminal of the site, or both at the dashboard (a session of no one site).
    const bool together =
        second.site() == first.site() && (first.site().empty() || first.site() == site);
    if (site.empty() || second.badge() == first.badge() || !together) {
      why.push_back({"second_person_required",
                     what + " refused: a second person, not the one who asked, must confirm — " +
                         "both at a terminal of the site, or both on the dashboard."});
    } else if (!may(first) || !may(second)) {
      why.push_back({"role_not_permitted", what +
                                               " refused: both people must be a supervisor, "
                                               "an administrator or emergency staff at " +
                                               site + "."});
    }
    if (reason.empty()) why.push_back({"reason_missing", what + " refused: say why."});
    if (mode == "open_all") {
      for (const auto& [ls, lb] : s.lockdowns) {
        if (ls == site && (bank.empty() || lb.empty() || lb == bank)) {
          why.push_back({"lockdown", what + " refused: lift the lockdown first."});
          break;
        }
      }
    }
  });
  if (!why.empty()) return Deny(l, first.badge(), "", "emergency_mode", std::move(why));
  return ApplyEmergencyMode(
      domain::EmergencyModeSet{site, bank, mode, first.badge(), second.badge(), reason},
      PersonActor(first.badge()));
}

core::Result<Outcome> CustodyDesk::ApplyEmergencyMode(domain::EmergencyModeSet mode,
                                                      const std::string& actor) {
  const std::string site = mode.site, bank = mode.bank, kind = mode.mode;
  CUSTODIAN_RETURN_IF_ERROR(Record(actor, {std::move(mode)}));
  Outcome o;
  o.granted = true;
  if (kind != "open_all") return o;
  std::vector<domain::CompartmentKey> doors;
  agency_.ReadLatest([&](const State& s) {
    for (auto it = s.compartments.lower_bound({site, bank, ""});
         it != s.compartments.end() && it->first.site == site &&
         (bank.empty() || it->first.bank == bank);
         ++it) {
      doors.push_back(it->first);
    }
  });
  for (const domain::CompartmentKey& k : doors) {
    if (core::Status u = controller_.Unlock(k, Door::kOuter); !u.ok()) {
      CUSTODIAN_RETURN_IF_ERROR(Record(
          HardwareActor(k.site, k.bank),
          {domain::HardwareAlarm{k.site,
                                 k.bank,
                                 k.compartment,
                                 "unlock_failed",
                                 "open-all could not release " + k.ToString() + ": " + u.message(),
                                 {}}}));
      o.reasons.push_back({"unlock_failed", k.ToString() + " did not open: " + u.message()});
    }
  }
  return o;
}

core::Status CustodyDesk::OnBankEvent(const BankEvent& e) {
  using Kind = BankEvent::Kind;
  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  const std::string bank = e.site + "/" + e.bank;
  std::string code;
  switch (e.kind) {
    case Kind::kOnline:
      code = "bank_online";
      offline_banks_.erase(bank);
      break;
    case Kind::kOffline:
      code = "bank_offline";
      offline_banks_.insert(bank);
      break;
    case Kind::kBadAnswer: {
      // A misbehaving controller answers badly on every poll: one record a minute is enough.
      auto [it, first] = last_bad_answer_.try_emplace(bank, now);
      if (!first && now - it->second < settings_.bad_answer_every) return core::Status::Ok();
      it->second = now;
      code = "bad_answer";
      break;
    }
    case Kind::kMainsLost:
      code = "mains_lost";
      break;
    case Kind::kMainsRestored:
      code = "mains_restored";
      break;
    case Kind::kFireAlarm:
      code = "fire_alarm";
      break;
    case Kind::kFireAlarmCleared:
      code = "fire_alarm_cleared";
      break;
    case Kind::kTamper:
      code = "tamper";
      break;
    case Kind::kForcedDoor:
      code = "forced_door";
      break;
  }
  std::vector<std::string> serials;
  if (!e.compartment.empty()) {
    const domain::CompartmentKey key{e.site, e.bank, e.compartment};
    agency_.ReadLatest([&](const State& s) {
      for (const auto& [serial, i] : s.items) {
        if (i.item.home == key && !i.custody) serials.push_back(serial);
      }
    });
  }
  CUSTODIAN_RETURN_IF_ERROR(Record(
      HardwareActor(e.site, e.bank),
      {domain::HardwareAlarm{e.site, e.bank, e.compartment, code, e.detail, std::move(serials)}}));
  if (e.kind == Kind::kFireAlarm && settings_.fire_alarm_action != "none") {
    auto applied = ApplyEmergencyMode(
        domain::EmergencyModeSet{e.site, e.bank, settings_.fire_alarm_action, "hardware:fire_alarm",
                                 "", "fire alarm input of bank " + bank},
        HardwareActor(e.site, e.bank));
    if (!applied) return applied.error();
  }
  return core::Status::Ok();
}

core::Status CustodyDesk::Tick() {
  std::unique_lock l(mu_);
  const Micros now = clock_.NowMicros();
  struct Relock {
    std::string badge;
    DomainEvent event;
    domain::CompartmentKey compartment;
  };
  std::vector<Relock> relocks;
  std::vector<DomainEvent> overdue;
  std::vector<std::pair<std::string, DomainEvent>> held_open;
  for (const auto& [key, since] : open_since_) {
    if (now - since >= settings_.door_held_open && held_open_reported_.insert(key).second) {
      held_open.emplace_back(
          HardwareActor(key.site, key.bank),
          domain::HardwareAlarm{key.site,
                                key.bank,
                                key.compartment,
                                "door_held_open",
                                "the door of " + key.ToString() + " has been open for " +
                                    std::to_string((now - since) / 1'000'000) + " s",
                                {}});
    }
  }
  agency_.ReadLatest([&](const State& s) {
    for (const auto& [serial, i] : s.items) {
      // While its bank is offline nobody knows whether the door was opened: decide when it is
      // back and its readings have come in.
      const bool unopened = opened_.count(i.item.home) == 0 &&
                            offline_banks_.count(i.item.home.site + "/" + i.item.home.bank) == 0;
      if (i.pending && unopened && now - i.pending_since >= settings_.door_timeout) {
        relocks.push_back({i.pending->badge,
                           domain::SignOutAbandoned{i.pending->badge, serial, "door_not_opened"},
                           i.item.home});
      }
      if (i.returning && unopened && now - i.returning_since >= settings_.door_timeout) {
        relocks.push_back({i.returning->badge,
                           domain::ReturnAbandoned{i.returning->badge, serial, "door_not_opened"},
                           i.item.home});
      }
      if (i.custody && !i.custody->overdue_reported && now >= i.custody->due) {
        overdue.push_back(domain::ItemOverdue{serial, i.custody->badge, i.custody->due});
      }
    }
  });
  core::Status first;
  for (Relock& r : relocks) {
    // Recorded first: if the relock command fails the door is still reported, and the hardware
    // layer's own fail-secure timer closes it.
    CUSTODIAN_RETURN_IF_ERROR(Record(PersonActor(r.badge), {std::move(r.event)}));
    if (core::Status s = controller_.Relock(r.compartment, Door::kOuter); !s.ok() && first.ok()) {
      first = s.Annotate("relocking " + r.compartment.ToString());
    }
  }
  if (!overdue.empty()) CUSTODIAN_RETURN_IF_ERROR(Record("custodian:clock", std::move(overdue)));
  for (auto& [actor, e] : held_open) CUSTODIAN_RETURN_IF_ERROR(Record(actor, {std::move(e)}));
  return first;
}

}  // namespace custodian::app
