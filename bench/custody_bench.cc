#include "custody_bench.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <utility>

#include "policy/policy.h"
#include "samples.h"
#include "store/argon2_pins.h"
#include "store/tzdb_zones.h"

namespace custodian::bench {
namespace {

using core::Result;
using core::Status;
using domain::Category;
using domain::DomainEvent;
using domain::Micros;
using domain::Role;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kHour = 3600 * kSecond;
constexpr Micros kDay = 24 * kHour;

Micros UtcMicros(std::chrono::year_month_day day, int hour) {
  return std::chrono::sys_days(day).time_since_epoch().count() * kDay + hour * kHour;
}

// Written with every measured call so that the compiler cannot drop the work.
volatile size_t g_custody_sink = 0;

constexpr std::array<std::string_view, 20> kCertifications = {
    "FIREARM-PISTOL", "FIREARM-RIFLE", "FIREARM-SHOTGUN", "CEW",     "OC-SPRAY",  "BATON",
    "RADIO",          "BWC",           "DRIVING",         "PURSUIT", "FIRST-AID", "NALOXONE",
    "BREATH-TEST",    "RADAR",         "LIDAR",           "DRONE",   "K9",        "TACTICAL",
    "HAZMAT",         "EVIDENCE"};

struct TypeSpec {
  std::string_view code;
  Category category;
  std::vector<std::string> certifications;
  bool chargeable = false;
  bool two_person = false;
  int service_every_signouts = 0;
  int service_every_days = 0;
  int items = 0;
};

// 20 types, 5,000 items: what a large police station's armory and equipment room hold.
std::vector<TypeSpec> Types() {
  return {
      {"PISTOL", Category::kFirearm, {"FIREARM-PISTOL"}, false, false, 500, 0, 400},
      {"RIFLE", Category::kFirearm, {"FIREARM-RIFLE", "TACTICAL"}, false, true, 200, 0, 150},
      {"SHOTGUN", Category::kFirearm, {"FIREARM-SHOTGUN"}, false, false, 300, 0, 100},
      {"BEANBAG", Category::kLessLethal, {"FIREARM-SHOTGUN", "TACTICAL"}, false, false, 0, 0, 80},
      {"CEW", Category::kLessLethal, {"CEW"}, true, false, 25, 0, 500},
      {"OC", Category::kLessLethal, {"OC-SPRAY"}, false, false, 0, 365, 250},
      {"BATON", Category::kLessLethal, {"BATON"}, false, false, 0, 0, 250},
      {"RADIO", Category::kRadio, {"RADIO"}, true, false, 0, 0, 850},
      {"BWC", Category::kBodyCamera, {"BWC"}, true, false, 0, 0, 850},
      {"CAR-KEY", Category::kKey, {"DRIVING"}, false, false, 0, 0, 400},
      {"PURSUIT-KEY", Category::kKey, {"DRIVING", "PURSUIT"}, false, false, 0, 0, 150},
      {"AED", Category::kOther, {"FIRST-AID"}, true, false, 0, 90, 200},
      {"NALOXONE", Category::kOther, {"NALOXONE", "FIRST-AID"}, false, false, 0, 365, 200},
      {"BREATH", Category::kOther, {"BREATH-TEST"}, true, false, 0, 180, 150},
      {"RADAR", Category::kOther, {"RADAR", "DRIVING"}, true, false, 0, 0, 100},
      {"LIDAR", Category::kOther, {"LIDAR", "DRIVING"}, true, false, 0, 0, 100},
      {"DRONE", Category::kOther, {"DRONE", "RADIO"}, true, true, 0, 0, 30},
      {"K9-KIT", Category::kOther, {"K9"}, false, false, 0, 0, 40},
      {"HAZMAT-KIT", Category::kOther, {"HAZMAT", "FIRST-AID", "TACTICAL"}, false, false, 0, 0, 50},
      {"EVBAG", Category::kEvidence, {"EVIDENCE"}, false, false, 0, 0, 150},
  };
}

// Applies events to a State after State::Check, as the app layer records them.
class SiteWriter {
 public:
  explicit SiteWriter(domain::State& state) : state_(state) {}
  Status Add(DomainEvent e, Micros at) {
    if (Status s = state_.Check(e); !s.ok()) {
      return core::InternalError("the generated site is not valid: " + s.ToString());
    }
    state_.Apply(e, at);
    ++events_;
    return Status::Ok();
  }
  size_t events() const { return events_; }

