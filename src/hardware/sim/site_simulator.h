// SiteSimulator: every locker bank of a lockers CSV simulated at once — one BankSimulator (one
// Modbus TCP server on 127.0.0.1) per (site, bank), with the items of an items CSV in their home
// compartments — and the physical world addressed by the names people use ("HQ", "A", "14")
// instead of protocol indices. `custodian sim` serves it; its control interface (control.h) and
// tests act on it through the methods below.
//
// From the files (docs/import.md formats, read by app::PlanImport so that the simulator accepts and
// rejects exactly what `custodian import` does, with the same "line N: column: why" messages):
//   - Banks in order of their first row; a bank's compartments in file order are the protocol's
//     compartments 1..n. Bank k (0-based) listens on base_port + k, or on a free port when
//     base_port is 0.
//   - Features: `scale` → a scale, `charging` → a charger, `refrigerated` → a thermometer reading
//     4.0 °C, `pass_through` → an inner door with its own lock (the protocol's inner coil). Every
//     simulated compartment reads RFID tags (`rfid` is implied).
//   - Items: tag and weight_g from the file. An item whose home has a charger reports a charge of
//     80-100 %, a function of its tag alone (FNV-1a of the tag mod 21, plus 80): the same every
//     run.
//
// The auto officer (Options::auto_officer), for demos: a watcher thread that notices each new
// unlock of a compartment's outer door (its unlock pulse count grew; polled every 10 ms) and
// visits it in three steps, `auto_pause` apart: it opens the door; it reaches in; it closes the
// door. Reaching in, it takes the item it was told to expect there (Expect), if there is one —
// or, if that tag is not in the compartment, takes nothing and says so; without an expectation it
// puts back the oldest item in its pocket whose home is this compartment, or else takes the first
// item in the compartment (in the order the items were placed) into its pocket. If the lock
// engaged again before it opened the door, or someone closed the door before it reached in, it
// leaves. An item's home is its home in the items file, or the compartment the officer took an
// unknown tag from. Every step is one sentence to Options::log.
//
// Expectations: at most one per compartment (a later Expect replaces it), set before the unlock
// (a script that has the server grant an item says which one it granted); the visit that starts
// with the next unlock takes it along and it is gone, whether or not that visit reaches in.
//
// Errors name the place and say what to do: NotFound for an unknown bank or compartment,
// FailedPrecondition when the world does not allow it (a door that is locked or already open, an
// item that is not there, a compartment without a scale or without an inner door),
// InvalidArgument for a value out of range.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "domain/model.h"
#include "hardware/sim/bank_simulator.h"

namespace custodian::hardware::sim {

// One simulated bank as the driver needs to know it (modbus::BankConfig).
struct SimBankInfo {
  std::string site;
  std::string bank;
  uint16_t port = 0;
  std::vector<std::string> compartments;  // protocol compartment k+1 is compartments[k]
};

// An item the auto officer has taken out, and where it belongs.
struct PocketItem {
  SimItem item;
  domain::CompartmentKey home;
};

// What the lockers and items CSV describe, before anything listens: per bank, its compartments'
// names and features and the items placed in each. Pure; Start() is this plus the servers.
struct SitePlan {
  struct Bank {
    std::string site;
    std::string bank;
    std::vector<std::string> names;
    std::vector<SimCompartment> compartments;
    std::vector<std::vector<SimItem>> items;  // per compartment, in items-file order
  };
  std::vector<Bank> banks;  // in order of each bank's first row in the lockers file
  std::vector<std::pair<std::string, domain::CompartmentKey>> homes;  // tag → home compartment
  std::vector<std::pair<std::string, std::string>> serials;           // tag → serial
};
// InvalidArgument "lockers file: line 3: features: …" / "items file: …" for a bad file.
core::Result<SitePlan> PlanSite(std::string_view lockers_csv, std::string_view items_csv);

// The charge a device with this tag reports in a charging bay: 80-100, stable across runs.
int DeterministicCharge(std::string_view tag);

class SiteSimulator {
 public:
  struct Options {
    uint16_t base_port = 0;  // bank k on base_port + k; 0: a free port for every bank
    std::chrono::milliseconds pulse{30'000};  // how long an unlock lasts if the door stays shut
    bool auto_officer = false;
    std::chrono::milliseconds auto_pause{1'000};  // before opening, and before closing
    // What the auto officer does, one sentence each ("auto: HQ/A/2: took E280… (T-07)"); may be
    // empty. Called on the auto officer's thread.
    std::function<void(const std::string&)> log;
  };
  static core::Result<std::unique_ptr<SiteSimulator>> Start(std::string_view lockers_csv,
                                                            std::string_view items_csv,
                                                            Options options);
  ~SiteSimulator();  // stops the auto officer, then every bank
  SiteSimulator(const SiteSimulator&) = delete;
  SiteSimulator& operator=(const SiteSimulator&) = delete;

  const std::vector<SimBankInfo>& banks() const;

  // Doors: the outer one unless told; the inner one only in a pass-through compartment
  // (FailedPrecondition otherwise). OpenDoor needs that door's lock released (by the driver's
  // unlock); ForceDoor does not.
  core::Status OpenDoor(const domain::CompartmentKey& c, Door door = Door::kOuter);
  core::Status ForceDoor(const domain::CompartmentKey& c, Door door = Door::kOuter);
  core::Status CloseDoor(const domain::CompartmentKey& c, Door door = Door::kOuter);
  // Items: only through an open door (either one of a pass-through compartment). A tag is in one
  // place at a time: Put refuses a tag that is in another compartment (and takes it from the auto
  // officer's pocket if it is there). Put without weight or charge uses what the items file gave
  // that tag (0 g, no charge if unknown).
  core::Result<SimItem> Take(const domain::CompartmentKey& c, std::string_view tag);
  core::Status Put(const domain::CompartmentKey& c, std::string_view tag,
                   std::optional<uint32_t> weight_g, std::optional<int> charge_percent);
  // The auto officer's next visit to c takes the item with this tag (see the auto officer above).
  // NotFound for an unknown compartment, InvalidArgument for a tag that is not 24 hexadecimal
  // digits (or is all zero), FailedPrecondition when the auto officer is off.
  core::Status Expect(const domain::CompartmentKey& c, std::string_view tag);
  // Sensors. SetWeight(none) makes the scale read the items' sum again; SetTemperature(none) is a
  // thermometer that reports no reading.
  core::Status SetWeight(const domain::CompartmentKey& c, std::optional<uint32_t> grams);
  core::Status SetTemperature(const domain::CompartmentKey& c, std::optional<int> deci_c);
  core::Status SetTamper(const domain::CompartmentKey& c, bool tampered);
  // A bank as a whole.
  core::Status SetMains(std::string_view site, std::string_view bank, bool present);
  core::Status SetFireAlarm(std::string_view site, std::string_view bank, bool active);
  core::Status SetOffline(std::string_view site, std::string_view bank, bool offline);
  core::Status SetResponseDelay(std::string_view site, std::string_view bank,
                                std::chrono::milliseconds delay);
  core::Status SendGarbage(std::string_view site, std::string_view bank, int answers);

  // Observers. Bank(k) is the k-th of banks(); SerialOf is the serial of a tag from the items
  // file, or "".
  const BankSimulator& Bank(size_t k) const;
  std::vector<PocketItem> Pocket() const;
  std::string SerialOf(std::string_view tag) const;

 private:
  struct Impl;
  explicit SiteSimulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custodian::hardware::sim
