// Timing and statistics shared by the benchmarks of custodian_bench: a steady clock, nearest-rank
// percentiles, and Samples (one figure measured once per round, summarised by its median).
//
// Thread-safety: values; not synchronised.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace custodian::bench {

using SteadyClock = std::chrono::steady_clock;

inline double SecondsSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Nearest-rank percentile of unsorted samples; p in (0, 1].
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// One figure measured once per round.
struct Samples {
  std::vector<double> v;
  void Add(double x) { v.push_back(x); }
  double Median() const { return Percentile(v, 0.5); }
  // Half the range of the rounds, as a share of the median: how noisy the figure was.
  double Spread() const {
    if (v.size() < 2 || Median() == 0) return 0;
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return (*hi - *lo) / 2 / Median();
  }
};

}  // namespace custodian::bench
