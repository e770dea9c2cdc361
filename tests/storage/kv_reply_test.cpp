// reply_to validation at append, and the advocacy key/value records.
#include <gtest/gtest.h>

#include <map>

#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::Collector;
using testing::open_or_fail;
using testing::options_for;
using testing::submit_wait;
using testing::TempDir;

TEST(StoreReplyTo, MustNameAnEarlierMessageOfTheChannel) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  ASSERT_EQ(submit_wait(*store, c, append_req("help", "ann", "q1", "question", 1)).status,
            WriteStatus::ok);
  auto reply = append_req("help", "bob", "a1", "answer", 2);
  std::get<AppendMessage>(reply.op).msg.reply_to = 1;
  EXPECT_EQ(submit_wait(*store, c, std::move(reply)).status, WriteStatus::ok);
  // seq 3 would be this message itself; 7 does not exist; nothing is stored for either.
  for (std::uint64_t bad : {3u, 7u}) {
    auto r = append_req("help", "bob", "bad" + std::to_string(bad), "dangling", 10 + bad);
    std::get<AppendMessage>(r.op).msg.reply_to = bad;
    auto res = submit_wait(*store, c, std::move(r));
    EXPECT_EQ(res.status, WriteStatus::not_found);
    EXPECT_EQ(res.error, "reply_to");
  }
  EXPECT_EQ(store->last_seq("help"), 2u);
  // A message in another channel does not count.
  auto other = append_req("general", "bob", "g1", "x", 20);
  std::get<AppendMessage>(other.op).msg.reply_to = 1;
  EXPECT_EQ(submit_wait(*store, c, std::move(other)).status, WriteStatus::not_found);
}

TEST(StoreKv, PutDeleteScanAndSurviveReopen) {
  TempDir dir;
  Collector c;
  {
    auto store = open_or_fail(options_for(dir), c);
    std::uint64_t cookie = 1;
    auto put = [&](std::string k, std::string v) {
      WriteRequest r;
      r.op = KvWrite{{KvEntry{std::move(k), std::move(v)}}};
      r.cookie = cookie++;
      EXPECT_EQ(submit_wait(*store, c, std::move(r)).status, WriteStatus::ok);
    };
    put(std::string("c\0b", 3), "2");
    put(std::string("c\0a", 3), "1");
    put(std::string("f\0a", 3), std::string("\0x", 2));
    put("g", "");
    WriteRequest del;
    del.op = KvWrite{{KvEntry{"g", std::nullopt}}};
    del.cookie = cookie++;
    EXPECT_EQ(submit_wait(*store, c, std::move(del)).status, WriteStatus::ok);
    WriteRequest del_absent;
    del_absent.op = KvWrite{{KvEntry{"nothing", std::nullopt}}};
    del_absent.cookie = cookie++;
    EXPECT_EQ(submit_wait(*store, c, std::move(del_absent)).status, WriteStatus::ok);
    store->close();
  }
  auto store = open_or_fail(options_for(dir), c);
  auto all = store->kv_scan("");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].first, std::string("c\0a", 3));
  EXPECT_EQ(all[1].second, "2");
  EXPECT_EQ(all[2].second, std::string("\0x", 2));
  auto cs = store->kv_scan(std::string("c\0", 2));
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].second, "1");
  EXPECT_TRUE(store->kv_scan("z").empty());
}

TEST(StoreKv, OneWriteAppliesItsEntriesInOrder) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  WriteRequest r;
  r.op = KvWrite{{KvEntry{"a", "1"}, KvEntry{"b", "2"}, KvEntry{"a", std::nullopt},
                  KvEntry{"b", "3"}, KvEntry{"c", "4"}}};
  r.cookie = 1;
  EXPECT_EQ(submit_wait(*store, c, std::move(r)).status, WriteStatus::ok);
  auto all = store->kv_scan("");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], (std::pair<std::string, std::string>{"b", "3"}));
  EXPECT_EQ(all[1], (std::pair<std::string, std::string>{"c", "4"}));
}

// Below min_free_bytes every write is refused before anything is built: no seq is used up,
// reads go on, and writes resume once there is room (here: the floor lowered on reopen).
TEST(StoreDiskSpace, WritesAreRefusedBelowTheFloorAndResumeAbove) {
  TempDir dir;
  Collector c;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_EQ(submit_wait(*store, c, append_req("general", "ann", "a1", "before", 1)).status,
              WriteStatus::ok);
    store->close();
  }
  {
    auto opts = options_for(dir);
    opts.min_free_bytes = std::uint64_t{1} << 62;  // more than any disk has
    auto store = open_or_fail(opts, c);
    for (int i = 0; i < 3; ++i) {
      auto r = submit_wait(*store, c,
                           append_req("general", "ann", "f" + std::to_string(i), "x", 10 + i));
      EXPECT_EQ(r.status, WriteStatus::error);
      EXPECT_EQ(r.error.rfind("disk full: ", 0), 0u) << r.error;
    }
    WriteRequest kv;
    kv.op = KvWrite{{KvEntry{"k", "v"}}};
    kv.cookie = 99;
    EXPECT_EQ(submit_wait(*store, c, std::move(kv)).status, WriteStatus::error);
    EXPECT_EQ(store->last_seq("general"), 1u);
    EXPECT_EQ(store->read_after("general", 0, 10).size(), 1u);
    EXPECT_TRUE(store->kv_scan("").empty());
    store->close();
  }
  auto store = open_or_fail(options_for(dir), c);  // default floor: 64 MiB
  auto r = submit_wait(*store, c, append_req("general", "ann", "a2", "after", 3));
  ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  EXPECT_EQ(std::get<AppendMessage>(r.req.op).msg.seq, 2u);  // no hole from the refused ones
}

TEST(StoreStats, CommitLatencyAndEngineFigures) {
  TempDir dir;
  Collector c;
  auto store = open_or_fail(options_for(dir), c);
  EXPECT_EQ(store->commit_latency().count, 0u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        submit_wait(*store, c, append_req("general", "ann", "s" + std::to_string(i), "x", 20 + i))
            .status,
        WriteStatus::ok);
  }
  auto lat = store->commit_latency();
  EXPECT_EQ(lat.count, 5u);  // one commit per request here: each waited for the previous
  std::uint64_t in_buckets = 0;
  for (auto n : lat.counts) in_buckets += n;
  EXPECT_EQ(in_buckets, lat.count);
  auto stats = store->engine_stats();
  std::map<std::string, std::uint64_t> by_name(stats.begin(), stats.end());
  for (const char* name :
       {"live_data_bytes", "sst_files_bytes", "memtable_bytes", "estimated_keys",
        "running_compactions", "background_errors", "block_cache_bytes", "write_stopped"}) {
    EXPECT_TRUE(by_name.contains(name)) << name;
  }
  EXPECT_GT(by_name["memtable_bytes"], 0u);  // the five messages are in the memtables
  EXPECT_GE(by_name["estimated_keys"], 5u);
  EXPECT_EQ(by_name["background_errors"], 0u);
  EXPECT_EQ(by_name["write_stopped"], 0u);
  store->close();
  EXPECT_TRUE(store->engine_stats().empty());
}

}  // namespace
}  // namespace parley::storage
