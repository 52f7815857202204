#include "hardware/sim/bank_simulator.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

namespace custodian::hardware::sim {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr Door kDoors[] = {Door::kOuter, Door::kInner};

int CoilOf(Door door) {
  return door == Door::kInner ? modbus::coil::kInnerLock : modbus::coil::kOuterLock;
}

// A door and its lock.
struct Doorway {
  bool closed = true;
  bool released = false;
  bool opened_since_release = false;
  SteadyClock::time_point released_at{};
  int pulses = 0;
};

struct Compartment {
  SimCompartment spec;
  std::array<Doorway, 2> doorways;  // indexed by Door
  std::vector<SimItem> items;
  std::optional<uint32_t> weight_override;
  std::optional<int> temperature;
  bool tamper = false;

  bool Has(Door door) const { return door == Door::kOuter || spec.pass_through; }
  Doorway& At(Door door) { return doorways[static_cast<size_t>(door)]; }
  const Doorway& At(Door door) const { return doorways[static_cast<size_t>(door)]; }
};

}  // namespace

struct BankSimulator::State {
  Options options;
  mutable std::mutex mu;  // guards the world below
  std::vector<Compartment> comps;
  bool mains = true;
  bool fire = false;
  std::chrono::milliseconds delay{0};
  int garbage = 0;
  bool offline = false;
  uint64_t served = 0;
  SteadyClock::time_point started = SteadyClock::now();

  // Owned by the server thread after Start.
  modbus_t* ctx = nullptr;
  modbus_mapping_t* map = nullptr;
  int listen_fd = -1;
  int wake_fd = -1;
  uint16_t port = 0;
  std::vector<int> clients;
  std::atomic<bool> stop{false};
  std::thread thread;

  bool Valid(int i) const { return i >= 0 && i < static_cast<int>(comps.size()); }

  // Locks released but never opened go back on after the pulse time. Under mu.
  void ExpirePulses() {
    const auto now = SteadyClock::now();
    for (Compartment& c : comps) {
      for (Doorway& d : c.doorways) {
        if (d.released && !d.opened_since_release && now - d.released_at >= options.pulse) {
          d.released = false;
        }
      }
    }
  }

