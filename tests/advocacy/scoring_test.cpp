// What earns and what does not: exclusions, marks, solutions, thanks reactions, revocation.
#include <gtest/gtest.h>

#include "community.hpp"

namespace parley::advocacy::test {
namespace {

const std::string kPray = "\xF0\x9F\x99\x8F";

class Scoring : public ::testing::Test {
 protected:
  void SetUp() override {
    c.role("staff1", Role::staff);
    c.role("admin1", Role::admin);
    c.role("bot1", Role::bot);
    c.at(0, 9);
  }
  Community c;
};

TEST_F(Scoring, SelfAnswersEarnNothing) {
  auto q = c.ask("amy");
  auto self = c.answer("amy", q);
  c.answer("amy", self);  // deeper in her own thread
  EXPECT_DOUBLE_EQ(c.score("amy"), 0);
  EXPECT_EQ(c.helpful("amy", self), MarkError::self);
  EXPECT_EQ(c.solve("amy", self), MarkError::self);
  EXPECT_EQ(c.solve("staff1", self), MarkError::self);
  EXPECT_DOUBLE_EQ(c.score("amy"), 0);
  EXPECT_TRUE(c.engine.ranked(10, c.now).empty());
}

TEST_F(Scoring, StaffAndBotAnswersEarnNothingButMayBeMarked) {
  auto q = c.ask("amy");
  auto by_staff = c.answer("staff1", q);
  auto by_admin = c.answer("admin1", q);
  auto by_bot = c.answer("bot1", q);
  EXPECT_EQ(c.helpful("amy", by_staff), MarkError::none);
  EXPECT_EQ(c.helpful("amy", by_bot), MarkError::none);
  EXPECT_EQ(c.solve("amy", by_admin), MarkError::none);
  EXPECT_EQ(c.helpful("staff1", by_staff), MarkError::self);  // nobody marks their own answer
  for (const char* who : {"staff1", "admin1", "bot1"}) EXPECT_DOUBLE_EQ(c.score(who), 0) << who;
  EXPECT_TRUE(c.engine.ranked(10, c.now).empty());
  // Those marks did not use up amy's one earning helpful mark of the day.
  auto by_bob = c.answer("bob", q);
  EXPECT_EQ(c.helpful("amy", by_bob), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("bob"), 6);
  // The insights still count the staff answer as the first one.
  auto in = c.engine.insights(kDay, "", c.now);
  EXPECT_EQ(in.answered, 1u);
  EXPECT_EQ(in.answered_by_customers, 0u);
  EXPECT_EQ(in.solved, 1u);
}

TEST_F(Scoring, NonSupportChannelsEarnNothingAndCostNothing) {
  c.mutations();
  for (const std::string ch : {"chat-general", "dm:amy:bob"}) {
    auto q = c.ask("amy", ch);
    auto a = c.answer("bob", q, ch);
    EXPECT_EQ(c.helpful("amy", a, ch), MarkError::not_an_answer);
    EXPECT_EQ(c.solve("amy", a, ch), MarkError::not_an_answer);
  }
  EXPECT_DOUBLE_EQ(c.score("bob"), 0);
  EXPECT_TRUE(c.mutations().empty());
  EXPECT_EQ(c.engine.insights(kDay, "", c.now).questions, 0u);
}

TEST_F(Scoring, MarkErrors) {
  auto q = c.ask("amy");
  auto a = c.answer("bob", q);
  EXPECT_EQ(c.helpful("amy", 999), MarkError::not_found);
  EXPECT_EQ(c.helpful("amy", q), MarkError::not_an_answer);  // the question itself
  EXPECT_EQ(c.solve("amy", q), MarkError::not_an_answer);
  EXPECT_EQ(c.helpful("cat", a), MarkError::forbidden);  // another customer
  EXPECT_EQ(c.solve("cat", a), MarkError::forbidden);
  EXPECT_EQ(c.helpful("bot1", a), MarkError::forbidden);
  EXPECT_DOUBLE_EQ(c.score("bob"), 2);
  EXPECT_EQ(c.helpful("staff1", a), MarkError::none);  // staff may mark: giver = staff1
  EXPECT_DOUBLE_EQ(c.score("bob"), 6);
  // A reply whose thread cannot be followed is not an answer.
  auto orphan_parent = c.answer("cat", q);
  auto orphan = c.answer("dan", orphan_parent);
  c.messages.erase({"help", orphan_parent});  // unknown to the lookup, as if lost
  EXPECT_EQ(c.helpful("amy", orphan), MarkError::not_an_answer);
}

TEST_F(Scoring, NestedRepliesAnswerTheRootsAskerOncePerThread) {
  auto q = c.ask("amy");
  auto a1 = c.answer("bob", q);
  auto a2 = c.answer("cat", a1);  // a reply to bob, in amy's thread
  c.answer("bob", a2);            // bob's second answer in the thread earns nothing
  c.answer("amy", a2);            // the asker's follow-up earns nothing
  EXPECT_DOUBLE_EQ(c.score("bob"), 2);
  EXPECT_DOUBLE_EQ(c.score("cat"), 2);
  EXPECT_EQ(c.solve("amy", a2), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("cat"), 12);  // 17 from amy, capped at 12
  // A chain deeper than 32 links is not followed.
  std::uint64_t tip = q;
  for (int i = 0; i < 33; ++i) tip = c.answer(i % 2 ? "eve" : "fay", tip);
  EXPECT_DOUBLE_EQ(c.score("eve"), 2);
  auto deep = c.answer("gus", tip);
  EXPECT_EQ(c.helpful("amy", deep), MarkError::not_an_answer);
  EXPECT_DOUBLE_EQ(c.score("gus"), 0);
}

TEST_F(Scoring, OneEarningHelpfulMarkPerGiverPerDay) {
  auto q1 = c.ask("amy");
  auto q2 = c.ask("amy");
  auto b1 = c.answer("bob", q1);
  auto b2 = c.answer("bob", q2);
  auto d1 = c.answer("dan", q2);
  EXPECT_EQ(c.helpful("amy", b1), MarkError::none);
  EXPECT_EQ(c.helpful("amy", b2), MarkError::none);  // recorded, earns nothing
  EXPECT_EQ(c.helpful("amy", d1), MarkError::none);  // nor for someone else that day
  EXPECT_DOUBLE_EQ(c.score("bob"), 8);
  EXPECT_DOUBLE_EQ(c.score("dan"), 2);
  EXPECT_EQ(c.engine.breakdown("bob", c.now).helpful, 1u);
  // Another giver the same day still earns.
  EXPECT_EQ(c.helpful("staff1", d1), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("dan"), 6);
  // Marks are idempotent per (answer, marker): a repeat the next day changes nothing.
  c.at(1, 9);
  EXPECT_EQ(c.helpful("amy", b2), MarkError::none);
  EXPECT_EQ(c.helpful("amy", b1), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("bob"), 8);
  // A new mark on the next UTC day earns.
  auto q3 = c.ask("amy");
  auto b3 = c.answer("bob", q3);
  EXPECT_EQ(c.helpful("amy", b3), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("bob"), 12);  // 2+4 + 2 + 2+4 = 14, capped at 12 from amy
  EXPECT_EQ(c.engine.breakdown("bob", c.now).helpful, 2u);
}

TEST_F(Scoring, SolveMovesTheCreditAndRepeatsAreNoOps) {
  Config cfg;
  cfg.pair_cap = 100;
  Community c2(cfg);
  c2.at(0, 9);
  auto q = c2.ask("amy");
  auto b = c2.answer("bob", q);
  auto d = c2.answer("dan", q);
  EXPECT_EQ(c2.solve("amy", b), MarkError::none);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 17);
  c2.mutations();
  EXPECT_EQ(c2.solve("amy", b), MarkError::none);  // the same again: a no-op
  EXPECT_TRUE(c2.mutations().empty());
  c2.role("staff1", Role::staff);
  EXPECT_EQ(c2.solve("staff1", d), MarkError::none);  // staff moves it; the giver stays amy
  EXPECT_DOUBLE_EQ(c2.score("bob"), 2);
  EXPECT_DOUBLE_EQ(c2.score("dan"), 17);
  EXPECT_EQ(c2.engine.breakdown("bob", c2.now).solved, 0u);
  EXPECT_EQ(c2.engine.breakdown("dan", c2.now).solved, 1u);
  EXPECT_EQ(c2.solve("amy", b), MarkError::none);  // and back
  EXPECT_DOUBLE_EQ(c2.score("bob"), 17);
  EXPECT_DOUBLE_EQ(c2.score("dan"), 2);
  EXPECT_EQ(c2.engine.insights(kDay, "", c2.now).solved, 1u);
}

// A solve with `credit` (the FAQ bot's "This solved it", acting for the asker): the question's
// accepted answer is the bot's message, the points go to the author of the credited answer of an
// older thread; the same again credits nobody twice; the asker is never credited.
TEST_F(Scoring, SolveWithCreditEarnsForTheCreditedAuthorOnce) {
  Config cfg;
  cfg.pair_cap = 100;
  Community c2(cfg);
  c2.role("faqbot", Role::bot);
  c2.role("sam", Role::staff);
  c2.at(0, 9);
  auto old_q = c2.ask("ann");
  auto old_a = c2.answer("bob", old_q);
  ASSERT_EQ(c2.solve("ann", old_a), MarkError::none);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 17);

