// The access policy (PRODUCT.md §3.3, §3.5). Decide() checks every rule below and collects every
// reason that applies, not only the first, in this order; the decision allows the sign-out exactly
// when no reason applies. Each reason has a stable snake_case code and one plain English sentence
// that names the item as "<type code> <serial>" ("CEW T-07 withheld: your CEW certification
// expired on 20 Nov 2026."), or as "Item <serial>" when the item or its type is unknown.
//
// Facts that cannot be established:
//   unknown_person       the badge is not in the state.
//   unknown_item         no item has the serial.
//   unknown_item_type    the item's type is not defined (State::Check prevents it; a replay might
//                        not); the rules that need the type are then skipped.
//   unknown_compartment  the compartment asked for is not defined.
//   wrong_compartment    the item's home is not the compartment asked for.
//   unknown_time_zone    the site's zone could not be resolved, so the schedule and the expiry
//                        dates cannot be checked; those rules are then skipped, the deny stands.
// The person (skipped for an unknown badge):
//   credential_revoked, credential_locked.
//   no_access_at_site    the compartment's site is not among the person's sites (nor all_sites).
//   role_not_permitted   evidence needs the evidence_custodian role; anything else needs officer,
//                        supervisor or armorer (admin and auditor alone never take equipment).
//   certification_missing, certification_expired   for each certification the type requires; a
//                        certification is valid through its expiry day in the site's local time,
//                        so it has expired when the local date is after the expiry date.
//   licence_missing, licence_expired   firearms only, the same local-date rule.
//   outside_schedule     a non-empty schedule must have a window whose days include the local
//                        weekday and whose [start, end) minutes include the local second of day.
//                        Local time comes from the zone, so DST is the zone's business.
// The item (skipped for an unknown item):
//   quarantined          withheld from everyone but armorers at that site, who open it for
//                        service; the sentence quotes the problem reported.
//   already_out          in someone's custody, or a sign-out of it is pending.
//   service_due          when settings.withhold_when_service_due: signouts_since_service reached
//                        service_every_signouts, or service_every_days have passed since
//                        service_clock_start (armorers at that site are exempt, as above).
//   charge_unknown, charge_low   chargeable types need a reported charge of at least
//                        settings.min_charge_percent.
//   lockdown             the compartment's bank or site is in lockdown (emergency.mode_set); the
//                        app lets two people with the emergency role open it together.
//   limit_reached        the person already holds settings.max_items_out items or more (custody,
//                        across all sites).
// Requirements are not reasons: a two-person type always carries second_person_required, whether
// or not the sign-out is allowed, so the terminal can say what would still have to happen.
//
// Cost: an allowed decision allocates nothing beyond its look-ups (sentences are built only for a
// reason that applies). The items a person holds are counted by State (one look-up).
// ListAvailable() does it once per call, resolves the person and the local time once, checks role,
// certifications and licence once per item type that passes them, and finds home compartments in a
// per-call table.
#include "policy/policy.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace custodian::policy {
namespace {

using domain::Category;
using domain::ItemState;
using domain::ItemType;
using domain::PersonState;
using domain::Reason;
using domain::Role;

constexpr domain::Micros kMicrosPerDay = 86'400'000'000LL;

class SiteCompartments;

// What the decision needs about the person and the instant, resolved once per call.
struct Context {
  const domain::State& state;
  std::string_view badge;
  const PersonState* person = nullptr;
  std::optional<domain::LocalTime> local;  // none: unknown time zone
  domain::Micros now = 0;
  const Settings& settings;
  bool at_site = false;  // the person's sites include the site decided for
  bool armorer_at_site = false;
  int held = 0;
  const SiteCompartments* compartments = nullptr;  // ListAvailable: the site's, indexed
  bool memoise_types = false;                      // ListAvailable: many items, few types
  std::vector<const ItemType*> clean_types = {};   // no person-for-type reason applies
};

// site: the compartment's (Decide) or the one listed (ListAvailable; every item listed is there).
Context MakeContext(const domain::State& state, std::string_view badge,
                    const domain::TimeZone* zone, domain::Micros now, const Settings& settings,
                    std::string_view site) {
  Context ctx{state, badge, state.FindPerson(badge), std::nullopt, now, settings};
  if (zone != nullptr) ctx.local = zone->ToLocal(now);
  if (ctx.person != nullptr) {
    const domain::Person& p = ctx.person->person;
    ctx.held = state.HeldCount(badge);
    ctx.at_site = p.all_sites || p.sites.count(std::string(site)) > 0;
    ctx.armorer_at_site = ctx.at_site && p.roles.count(Role::kArmorer) > 0;
  }
  return ctx;
}

bool MayTake(const domain::Person& p, Category category) {
  if (category == Category::kEvidence) return p.roles.count(Role::kEvidenceCustodian) > 0;
  return p.roles.count(Role::kOfficer) > 0 || p.roles.count(Role::kSupervisor) > 0 ||
         p.roles.count(Role::kArmorer) > 0;
}

bool InsideSchedule(const domain::Schedule& schedule, const domain::LocalTime& local) {
  for (const domain::ScheduleWindow& w : schedule) {
    if (((w.days >> local.weekday) & 1) == 0) continue;
    if (local.second_of_day >= int64_t{w.start_minute} * 60 &&
        local.second_of_day < int64_t{w.end_minute} * 60) {
      return true;
    }
  }
  return false;
}

// The defined compartments of one site, for ListAvailable's one look-up per item: a single walk
// over the site's (contiguous) range of state.compartments into an open-addressing table of
// pointers, instead of a cold tree search per item. Exact: a probe compares whole keys.
class SiteCompartments {
 public:
  SiteCompartments(const domain::State& state, std::string_view site) : state_(state), site_(site) {
    const auto first = state.compartments.lower_bound({std::string(site), "", ""});
    auto at_site = [&](auto it) {
      return it != state.compartments.end() && it->first.site == site;
    };
    size_t n = 0;
    for (auto it = first; at_site(it); ++it) ++n;
    size_t size = 16;
    while (size * 3 < n * 4) size *= 2;  // at most three quarters full
    slots_.assign(size, nullptr);
    for (auto it = first; at_site(it); ++it) {
      size_t i = Hash(it->first) & (size - 1);
      while (slots_[i] != nullptr) i = (i + 1) & (size - 1);
      slots_[i] = &it->first;
    }
  }

