#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace custodian::api {

double RateLimiter::Refilled(const Bucket& b, int64_t now) const {
  const double minutes = static_cast<double>(std::max<int64_t>(0, now - b.at)) / 60e6;
  return std::min(limits_.burst, b.tokens + minutes * limits_.per_minute);
}

bool RateLimiter::Allow(const std::string& key, int* retry_after_s) {
  const int64_t now = clock_.NowMicros();
  std::lock_guard l(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.max_keys) {
      std::erase_if(buckets_,
                    [&](const auto& kv) { return Refilled(kv.second, now) >= limits_.burst; });
      if (buckets_.size() >= limits_.max_keys) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{limits_.burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = Refilled(b, now);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after_s != nullptr) {
    *retry_after_s = static_cast<int>(std::ceil((1 - b.tokens) * 60 / limits_.per_minute));
  }
  return false;
}

}  // namespace custodian::api
