// At-risk signals and the community insights.
#include <gtest/gtest.h>

#include "community.hpp"

namespace parley::advocacy::test {
namespace {

using Signal = Engine::Signal;

TEST(AtRisk, AppearsAfterUpheldReportsAndLeavesWithTheWindow) {
  Community c;
  c.at(0, 8);
  c.ask("troll");  // so the engine knows the name
  c.signal("troll", Signal::report_upheld);
  c.signal("grump", Signal::message_removed);
  auto r = c.engine.at_risk(10, c.now);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].user, "troll");
  EXPECT_DOUBLE_EQ(r[0].risk, 3);
  EXPECT_FALSE(r[0].at_risk);
  EXPECT_EQ(r[0].name, "Name of troll");
  EXPECT_DOUBLE_EQ(r[1].risk, 2);

  c.at(1, 9);
  c.signal("troll", Signal::report_upheld);  // 6: at risk
  c.signal("grump", Signal::muted);          // 5
  r = c.engine.at_risk(10, c.now);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].user, "troll");
  EXPECT_DOUBLE_EQ(r[0].risk, 6);
  EXPECT_TRUE(r[0].at_risk);
  EXPECT_EQ(r[0].reports_upheld, 2u);
  EXPECT_EQ(r[0].last_event, c.now);
  EXPECT_EQ(r[1].user, "grump");
  EXPECT_DOUBLE_EQ(r[1].risk, 5);
  EXPECT_FALSE(r[1].at_risk);
  EXPECT_EQ(r[1].messages_removed, 1u);
  EXPECT_EQ(r[1].mutes, 1u);
  ASSERT_EQ(c.engine.at_risk(1, c.now).size(), 1u);
  // At-risk never touches the advocate flag.
  EXPECT_FALSE(c.engine.is_advocate("troll"));

  c.at(89, 23);
  c.tick();
  EXPECT_TRUE(c.engine.at_risk(10, c.now)[0].at_risk);
  c.at(90, 0);  // day 0 leaves the window
  c.tick();
  r = c.engine.at_risk(10, c.now);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].user, "grump");  // 3 each: by user id
  EXPECT_EQ(r[1].user, "troll");
  EXPECT_DOUBLE_EQ(r[1].risk, 3);
  EXPECT_FALSE(r[1].at_risk);
  c.at(91, 0);
  EXPECT_TRUE(c.engine.at_risk(10, c.now).empty());  // a query sees the window at `now`
  c.tick();
  for (const auto& [k, v] : c.kv) EXPECT_NE(k[0], 'r') << "risk records are deleted";
}

// A scripted community day (day 10), expected figures computed by hand.
class InsightsDay : public ::testing::Test {
 protected:
  void SetUp() override {
    c.role("staff1", Role::staff);
    c.role("bot1", Role::bot);
    post(9, 22, 0, "c8");  // yesterday: outside a 24-hour window at 23:00
    q8 = c.seqs["help"];
    post(9, 22, 30, "h1", q8);
    q1 = post(10, 8, 0, "c1");
    post(10, 8, 5, "h1", q1);  // 5 min, customer
    post(10, 8, 10, "staff1", q1);
    q2 = post(10, 9, 0, "c2");
    staff_on_q2 = post(10, 9, 30, "staff1", q2);  // 30 min, staff
    auto h2_on_q2 = post(10, 9, 40, "h2", q2);
    c.solve("staff1", h2_on_q2);
    q3 = post(10, 10, 0, "c3");
    post(10, 10, 1, "c3", q3);                  // the asker's own follow-up is not an answer
    auto h1_on_q3 = post(10, 11, 0, "h1", q3);  // 60 min, customer
    c.solve("c3", h1_on_q3);
    q4 = post(10, 11, 0, "c4");
    post(10, 11, 30, "c4", q4);  // unanswered
    q5 = post(10, 12, 0, "c5", 0, "billing");
    post(10, 12, 2, "bot1", q5, "billing");  // 2 min, bot
    q6 = post(10, 13, 0, "c6");              // unanswered
    q7 = post(10, 14, 0, "c7");
    post(10, 14, 20, "h3", q7);  // 20 min, customer
    auto q9 = post(10, 15, 0, "c9");
    post(10, 15, 10, "h3", q9);
    c.at(10, 15, 20);
    c.remove(q9);  // a removed question leaves the figures
    q10 = post(10, 16, 0, "c10", 0, "billing");
    post(10, 16, 45, "h2", q10, "billing");    // 45 min, customer
    post(10, 17, 0, "c1", 0, "chat-general");  // not a support channel
    c.at(10, 23);
  }
  std::uint64_t post(int d, int h, int m, const std::string& user, std::uint64_t reply_to = 0,
                     const std::string& ch = "help") {
    c.at(d, h, m);
    return c.post(user, reply_to, ch);
  }
  Community c;
  std::uint64_t q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0, q8 = 0, q10 = 0;
  std::uint64_t staff_on_q2 = 0;
};