  bool Contains(const domain::CompartmentKey& k) const {
    if (k.site != site_) return state_.FindCompartment(k) != nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(k) & mask; slots_[i] != nullptr; i = (i + 1) & mask) {
      if (slots_[i]->bank == k.bank && slots_[i]->compartment == k.compartment) return true;
    }
    return false;
  }

 private:
  static size_t Hash(const domain::CompartmentKey& k) {
    const std::hash<std::string_view> h;
    return h(k.bank) * 0x9E3779B97F4A7C15ULL ^ h(k.compartment);
  }

  const domain::State& state_;
  std::string_view site_;
  std::vector<const domain::CompartmentKey*> slots_;  // power-of-two size, never full
};

// Appends reasons, each sentence prefixed with "<type code> <serial> withheld: ".
class ReasonWriter {
 public:
  ReasonWriter(std::vector<Reason>& out, std::string_view serial, const ItemType* type)
      : out_(out), serial_(serial), type_(type) {}

  void Add(std::string_view code, std::initializer_list<std::string_view> parts) {
    Reason r;
    r.code = code;
    std::string& s = r.sentence;
    const std::string_view name = type_ != nullptr ? std::string_view(type_->code) : "Item";
    size_t size = name.size() + serial_.size() + 11;
    for (std::string_view p : parts) size += p.size();
    s.reserve(size);
    s.append(name).append(" ").append(serial_).append(" withheld: ");
    for (std::string_view p : parts) s.append(p);
    out_.push_back(std::move(r));
  }
  size_t count() const { return out_.size(); }

 private:
  std::vector<Reason>& out_;
  std::string_view serial_;
  const ItemType* type_;
};

Reason SecondPerson() {
  return Reason{"second_person_required", "A second person must approve this sign-out."};
}

