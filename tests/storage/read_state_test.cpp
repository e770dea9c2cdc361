// Read markers and mentions (DESIGN §10): MarkRead never moves backwards, if_absent creates
// only, a seq beyond the channel is refused; an append moves the sender's marker, gives a DM's
// other member one, and indexes the mentions of known users; a delete drops them; all of it
// survives a reopen.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::delete_req;
using testing::HeldWriter;
using testing::op_of;
using testing::op_req;
using testing::open_or_fail;
using testing::options_for;
using testing::submit_wait;
using testing::TempDir;

class ReadStateStore : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    store_.reset();
    store_ = open_or_fail(options_for(dir_), c_);
    ASSERT_NE(store_, nullptr);
  }
  Committed run(WriteRequest r) {
    r.cookie = ++cookie_;
    return submit_wait(*store_, c_, std::move(r));
  }
  std::uint64_t post(const std::string& ch, const std::string& from, const std::string& text,
                     const std::string& mentions = "") {
    auto r = append_req(ch, from, "m" + std::to_string(cookie_ + 1), text, 0);
    std::get<AppendMessage>(r.op).msg.mentions = mentions;
    auto c = run(std::move(r));
    EXPECT_EQ(c.status, WriteStatus::ok) << c.error;
    return as_append(c).msg.seq;
  }
  MarkRead mark(const std::string& user, const std::string& ch, std::uint64_t seq,
                bool if_absent = false, WriteStatus expect = WriteStatus::ok) {
    auto c = run(op_req(MarkRead{user, ch, seq, if_absent}, 0));
    EXPECT_EQ(c.status, expect) << c.error;
    return op_of<MarkRead>(c);
  }
  void user(const std::string& id) {
    auto c = run(op_req(PutUser{{id, id, Role::customer, false, 1, 1}, std::nullopt}, 0));
    ASSERT_EQ(c.status, WriteStatus::ok);
  }

  TempDir dir_;
  Collector c_;
  std::unique_ptr<Store> store_;
  std::uint64_t cookie_ = 0;
};

TEST_F(ReadStateStore, AMarkerNeverMovesBackwardsAndNeverPassesTheChannel) {
  for (int i = 0; i < 5; ++i) post("general", "bob", "m");
  EXPECT_FALSE(store_->last_read("alice", "general").has_value());
  auto m = mark("alice", "general", 3);
  EXPECT_TRUE(m.changed);
  EXPECT_EQ(m.last_read, 3u);
  m = mark("alice", "general", 2);
  EXPECT_FALSE(m.changed);
  EXPECT_EQ(m.last_read, 3u);
  m = mark("alice", "general", 6, false, WriteStatus::conflict);
  EXPECT_EQ(m.last_read, 5u);  // the channel's newest
  EXPECT_EQ(store_->last_read("alice", "general"), 3u);
  // if_absent creates only, lowered to the newest seq.
  m = mark("alice", "general", 5, true);
  EXPECT_FALSE(m.changed);
  EXPECT_EQ(m.last_read, 3u);
  m = mark("carol", "general", UINT64_MAX, true);
  EXPECT_TRUE(m.changed);
  EXPECT_EQ(m.last_read, 5u);
  reopen();
  EXPECT_EQ(store_->last_read("alice", "general"), 3u);
  EXPECT_EQ(store_->last_read("carol", "general"), 5u);
}

TEST_F(ReadStateStore, AnAppendMovesTheSenderAndListsADmForTheOtherMember) {
  post("general", "bob", "first");
  post("general", "alice", "second");
  EXPECT_EQ(store_->last_read("alice", "general"), 2u);
  post("dm:alice:bob", "bob", "psst");
  post("dm:alice:bob", "bob", "again");
  EXPECT_EQ(store_->last_read("alice", "dm:alice:bob"), 0u);  // everything unread
  EXPECT_EQ(store_->last_read("bob", "dm:alice:bob"), 2u);
  mark("alice", "dm:alice:bob", 1);
  post("dm:alice:bob", "bob", "third");
  EXPECT_EQ(store_->last_read("alice", "dm:alice:bob"), 1u);  // an existing marker stays
  auto list = store_->read_markers("alice", 100);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].channel, "dm:alice:bob");
  EXPECT_EQ(list[0].last_read, 1u);
  EXPECT_EQ(list[1].channel, "general");
  EXPECT_EQ(store_->read_markers("alice", 1).size(), 1u);
  EXPECT_TRUE(store_->read_markers("nobody", 100).empty());
}

