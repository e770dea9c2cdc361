// Latency histogram: log-linear buckets (HDR-like), fixed memory, mergeable.
//
// Values are nanoseconds. Below 16 ns every value has its own bucket; above, each power of two
// [2^k, 2^(k+1)) is split into 16 equal sub-buckets, so a reported percentile is within 1/32
// (about 3%) of a recorded value. Values above kMaxValue (60 s) are clamped into the top bucket
// and counted in saturated(). min, max, count and sum are exact.
//
// Thread-safety: none. Keep one histogram per thread and merge() them after the threads stop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::load {

class Histogram {
 public:
  static constexpr int kSubBits = 4;  // 16 linear sub-buckets
  static constexpr std::uint64_t kSub = 1u << kSubBits;
  static constexpr std::uint64_t kMaxValue = 60'000'000'000;  // 60 s in ns
  static constexpr int kTopExponent = 35;                     // 2^36 ns > 60 s
  static constexpr std::size_t kBuckets = kSub + (kTopExponent - kSubBits + 1) * kSub;

  void record(std::uint64_t ns);
  void merge(const Histogram& other);
  void reset() { *this = Histogram(); }

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
  std::uint64_t saturated() const { return saturated_; }

  // The value at percentile q (0 < q <= 100): the midpoint of the bucket holding the
  // ceil(q% * count)-th smallest value, clamped to [min, max]. 0 when empty; q=100 is max().
  std::uint64_t percentile(double q) const;

  // Bucket layout, exposed for tests: values in [lower(b), upper(b)) land in bucket b.
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t lower(std::size_t bucket);
  static std::uint64_t upper(std::size_t bucket);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
  std::uint64_t saturated_ = 0;
};

}  // namespace parley::load
