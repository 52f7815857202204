#include "app/event_codec.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>

namespace custodian::domain {

// nlohmann-json conversions for the domain types. They throw (as nlohmann does) on bad input; the
// exceptions never leave this file: DecodePayload turns them into a Status.
using nlohmann::json;

namespace {
template <typename T>
T OrThrow(core::Result<T> r) {
  if (!r) throw std::invalid_argument(r.error().message());
  return *r;
}
}  // namespace

void to_json(json& j, Role v) { j = RoleName(v); }
void from_json(const json& j, Role& v) { v = OrThrow(ParseRole(j.get<std::string>())); }
void to_json(json& j, CompartmentSize v) { j = SizeName(v); }
void from_json(const json& j, CompartmentSize& v) { v = OrThrow(ParseSize(j.get<std::string>())); }
void to_json(json& j, Feature v) { j = FeatureName(v); }
void from_json(const json& j, Feature& v) { v = OrThrow(ParseFeature(j.get<std::string>())); }
void to_json(json& j, Category v) { j = CategoryName(v); }
void from_json(const json& j, Category& v) { v = OrThrow(ParseCategory(j.get<std::string>())); }

}  // namespace custodian::domain

namespace nlohmann {
// Dates as "YYYY-MM-DD"; schedules in their text form ("Mon-Fri 06:00-18:00").
template <>
struct adl_serializer<custodian::domain::Date> {
  static void to_json(json& j, const custodian::domain::Date& d) {
    j = custodian::domain::FormatDate(d);
  }
  static void from_json(const json& j, custodian::domain::Date& d) {
    d = custodian::domain::OrThrow(custodian::domain::ParseDate(j.get<std::string>()));
  }
};
template <>
struct adl_serializer<std::optional<custodian::domain::Date>> {
  static void to_json(json& j, const std::optional<custodian::domain::Date>& d) {
    if (d) {
      j = custodian::domain::FormatDate(*d);
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<custodian::domain::Date>& d) {
    if (j.is_null()) {
      d.reset();
    } else {
      d = j.get<custodian::domain::Date>();
    }
  }
};
}  // namespace nlohmann

namespace custodian::domain {

void to_json(json& j, const Schedule& s) { j = FormatSchedule(s); }
void from_json(const json& j, Schedule& s) { s = OrThrow(ParseSchedule(j.get<std::string>())); }

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Site, code, name, timezone)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompartmentKey, site, bank, compartment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Compartment, key, size, features)
// ItemType by hand: every field is required except `consumable` (added after the first ledgers
// were written; absent means false), so those ledgers still replay.
void to_json(json& j, const ItemType& t) {
  j = json{{"code", t.code},
           {"category", t.category},
           {"certifications", t.certifications},
           {"loan_hours", t.loan_hours},
           {"two_person", t.two_person},
           {"chargeable", t.chargeable},
           {"service_every_signouts", t.service_every_signouts},
           {"service_every_days", t.service_every_days},
           {"consumable", t.consumable}};
}
void from_json(const json& j, ItemType& t) {
  j.at("code").get_to(t.code);
  j.at("category").get_to(t.category);
  j.at("certifications").get_to(t.certifications);
  j.at("loan_hours").get_to(t.loan_hours);
  j.at("two_person").get_to(t.two_person);
  j.at("chargeable").get_to(t.chargeable);
  j.at("service_every_signouts").get_to(t.service_every_signouts);
  j.at("service_every_days").get_to(t.service_every_days);
  t.consumable = j.contains("consumable") ? j.at("consumable").get<bool>() : false;
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Item, serial, type, tag, home, weight_g)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Person, badge, name, roles, sites, all_sites, certifications,
                                   licence_expires, schedule)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Reason, code, sentence)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SiteDefined, site)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CompartmentDefined, compartment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemTypeDefined, type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemDefined, item)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PersonDefined, person, pin_set)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CredentialRevoked, badge, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CredentialReinstated, badge)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoginSucceeded, badge, site)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoginFailed, badge, site, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CredentialLocked, badge)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CredentialReleased, badge)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StaffLoginSet, badge)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AccessDenied, badge, serial, reasons, action)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SignOutGranted, badge, serial, compartment, approver,
                                   override_by, override_reason, overridden)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemSignedOut, badge, serial, due)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SignOutAbandoned, badge, serial, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReturnStarted, badge, serial, compartment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReturnAbandoned, badge, serial, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemReturned, badge, serial)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReturnRejected, badge, serial, tag_read, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemHandedOver, serial, from_badge, to_badge, due)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ProblemReported, badge, serial, description)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ServiceOpened, badge, serial, compartment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemServiced, badge, serial, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemOverdue, serial, badge, due)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ChargeObserved, serial, percent)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HardwareAlarm, site, bank, compartment, code, detail, serials)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EmergencyModeSet, site, bank, mode, by, second, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PartialUse, badge, serial, expected_g, measured_g)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AlertAcknowledged, alert, badge, site, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ApiTokenIssued, badge, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ApiTokenRevoked, badge, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EmergencyModeAsked, site, bank, mode, badge, reason, ask)

}  // namespace custodian::domain

namespace custodian::app {
namespace {

// The position of `kind` among the DomainEvent alternatives.
template <size_t I = 0>
std::optional<size_t> KindIndex(std::string_view kind) {
  if constexpr (I == std::variant_size_v<domain::DomainEvent>) {
    return std::nullopt;
  } else {
    if (domain::KindOf(domain::DomainEvent(std::in_place_index<I>)) == kind) return I;
    return KindIndex<I + 1>(kind);
  }
}

// Decodes `j` as alternative `index` (from KindIndex). Throws on a bad payload, as nlohmann does.
template <size_t I = 0>
domain::DomainEvent DecodeAt(size_t index, const nlohmann::json& j) {
  if constexpr (I + 1 == std::variant_size_v<domain::DomainEvent>) {
    return domain::DomainEvent(std::in_place_index<I>,
                               j.get<std::variant_alternative_t<I, domain::DomainEvent>>());
  } else {
    if (index == I) {
      return domain::DomainEvent(std::in_place_index<I>,
                                 j.get<std::variant_alternative_t<I, domain::DomainEvent>>());
    }
    return DecodeAt<I + 1>(index, j);
  }
}

}  // namespace

std::string EncodePayload(const domain::DomainEvent& event) {
  nlohmann::json j;
  std::visit([&](const auto& e) { j = e; }, event);
  return j.dump();
}

bool IsDomainKind(std::string_view kind) { return KindIndex(kind).has_value(); }

core::Result<domain::DomainEvent> DecodePayload(std::string_view kind, std::string_view payload) {
  const std::optional<size_t> index = KindIndex(kind);
  if (!index) {
    return core::NotFoundError("\"" + std::string(kind) + "\" is not a domain event kind");
  }
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return core::InvalidArgumentError("payload of a " + std::string(kind) +
                                      " event is not a JSON object");
  }
  try {
    return DecodeAt(*index, j);
  } catch (const std::exception& e) {
    return core::InvalidArgumentError("payload of a " + std::string(kind) + " event: " + e.what());
  }
}

}  // namespace custodian::app
