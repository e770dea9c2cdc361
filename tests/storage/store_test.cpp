// Store lifecycle: open, default channels, the channel directory, reopen, failure reporting and
// what happens when the files hold something unexpected.
#include "parley/storage/store.hpp"

#include <gtest/gtest.h>
#include <rocksdb/convenience.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "codec.hpp"
#include "page_util.hpp"
#include "raw_db.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::create_req;
using testing::ManualClock;
using testing::open_or_fail;
using testing::options_for;
using testing::Page;
using testing::raw_put;
using testing::read_before;
using testing::read_before_cached;
using testing::submit_wait;
using testing::TempDir;

TEST(StoreOpen, FreshStoreHasHelpAndGeneral) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);

  auto help = store->get_channel("help");
  ASSERT_TRUE(help.has_value());
  EXPECT_EQ(help->kind, ChannelKind::support);
  EXPECT_EQ(help->title, "Help");
  EXPECT_EQ(help->created_ms, 1'700'000'000'000);
  EXPECT_NE(help->epoch, 0u);
  EXPECT_LT(help->epoch, 1ull << 53);  // exact in JavaScript
  EXPECT_FALSE(help->archived);

  auto general = store->get_channel("general");
  ASSERT_TRUE(general.has_value());
  EXPECT_EQ(general->kind, ChannelKind::chat);
  EXPECT_EQ(general->title, "General");
  EXPECT_NE(general->epoch, 0u);
  EXPECT_NE(general->epoch, help->epoch);

  auto all = store->list_channels();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "general");  // sorted by name
  EXPECT_EQ(all[1].name, "help");

  EXPECT_EQ(store->get_channel("nope"), std::nullopt);
  EXPECT_EQ(store->last_seq("help"), 0u);
  EXPECT_EQ(store->queue_depth(), 0u);
}

TEST(StoreOpen, ReopenKeepsChannelsAndEpochs) {
  TempDir dir;
  Collector c;
  ChannelInfo help_before;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    help_before = *store->get_channel("help");
  }
  ManualClock later(9);
  auto o = options_for(dir);
  o.clock = later.fn();
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  auto help = store->get_channel("help");
  ASSERT_TRUE(help.has_value());
  // Not recreated: a new epoch would tell every client that history was reset.
  EXPECT_EQ(help->epoch, help_before.epoch);
  EXPECT_EQ(help->created_ms, help_before.created_ms);
  EXPECT_EQ(store->list_channels().size(), 2u);
}

// Opens a store and closes it again, so that RocksDB has written the OPTIONS file of what the
// open database used. False when the store did not open.
bool open_and_close(const Options& o) {
  Collector c;
  return open_or_fail(o, c) != nullptr;
}

// History pages read runs of consecutive messages: the messages column family has larger data
// blocks than the others (store.cpp, kMessageBlockBytes). Read back from the OPTIONS file
// RocksDB wrote, i.e. what the open database really used.
TEST(StoreOpen, MessagesHaveLargerDataBlocksThanOtherColumnFamilies) {
  TempDir dir;
  auto o = options_for(dir);
  ASSERT_TRUE(open_and_close(o));
  rocksdb::ConfigOptions config;
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  ASSERT_TRUE(rocksdb::LoadLatestOptions(config, o.path, &db_options, &cfs).ok());
  auto block_size = [&](const std::string& name) -> std::size_t {
    for (const auto& cf : cfs) {
      if (cf.name != name) continue;
      const auto* t = cf.options.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
      return t != nullptr ? t->block_size : 0;
    }
    return 0;
  };
  EXPECT_EQ(block_size("messages"), 16u * 1024);
  EXPECT_EQ(block_size("idempotency"), 4u * 1024);
  EXPECT_EQ(block_size("channels"), 4u * 1024);
}

// The storage writer's memtable inserts start from a hint: the message's channel, and the
// idempotency key's user (store.cpp). RocksDB cannot load custom SliceTransforms back from its
// OPTIONS file, so the test reads the file's text: it names what the open database really used.
TEST(StoreOpen, MemtableInsertHintsForMessagesAndIdempotency) {
  TempDir dir;
  auto o = options_for(dir);
  ASSERT_TRUE(open_and_close(o));
  std::string file;
  ASSERT_TRUE(rocksdb::GetLatestOptionsFileName(o.path, rocksdb::Env::Default(), &file).ok());
  std::ifstream in(o.path + "/" + file);
  ASSERT_TRUE(in) << file;
  std::map<std::string, std::string> hint;  // column family -> extractor name
  std::string line, cf;
  while (std::getline(in, line)) {
    if (line.rfind("[CFOptions \"", 0) == 0) cf = line.substr(12, line.size() - 14);
    const std::string key = "  memtable_insert_with_hint_prefix_extractor=";
    if (!cf.empty() && line.rfind(key, 0) == 0) hint[cf] = line.substr(key.size());
  }
  EXPECT_EQ(hint["messages"], "parley.ChannelOfMessageKey");
  EXPECT_EQ(hint["idempotency"], "parley.UserOfIdempotencyKey");
  EXPECT_EQ(hint["channels"], "nullptr");
}