// The rules that depend only on the person, the item type and the local date: role,
// certifications, licence. ListAvailable() remembers the types for which none applies, so a site
// full of one type costs one set of certification look-ups.
void CheckPersonForType(Context& ctx, const ItemType& type, ReasonWriter& why) {
  if (ctx.memoise_types) {
    for (const ItemType* t : ctx.clean_types) {
      if (t == &type) return;
    }
  }
  const size_t before = why.count();
  const domain::Person& p = ctx.person->person;
  const domain::Date* today = ctx.local ? &ctx.local->date : nullptr;
  if (!MayTake(p, type.category)) {
    if (type.category == Category::kEvidence) {
      why.Add("role_not_permitted", {"only an evidence custodian may take evidence."});
    } else {
      why.Add("role_not_permitted", {"only an officer, supervisor or armorer may take equipment."});
    }
  }
  for (const std::string& cert : type.certifications) {
    auto it = p.certifications.find(cert);
    if (it == p.certifications.end()) {
      why.Add("certification_missing", {"you have no ", cert, " certification."});
    } else if (today != nullptr && *today > it->second) {
      why.Add("certification_expired", {"your ", cert, " certification expired on ",
                                        domain::FormatDateForPeople(it->second), "."});
    }
  }
  if (type.category == Category::kFirearm) {
    if (!p.licence_expires) {
      why.Add("licence_missing", {"you have no weapon licence on record."});
    } else if (today != nullptr && *today > *p.licence_expires) {
      why.Add("licence_expired", {"your weapon licence expired on ",
                                  domain::FormatDateForPeople(*p.licence_expires), "."});
    }
  }
  if (ctx.memoise_types && why.count() == before) ctx.clean_types.push_back(&type);
}

// Decide() for one item (nullptr: unknown) against the context, scoped to compartment.site, into
// an empty `d`. Returns the item's type (nullptr: unknown).
const ItemType* Evaluate(Context& ctx, std::string_view serial, const ItemState* item,
                         const domain::CompartmentKey& compartment, Decision& d) {
  const domain::State& state = ctx.state;
  const ItemType* type = item != nullptr ? state.FindType(item->item.type) : nullptr;
  ReasonWriter why(d.reasons, serial, type);

  // Facts that cannot be established.
  if (ctx.person == nullptr) why.Add("unknown_person", {"badge ", ctx.badge, " is not known."});
  if (item == nullptr) {
    why.Add("unknown_item", {"no item has this serial."});
  } else if (type == nullptr) {
    why.Add("unknown_item_type", {"its type ", item->item.type, " is not defined."});
  }
  if (ctx.compartments != nullptr ? !ctx.compartments->Contains(compartment)
                                  : state.FindCompartment(compartment) == nullptr) {
    why.Add("unknown_compartment", {"compartment ", compartment.ToString(), " is not defined."});
  }
  if (item != nullptr && item->item.home != compartment) {
    why.Add("wrong_compartment", {"it is kept in compartment ", item->item.home.ToString(),
                                  ", not ", compartment.ToString(), "."});
  }
  if (!ctx.local) {
    why.Add("unknown_time_zone",
            {"the site's time zone is unknown, so your schedule and expiry dates cannot be "
             "checked."});
  }

  // The person.
  if (ctx.person != nullptr) {
    const PersonState& ps = *ctx.person;
    const domain::Person& p = ps.person;
    if (ps.revoked) {
      if (ps.revoked_reason.empty()) {
        why.Add("credential_revoked", {"your credential is revoked."});
      } else {
        why.Add("credential_revoked", {"your credential is revoked (", ps.revoked_reason, ")."});
      }
    }
    if (ps.locked) {
      why.Add("credential_locked",
              {"your credential is locked after repeated wrong PINs until a supervisor releases "
               "it."});
    }
    if (!ctx.at_site) {
      why.Add("no_access_at_site", {"you have no access at site ", compartment.site, "."});
    }
    if (type != nullptr) CheckPersonForType(ctx, *type, why);
    if (!p.schedule.empty() && ctx.local && !InsideSchedule(p.schedule, *ctx.local)) {
      why.Add("outside_schedule",
              {"it is outside your schedule (", domain::FormatSchedule(p.schedule), ")."});
    }
  }

  if (state.InLockdown(compartment)) {
    why.Add("lockdown", {"bank ", compartment.site, "/", compartment.bank,
                         " is in lockdown; only two emergency staff together may open it."});
  }

  // The item.
  if (item != nullptr) {
    if (item->quarantined && !ctx.armorer_at_site) {
      if (item->quarantine_reason.empty()) {
        why.Add("quarantined", {"it is quarantined until an armorer services it."});
      } else {
        why.Add("quarantined", {"it is quarantined (", item->quarantine_reason,
                                ") until an armorer services it."});
      }
    }
    if (item->custody) {
      why.Add("already_out", {"it is already signed out."});
    } else if (item->pending) {
      why.Add("already_out", {"a sign-out of it is already in progress."});
    }
    if (type != nullptr) {
      if (ctx.settings.withhold_when_service_due && !ctx.armorer_at_site) {
        if (type->service_every_signouts > 0 &&
            item->signouts_since_service >= type->service_every_signouts) {
          why.Add("service_due", {"it is due for service after ",
                                  std::to_string(type->service_every_signouts), " sign-outs."});
        } else if (type->service_every_days > 0 &&
                   ctx.now - item->service_clock_start >=
                       int64_t{type->service_every_days} * kMicrosPerDay) {
          why.Add("service_due", {"it is due for service every ",
                                  std::to_string(type->service_every_days), " days."});
        }
      }
      if (type->chargeable) {
        if (!item->charge_percent) {
          why.Add("charge_unknown", {"its charge has not been reported."});
        } else if (*item->charge_percent < ctx.settings.min_charge_percent) {
          why.Add("charge_low",
                  {"it is charged to ", std::to_string(*item->charge_percent), "%, below the ",
                   std::to_string(ctx.settings.min_charge_percent), "% needed."});
        }
      }
    }
  }

  if (ctx.person != nullptr && ctx.held >= ctx.settings.max_items_out) {
    why.Add("limit_reached",
            {"you already hold ", std::to_string(ctx.held), ctx.held == 1 ? " item" : " items",
             " and the limit is ", std::to_string(ctx.settings.max_items_out), "."});
  }

  if (type != nullptr && type->two_person) d.requirements.push_back(SecondPerson());
  d.allow = d.reasons.empty();
  return type;
}

}  // namespace