 private:
  domain::State& state_;
  size_t events_ = 0;
};

std::string Numbered(std::string_view prefix, int n, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*s%0*d", static_cast<int>(prefix.size()), prefix.data(), width,
                n);
  return buf;
}

std::string Tag(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "E2801170%016X", n);
  return buf;
}

}  // namespace

Result<std::unique_ptr<CustodySite>> CustodySite::Build(uint64_t seed) {
  auto out = std::make_unique<CustodySite>();
  CustodySite& s = *out;
  CUSTODIAN_ASSIGN_OR_RETURN(s.zone, store::FindZone("America/New_York"));
  s.site = "HQ";
  s.badge = "100042";
  s.now = UtcMicros(std::chrono::year_month_day(std::chrono::year(2026), std::chrono::month(11),
                                                std::chrono::day(23)),
                    17);  // Monday 23 Nov 2026, noon in New York
  const Micros defined_at = s.now - 60 * kDay;
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto date = [](int y, unsigned m, unsigned d) {
    return domain::Date(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
  };
  SiteWriter w(s.state);

  CUSTODIAN_RETURN_IF_ERROR(
      w.Add(domain::SiteDefined{{s.site, "Headquarters", "America/New_York"}}, defined_at));

  // 100 banks of 50 compartments; each item has its own.
  constexpr int kBanks = 100, kPerBank = 50;
  std::vector<domain::CompartmentKey> compartments;
  for (int b = 1; b <= kBanks; ++b) {
    for (int c = 1; c <= kPerBank; ++c) {
      domain::Compartment comp;
      comp.key = {s.site, Numbered("B", b, 3), std::to_string(c)};
      comp.size = c <= 10 ? domain::CompartmentSize::kLongGun : domain::CompartmentSize::kMedium;
      comp.features = {domain::Feature::kRfid, domain::Feature::kCharging};
      compartments.push_back(comp.key);
      CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::CompartmentDefined{comp}, defined_at));
    }
  }
  s.banks = kBanks;

  const std::vector<TypeSpec> types = Types();
  for (const TypeSpec& t : types) {
    domain::ItemType type;
    type.code = std::string(t.code);
    type.category = t.category;
    type.certifications = t.certifications;
    type.loan_hours = 12;
    type.two_person = t.two_person;
    type.chargeable = t.chargeable;
    type.service_every_signouts = t.service_every_signouts;
    type.service_every_days = t.service_every_days;
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ItemTypeDefined{type}, defined_at));
  }

  // Items of a type sit together, bank after bank, as an equipment room is laid out.
  std::vector<std::string> serials;
  std::vector<const TypeSpec*> type_of;
  for (const TypeSpec& t : types) {
    for (int n = 1; n <= t.items; ++n) {
      const int index = static_cast<int>(serials.size());
      if (index >= static_cast<int>(compartments.size())) {
        return core::InternalError("more items than compartments");
      }
      domain::Item item{Numbered(std::string(t.code) + "-", n, 4), std::string(t.code),
                        Tag(index + 1), compartments[static_cast<size_t>(index)],
                        uniform(100, 4000)};
      serials.push_back(item.serial);
      type_of.push_back(&t);
      CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ItemDefined{item}, defined_at));
    }
  }

  // 300 people: officers on shifts, a few supervisors, armorers and evidence custodians.
  CUSTODIAN_ASSIGN_OR_RETURN(domain::Schedule day_shift,
                             domain::ParseSchedule("Mon-Fri 06:00-18:00;Sat 08:00-12:00"));
  const std::array<std::string_view, 4> shifts = {"Mon-Fri 06:00-14:00", "Mon-Fri 14:00-22:00",
                                                  "Mon-Fri 22:00-24:00;Tue-Sat 00:00-06:00",
                                                  "Sat-Sun 06:00-18:00"};
  std::vector<std::string> badges;
  for (int n = 1; n <= 300; ++n) {
    domain::Person p;
    p.badge = std::to_string(100000 + n);
    p.name = "Officer " + std::to_string(n);
    p.sites = {s.site};
    if (p.badge == s.badge) {
      p.roles = {Role::kOfficer};
      for (std::string_view c : kCertifications) {
        p.certifications[std::string(c)] = date(2027, static_cast<unsigned>(uniform(1, 12)), 28);
      }
      p.licence_expires = date(2028, 3, 31);
      p.schedule = day_shift;
    } else {
      p.roles = {Role::kOfficer};
      if (n % 30 == 0) p.roles.insert(Role::kSupervisor);
      if (n % 37 == 0) p.roles = {Role::kArmorer};
      if (n % 29 == 0) p.roles = {Role::kEvidenceCustodian};
      if (n == 299) p.roles = {Role::kAdmin};
      std::vector<std::string_view> pool(kCertifications.begin(), kCertifications.end());
      std::shuffle(pool.begin(), pool.end(), rng);
      const int certs = uniform(3, 12);
      for (int c = 0; c < certs; ++c) {
        // Most valid, some expired since the summer.
        p.certifications[std::string(pool[static_cast<size_t>(c)])] =
            date(uniform(0, 9) == 0 ? 2026 : 2027, static_cast<unsigned>(uniform(1, 12)), 15);
      }
      if (uniform(0, 4) != 0)
        p.licence_expires = date(2027, static_cast<unsigned>(uniform(1, 12)), 1);
      CUSTODIAN_ASSIGN_OR_RETURN(p.schedule,
                                 domain::ParseSchedule(shifts[static_cast<size_t>(uniform(0, 3))]));
    }
    badges.push_back(p.badge);
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::PersonDefined{p, true}, defined_at));
  }
  s.certifications = kCertifications.size();

  // Charges the bays reported: most items charged, one in ten low or lower, 3 % never reported.
  Micros at = defined_at + kHour;
  for (size_t i = 0; i < serials.size(); ++i) {
    if (!type_of[i]->chargeable || uniform(0, 32) == 0) continue;
    const int percent = uniform(0, 9) == 0 ? uniform(5, 69) : uniform(70, 100);
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ChargeObserved{serials[i], percent}, at));
  }

  // Two months of history: 3,000 sign-outs and returns, popular items more often.
  auto officer = [&] { return badges[static_cast<size_t>(uniform(0, 299))]; };
  auto any_item = [&] {
    const int a = uniform(0, static_cast<int>(serials.size()) - 1);
    const int b = uniform(0, static_cast<int>(serials.size()) - 1);
    return static_cast<size_t>(uniform(0, 1) == 0 ? std::min(a, b) : a);
  };
  for (int k = 0; k < 3000; ++k) {
    at += 25 * kSecond * 60;
    const size_t i = any_item();
    const std::string who = officer();
    const domain::CompartmentKey& home = compartments[i];
    CUSTODIAN_RETURN_IF_ERROR(
        w.Add(domain::SignOutGranted{who, serials[i], home, "", "", "", {}}, at));
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ItemSignedOut{who, serials[i], at + 12 * kHour}, at));
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ReturnStarted{who, serials[i], home}, at + 8 * kHour));
    CUSTODIAN_RETURN_IF_ERROR(w.Add(domain::ItemReturned{who, serials[i]}, at + 8 * kHour));
  }
  at = s.now - 6 * kHour;

  // Now: the person decided for holds a radio and a body camera; about 8 % of the items are out
  // (nobody holds more than 3); 1 % are quarantined; a few sign-outs are pending.
  auto sign_out = [&](const std::string& who, size_t i) -> Status {
    CUSTODIAN_RETURN_IF_ERROR(
        w.Add(domain::SignOutGranted{who, serials[i], compartments[i], "", "", "", {}}, at));
    return w.Add(domain::ItemSignedOut{who, serials[i], at + 12 * kHour}, at);
  };
  auto first_of = [&](std::string_view type) {
    for (size_t i = 0; i < serials.size(); ++i) {
      if (type_of[i]->code == type) return i;
    }
    return serials.size();
  };
  CUSTODIAN_RETURN_IF_ERROR(sign_out(s.badge, first_of("RADIO") + 7));
  CUSTODIAN_RETURN_IF_ERROR(sign_out(s.badge, first_of("BWC") + 7));
  for (int k = 0; k < 400; ++k) {
    const size_t i = static_cast<size_t>(uniform(0, static_cast<int>(serials.size()) - 1));
    const domain::ItemState* item = s.state.FindItem(serials[i]);
    const std::string who = officer();
    if (item->custody || item->pending || who == s.badge || s.state.HeldCount(who) >= 3) continue;
    CUSTODIAN_RETURN_IF_ERROR(sign_out(who, i));
  }
  for (int k = 0; k < 50; ++k) {
    const size_t i = static_cast<size_t>(uniform(0, static_cast<int>(serials.size()) - 1));
    CUSTODIAN_RETURN_IF_ERROR(
        w.Add(domain::ProblemReported{officer(), serials[i], "the holster clip is cracked"}, at));
  }
  for (int k = 0; k < 5; ++k) {
    const size_t i = static_cast<size_t>(uniform(0, static_cast<int>(serials.size()) - 1));
    if (s.state.FindItem(serials[i])->custody) continue;
    CUSTODIAN_RETURN_IF_ERROR(
        w.Add(domain::SignOutGranted{officer(), serials[i], compartments[i], "", "", "", {}},
              s.now - 5 * kSecond));
  }

  for (const auto& [serial, item] : s.state.items) {
    s.items.push_back({serial, item.item.home});
    if (item.custody) ++s.in_custody;
    if (item.quarantined) ++s.quarantined;
  }
  s.events = w.events();
  const domain::PersonState* me = s.state.FindPerson(s.badge);
  if (me == nullptr || me->person.certifications.size() != 20 || s.state.HeldCount(s.badge) != 2) {
    return core::InternalError("the person decided for is not as described");
  }
  return out;
}