  auto q = c2.ask("cid");
  auto by_bot = c2.answer("faqbot", q);
  const std::pair<std::string, std::uint64_t> credit{"help", old_a};
  EXPECT_EQ(c2.solve("cid", by_bot, "help", credit), MarkError::none);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 32);  // + 15 for an accepted answer (his reply earned the 2)
  EXPECT_EQ(c2.engine.breakdown("bob", c2.now).solved, 2u);
  EXPECT_DOUBLE_EQ(c2.score("faqbot"), 0);
  c2.mutations();
  EXPECT_EQ(c2.solve("cid", by_bot, "help", credit), MarkError::none);  // again: nothing
  EXPECT_TRUE(c2.mutations().empty());
  EXPECT_EQ(c2.engine.breakdown("bob", c2.now).solved, 2u);
  // Without the credit the bot's own message is the answer: the credit leaves bob.
  EXPECT_EQ(c2.solve("cid", by_bot), MarkError::none);
  EXPECT_EQ(c2.engine.breakdown("bob", c2.now).solved, 1u);
  EXPECT_EQ(c2.solve("cid", by_bot, "help", credit), MarkError::none);
  EXPECT_EQ(c2.engine.breakdown("bob", c2.now).solved, 2u);
  EXPECT_EQ(c2.engine.insights(kDay, "", c2.now).solved, 2u);

  // The asker's own old answer cannot be credited to them; staff answers earn nothing.
  auto q2 = c2.ask("ann");
  auto by_bot2 = c2.answer("faqbot", q2);
  auto q3 = c2.ask("dee");
  auto by_ann = c2.answer("ann", q3);
  ASSERT_EQ(c2.solve("dee", by_ann), MarkError::none);
  EXPECT_EQ(c2.solve("ann", by_bot2, "help", std::pair<std::string, std::uint64_t>{"help", by_ann}),
            MarkError::self_credit);
  auto by_sam = c2.answer("sam", q3);
  ASSERT_EQ(c2.solve("dee", by_sam), MarkError::none);
  EXPECT_EQ(c2.solve("ann", by_bot2, "help", std::pair<std::string, std::uint64_t>{"help", by_sam}),
            MarkError::none);
  EXPECT_DOUBLE_EQ(c2.score("sam"), 0);
}

