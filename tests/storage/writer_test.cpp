// The group-commit writer: seq assignment, idempotency, channel checks, the bounded queue,
// draining on close, and timestamps.
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "page_util.hpp"
#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::create_req;
using testing::HeldWriter;
using testing::ManualClock;
using testing::open_or_fail;
using testing::options_for;
using testing::Page;
using testing::read_before;
using testing::read_before_cached;
using testing::submit_wait;
using testing::TempDir;

TEST(StoreWriter, SeqsHaveNoHolesUnderConcurrentSubmit) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 600;
  constexpr std::uint64_t kTotal = kThreads * kPerThread;
  const std::string channels[2] = {"general", "help"};

  TempDir dir;
  Collector c;
  auto o = options_for(dir, Durability::fsync);
  o.max_batch = 64;  // many batches, so seqs must continue correctly from batch to batch
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);

  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();  // maximise interleaving
      for (int i = 0; i < kPerThread; ++i) {
        const std::uint64_t cookie = std::uint64_t(t) * kPerThread + i + 1;
        auto req = append_req(channels[i % 2], "user" + std::to_string(t), std::to_string(i),
                              "text " + std::to_string(cookie), cookie);
        req.origin = t;
        EXPECT_TRUE(store->submit(std::move(req)));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(c.wait_count(kTotal));

  auto results = c.results();
  ASSERT_EQ(results.size(), kTotal);  // the handler saw every request exactly once...
  std::set<std::uint64_t> cookies;
  std::map<std::string, std::set<std::uint64_t>> seqs;
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> cookie_of;
  std::map<std::pair<std::uint64_t, std::string>, std::uint64_t> last_seq_of_thread;
  for (const auto& r : results) {
    ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
    cookies.insert(r.req.cookie);
    const auto& a = as_append(r);
    EXPECT_TRUE(seqs[a.channel].insert(a.msg.seq).second) << "seq reused: " << a.msg.seq;
    cookie_of[{a.channel, a.msg.seq}] = r.req.cookie;
    // One thread's requests are queued in order, so their seqs must rise in that order.
    auto& prev = last_seq_of_thread[{r.req.origin, a.channel}];
    EXPECT_GT(a.msg.seq, prev);
    prev = a.msg.seq;
  }
  EXPECT_EQ(cookies.size(), kTotal);  // ...and no request twice
  EXPECT_EQ(*cookies.begin(), 1u);
  EXPECT_EQ(*cookies.rbegin(), kTotal);

  for (const auto& ch : channels) {
    const std::uint64_t n = kTotal / 2;
    const auto& s = seqs[ch];
    ASSERT_EQ(s.size(), n) << ch;
    EXPECT_EQ(*s.begin(), 1u) << ch;  // a set of n distinct values from 1 to n is exactly 1..n
    EXPECT_EQ(*s.rbegin(), n) << ch;
    EXPECT_EQ(store->last_seq(ch), n);

    auto stored = store->read_after(ch, 0, kTotal);
    ASSERT_EQ(stored.size(), n);
    for (std::size_t i = 0; i < stored.size(); ++i) {
      EXPECT_EQ(stored[i].seq, i + 1);
      if (i > 0) {
        EXPECT_GE(stored[i].ts, stored[i - 1].ts);
      }
      EXPECT_EQ(stored[i].text, "text " + std::to_string(cookie_of[{ch, stored[i].seq}]));
    }
  }
}

TEST(StoreWriter, DuplicateWithinOneBatchGetsTheFirstAck) {
  TempDir dir;
  HeldWriter held(options_for(dir), append_req("general", "zed", "warmup", "w", 1));
  ASSERT_NE(held.store,
            nullptr);  // everything below queues up behind the stalled writer: one batch
  auto& store = held.store;
  Collector& c = held.c;
  ASSERT_TRUE(store->submit(append_req("help", "alice", "m1", "first", 2)));
  ASSERT_TRUE(store->submit(append_req("general", "alice", "m1", "second", 3)));
  ASSERT_TRUE(store->submit(append_req("help", "bob", "m1", "other user", 4)));
  held.release();
  ASSERT_TRUE(c.wait_count(4));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, 3}));

  auto first = c.wait_cookie(2);
  auto dup = c.wait_cookie(3);
  auto other = c.wait_cookie(4);
  EXPECT_EQ(first.status, WriteStatus::ok);
  EXPECT_EQ(as_append(first).msg.seq, 1u);
  EXPECT_EQ(dup.status, WriteStatus::duplicate);
  EXPECT_EQ(as_append(dup).channel, "help");  // the original's channel, not the one asked for
  EXPECT_EQ(as_append(dup).msg.seq, as_append(first).msg.seq);
  EXPECT_EQ(as_append(dup).msg.ts, as_append(first).msg.ts);
  EXPECT_EQ(other.status, WriteStatus::ok);  // the key is scoped to the user
  EXPECT_EQ(as_append(other).msg.seq, 2u);

  EXPECT_EQ(store->last_seq("general"), 1u);  // the warmup only
  auto help = store->read_after("help", 0, 10);
  ASSERT_EQ(help.size(), 2u);
  EXPECT_EQ(help[0].text, "first");
  EXPECT_EQ(help[1].text, "other user");
}

