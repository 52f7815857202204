#include "hardware/sim/site_simulator.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "app/csv_import.h"
#include "core/csv.h"
#include "domain/state.h"

namespace custodian::hardware::sim {
namespace {

using domain::CompartmentKey;
using SteadyClock = std::chrono::steady_clock;

constexpr int kFridgeDeciC = 40;  // a refrigerated compartment starts at 4.0 °C
constexpr uint32_t kMaxGrams = 1'000'000;

std::string BankName(std::string_view site, std::string_view bank) {
  return std::string(site) + "/" + std::string(bank);
}

// A list for a message: "a, b, c", at most `max` entries and then "…".
std::string ListForPeople(const std::vector<std::string>& names, size_t max = 12) {
  std::string out;
  for (size_t k = 0; k < names.size() && k < max; ++k) out += (k == 0 ? "" : ", ") + names[k];
  if (names.size() > max) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsEpc(std::string_view tag) {
  return tag.size() == 24 &&
         std::all_of(tag.begin(), tag.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }) &&
         tag.find_first_not_of('0') != std::string_view::npos;
}

// Sites and item types are not in the lockers and items files: define the ones the files name, so
// that PlanImport checks everything else exactly as `custodian import` does.
core::Status DefineNamed(std::string_view csv, size_t column, const char* file,
                         domain::State& state) {
  auto table = core::ParseCsv(csv);
  if (!table) return table.error().Annotate(file);
  for (const core::CsvRecord& row : table->rows) {
    if (row.fields.size() <= column) continue;
    const std::string& code = row.fields[column];
    if (column == 0 && state.FindSite(code) == nullptr) {
      state.Apply(domain::SiteDefined{domain::Site{code, code, "UTC"}}, 0);
    } else if (column == 1 && state.FindType(code) == nullptr) {
      domain::ItemType t;
      t.code = code;
      state.Apply(domain::ItemTypeDefined{t}, 0);
    }
  }
  return core::Status::Ok();
}

// "the door of " / "the inner door of ", to start a sentence about one.
std::string TheDoor(Door door) {
  return door == Door::kInner ? "the inner door of " : "the door of ";
}

}  // namespace

int DeterministicCharge(std::string_view tag) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (char c : tag) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return 80 + static_cast<int>(h % 21);
}

core::Result<SitePlan> PlanSite(std::string_view lockers_csv, std::string_view items_csv) {
  domain::State state;
  const app::ImportEnv env;  // lockers and items need neither a time zone check nor PINs
  CUSTODIAN_RETURN_IF_ERROR(DefineNamed(lockers_csv, 0, "lockers file", state));
  auto lockers = app::PlanImport(app::ImportKind::kLockers, lockers_csv, state, env);
  if (!lockers) return lockers.error().Annotate("lockers file");
  if (lockers->events.empty()) {
    return core::InvalidArgumentError("lockers file: no compartments, so no bank to simulate");
  }

  SitePlan plan;
  std::map<std::pair<std::string, std::string>, size_t> bank_index;
  std::map<CompartmentKey, std::pair<size_t, size_t>> where;
  for (const domain::DomainEvent& e : lockers->events) {
    state.Apply(e, 0);
    const domain::Compartment& c = std::get<domain::CompartmentDefined>(e).compartment;
    auto [it, added] = bank_index.try_emplace({c.key.site, c.key.bank}, plan.banks.size());
    if (added) plan.banks.push_back({c.key.site, c.key.bank, {}, {}, {}});
    SitePlan::Bank& b = plan.banks[it->second];
    where[c.key] = {it->second, b.names.size()};
    b.names.push_back(c.key.compartment);
    SimCompartment spec;
    spec.scale = c.features.count(domain::Feature::kScale) > 0;
    spec.charger = c.features.count(domain::Feature::kCharging) > 0;
    spec.thermometer = c.features.count(domain::Feature::kRefrigerated) > 0;
    spec.pass_through = c.features.count(domain::Feature::kPassThrough) > 0;
    b.compartments.push_back(spec);
    b.items.emplace_back();
  }

  CUSTODIAN_RETURN_IF_ERROR(DefineNamed(items_csv, 1, "items file", state));
  auto items = app::PlanImport(app::ImportKind::kItems, items_csv, state, env);
  if (!items) return items.error().Annotate("items file");
  for (const domain::DomainEvent& e : items->events) {
    const domain::Item& i = std::get<domain::ItemDefined>(e).item;
    const auto [bank, comp] = where.at(i.home);  // PlanImport checked that the home exists
    SitePlan::Bank& b = plan.banks[bank];
    SimItem item{i.tag, static_cast<uint32_t>(i.weight_g), std::nullopt};
    if (b.compartments[comp].charger) item.charge_percent = DeterministicCharge(i.tag);
    b.items[comp].push_back(item);
    plan.homes.emplace_back(i.tag, i.home);
    plan.serials.emplace_back(i.tag, i.serial);
  }
  return plan;
}

