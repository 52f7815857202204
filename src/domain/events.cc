#include "domain/events.h"

#include "core/overloaded.h"

namespace custodian::domain {
namespace {

using core::Overloaded;

std::string ItemSubject(const std::string& serial) { return "item:" + serial; }
std::string PersonSubject(const std::string& badge) { return "person:" + badge; }

}  // namespace

std::string_view KindOf(const DomainEvent& e) {
  return std::visit(Overloaded{
                        [](const SiteDefined&) { return "site.defined"; },
                        [](const CompartmentDefined&) { return "compartment.defined"; },
                        [](const ItemTypeDefined&) { return "item_type.defined"; },
                        [](const ItemDefined&) { return "item.defined"; },
                        [](const PersonDefined&) { return "person.defined"; },
                        [](const CredentialRevoked&) { return "credential.revoked"; },
                        [](const CredentialReinstated&) { return "credential.reinstated"; },
                        [](const LoginSucceeded&) { return "login.succeeded"; },
                        [](const LoginFailed&) { return "login.failed"; },
                        [](const CredentialLocked&) { return "credential.locked"; },
                        [](const CredentialReleased&) { return "credential.released"; },
                        [](const StaffLoginSet&) { return "credential.staff_login_set"; },
                        [](const AccessDenied&) { return "access.denied"; },
                        [](const SignOutGranted&) { return "signout.granted"; },
                        [](const ItemSignedOut&) { return "item.signed_out"; },
                        [](const SignOutAbandoned&) { return "signout.abandoned"; },
                        [](const ReturnStarted&) { return "return.started"; },
                        [](const ReturnAbandoned&) { return "return.abandoned"; },
                        [](const ItemReturned&) { return "item.returned"; },
                        [](const ReturnRejected&) { return "return.rejected"; },
                        [](const ItemHandedOver&) { return "item.handed_over"; },
                        [](const ProblemReported&) { return "item.problem_reported"; },
                        [](const ServiceOpened&) { return "service.opened"; },
                        [](const ItemServiced&) { return "item.serviced"; },
                        [](const ItemOverdue&) { return "item.overdue"; },
                        [](const ChargeObserved&) { return "item.charge_observed"; },
                        [](const HardwareAlarm&) { return "hardware.alarm"; },
                        [](const EmergencyModeSet&) { return "emergency.mode_set"; },
                        [](const PartialUse&) { return "item.partial_use"; },
                        [](const AlertAcknowledged&) { return "alert.acknowledged"; },
                        [](const ApiTokenIssued&) { return "credential.api_token_issued"; },
                        [](const ApiTokenRevoked&) { return "credential.api_token_revoked"; },
                        [](const EmergencyModeAsked&) { return "emergency.mode_asked"; },
                    },
                    e);
}

std::vector<std::string> SubjectsOf(const DomainEvent& e) {
  return std::visit(
      Overloaded{
          [](const SiteDefined& x) -> std::vector<std::string> { return {"site:" + x.site.code}; },
          [](const CompartmentDefined& x) -> std::vector<std::string> {
            return {"compartment:" + x.compartment.key.ToString()};
          },
          [](const ItemTypeDefined& x) -> std::vector<std::string> {
            return {"item_type:" + x.type.code};
          },
          [](const ItemDefined& x) -> std::vector<std::string> {
            return {ItemSubject(x.item.serial)};
          },
          [](const PersonDefined& x) -> std::vector<std::string> {
            return {PersonSubject(x.person.badge)};
          },
          [](const SignOutGranted& x) -> std::vector<std::string> {
            std::vector<std::string> s{ItemSubject(x.serial), PersonSubject(x.badge)};
            if (!x.approver.empty()) s.push_back(PersonSubject(x.approver));
            if (!x.override_by.empty()) s.push_back(PersonSubject(x.override_by));
            return s;
          },
          [](const ItemHandedOver& x) -> std::vector<std::string> {
            return {ItemSubject(x.serial), PersonSubject(x.from_badge), PersonSubject(x.to_badge)};
          },
          [](const ChargeObserved& x) -> std::vector<std::string> {
            return {ItemSubject(x.serial)};
          },
          [](const EmergencyModeSet& x) -> std::vector<std::string> {
            std::vector<std::string> s{x.bank.empty() ? "site:" + x.site
                                                      : "bank:" + x.site + "/" + x.bank};
            for (const std::string* b : {&x.by, &x.second}) {
              if (!b->empty() && b->find(':') == std::string::npos) s.push_back(PersonSubject(*b));
            }
            return s;
          },
          [](const EmergencyModeAsked& x) -> std::vector<std::string> {
            return {x.bank.empty() ? "site:" + x.site : "bank:" + x.site + "/" + x.bank,
                    PersonSubject(x.badge)};
          },
          [](const HardwareAlarm& x) -> std::vector<std::string> {
            std::vector<std::string> s{x.compartment.empty() ? "bank:" + x.site + "/" + x.bank
                                                             : "compartment:" + x.site + "/" +
                                                                   x.bank + "/" + x.compartment};
            for (const std::string& serial : x.serials) s.push_back(ItemSubject(serial));
            return s;
          },
          [](const auto& x) -> std::vector<std::string> {
            if constexpr (requires { x.serial; }) {
              if (x.serial.empty()) return {PersonSubject(x.badge)};
              return {ItemSubject(x.serial), PersonSubject(x.badge)};
            } else {
              return {PersonSubject(x.badge)};
            }
          },
      },
      e);
}

}  // namespace custodian::domain
