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

const std::vector<std::string> kUsers = {"ann", "bob", "cy",     "dan",   "eve",
                                         "amy", "a1",  "a2",     "a3",    "a4",
                                         "a5",  "a6",  "staff1", "troll", "nobody"};

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
  b.solved = a.solved;
  b.kv = a.kv;  // the store it was restored from
  a.restart(b.engine, a.persisted());
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
    a.restart(b, kv);
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
  a.restart(b, before);
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

TEST(Restore, QuestionsArePersistedAsMessagesOnlyAndLegacyRecordsAreDeleted) {
  Community a;
  a.role("staff1", Role::staff);
  a.ask("amy");
  a.answer("staff1", a.ask("bob"));
  a.mutations();
  auto q = a.ask("amy");  // names known: a question writes nothing
  EXPECT_TRUE(a.mutations().empty());
  a.answer("staff1", q);  // nor does a reply tracked for insights (staff's: no credit)
  a.answer("amy", q);
  EXPECT_TRUE(a.mutations().empty());
  for (const auto& [k, v] : a.kv) EXPECT_NE(k[0], 'q') << "no question records";

  // A data directory from before: its question records are deleted at start-up.
  auto kv = a.persisted();
  const std::string legacy(
      "q\0help\0"
      "1",
      8);
  kv.emplace_back(legacy, std::string("amy\0"
                                      "1\0"
                                      "0",
                                      7));
  Engine b(Config{});
  a.restart(b, kv);
  auto m = b.take_mutations();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].key, legacy);
  EXPECT_FALSE(m[0].value);
  expect_same(a.engine, b, a.now);
}

TEST(Restore, TheReplayFollowsThreadsLikeTheLiveEngine) {
  Community a;
  a.role("staff1", Role::staff);
  // Questions interleaved in time across channels, replayed one channel after the other.
  std::vector<std::pair<std::string, std::uint64_t>> qs;
  for (int i = 0; i < 30; ++i) {
    a.at(1, 8, i);
    const std::string ch = i % 3 == 0 ? "help" : i % 3 == 1 ? "billing" : "setup";
    qs.emplace_back(ch, a.ask("u" + std::to_string(i), ch));
  }
  a.at(1, 9);
  // Threads are followed 32 hops: a reply 33 deep is no answer, one 32 deep is.
  std::uint64_t at = qs[0].second;
  for (int hop = 0; hop < 32; ++hop) at = a.answer("u0", at);
  a.answer("bob", at);
  at = qs[3].second;
  for (int hop = 0; hop < 31; ++hop) at = a.answer("u3", at, "help");
  a.answer("bob", at, "help");
  // The asker's own reply first, then staff's, then a customer's nested under staff's.
  a.answer("u1", qs[1].second, "billing");
  auto s = a.answer("staff1", qs[1].second, "billing");
  a.answer("cy", s, "billing");
  // A removed answer and a removed question leave insights, as live.
  auto gone = a.answer("dan", qs[2].second, "setup");
  a.remove(gone, "setup");
  a.remove(qs[5].second, "setup");
  a.solve("u4", a.answer("eve", qs[4].second, "billing"), "billing");

  Engine b(Config{});
  a.restart(b, a.persisted());
  expect_same(a.engine, b, a.now);
  auto in = b.insights(7 * kDay, "", a.now);
  EXPECT_EQ(in.questions, 29u);
  EXPECT_EQ(in.answered, 3u);  // u3's (by bob), u1's (by staff), u4's (by eve)
  EXPECT_EQ(in.answered_by_customers, 2u);
  EXPECT_EQ(in.solved, 1u);
  ASSERT_EQ(in.unanswered.size(), 26u);
  EXPECT_EQ(in.unanswered[0].asker, "u0");  // oldest first across the channels
  EXPECT_EQ(in.unanswered[1].asker, "u2");
  EXPECT_EQ(in.unanswered[2].asker, "u6");

  // Both keep behaving the same: a removal of the accepted answer, a late first answer.
  for (Engine* e : {&a.engine, &b}) {
    e->on_message_removed("billing", a.solved.begin()->second, a.now);
    e->on_message({"setup", 999, "zed", "Zed", Role::customer, qs[2].second, a.now, true},
                  a.lookup(), a.now);
  }
  expect_same(a.engine, b, a.now);
  EXPECT_EQ(b.insights(7 * kDay, "", a.now).solved, 0u);
}

TEST(Restore, MalformedRecordsAreSkipped) {
  Engine e(Config{});
  e.restore({{"a", "x"},
             {std::string("a\0help\0x\0bob", 12), "1"},
             {"zz", ""},
             {std::string("m\0bob", 5), "1"}},
            kT0);
  EXPECT_TRUE(e.is_advocate("bob"));
  EXPECT_DOUBLE_EQ(e.breakdown("bob", kT0).score, 0);
}

}  // namespace
}  // namespace test
}  // namespace parley::advocacy
