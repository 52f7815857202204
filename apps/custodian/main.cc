// custodian: the single executable. main() parses the command line and composes the objects
// (store, key, clock, ledger, simulator); the work itself lives in src/app, src/ledger and
// src/hardware. Exit codes: data_dir.h.
#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <list>
#include <optional>
#include <string>

#include "app/ledger_tasks.h"
#include "core/clock.h"
#include "custody_commands.h"
#include "data_dir.h"
#include "ledger/export.h"
#include "ledger/ledger.h"
#include "ledger/verifier.h"
#include "serve_command.h"
#include "sim_command.h"
#include "staff_command.h"
#include "store/config_file.h"
#include "store/files.h"
#include "store/sqlite/sqlite_ledger_store.h"

namespace {

namespace fs = std::filesystem;
using namespace custodian;

using cli::DatabasePath;
using cli::Fail;
using cli::kExitBad;
using cli::kExitUsage;

// A data directory for the ledger commands; a missing one points at `ledger init`.
core::Result<std::unique_ptr<cli::DataDir>> OpenSite(const std::string& dir,
                                                     const std::string& site_if_new, bool create) {
  return cli::OpenDataDir(dir, site_if_new, create,
                          "create one with `custodian ledger init --data " + dir + "`");
}

core::Result<ledger::NoteVerifier> VerifierFor(const fs::path& dir, const std::string& key) {
  if (!key.empty()) return store::LoadVerifierKey(key);
  return store::LoadVerifierKey((dir / "site.pub").string());
}

core::Result<std::optional<ledger::Checkpoint>> ReadCheckpointFile(
    const std::string& path, const ledger::NoteVerifier& verifier) {
  if (path.empty()) return std::optional<ledger::Checkpoint>();
  CUSTODIAN_ASSIGN_OR_RETURN(std::string note, store::ReadFile(path));
  auto cp = ledger::OpenCheckpoint(note, verifier);
  if (!cp) return cp.error().Annotate("checkpoint file " + path);
  return std::optional<ledger::Checkpoint>(*cp);
}

int PrintReport(const ledger::VerifyReport& report) {
  if (report.status.ok()) {
    std::cout << "ok: " << report.events << " events, root " << ledger::ToHex(report.root) << "\n";
    return 0;
  }
  if (report.first_bad_index) {
    std::cout << "FAILED: first bad event index " << *report.first_bad_index << ": "
              << report.status.message() << "\n";
  } else {
    std::cout << "FAILED: " << report.status.message() << "\n";
  }
  return kExitBad;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Custodian: smart lockers, armories and evidence rooms with a verifiable ledger"};
  app.require_subcommand(1);
  auto* ledger_cmd = app.add_subcommand("ledger", "The site's tamper-evident ledger");
  ledger_cmd->require_subcommand(1);

  std::string data, site_code = "site-1", checkpoint_file, file, key, out;
  uint64_t events = 0, index = 0, size = 0, from = 0, to = 0, seed = 1;
  int writers = 1;
  bool size_given = false;

  auto add_data = [&](CLI::App* c, bool required = true) {
    auto* o = c->add_option("--data", data, "Site data directory (holds ledger.db and site keys)");
    if (required) o->required();
  };

  auto* init = ledger_cmd->add_subcommand("init", "Create the site's ledger and key pair");
  add_data(init);
  init->add_option("--site", site_code, "Site code for a new ledger")->capture_default_str();

  auto* populate = ledger_cmd->add_subcommand("populate", "Append N synthetic events");
  add_data(populate);
  populate->add_option("--events", events, "Number of events")->required();
  populate->add_option("--writers", writers, "Concurrent writers")->capture_default_str();
  populate->add_option("--site", site_code, "Site code if the ledger is new")
      ->capture_default_str();
  populate->add_option("--seed", seed, "Seed of the synthetic events")->capture_default_str();

  auto* verify = ledger_cmd->add_subcommand(
      "verify", "Recompute and check everything: a data directory, or an export file offline");
  add_data(verify, false);
  verify->add_option("--file", file, "Export file to verify offline (needs --key)");
  verify->add_option("--key", key, "Site public key (text or file); default DIR/site.pub");
  verify->add_option("--checkpoint", checkpoint_file,
                     "An earlier signed checkpoint the log must extend (detects rollback, forks)");

  auto* checkpoint = ledger_cmd->add_subcommand("checkpoint", "Print a signed checkpoint");
  add_data(checkpoint);

  auto* proof = ledger_cmd->add_subcommand("proof", "Inclusion proof of one event, as JSON");
  add_data(proof);
  proof->add_option("--index", index, "Event index")->required();
  auto* size_opt = proof->add_option("--size", size, "Tree size (default: the whole ledger)");

  auto* consistency =
      ledger_cmd->add_subcommand("consistency", "Consistency proof between two sizes, as JSON");
  add_data(consistency);
  consistency->add_option("--from", from, "Earlier tree size")->required();
  consistency->add_option("--to", to, "Later tree size")->required();

  auto* export_cmd = ledger_cmd->add_subcommand("export", "Write an export for offline checks");
  add_data(export_cmd);
  export_cmd->add_option("--out", out, "Output file")->required();

  auto* key_cmd = ledger_cmd->add_subcommand("key", "Print the site's public (verifier) key");
  add_data(key_cmd);

  auto* status_cmd = ledger_cmd->add_subcommand("status", "Events, root and events by kind");
  add_data(status_cmd);

  std::string kind, badge, serial, at;
  auto* import_cmd = app.add_subcommand(
      "import", "Import sites, lockers, types, people or items from CSV (docs/import.md)");
  import_cmd->add_option("kind", kind, "sites | lockers | types | people | items")->required();
  import_cmd->add_option("file", file, "CSV file with a header row")->required();
  add_data(import_cmd);
  auto* demo_cmd = app.add_subcommand("demo", "A demo agency to explore Custodian with");
  demo_cmd->require_subcommand(1);
  auto* seed_cmd = demo_cmd->add_subcommand(
      "seed", "Import a demo agency (3 sites, ~200 items, 60 people; every PIN 1234) once");
  add_data(seed_cmd);
  auto* access_cmd = app.add_subcommand("access", "Access decisions, with their reasons");
  access_cmd->require_subcommand(1);
  auto* explain = access_cmd->add_subcommand(
      "explain", "May this person take this item now? ALLOW (exit 0) or DENY (exit 3) and why");
  add_data(explain);
  explain->add_option("--badge", badge, "Badge of the person")->required();
  explain->add_option("--item", serial, "Serial of the item")->required();
  explain->add_option("--at", at, "Instant, ISO-8601 (default now), e.g. 2026-11-22T18:00:00Z");
  auto* list = access_cmd->add_subcommand(
      "list", "What this person may take now, and what is withheld and why");
  add_data(list);
  list->add_option("--badge", badge, "Badge of the person")->required();
  list->add_option("--at", at, "Instant, ISO-8601 (default now)");

  cli::SimArgs sim_args;
  auto* sim_cmd = app.add_subcommand(
      "sim", "Simulate the locker banks of a lockers CSV on loopback, with a JSON control port");
  sim_cmd->add_option("--lockers", sim_args.lockers, "Lockers CSV (docs/import.md)")->required();
  sim_cmd->add_option("--items", sim_args.items, "Items CSV: placed in their home compartments")
      ->required();
  sim_cmd->add_option("--port", sim_args.base_port, "Bank k listens on PORT + k (0: free ports)")
      ->capture_default_str();
  sim_cmd->add_option("--control-port", sim_args.control_port, "JSON control port (0: a free one)")
      ->capture_default_str();
  sim_cmd->add_flag("--auto", sim_args.auto_officer,
                    "A polite officer opens each unlocked door, takes or returns, closes");
  sim_cmd->add_option("--banks-out", sim_args.banks_out,
                      "Also write the bank configuration JSON to this file");

  std::string password_file, totp_secret;
  auto* staff_cmd = app.add_subcommand("staff", "Dashboard logins of staff members");
  staff_cmd->require_subcommand(1);
  auto* enroll = staff_cmd->add_subcommand(
      "enroll", "Set a staff member's password (from a file or stdin) and a new TOTP secret");
  add_data(enroll);
  enroll->add_option("--badge", badge, "Badge of the staff member")->required();
  enroll->add_option("--password-file", password_file,
                     "File whose first line is the password (default: standard input)");
  auto* code_cmd = staff_cmd->add_subcommand("code", "Print the current one-time code of a secret");
  code_cmd->add_option("--secret", totp_secret, "TOTP secret, base32")->required();

  cli::ServeArgs serve_args;
  auto* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP/JSON API (and, with --simulate, simulated locker banks). Configured by a "
      "TOML file, CUSTODIAN_<SECTION>_<KEY> environment variables and these flags, each "
      "overriding the one before (docs/custodian.example.toml)");
  serve_cmd->add_option("--config", serve_args.config_file,
                        "The TOML config file (default: DIR/custodian.toml if there is one)");
  serve_cmd->add_flag("--print-config", serve_args.print_config,
                      "Print the effective configuration, each value with where it came from, and "
                      "exit");
  // Each flag sets one key of the configuration (store/config_file.h), over the file and the
  // environment: only the flags given count, so they are collected after parsing.
  std::list<std::pair<CLI::Option*, store::Setting>> serve_flags;
  for (const store::ConfigKey& k : store::Keys()) {
    if (k.flag.empty()) continue;
    auto& [option, setting] = serve_flags.emplace_back(
        nullptr,
        store::Setting{std::string(k.section), std::string(k.name), "", std::string(k.flag)});
    std::string help = std::string(k.help);
    help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
    const std::string config_key = "[" + std::string(k.section) + "] " + std::string(k.name);
    if (k.type == store::ConfigKey::Type::kBoolean) {
      const bool off = k.flag.rfind("--no-", 0) == 0;
      setting.value = off ? "false" : "true";
      const std::string description =
          (off ? "Turn off: " + help : help) + " (" + config_key + " = " + setting.value + ")";
      option = serve_cmd->add_flag(std::string(k.flag), description);
    } else {
      const std::string type = k.type == store::ConfigKey::Type::kInteger ? "INT"
                               : k.type == store::ConfigKey::Type::kPath  ? "PATH"
                                                                          : "ADDRESS";
      option = serve_cmd
                   ->add_option(std::string(k.flag), setting.value,
                                help + " (" + config_key + ", default " +
                                    store::ValueText(store::ServeConfig{}, k) + ")")
                   ->type_name(type);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  size_given = size_opt->count() > 0;
  if (import_cmd->parsed()) return cli::RunImport(data, kind, file);
  if (seed_cmd->parsed()) return cli::RunDemoSeed(data);
  if (explain->parsed()) return cli::RunAccessExplain(data, badge, serial, at);
  if (list->parsed()) return cli::RunAccessList(data, badge, at);
  if (sim_cmd->parsed()) return cli::RunSim(sim_args);
  if (serve_cmd->parsed()) {
    for (const auto& [option, setting] : serve_flags) {
      if (option->count() > 0) serve_args.flags.push_back(setting);
    }
    return cli::RunServe(serve_args);
  }
  if (enroll->parsed()) return cli::RunStaffEnroll(data, badge, password_file);
  if (code_cmd->parsed()) return cli::RunStaffCode(totp_secret);

  if (init->parsed()) {
    auto site = OpenSite(data, site_code, true);
    if (!site) return Fail(site.error());
    std::cout << "ledger " << (*site)->ledger->meta().origin << " in " << data << " with "
              << (*site)->ledger->size()
              << " events\npublic key: " << (*site)->signer->Verifier().VerifierKey() << "\n";
    return 0;
  }
  if (populate->parsed()) {
    auto site = OpenSite(data, site_code, true);
    if (!site) return Fail(site.error());
    auto stats = app::PopulateSynthetic(*(*site)->ledger, events, writers, seed);
    if (!stats) return Fail(stats.error());
    std::printf("appended %llu events with %d writers in %.3f s: %.0f events/s\n",
                static_cast<unsigned long long>(stats->events), writers, stats->seconds,
                stats->seconds > 0 ? static_cast<double>(stats->events) / stats->seconds : 0.0);
    return 0;
  }
  if (verify->parsed()) {
    if (!file.empty()) {
      if (key.empty()) return Fail(core::InvalidArgumentError("--file needs --key PUBKEY"));
      auto verifier = store::LoadVerifierKey(key);
      if (!verifier) return Fail(verifier.error());
      auto external = ReadCheckpointFile(checkpoint_file, *verifier);
      if (!external) return Fail(external.error());
      auto bytes = store::ReadFile(file);
      if (!bytes) return Fail(bytes.error());
      return PrintReport(ledger::VerifyExport(core::AsBytes(*bytes), *verifier, *external));
    }
    if (data.empty()) return Fail(core::InvalidArgumentError("give --data DIR or --file FILE"));
    if (!fs::exists(DatabasePath(data))) {
      return Fail(core::NotFoundError("no ledger in " + data));
    }
    auto verifier = VerifierFor(data, key);
    if (!verifier) return Fail(verifier.error());
    auto external = ReadCheckpointFile(checkpoint_file, *verifier);
    if (!external) return Fail(external.error());
    auto db = store::SqliteLedgerStore::Open(DatabasePath(data));
    if (!db) return Fail(db.error());
    return PrintReport(ledger::VerifyStore(**db, *verifier, *external));
  }

  auto site = OpenSite(data, site_code, false);
  if (!site) return Fail(site.error());
  ledger::Ledger& l = *(*site)->ledger;
  if (checkpoint->parsed()) {
    auto c = l.Checkpoint();
    if (!c) return Fail(c.error());
    std::cout << c->note;
    return 0;
  }
  if (proof->parsed()) {
    auto j = app::InclusionProofJson(l, index, size_given ? size : l.size());
    if (!j) return Fail(j.error());
    std::cout << j->dump() << "\n";
    return 0;
  }
  if (consistency->parsed()) {
    auto j = app::ConsistencyProofJson(l, from, to);
    if (!j) return Fail(j.error());
    std::cout << j->dump() << "\n";
    return 0;
  }
  if (export_cmd->parsed()) {
    auto writer = store::DurableFileWriter::Create(out);
    if (!writer) return Fail(writer.error());
    auto n = app::WriteExport(l, *(*site)->store,
                              [&](core::ByteSpan chunk) { return writer->Append(chunk); });
    if (!n) return Fail(n.error());
    auto done = writer->Commit();
    if (!done.ok()) return Fail(done);
    std::cout << "exported " << *n << " events to " << out << "\n";
    return 0;
  }
  if (key_cmd->parsed()) {
    std::cout << (*site)->signer->Verifier().VerifierKey() << "\n";
    return 0;
  }
  if (status_cmd->parsed()) {
    std::cout << "ledger " << l.meta().origin << "\nevents " << l.size() << "\nroot "
              << ledger::ToHex(l.root()) << "\n";
    auto kinds = (*site)->store->ReadKindSummary();
    if (!kinds) return Fail(kinds.error());
    for (const auto& k : *kinds) {
      std::cout << "kind " << k.kind << " " << k.events << " last "
                << core::FormatUtcMicros(k.last_time_us) << "\n";
    }
    return 0;
  }
  return kExitUsage;
}
