// A LockerController that records the commands it is given instead of driving hardware, and can be
// told to fail. The physical world (doors, tags) is what the test then reports to the app through
// CustodyDesk::OnReading. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "app/locker_controller.h"

namespace custodian::testing {

class FakeLockerController final : public app::LockerController {
 public:
  struct Command {
    std::string what;  // "unlock" or "relock"
    domain::CompartmentKey compartment;
    app::Door door = app::Door::kOuter;
    friend bool operator==(const Command&, const Command&) = default;
  };

  core::Status Unlock(const domain::CompartmentKey& c, app::Door door) override {
    return Do("unlock", c, door);
  }
  core::Status Relock(const domain::CompartmentKey& c, app::Door door) override {
    return Do("relock", c, door);
  }

  std::vector<Command> commands() const {
    std::lock_guard l(mu_);
    return commands_;
  }
  // Every later command fails with `s` (Ok: stop failing).
  void FailWith(core::Status s) {
    std::lock_guard l(mu_);
    fail_ = std::move(s);
  }
  // Called with each command before it is answered (e.g. to look at the ledger at that moment).
  void OnCommand(std::function<void(const Command&)> f) {
    std::lock_guard l(mu_);
    on_command_ = std::move(f);
  }

 private:
  core::Status Do(const char* what, const domain::CompartmentKey& c, app::Door door) {
    std::function<void(const Command&)> hook;
    {
      std::lock_guard l(mu_);
      if (!fail_.ok()) return fail_;
      commands_.push_back({what, c, door});
      hook = on_command_;
    }
    if (hook) hook({what, c, door});
    return core::Status::Ok();
  }

  mutable std::mutex mu_;
  std::vector<Command> commands_;
  core::Status fail_;
  std::function<void(const Command&)> on_command_;
};

}  // namespace custodian::testing
