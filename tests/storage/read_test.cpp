// Read paths: paging backwards and forwards, channel isolation, last_seq from disk, and seq
// continuation after a reopen.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "codec.hpp"
#include "page_util.hpp"
#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::create_req;
using testing::open_or_fail;
using testing::options_for;
using testing::Page;
using testing::read_before;
using testing::read_before_cached;
using testing::submit_wait;
using testing::TempDir;

constexpr std::uint64_t kMessages = 250;

// seqs first..last, inclusive
std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

std::vector<std::uint64_t> seqs_of(const std::vector<StoredMessage>& msgs) {
  std::vector<std::uint64_t> out;
  for (const auto& m : msgs) out.push_back(m.seq);
  return out;
}

// Fills `general` with kMessages messages, texts "m<seq>", and `gen` (a name that is a prefix of
// "general") with three, so that a scan leaking across channels would show.
void fill(Store& store, Collector& c) {
  ASSERT_EQ(submit_wait(store, c, create_req("gen", ChannelKind::chat, "Gen", 1000)).status,
            WriteStatus::ok);
  for (std::uint64_t i = 1; i <= kMessages; ++i) {
    ASSERT_TRUE(store.submit(
        append_req("general", "alice", "g" + std::to_string(i), "m" + std::to_string(i), i)));
    if (i % 100 == 0) {
      ASSERT_TRUE(store.submit(append_req("gen", "bob", std::to_string(i), "other", 2000 + i)));
    }
  }
  ASSERT_TRUE(c.wait_count(kMessages + 3));
  for (const auto& r : c.results()) ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
}

// read_before_cached serves a page from memory or says it cannot: right after writing (the
// memtable), not after a reopen (everything was flushed to a file and the block cache is new),
// and again once a disk read has brought the page's blocks into the cache. Whenever it answers,
// the answer is read_before's.
TEST(StoreRead, ReadBeforeCachedAnswersFromMemoryOnly) {
  // Texts of ~300 bytes, so that the oldest page (seqs 1-100, ~30 KB) lies in data blocks of its
  // own (the messages column family has 16 KiB blocks): opening the store reads the channel's
  // newest message, and that block must not hold the page the test expects to be cold.
  constexpr std::uint64_t kCold = 400;
  auto text = [](std::uint64_t seq) { return "m" + std::to_string(seq) + std::string(300, '.'); };
  TempDir dir;
  {
    Collector c;
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    for (std::uint64_t i = 1; i <= kCold; ++i) {
      const std::string cmid = "g" + std::to_string(i);
      ASSERT_TRUE(store->submit(append_req("general", "alice", cmid, text(i), i)));
    }
    ASSERT_TRUE(c.wait_count(kCold));
    for (const auto& r : c.results()) ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
    auto hot = read_before_cached(*store, "general", 0, 100);
    ASSERT_TRUE(hot.has_value());
    EXPECT_EQ(seqs_of(hot->messages), range(kCold - 99, kCold));
    EXPECT_TRUE(hot->has_more);
  }  // a clean close flushes the memtables
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(read_before_cached(*store, "general", 101, 100).has_value());
  Page cold = read_before(*store, "general", 101, 100);
  EXPECT_EQ(seqs_of(cold.messages), range(1, 100));
  auto warmed = read_before_cached(*store, "general", 101, 100);
  ASSERT_TRUE(warmed.has_value());
  EXPECT_EQ(seqs_of(warmed->messages), range(1, 100));
  EXPECT_FALSE(warmed->has_more);
  for (const auto& m : warmed->messages) EXPECT_EQ(m.text, text(m.seq));
}

// visit_before passes read_before's page to the visitor one message at a time, in the same
// order and with the same fields, and says how many it passed and whether older ones exist.
TEST(StoreRead, VisitBeforeSeesExactlyReadBeforesPage) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  fill(*store, c);
  struct Case {
    std::uint64_t before;
    std::size_t limit;
  };
  for (const Case& k : {Case{0, 100}, Case{151, 100}, Case{101, 100}, Case{2, 50}, Case{1, 10},
                        Case{0, 0}, Case{1000, 7}}) {
    const Page page = read_before(*store, "general", k.before, k.limit);
    std::vector<StoredMessage> seen;
    auto info = store->visit_before("general", k.before, k.limit, false,
                                    [&seen](const protocol::MessageView& m) {
                                      EXPECT_EQ(m.channel, "general");
                                      seen.push_back(codec::to_stored(m));
                                    });
    ASSERT_TRUE(info.has_value()) << k.before;
    EXPECT_EQ(info->messages, page.messages.size()) << k.before;
    EXPECT_EQ(info->has_more, page.has_more) << k.before;
    ASSERT_EQ(seqs_of(seen), seqs_of(page.messages)) << k.before;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].text, page.messages[i].text);
      EXPECT_EQ(seen[i].from_id, page.messages[i].from_id);
      EXPECT_EQ(seen[i].ts, page.messages[i].ts);
    }
  }
  // From memory only: the page is in the memtable, so it is answered, and the same.
  std::size_t n = 0;
  auto hot =
      store->visit_before("general", 0, 100, true, [&n](const protocol::MessageView&) { ++n; });
  ASSERT_TRUE(hot.has_value());
  EXPECT_EQ(hot->messages, 100u);
  EXPECT_EQ(n, 100u);
  EXPECT_TRUE(hot->has_more);
}

