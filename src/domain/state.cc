#include "domain/state.h"

#include <algorithm>

#include "core/overloaded.h"

namespace custodian::domain {
namespace {

using core::Overloaded;

bool IsCode(std::string_view s, size_t max = 64) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

core::Status CodeError(std::string_view field, std::string_view value) {
  return core::InvalidArgumentError(
      std::string(field) + " \"" + std::string(value) +
      "\" must be 1-64 characters of letters, digits, '.', '_' or '-'");
}

bool IsTag(std::string_view t) {
  return t.size() == 24 && std::all_of(t.begin(), t.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
         });
}

}  // namespace

void State::Apply(const DomainEvent& event, Micros at, uint64_t index) {
  ++events_applied;
  if (index != kNoIndex) {
    if (std::optional<Alert> a = AlertFor(event, *this, index, at)) open_alerts[index] = *a;
  }
  auto item = [&](const std::string& serial) -> ItemState* {
    auto it = items.find(serial);
    return it == items.end() ? nullptr : &it->second;
  };
  auto person = [&](const std::string& badge) -> PersonState* {
    auto it = people.find(badge);
    return it == people.end() ? nullptr : &it->second;
  };
  // Every change of custody goes through here, so `held` always counts what `items` says.
  auto set_custody = [&](ItemState& i, std::optional<Custody> c) {
    if (i.custody) {
      auto h = held.find(i.custody->badge);
      if (h != held.end() && --h->second <= 0) held.erase(h);
    }
    if (c) ++held[c->badge];
    i.custody = std::move(c);
  };
  std::visit(
      Overloaded{
          [&](const SiteDefined& e) { sites[e.site.code] = e.site; },
          [&](const CompartmentDefined& e) { compartments[e.compartment.key] = e.compartment; },
          [&](const ItemTypeDefined& e) { types[e.type.code] = e.type; },
          [&](const ItemDefined& e) {
            auto [it, added] = items.try_emplace(e.item.serial);
            if (added) {
              it->second.service_clock_start = at;
            } else if (it->second.item.tag != e.item.tag) {
              tags.erase(it->second.item.tag);
            }
            it->second.item = e.item;
            tags[e.item.tag] = e.item.serial;
          },
          [&](const PersonDefined& e) {
            PersonState& p = people[e.person.badge];
            p.person = e.person;
            if (e.pin_set) p.pin_set = true;
          },
          [&](const CredentialRevoked& e) {
            if (PersonState* p = person(e.badge)) {
              p->revoked = true;
              p->revoked_reason = e.reason;
            }
          },
          [&](const CredentialReinstated& e) {
            if (PersonState* p = person(e.badge)) {
              p->revoked = false;
              p->revoked_reason.clear();
            }
          },
          [&](const LoginSucceeded& e) {
            if (PersonState* p = person(e.badge)) p->recent_failures.clear();
          },
          [&](const LoginFailed& e) {
            PersonState* p = person(e.badge);
            if (p == nullptr || !CountsTowardsLock(e.reason)) return;
            auto& f = p->recent_failures;
            f.erase(f.begin(), std::find_if(f.begin(), f.end(),
                                            [&](Micros t) { return t > at - kFailureWindow; }));
            f.push_back(at);
          },
          [&](const CredentialLocked& e) {
            if (PersonState* p = person(e.badge)) p->locked = true;
          },
          [&](const StaffLoginSet& e) {
            if (PersonState* p = person(e.badge)) p->staff_login = true;
          },
          [&](const CredentialReleased& e) {
            if (PersonState* p = person(e.badge)) {
              p->locked = false;
              p->recent_failures.clear();
            }
          },
          [&](const AccessDenied&) {},
          [&](const SignOutGranted& e) {
            if (ItemState* i = item(e.serial)) {
              i->pending = e;
              i->pending_since = at;
            }
          },
          [&](const ItemSignedOut& e) {
            if (ItemState* i = item(e.serial)) {
              i->pending.reset();
              i->pending_since = 0;
              set_custody(*i, Custody{e.badge, at, e.due, false});
              ++i->signouts_since_service;
            }
          },
          [&](const SignOutAbandoned& e) {
            if (ItemState* i = item(e.serial)) {
              i->pending.reset();
              i->pending_since = 0;
            }
          },
          [&](const ReturnStarted& e) {
            if (ItemState* i = item(e.serial)) {
              i->returning = e;
              i->returning_since = at;
            }
          },
          [&](const ReturnAbandoned& e) {
            if (ItemState* i = item(e.serial)) {
              i->returning.reset();
              i->returning_since = 0;
            }
          },
          [&](const ItemReturned& e) {
            if (ItemState* i = item(e.serial)) {
              set_custody(*i, std::nullopt);
              i->pending.reset();
              i->pending_since = 0;
              i->returning.reset();
              i->returning_since = 0;
            }
          },
          [&](const ReturnRejected& e) {
            if (ItemState* i = item(e.serial)) {
              i->returning.reset();
              i->returning_since = 0;
            }
          },
          [&](const ItemHandedOver& e) {
            if (ItemState* i = item(e.serial))
              set_custody(*i, Custody{e.to_badge, at, e.due, false});
          },
          [&](const ProblemReported& e) {
            if (ItemState* i = item(e.serial)) {
              if (!i->quarantined) i->quarantined_since = at;
              i->quarantined = true;
              i->quarantine_reason = e.description;
            }
          },
          [&](const ServiceOpened&) {},
          [&](const ItemServiced& e) {
            if (ItemState* i = item(e.serial)) {
              i->quarantined = false;
              i->quarantine_reason.clear();
              i->quarantined_since = 0;
              i->signouts_since_service = 0;
              i->service_clock_start = at;
              i->measured_weight_g.reset();  // serviced: refilled or re-weighed at reference
            }
          },
          [&](const ItemOverdue& e) {
            if (ItemState* i = item(e.serial); i && i->custody) i->custody->overdue_reported = true;
          },
          [&](const ChargeObserved& e) {
            if (ItemState* i = item(e.serial)) i->charge_percent = e.percent;
          },
          [&](const HardwareAlarm& e) {
            // A condition that ended clears the open alerts it raised at the same place.
            static const std::map<std::string, std::string, std::less<>> kEnds = {
                {"bank_online", "bank_offline"},
                {"mains_restored", "mains_lost"},
                {"fire_alarm_cleared", "fire_alarm"},
                {"temperature_normal", "temperature_excursion"}};
            auto ends = kEnds.find(e.code);
            if (ends == kEnds.end()) return;
            for (auto& [i, a] : open_alerts) {
              if (a.code == ends->second && a.site == e.site && a.bank == e.bank &&
                  (e.compartment.empty() || a.compartment == e.compartment) && a.cleared_at == 0) {
                a.cleared_at = at;
              }
            }
          },
          [&](const ApiTokenIssued&) {},
          [&](const EmergencyModeAsked&) {},
          [&](const ApiTokenRevoked&) {},
          [&](const AlertAcknowledged& e) {
            auto it = open_alerts.find(e.alert);
            if (it == open_alerts.end()) return;
            Alert a = std::move(it->second);
            open_alerts.erase(it);
            a.acknowledged_by = e.badge;
            a.acknowledged_at = at;
            a.note = e.note;
            acknowledged_alerts.push_back(std::move(a));
            if (acknowledged_alerts.size() > kRecentAcknowledged) {
              acknowledged_alerts.erase(acknowledged_alerts.begin());
            }
          },
          [&](const PartialUse& e) {
            if (ItemState* i = item(e.serial)) i->measured_weight_g = e.measured_g;
          },
          [&](const EmergencyModeSet& e) {
            if (e.mode == "lockdown") {
              lockdowns.insert({e.site, e.bank});
            } else if (e.mode == "normal") {
              lockdowns.erase({e.site, e.bank});
            }
          },
      },
      event);
}

