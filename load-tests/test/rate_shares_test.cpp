#include "rate_shares.hpp"

#include <gtest/gtest.h>

namespace parley::load {
namespace {

TEST(RateShares, AWorkerWithoutClientsIssuesNothing) {
  // One sender on worker 0 of two: the whole rate is worker 0's (it used to get half).
  EXPECT_EQ(rate_shares(1000, {1, 0}), (std::vector<double>{1000, 0}));
  EXPECT_EQ(rate_shares(1000, {0, 1}), (std::vector<double>{0, 1000}));
}

TEST(RateShares, SplitInProportionToClients) {
  std::vector<double> s = rate_shares(900, {2, 1});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0], 600);
  EXPECT_DOUBLE_EQ(s[1], 300);
  s = rate_shares(5000, {25, 25});
  EXPECT_DOUBLE_EQ(s[0] + s[1], 5000);
  EXPECT_DOUBLE_EQ(s[0], s[1]);
}

TEST(RateShares, NoClientsNoRate) {
  EXPECT_EQ(rate_shares(1000, {0, 0}), (std::vector<double>{0, 0}));
  EXPECT_TRUE(rate_shares(1000, {}).empty());
}

}  // namespace
}  // namespace parley::load
