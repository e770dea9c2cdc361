// The advocate flag: when it is raised, farming, decay with hysteresis, manual override.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "community.hpp"

namespace parley::advocacy::test {
namespace {

// `helper` answers a question of `asker` (asked just before); returns the answer's seq.
std::uint64_t answered(Community& c, const std::string& asker, const std::string& helper) {
  auto q = c.ask(asker);
  return c.answer(helper, q);
}

// Builds ann to 38 points with 5 people on 3 days; the returned answer (to a5) is not yet
// marked. Defaults: answer 2, helpful 4, solved 15, pair cap 12, threshold 40.
std::uint64_t ann_at_38(Community& c) {
  c.at(0, 9);
  EXPECT_EQ(c.solve("a1", answered(c, "a1", "ann")), MarkError::none);  // 2 + 15 -> cap 12
  EXPECT_EQ(c.solve("a2", answered(c, "a2", "ann")), MarkError::none);  // 24
  c.at(1, 9);
  EXPECT_EQ(c.helpful("a3", answered(c, "a3", "ann")), MarkError::none);  // 24 + 6 = 30
  auto to_a4 = answered(c, "a4", "ann");                                  // 32
  c.at(2, 9);
  auto to_a5 = answered(c, "a5", "ann");               // 34
  EXPECT_EQ(c.helpful("a4", to_a4), MarkError::none);  // 38
  return to_a5;
}

TEST(AdvocateFlag, RaisedByTheDecidingHelpfulMarkAndNotBefore) {
  Community c;
  auto to_a5 = ann_at_38(c);
  auto b = c.engine.breakdown("ann", c.now);
  EXPECT_DOUBLE_EQ(b.score, 38);
  EXPECT_EQ(b.people_helped, 5u);
  EXPECT_EQ(b.active_days, 3u);
  EXPECT_EQ(b.answers, 5u);
  EXPECT_EQ(b.helpful, 2u);
  EXPECT_EQ(b.solved, 2u);
  EXPECT_FALSE(b.advocate);
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  EXPECT_TRUE(c.flags().empty());

  c.at(2, 10);
  ASSERT_EQ(c.helpful("a5", to_a5), MarkError::none);  // 42: the deciding event
  b = c.engine.breakdown("ann", c.now);
  EXPECT_DOUBLE_EQ(b.score, 42);
  EXPECT_TRUE(b.advocate);
  EXPECT_TRUE(b.automatic);
  EXPECT_EQ(b.last_activity, c.now);
  EXPECT_TRUE(c.engine.is_advocate("ann"));
  auto changes = c.flags();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].user, "ann");
  EXPECT_TRUE(changes[0].advocate);
  EXPECT_DOUBLE_EQ(changes[0].score, 42);

  // More help changes nothing about the flag.
  c.at(3);
  answered(c, "a6", "ann");
  EXPECT_TRUE(c.flags().empty());
}

TEST(AdvocateFlag, TheFifthPersonsAnswerDecidesWhenTheScoreIsAlreadyThere) {
  Community c;
  for (int i = 1; i <= 4; ++i) {
    c.at(i - 1);
    c.solve("a" + std::to_string(i), answered(c, "a" + std::to_string(i), "bob"));
  }
  auto b = c.engine.breakdown("bob", c.now);
  EXPECT_DOUBLE_EQ(b.score, 48);
  EXPECT_EQ(b.people_helped, 4u);
  EXPECT_EQ(b.active_days, 4u);
  EXPECT_FALSE(b.advocate);  // the score alone is not enough
  EXPECT_TRUE(c.flags().empty());

  answered(c, "a5", "bob");
  EXPECT_TRUE(c.engine.is_advocate("bob"));
  ASSERT_EQ(c.flags().size(), 1u);
}

