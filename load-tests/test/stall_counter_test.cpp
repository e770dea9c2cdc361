// StallCounter on made-up clock reads: which gaps count, at which thresholds, and merging.
#include "stall_counter.hpp"

#include <gtest/gtest.h>

using parley::load::StallCounter;

namespace {

// `n` ticks 1 µs apart from `t`; returns the time of the last.
std::uint64_t spin(StallCounter& c, std::uint64_t t, int n) {
  for (int i = 0; i < n; ++i) c.tick(t + static_cast<std::uint64_t>(i) * 1'000);
  return t + static_cast<std::uint64_t>(n - 1) * 1'000;
}

TEST(StallCounter, ShortGapsAreTheLoopNotStalls) {
  StallCounter c;
  spin(c, 5'000'000, 1000);
  EXPECT_EQ(c.gaps().count(), 0u);
  EXPECT_EQ(c.lost_ns(), 0u);
  EXPECT_EQ(c.span_ns(), 999'000u);
  for (std::size_t i = 0; i < StallCounter::kThresholdsNs.size(); ++i) EXPECT_EQ(c.at_least(i), 0u);
}

TEST(StallCounter, CountsEachGapAtEveryThresholdItReaches) {
  StallCounter c;  // thresholds 0.1, 0.5, 1, 2, 5 ms; gaps under 20 µs ignored
  std::uint64_t t = spin(c, 0, 10);
  for (std::uint64_t gap :
       {19'999ull, 20'000ull, 150'000ull, 1'000'000ull, 1'999'999ull, 6'000'000ull}) {
    t += gap;
    c.tick(t);
    t = spin(c, t + 1'000, 10);
  }
  EXPECT_EQ(c.gaps().count(), 5u);  // 19,999 ns is under the minimum
  EXPECT_EQ(c.gaps().max(), 6'000'000u);
  EXPECT_EQ(c.at_least(0), 4u);  // >= 0.1 ms
  EXPECT_EQ(c.at_least(1), 3u);  // >= 0.5 ms
  EXPECT_EQ(c.at_least(2), 3u);  // >= 1 ms (exactly 1 ms counts)
  EXPECT_EQ(c.at_least(3), 1u);  // >= 2 ms (1,999,999 ns does not)
  EXPECT_EQ(c.at_least(4), 1u);  // >= 5 ms
  EXPECT_EQ(c.lost_ns(), 20'000u + 150'000u + 1'000'000u + 1'999'999u + 6'000'000u);
  EXPECT_EQ(c.span_ns(), t);  // first tick at 0, last at t
}

TEST(StallCounter, AClockThatSeemsToGoBackIsNoGap) {
  StallCounter c;
  c.tick(1'000'000);
  c.tick(900'000);
  c.tick(3'000'000);  // 2.1 ms after the previous read (the one at 900 µs)
  EXPECT_EQ(c.gaps().count(), 1u);
  EXPECT_EQ(c.at_least(3), 1u);
  EXPECT_EQ(c.lost_ns(), 2'100'000u);
}

TEST(StallCounter, MergeAddsCountsTimeAndHistograms) {
  StallCounter a, b;
  a.tick(0);
  a.tick(600'000);  // 0.6 ms
  b.tick(10'000'000);
  b.tick(13'000'000);  // 3 ms
  b.tick(13'001'000);
  a.merge(b);
  EXPECT_EQ(a.gaps().count(), 2u);
  EXPECT_EQ(a.gaps().max(), 3'000'000u);
  EXPECT_EQ(a.at_least(1), 2u);
  EXPECT_EQ(a.at_least(2), 1u);
  EXPECT_EQ(a.lost_ns(), 3'600'000u);
  EXPECT_EQ(a.span_ns(), 600'000u + 3'001'000u);
}

}  // namespace
