// StallCounter: the gaps a spinning thread sees between consecutive clock reads.
//
// A thread that does nothing but read the clock sees a gap only when it was not running: an
// interrupt, a preemption by another thread, or (in a virtual machine) its vCPU descheduled by
// the host. parley-cpu-stalls (src/cpu_stalls.cpp) runs one such thread per core and reports
// how often each lost 0.5, 1, 2 or 5 ms: the floor under any latency percentile measured here.
//
// Thread-safety: none. One counter per thread; merge() after the threads stop.
#pragma once

#include <array>
#include <cstdint>

#include "histogram.hpp"

namespace parley::load {

class StallCounter {
 public:
  // Gaps shorter than min_gap_ns are the loop's own cost, not stalls, and are not recorded.
  static constexpr std::uint64_t kDefaultMinGapNs = 20'000;
  explicit StallCounter(std::uint64_t min_gap_ns = kDefaultMinGapNs) : min_gap_ns_(min_gap_ns) {}

  // The thresholds at_least() answers for, in ns: 0.1, 0.5, 1, 2 and 5 ms.
  static constexpr std::array<std::uint64_t, 5> kThresholdsNs = {100'000, 500'000, 1'000'000,
                                                                 2'000'000, 5'000'000};

  // One clock read (ns, non-decreasing). The first only sets the start.
  void tick(std::uint64_t now_ns);
  void merge(const StallCounter& other);

  // Gaps of at least kThresholdsNs[i].
  std::uint64_t at_least(std::size_t i) const { return at_least_[i]; }
  // Every gap of at least min_gap_ns: count, percentiles, longest.
  const Histogram& gaps() const { return gaps_; }
  // Time spent in those gaps, and the span from the first tick to the last (summed on merge).
  std::uint64_t lost_ns() const { return lost_ns_; }
  std::uint64_t span_ns() const { return span_ns_; }

 private:
  std::uint64_t min_gap_ns_;
  bool started_ = false;
  std::uint64_t first_ = 0, last_ = 0;
  std::uint64_t lost_ns_ = 0, span_ns_ = 0;
  std::array<std::uint64_t, kThresholdsNs.size()> at_least_{};
  Histogram gaps_;
};

}  // namespace parley::load