TEST(StoreRead, ReadBeforeWalksBackPageByPage) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  fill(*store, c);

  std::vector<std::vector<std::uint64_t>> pages;
  std::vector<bool> more;
  std::uint64_t before = 0;  // newest first
  for (int guard = 0; guard < 10; ++guard) {
    Page p = read_before(*store, "general", before, 100);
    pages.push_back(seqs_of(p.messages));
    more.push_back(p.has_more);
    for (const auto& m : p.messages) EXPECT_EQ(m.text, "m" + std::to_string(m.seq));
    if (!p.has_more) break;
    before = p.messages.front().seq;
  }
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0], range(151, 250));
  EXPECT_EQ(pages[1], range(51, 150));
  EXPECT_EQ(pages[2], range(1, 50));
  EXPECT_EQ(more, (std::vector<bool>{true, true, false}));

  // Edges of before_seq.
  EXPECT_EQ(seqs_of(read_before(*store, "general", 251, 100).messages), range(151, 250));
  Page beyond = read_before(*store, "general", 1000, 10);
  EXPECT_EQ(seqs_of(beyond.messages), range(241, 250));
  EXPECT_TRUE(beyond.has_more);
  Page exact = read_before(*store, "general", 101, 100);  // exactly 100 older messages
  EXPECT_EQ(seqs_of(exact.messages), range(1, 100));
  EXPECT_FALSE(exact.has_more);
  Page first = read_before(*store, "general", 2, 100);
  EXPECT_EQ(seqs_of(first.messages), range(1, 1));
  EXPECT_FALSE(first.has_more);
  Page none = read_before(*store, "general", 1, 100);
  EXPECT_TRUE(none.messages.empty());
  EXPECT_FALSE(none.has_more);
  Page zero = read_before(*store, "general", 0, 0);
  EXPECT_TRUE(zero.messages.empty());
  EXPECT_TRUE(zero.has_more);

  // Neighbouring channels stay apart.
  EXPECT_EQ(seqs_of(read_before(*store, "gen", 0, 100).messages), range(1, 2));
  EXPECT_TRUE(read_before(*store, "gene", 0, 100).messages.empty());
  EXPECT_TRUE(read_before(*store, "nope", 0, 100).messages.empty());
}

TEST(StoreRead, ReadAfterPagesForward) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  fill(*store, c);

  EXPECT_EQ(seqs_of(store->read_after("general", 0, 100)), range(1, 100));
  EXPECT_EQ(seqs_of(store->read_after("general", 100, 100)), range(101, 200));
  EXPECT_EQ(seqs_of(store->read_after("general", 200, 100)), range(201, 250));
  EXPECT_EQ(seqs_of(store->read_after("general", 249, 100)), range(250, 250));
  EXPECT_TRUE(store->read_after("general", 250, 100).empty());
  EXPECT_TRUE(store->read_after("general", std::numeric_limits<std::uint64_t>::max(), 5).empty());
  EXPECT_TRUE(store->read_after("general", 0, 0).empty());
  auto all = store->read_after("general", 0, std::numeric_limits<std::size_t>::max());
  ASSERT_EQ(all.size(), kMessages);
  EXPECT_EQ(all[41].text, "m42");
  EXPECT_EQ(all[41].from_id, "alice");
  EXPECT_EQ(all[41].from_name, "Name of alice");

  EXPECT_EQ(seqs_of(store->read_after("gen", 0, 100)), range(1, 2));
  EXPECT_EQ(store->read_after("gen", 0, 100)[0].text, "other");
  EXPECT_TRUE(store->read_after("gene", 0, 100).empty());
  EXPECT_EQ(store->last_seq("gen"), 2u);
}

TEST(StoreRead, FirstSeqSinceBisectsByTime) {
  TempDir dir;
  testing::ManualClock clock(1000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->first_seq_since("help", 0), 1u);  // empty: last_seq + 1
  // 100 messages, 10 per ms from 1000; the clock stepping back does not make ts decrease.
  for (std::uint64_t i = 0; i < 100; ++i) {
    clock.set(i == 57 ? 500 : 1000 + static_cast<TimestampMs>(i / 10));
    auto r = submit_wait(*store, c, append_req("help", "amy", std::to_string(i), "q", i + 1));
    ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  }
  EXPECT_EQ(store->first_seq_since("help", 0), 1u);
  EXPECT_EQ(store->first_seq_since("help", 1000), 1u);
  EXPECT_EQ(store->first_seq_since("help", 1001), 11u);
  EXPECT_EQ(store->first_seq_since("help", 1005), 51u);
  EXPECT_EQ(store->first_seq_since("help", 1006), 61u);
  EXPECT_EQ(store->first_seq_since("help", 1009), 91u);
  EXPECT_EQ(store->first_seq_since("help", 1010), 101u);  // none: last_seq + 1
  EXPECT_EQ(store->first_seq_since("general", 1000), 1u);
  EXPECT_EQ(store->first_seq_since("nope", 1000), 1u);
}

TEST(StoreRead, ReopenContinuesAtNextSeq) {
  TempDir dir;
  {
    Collector c;
    auto store = open_or_fail(options_for(dir, Durability::fsync), c);
    ASSERT_NE(store, nullptr);
    fill(*store, c);
  }
  Collector c;
  auto store = open_or_fail(options_for(dir, Durability::fsync), c);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_seq("general"), kMessages);  // from disk: nothing written yet
  EXPECT_EQ(store->last_seq("gen"), 2u);
  EXPECT_EQ(store->last_seq("help"), 0u);
  auto r = submit_wait(*store, c, append_req("general", "carol", "new", "after restart", 1));
  ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  EXPECT_EQ(as_append(r).msg.seq, kMessages + 1);
  EXPECT_EQ(store->last_seq("general"), kMessages + 1);
  Page newest = read_before(*store, "general", 0, 1);
  ASSERT_EQ(newest.messages.size(), 1u);
  EXPECT_EQ(newest.messages[0].seq, kMessages + 1);
  EXPECT_EQ(newest.messages[0].text, "after restart");
  EXPECT_TRUE(newest.has_more);
}

}  // namespace
}  // namespace parley::storage