  // The world as the protocol reports it. Under mu.
  modbus::BankSnapshot Snapshot() const {
    modbus::BankSnapshot b;
    b.identity = options.identity;
    b.heartbeat = static_cast<uint16_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)
            .count() /
        100);
    b.mains_power = mains;
    b.fire_alarm = fire;
    for (const Compartment& c : comps) {
      modbus::CompartmentSnapshot s;
      s.door_closed = c.At(Door::kOuter).closed;
      s.lock_engaged = !c.At(Door::kOuter).released;
      s.tamper = c.tamper;
      s.inner_door_closed = c.At(Door::kInner).closed;  // never opens unless pass-through
      s.tag_count = static_cast<int>(std::min<size_t>(c.items.size(), 255));
      uint32_t grams = 0;
      for (const SimItem& item : c.items) {
        if (s.tags.size() < static_cast<size_t>(modbus::kTagSlots)) s.tags.push_back(item.tag);
        grams += item.weight_g;
        if (c.spec.charger && item.charge_percent && !s.charge_percent) {
          s.charge_percent = item.charge_percent;
        }
      }
      if (c.spec.scale) s.weight_g = c.weight_override.value_or(grams);
      if (c.spec.thermometer) s.temperature_deci_c = c.temperature;
      b.compartments.push_back(std::move(s));
    }
    return b;
  }

  // Copies the world into the Modbus mapping (input registers, discrete inputs, coils). Under mu.
  void Publish() {
    const modbus::BankRegisters r = modbus::EncodeBank(Snapshot());
    std::copy(r.input.begin(), r.input.end(), map->tab_input_registers);
    std::copy(r.discrete.begin(), r.discrete.end(), map->tab_input_bits);
    for (size_t i = 0; i < comps.size(); ++i) {
      for (Door door : kDoors) {
        map->tab_bits[modbus::coil::Address(static_cast<int>(i), CoilOf(door))] =
            comps[i].At(door).released ? 1 : 0;
      }
    }
  }

  // A lock coil written by a client: 1 releases the lock (or, while released — say the door
  // already reads open — counts a pulse and restarts the timer), 0 engages it. Under mu.
  void WriteCoil(int address, bool on) {
    Compartment& c = comps[static_cast<size_t>(address / modbus::coil::kCompartmentCoils)];
    const Door door = address % modbus::coil::kCompartmentCoils == modbus::coil::kInnerLock
                          ? Door::kInner
                          : Door::kOuter;
    if (!c.Has(door)) return;  // no inner lock here: acknowledged, and nothing moves
    Doorway& d = c.At(door);
    if (on) {
      if (!d.released) d.opened_since_release = false;
      d.released = true;
      d.released_at = SteadyClock::now();
      ++d.pulses;
    } else {
      d.released = false;
    }
  }

  // After a reply: the coils that request wrote, if it was a valid write of coils (functions 0x05
  // and 0x0F, checked as libmodbus checks them before it answers). Only a write is a pulse: a
  // coil that reads 1 because its lock is released is not written again by every later request.
  // Under mu.
  void ApplyCoilWrites(const uint8_t* query, int length) {
    const int h = modbus_get_header_length(ctx);
    const int coils = static_cast<int>(comps.size()) * modbus::coil::kCompartmentCoils;
    if (length < h + 5) return;
    auto word = [&](int at) { return (query[at] << 8) | query[at + 1]; };
    const int address = word(h + 1);
    if (query[h] == MODBUS_FC_WRITE_SINGLE_COIL) {
      const int value = word(h + 3);
      if (address >= coils || (value != 0xFF00 && value != 0x0000)) return;
      WriteCoil(address, value == 0xFF00);
    } else if (query[h] == MODBUS_FC_WRITE_MULTIPLE_COILS) {
      const int count = word(h + 3);
      if (length < h + 6) return;
      const int bytes = query[h + 5];
      if (count < 1 || count > MODBUS_MAX_WRITE_BITS || bytes != (count + 7) / 8 ||
          address + count > coils || length < h + 6 + bytes) {
        return;
      }
      for (int k = 0; k < count; ++k) {
        WriteCoil(address + k, (query[h + 6 + k / 8] >> (k % 8) & 1) != 0);
      }
    }
  }

  void CloseClient(size_t k) {
    ::close(clients[k]);
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
  }

  void Serve() {
    std::vector<uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
    while (!stop.load()) {
      std::vector<pollfd> fds;
      fds.push_back({wake_fd, POLLIN, 0});
      fds.push_back({listen_fd, POLLIN, 0});
      for (int c : clients) fds.push_back({c, POLLIN, 0});
      const int n = ::poll(fds.data(), fds.size(), 100);
      {
        std::lock_guard l(mu);
        ExpirePulses();
      }
      if (n <= 0) continue;
      if (fds[0].revents != 0) break;
      if ((fds[1].revents & POLLIN) != 0) {
        const int fd = ::accept(listen_fd, nullptr, nullptr);
        if (fd >= 0) {
          std::lock_guard l(mu);
          if (offline) {
            ::close(fd);
          } else {
            clients.push_back(fd);
          }
        }
      }
      // Clients, newest last; walk backwards so closing one keeps the indices of the rest.
      for (size_t k = fds.size(); k-- > 2;) {
        if (fds[k].revents == 0) continue;
        const size_t ci = k - 2;
        modbus_set_socket(ctx, clients[ci]);
        const int len = modbus_receive(ctx, query.data());
        if (len < 0) {
          CloseClient(ci);
          continue;
        }
        if (len == 0) continue;
        std::chrono::milliseconds answer_delay{0};
        bool garbage_now = false;
        {
          std::lock_guard l(mu);
          if (offline) {
            CloseClient(ci);
            continue;
          }
          answer_delay = delay;
          if (garbage > 0) {
            --garbage;
            garbage_now = true;
          }
          ExpirePulses();
          Publish();
        }
        if (answer_delay.count() > 0) std::this_thread::sleep_for(answer_delay);
        if (garbage_now) {
          // A frame with the request's transaction id but a length that does not fit and junk.
          const uint8_t junk[] = {query[0], query[1], 0x00, 0x00, 0x00, 0x07, 0x01,
                                  0x04,     0xFF,     0x13, 0x37, 0xBE, 0xEF};
          if (::send(clients[ci], junk, sizeof junk, MSG_NOSIGNAL) < 0) CloseClient(ci);
          continue;
        }
        std::lock_guard l(mu);
        if (modbus_reply(ctx, query.data(), len, map) < 0) {
          CloseClient(ci);
          continue;
        }
        ++served;
        ApplyCoilWrites(query.data(), len);
      }
    }
  }

  ~State() {
    for (int c : clients) ::close(c);
    if (listen_fd >= 0) ::close(listen_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    if (map != nullptr) modbus_mapping_free(map);
    if (ctx != nullptr) modbus_free(ctx);
  }
};