DecisionTimes MeasureDecisions(const CustodySite& site, const CustodySizes& sizes, uint64_t seed) {
  const domain::State& state = site.state;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, site.items.size() - 1);
  std::vector<const CustodySite::Ask*> asks;
  for (int k = 0; k < sizes.decisions; ++k) asks.push_back(&site.items[pick(rng)]);

  DecisionTimes out;
  out.ours_us.reserve(asks.size());
  out.limit_us.reserve(asks.size());
  size_t sink = 0;
  auto ours = [&](const CustodySite::Ask& a) {
    const auto t0 = SteadyClock::now();
    const policy::Decision d =
        policy::Decide(state, site.badge, a.serial, a.compartment, site.zone, site.now);
    sink += d.reasons.size() + d.requirements.size();
    const auto t1 = SteadyClock::now();
    out.ours_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (d.allow) ++out.allowed;
  };
  // What no decision can avoid: find the person, the item, its type, the compartment, the person's
  // held count, the site and a taking role in the person's sets, each certification the type
  // requires; turn the instant into the site's local time.
  auto limit = [&](const CustodySite::Ask& a) {
    const auto t0 = SteadyClock::now();
    const auto person = state.people.find(site.badge);
    const auto item = state.items.find(a.serial);
    const auto type = state.types.find(item->second.item.type);
    const auto compartment = state.compartments.find(a.compartment);
    const auto held = state.held.find(site.badge);
    const domain::Person& p = person->second.person;
    sink += p.sites.count(site.site) + p.roles.count(Role::kOfficer);
    for (const std::string& c : type->second.certifications) {
      sink += static_cast<size_t>(p.certifications.find(c)->second.time_since_epoch().count());
    }
    const domain::LocalTime local = site.zone->ToLocal(site.now);
    sink += static_cast<size_t>(local.second_of_day) + (compartment != state.compartments.end()) +
            (held != state.held.end());
    const auto t1 = SteadyClock::now();
    out.limit_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  };
  // Blocks of calls, ours first in even blocks and the limit first in odd ones.
  const size_t block = static_cast<size_t>(std::max(sizes.decision_block, 1));
  for (size_t b = 0; b * block < asks.size(); ++b) {
    const size_t begin = b * block, end = std::min(asks.size(), begin + block);
    for (int pass = 0; pass < 2; ++pass) {
      const bool ours_now = (pass == 0) == (b % 2 == 0);
      for (size_t k = begin; k < end; ++k) ours_now ? ours(*asks[k]) : limit(*asks[k]);
    }
  }
  g_custody_sink = sink;
  return out;
}