TEST_F(InsightsDay, AllSupportChannels) {
  auto in = c.engine.insights(kDay, "", c.now);
  EXPECT_EQ(in.from, c.now - kDay);
  EXPECT_EQ(in.to, c.now);
  EXPECT_EQ(in.questions, 8u);              // q1-q7 and q10
  EXPECT_EQ(in.answered, 6u);               // all but q4 and q6
  EXPECT_EQ(in.answered_by_customers, 4u);  // q1, q3, q7, q10
  EXPECT_EQ(in.solved, 2u);                 // q2, q3
  // First answers after 2, 5, 20, 30, 45, 60 minutes: the lower middle is 20.
  EXPECT_EQ(in.median_first_answer_ms, 20 * kMinute);
  ASSERT_EQ(in.unanswered.size(), 2u);
  EXPECT_EQ(in.unanswered[0].seq, q4);
  EXPECT_EQ(in.unanswered[0].asker, "c4");
  EXPECT_EQ(in.unanswered[0].ts, kT0 + 10 * kDay + 11 * kHour);
  EXPECT_EQ(in.unanswered[0].channel, "help");
  EXPECT_EQ(in.unanswered[1].seq, q6);
}

TEST_F(InsightsDay, PerChannelAndLongerWindows) {
  auto billing = c.engine.insights(kDay, "billing", c.now);
  EXPECT_EQ(billing.questions, 2u);
  EXPECT_EQ(billing.answered, 2u);
  EXPECT_EQ(billing.answered_by_customers, 1u);
  EXPECT_EQ(billing.solved, 0u);
  EXPECT_EQ(billing.median_first_answer_ms, 2 * kMinute);  // of 2 and 45: the lower
  EXPECT_TRUE(billing.unanswered.empty());

  auto help = c.engine.insights(kDay, "help", c.now);
  EXPECT_EQ(help.questions, 6u);
  EXPECT_EQ(help.answered, 4u);
  EXPECT_EQ(help.answered_by_customers, 3u);
  EXPECT_EQ(help.median_first_answer_ms, 20 * kMinute);  // of 5, 20, 30, 60

  auto two_days = c.engine.insights(2 * kDay, "", c.now);
  EXPECT_EQ(two_days.questions, 9u);  // with q8
  EXPECT_EQ(two_days.answered, 7u);
  EXPECT_EQ(two_days.median_first_answer_ms, 30 * kMinute);  // 2 5 20 [30] 30 45 60

  EXPECT_EQ(c.engine.insights(kDay, "nowhere", c.now).questions, 0u);
  EXPECT_FALSE(c.engine.insights(kDay, "nowhere", c.now).median_first_answer_ms);
}