core::Result<std::unique_ptr<BankSimulator>> BankSimulator::Start(
    std::vector<SimCompartment> compartments, Options options) {
  const int n = static_cast<int>(compartments.size());
  if (n < 1 || n > modbus::kMaxCompartments) {
    return core::InvalidArgumentError("a simulated bank needs 1-64 compartments, not " +
                                      std::to_string(n));
  }
  auto s = std::make_unique<State>();
  s->options = std::move(options);
  for (const SimCompartment& spec : compartments) {
    Compartment c;
    c.spec = spec;
    s->comps.push_back(std::move(c));
  }
  s->ctx = modbus_new_tcp("127.0.0.1", s->options.port);
  if (s->ctx == nullptr) return core::InternalError("modbus_new_tcp failed");
  s->map = modbus_mapping_new_start_address(
      0, static_cast<unsigned>(n * modbus::coil::kCompartmentCoils), 0,
      static_cast<unsigned>(modbus::di::Count(n)), 0, 0, 0,
      static_cast<unsigned>(modbus::ir::Count(n)));
  if (s->map == nullptr) return core::InternalError("modbus_mapping_new failed");
  s->listen_fd = modbus_tcp_listen(s->ctx, 16);
  if (s->listen_fd < 0) {
    return core::UnavailableError("cannot listen on 127.0.0.1:" + std::to_string(s->options.port) +
                                  ": " + modbus_strerror(errno));
  }
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(s->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return core::InternalError(std::string("getsockname: ") + std::strerror(errno));
  }
  s->port = ntohs(addr.sin_port);
  s->wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (s->wake_fd < 0) return core::InternalError(std::string("eventfd: ") + std::strerror(errno));
  {
    std::lock_guard l(s->mu);
    s->Publish();
  }
  State* raw = s.get();
  s->thread = std::thread([raw] { raw->Serve(); });
  return std::unique_ptr<BankSimulator>(new BankSimulator(std::move(s)));
}

BankSimulator::BankSimulator(std::unique_ptr<State> s) : s_(std::move(s)) {}

BankSimulator::~BankSimulator() {
  s_->stop = true;
  const uint64_t one = 1;
  (void)!::write(s_->wake_fd, &one, sizeof one);
  if (s_->thread.joinable()) s_->thread.join();
}

uint16_t BankSimulator::port() const { return s_->port; }
int BankSimulator::compartments() const { return static_cast<int>(s_->comps.size()); }

bool BankSimulator::Place(int i, SimItem item) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i)) return false;
  s_->comps[i].items.push_back(std::move(item));
  return true;
}