Result<ListTimes> MeasureLists(const CustodySite& site, const CustodySizes& sizes) {
  const domain::State& state = site.state;
  ListTimes out;
  size_t sink = 0;
  auto ours = [&] {
    const auto t0 = SteadyClock::now();
    const policy::Availability a =
        policy::ListAvailable(state, site.badge, site.site, site.zone, site.now);
    const auto t1 = SteadyClock::now();
    out.ours_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    out.allowed = a.allowed.size();
    out.withheld = a.withheld.size();
  };
  // ListAvailable's own filter over every item, and nothing else.
  auto limit = [&] {
    const auto t0 = SteadyClock::now();
    size_t n = 0;
    for (const auto& [serial, item] : state.items) {
      n += item.item.home.site == site.site && !item.custody && !item.pending;
    }
    sink += n;
    const auto t1 = SteadyClock::now();
    out.limit_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  };
  for (int k = 0; k < sizes.lists; ++k) {
    if (k % 2 == 0) {
      ours();
      limit();
    } else {
      limit();
      ours();
    }
  }
  g_custody_sink = sink;
  // Every item at the site that is neither out nor pending is listed, allowed or withheld.
  size_t listable = 0;
  for (const auto& [serial, item] : state.items) {
    listable += item.item.home.site == site.site && !item.custody && !item.pending;
  }
  if (sizes.lists > 0 && out.allowed + out.withheld != listable) {
    return core::InternalError("ListAvailable listed " +
                               std::to_string(out.allowed + out.withheld) + " items, expected " +
                               std::to_string(listable));
  }
  return out;
}