core::Status State::Check(const DomainEvent& event) const {
  return std::visit(
      Overloaded{
          [&](const SiteDefined& e) -> core::Status {
            if (!IsCode(e.site.code)) return CodeError("site code", e.site.code);
            if (e.site.name.empty()) return core::InvalidArgumentError("the site name is empty");
            if (e.site.timezone.empty()) {
              return core::InvalidArgumentError("the site time zone is empty");
            }
            return core::Status::Ok();
          },
          [&](const CompartmentDefined& e) -> core::Status {
            const CompartmentKey& k = e.compartment.key;
            if (FindSite(k.site) == nullptr) {
              return core::InvalidArgumentError("unknown site \"" + k.site + "\"");
            }
            if (!IsCode(k.bank)) return CodeError("bank", k.bank);
            if (!IsCode(k.compartment)) return CodeError("compartment", k.compartment);
            return core::Status::Ok();
          },
          [&](const ItemTypeDefined& e) -> core::Status {
            const ItemType& t = e.type;
            if (!IsCode(t.code)) return CodeError("item type", t.code);
            for (const std::string& c : t.certifications) {
              if (!IsCode(c)) return CodeError("certification", c);
            }
            if (t.loan_hours < 1 || t.loan_hours > 24 * 365) {
              return core::InvalidArgumentError("loan_hours must be between 1 and 8760, not " +
                                                std::to_string(t.loan_hours));
            }
            if (t.service_every_signouts < 0 || t.service_every_days < 0) {
              return core::InvalidArgumentError("service intervals cannot be negative");
            }
            return core::Status::Ok();
          },
          [&](const ItemDefined& e) -> core::Status {
            const Item& i = e.item;
            if (!IsCode(i.serial)) return CodeError("serial", i.serial);
            if (FindType(i.type) == nullptr) {
              return core::InvalidArgumentError("unknown item type \"" + i.type + "\"");
            }
            if (!IsTag(i.tag)) {
              return core::InvalidArgumentError("RFID tag \"" + i.tag +
                                                "\" must be 24 hexadecimal digits (0-9, A-F)");
            }
            if (auto t = tags.find(i.tag); t != tags.end() && t->second != i.serial) {
              return core::InvalidArgumentError("RFID tag " + i.tag + " already belongs to item " +
                                                t->second);
            }
            if (FindCompartment(i.home) == nullptr) {
              return core::InvalidArgumentError("unknown compartment " + i.home.ToString());
            }
            if (i.weight_g < 0 || i.weight_g > 1000000) {
              return core::InvalidArgumentError("weight_g must be between 0 and 1000000");
            }
            return core::Status::Ok();
          },
          [&](const PersonDefined& e) -> core::Status {
            const Person& p = e.person;
            if (!IsCode(p.badge)) return CodeError("badge", p.badge);
            if (p.name.empty()) return core::InvalidArgumentError("the name is empty");
            if (p.roles.empty()) return core::InvalidArgumentError("a person needs a role");
            if (!p.all_sites && p.sites.empty()) {
              return core::InvalidArgumentError("a person needs a site (or * for every site)");
            }
            for (const std::string& s : p.sites) {
              if (FindSite(s) == nullptr) {
                return core::InvalidArgumentError("unknown site \"" + s + "\"");
              }
            }
            for (const auto& [code, expiry] : p.certifications) {
              if (!IsCode(code)) return CodeError("certification", code);
            }
            return core::Status::Ok();
          },
          [&](const StaffLoginSet& e) -> core::Status {
            const PersonState* p = FindPerson(e.badge);
            if (p == nullptr) return core::NotFoundError("unknown badge \"" + e.badge + "\"");
            if (std::none_of(p->person.roles.begin(), p->person.roles.end(), IsStaffRole)) {
              return core::FailedPreconditionError(
                  e.badge +
                  " has no staff role (supervisor, armorer, evidence_custodian, admin or "
                  "auditor): officers use the terminal");
            }
            return core::Status::Ok();
          },
          // A failed login is recorded whatever the badge typed: an unknown one is the point.
          [&](const LoginFailed&) -> core::Status { return core::Status::Ok(); },
          // What the hardware reports is recorded as reported.
          [&](const HardwareAlarm&) -> core::Status { return core::Status::Ok(); },
          [&](const ApiTokenIssued& e) -> core::Status {
            const PersonState* p = FindPerson(e.badge);
            if (p == nullptr) return core::NotFoundError("no one has badge \"" + e.badge + "\"");
            bool staff = false;
            for (Role r : p->person.roles) staff = staff || IsStaffRole(r);
            if (!staff) {
              return core::FailedPreconditionError(
                  "badge " + e.badge +
                  " has no staff role (supervisor, armorer, evidence custodian, admin, auditor): "
                  "a token acts with its person's roles");
            }
            if (p->revoked)
              return core::FailedPreconditionError("badge " + e.badge + " is revoked");
            if (!IsCode(e.name)) return CodeError("token name", e.name);
            return core::Status::Ok();
          },
          [&](const ApiTokenRevoked&) -> core::Status { return core::Status::Ok(); },
          [&](const EmergencyModeAsked& e) -> core::Status {
            if (FindSite(e.site) == nullptr) {
              return core::NotFoundError("unknown site \"" + e.site + "\"");
            }
            if (e.mode != "lockdown" && e.mode != "normal" && e.mode != "open_all") {
              return core::InvalidArgumentError("mode: must be lockdown, normal or open_all");
            }
            if (e.reason.empty()) return core::InvalidArgumentError("reason: empty");
            return core::Status::Ok();
          },
          [&](const AlertAcknowledged& e) -> core::Status {
            if (!open_alerts.count(e.alert)) {
              return core::FailedPreconditionError("alert " + std::to_string(e.alert) +
                                                   " is not open (unknown or acknowledged)");
            }
            if (e.note.size() > 1000) {
              return core::InvalidArgumentError("the note is longer than 1000 characters");
            }
            return core::Status::Ok();
          },
          [&](const ChargeObserved& e) -> core::Status {
            if (FindItem(e.serial) == nullptr) {
              return core::NotFoundError("unknown item \"" + e.serial + "\"");
            }
            if (e.percent < 0 || e.percent > 100) {
              return core::InvalidArgumentError("charge " + std::to_string(e.percent) +
                                                " % is outside 0-100");
            }
            return core::Status::Ok();
          },
          [&](const EmergencyModeSet& e) -> core::Status {
            if (FindSite(e.site) == nullptr) {
              return core::NotFoundError("unknown site \"" + e.site + "\"");
            }
            if (!e.bank.empty()) {
              auto it = compartments.lower_bound({e.site, e.bank, ""});
              if (it == compartments.end() || it->first.site != e.site ||
                  it->first.bank != e.bank) {
                return core::NotFoundError("site " + e.site + " has no bank \"" + e.bank + "\"");
              }
            }
            if (e.mode != "lockdown" && e.mode != "open_all" && e.mode != "normal") {
              return core::InvalidArgumentError("emergency mode \"" + e.mode +
                                                "\" is not lockdown, open_all or normal");
            }
            return core::Status::Ok();
          },
          // So is a refused attempt, even at a serial that does not exist.
          [&](const AccessDenied& e) -> core::Status {
            if (FindPerson(e.badge) == nullptr) {
              return core::NotFoundError("unknown badge \"" + e.badge + "\"");
            }
            return core::Status::Ok();
          },
          [&](const auto& e) -> core::Status {
            if constexpr (requires { e.serial; }) {
              if (FindItem(e.serial) == nullptr) {
                return core::NotFoundError("unknown item \"" + e.serial + "\"");
              }
            }
            if constexpr (requires { e.badge; }) {
              if (FindPerson(e.badge) == nullptr) {
                return core::NotFoundError("unknown badge \"" + e.badge + "\"");
              }
            }
            return core::Status::Ok();
          },
      },
      event);
}