TEST(StoreWriter, DuplicateAcrossBatchesAndReopenGetsTheOriginalAck) {
  TempDir dir;
  ManualClock clock(1000);
  auto o = options_for(dir, Durability::fsync);
  o.clock = clock.fn();
  {
    Collector c;
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    auto r1 = submit_wait(*store, c, append_req("help", "alice", "m1", "hello", 1));
    ASSERT_EQ(r1.status, WriteStatus::ok);
    EXPECT_EQ(as_append(r1).msg.seq, 1u);
    EXPECT_EQ(as_append(r1).msg.ts, 1000);

    clock.set(2000);
    auto r2 = submit_wait(*store, c, append_req("general", "alice", "m1", "again", 2));
    EXPECT_EQ(r2.status, WriteStatus::duplicate);
    EXPECT_EQ(as_append(r2).channel, "help");
    EXPECT_EQ(as_append(r2).msg.seq, 1u);
    EXPECT_EQ(as_append(r2).msg.ts, 1000);
    EXPECT_EQ(store->last_seq("help"), 1u);
    EXPECT_EQ(store->last_seq("general"), 0u);
  }
  clock.set(3000);
  Collector c;
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  auto r3 = submit_wait(*store, c, append_req("help", "alice", "m1", "hello", 3));
  EXPECT_EQ(r3.status, WriteStatus::duplicate);
  EXPECT_EQ(as_append(r3).channel, "help");
  EXPECT_EQ(as_append(r3).msg.seq, 1u);
  EXPECT_EQ(as_append(r3).msg.ts, 1000);
  EXPECT_EQ(store->last_seq("help"), 1u);
  EXPECT_EQ(store->read_after("help", 0, 10).size(), 1u);

  auto r4 = submit_wait(*store, c, append_req("help", "alice", "m2", "new", 4));
  EXPECT_EQ(r4.status, WriteStatus::ok);
  EXPECT_EQ(as_append(r4).msg.seq, 2u);
  EXPECT_EQ(as_append(r4).msg.ts, 3000);
}

TEST(StoreWriter, UnknownChannelIsNotFound) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  using namespace std::string_literals;
  int cookie = 0;
  for (std::string name : {"nope"s, "dm:bob:alice"s, "dm:alice"s, ""s, "help\0x"s}) {
    ++cookie;
    auto r = submit_wait(*store, c, append_req(name, "alice", "n" + name, "x", cookie));
    EXPECT_EQ(r.status, WriteStatus::not_found) << name;
    EXPECT_EQ(as_append(r).msg.seq, 0u);
    EXPECT_EQ(store->last_seq(name), 0u);
  }
  // The refused client_msg_id was not consumed: the same id works on a real channel.
  auto ok = submit_wait(*store, c, append_req("help", "alice", "nnope", "x", cookie + 1));
  EXPECT_EQ(ok.status, WriteStatus::ok);
  EXPECT_EQ(as_append(ok).msg.seq, 1u);
}

TEST(StoreWriter, DmChannelsAreImplicit) {
  TempDir dir;
  const std::string dm = "dm:alice:bob";
  {
    Collector c;
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    for (std::uint64_t i = 1; i <= 2; ++i) {
      auto r = submit_wait(*store, c, append_req(dm, "alice", std::to_string(i), "psst", i));
      ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
      EXPECT_EQ(as_append(r).msg.seq, i);
    }
    EXPECT_EQ(store->last_seq(dm), 2u);
    EXPECT_EQ(store->list_channels().size(), 2u);
  }
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_seq(dm), 2u);
  auto r = submit_wait(*store, c, append_req(dm, "bob", "1", "hi", 3));
  ASSERT_EQ(r.status, WriteStatus::ok);
  EXPECT_EQ(as_append(r).msg.seq, 3u);
  EXPECT_EQ(store->list_channels().size(), 2u);
}

