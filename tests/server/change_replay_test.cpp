// plan_change_replay(): what a join replays of a channel's change log.
#include "change_replay.hpp"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

TEST(ChangeReplay, WithoutChangesSinceNothingIsReplayed) {
  auto p = plan_change_replay(std::nullopt, 7, 1);
  EXPECT_FALSE(p.replay);
  EXPECT_FALSE(p.reset);
  EXPECT_EQ(p.start, 7u);  // live changes from 8 on
}

TEST(ChangeReplay, ReplaysWhatTheLogHoldsAfterChangesSince) {
  for (std::uint64_t since : {0, 1, 6}) {
    auto p = plan_change_replay(since, 7, 1);
    EXPECT_TRUE(p.replay) << since;
    EXPECT_FALSE(p.reset) << since;
    EXPECT_EQ(p.start, since);
  }
  // The log was trimmed up to 4 (first = 5): a client at 4 still misses nothing.
  auto p = plan_change_replay(4, 7, 5);
  EXPECT_TRUE(p.replay);
  EXPECT_EQ(p.start, 4u);
}

TEST(ChangeReplay, AClientBehindTheTrimmedLogIsReset) {
  auto p = plan_change_replay(3, 7, 5);  // 4 is gone
  EXPECT_TRUE(p.reset);
  EXPECT_FALSE(p.replay);
  EXPECT_EQ(p.start, 7u);
  EXPECT_TRUE(plan_change_replay(0, 7, 7).reset);
}

TEST(ChangeReplay, NothingNewerOrAheadReplaysNothing) {
  for (std::uint64_t since : {7, 8, 1000}) {  // ahead: a reset store (the epoch tells)
    auto p = plan_change_replay(since, 7, 7);
    EXPECT_FALSE(p.replay) << since;
    EXPECT_FALSE(p.reset) << since;
    EXPECT_EQ(p.start, 7u);
  }
  auto empty = plan_change_replay(0, 0, 1);
  EXPECT_FALSE(empty.replay);
  EXPECT_FALSE(empty.reset);
}

}  // namespace
}  // namespace parley::server