TEST_F(ReadStateStore, MentionsOfKnownUsersAreIndexedAndADeleteDropsThem) {
  user("carol");
  user("dave");
  const auto s1 = post("general", "alice", "hi", "carol ghost alice dave");
  auto stored = store_->get_message("general", s1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->mentions, "carol dave");  // unknown users and the sender dropped
  const auto s2 = post("general", "alice", "again", "carol");
  post("general", "alice", "none");
  EXPECT_EQ(store_->count_mentions("carol", "general", 0, 100), 2u);
  EXPECT_EQ(store_->count_mentions("carol", "general", s1, 100), 1u);
  EXPECT_EQ(store_->count_mentions("carol", "general", 0, 1), 1u);  // the cap
  EXPECT_EQ(store_->count_mentions("dave", "general", 0, 100), 1u);
  EXPECT_EQ(store_->count_mentions("carol", "help", 0, 100), 0u);
  auto d = run(delete_req("general", s2, "alice", false, 0));
  ASSERT_EQ(d.status, WriteStatus::ok);
  EXPECT_EQ(op_of<DeleteMessage>(d).result.mentions, "");
  EXPECT_EQ(store_->count_mentions("carol", "general", 0, 100), 1u);
  reopen();
  EXPECT_EQ(store_->count_mentions("carol", "general", 0, 100), 1u);
  EXPECT_EQ(store_->get_message("general", s1)->mentions, "carol dave");
}

// In one batch: messages move their senders' markers, and a MarkRead after them still never
// moves one backwards (it sees the batch, not only the disk); a DM's new marker is seen too.
TEST(ReadStateBatch, MarkReadSeesTheMarkersOfTheSameBatch) {
  TempDir dir;
  HeldWriter held(options_for(dir), append_req("help", "zed", "warmup", "w", 1));
  ASSERT_NE(held.store, nullptr);  // everything below is one batch
  auto& store = held.store;
  Collector& c = held.c;
  std::vector<WriteRequest> reqs;
  reqs.push_back(append_req("general", "bob", "b1", "one", 2));
  reqs.push_back(append_req("general", "alice", "a1", "two", 3));
  reqs.push_back(append_req("general", "alice", "a2", "three", 4));
  reqs.push_back(op_req(MarkRead{"alice", "general", 1, false}, 5));  // behind her own: no
  reqs.push_back(append_req("general", "alice", "a3", "four", 6));    // moves it again
  reqs.push_back(op_req(MarkRead{"alice", "general", 4, false}, 7));  // at it: no change
  reqs.push_back(append_req("dm:alice:carol", "alice", "d1", "hi", 8));
  reqs.push_back(op_req(MarkRead{"carol", "dm:alice:carol", 5, true}, 9));  // has one (0)
  const std::size_t n = reqs.size();
  for (auto& r : reqs) ASSERT_TRUE(store->submit(std::move(r)));
  held.release();
  ASSERT_TRUE(c.wait_count(n + 1));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, n}));
  auto m5 = op_of<MarkRead>(c.wait_cookie(5));
  EXPECT_FALSE(m5.changed);
  EXPECT_EQ(m5.last_read, 3u);
  auto m7 = op_of<MarkRead>(c.wait_cookie(7));
  EXPECT_FALSE(m7.changed);
  EXPECT_EQ(m7.last_read, 4u);
  auto m9 = op_of<MarkRead>(c.wait_cookie(9));
  EXPECT_FALSE(m9.changed);
  EXPECT_EQ(m9.last_read, 0u);
  EXPECT_EQ(store->last_read("alice", "general"), 4u);
  EXPECT_EQ(store->last_read("bob", "general"), 1u);
  EXPECT_EQ(store->last_read("carol", "dm:alice:carol"), 0u);
}

}  // namespace
}  // namespace parley::storage