struct SiteSimulator::Impl {
  Options options;
  SitePlan plan;
  std::vector<SimBankInfo> infos;
  std::vector<std::unique_ptr<BankSimulator>> sims;
  std::map<std::pair<std::string, std::string>, size_t, std::less<>> bank_index;
  std::map<CompartmentKey, std::pair<size_t, int>> where;
  std::map<std::string, CompartmentKey, std::less<>> homes;
  std::map<std::string, std::string, std::less<>> serials;
  std::map<std::string, SimItem, std::less<>> reference;  // tag → as the items file placed it

  // Guards the pocket and the expectations, and makes "is this tag anywhere already?" + Place one
  // step.
  mutable std::mutex mu;
  std::vector<PocketItem> pocket;
  std::map<CompartmentKey, std::string> expected;  // the tag the next visit takes (see Expect)

  std::mutex auto_mu;
  std::condition_variable auto_cv;
  bool stop = false;  // under auto_mu
  std::thread auto_thread;

  struct Place {
    BankSimulator* sim;
    int index;
    const SimCompartment* spec;
  };

  core::Result<size_t> FindBank(std::string_view site, std::string_view bank) const {
    auto it = bank_index.find(std::pair<std::string, std::string>(site, bank));
    if (it != bank_index.end()) return it->second;
    std::vector<std::string> names;
    for (const SimBankInfo& b : infos) names.push_back(BankName(b.site, b.bank));
    return core::NotFoundError("there is no bank " + BankName(site, bank) +
                               " (the banks: " + ListForPeople(names) + ")");
  }

  // Items go in and out only through an open door: the outer one, or the inner one of a
  // pass-through compartment.
  static core::Status Reachable(const Place& p, const CompartmentKey& c) {
    if (!p.sim->DoorClosed(p.index) || !p.sim->DoorClosed(p.index, Door::kInner)) {
      return core::Status::Ok();
    }
    if (p.spec->pass_through) {
      return core::FailedPreconditionError("both doors of " + c.ToString() +
                                           " are closed: open one first (open_door or force_door)");
    }
    return core::FailedPreconditionError("the door of " + c.ToString() +
                                         " is closed: open it first (open_door or force_door)");
  }

  // Find, and a door that the compartment has.
  core::Result<Place> FindDoor(const CompartmentKey& c, Door door) const {
    CUSTODIAN_ASSIGN_OR_RETURN(Place p, Find(c));
    if (door == Door::kInner && !p.spec->pass_through) {
      return core::FailedPreconditionError(
          c.ToString() +
          " has no inner door: it is not a pass-through compartment (its features in the "
          "lockers file do not include pass_through)");
    }
    return p;
  }

  core::Result<Place> Find(const CompartmentKey& c) const {
    CUSTODIAN_ASSIGN_OR_RETURN(size_t bank, FindBank(c.site, c.bank));
    auto it = where.find(c);
    if (it == where.end()) {
      return core::NotFoundError(
          "bank " + BankName(c.site, c.bank) + " has no compartment \"" + c.compartment +
          "\" (its compartments: " + ListForPeople(infos[bank].compartments, 64) + ")");
    }
    const auto [b, i] = it->second;
    return Place{sims[b].get(), i, &plan.banks[b].compartments[static_cast<size_t>(i)]};
  }

