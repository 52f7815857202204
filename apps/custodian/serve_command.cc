#include "serve_command.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api/http_server.h"
#include "api/web_files.h"
#include "app/agency.h"
#include "app/csv_export.h"
#include "app/custody_desk.h"
#include "core/log.h"
#include "data_dir.h"
#include "hardware/modbus/bank_config.h"
#include "hardware/modbus/modbus_tcp_controller.h"
#include "hardware/sim/control.h"
#include "hardware/sim/site_simulator.h"
#include "store/argon2_pins.h"
#include "store/config_file.h"
#include "store/files.h"
#include "store/import_env.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/system_random.h"
#include "store/tls_certificate.h"
#include "store/totp.h"
#include "store/tzdb_zones.h"

extern char** environ;  // POSIX: the process's environment

namespace custodian::cli {
namespace {

namespace fs = std::filesystem;

// No locker banks configured: every command to the hardware is Unavailable, so the desk records
// that the opening was abandoned.
class NoLockers final : public app::LockerController {
 public:
  core::Status Unlock(const domain::CompartmentKey& c, app::Door) override {
    return core::UnavailableError("no locker bank is configured for " + c.ToString());
  }
  core::Status Relock(const domain::CompartmentKey& c, app::Door) override {
    return core::UnavailableError("no locker bank is configured for " + c.ToString());
  }
};

// For the demo: before a compartment is unlocked for a sign-out, tells the simulator's auto officer
// which item was granted (recorded as pending before the unlock), so that it takes that one from a
// compartment that holds several. Returns need no hint: the officer puts back what it holds.
class HintingLockers final : public app::LockerController {
 public:
  HintingLockers(app::LockerController& inner, const app::Agency& agency,
                 hardware::sim::SiteSimulator& sim)
      : inner_(inner), agency_(agency), sim_(sim) {}
  core::Status Unlock(const domain::CompartmentKey& c, app::Door door) override {
    std::string tag;
    agency_.Read([&](const domain::State& s) {
      for (const auto& [serial, i] : s.items) {
        if (i.item.home == c && i.pending) tag = i.item.tag;
      }
    });
    if (!tag.empty()) (void)sim_.Expect(c, tag);
    return inner_.Unlock(c, door);
  }
  core::Status Relock(const domain::CompartmentKey& c, app::Door door) override {
    return inner_.Relock(c, door);
  }

