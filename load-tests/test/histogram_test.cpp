// The latency histogram against known distributions.
#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using parley::load::Histogram;

namespace {

// A reported percentile is a bucket midpoint: within half a bucket width (1/32) of the truth.
constexpr double kRelTol = 1.0 / 32 + 1e-9;

std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

void expect_close(std::uint64_t got, std::uint64_t want, double tol, const char* what) {
  double err = std::abs(static_cast<double>(got) - static_cast<double>(want)) /
               std::max(1.0, static_cast<double>(want));
  EXPECT_LE(err, tol) << what << ": got " << got << " want " << want;
}

}  // namespace

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, BucketsAreContiguousAndMonotonic) {
  for (std::size_t b = 0; b + 1 < Histogram::kBuckets; ++b) {
    EXPECT_EQ(Histogram::upper(b), Histogram::lower(b + 1)) << b;
    EXPECT_LT(Histogram::lower(b), Histogram::upper(b)) << b;
  }
  EXPECT_GT(Histogram::upper(Histogram::kBuckets - 1), Histogram::kMaxValue);
}

TEST(Histogram, EveryValueLandsInsideItsBucket) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t v = rng() % (Histogram::kMaxValue + 1);
    if (i % 3 == 0) v >>= (rng() % 36);  // cover small magnitudes too
    auto b = Histogram::bucket_of(v);
    ASSERT_LT(b, Histogram::kBuckets);
    EXPECT_LE(Histogram::lower(b), v);
    EXPECT_LT(v, Histogram::upper(b));
    // Relative bucket width never exceeds 1/16 above the exact range.
    if (v >= Histogram::kSub) {
      EXPECT_LE(static_cast<double>(Histogram::upper(b) - Histogram::lower(b)),
                static_cast<double>(Histogram::lower(b)) / 16.0 + 1e-9);
    }
  }
}

TEST(Histogram, ConstantValueIsExact) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.record(123'456);
  EXPECT_EQ(h.percentile(50), 123'456u);
  EXPECT_EQ(h.percentile(99.9), 123'456u);
  EXPECT_EQ(h.max(), 123'456u);
  EXPECT_EQ(h.min(), 123'456u);
  EXPECT_DOUBLE_EQ(h.mean(), 123'456.0);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 16; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 7u);  // rank ceil(8) -> the 8th smallest: 7
  EXPECT_EQ(h.percentile(100), 15u);
}

TEST(Histogram, UniformMicrosecondsToOneSecond) {
  Histogram h;
  std::vector<std::uint64_t> all;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> d(1'000, 1'000'000'000);  // 1 us .. 1 s
  for (int i = 0; i < 200000; ++i) {
    auto v = d(rng);
    h.record(v);
    all.push_back(v);
  }
  for (double q : {50.0, 90.0, 99.0, 99.9}) {
    expect_close(h.percentile(q), exact_percentile(all, q), kRelTol, "uniform");
  }
  // And against the distribution itself (sampling error is far below the tolerance here).
  expect_close(h.percentile(50), 500'000'000, 0.04, "uniform p50 analytic");
  expect_close(h.percentile(99), 990'000'000, 0.04, "uniform p99 analytic");
  EXPECT_EQ(h.max(), *std::max_element(all.begin(), all.end()));
  EXPECT_EQ(h.min(), *std::min_element(all.begin(), all.end()));
}

TEST(Histogram, ExponentialMatchesAnalyticQuantiles) {
  Histogram h;
  std::vector<std::uint64_t> all;
  std::mt19937_64 rng(1);
  const double mean_ns = 2'000'000;  // 2 ms
  std::exponential_distribution<double> d(1.0 / mean_ns);
  for (int i = 0; i < 500000; ++i) {
    auto v = static_cast<std::uint64_t>(d(rng));
    h.record(v);
    all.push_back(v);
  }
  for (double q : {50.0, 90.0, 99.0, 99.9}) {
    expect_close(h.percentile(q), exact_percentile(all, q), kRelTol, "exponential");
    auto analytic = static_cast<std::uint64_t>(-std::log(1 - q / 100.0) * mean_ns);
    expect_close(h.percentile(q), analytic, 0.06, "exponential analytic");
  }
  EXPECT_NEAR(h.mean(), mean_ns, mean_ns * 0.01);
}

TEST(Histogram, BimodalTailIsVisible) {
  // 99% fast (100 us), 1% slow (50 ms): p50 fast, p99.9 slow.
  Histogram h;
  for (int i = 0; i < 99000; ++i) h.record(100'000);
  for (int i = 0; i < 1000; ++i) h.record(50'000'000);
  expect_close(h.percentile(50), 100'000, kRelTol, "p50");
  expect_close(h.percentile(99), 100'000, kRelTol, "p99");
  expect_close(h.percentile(99.9), 50'000'000, kRelTol, "p99.9");
  EXPECT_EQ(h.max(), 50'000'000u);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, both;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) {
    std::uint64_t v = rng() % 10'000'000'000ull;
    (i % 2 ? a : b).record(v);
    both.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (double q : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0})
    EXPECT_EQ(a.percentile(q), both.percentile(q));
}

TEST(Histogram, ValuesBeyondSixtySecondsSaturate) {
  Histogram h;
  h.record(5);
  h.record(120'000'000'000ull);  // 2 minutes
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), Histogram::kMaxValue);
  EXPECT_EQ(h.percentile(100), Histogram::kMaxValue);
  EXPECT_EQ(h.percentile(50), 5u);
}