  // Where a tag is now, as "HQ/A/3", or "". Under mu.
  std::string Locate(std::string_view tag) const {
    for (size_t b = 0; b < sims.size(); ++b) {
      for (int i = 0; i < sims[b]->compartments(); ++i) {
        for (const SimItem& item : sims[b]->Items(i)) {
          if (item.tag == tag) {
            return CompartmentKey{infos[b].site, infos[b].bank,
                                  infos[b].compartments[static_cast<size_t>(i)]}
                .ToString();
          }
        }
      }
    }
    return "";
  }

  std::string Shown(const std::string& tag) const {
    auto s = serials.find(tag);
    return s == serials.end() ? tag : tag + " (" + s->second + ")";
  }

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // The auto officer (see the header). One visit per unlocked compartment at a time, in three
  // steps `auto_pause` apart: open the door, take or put back, close the door.
  void AutoOfficer() {
    enum class Step { kOpen, kReach, kClose };
    struct Visit {
      size_t bank;
      int index;
      Step step;
      SteadyClock::time_point due;
      std::string expected;  // the tag to take; empty: put back, or else take the first
    };
    std::vector<std::vector<int>> seen;
    for (const auto& s : sims) {
      std::vector<int> pulses;
      for (int i = 0; i < s->compartments(); ++i) pulses.push_back(s->UnlockPulses(i));
      seen.push_back(std::move(pulses));
    }
    std::vector<Visit> visits;  // in the order the unlocks were noticed
    std::unique_lock l(auto_mu);
    while (!stop) {
      auto_cv.wait_for(l, std::chrono::milliseconds(10), [&] { return stop; });
      if (stop) break;
      l.unlock();
      for (size_t b = 0; b < sims.size(); ++b) {
        for (int i = 0; i < sims[b]->compartments(); ++i) {
          const int pulses = sims[b]->UnlockPulses(i);
          if (pulses == seen[b][static_cast<size_t>(i)]) continue;
          seen[b][static_cast<size_t>(i)] = pulses;
          const bool busy = std::any_of(visits.begin(), visits.end(), [&](const Visit& v) {
            return v.bank == b && v.index == i;
          });
          if (!busy) {
            visits.push_back({b, i, Step::kOpen, SteadyClock::now() + options.auto_pause,
                              TakeExpectation(Key(b, i))});
          }
        }
      }
      for (auto it = visits.begin(); it != visits.end();) {
        if (SteadyClock::now() < it->due) {
          ++it;
          continue;
        }
        const CompartmentKey key = Key(it->bank, it->index);
        const std::string at = "auto: " + key.ToString() + ": ";
        BankSimulator& sim = *sims[it->bank];
        bool done = false;
        switch (it->step) {
          case Step::kOpen:
            if (sim.OpenDoor(it->index)) {
              Log(at + "opened the door");
              it->step = Step::kReach;
            } else {
              Log(at + "the lock engaged again before I opened the door");
              done = true;
            }
            break;
          case Step::kReach:
            if (sim.DoorClosed(it->index)) {
              Log(at + "someone closed the door before I reached in");
              done = true;
            } else {
              Log(at + TakeOrReturn(sim, it->index, key, it->expected));
              it->step = Step::kClose;
            }
            break;
          case Step::kClose:
            if (!sim.DoorClosed(it->index)) {
              sim.CloseDoor(it->index);
              Log(at + "closed the door");
            }
            done = true;
            break;
        }
        if (done) {
          it = visits.erase(it);
        } else {
          it->due = SteadyClock::now() + options.auto_pause;
          ++it;
        }
      }
      l.lock();
    }
  }

  CompartmentKey Key(size_t bank, int index) const {
    return {infos[bank].site, infos[bank].bank,
            infos[bank].compartments[static_cast<size_t>(index)]};
  }

