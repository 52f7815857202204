#include "domain/alerts.h"

#include <algorithm>
#include <set>

#include "core/clock.h"
#include "core/overloaded.h"
#include "domain/state.h"

namespace custodian::domain {
namespace {

// Denials that say someone tried what they may not do (as opposed to an item that is out, low on
// charge or due for service, which the terminal explains and nobody needs to look into).
const std::set<std::string, std::less<>> kUnauthorised = {
    "unknown_person",    "credential_revoked",    "credential_locked",     "role_not_permitted",
    "no_access_at_site", "certification_missing", "certification_expired", "licence_missing",
    "licence_expired",   "wrong_compartment"};

std::string Who(const State& s, const std::string& badge) {
  const PersonState* p = s.FindPerson(badge);
  return p == nullptr ? badge : badge + " " + p->person.name;
}

// The site an alert about a person belongs to: their only site, else none (agency-wide).
std::string SiteOf(const State& s, const std::string& badge) {
  const PersonState* p = s.FindPerson(badge);
  if (p == nullptr || p->person.all_sites || p->person.sites.size() != 1) return "";
  return *p->person.sites.begin();
}

}  // namespace

std::optional<Alert> AlertFor(const DomainEvent& event, const State& s, uint64_t index, Micros at) {
  Alert a;
  a.index = index;
  a.at = at;
  a.kind = std::string(KindOf(event));
  a.severity = "warning";
  auto about_item = [&](const std::string& serial) {
    a.serial = serial;
    if (const ItemState* i = s.FindItem(serial)) {
      a.site = i->item.home.site;
      a.bank = i->item.home.bank;
      a.compartment = i->item.home.compartment;
    }
  };
  const bool raised = std::visit(
      core::Overloaded{
          [&](const ItemOverdue& e) {
            a.code = "overdue";
            a.badge = e.badge;
            about_item(e.serial);
            a.summary = "Item " + e.serial + " is overdue: held by " + Who(s, e.badge) +
                        ", due back " + core::FormatUtcMicros(e.due) + ".";
            return true;
          },
          [&](const AccessDenied& e) {
            bool schedule = false, lockdown = false, unauthorised = false;
            std::string why;
            for (const Reason& r : e.reasons) {
              const bool counts = r.code == "outside_schedule" || r.code == "lockdown" ||
                                  kUnauthorised.count(r.code) > 0;
              schedule = schedule || r.code == "outside_schedule";
              lockdown = lockdown || r.code == "lockdown";
              unauthorised = unauthorised || kUnauthorised.count(r.code) > 0;
              if (counts && why.empty()) why = r.sentence;
            }
            if (!schedule && !lockdown && !unauthorised) return false;
            a.code = schedule ? "outside_schedule"
                              : (unauthorised ? "unauthorised_attempt" : "lockdown_attempt");
            a.badge = e.badge;
            if (!e.serial.empty()) {
              about_item(e.serial);
            } else {
              a.site = SiteOf(s, e.badge);
            }
            a.summary = Who(s, e.badge) + " was refused (" + e.action + ")" +
                        (e.serial.empty() ? "" : " for " + e.serial) +
                        (why.empty() ? "." : ": " + why);
            return true;
          },
          [&](const CredentialLocked& e) {
            a.code = "credential_locked";
            a.badge = e.badge;
            a.site = SiteOf(s, e.badge);
            a.summary = "The credential of " + Who(s, e.badge) +
                        " is locked after repeated failed logins; an administrator must release "
                        "it.";
            return true;
          },
          [&](const HardwareAlarm& e) {
            static const std::set<std::string, std::less<>> kConditions = {
                "forced_door",    "tamper",     "door_held_open", "bank_offline",
                "bad_answer",     "mains_lost", "fire_alarm",     "temperature_excursion",
                "weight_mismatch"};
            if (!kConditions.count(e.code)) return false;
            a.code = e.code;
            a.severity = e.code == "forced_door" || e.code == "tamper" || e.code == "fire_alarm"
                             ? "critical"
                             : "warning";
            a.site = e.site;
            a.bank = e.bank;
            a.compartment = e.compartment;
            if (e.serials.size() == 1) a.serial = e.serials.front();
            a.summary = e.detail.empty() ? e.code + " at " + e.site + "/" + e.bank : e.detail;
            return true;
          },
          [&](const ReturnRejected& e) {
            a.code = "wrong_item";
            a.badge = e.badge;
            about_item(e.serial);
            a.summary = Who(s, e.badge) + "'s return of " + e.serial +
                        " was rejected: " + e.reason +
                        (e.tag_read.empty() ? "" : " (tag read " + e.tag_read + ")") + ".";
            return true;
          },
          [&](const PartialUse& e) {
            a.code = "partial_use";
            a.severity = "info";
            a.badge = e.badge;
            about_item(e.serial);
            a.summary = e.serial + " came back lighter: " + std::to_string(e.measured_g) +
                        " g of " + std::to_string(e.expected_g) + " g.";
            return true;
          },
          [&](const ProblemReported& e) {
            a.code = "problem_reported";
            a.badge = e.badge;
            about_item(e.serial);
            a.summary =
                Who(s, e.badge) + " reported a problem with " + e.serial + ": " + e.description;
            return true;
          },
          [&](const EmergencyModeSet& e) {
            a.code = "emergency_mode";
            // A lockdown or every door open is critical; the return to normal is worth a look.
            a.severity = e.mode == "normal" ? "warning" : "critical";
            a.site = e.site;
            a.bank = e.bank;
            a.summary = "Emergency mode " + e.mode + " for " +
                        (e.bank.empty() ? "site " + e.site : "bank " + e.site + "/" + e.bank) +
                        ", set by " + e.by + (e.second.empty() ? "" : " and " + e.second) +
                        (e.reason.empty() ? "." : ": " + e.reason);
            return true;
          },
          [&](const EmergencyModeAsked& e) {
            a.code = "emergency_asked";
            a.severity = e.mode == "normal" ? "warning" : "critical";
            a.site = e.site;
            a.bank = e.bank;
            a.badge = e.badge;
            a.summary = Who(s, e.badge) + " asks for emergency mode " + e.mode + " of " +
                        (e.bank.empty() ? "site " + e.site : "bank " + e.site + "/" + e.bank) +
                        " (" + e.reason + "): a second person must approve ask " +
                        std::to_string(e.ask) + ".";
            return true;
          },
          [&](const auto&) { return false; },
      },
      event);
  if (!raised) return std::nullopt;
  return a;
}

}  // namespace custodian::domain
