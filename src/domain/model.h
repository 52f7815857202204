// The physical and organisational world that Custodian manages (PRODUCT.md §2): sites, locker
// banks and compartments, item types and items, people with their roles, certifications and
// schedules. These are plain values; who holds what (custody) and the credential state live in
// domain/state.h, and every change to any of them is a domain event (domain/events.h) recorded in
// the ledger.
//
// Identifiers are the codes people use: a site "HQ", a bank "A", a compartment "14", an item's
// serial, a person's badge. Dates are civil days (std::chrono::sys_days); instants are UTC
// microseconds since the Unix epoch, as everywhere in Custodian.
//
// Thread-safety: values; copies are independent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace custodian::domain {

using Micros = int64_t;  // UTC microseconds since the Unix epoch
using Date = std::chrono::sys_days;

// kEmergency: may, with a second emergency person, open compartments during a lockdown, and
// (like supervisors and admins) set and lift emergency modes.
enum class Role {
  kOfficer,
  kArmorer,
  kEvidenceCustodian,
  kSupervisor,
  kAdmin,
  kAuditor,
  kEmergency
};
inline constexpr Role kAllRoles[] = {Role::kOfficer,    Role::kArmorer, Role::kEvidenceCustodian,
                                     Role::kSupervisor, Role::kAdmin,   Role::kAuditor,
                                     Role::kEmergency};
std::string_view RoleName(Role r);  // "officer", "evidence_custodian", …
core::Result<Role> ParseRole(std::string_view name);

enum class CompartmentSize { kSmall, kMedium, kLarge, kLongGun };
std::string_view SizeName(CompartmentSize s);  // "small", "medium", "large", "long_gun"
core::Result<CompartmentSize> ParseSize(std::string_view name);

enum class Feature { kCharging, kRfid, kScale, kRefrigerated, kPassThrough };
inline constexpr Feature kAllFeatures[] = {Feature::kCharging, Feature::kRfid, Feature::kScale,
                                           Feature::kRefrigerated, Feature::kPassThrough};
std::string_view FeatureName(
    Feature f);  // "charging", "rfid", "scale", "refrigerated", "pass_through"
core::Result<Feature> ParseFeature(std::string_view name);

enum class Category { kFirearm, kLessLethal, kRadio, kBodyCamera, kKey, kEvidence, kOther };
std::string_view CategoryName(Category c);  // "firearm", "less_lethal", "radio", …
core::Result<Category> ParseCategory(std::string_view name);

// "2026-11-20"; ParseDate accepts exactly that form and real calendar dates only.
std::string FormatDate(Date d);
core::Result<Date> ParseDate(std::string_view text);
// "20 Nov 2026": the form used in sentences an officer reads.
std::string FormatDateForPeople(Date d);

struct Site {
  std::string code;  // [A-Za-z0-9._-], as ledger site codes
  std::string name;
  std::string timezone;  // IANA name, e.g. "America/New_York"
  friend bool operator==(const Site&, const Site&) = default;
};

struct CompartmentKey {
  std::string site, bank, compartment;
  std::string ToString() const { return site + "/" + bank + "/" + compartment; }
  friend auto operator<=>(const CompartmentKey&, const CompartmentKey&) = default;
};

struct Compartment {
  CompartmentKey key;
  CompartmentSize size = CompartmentSize::kMedium;
  std::set<Feature> features;
  friend bool operator==(const Compartment&, const Compartment&) = default;
};

struct ItemType {
  std::string code;  // "CEW", "RADIO", "RIFLE"
  Category category = Category::kOther;
  std::vector<std::string> certifications;  // every one must be valid to take an item of it
  int loan_hours = 12;                      // default loan period; > 0
  bool two_person = false;                  // a second person must approve a sign-out
  bool chargeable = false;                  // must be charged enough to go out
  int service_every_signouts = 0;           // 0 = no sign-out based service
  int service_every_days = 0;               // 0 = no calendar based service
  bool consumable = false;  // used up in service (OC spray): returned lighter is partial use
  friend bool operator==(const ItemType&, const ItemType&) = default;
};

struct Item {
  std::string serial;
  std::string type;
  std::string tag;  // RFID EPC, 24 upper-case hex digits (96 bits)
  CompartmentKey home;
  int weight_g = 0;  // reference weight
  friend bool operator==(const Item&, const Item&) = default;
};

// A weekly window in the site's local time: days is a bit set (bit 0 = Monday … bit 6 = Sunday);
// minutes since local midnight, start < end (a window never crosses midnight: write two).
struct ScheduleWindow {
  uint8_t days = 0;
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const ScheduleWindow&, const ScheduleWindow&) = default;
};
// Empty = any time. Parsed from "Mon-Fri 06:00-18:00;Sat 08:00-12:00".
using Schedule = std::vector<ScheduleWindow>;
core::Result<Schedule> ParseSchedule(std::string_view text);
std::string FormatSchedule(const Schedule& s);

struct Person {
  std::string badge;
  std::string name;
  std::set<Role> roles;
  std::set<std::string> sites;                 // where the roles apply
  bool all_sites = false;                      // "*": every site, present and future
  std::map<std::string, Date> certifications;  // code → expiry date (valid through that day)
  std::optional<Date> licence_expires;         // weapon licence; none = no licence
  Schedule schedule;
  friend bool operator==(const Person&, const Person&) = default;
};

}  // namespace custodian::domain