  // The expectation for this compartment, which the visit starting now takes with it; "" if none.
  std::string TakeExpectation(const CompartmentKey& key) {
    std::lock_guard g(mu);
    auto it = expected.find(key);
    if (it == expected.end()) return "";
    std::string tag = std::move(it->second);
    expected.erase(it);
    return tag;
  }

  // Takes the expected item, or else puts back what belongs here, or else takes the first item:
  // the sentence says which.
  std::string TakeOrReturn(BankSimulator& sim, int index, const CompartmentKey& key,
                           const std::string& expect) {
    std::lock_guard g(mu);
    if (!expect.empty()) {
      auto taken = sim.Take(index, expect);
      if (!taken) return "expected " + Shown(expect) + ", which is not here: took nothing";
      auto home = homes.find(taken->tag);
      pocket.push_back({*taken, home == homes.end() ? key : home->second});
      return "took " + Shown(taken->tag) + ", the expected item";
    }
    auto mine = std::find_if(pocket.begin(), pocket.end(),
                             [&](const PocketItem& p) { return p.home == key; });
    if (mine != pocket.end()) {
      const std::string shown = Shown(mine->item.tag);
      sim.Place(index, mine->item);
      pocket.erase(mine);
      return "put back " + shown;
    }
    const std::vector<SimItem> present = sim.Items(index);
    if (present.empty()) return "nothing to take or put back";
    auto taken = sim.Take(index, present.front().tag);
    if (!taken) return "nothing to take or put back";
    auto home = homes.find(taken->tag);
    pocket.push_back({*taken, home == homes.end() ? key : home->second});
    return "took " + Shown(taken->tag);
  }
};

core::Result<std::unique_ptr<SiteSimulator>> SiteSimulator::Start(std::string_view lockers_csv,
                                                                  std::string_view items_csv,
                                                                  Options options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  CUSTODIAN_ASSIGN_OR_RETURN(impl->plan, PlanSite(lockers_csv, items_csv));
  const SitePlan& plan = impl->plan;
  const uint16_t base = impl->options.base_port;
  if (base != 0 && base + plan.banks.size() - 1 > 65535) {
    return core::InvalidArgumentError("port " + std::to_string(base) + " + " +
                                      std::to_string(plan.banks.size()) +
                                      " banks goes past 65535; choose a lower base port");
  }
  for (size_t k = 0; k < plan.banks.size(); ++k) {
    const SitePlan::Bank& b = plan.banks[k];
    BankSimulator::Options o;
    o.identity = ("SIM " + BankName(b.site, b.bank)).substr(0, 16);
    o.port = base == 0 ? 0 : static_cast<uint16_t>(base + k);
    o.pulse = impl->options.pulse;
    auto sim = BankSimulator::Start(b.compartments, o);
    if (!sim) return sim.error().Annotate("bank " + BankName(b.site, b.bank));
    for (size_t i = 0; i < b.compartments.size(); ++i) {
      const int index = static_cast<int>(i);
      for (const SimItem& item : b.items[i]) (*sim)->Place(index, item);
      if (b.compartments[i].thermometer) (*sim)->SetTemperature(index, kFridgeDeciC);
      impl->where[{b.site, b.bank, b.names[i]}] = {k, index};
    }
    impl->bank_index[{b.site, b.bank}] = k;
    impl->infos.push_back({b.site, b.bank, (*sim)->port(), b.names});
    impl->sims.push_back(std::move(*sim));
  }
  for (const auto& [tag, home] : plan.homes) impl->homes.emplace(tag, home);
  for (const auto& [tag, serial] : plan.serials) impl->serials.emplace(tag, serial);
  for (const SitePlan::Bank& b : plan.banks) {
    for (const auto& items : b.items) {
      for (const SimItem& item : items) impl->reference.emplace(item.tag, item);
    }
  }
  if (impl->options.auto_officer) {
    Impl* raw = impl.get();
    impl->auto_thread = std::thread([raw] { raw->AutoOfficer(); });
  }
  return std::unique_ptr<SiteSimulator>(new SiteSimulator(std::move(impl)));
}

