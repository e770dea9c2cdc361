// The question table against a plain model (std::map): lookups through growth and
// backward-shift deletions, the (ts, channel name, seq) order with late and tied questions,
// removals from the middle, and the bulk load of restore(); the tracked replies of a record.
#include "questions.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace parley::advocacy::detail {
namespace {

using Key = std::pair<std::string, std::uint64_t>;  // channel, seq

using Ordered = std::tuple<std::int64_t, std::string, std::uint64_t>;  // ts, channel, seq

struct Model {
  std::map<Key, std::int64_t> ts;  // the questions and their ts
  std::set<Ordered> order;

  void add(const Key& k, std::int64_t t) {
    ts[k] = t;
    order.emplace(t, k.first, k.second);
  }
  void remove(const Key& k) {
    order.erase({ts.at(k), k.first, k.second});
    ts.erase(k);
  }
  std::vector<Ordered> ordered() const { return {order.begin(), order.end()}; }
};

std::vector<Ordered> ordered(const QuestionTable& t, std::int64_t from = INT64_MIN) {
  std::vector<Ordered> out;
  t.for_each_from(from, [&](const QuestionTable::Entry& e, const QuestionRec& q) {
    EXPECT_EQ(q.ts, e.ts);
    out.emplace_back(e.ts, t.channel_name(e.channel), e.seq);
    return true;
  });
  return out;
}

void expect_same(QuestionTable& t, const Model& m) {
  ASSERT_EQ(t.size(), m.ts.size());
  for (const auto& [k, ts] : m.ts) {
    const QuestionRec* q = t.find(t.intern(k.first), k.second);
    ASSERT_NE(q, nullptr) << k.first << " " << k.second;
    EXPECT_EQ(q->ts, ts);
  }
  const auto want = m.ordered();
  ASSERT_EQ(ordered(t), want);
  const QuestionTable::Entry* oldest = t.oldest();
  ASSERT_EQ(oldest == nullptr, want.empty());
  if (oldest != nullptr) {
    EXPECT_EQ(std::make_tuple(oldest->ts, t.channel_name(oldest->channel), oldest->seq),
              want.front());
  }
}

TEST(QuestionTable, MatchesAModelThroughInsertsRemovalsAndExpiry) {
  // Channel names whose ids (order of first use) are not their name order, so that ties on
  // ts are ordered by name, not by id.
  const std::vector<std::string> channels = {"support-b", "help", "support-a", "billing"};
  std::mt19937_64 rng(7);
  QuestionTable t;
  Model m;
  std::map<std::string, std::uint64_t> next_seq;
  std::int64_t clock = 1'000;
  for (int step = 0; step < 60'000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    const std::string& ch = channels[rng() % channels.size()];
    if (op < 70) {
      // Mostly in ts order; sometimes tied with the newest, sometimes late.
      std::int64_t ts = clock;
      if (op < 50) {
        ts = ++clock;
      } else if (op > 65) {
        ts = clock - static_cast<std::int64_t>(rng() % 500);
      }
      const std::uint64_t seq = ++next_seq[ch];
      QuestionRec* q = t.insert(t.intern(ch), seq, ts);
      ASSERT_NE(q, nullptr);
      m.add({ch, seq}, ts);
    } else if (op < 75 && next_seq[ch] > 0) {
      // A key that is taken is refused and left alone; a free one (removed, or below the
      // channel's oldest question) is taken.
      const std::uint64_t seq = 1 + rng() % next_seq[ch];
      if (m.ts.contains({ch, seq})) {
        EXPECT_EQ(t.insert(t.intern(ch), seq, 5), nullptr);
      } else {
        ASSERT_NE(t.insert(t.intern(ch), seq, clock), nullptr);
        m.add({ch, seq}, clock);
      }
    } else if (op < 88 && next_seq[ch] > 0) {
      // Removal of any question (a deleted message): usually from the middle.
      const Key k{ch, 1 + rng() % next_seq[ch]};
      const bool known = m.ts.contains(k);
      EXPECT_EQ(t.erase(t.intern(ch), k.second), known);
      if (known) {
        m.remove(k);
        EXPECT_FALSE(t.erase(t.intern(ch), k.second));
      }
    } else if (op < 95 && !m.ts.empty()) {
      // Expiry: the oldest go.
      for (int n = 0; n < 3 && !m.ts.empty(); ++n) {
        const QuestionTable::Entry* e = t.oldest();
        ASSERT_NE(e, nullptr);
        const Key k{t.channel_name(e->channel), e->seq};
        ASSERT_EQ(std::make_tuple(e->ts, k.first, k.second), *m.order.begin());
        EXPECT_TRUE(t.erase(e->channel, e->seq));
        m.remove(k);
      }
    } else {
      // A lookup of a key never used, or removed.
      const std::uint64_t seq = next_seq[ch] + 1 + rng() % 10;
      EXPECT_EQ(t.find(t.intern(ch), seq), nullptr);
    }
    if (step % 5'000 == 0) expect_same(t, m);
  }
  expect_same(t, m);
  ASSERT_GT(m.ts.size(), 20'000u);  // the index grew many times over

  // A range starts at the first question at or after `from`.
  const std::int64_t from = clock - 1'000;
  auto want = m.ordered();
  std::erase_if(want, [&](const auto& x) { return std::get<0>(x) < from; });
  EXPECT_EQ(ordered(t, from), want);
}

TEST(QuestionTable, BulkLoadsSortAndMergeOnceAndClearEmpties) {
  QuestionTable t;
  Model m;
  std::mt19937_64 rng(11);
  t.begin_bulk();
  for (std::uint64_t seq = 1; seq <= 5'000; ++seq) {
    const std::string ch = seq % 3 == 0 ? "help" : "billing";
    const auto ts = static_cast<std::int64_t>(rng() % 2'000);  // any order, many ties
    ASSERT_NE(t.insert(t.intern(ch), seq, ts), nullptr);
    m.add({ch, seq}, ts);
  }
  // A removal while loading still leaves a consistent table.
  EXPECT_TRUE(t.erase(t.intern("help"), 3));
  m.remove({"help", 3});
  t.end_bulk();
  expect_same(t, m);

  // A second bulk load (the next channel of a replay) merges into what is there.
  t.begin_bulk();
  for (std::uint64_t seq = 1; seq <= 3'000; ++seq) {
    const auto ts = static_cast<std::int64_t>(rng() % 3'000);
    ASSERT_NE(t.insert(t.intern("setup"), seq, ts), nullptr);
    m.add({"setup", seq}, ts);
  }
  t.end_bulk();
  expect_same(t, m);
  t.end_bulk();  // a no-op outside a bulk load
  expect_same(t, m);

  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.oldest(), nullptr);
  EXPECT_EQ(t.find(t.intern("help"), 6), nullptr);
  EXPECT_TRUE(ordered(t).empty());
  ASSERT_NE(t.insert(t.intern("help"), 6, 1), nullptr);
  EXPECT_NE(t.find(t.intern("help"), 6), nullptr);
}

TEST(QuestionRec, KeepsTheEarliestRepliesInSeqOrderWithTheirOrigin) {
  QuestionRec q;
  EXPECT_TRUE(q.add_reply({9, 90, true}));
  EXPECT_TRUE(q.add_reply({5, 50, false}));
  EXPECT_FALSE(q.add_reply({5, 51, true}));  // known
  EXPECT_TRUE(q.add_reply({7, 70, true}));
  EXPECT_TRUE(q.add_reply({6, 60, false}));
  EXPECT_FALSE(q.add_reply({8, 80, true}));  // full
  ASSERT_EQ(q.replies(), kTrackedReplies);
  const std::vector<std::tuple<std::uint64_t, std::int64_t, bool>> want = {
      {5, 50, false}, {6, 60, false}, {7, 70, true}, {9, 90, true}};
  for (std::size_t i = 0; i < q.replies(); ++i) {
    EXPECT_EQ(std::make_tuple(q.reply(i).seq, q.reply(i).ts, q.reply(i).customer), want[i]);
  }
  EXPECT_TRUE(q.has_reply(7));
  EXPECT_FALSE(q.has_reply(8));

  q.remove_reply(6);
  q.remove_reply(42);  // not tracked: nothing happens
  ASSERT_EQ(q.replies(), 3u);
  Reply out[kTrackedReplies];
  ASSERT_EQ(q.copy_replies(out), 3u);
  EXPECT_EQ(out[0].seq, 5u);
  EXPECT_FALSE(out[0].customer);
  EXPECT_EQ(out[1].seq, 7u);
  EXPECT_TRUE(out[1].customer);
  EXPECT_EQ(out[2].seq, 9u);
  EXPECT_TRUE(out[2].customer);
  EXPECT_TRUE(q.add_reply({1, 10, true}));  // room again, and it goes first
  EXPECT_EQ(q.reply(0).seq, 1u);
  EXPECT_TRUE(q.reply(0).customer);
  EXPECT_FALSE(q.reply(1).customer);
}

}  // namespace
}  // namespace parley::advocacy::detail
