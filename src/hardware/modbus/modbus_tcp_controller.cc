#include "hardware/modbus/modbus_tcp_controller.h"

#include <errno.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "hardware/modbus/protocol.h"

namespace custodian::hardware::modbus {

using app::BankEvent;

struct ModbusTcpController::Bank {
  BankConfig config;
  std::mutex io;  // guards ctx: libmodbus contexts are not thread-safe
  modbus_t* ctx = nullptr;
  std::thread thread;
  std::mutex mu;  // guards stop and good_polls
  std::condition_variable wake;
  bool stop = false;
  uint64_t good_polls = 0;
  double good_poll_us = 0;

  std::string Name() const { return config.site + "/" + config.bank; }

  // Under io.
  void Disconnect() {
    if (ctx != nullptr) {
      modbus_close(ctx);
      modbus_free(ctx);
      ctx = nullptr;
    }
  }
  core::Status Connect(const DriverOptions& o) {
    if (ctx != nullptr) return core::Status::Ok();
    ctx = modbus_new_tcp(config.host.c_str(), config.port);
    if (ctx == nullptr) return core::InternalError("modbus_new_tcp failed");
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(o.response_timeout);
    modbus_set_response_timeout(ctx, static_cast<uint32_t>(us.count() / 1'000'000),
                                static_cast<uint32_t>(us.count() % 1'000'000));
    if (modbus_connect(ctx) != 0) {
      const std::string why = modbus_strerror(errno);
      Disconnect();
      return core::UnavailableError("bank " + Name() + " at " + config.host + ":" +
                                    std::to_string(config.port) + " does not answer: " + why);
    }
    return core::Status::Ok();
  }
  // One libmodbus call's failure, with the connection dropped (its stream is out of step).
  core::Status Failed(const std::string& what) {
    const int err = errno;
    Disconnect();
    const std::string why = modbus_strerror(err);
    // libmodbus's own codes (EMBBADDATA, EMBBADCRC, EMBXILADD, …) mean it got an answer that is
    // not a correct one; anything else (a timeout, a reset) means no answer.
    if (err >= MODBUS_ENOBASE) {
      return core::InvalidArgumentError("bank " + Name() + " gave a bad answer to " + what + ": " +
                                        why);
    }
    return core::UnavailableError("bank " + Name() + " did not answer " + what + ": " + why);
  }
  // Reads the whole bank. Under io.
  core::Result<BankRegisters> Read(const DriverOptions& o) {
    CUSTODIAN_RETURN_IF_ERROR(Connect(o));
    BankRegisters r;
    r.input.resize(ir::kHeaderRegisters);
    if (modbus_read_input_registers(ctx, 0, ir::kHeaderRegisters, r.input.data()) !=
        ir::kHeaderRegisters) {
      return Failed("the header read");
    }
    auto n = DecodeHeader(r.input);
    if (!n) {
      Disconnect();
      return n.error();
    }
    if (*n != static_cast<int>(config.compartments.size())) {
      Disconnect();
      return core::InvalidArgumentError(
          "bank " + Name() + " reports " + std::to_string(*n) + " compartments, but " +
          std::to_string(config.compartments.size()) + " are configured");
    }
    const int total = ir::Count(*n);
    r.input.resize(static_cast<size_t>(total));
    for (int at = ir::kHeaderRegisters; at < total; at += MODBUS_MAX_READ_REGISTERS) {
      const int count = std::min(MODBUS_MAX_READ_REGISTERS, total - at);
      if (modbus_read_input_registers(ctx, at, count, r.input.data() + at) != count) {
        return Failed("input registers " + std::to_string(at) + "+" + std::to_string(count));
      }
    }
    r.discrete.resize(static_cast<size_t>(di::Count(*n)));
    if (modbus_read_input_bits(ctx, 0, di::Count(*n), r.discrete.data()) != di::Count(*n)) {
      return Failed("the discrete inputs read");
    }
    return r;
  }
};

ModbusTcpController::ModbusTcpController(std::vector<BankConfig> banks, DriverOptions options,
                                         DriverCallbacks callbacks)
    : options_(options), callbacks_(std::move(callbacks)) {
  for (BankConfig& c : banks) {
    auto b = std::make_unique<Bank>();
    b->config = std::move(c);
    banks_.push_back(std::move(b));
  }
}

ModbusTcpController::~ModbusTcpController() {
  Stop();
  for (auto& b : banks_) {
    std::lock_guard l(b->io);
    b->Disconnect();
  }
}

void ModbusTcpController::Start() {
  for (auto& b : banks_) {
    if (b->thread.joinable()) continue;
    {
      std::lock_guard l(b->mu);
      b->stop = false;
    }
    Bank* raw = b.get();
    b->thread = std::thread([this, raw] { PollLoop(*raw); });
  }
}

void ModbusTcpController::Stop() {
  for (auto& b : banks_) {
    {
      std::lock_guard l(b->mu);
      b->stop = true;
    }
    b->wake.notify_all();
  }
  for (auto& b : banks_) {
    if (b->thread.joinable()) b->thread.join();
  }
}

std::vector<double> ModbusTcpController::GoodPollMicros() const {
  std::vector<double> out;
  for (const auto& b : banks_) {
    std::lock_guard l(b->mu);
    out.push_back(b->good_poll_us);
  }
  return out;
}

std::vector<uint64_t> ModbusTcpController::GoodPolls() const {
  std::vector<uint64_t> out;
  for (const auto& b : banks_) {
    std::lock_guard l(b->mu);
    out.push_back(b->good_polls);
  }
  return out;
}

core::Status ModbusTcpController::Unlock(const domain::CompartmentKey& c, app::Door door) {
  return WriteLock(c, door, true);
}
core::Status ModbusTcpController::Relock(const domain::CompartmentKey& c, app::Door door) {
  return WriteLock(c, door, false);
}

core::Status ModbusTcpController::WriteLock(const domain::CompartmentKey& c, app::Door door,
                                            bool release) {
  for (auto& b : banks_) {
    if (b->config.site != c.site || b->config.bank != c.bank) continue;
    const auto& names = b->config.compartments;
    const auto it = std::find(names.begin(), names.end(), c.compartment);
    if (it == names.end()) break;
    const int index = static_cast<int>(it - names.begin());
    std::lock_guard l(b->io);
    CUSTODIAN_RETURN_IF_ERROR(b->Connect(options_));
    const bool inner = door == app::Door::kInner;
    const int address = coil::Address(index, inner ? coil::kInnerLock : coil::kOuterLock);
    if (modbus_write_bit(b->ctx, address, release ? 1 : 0) != 1) {
      // Whatever went wrong, for the caller the lock did not move: the controller is unavailable.
      return core::UnavailableError(
          b->Failed(std::string(release ? "the unlock of " : "the relock of ") +
                    (inner ? "the inner door of " : "") + c.ToString())
              .message());
    }
    return core::Status::Ok();
  }
  return core::NotFoundError("no configured bank has compartment " + c.ToString());
}

void ModbusTcpController::PollLoop(Bank& bank) {
  std::optional<BankSnapshot> last;  // none: first poll after (re)connecting
  int failures = 0;
  bool offline_reported = false;
  bool ever_online = false;
  std::chrono::milliseconds backoff = options_.backoff_min;
  auto emit = [&](BankEvent::Kind kind, std::string compartment, std::string detail) {
    if (callbacks_.on_event) {
      callbacks_.on_event(BankEvent{kind, bank.config.site, bank.config.bank,
                                    std::move(compartment), std::move(detail)});
    }
  };

  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    core::Result<BankSnapshot> snap = core::InternalError("not read");
    {
      std::lock_guard l(bank.io);
      auto regs = bank.Read(options_);
      if (regs) {
        snap = DecodeBank(*regs);
        if (!snap) bank.Disconnect();
      } else {
        snap = regs.error();
      }
    }

    std::chrono::milliseconds wait = options_.poll_interval;
    if (!snap) {
      ++failures;
      last.reset();
      if (snap.error().code() == core::StatusCode::kInvalidArgument) {
        emit(BankEvent::Kind::kBadAnswer, "", snap.error().message());
      }
      if (failures >= options_.offline_after && !offline_reported) {
        offline_reported = true;
        emit(BankEvent::Kind::kOffline, "",
             "bank " + bank.Name() + " is offline (" + std::to_string(failures) +
                 " polls failed; last: " + snap.error().message() + "); its locks stay engaged");
      }
      wait = std::max(wait, backoff);
      backoff = std::min(backoff * 2, options_.backoff_max);
    } else {
      if (offline_reported || !ever_online) {
        emit(BankEvent::Kind::kOnline, "",
             "bank " + bank.Name() + " answers (" + snap->identity + ")");
      }
      ever_online = true;
      offline_reported = false;
      failures = 0;
      backoff = options_.backoff_min;
      const BankSnapshot& now = *snap;
      if (last) {
        if (last->mains_power && !now.mains_power) {
          emit(BankEvent::Kind::kMainsLost, "", "bank " + bank.Name() + " lost mains power");
        } else if (!last->mains_power && now.mains_power) {
          emit(BankEvent::Kind::kMainsRestored, "", "bank " + bank.Name() + " has mains again");
        }
        if (!last->fire_alarm && now.fire_alarm) {
          emit(BankEvent::Kind::kFireAlarm, "", "fire alarm at bank " + bank.Name());
        } else if (last->fire_alarm && !now.fire_alarm) {
          emit(BankEvent::Kind::kFireAlarmCleared, "", "fire alarm cleared at bank " + bank.Name());
        }
      }
      for (size_t k = 0; k < now.compartments.size(); ++k) {
        const CompartmentSnapshot& c = now.compartments[k];
        const std::string& name = bank.config.compartments[k];
        const CompartmentSnapshot* before = last ? &last->compartments[k] : nullptr;
        if (before != nullptr && before->door_closed && !c.door_closed && c.lock_engaged) {
          emit(BankEvent::Kind::kForcedDoor, name,
               "the door of " + bank.Name() + "/" + name + " opened while its lock was engaged");
        }
        if (c.tamper && (before == nullptr || !before->tamper)) {
          emit(BankEvent::Kind::kTamper, name, "tamper switch of " + bank.Name() + "/" + name);
        }
        auto weight_moved = [&] {
          if (before->weight_g.has_value() != c.weight_g.has_value()) return true;
          if (!c.weight_g) return false;
          const int64_t d = int64_t{*c.weight_g} - int64_t{*before->weight_g};
          return d > options_.weight_deadband_g || -d > options_.weight_deadband_g;
        };
        if (before == nullptr || before->door_closed != c.door_closed ||
            before->inner_door_closed != c.inner_door_closed || before->tags != c.tags ||
            before->tag_count != c.tag_count || before->charge_percent != c.charge_percent ||
            before->temperature_deci_c != c.temperature_deci_c || weight_moved()) {
          if (callbacks_.on_reading) {
            app::CompartmentReading r;
            r.compartment = {bank.config.site, bank.config.bank, name};
            r.door_closed = c.door_closed;
            r.inner_door_closed = c.inner_door_closed;
            r.tags = c.tags;
            if (c.weight_g) r.weight_g = *c.weight_g;
            r.charge_percent = c.charge_percent;
            r.temperature_deci_c = c.temperature_deci_c;
            callbacks_.on_reading(r);
          }
        }
      }
      last = std::move(*snap);
      const std::chrono::duration<double, std::micro> took =
          std::chrono::steady_clock::now() - started;
      std::lock_guard l(bank.mu);
      ++bank.good_polls;
      bank.good_poll_us += took.count();
    }

    std::unique_lock l(bank.mu);
    if (bank.wake.wait_for(l, wait, [&] { return bank.stop; })) return;
  }
}

}  // namespace custodian::hardware::modbus