TEST_F(InsightsDay, PerDaySeriesForCharts) {
  // A 2-day window at day 10, 23:00 reaches back to day 8, 23:00: days 8, 9 and 10.
  auto in = c.engine.insights(2 * kDay, "", c.now);
  ASSERT_EQ(in.days.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(in.days[i].start, kT0 + (8 + static_cast<std::int64_t>(i)) * kDay);
  EXPECT_EQ(in.days[0].questions, 0u);
  EXPECT_FALSE(in.days[0].median_first_answer_ms);
  EXPECT_EQ(in.days[1].questions, 1u);  // q8, answered by h1 after 30 minutes
  EXPECT_EQ(in.days[1].answered, 1u);
  EXPECT_EQ(in.days[1].answered_by_customers, 1u);
  EXPECT_EQ(in.days[1].median_first_answer_ms, 30 * kMinute);
  // Day 10 is the scripted day: the same figures as the 24-hour window.
  auto day = c.engine.insights(kDay, "", c.now);
  EXPECT_EQ(in.days[2].questions, day.questions);
  EXPECT_EQ(in.days[2].answered, day.answered);
  EXPECT_EQ(in.days[2].answered_by_customers, day.answered_by_customers);
  EXPECT_EQ(in.days[2].solved, day.solved);
  EXPECT_EQ(in.days[2].median_first_answer_ms, day.median_first_answer_ms);
  // The days add up to the window.
  unsigned questions = 0, answered = 0, solved = 0;
  for (const auto& d : in.days) {
    questions += d.questions;
    answered += d.answered;
    solved += d.solved;
  }
  EXPECT_EQ(questions, in.questions);
  EXPECT_EQ(answered, in.answered);
  EXPECT_EQ(solved, in.solved);
  // Per channel too: billing asked nothing on day 9.
  auto billing = c.engine.insights(2 * kDay, "billing", c.now);
  ASSERT_EQ(billing.days.size(), 3u);
  EXPECT_EQ(billing.days[1].questions, 0u);
  EXPECT_EQ(billing.days[2].questions, 2u);
}

TEST_F(InsightsDay, RemovedAnswersGiveWayToTheNextReply) {
  c.remove(staff_on_q2);  // q2's first answer is now h2's, after 40 minutes
  auto in = c.engine.insights(kDay, "", c.now);
  EXPECT_EQ(in.answered, 6u);
  EXPECT_EQ(in.answered_by_customers, 5u);
  EXPECT_EQ(in.median_first_answer_ms, 20 * kMinute);  // 2 5 [20] 40 45 60
}

TEST_F(InsightsDay, TheFiguresSurviveARestart) {
  Engine b(Config{});
  c.restart(b, c.persisted());
  auto x = c.engine.insights(kDay, "", c.now);
  auto y = b.insights(kDay, "", c.now);
  EXPECT_EQ(x.questions, y.questions);
  EXPECT_EQ(x.answered_by_customers, y.answered_by_customers);
  EXPECT_EQ(x.median_first_answer_ms, y.median_first_answer_ms);
  EXPECT_EQ(x.unanswered.size(), y.unanswered.size());
}

TEST(Insights, QuestionRecordsAreKeptThirtyDaysAtLeastAndUnansweredIsCapped) {
  Config cfg;
  cfg.window_days = 7;
  Community c(cfg);
  for (int i = 0; i < 120; ++i) {
    c.at(0, 1, i);
    c.ask("u" + std::to_string(i));
  }
  c.at(29, 23);
  c.tick();
  auto in = c.engine.insights(30 * kDay, "", c.now);
  EXPECT_EQ(in.questions, 120u);
  ASSERT_EQ(in.unanswered.size(), 100u);
  EXPECT_EQ(in.unanswered.front().asker, "u0");
  EXPECT_EQ(in.unanswered.back().asker, "u99");
  c.at(30, 0);
  c.tick();
  EXPECT_EQ(c.engine.insights(31 * kDay, "", c.now).questions, 0u);
  for (const auto& [k, v] : c.kv) EXPECT_NE(k[0], 'q') << "question records are deleted";
}

}  // namespace
}  // namespace parley::advocacy::test