 private:
  app::LockerController& inner_;
  const app::Agency& agency_;
  hardware::sim::SiteSimulator& sim_;
};

bool IsLoopback(const std::string& address) { return address == "127.0.0.1" || address == "::1"; }

// Every NAME=VALUE of the process's environment.
std::vector<std::pair<std::string, std::string>> Environment() {
  std::vector<std::pair<std::string, std::string>> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::chrono::milliseconds Ms(int64_t ms) { return std::chrono::milliseconds(ms); }

// A server builds an answer of tens of kilobytes (the terminal's list), sends it and frees it,
// thousands of times a second on each thread. With glibc's defaults each free at the top of a
// thread's heap gave those pages back (trimming above 128 KiB of free top) and the next answer
// faulted them in again: ~0.4 page faults per request, 15-20 % of the list's time in the kernel's
// page-table code under load. Keep up to 64 MiB of free heap per arena, and fix the mmap threshold
// (setting it also stops glibc from moving it) at 4 MiB so that large answers (an audit CSV) come
// from the heap too.
void TuneMallocForServing() {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

}  // namespace

int RunServe(const ServeArgs& args) {
  auto loaded = store::LoadServeConfig({args.config_file, Environment(), args.flags});
  if (!loaded) return Fail(loaded.error());
  const store::ServeConfig& config = loaded->config;
  if (args.print_config) {
    std::cout << "# custodian serve: the effective configuration ("
              << (loaded->file.empty() ? "no config file" : "config file " + loaded->file)
              << ").\n# After each value: where it came from (default, FILE:LINE, an environment "
                 "variable or a flag).\n\n"
              << store::FormatConfigToml(config, &loaded->origins);
    return 0;
  }
  TuneMallocForServing();
  const std::string& data = config.server.data_dir;
  const std::string& address = config.server.listen;

  // From here on, everything goes to the log (config.log; ranges checked by the loader).
  core::SystemClock log_clock;
  core::FdLog log(STDERR_FILENO, log_clock,
                  core::ParseLogLevel(config.log.level).value_or(core::LogLevel::kInfo),
                  core::ParseLogFormat(config.log.format).value_or(core::LogFormat::kJson));
  auto fail = [&log](const core::Status& s) {
    log.Error("cannot start", {{"error", s.ToString()}});
    return ExitCode(s);
  };

  // Plain HTTP only for development on this machine; anything reachable from elsewhere is HTTPS.
  const bool tls = config.tls.enabled || !IsLoopback(address);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto dir =
      OpenDataDir(data, "agency", false,
                  "seed one with `custodian demo seed --data " + data + "` or import sites first");
  if (!dir) return fail(dir.error());
  auto agency = app::Agency::Open(*(*dir)->ledger, *(*dir)->store);
  if (!agency) return fail(agency.error());
  auto vault = store::SqliteCredentialVault::Open((fs::path(data) / "credentials.db").string());
  if (!vault) return fail(vault.error());
  store::Argon2PinHasher hasher;
  const core::Clock& clock = (*dir)->clock;
  auto zones = [](std::string_view name) -> const domain::TimeZone* {
    auto z = store::FindZone(name);
    return z ? *z : nullptr;
  };

  // The desk needs the controller and the controller's callbacks need the desk: the callbacks
  // reach it through this pointer, set once the desk exists and before the driver starts.
  std::atomic<app::CustodyDesk*> desk_ptr{nullptr};
  std::unique_ptr<hardware::sim::SiteSimulator> sim;
  std::unique_ptr<hardware::sim::ControlServer> control;
  std::unique_ptr<hardware::modbus::ModbusTcpController> driver;
  std::unique_ptr<HintingLockers> hinting;
  NoLockers no_lockers;
  app::LockerController* controller = &no_lockers;
  const std::string& banks_file = config.lockers.banks_file;
  hardware::modbus::DriverOptions driver_options;
  driver_options.poll_interval = Ms(config.lockers.poll_ms);
  // The driver's readings and bank events go to the desk.
  hardware::modbus::DriverCallbacks callbacks;
  callbacks.on_reading = [&desk_ptr, &log](const app::CompartmentReading& r) {
    if (auto* d = desk_ptr.load()) {
      if (core::Status s = d->OnReading(r); !s.ok()) {
        log.Error("reading not recorded",
                  {{"compartment", r.compartment.ToString()}, {"error", s.ToString()}});
      }
    }
  };
  callbacks.on_event = [&desk_ptr, &log](const app::BankEvent& e) {
    if (auto* d = desk_ptr.load()) {
      if (core::Status s = d->OnBankEvent(e); !s.ok()) {
        log.Error("bank event not recorded", {{"error", s.ToString()}});
      }
    }
  };
  if (!banks_file.empty()) {
    auto text = store::ReadFile(banks_file);
    if (!text) return fail(text.error().Annotate("banks file"));
    auto banks = hardware::modbus::ParseBankConfig(*text);
    if (!banks) return fail(banks.error().Annotate("banks file " + banks_file));
    const domain::State state = (*agency)->Snapshot();
    for (const auto& b : *banks) {
      for (const std::string& c : b.compartments) {
        if (!state.compartments.count({b.site, b.bank, c})) {
          return fail(core::InvalidArgumentError(
              "banks file " + banks_file + ": " + b.site + "/" + b.bank + "/" + c +
              " is not a compartment of the agency (import it with `custodian import lockers`)"));
        }
      }
    }
    driver = std::make_unique<hardware::modbus::ModbusTcpController>(std::move(*banks),
                                                                     driver_options, callbacks);
    controller = driver.get();
  }
  if (config.lockers.simulate) {
    const domain::State state = (*agency)->Snapshot();
    hardware::sim::SiteSimulator::Options o;
    o.auto_officer = config.lockers.auto_officer;
    o.auto_pause = Ms(config.lockers.auto_pause_ms);
    o.log = [&log](const std::string& line) { log.Info("simulator", {{"detail", line}}); };
    auto started = hardware::sim::SiteSimulator::Start(app::ExportLockersCsv(state),
                                                       app::ExportItemsCsv(state, true), o);
    if (!started) return fail(started.error().Annotate("simulated lockers"));
    sim = std::move(*started);
    auto c = hardware::sim::ControlServer::Start(
        *sim, static_cast<uint16_t>(config.lockers.control_port));
    if (!c) return fail(c.error());
    control = std::move(*c);
    std::vector<hardware::modbus::BankConfig> banks;
    for (const auto& b : sim->banks()) {
      banks.push_back({b.site, b.bank, "127.0.0.1", b.port, b.compartments});
    }
    driver = std::make_unique<hardware::modbus::ModbusTcpController>(std::move(banks),
                                                                     driver_options, callbacks);
    controller = driver.get();
    if (config.lockers.auto_officer) {
      hinting = std::make_unique<HintingLockers>(*driver, **agency, *sim);
      controller = hinting.get();
    }
  }

  // Recorded events wake the server's event streams once the server runs. The callback is set here,
  // before the locker threads (or any other) share the agency, as SetOnRecorded requires; the
  // server it reaches is published atomically once it exists.
  std::atomic<api::HttpServer*> announce_to{nullptr};
  (*agency)->SetOnRecorded([&announce_to] {
    if (api::HttpServer* s = announce_to.load(std::memory_order_acquire)) s->Notify();
  });
  app::CustodyDesk desk(**agency, *controller, **vault, hasher, clock, zones);
  desk_ptr = &desk;
  if (driver) driver->Start();

  store::Totp totp;
  app::StaffLogins staff(**agency, **vault, hasher, totp, clock);
  api::ApiOptions api_options;
  constexpr int64_t kMicrosPerSecond = 1'000'000;
  api_options.sessions.idle = config.sessions.terminal_idle_s * kMicrosPerSecond;
  api_options.sessions.staff_idle = config.sessions.staff_idle_s * kMicrosPerSecond;
  api_options.sessions.absolute = config.sessions.max_age_s * kMicrosPerSecond;
  api_options.sessions.max_sessions = static_cast<size_t>(config.sessions.max_sessions);
  const auto login_keys = static_cast<size_t>(config.limits.login_tracked_keys);
  api_options.logins_per_address = {
      static_cast<double>(config.limits.logins_per_address_per_minute),
      static_cast<double>(config.limits.logins_per_address_burst), login_keys};
  api_options.logins_per_badge = {static_cast<double>(config.limits.logins_per_badge_per_minute),
                                  static_cast<double>(config.limits.logins_per_badge_burst),
                                  login_keys};
  api_options.max_events_per_poll = static_cast<size_t>(config.limits.events_per_poll);
  store::SystemRandom random;
  app::ApiTokens tokens(**agency, **vault, random, clock);
  app::Importer importer(**agency, **vault, hasher, store::MachineImportEnv());
  api::Api api(**agency, desk, staff, tokens, importer, *(*dir)->ledger, *(*dir)->store, clock,
               zones, api_options);

  api::ServerOptions server_options;
  server_options.address = address;
  server_options.port = static_cast<uint16_t>(config.server.port);
  server_options.threads = static_cast<int>(config.server.threads);
  server_options.blocking_threads = static_cast<int>(config.server.blocking_threads);
  server_options.may_block = &api::Api::MayBlock;
  server_options.header_limit = static_cast<size_t>(config.limits.header_bytes);
  server_options.body_limit = static_cast<size_t>(config.limits.body_bytes);
  server_options.request_timeout = Ms(config.limits.request_timeout_ms);
  server_options.heartbeat = Ms(config.server.heartbeat_ms);
  server_options.grace = Ms(config.server.shutdown_grace_ms);
  if (config.log.access) {
    // The access log: what the server hands over is already free of query strings, headers and
    // bodies (api::AccessRecord).
    server_options.on_request = [&log](const api::AccessRecord& r) {
      const core::LogField fields[] = {
          {"method", r.method}, {"path", r.path},
          {"status", r.status}, {"duration_ms", static_cast<double>(r.duration.count()) / 1000.0},
          {"remote", r.remote}, {"bytes", r.bytes}};
      log.Write(r.status >= 500 ? core::LogLevel::kWarn : core::LogLevel::kInfo, "request", fields);
    };
  }
  std::string fingerprint;
  if (tls) {
    auto material = store::LoadOrCreateTlsCertificate(data);
    if (!material) return fail(material.error().Annotate("TLS certificate"));
    if (material->created) {
      log.Info("made a self-signed TLS certificate",
               {{"certificate", (fs::path(data) / "tls.crt").string()},
                {"hint", "replace tls.crt and tls.key with your own to use another"}});
    }
    server_options.tls_certificate_pem = material->certificate_pem;
    server_options.tls_key_pem = material->key_pem;
    fingerprint = material->fingerprint;
  }
  // The terminal and dashboard pages, read once; without them the server still serves the API.
  const std::string web_dir =
      config.server.web_dir.empty() ? CUSTODIAN_WEB_DIR : config.server.web_dir;
  std::map<std::string, std::string> pages;
  if (auto read = store::ReadTree(web_dir); read && read->count("index.html")) {
    pages = std::move(*read);
  } else {
    log.Warn("no web pages: serving the API only",
             {{"web_dir", web_dir},
              {"hint", "build them with `make build` (web/dist) or set web_dir under [server]"}});
  }
  const api::WebFiles web(std::move(pages));
  auto server = api::HttpServer::Start(server_options, [&api, &web](const api::HttpRequest& r) {
    const std::string_view path = r.path;
    if (path.rfind("/api/", 0) != 0 && path != "/healthz" && path != "/metrics") {
      if (auto page = web.Serve(r)) return *std::move(page);
    }
    return api.Handle(r);
  });
  if (!server) return fail(server.error());
  api::HttpServer* raw_server = server->get();
  announce_to.store(raw_server, std::memory_order_release);

  // The passing of time: doors never opened, overdue items, doors held open.
  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool stopping = false;
  std::thread ticker([&] {
    std::unique_lock l(tick_mu);
    while (!tick_cv.wait_for(l, std::chrono::seconds(1), [&] { return stopping; })) {
      l.unlock();
      if (core::Status s = desk.Tick(); !s.ok())
        log.Error("tick failed", {{"error", s.ToString()}});
      l.lock();
    }
  });

  const std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  const std::string url = std::string(tls ? "https" : "http") + "://" + host + ":" +
                          std::to_string(raw_server->port()) + "/";
  std::cout << "serving " << url << std::endl;
  if (tls) std::cout << "certificate sha256 " << fingerprint << std::endl;
  if (control) std::cout << "control 127.0.0.1:" << control->port() << std::endl;
  log.Info("serving",
           {{"url", url},
            {"data_dir", data},
            {"pages", web.empty() ? std::string("none") : web_dir},
            {"events", (*dir)->ledger->size()},
            {"lockers", sim ? std::to_string(sim->banks().size()) + " simulated banks" +
                                  (config.lockers.auto_officer ? " with the auto officer" : "")
                        : driver ? "the banks of " + banks_file
                                 : std::string("none")},
            {"config", loaded->file.empty() ? std::string("none") : loaded->file}});

  int signal = 0;
  sigwait(&stop_signals, &signal);
  log.Info("stopping", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
  raw_server->Stop();
  {
    std::lock_guard l(tick_mu);
    stopping = true;
  }
  tick_cv.notify_all();
  ticker.join();
  if (driver) driver->Stop();
  (*agency)->SetOnRecorded(nullptr);  // no other thread records any more
  desk_ptr = nullptr;
  log.Info("stopped", {{"requests", raw_server->RequestsServed()}});
  return 0;
}

}  // namespace custodian::cli
