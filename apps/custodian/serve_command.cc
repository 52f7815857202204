#include "serve_command.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/api.h"
#include "api/http_server.h"
#include "app/agency.h"
#include "app/csv_export.h"
#include "app/custody_desk.h"
#include "data_dir.h"
#include "hardware/modbus/bank_config.h"
#include "hardware/modbus/modbus_tcp_controller.h"
#include "hardware/sim/control.h"
#include "hardware/sim/site_simulator.h"
#include "store/argon2_pins.h"
#include "store/files.h"
#include "store/import_env.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/system_random.h"
#include "store/tls_certificate.h"
#include "store/totp.h"
#include "store/tzdb_zones.h"

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

bool IsLoopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "localhost";
}

}  // namespace

int RunServe(const ServeArgs& args) {
  // Plain HTTP only for development on this machine; anything reachable from elsewhere is HTTPS.
  const bool tls = args.tls || !IsLoopback(args.address);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto dir = OpenDataDir(
      args.data, "agency", false,
      "seed one with `custodian demo seed --data " + args.data + "` or import sites first");
  if (!dir) return Fail(dir.error());
  auto agency = app::Agency::Open(*(*dir)->ledger, *(*dir)->store);
  if (!agency) return Fail(agency.error());
  auto vault =
      store::SqliteCredentialVault::Open((fs::path(args.data) / "credentials.db").string());
  if (!vault) return Fail(vault.error());
  store::Argon2PinHasher hasher;
  const core::Clock& clock = (*dir)->clock;
  auto zones = [](std::string_view name) -> const domain::TimeZone* {
    auto z = store::FindZone(name);
    return z ? *z : nullptr;
  };

  static std::mutex log_mu;
  auto log = [](const std::string& line) {
    std::lock_guard l(log_mu);
    std::cerr << line << std::endl;
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
  if (args.simulate && !args.banks_file.empty()) {
    return Fail(core::InvalidArgumentError("--simulate and --banks exclude each other"));
  }
  if (args.poll_ms < 20 || args.poll_ms > 10'000) {
    return Fail(core::InvalidArgumentError("--poll-ms must be 20-10000"));
  }
  hardware::modbus::DriverOptions driver_options;
  driver_options.poll_interval = std::chrono::milliseconds(args.poll_ms);
  // The driver's readings and bank events go to the desk.
  hardware::modbus::DriverCallbacks callbacks;
  callbacks.on_reading = [&desk_ptr, log](const app::CompartmentReading& r) {
    if (auto* d = desk_ptr.load()) {
      if (core::Status s = d->OnReading(r); !s.ok()) log("reading: " + s.ToString());
    }
  };
  callbacks.on_event = [&desk_ptr, log](const app::BankEvent& e) {
    if (auto* d = desk_ptr.load()) {
      if (core::Status s = d->OnBankEvent(e); !s.ok()) log("bank event: " + s.ToString());
    }
  };
  if (!args.banks_file.empty()) {
    auto text = store::ReadFile(args.banks_file);
    if (!text) return Fail(text.error().Annotate("--banks"));
    auto banks = hardware::modbus::ParseBankConfig(*text);
    if (!banks) return Fail(banks.error().Annotate("--banks " + args.banks_file));
    const domain::State state = (*agency)->Snapshot();
    for (const auto& b : *banks) {
      for (const std::string& c : b.compartments) {
        if (!state.compartments.count({b.site, b.bank, c})) {
          return Fail(core::InvalidArgumentError(
              "--banks " + args.banks_file + ": " + b.site + "/" + b.bank + "/" + c +
              " is not a compartment of the agency (import it with `custodian import lockers`)"));
        }
      }
    }
    driver = std::make_unique<hardware::modbus::ModbusTcpController>(std::move(*banks),
                                                                     driver_options, callbacks);
    controller = driver.get();
  }
  if (args.simulate) {
    const domain::State state = (*agency)->Snapshot();
    hardware::sim::SiteSimulator::Options o;
    o.auto_officer = args.auto_officer;
    o.auto_pause = std::chrono::milliseconds(args.auto_pause_ms);
    o.log = log;
    auto started = hardware::sim::SiteSimulator::Start(app::ExportLockersCsv(state),
                                                       app::ExportItemsCsv(state, true), o);
    if (!started) return Fail(started.error().Annotate("simulated lockers"));
    sim = std::move(*started);
    auto c = hardware::sim::ControlServer::Start(*sim, args.control_port);
    if (!c) return Fail(c.error());
    control = std::move(*c);
    std::vector<hardware::modbus::BankConfig> banks;
    for (const auto& b : sim->banks()) {
      banks.push_back({b.site, b.bank, "127.0.0.1", b.port, b.compartments});
    }
    driver = std::make_unique<hardware::modbus::ModbusTcpController>(std::move(banks),
                                                                     driver_options, callbacks);
    controller = driver.get();
    if (args.auto_officer) {
      hinting = std::make_unique<HintingLockers>(*driver, **agency, *sim);
      controller = hinting.get();
    }
  }

  app::CustodyDesk desk(**agency, *controller, **vault, hasher, clock, zones);
  desk_ptr = &desk;
  if (driver) driver->Start();

  store::Totp totp;
  app::StaffLogins staff(**agency, **vault, hasher, totp, clock);
  store::SystemRandom random;
  app::ApiTokens tokens(**agency, **vault, random, clock);
  app::Importer importer(**agency, **vault, hasher, store::MachineImportEnv());
  api::Api api(**agency, desk, staff, tokens, importer, *(*dir)->ledger, *(*dir)->store, clock,
               zones, {});
  api::ServerOptions server_options;
  server_options.address = args.address;
  server_options.port = args.port;
  std::string fingerprint;
  if (tls) {
    auto material = store::LoadOrCreateTlsCertificate(args.data);
    if (!material) return Fail(material.error().Annotate("TLS certificate"));
    if (material->created) {
      log("made a self-signed TLS certificate in " + args.data +
          "/tls.crt (replace tls.crt and tls.key with your own to use another)");
    }
    server_options.tls_certificate_pem = material->certificate_pem;
    server_options.tls_key_pem = material->key_pem;
    fingerprint = material->fingerprint;
  }
  auto server = api::HttpServer::Start(server_options,
                                       [&api](const api::HttpRequest& r) { return api.Handle(r); });
  if (!server) return Fail(server.error());
  api::HttpServer* raw_server = server->get();
  (*agency)->SetOnRecorded([raw_server] { raw_server->Notify(); });

  // The passing of time: doors never opened, overdue items, doors held open.
  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool stopping = false;
  std::thread ticker([&] {
    std::unique_lock l(tick_mu);
    while (!tick_cv.wait_for(l, std::chrono::seconds(1), [&] { return stopping; })) {
      l.unlock();
      if (core::Status s = desk.Tick(); !s.ok()) log("tick: " + s.ToString());
      l.lock();
    }
  });

  {
    std::lock_guard l(log_mu);
    std::cout << "serving " << (tls ? "https" : "http") << "://" << args.address << ":"
              << raw_server->port() << "/" << std::endl;
    if (tls) std::cout << "certificate sha256 " << fingerprint << std::endl;
    if (control) std::cout << "control 127.0.0.1:" << control->port() << std::endl;
    std::cerr << "data: " << args.data << " (" << (*dir)->ledger->size() << " events); lockers: "
              << (sim ? std::to_string(sim->banks().size()) + " simulated banks" +
                            (args.auto_officer ? " with the auto officer" : "")
                  : driver ? "the banks of " + args.banks_file
                           : std::string("none"))
              << "; stop with Ctrl-C or SIGTERM" << std::endl;
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  log(std::string("stopping (") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  raw_server->Stop();
  {
    std::lock_guard l(tick_mu);
    stopping = true;
  }
  tick_cv.notify_all();
  ticker.join();
  (*agency)->SetOnRecorded(nullptr);
  if (driver) driver->Stop();
  desk_ptr = nullptr;
  return 0;
}

}  // namespace custodian::cli
