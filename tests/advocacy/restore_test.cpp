// Persistence: an engine restored from another engine's mutations answers every query the
// same, and keeps behaving the same (hysteresis state, helpful-day markers, first answers).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "community.hpp"

namespace parley::advocacy {

bool operator==(const Breakdown& a, const Breakdown& b) {
  return a.user == b.user && a.name == b.name && a.score == b.score && a.answers == b.answers &&
         a.helpful == b.helpful && a.solved == b.solved && a.people_helped == b.people_helped &&
         a.active_days == b.active_days && a.last_activity == b.last_activity &&
         a.advocate == b.advocate && a.automatic == b.automatic && a.manual == b.manual;
}
bool operator==(const RiskBreakdown& a, const RiskBreakdown& b) {
  return a.user == b.user && a.name == b.name && a.risk == b.risk &&
         a.reports_upheld == b.reports_upheld && a.messages_removed == b.messages_removed &&
         a.mutes == b.mutes && a.last_event == b.last_event && a.at_risk == b.at_risk;
}
bool operator==(const Insights::Open& a, const Insights::Open& b) {
  return a.channel == b.channel && a.seq == b.seq && a.asker == b.asker && a.ts == b.ts;
}
bool operator==(const Insights& a, const Insights& b) {
  return a.from == b.from && a.to == b.to && a.questions == b.questions &&
         a.answered == b.answered && a.answered_by_customers == b.answered_by_customers &&
         a.solved == b.solved && a.median_first_answer_ms == b.median_first_answer_ms &&
         a.unanswered == b.unanswered && a.days == b.days;
}

namespace test {
namespace {

const std::vector<std::string> kUsers = {"ann", "bob", "cy", "dan", "eve", "amy", "a1", "a2",
                                         "a3", "a4", "a5", "a6", "staff1", "troll", "nobody"};

void expect_same(const Engine& a, const Engine& b, std::int64_t now) {
  for (const auto& u : kUsers) {
    EXPECT_TRUE(a.breakdown(u, now) == b.breakdown(u, now)) << u;
    EXPECT_EQ(a.is_advocate(u), b.is_advocate(u)) << u;
  }
  EXPECT_TRUE(a.ranked(1000, now) == b.ranked(1000, now));
  EXPECT_TRUE(a.at_risk(1000, now) == b.at_risk(1000, now));
  for (std::int64_t w : {kDay, 7 * kDay, 40 * kDay, 400 * kDay})
    for (const char* ch : {"", "help", "billing"})
      EXPECT_TRUE(a.insights(w, ch, now) == b.insights(w, ch, now)) << w << ch;
}

// A few weeks of a community: ann becomes an advocate, bob is granted by hand, dan is revoked
// by hand, a solution moves, an answer is removed, troll collects moderation signals.
void history(Community& c) {
  c.role("staff1", Role::staff);
  c.names["ann"] = "Ann \xC3\x85ngstr\xC3\xB6m";
  for (int d = 0; d < 5; ++d) {
    c.at(d, 9);
    auto asker = "a" + std::to_string(d + 1);
    auto q = c.ask(asker, d % 2 ? "billing" : "help");
    const std::string ch = d % 2 ? "billing" : "help";
    auto a = c.answer("ann", q, ch);
    auto b = c.answer("bob", q, ch);
    c.solve(asker, b, ch);
    c.solve(asker, a, ch);  // moved to ann
    c.helpful(asker, b, ch);
    c.answer("cy", a, ch);
    c.at(d, 11);
    c.ask("amy");  // unanswered
    c.signal("troll", Engine::Signal::report_upheld);
  }
  c.at(6, 10);
  auto q = c.ask("a6");
  auto gone = c.answer("eve", q);
  c.helpful("a6", gone);
  c.remove(gone);
  c.answer("dan", q);
  c.manual("bob", true);
  c.manual("dan", false);
  c.signal("troll", Engine::Signal::muted);
  c.signal("cy", Engine::Signal::message_removed);
}

Community restored_from(const Community& a) {
  Community b;
  b.messages = a.messages;
  b.seqs = a.seqs;
  b.roles = a.roles;
  b.names = a.names;
  b.now = a.now;
  b.kv = a.kv;  // the store it was restored from
  b.engine.restore(a.persisted(), a.now);
  b.sync();
  return b;
}

TEST(Restore, ReplayedMutationsAnswerEveryQueryIdentically) {
  Community a;
  history(a);
  ASSERT_TRUE(a.engine.is_advocate("ann"));
  ASSERT_TRUE(a.engine.is_advocate("bob"));
  ASSERT_FALSE(a.engine.at_risk(10, a.now).empty());

  Community b = restored_from(a);
  EXPECT_TRUE(b.flags().empty());      // restoring changes no flag
  EXPECT_TRUE(b.mutations().empty());  // nor writes anything
  expect_same(a.engine, b.engine, a.now);
  EXPECT_EQ(b.engine.breakdown("ann", b.now).name, "Ann \xC3\x85ngstr\xC3\xB6m");
}

TEST(Restore, AnyOrderOfRecordsGivesTheSameState) {
  Community a;
  history(a);
  auto kv = a.persisted();
  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(kv.begin(), kv.end(), rng);
    Engine b(Config{});
    b.restore(kv, a.now);
    expect_same(a.engine, b, a.now);
  }
}

TEST(Restore, TheRestoredEngineKeepsBehavingTheSame) {
  Community a;
  history(a);
  Community b = restored_from(a);
  for (Community* c : {&a, &b}) {
    c->flags();
    c->mutations();
    // a6 already used the day's earning helpful mark; dan's second answer earns nothing.
    c->helpful("a6", c->answer("dan", c->seqs["help"] - 0));
    auto q = c->ask("a6");
    auto d = c->answer("dan", q);
    c->helpful("a6", d);
    c->solve("a6", d);
    c->manual("dan", std::nullopt);
  }
  expect_same(a.engine, b.engine, a.now);
  EXPECT_EQ(a.flags().size(), b.flags().size());
  EXPECT_EQ(a.mutations().size(), b.mutations().size());
  EXPECT_EQ(a.kv, b.kv);

  // Decay on both: the hysteresis state came through the restart.
  for (std::int64_t d : {89, 90, 91, 92, 93, 94, 95, 96, 97, 120}) {
    a.at(d);
    b.at(d);
    a.tick();
    b.tick();
    expect_same(a.engine, b.engine, a.now);
    EXPECT_EQ(a.kv, b.kv) << d;
  }
  EXPECT_EQ(a.flags().size(), b.flags().size());
}

TEST(Restore, ARestartAfterDowntimeExpiresWhatLeftTheWindow) {
  Community a;
  history(a);
  auto before = a.persisted();
  a.at(93);
  a.tick();

  Engine b(Config{});
  b.restore(before, a.now);
  std::map<std::string, std::string> kv(before.begin(), before.end());
  for (auto& m : b.take_mutations()) {
    if (m.value) {
      kv[m.key] = *m.value;
    } else {
      kv.erase(m.key);
    }
  }
  EXPECT_EQ(kv, a.kv);
  expect_same(a.engine, b, a.now);
  // Only ann's flag fell while the server was down (bob is granted by hand).
  auto changes = b.take_flag_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].user, "ann");
  EXPECT_FALSE(changes[0].advocate);
  EXPECT_FALSE(b.is_advocate("ann"));
  EXPECT_TRUE(b.is_advocate("bob"));
}

TEST(Restore, MalformedRecordsAreSkipped) {
  Engine e(Config{});
  e.restore({{"a", "x"}, {std::string("a\0help\0x\0bob", 12), "1"}, {"zz", ""},
             {std::string("m\0bob", 5), "1"}},
            kT0);
  EXPECT_TRUE(e.is_advocate("bob"));
  EXPECT_DOUBLE_EQ(e.breakdown("bob", kT0).score, 0);
}

}  // namespace
}  // namespace test
}  // namespace parley::advocacy