Decision Decide(const domain::State& state, std::string_view badge, std::string_view serial,
                const domain::CompartmentKey& compartment, const domain::TimeZone* zone,
                domain::Micros now, const Settings& settings) {
  Context ctx = MakeContext(state, badge, zone, now, settings, compartment.site);
  Decision d;
  Evaluate(ctx, serial, state.FindItem(serial), compartment, d);
  return d;
}

Availability ListAvailable(const domain::State& state, std::string_view badge,
                           std::string_view site, const domain::TimeZone* zone, domain::Micros now,
                           const Settings& settings) {
  Context ctx = MakeContext(state, badge, zone, now, settings, site);
  ctx.memoise_types = true;
  const SiteCompartments compartments(state, site);
  ctx.compartments = &compartments;
  // Allowed decisions carry no reasons, so only a small sort key and the item are kept until the
  // order is known; withheld offers go straight out. state.items is in serial order, so the visit
  // number breaks ties by serial without comparing strings.
  struct Ready {
    const ItemType* type;
    const ItemState* item;
    int charge;  // -1: unknown, last
    int signouts;
    uint32_t visit;  // serial order
  };
  std::vector<Ready> ready;
  // One allocation of the upper bound: growing by doubling leaves enough freed chunks behind that
  // glibc trims and re-faults the heap on every call (measured: 3x slower at 5,000 items).
  ready.reserve(state.items.size());
  Availability out;
  Decision d;
  for (const auto& [serial, item] : state.items) {
    if (item.item.home.site != site || item.custody || item.pending) continue;
    const ItemType* type = Evaluate(ctx, serial, &item, item.item.home, d);
    if (d.allow) {
      ready.push_back({type, &item, item.charge_percent.value_or(-1), item.signouts_since_service,
                       static_cast<uint32_t>(ready.size())});
      d.requirements.clear();
    } else {
      out.withheld.push_back(Offer{serial, std::move(d)});
      d = Decision{};
    }
  }
  // Readiness: the best charged first (unknown last), then the least used since service.
  std::sort(ready.begin(), ready.end(), [](const Ready& a, const Ready& b) {
    if (a.type != b.type) return a.type->code < b.type->code;
    if (a.charge != b.charge) return a.charge > b.charge;
    if (a.signouts != b.signouts) return a.signouts < b.signouts;
    return a.visit < b.visit;
  });
  out.allowed.resize(ready.size());
  for (size_t k = 0; k < ready.size(); ++k) {
    Offer& o = out.allowed[k];
    o.serial = ready[k].item->item.serial;
    o.decision.allow = true;
    if (ready[k].type->two_person) o.decision.requirements.push_back(SecondPerson());
  }
  return out;
}

}  // namespace custodian::policy
