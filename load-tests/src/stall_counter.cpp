#include "stall_counter.hpp"

namespace parley::load {

void StallCounter::tick(std::uint64_t now_ns) {
  if (!started_) {
    started_ = true;
    first_ = last_ = now_ns;
    return;
  }
  const std::uint64_t gap = now_ns > last_ ? now_ns - last_ : 0;
  span_ns_ += gap;
  last_ = now_ns;
  if (gap < min_gap_ns_) return;
  gaps_.record(gap);
  lost_ns_ += gap;
  for (std::size_t i = 0; i < kThresholdsNs.size(); ++i) {
    if (gap >= kThresholdsNs[i]) ++at_least_[i];
  }
}

void StallCounter::merge(const StallCounter& other) {
  gaps_.merge(other.gaps_);
  lost_ns_ += other.lost_ns_;
  span_ns_ += other.span_ns_;
  for (std::size_t i = 0; i < at_least_.size(); ++i) at_least_[i] += other.at_least_[i];
}

}  // namespace parley::load