Result<PinTimes> MeasurePins(const CustodySizes& sizes) {
  if (sodium_init() < 0) return core::InternalError("libsodium failed to initialise");
  const store::Argon2PinHasher hasher;  // INTERACTIVE, as the product
  const std::string pin = "482915";
  CUSTODIAN_ASSIGN_OR_RETURN(const std::string hash, hasher.Hash(pin));
  auto ms_since = [](SteadyClock::time_point t0) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  };
  PinTimes out;
  auto ours_check = [&]() -> Status {
    const auto t0 = SteadyClock::now();
    const bool ok = hasher.Matches(hash, pin);
    out.matches_ms.push_back(ms_since(t0));
    return ok ? Status::Ok() : core::InternalError("Argon2PinHasher::Matches refused the PIN");
  };
  auto limit_check = [&]() -> Status {
    const auto t0 = SteadyClock::now();
    const int rc = crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size());
    out.verify_ms.push_back(ms_since(t0));
    return rc == 0 ? Status::Ok() : core::InternalError("crypto_pwhash_str_verify refused the PIN");
  };
  auto ours_hash = [&]() -> Status {
    const auto t0 = SteadyClock::now();
    auto h = hasher.Hash(pin);
    out.hash_ms.push_back(ms_since(t0));
    return h ? Status::Ok() : h.error();
  };
  auto limit_hash = [&]() -> Status {
    char buf[crypto_pwhash_STRBYTES];
    const auto t0 = SteadyClock::now();
    const int rc =
        crypto_pwhash_str(buf, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE);
    out.str_ms.push_back(ms_since(t0));
    return rc == 0 ? Status::Ok() : core::UnavailableError("crypto_pwhash_str ran out of memory");
  };
  for (int k = 0; k < sizes.pin_checks; ++k) {
    CUSTODIAN_RETURN_IF_ERROR(k % 2 == 0 ? ours_check() : limit_check());
    CUSTODIAN_RETURN_IF_ERROR(k % 2 == 0 ? limit_check() : ours_check());
  }
  for (int k = 0; k < sizes.pin_hashes; ++k) {
    CUSTODIAN_RETURN_IF_ERROR(k % 2 == 0 ? ours_hash() : limit_hash());
    CUSTODIAN_RETURN_IF_ERROR(k % 2 == 0 ? limit_hash() : ours_hash());
  }
  return out;
}

}  // namespace custodian::bench