TEST(StoreWriter, AppendToChannelCreatedEarlierInTheSameBatch) {
  TempDir dir;
  HeldWriter held(options_for(dir), append_req("general", "zed", "warmup", "w", 1));
  ASSERT_NE(held.store, nullptr);
  auto& store = held.store;
  Collector& c = held.c;
  ASSERT_TRUE(store->submit(append_req("fresh", "alice", "m0", "too early?", 2)));
  ASSERT_TRUE(store->submit(create_req("fresh", ChannelKind::chat, "Fresh", 3)));
  ASSERT_TRUE(store->submit(append_req("fresh", "alice", "m1", "first", 4)));
  ASSERT_TRUE(store->submit(create_req("fresh", ChannelKind::support, "Again", 5)));
  held.release();
  ASSERT_TRUE(c.wait_count(5));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(c.wait_cookie(2).status, WriteStatus::not_found);  // submission order decides
  EXPECT_EQ(c.wait_cookie(3).status, WriteStatus::ok);
  auto first = c.wait_cookie(4);
  EXPECT_EQ(first.status, WriteStatus::ok);
  EXPECT_EQ(as_append(first).msg.seq, 1u);
  EXPECT_EQ(c.wait_cookie(5).status, WriteStatus::conflict);
  EXPECT_EQ(store->get_channel("fresh")->title, "Fresh");
}

TEST(StoreWriter, CloseDrainsEverythingQueued) {
  constexpr std::uint64_t kPending = 5000;
  TempDir dir;
  auto o = options_for(dir, Durability::fsync);
  o.max_batch = 64;
  HeldWriter held(o, append_req("general", "zed", "warmup", "w", 0));
  ASSERT_NE(held.store, nullptr);
  auto& store = held.store;
  Collector& c = held.c;
  for (std::uint64_t i = 1; i <= kPending; ++i) {
    ASSERT_TRUE(
        store->submit(append_req(i % 3 ? "general" : "help", "u", std::to_string(i), "t", i)));
  }
  EXPECT_EQ(store->queue_depth(), kPending);
  held.release();
  store->close();

  // Everything accepted was committed and reported before close() returned...
  auto results = c.results();
  ASSERT_EQ(results.size(), kPending + 1);
  for (std::uint64_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].req.cookie, i);  // ...in submission order
    EXPECT_EQ(results[i].status, WriteStatus::ok) << results[i].error;
  }
  EXPECT_GT(c.batch_sizes().size(), kPending / 64);  // max_batch was honoured
  EXPECT_EQ(store->queue_depth(), 0u);

  // ...and a closed store refuses new work but stays safe to call.
  EXPECT_FALSE(store->submit(append_req("general", "u", "late", "t", kPending + 1)));
  store->close();
  EXPECT_TRUE(store->read_after("general", 0, 10).empty());
  EXPECT_FALSE(read_before(*store, "general", 0, 10).has_more);
  EXPECT_EQ(c.results().size(), kPending + 1);

  Collector c2;
  auto reopened = open_or_fail(o, c2);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->last_seq("general") + reopened->last_seq("help"), kPending + 1);
}

TEST(StoreWriter, FullQueueRefusesSubmit) {
  TempDir dir;
  auto o = options_for(dir);
  o.max_queue = 4;
  HeldWriter held(o, append_req("general", "u", "0", "t", 0));
  ASSERT_NE(held.store, nullptr);  // the writer holds request 0; the queue itself is empty
  auto& store = held.store;
  Collector& c = held.c;
  for (std::uint64_t i = 1; i <= 4; ++i) {
    EXPECT_TRUE(store->submit(append_req("general", "u", std::to_string(i), "t", i)));
  }
  EXPECT_EQ(store->queue_depth(), 4u);
  EXPECT_FALSE(store->submit(append_req("general", "u", "5", "t", 5)));
  EXPECT_EQ(store->queue_depth(), 4u);
  held.release();
  ASSERT_TRUE(c.wait_count(5));
  EXPECT_EQ(store->last_seq("general"), 5u);
  // Room again once the writer caught up.
  auto r = submit_wait(*store, c, append_req("general", "u", "6", "t", 6));
  EXPECT_EQ(as_append(r).msg.seq, 6u);
}

TEST(StoreWriter, TimestampsComeFromTheClockAndNeverGoBack) {
  TempDir dir;
  ManualClock clock(1000);
  auto o = options_for(dir);
  o.clock = clock.fn();
  int cookie = 0;
  auto ts_of = [&](Store& s, Collector& c, const std::string& ch) {
    ++cookie;
    auto r = submit_wait(s, c, append_req(ch, "u", std::to_string(cookie), "t", cookie));
    EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    return as_append(r).msg.ts;
  };
  {
    Collector c;
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(ts_of(*store, c, "general"), 1000);
    clock.set(500);  // the clock steps back
    EXPECT_EQ(ts_of(*store, c, "general"), 1000);
    EXPECT_EQ(ts_of(*store, c, "help"), 500);  // the floor is per channel
    clock.set(2000);
    EXPECT_EQ(ts_of(*store, c, "general"), 2000);
    auto stored = store->read_after("general", 0, 10);
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[1].ts, 1000);
    EXPECT_EQ(stored[2].ts, 2000);
  }
  clock.set(10);  // a restart with a clock far behind: the floor comes from disk
  Collector c;
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ts_of(*store, c, "general"), 2000);
  EXPECT_EQ(ts_of(*store, c, "help"), 500);
}

}  // namespace
}  // namespace parley::storage