TEST(AdvocateFlag, ActiveDaysAreRequired) {
  Community c;
  c.at(0);
  for (int i = 1; i <= 5; ++i)
    c.solve("a" + std::to_string(i), answered(c, "a" + std::to_string(i), "cy"));
  c.at(1);
  answered(c, "a6", "cy");
  auto b = c.engine.breakdown("cy", c.now);
  EXPECT_DOUBLE_EQ(b.score, 62);
  EXPECT_EQ(b.active_days, 2u);
  EXPECT_FALSE(b.advocate);
  c.at(2);
  answered(c, "a7", "cy");
  EXPECT_TRUE(c.engine.breakdown("cy", c.now).advocate);
}

TEST(AdvocateFlag, AFarmingPairStaysUnderThePairCap) {
  Community c;
  for (int d = 0; d < 60; ++d) {
    for (int h = 8; h < 20; h += 4) {
      c.at(d, h);
      auto a = answered(c, "x", "y");
      c.helpful("x", a);
      c.solve("x", a);
      c.react("x", a, "\xF0\x9F\x99\x8F");
      c.at(d, h + 1);
      auto b = answered(c, "y", "x");
      c.helpful("y", b);
      c.solve("y", b);
    }
  }
  for (const char* who : {"x", "y"}) {
    auto b = c.engine.breakdown(who, c.now);
    EXPECT_DOUBLE_EQ(b.score, 12) << who;
    EXPECT_EQ(b.people_helped, 1u) << who;
    EXPECT_EQ(b.active_days, 60u) << who;
    EXPECT_EQ(b.answers, 180u) << who;
    EXPECT_EQ(b.helpful, 60u) << who;  // one helpful mark per giver per day
    EXPECT_FALSE(b.advocate) << who;
  }
  EXPECT_TRUE(c.flags().empty());
}

// ann: 2 on day 0, 12 on day 1, 26 on day 2 -> 40 with 6 people on 3 days.
void ann_at_40_over_three_days(Community& c) {
  c.at(0);
  answered(c, "a1", "ann");  // 2
  c.at(1);
  c.helpful("a2", answered(c, "a2", "ann"));  // 8
  c.helpful("a3", answered(c, "a3", "ann"));  // 14
  c.at(2);
  c.solve("a4", answered(c, "a4", "ann"));  // 26
  c.solve("a5", answered(c, "a5", "ann"));  // 38
  answered(c, "a6", "ann");                 // 40
}

TEST(Decay, HysteresisKeepsTheFlagAboveNinetyPercentAndDropsItBelow) {
  Community c;
  ann_at_40_over_three_days(c);
  ASSERT_TRUE(c.engine.is_advocate("ann"));
  ASSERT_EQ(c.flags().size(), 1u);
  c.mutations();

  c.at(89, 23, 59);  // day 0 is still inside the 90-day window
  c.tick();
  EXPECT_DOUBLE_EQ(c.score("ann"), 40);
  EXPECT_TRUE(c.mutations().empty());

  c.at(90, 0, 1);  // day 0 leaves: 38 is under 40 but not under 36
  EXPECT_DOUBLE_EQ(c.engine.breakdown("ann", c.now).score, 38);  // queries see the window
  c.tick();
  auto b = c.engine.breakdown("ann", c.now);
  EXPECT_DOUBLE_EQ(b.score, 38);
  EXPECT_EQ(b.people_helped, 5u);
  EXPECT_EQ(b.active_days, 2u);
  EXPECT_TRUE(b.advocate);
  EXPECT_TRUE(c.flags().empty());
  EXPECT_FALSE(c.mutations().empty());  // the expired records are deleted

  c.at(91);  // day 1 leaves: 26 < 36
  c.tick();
  EXPECT_DOUBLE_EQ(c.score("ann"), 26);
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  auto changes = c.flags();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].advocate);
  EXPECT_DOUBLE_EQ(changes[0].score, 26);

  c.at(92);
  c.tick();
  EXPECT_DOUBLE_EQ(c.score("ann"), 0);
  EXPECT_TRUE(c.flags().empty());
  // Nothing is left but the name.
  for (const auto& [k, v] : c.kv) EXPECT_EQ(k[0], 'n') << k;
}