TEST(StoreOpen, FailuresAreReportedNotThrown) {
  Collector c;
  std::string error;
  Options empty;
  EXPECT_EQ(Store::open(empty, c.handler(), &error), nullptr);
  EXPECT_FALSE(error.empty());

  TempDir dir;
  auto first = open_or_fail(options_for(dir), c);
  ASSERT_NE(first, nullptr);
  error.clear();
  // RocksDB's LOCK file keeps a second store off the same database.
  EXPECT_EQ(Store::open(options_for(dir), c.handler(), &error), nullptr);
  EXPECT_NE(error.find(dir.db()), std::string::npos) << error;
  first->close();
  auto again = Store::open(options_for(dir), c.handler(), &error);
  EXPECT_NE(again, nullptr) << error;
}

TEST(StoreOpen, NewerSchemaIsRefused) {
  TempDir dir;
  Collector c;
  {
    auto first = open_or_fail(options_for(dir), c);
    ASSERT_NE(first, nullptr);
  }
  raw_put(dir.db(), "meta", std::string(codec::kSchemaKey),
          codec::encode_schema_version(codec::kSchemaVersion + 1));
  std::string error;
  EXPECT_EQ(Store::open(options_for(dir), c.handler(), &error), nullptr);
  EXPECT_NE(error.find("schema"), std::string::npos) << error;
}

TEST(StoreChannels, DmNamesResolveImplicitly) {
  TempDir dir;
  Collector c;
  std::uint64_t epoch = 0;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    auto dm = store->get_channel("dm:alice:bob");
    ASSERT_TRUE(dm.has_value());
    EXPECT_EQ(dm->kind, ChannelKind::dm);
    epoch = dm->epoch;
    EXPECT_GT(epoch, 1u);  // drawn, not a constant: a reset store is seen by resuming clients
    EXPECT_LT(epoch, 1ull << 53);
    EXPECT_EQ(store->get_channel("dm:carol:dave")->epoch, epoch);  // one for all DMs
    EXPECT_EQ(store->get_channel("dm:bob:alice"), std::nullopt);   // not canonical
    EXPECT_EQ(store->get_channel("dm:alice:alice"), std::nullopt);
    EXPECT_EQ(store->list_channels().size(), 2u);  // DMs are never listed
  }
  // Kept across a reopen; a new store draws another.
  auto again = open_or_fail(options_for(dir), c);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->get_channel("dm:alice:bob")->epoch, epoch);
  again.reset();
  TempDir other;
  auto fresh = open_or_fail(options_for(other), c);
  ASSERT_NE(fresh, nullptr);
  EXPECT_NE(fresh->get_channel("dm:alice:bob")->epoch, epoch);
}

TEST(StoreChannels, CreateConflictAndSurviveReopen) {
  TempDir dir;
  ManualClock clock(5000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  {
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    auto r = submit_wait(*store, c, create_req("releases", ChannelKind::announce, "Releases", 1));
    EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    const auto& created = std::get<CreateChannel>(r.req.op).info;
    EXPECT_EQ(created.created_ms, 5000);  // filled in by the writer
    EXPECT_NE(created.epoch, 0u);

    auto info = store->get_channel("releases");
    ASSERT_TRUE(info.has_value());  // visible as soon as the commit is reported
    EXPECT_EQ(info->kind, ChannelKind::announce);
    EXPECT_EQ(info->epoch, created.epoch);

    EXPECT_EQ(submit_wait(*store, c, create_req("releases", ChannelKind::chat, "x", 2)).status,
              WriteStatus::conflict);
    EXPECT_EQ(submit_wait(*store, c, create_req("help", ChannelKind::chat, "x", 3)).status,
              WriteStatus::conflict);
    EXPECT_EQ(submit_wait(*store, c, create_req("dm:alice:bob", ChannelKind::chat, "x", 4)).status,
              WriteStatus::conflict);
    EXPECT_EQ(submit_wait(*store, c, create_req("", ChannelKind::chat, "x", 5)).status,
              WriteStatus::error);
    EXPECT_EQ(submit_wait(*store, c, create_req("odd", ChannelKind::dm, "x", 6)).status,
              WriteStatus::error);
    // A rejected request does not spoil the rest of its batch.
    EXPECT_EQ(submit_wait(*store, c, create_req("later", ChannelKind::chat, "Later", 7)).status,
              WriteStatus::ok);
  }
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  auto info = store->get_channel("releases");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->kind, ChannelKind::announce);
  EXPECT_EQ(info->title, "Releases");
  EXPECT_EQ(info->created_ms, 5000);
  std::vector<std::string> names;
  for (const auto& ch : store->list_channels()) names.push_back(ch.name);
  EXPECT_EQ(names, (std::vector<std::string>{"general", "help", "later", "releases"}));
  EXPECT_EQ(submit_wait(*store, c, create_req("releases", ChannelKind::chat, "x", 8)).status,
            WriteStatus::conflict);
}

