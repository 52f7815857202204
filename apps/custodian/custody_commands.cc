#include "custody_commands.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <set>
#include <thread>

#include "app/agency.h"
#include "app/csv_import.h"
#include "app/demo_agency.h"
#include "app/importer.h"
#include "app/staff_logins.h"
#include "core/clock.h"
#include "core/csv.h"
#include "data_dir.h"
#include "policy/policy.h"
#include "store/argon2_pins.h"
#include "store/files.h"
#include "store/import_env.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/totp.h"
#include "store/tzdb_zones.h"

namespace custodian::cli {
namespace {

namespace fs = std::filesystem;
constexpr const char* kAgencySite = "agency";

// A data directory opened for custody work: the ledger's and the agency replayed from it.
struct Opened {
  std::unique_ptr<DataDir> dir;
  std::unique_ptr<app::Agency> agency;
};

core::Result<Opened> Open(const std::string& data, bool create) {
  Opened o;
  CUSTODIAN_ASSIGN_OR_RETURN(
      o.dir, OpenDataDir(data, kAgencySite, create,
                         "import sites first, or run `custodian ledger init --data " + data + "`"));
  CUSTODIAN_ASSIGN_OR_RETURN(o.agency, app::Agency::Open(*o.dir->ledger, *o.dir->store));
  return o;
}

// The site's time zone from the system database, or nullptr (the policy then denies).
const domain::TimeZone* ZoneOf(const domain::Site* site) {
  if (site == nullptr) return nullptr;
  auto z = store::FindZone(site->timezone);
  return z ? *z : nullptr;
}

// "2026-11-22T10:00:00Z", "2026-11-22T10:00Z" or with an offset "+01:00"; empty = now.
core::Result<domain::Micros> ParseInstant(const std::string& at, const core::Clock& clock) {
  if (at.empty()) return clock.NowMicros();
  auto bad = [&] {
    return core::InvalidArgumentError("--at \"" + at +
                                      "\" is not an ISO-8601 instant such as "
                                      "2026-11-22T18:00:00Z or 2026-11-22T13:00-05:00");
  };
  if (at.size() < 17 || at[10] != 'T') return bad();
  auto date = domain::ParseDate(std::string_view(at).substr(0, 10));
  if (!date) return bad();
  auto num = [&](size_t pos, int& out) {
    auto [p, ec] = std::from_chars(at.data() + pos, at.data() + pos + 2, out);
    return ec == std::errc() && p == at.data() + pos + 2;
  };
  int h = 0, m = 0, s = 0;
  size_t pos = 16;
  if (!num(11, h) || at[13] != ':' || !num(14, m) || h > 23 || m > 59) return bad();
  if (pos < at.size() && at[pos] == ':') {
    if (pos + 3 > at.size() || !num(pos + 1, s) || s > 59) return bad();
    pos += 3;
  }
  int offset_min = 0;
  const std::string rest = at.substr(pos);
  if (rest == "Z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (!num(pos + 1, oh) || !num(pos + 4, om) || oh > 14 || om > 59) return bad();
    offset_min = (rest[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return bad();
  }
  const int64_t seconds =
      date->time_since_epoch().count() * 86400LL + h * 3600 + m * 60 + s - offset_min * 60LL;
  return seconds * 1'000'000;
}

// Hashes every PIN with Argon2id and stores the hashes in DIR/credentials.db, in one transaction
// (app::StorePinHashes).
core::Status StorePinHashes(const std::string& data,
                            const std::vector<std::pair<std::string, std::string>>& pins) {
  if (pins.empty()) return core::Status::Ok();
  store::Argon2PinHasher hasher;
  CUSTODIAN_ASSIGN_OR_RETURN(
      auto vault, store::SqliteCredentialVault::Open((fs::path(data) / "credentials.db").string()));
  return app::StorePinHashes(*vault, hasher, pins);
}

void PrintReasons(const policy::Decision& d) {
  for (const auto& r : d.reasons) std::cout << "  " << r.code << ": " << r.sentence << "\n";
  for (const auto& r : d.requirements)
    std::cout << "  requires " << r.code << ": " << r.sentence << "\n";
}

}  // namespace

int RunImport(const std::string& data, const std::string& kind_name, const std::string& file) {
  auto kind = app::ParseImportKind(kind_name);
  if (!kind) return Fail(kind.error());
  auto csv = store::ReadFile(file);
  if (!csv) return Fail(csv.error());
  auto o = Open(data, /*create=*/true);
  if (!o) return Fail(o.error());
  // As app::Importer does, but the vault is opened only when there are PINs to store.
  auto plan = app::PlanImport(*kind, *csv, o->agency->Snapshot(), store::MachineImportEnv());
  if (!plan) return Fail(plan.error().Annotate(file));
  if (auto s = StorePinHashes(data, plan->pins); !s.ok()) return Fail(s);
  if (auto s = o->agency->Record("cli:import", plan->events); !s.ok()) {
    return Fail(s.Annotate(file));
  }
  if (!plan->generated_pin_badges.empty()) {
    const std::string letter = file + ".pins";
    std::string text = "badge,name,pin\n";
    const std::set<std::string> generated(plan->generated_pin_badges.begin(),
                                          plan->generated_pin_badges.end());
    const domain::State state = o->agency->Snapshot();
    for (const auto& [badge, pin] : plan->pins) {
      if (generated.count(badge)) {
        text += core::CsvField(badge) + "," + core::CsvField(state.FindPerson(badge)->person.name) +
                "," + pin + "\n";
      }
    }
    if (auto s = store::WriteFileDurably(letter, core::AsBytes(text),
                                         fs::perms::owner_read | fs::perms::owner_write);
        !s.ok())
      return Fail(s);
    std::cout << "wrote " << plan->generated_pin_badges.size() << " generated PINs to " << letter
              << " (mode 0600: hand them out, then delete the file)\n";
  }
  std::cout << "imported " << plan->events.size() << " " << kind_name << " from " << file << "\n";
  return 0;
}

int RunDemoSeed(const std::string& data) {
  const auto started = std::chrono::steady_clock::now();
  auto o = Open(data, /*create=*/true);
  if (!o) return Fail(o.error());
  const domain::State before = o->agency->Snapshot();
  if (!before.sites.empty()) {
    std::cout << "already seeded: " << before.sites.size() << " sites, " << before.items.size()
              << " items; nothing changed\n";
    return 0;
  }
  // Expiry dates are relative to today (UTC), so the demo's expired, expiring and valid
  // certifications stay so whenever it is seeded.
  const domain::Date today =
      std::chrono::floor<std::chrono::days>(std::chrono::sys_time<std::chrono::microseconds>(
          std::chrono::microseconds(o->dir->clock.NowMicros())));
  const app::DemoAgency demo = app::MakeDemoAgency(today);

  // The five CSVs are planned as `import` plans them, each on top of the ones before, and then
  // recorded together: all or none, so a failed seed never leaves half an agency behind that a
  // second run would take for a seeded one.
  const app::ImportEnv env = store::MachineImportEnv();
  domain::State planned = before;
  std::vector<domain::DomainEvent> events;
  std::vector<std::pair<std::string, std::string>> pins;
  for (const auto& [kind, csv] : demo.Csvs()) {
    auto plan = app::PlanImport(kind, *csv, planned, env);
    if (!plan) {
      return Fail(plan.error().Annotate("demo " + std::string(app::ImportKindName(kind))));
    }
    for (const domain::DomainEvent& e : plan->events) planned.Apply(e, 0);
    events.insert(events.end(), plan->events.begin(), plan->events.end());
    pins.insert(pins.end(), plan->pins.begin(), plan->pins.end());
  }
  events.insert(events.end(), demo.events.begin(), demo.events.end());
  if (auto s = StorePinHashes(data, pins); !s.ok()) return Fail(s);
  if (auto s = o->agency->Record("cli:demo-seed", events); !s.ok()) {
    return Fail(s.Annotate("demo seed"));
  }

  // Dashboard logins for the demo staff, all with the demo password and TOTP secret.
  {
    auto vault = store::SqliteCredentialVault::Open((fs::path(data) / "credentials.db").string());
    if (!vault) return Fail(vault.error());
    store::Argon2PinHasher hasher;
    store::Totp totp;
    app::StaffLogins staff(*o->agency, **vault, hasher, totp, o->dir->clock);
    const domain::State seeded = o->agency->Snapshot();
    for (const app::DemoCredential& c : demo.credentials) {
      const domain::PersonState* p = seeded.FindPerson(c.badge);
      if (p == nullptr ||
          std::none_of(p->person.roles.begin(), p->person.roles.end(), domain::IsStaffRole)) {
        continue;
      }
      auto enrolled = staff.Enroll("cli:demo-seed", c.badge, std::string(app::kDemoStaffPassword),
                                   std::string(app::kDemoTotpSecret));
      if (!enrolled) return Fail(enrolled.error().Annotate("demo staff login " + c.badge));
    }
  }

  const domain::State state = o->agency->Snapshot();
  std::set<std::pair<std::string, std::string>> banks;
  for (const auto& [key, c] : state.compartments) banks.emplace(key.site, key.bank);
  size_t charged = 0, quarantined = 0;
  for (const auto& [serial, i] : state.items) {
    charged += i.charge_percent.has_value();
    quarantined += i.quarantined;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "seeded the demo agency in " << data << ": " << state.sites.size() << " sites, "
            << banks.size() << " locker banks, " << state.compartments.size() << " compartments, "
            << state.types.size() << " item types, " << state.items.size() << " items, "
            << state.people.size() << " people; " << charged << " charge readings, " << quarantined
            << " items quarantined (" << events.size() << " events, " << std::fixed
            << std::setprecision(1) << seconds << " s)\n\n";
  std::cout << "demo credentials: every demo person's PIN is " << app::kDemoPin
            << " (demo only; a real import generates one PIN per person)\n"
            << "dashboard: staff log in with their badge, the password " << app::kDemoStaffPassword
            << " and the one-time code of the TOTP secret " << app::kDemoTotpSecret
            << "\n  (`custodian staff code --secret " << app::kDemoTotpSecret
            << "` prints the current code)\n";
  auto row = [](std::string_view badge, std::string_view name, std::string_view role,
                std::string_view sites, std::string_view item, std::string_view what) {
    std::cout << "  " << std::left << std::setw(6) << badge << std::setw(20) << name
              << std::setw(19) << role << std::setw(7) << sites << std::setw(10) << item << what
              << "\n";
  };
  row("badge", "name", "role", "sites", "try item", "demonstrates");
  for (const app::DemoCredential& c : demo.credentials) {
    row(c.badge, c.name, c.role, c.site, c.try_item, c.demonstrates);
  }
  if (demo.credentials.size() >= 2) {
    // The first two rows: an officer who may take what she asks for, one denied a CEW.
    const app::DemoCredential& c = demo.credentials[1];
    std::cout << "\ntry: custodian access explain --data " << data << " --badge " << c.badge
              << " --item " << c.try_item << "\n     custodian access list --data " << data
              << " --badge " << demo.credentials[0].badge << "\n";
  }
  return 0;
}

int RunAccessExplain(const std::string& data, const std::string& badge, const std::string& serial,
                     const std::string& at) {
  auto o = Open(data, false);
  if (!o) return Fail(o.error());
  auto now = ParseInstant(at, o->dir->clock);
  if (!now) return Fail(now.error());
  const domain::State state = o->agency->Snapshot();
  const domain::ItemState* item = state.FindItem(serial);
  domain::CompartmentKey where = item ? item->item.home : domain::CompartmentKey{};
  const policy::Decision d =
      policy::Decide(state, badge, serial, where, ZoneOf(state.FindSite(where.site)), *now);
  std::cout << (d.allow ? "ALLOW" : "DENY") << "\n";
  PrintReasons(d);
  return d.allow ? 0 : kExitDeny;
}

int RunAccessList(const std::string& data, const std::string& badge, const std::string& at) {
  auto o = Open(data, false);
  if (!o) return Fail(o.error());
  auto now = ParseInstant(at, o->dir->clock);
  if (!now) return Fail(now.error());
  const domain::State state = o->agency->Snapshot();
  const domain::PersonState* person = state.FindPerson(badge);
  if (person == nullptr) return Fail(core::NotFoundError("unknown badge \"" + badge + "\""));
  for (const auto& [code, site] : state.sites) {
    if (!person->person.all_sites && person->person.sites.count(code) == 0) continue;
    const policy::Availability a = policy::ListAvailable(state, badge, code, ZoneOf(&site), *now);
    std::cout << "site " << code << " (" << site.name << "): " << a.allowed.size()
              << " may be taken, " << a.withheld.size() << " withheld\n";
    for (const auto& offer : a.allowed) {
      const domain::ItemState* i = offer.item;
      std::cout << "  take " << offer.serial << " (" << i->item.type << ") from "
                << i->item.home.ToString();
      if (i->charge_percent) std::cout << ", charge " << *i->charge_percent << "%";
      std::cout << "\n";
      for (const auto& r : offer.decision.requirements)
        std::cout << "    requires: " << r.sentence << "\n";
    }
    for (const auto& offer : a.withheld) {
      std::cout << "  withheld " << offer.serial << "\n";
      for (const auto& r : offer.decision.reasons)
        std::cout << "    " << r.code << ": " << r.sentence << "\n";
    }
  }
  return 0;
}

}  // namespace custodian::cli
