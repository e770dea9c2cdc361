#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::load {

std::size_t Histogram::bucket_of(std::uint64_t ns) {
  if (ns < kSub) return static_cast<std::size_t>(ns);
  int k = std::bit_width(ns) - 1;  // ns in [2^k, 2^(k+1)), k >= kSubBits
  std::uint64_t sub = (ns >> (k - kSubBits)) & (kSub - 1);
  return static_cast<std::size_t>(kSub + (k - kSubBits) * kSub + sub);
}

std::uint64_t Histogram::lower(std::size_t b) {
  if (b < kSub) return b;
  std::size_t k = (b - kSub) / kSub + kSubBits;
  std::uint64_t sub = (b - kSub) % kSub;
  return (kSub + sub) << (k - kSubBits);
}

std::uint64_t Histogram::upper(std::size_t b) {
  if (b + 1 < kBuckets) return lower(b + 1);
  return std::uint64_t{1} << (kTopExponent + 1);
}

void Histogram::record(std::uint64_t ns) {
  if (ns > kMaxValue) {
    ns = kMaxValue;
    ++saturated_;
  }
  ++counts_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  saturated_ += o.saturated_;
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (q >= 100.0) return max_;
  auto rank = static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      std::uint64_t lo = lower(b), hi = upper(b);
      // Integer buckets below kSub hold exactly one value; report it, not a midpoint.
      std::uint64_t mid = hi - lo <= 1 ? lo : lo + (hi - lo) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace parley::load
