// DecoyHash: the Argon2id hash a login checks when there is no real one (an unknown badge, no PIN,
// no dashboard login), so that the time a login takes does not tell which badges exist. Made once,
// on first use, with the login's own hasher (so it costs exactly what a real check costs).
//
// Thread-safety: Get may be called from any thread (std::call_once).
#pragma once

#include <mutex>
#include <string>

#include "app/agency.h"

namespace custodian::app {

class DecoyHash {
 public:
  explicit DecoyHash(const PinHasher& hasher) : hasher_(hasher) {}
  // The decoy, or why it could not be made (the hasher failed).
  core::Result<std::string> Get() {
    std::call_once(once_, [&] {
      auto h = hasher_.Hash("not a secret anyone has");
      if (h) {
        hash_ = *h;
      } else {
        error_ = h.error();
      }
    });
    if (!error_.ok()) return error_;
    return hash_;
  }

 private:
  const PinHasher& hasher_;
  std::once_flag once_;
  std::string hash_;
  core::Status error_;
};

}  // namespace custodian::app
