#include "app/demo_agency.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace custodian::app {
namespace {

using domain::Date;
using std::chrono::days;

// A CSV field as the import reads it back: quoted when it holds a comma, a quote or a line break.
std::string Field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Row(std::initializer_list<std::string_view> fields) {
  std::string out;
  for (std::string_view f : fields) {
    if (!out.empty()) out += ',';
    out += Field(f);
  }
  return out + "\n";
}

// SplitMix64: a fixed, well-mixed function of n, so tags and weights look random yet never change.
// It is a bijection of 64-bit words, so distinct inputs give distinct tags.
uint64_t Mix(uint64_t n) {
  uint64_t z = n + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// ---------------------------------------------------------------------------------------------
// Sites, lockers and what is kept in them.

struct SiteSpec {
  const char* code;
  const char* name;
  const char* timezone;
};
constexpr std::array<SiteSpec, 3> kSites = {{
    {"HQ", "Headquarters", "America/New_York"},
    {"D2", "District 2 Station, Westside", "America/Chicago"},
    {"EVF", "Evidence & Property Facility", "America/Denver"},
}};

// Compartments first..last of a bank, all alike, each holding `per_compartment` items of `type`
// (none when type is empty: an empty compartment, e.g. an evidence intake locker).
struct Slots {
  const char* bank;
  int first, last;
  const char* size;
  const char* features;
  const char* type;
  int per_compartment;
};

// A patrol armory (headquarters and district station): bank A weapons, bank B equipment.
constexpr std::array<Slots, 11> kPatrolArmory = {{
    {"A", 1, 4, "long_gun", "rfid;scale", "RIFLE", 1},
    {"A", 5, 6, "long_gun", "rfid;scale", "LAUNCHER", 1},
    {"A", 7, 12, "medium", "rfid;scale", "PISTOL", 1},
    {"A", 13, 18, "small", "charging;rfid;scale", "CEW", 1},
    {"A", 19, 20, "small", "rfid;scale", "OC", 4},
    {"B", 1, 8, "small", "charging;rfid", "RADIO", 1},
    {"B", 9, 14, "small", "charging;rfid", "BODYCAM", 1},
    {"B", 15, 16, "medium", "rfid", "VEHKEY", 8},
    {"B", 17, 17, "medium", "rfid;scale", "PBT", 2},
    {"B", 18, 19, "large", "rfid;scale", "TRAUMA_KIT", 1},
    {"B", 20, 20, "large", "rfid;scale", "", 0},
}};

// The evidence facility: bank A evidence (pass-through intake, refrigerated biological evidence,
// shelves, long guns held as evidence), bank B the staff's equipment and overflow evidence.
constexpr std::array<Slots, 12> kEvidenceFacility = {{
    {"A", 1, 4, "medium", "pass_through;rfid;scale", "", 0},
    {"A", 5, 8, "small", "refrigerated;rfid;scale", "BIO", 3},
    {"A", 9, 16, "large", "rfid;scale", "EVIDENCE", 4},
    {"A", 17, 20, "long_gun", "rfid;scale", "EVIDENCE", 1},
    {"B", 1, 2, "medium", "rfid;scale", "PISTOL", 1},
    {"B", 3, 6, "small", "charging;rfid", "RADIO", 1},
    {"B", 7, 8, "small", "charging;rfid", "BODYCAM", 1},
    {"B", 9, 10, "small", "charging;rfid;scale", "CEW", 1},
    {"B", 11, 11, "small", "rfid;scale", "OC", 4},
    {"B", 12, 13, "medium", "rfid", "FACKEY", 6},
    {"B", 14, 17, "large", "rfid;scale", "EVIDENCE", 2},
    {"B", 18, 20, "large", "rfid;scale", "", 0},
}};

struct TypeSpec {
  const char* code;
  const char* category;
  const char* certifications;
  const char* loan_hours;
  const char* two_person;
  const char* chargeable;
  const char* service_every_signouts;
  const char* service_every_days;
  const char* serial_prefix;
  int weight_g, weight_spread_g;  // reference weight: weight_g + [0, spread)
};
constexpr std::array<TypeSpec, 13> kTypes = {{
    {"PISTOL", "firearm", "FIREARM", "12", "no", "no", "", "365", "PST", 860, 150},
    {"RIFLE", "firearm", "FIREARM;RIFLE", "12", "yes", "no", "", "180", "RFL", 3200, 500},
    {"LAUNCHER", "less_lethal", "LL40", "12", "no", "no", "", "365", "LL", 2600, 300},
    {"CEW", "less_lethal", "CEW", "12", "no", "yes", "500", "365", "CEW", 430, 60},
    {"OC", "less_lethal", "OC", "12", "no", "no", "", "", "OC", 95, 40},
    {"RADIO", "radio", "", "12", "no", "yes", "", "", "RAD", 380, 50},
    {"BODYCAM", "body_camera", "", "12", "no", "yes", "", "", "BWC", 140, 25},
    {"VEHKEY", "key", "", "12", "no", "no", "", "", "VK", 45, 40},
    {"FACKEY", "key", "", "4", "no", "no", "", "", "FK", 60, 60},
    {"EVIDENCE", "evidence", "", "72", "no", "no", "", "", "EV", 50, 3000},
    {"BIO", "evidence", "", "24", "no", "no", "", "", "BIO", 20, 200},
    {"PBT", "other", "BREATH", "12", "no", "no", "", "180", "PBT", 190, 30},
    {"TRAUMA_KIT", "other", "", "12", "no", "no", "", "90", "TK", 1400, 400},
}};

const TypeSpec& FindTypeSpec(std::string_view code) {
  for (const TypeSpec& t : kTypes) {
    if (code == t.code) return t;
  }
  return kTypes.front();  // unreachable: every layout names a type of kTypes
}

// ---------------------------------------------------------------------------------------------
// People.

constexpr std::array<const char*, 32> kFirstNames = {
    "Ana",    "Marcus", "Priya",  "James",   "Lucia",  "Daniel", "Keisha", "Robert",
    "Mei",    "Carlos", "Hannah", "Tyrone",  "Sofia",  "Ethan",  "Aisha",  "Michael",
    "Grace",  "Jamal",  "Elena",  "Kevin",   "Nadia",  "Brian",  "Rosa",   "Samuel",
    "Olivia", "Victor", "Leah",   "Anthony", "Fatima", "Derek",  "Chloe",  "Luis"};
constexpr std::array<const char*, 31> kLastNames = {
    "Rivera",   "Okafor",  "Patel",    "Walsh",    "Moreno",   "Kim",     "Washington", "Novak",
    "Chen",     "Alvarez", "Schmidt",  "Brooks",   "Rossi",    "O'Brien", "Haddad",     "Nguyen",
    "Foster",   "Reyes",   "Kowalski", "Thompson", "Said",     "Murphy",  "Castillo",   "Adeyemi",
    "Johansen", "Silva",   "Goldberg", "Bennett",  "Yamamoto", "Price",   "Delgado"};

// The n-th demo name; distinct for n < 32 * 31.
std::string NameOf(int n) {
  return std::string(kFirstNames[n % kFirstNames.size()]) + " " + kLastNames[n % kLastNames.size()];
}

struct PersonSpec {
  std::string badge;
  std::string roles;
  std::string sites;
  std::map<std::string, int> certifications;  // code → expiry, in days from today
  std::optional<int> licence;                 // expiry in days from today; none = no licence
  std::string schedule;
};

std::string DateIn(Date today, int days_from_today) {
  return domain::FormatDate(today + days(days_from_today));
}

// Expiry in days from today for certification `c` of generated officer `j`: about one in twelve
// expired, one in twelve expiring within 30 days, the rest valid for two months to two years.
int GeneratedExpiry(int j, int c) {
  const int draw = static_cast<int>(Mix(uint64_t(j) * 16 + uint64_t(c)) % 12);
  if (draw == 0) return -5 - (j * 11 + c * 5) % 200;
  if (draw == 1) return 1 + (j * 3 + c * 7) % 29;
  return 61 + (j * 37 + c * 53) % 700;
}

std::vector<PersonSpec> People() {
  std::vector<PersonSpec> out;
  // The officers the demo credentials point at (see MakeDemoAgency).
  out.push_back({"1001",
                 "officer",
                 "HQ",
                 {{"FIREARM", 400}, {"RIFLE", 380}, {"CEW", 300}, {"OC", 500}, {"BREATH", 250}},
                 900,
                 ""});
  out.push_back({"1002", "officer", "HQ", {{"FIREARM", 350}, {"CEW", -20}, {"OC", 420}}, 700, ""});
  out.push_back({"1003", "officer", "HQ", {{"FIREARM", 12}, {"CEW", 200}, {"OC", 300}}, 600, ""});
  out.push_back({"1004", "officer", "D2", {{"FIREARM", 300}, {"CEW", 250}, {"OC", 300}}, -45, ""});
  out.push_back({"1005",
                 "officer",
                 "D2",
                 {{"FIREARM", 500}, {"CEW", 400}, {"OC", 400}},
                 800,
                 "Mon-Fri 06:00-18:00"});
  out.push_back(
      {"1006", "officer", "HQ;D2", {{"FIREARM", 260}, {"CEW", 200}, {"OC", 300}}, 500, ""});
  // Forty more officers with a mix of everything.
  for (int j = 7; j <= 46; ++j) {
    PersonSpec p;
    p.badge = std::to_string(1000 + j);
    p.roles = "officer";
    p.sites = j % 7 == 0 ? "HQ;D2" : j % 10 == 3 ? "EVF" : j % 2 == 1 ? "HQ" : "D2";
    p.certifications["FIREARM"] = GeneratedExpiry(j, 0);
    p.certifications["OC"] = GeneratedExpiry(j, 1);
    if (j % 5 != 0) p.certifications["CEW"] = GeneratedExpiry(j, 2);
    if (j % 3 == 0) p.certifications["RIFLE"] = GeneratedExpiry(j, 3);
    if (j % 8 == 1) p.certifications["LL40"] = GeneratedExpiry(j, 4);
    if (j % 4 == 2) p.certifications["BREATH"] = GeneratedExpiry(j, 5);
    if (j % 13 == 4) {
      p.licence = -30 - j;
    } else if (j % 19 != 11) {  // one officer without a weapon licence on record
      p.licence = 180 + (j * 41) % 1200;
    }
    if (j % 9 == 2) p.schedule = "Mon-Fri 06:00-18:00";
    if (j % 9 == 5) p.schedule = "Mon-Fri 22:00-24:00;Tue-Sat 00:00-06:00";
    if (j % 17 == 8) p.schedule = "Sat,Sun 07:00-19:00";
    out.push_back(std::move(p));
  }
  // Sergeants and a lieutenant.
  const std::map<std::string, int> full = {
      {"FIREARM", 420}, {"RIFLE", 300}, {"CEW", 330}, {"OC", 460}, {"LL40", 240}};
  out.push_back({"2001", "officer;supervisor", "HQ;D2", full, 1000, ""});
  out.push_back(
      {"2002", "officer;supervisor", "HQ", {{"FIREARM", 200}, {"CEW", 25}, {"OC", 380}}, 640, ""});
  out.push_back({"2003", "officer;supervisor", "D2", full, 720, "Mon-Fri 14:00-24:00"});
  out.push_back(
      {"2004", "supervisor", "EVF", {{"FIREARM", 150}, {"OC", 150}}, 500, "Mon-Fri 07:00-17:00"});
  // 2005 and 5001 are the emergency pair: together they may open a bank in lockdown.
  out.push_back({"2005", "officer;supervisor;emergency", "*", full, 1200, ""});
  // Armorers, evidence custodians, administrators, auditors.
  out.push_back({"3001",
                 "officer;armorer",
                 "*",
                 {{"FIREARM", 500}, {"RIFLE", 500}, {"CEW", 500}, {"OC", 500}, {"LL40", 500}},
                 1100,
                 ""});
  out.push_back({"3002", "armorer", "HQ;D2", {{"FIREARM", -60}, {"RIFLE", 90}}, 300, ""});
  out.push_back({"4001", "evidence_custodian", "EVF", {}, std::nullopt, ""});
  out.push_back({"4002", "evidence_custodian", "EVF", {}, std::nullopt, "Mon-Fri 07:00-19:00"});
  out.push_back(
      {"4003", "officer;evidence_custodian", "EVF;HQ", {{"FIREARM", 18}, {"OC", 270}}, 410, ""});
  out.push_back({"5001", "admin;emergency", "*", {}, std::nullopt, ""});
  out.push_back({"5002", "admin", "HQ", {}, std::nullopt, "Mon-Fri 08:00-17:00"});
  out.push_back({"6001", "auditor", "*", {}, std::nullopt, ""});
  out.push_back({"6002", "auditor", "*", {}, std::nullopt, ""});
  return out;
}

}  // namespace

DemoAgency MakeDemoAgency(Date today) {
  DemoAgency d;

  d.sites_csv = "code,name,timezone\n";
  for (const SiteSpec& s : kSites) d.sites_csv += Row({s.code, s.name, s.timezone});

  // With the optional consumable column: OC spray comes back lighter after use (partial use).
  d.types_csv = ImportHeader(ImportKind::kTypes) + ",consumable\n";
  for (const TypeSpec& t : kTypes) {
    d.types_csv += Row({t.code, t.category, t.certifications, t.loan_hours, t.two_person,
                        t.chargeable, t.service_every_signouts, t.service_every_days,
                        std::string_view(t.code) == "OC" ? "yes" : "no"});
  }

  // Lockers and items, walking the layouts; serials count up per type across the agency.
  d.lockers_csv = ImportHeader(ImportKind::kLockers) + "\n";
  d.items_csv = ImportHeader(ImportKind::kItems) + "\n";
  std::map<std::string, int> numbered;
  std::vector<std::string> chargeable;  // serials, in item order
  uint64_t item_count = 0;
  for (const SiteSpec& site : kSites) {
    const bool evidence = std::string_view(site.code) == "EVF";
    const std::span<const Slots> layout = evidence ? std::span<const Slots>(kEvidenceFacility)
                                                   : std::span<const Slots>(kPatrolArmory);
    for (const Slots& s : layout) {
      for (int c = s.first; c <= s.last; ++c) {
        const std::string compartment = std::to_string(c);
        d.lockers_csv += Row({site.code, s.bank, compartment, s.size, s.features});
        for (int k = 0; k < s.per_compartment; ++k) {
          const TypeSpec& t = FindTypeSpec(s.type);
          char serial[32];
          std::snprintf(serial, sizeof serial, "%s-%04d", t.serial_prefix, ++numbered[t.code]);
          const uint64_t r = Mix(0xC057'0D1A'0000'0000ULL + item_count++);
          char tag[32];
          std::snprintf(tag, sizeof tag, "E2801170%016llX", static_cast<unsigned long long>(r));
          // Evidence in a long-gun compartment is a seized long gun: heavier than a bag.
          const bool long_gun = std::string_view(s.size) == "long_gun";
          const int base = long_gun && evidence ? 2500 : t.weight_g;
          const int weight = base + static_cast<int>((r >> 40) % uint64_t(t.weight_spread_g));
          d.items_csv +=
              Row({serial, t.code, tag, site.code, s.bank, compartment, std::to_string(weight)});
          if (std::string_view(t.chargeable) == "yes") chargeable.emplace_back(serial);
        }
      }
    }
  }

  d.people_csv = ImportHeader(ImportKind::kPeople) + "\n";
  int n = 0;
  std::map<std::string, std::string> names;
  for (const PersonSpec& p : People()) {
    std::string certs;
    for (const auto& [code, expiry] : p.certifications) {
      if (!certs.empty()) certs += ';';
      certs += code + "@" + DateIn(today, expiry);
    }
    const std::string name = NameOf(n++);
    names[p.badge] = name;
    d.people_csv += Row({p.badge, name, p.roles, p.sites, certs,
                         p.licence ? DateIn(today, *p.licence) : "", p.schedule, kDemoPin});
  }

  // What the charging bays report: most items charged, every sixth one too low to go out.
  for (size_t i = 0; i < chargeable.size(); ++i) {
    const int percent =
        i % 6 == 5 ? 12 + static_cast<int>(i * 7 % 35) : 55 + static_cast<int>(i * 13 % 46);
    d.events.push_back(domain::ChargeObserved{chargeable[i], percent});
  }
  d.events.push_back(domain::ProblemReported{"1001", "CEW-0004",
                                             "probe cartridge bay cracked; fails the spark test"});
  d.events.push_back(
      domain::ProblemReported{"2003", "RFL-0006", "optic does not hold zero after a drop"});

  auto cred = [&](const std::string& badge, const std::string& role, const std::string& site,
                  const std::string& demonstrates, const std::string& try_item) {
    d.credentials.push_back({badge, names[badge], role, site, demonstrates, try_item});
  };
  cred("1001", "officer", "HQ", "every certification valid: pistols, rifles, CEWs, radios",
       "PST-0001");
  cred("1002", "officer", "HQ",
       "CEW certification expired 20 days ago: CEWs withheld (certification_expired)", "CEW-0001");
  cred("1003", "officer", "HQ", "FIREARM certification expires in 12 days: still allowed",
       "PST-0002");
  cred("1004", "officer", "D2", "weapon licence expired 45 days ago: firearms withheld",
       "PST-0007");
  cred("1005", "officer", "D2",
       "schedule Mon-Fri 06:00-18:00 (Chicago): outside it everything is withheld", "RAD-0009");
  cred("1006", "officer", "HQ;D2", "no RIFLE certification: rifles withheld", "RFL-0001");
  cred("2001", "supervisor", "HQ;D2", "sergeant: rifles need a second person to approve",
       "RFL-0002");
  cred("3001", "armorer", "*", "armorer: may open the quarantined CEW-0004 for service",
       "CEW-0004");
  cred("4001", "evidence_custodian", "EVF", "evidence custodian: the only role that takes evidence",
       "EV-0001");
  cred("5001", "admin", "*", "administrator: takes no equipment (role_not_permitted)", "PST-0001");
  cred("6001", "auditor", "*", "auditor: reads the ledger, takes nothing", "EV-0001");
  return d;
}

}  // namespace custodian::app