TEST(Decay, TheHysteresisStateIsKeptUnderAManualOverride) {
  Community c;
  ann_at_40_over_three_days(c);
  c.at(90, 1);
  c.tick();  // 38, flagged by hysteresis
  c.manual("ann", false);
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  c.manual("ann", std::nullopt);  // automatic again: still flagged (38 >= 36)
  EXPECT_TRUE(c.engine.is_advocate("ann"));
  EXPECT_EQ(c.flags().size(), 3u);  // raised, revoked by hand, back
  c.at(91);
  c.tick();
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  EXPECT_EQ(c.flags().size(), 1u);
}

TEST(Decay, TickWithNothingExpiredWritesNothing) {
  Community c;
  ann_at_40_over_three_days(c);
  c.mutations();
  ASSERT_EQ(c.flags().size(), 1u);
  for (int d = 3; d < 89; ++d) {
    c.at(d);
    c.tick();
  }
  EXPECT_TRUE(c.mutations().empty());
  EXPECT_TRUE(c.flags().empty());
}

TEST(ManualOverride, HoldsAgainstTheAutomaticRuleInBothDirections) {
  Community c;
  c.at(0);
  c.manual("zoe", true);  // granted with no credit at all
  EXPECT_TRUE(c.engine.is_advocate("zoe"));
  auto ch = c.flags();
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_TRUE(ch[0].advocate);
  auto b = c.engine.breakdown("zoe", c.now);
  EXPECT_TRUE(b.advocate);
  EXPECT_FALSE(b.automatic);
  EXPECT_EQ(b.manual, std::optional<bool>(true));
  ASSERT_EQ(c.engine.ranked(10, c.now).size(), 1u);  // listed for the override

  c.manual("ann", false);  // revoked before ann qualifies
  ann_at_40_over_three_days(c);
  b = c.engine.breakdown("ann", c.now);
  EXPECT_TRUE(b.automatic);
  EXPECT_FALSE(b.advocate);
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  EXPECT_TRUE(c.flags().empty());

  c.manual("ann", false);  // a no-op
  EXPECT_TRUE(c.flags().empty());
  c.manual("ann", std::nullopt);  // back to automatic, at once
  EXPECT_TRUE(c.engine.is_advocate("ann"));
  ASSERT_EQ(c.flags().size(), 1u);

  c.manual("zoe", std::nullopt);
  EXPECT_FALSE(c.engine.is_advocate("zoe"));
  ASSERT_EQ(c.flags().size(), 1u);

  // A manual grant survives the decay of the automatic flag.
  c.manual("ann", true);
  EXPECT_TRUE(c.flags().empty());  // effective flag unchanged
  c.at(200);
  c.tick();
  b = c.engine.breakdown("ann", c.now);
  EXPECT_FALSE(b.automatic);
  EXPECT_TRUE(b.advocate);
  EXPECT_TRUE(c.flags().empty());
}

TEST(Ranked, AdvocatesFirstThenByScoreWithinTheLimit) {
  Community c;
  ann_at_40_over_three_days(c);  // 40, advocate
  c.at(3);
  c.solve("b1", answered(c, "b1", "bob"));  // 12
  answered(c, "b2", "cy");                  // 2
  c.manual("dan", true);                    // 0, advocate by hand
  auto r = c.engine.ranked(10, c.now);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].user, "ann");
  EXPECT_EQ(r[1].user, "dan");
  EXPECT_EQ(r[2].user, "bob");
  EXPECT_EQ(r[3].user, "cy");
  EXPECT_EQ(r[0].name, "Name of ann");
  r = c.engine.ranked(2, c.now);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].user, "dan");
  // Seen through a query at a later `now`, before tick: the scores are those of the window
  // at `now`; the flags are those of the last evaluation.
  c.at(92);
  r = c.engine.ranked(10, c.now);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].user, "ann");
  EXPECT_DOUBLE_EQ(r[0].score, 0);
  EXPECT_TRUE(r[0].advocate);
  EXPECT_EQ(r[2].user, "bob");
  EXPECT_DOUBLE_EQ(r[2].score, 12);
  c.tick();
  r = c.engine.ranked(10, c.now);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].user, "dan");
  EXPECT_EQ(r[1].user, "bob");
  EXPECT_EQ(r[2].user, "cy");
}

