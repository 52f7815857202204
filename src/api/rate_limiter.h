// RateLimiter: token buckets by key ("addr:10.0.0.7", "badge:1001"), on the injected clock. A key
// may spend `burst` at once and regains `per_minute` tokens a minute. Used before the expensive or
// sensitive work of a login (an Argon2id check costs ~0.1 s of a core: DEPS.md trap 6), per client
// address and per badge, so neither one address nor many addresses on one badge can flood it.
//
// Memory is bounded: beyond max_keys, keys whose buckets are full again are forgotten first.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"

namespace custodian::api {

class RateLimiter {
 public:
  struct Limits {
    double per_minute = 30;
    double burst = 30;
    size_t max_keys = 100'000;
  };
  RateLimiter(const core::Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}

  // Takes a token for `key`; false (and nothing taken) when its bucket is empty, with the seconds
  // until a token is back in *retry_after_s.
  bool Allow(const std::string& key, int* retry_after_s = nullptr);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at = 0;  // micros of the last refill
  };
  double Refilled(const Bucket& b, int64_t now) const;

  const core::Clock& clock_;
  Limits limits_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace custodian::api