std::optional<SimItem> BankSimulator::Take(int i, const modbus::Epc& tag) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i)) return std::nullopt;
  auto& items = s_->comps[i].items;
  auto it =
      std::find_if(items.begin(), items.end(), [&](const SimItem& x) { return x.tag == tag; });
  if (it == items.end()) return std::nullopt;
  SimItem out = *it;
  items.erase(it);
  return out;
}

bool BankSimulator::OpenDoor(int i, Door door) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i) || !s_->comps[i].Has(door)) return false;
  s_->ExpirePulses();
  Doorway& d = s_->comps[i].At(door);
  if (!d.released) return false;
  d.closed = false;
  d.opened_since_release = true;
  return true;
}

bool BankSimulator::ForceDoor(int i, Door door) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i) || !s_->comps[i].Has(door)) return false;
  s_->comps[i].At(door).closed = false;
  return true;
}

bool BankSimulator::CloseDoor(int i, Door door) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i) || !s_->comps[i].Has(door)) return false;
  Doorway& d = s_->comps[i].At(door);
  d.closed = true;
  if (d.released && d.opened_since_release) d.released = false;  // the lock catches the door
  return true;
}

bool BankSimulator::SetWeight(int i, std::optional<uint32_t> grams) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i)) return false;
  s_->comps[i].weight_override = grams;
  return true;
}

bool BankSimulator::SetTemperature(int i, std::optional<int> deci_c) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i)) return false;
  s_->comps[i].temperature = deci_c;
  return true;
}

bool BankSimulator::SetTamper(int i, bool tampered) {
  std::lock_guard l(s_->mu);
  if (!s_->Valid(i)) return false;
  s_->comps[i].tamper = tampered;
  return true;
}

void BankSimulator::SetMains(bool present) {
  std::lock_guard l(s_->mu);
  s_->mains = present;
}
void BankSimulator::SetFireAlarm(bool active) {
  std::lock_guard l(s_->mu);
  s_->fire = active;
}
void BankSimulator::SetResponseDelay(std::chrono::milliseconds delay) {
  std::lock_guard l(s_->mu);
  s_->delay = delay;
}
void BankSimulator::SendGarbage(int answers) {
  std::lock_guard l(s_->mu);
  s_->garbage = answers;
}
void BankSimulator::SetOffline(bool offline) {
  std::lock_guard l(s_->mu);
  s_->offline = offline;
}

bool BankSimulator::PassThrough(int i) const {
  std::lock_guard l(s_->mu);
  return s_->Valid(i) && s_->comps[i].spec.pass_through;
}
bool BankSimulator::DoorClosed(int i, Door door) const {
  std::lock_guard l(s_->mu);
  return s_->Valid(i) && s_->comps[i].At(door).closed;
}
bool BankSimulator::LockReleased(int i, Door door) const {
  std::lock_guard l(s_->mu);
  s_->ExpirePulses();
  return s_->Valid(i) && s_->comps[i].At(door).released;
}
int BankSimulator::UnlockPulses(int i, Door door) const {
  std::lock_guard l(s_->mu);
  return s_->Valid(i) ? s_->comps[i].At(door).pulses : 0;
}
std::vector<SimItem> BankSimulator::Items(int i) const {
  std::lock_guard l(s_->mu);
  return s_->Valid(i) ? s_->comps[i].items : std::vector<SimItem>{};
}
uint64_t BankSimulator::RequestsServed() const {
  std::lock_guard l(s_->mu);
  return s_->served;
}
modbus::BankSnapshot BankSimulator::Snapshot() const {
  std::lock_guard l(s_->mu);
  s_->ExpirePulses();
  return s_->Snapshot();
}
bool BankSimulator::Offline() const {
  std::lock_guard l(s_->mu);
  return s_->offline;
}

}  // namespace custodian::hardware::sim