SiteSimulator::SiteSimulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SiteSimulator::~SiteSimulator() {
  {
    std::lock_guard l(impl_->auto_mu);
    impl_->stop = true;
  }
  impl_->auto_cv.notify_all();
  if (impl_->auto_thread.joinable()) impl_->auto_thread.join();
}

const std::vector<SimBankInfo>& SiteSimulator::banks() const { return impl_->infos; }

core::Status SiteSimulator::OpenDoor(const CompartmentKey& c, Door door) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->FindDoor(c, door));
  if (!p.sim->DoorClosed(p.index, door)) {
    return core::FailedPreconditionError(TheDoor(door) + c.ToString() + " is already open");
  }
  if (!p.sim->OpenDoor(p.index, door)) {
    return core::FailedPreconditionError(
        std::string(door == Door::kInner ? "the inner lock of " : "the lock of ") + c.ToString() +
        " is engaged: the door does not open (use force_door)");
  }
  return core::Status::Ok();
}

core::Status SiteSimulator::ForceDoor(const CompartmentKey& c, Door door) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->FindDoor(c, door));
  if (!p.sim->DoorClosed(p.index, door)) {
    return core::FailedPreconditionError(TheDoor(door) + c.ToString() + " is already open");
  }
  p.sim->ForceDoor(p.index, door);
  return core::Status::Ok();
}

core::Status SiteSimulator::CloseDoor(const CompartmentKey& c, Door door) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->FindDoor(c, door));
  if (p.sim->DoorClosed(p.index, door)) {
    return core::FailedPreconditionError(TheDoor(door) + c.ToString() + " is already closed");
  }
  p.sim->CloseDoor(p.index, door);
  return core::Status::Ok();
}

core::Result<SimItem> SiteSimulator::Take(const CompartmentKey& c, std::string_view tag) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->Find(c));
  CUSTODIAN_RETURN_IF_ERROR(Impl::Reachable(p, c));
  const std::string epc = Upper(tag);
  std::lock_guard l(impl_->mu);
  if (auto taken = p.sim->Take(p.index, epc)) return *taken;
  std::vector<std::string> there;
  for (const SimItem& item : p.sim->Items(p.index)) there.push_back(item.tag);
  return core::FailedPreconditionError(
      c.ToString() + " holds no item with tag " + epc +
      (there.empty() ? " (it is empty)" : " (it holds " + ListForPeople(there) + ")"));
}

core::Status SiteSimulator::Put(const CompartmentKey& c, std::string_view tag,
                                std::optional<uint32_t> weight_g,
                                std::optional<int> charge_percent) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->Find(c));
  if (!IsEpc(tag)) {
    return core::InvalidArgumentError("a tag is 24 hexadecimal digits, not all zero, not \"" +
                                      std::string(tag.substr(0, 40)) + "\"");
  }
  if (weight_g && *weight_g > kMaxGrams) {
    return core::InvalidArgumentError("an item weighs at most 1000000 g");
  }
  if (charge_percent && (*charge_percent < 0 || *charge_percent > 100)) {
    return core::InvalidArgumentError("a charge is 0-100 %");
  }
  CUSTODIAN_RETURN_IF_ERROR(Impl::Reachable(p, c));
  SimItem item{Upper(tag), 0, std::nullopt};
  if (auto ref = impl_->reference.find(item.tag); ref != impl_->reference.end()) {
    item.weight_g = ref->second.weight_g;
    item.charge_percent = ref->second.charge_percent;
  }
  if (weight_g) item.weight_g = *weight_g;
  if (charge_percent) item.charge_percent = charge_percent;
  std::lock_guard l(impl_->mu);
  if (std::string at = impl_->Locate(item.tag); !at.empty()) {
    return core::FailedPreconditionError("tag " + item.tag + " is already in " + at +
                                         " (take it out there first)");
  }
  auto& pocket = impl_->pocket;
  pocket.erase(std::remove_if(pocket.begin(), pocket.end(),
                              [&](const PocketItem& x) { return x.item.tag == item.tag; }),
               pocket.end());
  p.sim->Place(p.index, item);
  return core::Status::Ok();
}