TEST_F(Scoring, ThanksReactionByTheAskerCountsAsHelpful) {
  auto q = c.ask("amy");
  auto b = c.answer("bob", q);
  auto d = c.answer("dan", q);
  c.react("cat", b, kPray);               // not the asker
  c.react("staff1", b, kPray);            // staff reactions are not marks
  c.react("amy", b, "\xF0\x9F\x91\x8D");  // not a thanks reaction
  EXPECT_DOUBLE_EQ(c.score("bob"), 2);
  c.react("amy", b, kPray);
  EXPECT_DOUBLE_EQ(c.score("bob"), 6);
  c.react("amy", b, "\xE2\x9D\xA4\xEF\xB8\x8F");  // idempotent with the first
  EXPECT_EQ(c.helpful("amy", b), MarkError::none);
  EXPECT_DOUBLE_EQ(c.score("bob"), 6);
  c.react("amy", d, kPray);  // amy's second mark of the day
  EXPECT_DOUBLE_EQ(c.score("dan"), 2);
  c.react("amy", q, kPray);  // on the question: nothing
  EXPECT_DOUBLE_EQ(c.score("amy"), 0);
}

TEST_F(Scoring, RemovingAThanksReactionTakesBackOnlyTheMarkItMade) {
  auto q = c.ask("amy");
  auto b = c.answer("bob", q);
  auto d = c.answer("dan", q);
  EXPECT_FALSE(c.unreact("amy", b, kPray));  // nothing to take back
  EXPECT_TRUE(c.react("amy", b, kPray));
  EXPECT_DOUBLE_EQ(c.score("bob"), 6);
  EXPECT_FALSE(c.react("amy", b, "\xE2\x9D\xA4\xEF\xB8\x8F"));  // already marked
  EXPECT_FALSE(c.unreact("amy", b, "\xF0\x9F\x91\x8D"));        // not a thanks reaction
  EXPECT_FALSE(c.unreact("cat", b, kPray));                     // not the marker
  EXPECT_TRUE(c.unreact("amy", b, kPray));
  EXPECT_DOUBLE_EQ(c.score("bob"), 2);
  EXPECT_EQ(c.engine.breakdown("bob", c.now).helpful, 0u);
  // Reacting again marks again, but the day's earning mark is spent: no points, no farming.
  EXPECT_TRUE(c.react("amy", b, kPray));
  EXPECT_DOUBLE_EQ(c.score("bob"), 2);
  EXPECT_TRUE(c.unreact("amy", b, kPray));
  // An explicit mark is not taken back by a reaction, before or after it.
  EXPECT_EQ(c.helpful("amy", d), MarkError::none);
  EXPECT_FALSE(c.react("amy", d, kPray));
  EXPECT_FALSE(c.unreact("amy", d, kPray));
  EXPECT_TRUE(c.react("amy", b, kPray));
  EXPECT_EQ(c.helpful("amy", b), MarkError::none);  // now explicit
  EXPECT_FALSE(c.unreact("amy", b, kPray));
  EXPECT_EQ(c.engine.breakdown("bob", c.now).helpful, 0u);  // unearned marks carry no points
}