TEST(StoreChannels, ArchivedChannelRefusesAppends) {
  TempDir dir;
  Collector c;
  {
    auto first = open_or_fail(options_for(dir), c);
    ASSERT_NE(first, nullptr);
  }
  ChannelInfo old{"old", ChannelKind::chat, "Old", 1, 77, true, 0, false, std::nullopt};
  raw_put(dir.db(), "channels", old.name, codec::encode_channel(old));

  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  auto info = store->get_channel("old");
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->archived);
  EXPECT_EQ(submit_wait(*store, c, append_req("old", "alice", "m1", "hi", 1)).status,
            WriteStatus::not_found);
  EXPECT_EQ(submit_wait(*store, c, create_req("old", ChannelKind::chat, "x", 2)).status,
            WriteStatus::conflict);
}

TEST(StoreCorruption, UndecodableValuesAreSkipped) {
  TempDir dir;
  Collector c;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    for (std::uint64_t i = 1; i <= 3; ++i) {
      auto r = submit_wait(*store, c, append_req("general", "alice", std::to_string(i), "m", i));
      ASSERT_EQ(r.status, WriteStatus::ok);
    }
  }
  raw_put(dir.db(), "messages", codec::message_key("general", 2), "\x09garbage");
  raw_put(dir.db(), "channels", "broken", "\x01");

  auto store = open_or_fail(options_for(dir), c);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->get_channel("broken"), std::nullopt);
  auto msgs = store->read_after("general", 0, 10);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].seq, 1u);
  EXPECT_EQ(msgs[1].seq, 3u);
  auto page = read_before(*store, "general", 0, 10);
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(page.messages[0].seq, 1u);
  // The seq counter follows the keys, so a bad value never causes a seq to be reused.
  auto r = submit_wait(*store, c, append_req("general", "alice", "4", "m", 4));
  EXPECT_EQ(r.status, WriteStatus::ok);
  EXPECT_EQ(as_append(r).msg.seq, 4u);
  EXPECT_EQ(store->last_seq("general"), 4u);
}

// fsync mode really syncs: RocksDB's WAL-sync count rises with every acknowledged batch; fast
// mode never syncs while writing. Both keep what they acknowledged across a reopen.
TEST(StoreDurability, FsyncModeSyncsEveryBatchAndFastModeNone) {
  constexpr std::uint64_t kBatches = 20;
  for (Durability d : {Durability::fast, Durability::fsync}) {
    TempDir dir;
    Collector c;
    {
      auto o = options_for(dir, d);
      o.statistics = true;
      auto store = open_or_fail(o, c);
      ASSERT_NE(store, nullptr);
      ASSERT_TRUE(store->wal_syncs());
      const std::uint64_t before = *store->wal_syncs();
      for (std::uint64_t i = 1; i <= kBatches; ++i) {
        // One at a time: each request is a group commit of its own.
        ASSERT_EQ(
            submit_wait(*store, c, append_req("help", "bob", std::to_string(i), "q", i)).status,
            WriteStatus::ok);
      }
      const std::uint64_t syncs = *store->wal_syncs() - before;
      if (d == Durability::fsync) {
        EXPECT_GE(syncs, kBatches) << "fsync mode acknowledged a batch without syncing the WAL";
      } else {
        EXPECT_EQ(syncs, 0u) << "fast mode synced the WAL";
      }
    }
    Collector c2;
    auto store = open_or_fail(options_for(dir, d), c2);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->last_seq("help"), kBatches);
    EXPECT_EQ(store->read_after("help", 0, 100).size(), kBatches);
    EXPECT_FALSE(store->wal_syncs());  // statistics are off by default
  }
}

}  // namespace
}  // namespace parley::storage