core::Status SiteSimulator::Expect(const CompartmentKey& c, std::string_view tag) {
  CUSTODIAN_RETURN_IF_ERROR(impl_->Find(c).status());
  if (!IsEpc(tag)) {
    return core::InvalidArgumentError("a tag is 24 hexadecimal digits, not all zero, not \"" +
                                      std::string(tag.substr(0, 40)) + "\"");
  }
  if (!impl_->options.auto_officer) {
    return core::FailedPreconditionError("the auto officer is off, so nobody visits " +
                                         c.ToString() +
                                         " to take the item (start custodian sim with --auto)");
  }
  std::lock_guard l(impl_->mu);
  impl_->expected[c] = Upper(tag);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetWeight(const CompartmentKey& c, std::optional<uint32_t> grams) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->Find(c));
  if (!p.spec->scale) {
    return core::FailedPreconditionError(c.ToString() +
                                         " has no scale (its features in the lockers file do "
                                         "not include scale)");
  }
  if (grams && *grams > kMaxGrams) {
    return core::InvalidArgumentError("a scale reads at most 1000000 g");
  }
  p.sim->SetWeight(p.index, grams);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetTemperature(const CompartmentKey& c, std::optional<int> deci_c) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->Find(c));
  if (!p.spec->thermometer) {
    return core::FailedPreconditionError(c.ToString() +
                                         " has no thermometer (only refrigerated compartments "
                                         "have one)");
  }
  if (deci_c && (*deci_c < -400 || *deci_c > 850)) {
    return core::InvalidArgumentError("a thermometer reads -40.0 to 85.0 °C");
  }
  p.sim->SetTemperature(p.index, deci_c);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetTamper(const CompartmentKey& c, bool tampered) {
  CUSTODIAN_ASSIGN_OR_RETURN(Impl::Place p, impl_->Find(c));
  p.sim->SetTamper(p.index, tampered);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetMains(std::string_view site, std::string_view bank, bool present) {
  CUSTODIAN_ASSIGN_OR_RETURN(size_t k, impl_->FindBank(site, bank));
  impl_->sims[k]->SetMains(present);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetFireAlarm(std::string_view site, std::string_view bank,
                                         bool active) {
  CUSTODIAN_ASSIGN_OR_RETURN(size_t k, impl_->FindBank(site, bank));
  impl_->sims[k]->SetFireAlarm(active);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetOffline(std::string_view site, std::string_view bank, bool offline) {
  CUSTODIAN_ASSIGN_OR_RETURN(size_t k, impl_->FindBank(site, bank));
  impl_->sims[k]->SetOffline(offline);
  return core::Status::Ok();
}

core::Status SiteSimulator::SetResponseDelay(std::string_view site, std::string_view bank,
                                             std::chrono::milliseconds delay) {
  CUSTODIAN_ASSIGN_OR_RETURN(size_t k, impl_->FindBank(site, bank));
  if (delay.count() < 0) return core::InvalidArgumentError("a delay cannot be negative");
  impl_->sims[k]->SetResponseDelay(delay);
  return core::Status::Ok();
}

core::Status SiteSimulator::SendGarbage(std::string_view site, std::string_view bank, int answers) {
  CUSTODIAN_ASSIGN_OR_RETURN(size_t k, impl_->FindBank(site, bank));
  if (answers < 0) return core::InvalidArgumentError("answers cannot be negative");
  impl_->sims[k]->SendGarbage(answers);
  return core::Status::Ok();
}

const BankSimulator& SiteSimulator::Bank(size_t k) const { return *impl_->sims.at(k); }

std::vector<PocketItem> SiteSimulator::Pocket() const {
  std::lock_guard l(impl_->mu);
  return impl_->pocket;
}

std::string SiteSimulator::SerialOf(std::string_view tag) const {
  auto it = impl_->serials.find(tag);
  return it == impl_->serials.end() ? "" : it->second;
}

}  // namespace custodian::hardware::sim