// An erased user (DESIGN §12): renamed, without their override (persisted), and without their
// credits once their messages are removed; a user the engine never saw is not added.
TEST(EraseUser, RenamesDropsTheOverrideAndSurvivesARestore) {
  Community c;
  c.at(0, 9);
  auto a1 = answered(c, "a1", "ann");
  ASSERT_EQ(c.solve("a1", a1), MarkError::none);
  c.manual("ann", true);
  ASSERT_TRUE(c.engine.is_advocate("ann"));
  c.flags();
  c.engine.erase_user("ann", "Deleted user", c.now);
  c.sync();
  auto b = c.engine.breakdown("ann", c.now);
  EXPECT_EQ(b.name, "Deleted user");
  EXPECT_EQ(b.manual, std::nullopt);
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  ASSERT_EQ(c.flags().size(), 1u);  // the override's flag went
  EXPECT_GT(b.score, 0);            // until the messages go
  c.remove(a1);
  EXPECT_EQ(c.engine.breakdown("ann", c.now).score, 0);

  Engine restored(Config{});
  c.restart(restored, c.persisted());
  EXPECT_EQ(restored.breakdown("ann", c.now).name, "Deleted user");
  EXPECT_EQ(restored.breakdown("ann", c.now).manual, std::nullopt);

  c.mutations();
  c.engine.erase_user("nobody", "Deleted user", c.now);
  c.sync();
  EXPECT_TRUE(c.mutations().empty());
  EXPECT_EQ(c.engine.breakdown("nobody", c.now).name, "");
}

TEST(IsAdvocate, IsSafeFromAnotherThreadWhileFlagsChange) {
  Community c;
  std::atomic<bool> stop{false};
  std::atomic<long> seen{0};
  std::thread reader([&] {
    while (!stop.load()) seen += c.engine.is_advocate("u7") ? 1 : 0;
  });
  for (int i = 0; i < 2000; ++i) c.engine.set_manual("u" + std::to_string(i % 10), i % 3 == 0, kT0);
  stop = true;
  reader.join();
  EXPECT_EQ(c.engine.is_advocate("u7"), (1997 % 3) == 0);
}

// The lock-free filter in front of the set: with many advocates (bits shared by several ids)
// and removals recomputing the filter, every answer is still exact.
TEST(IsAdvocate, IsExactWithManyAdvocatesComingAndGoing) {
  Community c;
  std::set<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    const std::string u = "u" + std::to_string(i);
    c.engine.set_manual(u, true, kT0);
    want.insert(u);
  }
  for (int i = 0; i < 3000; i += 3) {
    const std::string u = "u" + std::to_string(i);
    c.engine.set_manual(u, false, kT0);
    want.erase(u);
  }
  for (int i = 0; i < 6000; ++i) {
    const std::string u = "u" + std::to_string(i);
    EXPECT_EQ(c.engine.is_advocate(u), want.contains(u)) << u;
  }
  for (int i = 1; i < 3000; i += 3) c.engine.set_manual("u" + std::to_string(i), std::nullopt, kT0);
  for (int i = 0; i < 6000; ++i) {
    EXPECT_EQ(c.engine.is_advocate("u" + std::to_string(i)), i < 3000 && i % 3 == 2) << i;
  }
}

}  // namespace
}  // namespace parley::advocacy::test
