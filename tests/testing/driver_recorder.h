// What a ModbusTcpController reported (readings and bank events), for a test to wait on, and the
// fast driver options the loopback tests use. Waits poll every 5 ms (or wake on a report) for up
// to 10 s, so a predicate about something other than the reports (a poll counter) works too.
// Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "hardware/modbus/modbus_tcp_controller.h"

namespace custodian::testing {

// Polls every 20 ms, gives up on an answer after 200 ms, retries after 20–100 ms.
inline hardware::modbus::DriverOptions FastDriverOptions() {
  using namespace std::chrono_literals;
  hardware::modbus::DriverOptions o;
  o.poll_interval = 20ms;
  o.response_timeout = 200ms;
  o.offline_after = 3;
  o.backoff_min = 20ms;
  o.backoff_max = 100ms;
  return o;
}

class DriverRecorder {
 public:
  using Reading = app::CompartmentReading;
  using Event = app::BankEvent;

  hardware::modbus::DriverCallbacks Callbacks() {
    return {[this](const Reading& r) {
              std::lock_guard l(mu_);
              readings_.push_back(r);
              cv_.notify_all();
            },
            [this](const Event& e) {
              std::lock_guard l(mu_);
              events_.push_back(e);
              cv_.notify_all();
            }};
  }

  // Until pred(readings, events) holds; false if it did not within 10 s.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock l(mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred(readings_, events_)) {
      cv_.wait_for(l, std::chrono::milliseconds(5));
      if (std::chrono::steady_clock::now() > deadline) return pred(readings_, events_);
    }
    return true;
  }
  // Until `count` events of this kind were reported.
  bool WaitForEvents(Event::Kind kind, size_t count = 1) {
    return WaitFor(
        [&](const auto&, const std::vector<Event>& ev) { return CountOf(ev, kind) >= count; });
  }
  // Until the last reading of bank/compartment is (closed, tags).
  bool WaitForReading(const std::string& bank, const std::string& c, bool closed,
                      const std::vector<std::string>& tags) {
    return WaitFor([&](const std::vector<Reading>& rs, const auto&) {
      for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
        if (it->compartment.bank == bank && it->compartment.compartment == c) {
          return it->door_closed == closed && it->tags == tags;
        }
      }
      return false;
    });
  }
  // Until the last reading of bank/compartment has its outer and inner doors so.
  bool WaitForDoors(const std::string& bank, const std::string& c, bool closed, bool inner_closed) {
    return WaitFor([&](const std::vector<Reading>& rs, const auto&) {
      for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
        if (it->compartment.bank == bank && it->compartment.compartment == c) {
          return it->door_closed == closed && it->inner_door_closed == inner_closed;
        }
      }
      return false;
    });
  }
  // Whether bank/compartment was ever reported with this door state and these tags.
  bool Saw(const std::string& bank, const std::string& c, bool closed,
           const std::vector<std::string>& tags) {
    std::lock_guard l(mu_);
    return std::any_of(readings_.begin(), readings_.end(), [&](const Reading& r) {
      return r.compartment.bank == bank && r.compartment.compartment == c &&
             r.door_closed == closed && r.tags == tags;
    });
  }
  size_t Count(Event::Kind kind) {
    std::lock_guard l(mu_);
    return CountOf(events_, kind);
  }
  std::vector<Event> Events() {
    std::lock_guard l(mu_);
    return events_;
  }

 private:
  static size_t CountOf(const std::vector<Event>& ev, Event::Kind kind) {
    return static_cast<size_t>(
        std::count_if(ev.begin(), ev.end(), [&](const Event& e) { return e.kind == kind; }));
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Reading> readings_;
  std::vector<Event> events_;
};

}  // namespace custodian::testing