TEST_F(Scoring, RemovingAnAnswerRevokesItsAnswerHelpfulAndSolvedCredit) {
  Config cfg;
  cfg.pair_cap = 100;
  Community c2(cfg);
  c2.at(0, 9);
  auto q = c2.ask("amy");
  auto b = c2.answer("bob", q);
  c2.helpful("amy", b);
  c2.solve("amy", b);
  auto q2 = c2.ask("cat");
  auto b2 = c2.answer("bob", q2);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 23);
  EXPECT_EQ(c2.engine.insights(kDay, "", c2.now).solved, 1u);
  c2.remove(b);
  auto br = c2.engine.breakdown("bob", c2.now);
  EXPECT_DOUBLE_EQ(br.score, 2);
  EXPECT_EQ(br.answers, 1u);
  EXPECT_EQ(br.helpful, 0u);
  EXPECT_EQ(br.solved, 0u);
  EXPECT_EQ(br.people_helped, 1u);
  auto in = c2.engine.insights(kDay, "", c2.now);
  EXPECT_EQ(in.solved, 0u);    // the accepted answer is gone: unsolved
  EXPECT_EQ(in.answered, 1u);  // and amy's question has no answer left
  // bob answers again: with the first answer gone, this one is his first.
  c2.answer("bob", q);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 4);
  // Removing a question revokes nothing else.
  c2.remove(q2);
  EXPECT_DOUBLE_EQ(c2.score("bob"), 4);
  EXPECT_EQ(c2.engine.insights(kDay, "", c2.now).questions, 1u);
  (void)b2;
}

TEST_F(Scoring, RemovalCanDropTheFlag) {
  std::vector<std::uint64_t> answers;
  for (int i = 0; i < 5; ++i) {
    c.at(i);
    auto asker = "a" + std::to_string(i);
    auto a = c.answer("ann", c.ask(asker));
    c.solve(asker, a);
    answers.push_back(a);
  }
  ASSERT_TRUE(c.engine.is_advocate("ann"));  // 60
  c.flags();
  c.remove(answers[0]);  // 48: still flagged
  c.remove(answers[1]);  // 36: not under 36, still flagged
  EXPECT_TRUE(c.engine.is_advocate("ann"));
  EXPECT_TRUE(c.flags().empty());
  c.remove(answers[2]);  // 24
  EXPECT_FALSE(c.engine.is_advocate("ann"));
  auto ch = c.flags();
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_DOUBLE_EQ(ch[0].score, 24);
  EXPECT_EQ(c.engine.breakdown("ann", c.now).people_helped, 2u);
}

TEST_F(Scoring, OldAnswersOutsideTheWindowEarnNothing) {
  c.at(100);
  auto q = c.ask("amy");
  MessageFact late;
  late.channel = "help";
  late.seq = 50;
  late.author = "bob";
  late.role = Role::customer;
  late.reply_to = q;
  late.ts = kT0 + 5 * kDay;  // a message dated 95 days ago, delivered now
  late.support = true;
  c.engine.on_message(late, c.lookup(), c.now);
  EXPECT_DOUBLE_EQ(c.score("bob"), 0);
}

}  // namespace
}  // namespace parley::advocacy::test
