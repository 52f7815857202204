// The simulator's control interface: newline-delimited JSON over TCP on 127.0.0.1, through which a
// test or a person acts on the physical world of a SiteSimulator — opens a door, takes an item out,
// cuts the mains — while the driver watches over Modbus. Specified with an example of every op in
// docs/hardware-protocol.md ("Simulator").
//
// The exchange: each line the client sends is one request, a flat JSON object such as
//   {"op":"open_door","site":"HQ","bank":"A","compartment":"14"}
// and each gets exactly one response line, in order: {"ok":true, …} or {"ok":false,"error":"…"}.
// A line that is not a request (not JSON, an unknown op, a missing or wrong field, over
// kMaxControlLine bytes) gets an error response naming the field; the connection stays open. A
// trailing CR is ignored (telnet, nc -C).
//
// ParseControlRequest is a pure function that trusts nothing (fuzzed: control_fuzz.cc);
// RunControlRequest applies a request to the simulator; ControlServer is the socket loop: one
// thread, poll(), up to kMaxControlClients clients at a time.
//
// Thread-safety: the functions are thread-safe as SiteSimulator is; ControlServer's methods may be
// called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "hardware/sim/site_simulator.h"

namespace custodian::hardware::sim {

inline constexpr size_t kMaxControlLine = size_t{64} << 10;  // bytes, without the line end
inline constexpr int kMaxControlClients = 32;

enum class ControlOp {
  // A compartment: site, bank and compartment.
  kOpenDoor,        // door? ("outer" or "inner"; outer if absent)
  kCloseDoor,       // door?
  kForceDoor,       // door?
  kTake,            // tag
  kPut,             // tag, weight_g?, charge?
  kSetWeight,       // grams (null: the items' sum again)
  kSetTemperature,  // deci_c (null: no reading)
  kSetTamper,       // on
  kExpect,          // tag: what the auto officer's next visit takes
  // A bank: site and bank.
  kSetMains,      // on
  kSetFireAlarm,  // on
  kSetOffline,    // on
  kSetDelay,      // ms
  kSendGarbage,   // answers
  // The whole simulator.
  kState,  // site?, bank?, compartment? narrow it down
  kBanks,
};
// "open_door", "set_fire_alarm", …: the op as the JSON names it.
std::string_view ControlOpName(ControlOp op);

struct ControlRequest {
  ControlOp op = ControlOp::kBanks;
  std::string site;  // empty when the op has none (state: empty = every one)
  std::string bank;
  std::string compartment;
  Door door = Door::kOuter;           // open_door, close_door, force_door
  std::string tag;                    // 24 upper-case hex digits (lower case is accepted)
  std::optional<uint32_t> weight_g;   // put (none: the items file's weight); set_weight: grams
  std::optional<int> charge_percent;  // put: 0-100 (none: the items file's charge)
  std::optional<int> deci_c;          // set_temperature: -400..850 (none: no reading)
  bool on = false;                    // set_tamper, set_mains, set_fire_alarm, set_offline
  int ms = 0;                         // set_delay: 0-60000
  int answers = 0;                    // send_garbage: 0-1000000
  friend bool operator==(const ControlRequest&, const ControlRequest&) = default;
};

// One request line (without its line end). InvalidArgument "<field>: <why>" otherwise, e.g.
// "compartment: missing", "op: unknown \"opne_door\"; known ops: open_door, …".
core::Result<ControlRequest> ParseControlRequest(std::string_view line);
// The request as one line of JSON that ParseControlRequest reads back as the same request.
std::string FormatControlRequest(const ControlRequest& request);

// The response line (without '\n') to a parsed request, after acting on the simulator.
std::string RunControlRequest(SiteSimulator& sim, const ControlRequest& request);
// The response line to a request line: parse, then run; an error response if it does not parse.
std::string HandleControlLine(SiteSimulator& sim, std::string_view line);
// {"ok":false,"error":message} as one line; never throws, whatever bytes the message holds.
std::string ControlErrorResponse(std::string_view message);
// The banks as the driver is configured with them, one JSON object (also the `banks` response):
// {"banks":[{"site":"HQ","bank":"A","host":"127.0.0.1","port":5020,"compartments":["1",…]},…]}
// and "control_port":P after "banks" when given.
std::string BanksJson(const SiteSimulator& sim, std::optional<uint16_t> control_port = {});

class ControlServer {
 public:
  // Listens on 127.0.0.1:port (0: a free port, see port()) and serves on its own thread.
  static core::Result<std::unique_ptr<ControlServer>> Start(SiteSimulator& sim, uint16_t port);
  ~ControlServer();  // closes every connection and stops the thread
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  uint16_t port() const;

 private:
  struct Impl;
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custodian::hardware::sim