bool CountsTowardsLock(std::string_view reason) {
  return reason == "wrong_pin" || reason == "wrong_password" || reason == "wrong_code";
}

bool IsStaffRole(Role r) {
  return r == Role::kSupervisor || r == Role::kArmorer || r == Role::kEvidenceCustodian ||
         r == Role::kAdmin || r == Role::kAuditor;
}

const ItemState* State::FindItem(std::string_view serial) const {
  auto it = items.find(std::string(serial));
  return it == items.end() ? nullptr : &it->second;
}
const PersonState* State::FindPerson(std::string_view badge) const {
  auto it = people.find(std::string(badge));
  return it == people.end() ? nullptr : &it->second;
}
const ItemType* State::FindType(std::string_view code) const {
  auto it = types.find(std::string(code));
  return it == types.end() ? nullptr : &it->second;
}
const Site* State::FindSite(std::string_view code) const {
  auto it = sites.find(std::string(code));
  return it == sites.end() ? nullptr : &it->second;
}
const Compartment* State::FindCompartment(const CompartmentKey& key) const {
  auto it = compartments.find(key);
  return it == compartments.end() ? nullptr : &it->second;
}

std::vector<const ItemState*> State::HeldBy(std::string_view badge) const {
  std::vector<const ItemState*> out;
  for (const auto& [serial, i] : items) {
    if (i.custody && i.custody->badge == badge) out.push_back(&i);
  }
  return out;
}

int State::HeldCount(std::string_view badge) const {
  auto it = held.find(badge);
  return it == held.end() ? 0 : it->second;
}

bool State::InLockdown(const CompartmentKey& c) const {
  return !lockdowns.empty() &&
         (lockdowns.count({c.site, ""}) > 0 || lockdowns.count({c.site, c.bank}) > 0);
}

bool State::HasRole(const PersonState& p, Role role, std::string_view site) const {
  return p.person.roles.count(role) > 0 &&
         (p.person.all_sites || p.person.sites.count(std::string(site)) > 0);
}

}  // namespace custodian::domain
