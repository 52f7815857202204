#include "sim_command.h"

#include <signal.h>

#include <iostream>
#include <mutex>

#include "core/bytes.h"
#include "data_dir.h"
#include "hardware/sim/control.h"
#include "hardware/sim/site_simulator.h"
#include "store/files.h"

namespace custodian::cli {

int RunSim(const SimArgs& args) {
  auto lockers = store::ReadFile(args.lockers);
  if (!lockers) return Fail(lockers.error().Annotate("--lockers"));
  auto items = store::ReadFile(args.items);
  if (!items) return Fail(items.error().Annotate("--items"));

  // The signals are taken by sigwait below; blocked before any thread starts, so that every
  // thread inherits the mask and none of them is interrupted instead.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  static std::mutex log_mu;
  hardware::sim::SiteSimulator::Options options;
  options.base_port = args.base_port;
  options.auto_officer = args.auto_officer;
  options.log = [](const std::string& line) {
    std::lock_guard l(log_mu);
    std::cerr << line << std::endl;
  };
  auto sim = hardware::sim::SiteSimulator::Start(*lockers, *items, options);
  if (!sim) return Fail(sim.error());
  auto control = hardware::sim::ControlServer::Start(**sim, args.control_port);
  if (!control) return Fail(control.error());

  const std::string config = hardware::sim::BanksJson(**sim, (*control)->port());
  if (!args.banks_out.empty()) {
    auto written = store::WriteFileDurably(
        args.banks_out, core::AsBytes(config + "\n"),
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
            std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    if (!written.ok()) return Fail(written.Annotate("--banks-out"));
  }
  std::cout << config << std::endl;
  {
    std::lock_guard l(log_mu);
    for (const auto& b : (*sim)->banks()) {
      std::cerr << "bank " << b.site << "/" << b.bank << ": 127.0.0.1:" << b.port << ", "
                << b.compartments.size() << " compartments\n";
    }
    std::cerr << "control: 127.0.0.1:" << (*control)->port()
              << " (one JSON request per line; docs/hardware-protocol.md, Simulator)\n"
              << "auto officer: " << (args.auto_officer ? "on" : "off")
              << "; stop with Ctrl-C or SIGTERM" << std::endl;
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  {
    std::lock_guard l(log_mu);  // not held while the auto officer stops: it may be logging
    std::cerr << "stopping (" << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ")" << std::endl;
  }
  return 0;
}

}  // namespace custodian::cli
