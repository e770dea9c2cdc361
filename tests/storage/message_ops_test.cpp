// Message mutations: edit, delete (tombstones), reactions with their per-user membership, the
// reaction-kind limit, and mutations of messages appended earlier in the same batch.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "page_util.hpp"
#include "parley/storage/store.hpp"
#include "raw_db.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::delete_req;
using testing::edit_req;
using testing::HeldWriter;
using testing::ManualClock;
using testing::op_of;
using testing::open_or_fail;
using testing::options_for;
using testing::Page;
using testing::raw_keys;
using testing::react_req;
using testing::reactions_of;
using testing::read_before;
using testing::read_before_cached;
using testing::submit_wait;
using testing::TempDir;

using Counts = std::vector<std::pair<std::string, std::uint32_t>>;

const std::string kThumbs = "\xF0\x9F\x91\x8D";
const std::string kParty = "\xF0\x9F\x8E\x89";

// Submits `req` and returns its result; cookies count up from 1 per Collector.
class Driver {
 public:
  Driver(Store& store, Collector& c) : store_(store), c_(c) {}
  Committed run(WriteRequest req) {
    req.cookie = ++cookie_;
    return submit_wait(store_, c_, std::move(req));
  }
  std::uint64_t post(const std::string& channel, const std::string& from, const std::string& text) {
    auto r = run(append_req(channel, from, "c" + std::to_string(cookie_ + 1), text, 0));
    EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    return as_append(r).msg.seq;
  }
  // React and return whether it changed anything.
  bool react_changed(std::uint64_t seq, const std::string& user, const std::string& emoji,
                     bool add) {
    return op_of<React>(run(react_req("general", seq, user, emoji, add, 0))).changed;
  }
  // React and return (status, count afterwards).
  std::pair<WriteStatus, std::uint32_t> react(std::uint64_t seq, const std::string& user,
                                              const std::string& emoji, bool add) {
    auto r = run(react_req("general", seq, user, emoji, add, 0));
    return {r.status, op_of<React>(r).count};
  }

 private:
  Store& store_;
  Collector& c_;
  std::uint64_t cookie_ = 1000;
};

TEST(StoreMessageOps, EditIsForTheAuthorOnly) {
  TempDir dir;
  ManualClock clock(1000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  {
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    Driver d(*store, c);
    const std::uint64_t seq = d.post("general", "alice", "helo");
    clock.set(2000);

    auto bob = d.run(edit_req("general", seq, "bob", "hijacked", 0));
    EXPECT_EQ(bob.status, WriteStatus::forbidden);
    EXPECT_EQ(store->get_message("general", seq)->text, "helo");

    auto ok = d.run(edit_req("general", seq, "alice", "hello", 0));
    ASSERT_EQ(ok.status, WriteStatus::ok) << ok.error;
    const StoredMessage& result = op_of<EditMessage>(ok).result;
    EXPECT_EQ(result.seq, seq);
    EXPECT_EQ(result.text, "hello");
    EXPECT_EQ(result.edited_at, 2000);
    EXPECT_EQ(result.ts, 1000);  // the original time stays
    EXPECT_EQ(result.from_id, "alice");

    for (auto [channel, s] : {std::pair{"general", seq + 1}, std::pair{"general", 0ul},
                              std::pair{"help", seq}, std::pair{"nope", seq}}) {
      EXPECT_EQ(d.run(edit_req(channel, s, "alice", "x", 0)).status, WriteStatus::not_found)
          << channel << " " << s;
    }
    EXPECT_EQ(store->last_seq("general"), seq);  // an edit is not a new message
  }
  Collector c2;
  auto store = open_or_fail(o, c2);
  ASSERT_NE(store, nullptr);
  auto msgs = store->read_after("general", 0, 10);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].text, "hello");
  EXPECT_EQ(msgs[0].edited_at, 2000);
  EXPECT_FALSE(msgs[0].deleted);
}

TEST(StoreMessageOps, DeleteLeavesATombstone) {
  TempDir dir;
  ManualClock clock(1000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  {
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    Driver d(*store, c);
    const std::uint64_t first = d.post("general", "alice", "first");
    const std::uint64_t second = d.post("general", "alice", "second");
    ASSERT_EQ(d.react(first, "bob", kThumbs, true).first, WriteStatus::ok);
    clock.set(3000);

    EXPECT_EQ(d.run(delete_req("general", first, "bob", false, 0)).status, WriteStatus::forbidden);
    auto by_mod = d.run(delete_req("general", first, "bob", true, 0));
    ASSERT_EQ(by_mod.status, WriteStatus::ok) << by_mod.error;
    const StoredMessage& tomb = op_of<DeleteMessage>(by_mod).result;
    EXPECT_TRUE(tomb.deleted);
    EXPECT_EQ(tomb.text, "");
    EXPECT_TRUE(tomb.reactions.empty());
    EXPECT_EQ(tomb.deleted_by, "bob");
    EXPECT_EQ(tomb.deleted_at, 3000);
    EXPECT_EQ(tomb.seq, first);
    EXPECT_EQ(tomb.ts, 1000);
    EXPECT_EQ(tomb.from_id, "alice");

    // A tombstone cannot be deleted, edited or reacted to again.
    EXPECT_EQ(d.run(delete_req("general", first, "alice", false, 0)).status,
              WriteStatus::not_found);
    EXPECT_EQ(d.run(delete_req("general", first, "bob", true, 0)).status, WriteStatus::not_found);
    EXPECT_EQ(d.run(edit_req("general", first, "alice", "back", 0)).status, WriteStatus::not_found);
    EXPECT_EQ(d.react(first, "carol", kThumbs, true).first, WriteStatus::not_found);

    auto own = d.run(delete_req("general", second, "alice", false, 0));
    ASSERT_EQ(own.status, WriteStatus::ok);
    EXPECT_EQ(op_of<DeleteMessage>(own).result.deleted_by, "alice");
    EXPECT_EQ(d.run(delete_req("general", 99, "alice", true, 0)).status, WriteStatus::not_found);

    // Seqs stay: the next message continues after the tombstones.
    EXPECT_EQ(d.post("general", "carol", "third"), second + 1);
  }
  Collector c2;
  auto store = open_or_fail(o, c2);
  ASSERT_NE(store, nullptr);
  auto page = read_before(*store, "general", 0, 10);
  ASSERT_EQ(page.messages.size(), 3u);  // tombstones are part of history
  EXPECT_TRUE(page.messages[0].deleted);
  EXPECT_EQ(page.messages[0].deleted_by, "bob");
  EXPECT_EQ(page.messages[0].text, "");
  EXPECT_TRUE(page.messages[1].deleted);
  EXPECT_FALSE(page.messages[2].deleted);
  auto tomb = store->get_message("general", 1);
  ASSERT_TRUE(tomb.has_value());
  EXPECT_TRUE(tomb->deleted);
  EXPECT_EQ(tomb->deleted_at, 3000);
  store->close();
  // Who reacted went with the reactions.
  EXPECT_TRUE(raw_keys(dir.db(), "reactions").empty());
}

TEST(StoreMessageOps, ReactionsAreIdempotentPerUserAndCounted) {
  TempDir dir;
  Collector c;
  std::uint64_t seq = 0;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    Driver d(*store, c);
    seq = d.post("general", "alice", "react to me");
    using P = std::pair<WriteStatus, std::uint32_t>;
    const auto ok = WriteStatus::ok;
    EXPECT_EQ(d.react(seq, "alice", kThumbs, true), (P{ok, 1}));
    EXPECT_EQ(d.react(seq, "alice", kThumbs, true), (P{ok, 1}));  // again: no change
    EXPECT_EQ(d.react(seq, "bob", kThumbs, true), (P{ok, 2}));
    EXPECT_EQ(d.react(seq, "carol", kParty, true), (P{ok, 1}));
    EXPECT_EQ(d.react(seq, "carol", kThumbs, true), (P{ok, 3}));
    EXPECT_EQ(reactions_of(*store->get_message("general", seq)),
              (Counts{{kThumbs, 3}, {kParty, 1}}));  // order of first use

    EXPECT_EQ(d.react(seq, "alice", kThumbs, false), (P{ok, 2}));
    EXPECT_EQ(d.react(seq, "alice", kThumbs, false), (P{ok, 2}));  // not there: no change
    EXPECT_EQ(d.react(seq, "bob", kParty, false), (P{ok, 1}));     // never reacted so
    EXPECT_EQ(d.react(seq, "dave", "\xE2\x9D\xA4", false), (P{ok, 0}));
    EXPECT_EQ(d.react(seq, "carol", kParty, false), (P{ok, 0}));  // last one: entry dropped
    auto last = d.run(react_req("general", seq, "carol", kParty, false, 0));
    EXPECT_EQ(last.status, ok);
    EXPECT_EQ(reactions_of(op_of<React>(last).result), (Counts{{kThumbs, 2}}));
    EXPECT_FALSE(op_of<React>(last).changed) << "a removal of what is gone changes nothing";
    // `changed` says which calls did something (the server announces only those).
    EXPECT_TRUE(d.react_changed(seq, "erin", kParty, true));
    EXPECT_FALSE(d.react_changed(seq, "erin", kParty, true));
    EXPECT_TRUE(d.react_changed(seq, "erin", kParty, false));
    EXPECT_FALSE(d.react_changed(seq, "erin", kParty, false));

    EXPECT_EQ(d.react(seq + 1, "alice", kThumbs, true).first, WriteStatus::not_found);
    EXPECT_EQ(d.run(react_req("nope", seq, "alice", kThumbs, true, 0)).status,
              WriteStatus::not_found);
    EXPECT_EQ(d.react(seq, "alice", "", true).first, WriteStatus::error);
    EXPECT_EQ(d.react(seq, "alice", std::string("a\0b", 3), true).first, WriteStatus::error);
  }
  // Counts and membership survive a reopen: bob and carol still count, alice does not.
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  Driver d(*store, c2);
  EXPECT_EQ(reactions_of(*store->get_message("general", seq)), (Counts{{kThumbs, 2}}));
  EXPECT_EQ(d.react(seq, "bob", kThumbs, true).second, 2u);
  EXPECT_EQ(d.react(seq, "carol", kThumbs, true).second, 2u);
  EXPECT_EQ(d.react(seq, "alice", kThumbs, true).second, 3u);
  EXPECT_EQ(d.react(seq, "bob", kThumbs, false).second, 2u);
  EXPECT_EQ(d.react(seq, "carol", kParty, true).second, 1u);  // a dropped emoji starts over
  EXPECT_EQ(reactions_of(*store->get_message("general", seq)), (Counts{{kThumbs, 2}, {kParty, 1}}));
}

TEST(StoreMessageOps, ReactionKindsAreLimited) {
  TempDir dir;
  Collector c;
  auto o = options_for(dir);
  o.max_reaction_kinds = 2;
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  Driver d(*store, c);
  const std::uint64_t seq = d.post("general", "alice", "m");
  EXPECT_EQ(d.react(seq, "alice", "a", true).first, WriteStatus::ok);
  EXPECT_EQ(d.react(seq, "alice", "b", true).first, WriteStatus::ok);
  EXPECT_EQ(d.react(seq, "bob", "c", true).first, WriteStatus::conflict);
  // Existing kinds still take more users, and the refused one changed nothing.
  EXPECT_EQ(d.react(seq, "bob", "a", true), (std::pair{WriteStatus::ok, 2u}));
  EXPECT_EQ(d.react(seq, "bob", "c", false), (std::pair{WriteStatus::ok, 0u}));
  EXPECT_EQ(reactions_of(*store->get_message("general", seq)), (Counts{{"a", 2}, {"b", 1}}));
  // Room again once a kind is gone.
  EXPECT_EQ(d.react(seq, "alice", "b", false).first, WriteStatus::ok);
  EXPECT_EQ(d.react(seq, "bob", "c", true), (std::pair{WriteStatus::ok, 1u}));
  EXPECT_EQ(reactions_of(*store->get_message("general", seq)), (Counts{{"a", 2}, {"c", 1}}));
}

TEST(StoreMessageOps, MutationsSeeEarlierRequestsOfTheSameBatch) {
  TempDir dir;
  ManualClock clock(5000);
  auto o = options_for(dir);
  o.clock = clock.fn();
  HeldWriter held(o, append_req("help", "zed", "warmup", "w", 1));
  ASSERT_NE(held.store, nullptr);  // everything below is one batch
  auto& store = held.store;
  Collector& c = held.c;
  std::vector<WriteRequest> reqs;
  reqs.push_back(edit_req("general", 1, "alice", "too early", 2));  // not appended yet
  reqs.push_back(append_req("general", "alice", "m1", "first", 3));
  reqs.push_back(edit_req("general", 1, "alice", "first, edited", 4));
  reqs.push_back(edit_req("general", 1, "bob", "nope", 5));
  reqs.push_back(react_req("general", 1, "alice", kThumbs, true, 6));
  reqs.push_back(react_req("general", 1, "bob", kThumbs, true, 7));
  reqs.push_back(react_req("general", 1, "alice", kThumbs, true, 8));  // again
  reqs.push_back(react_req("general", 1, "bob", kThumbs, false, 9));
  reqs.push_back(edit_req("general", 1, "alice", "first, edited twice", 10));
  reqs.push_back(append_req("general", "bob", "m2", "second", 11));
  reqs.push_back(react_req("general", 2, "carol", kParty, true, 12));
  reqs.push_back(react_req("general", 2, "alice", kParty, true, 13));
  reqs.push_back(delete_req("general", 1, "alice", false, 14));
  reqs.push_back(react_req("general", 1, "carol", kThumbs, true, 15));
  reqs.push_back(edit_req("general", 1, "alice", "zombie", 16));
  reqs.push_back(delete_req("general", 1, "mod", true, 17));
  reqs.push_back(react_req("general", 2, "alice", kParty, false, 18));
  const std::size_t n = reqs.size();
  for (auto& r : reqs) ASSERT_TRUE(store->submit(std::move(r)));
  held.release();
  ASSERT_TRUE(c.wait_count(n + 1));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, n}));

  auto status = [&](std::uint64_t cookie) { return c.wait_cookie(cookie).status; };
  EXPECT_EQ(status(2), WriteStatus::not_found);
  EXPECT_EQ(status(3), WriteStatus::ok);
  EXPECT_EQ(op_of<EditMessage>(c.wait_cookie(4)).result.text, "first, edited");
  EXPECT_EQ(status(5), WriteStatus::forbidden);
  EXPECT_EQ(op_of<React>(c.wait_cookie(6)).count, 1u);
  EXPECT_EQ(op_of<React>(c.wait_cookie(7)).count, 2u);
  EXPECT_EQ(op_of<React>(c.wait_cookie(8)).count, 2u);
  EXPECT_EQ(op_of<React>(c.wait_cookie(9)).count, 1u);
  // The second edit starts from the first edit and the reactions of this batch.
  const StoredMessage twice = op_of<EditMessage>(c.wait_cookie(10)).result;
  EXPECT_EQ(twice.text, "first, edited twice");
  EXPECT_EQ(reactions_of(twice), (Counts{{kThumbs, 1}}));
  EXPECT_EQ(as_append(c.wait_cookie(11)).msg.seq, 2u);
  EXPECT_EQ(op_of<React>(c.wait_cookie(12)).count, 1u);
  EXPECT_EQ(op_of<React>(c.wait_cookie(13)).count, 2u);
  EXPECT_EQ(status(14), WriteStatus::ok);
  EXPECT_EQ(status(15), WriteStatus::not_found);
  EXPECT_EQ(status(16), WriteStatus::not_found);
  EXPECT_EQ(status(17), WriteStatus::not_found);
  EXPECT_EQ(op_of<React>(c.wait_cookie(18)).count, 1u);
  for (const auto& r : c.results()) EXPECT_NE(r.status, WriteStatus::error) << r.error;

  auto first = store->get_message("general", 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->deleted);
  EXPECT_EQ(first->deleted_by, "alice");
  EXPECT_EQ(first->text, "");
  EXPECT_EQ(first->edited_at, 5000);
  EXPECT_TRUE(first->reactions.empty());
  auto second = store->get_message("general", 2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->text, "second");
  EXPECT_EQ(reactions_of(*second), (Counts{{kParty, 1}}));
  EXPECT_EQ(store->last_seq("general"), 2u);

  // Only carol's reaction on the live message is left: the delete's range removed the ones
  // added to message 1 earlier in the same batch.
  store->close();
  EXPECT_EQ(raw_keys(dir.db(), "reactions"),
            (std::vector<std::string>{codec::reaction_key("general", 2, kParty, "carol")}));
}

}  // namespace
}  // namespace parley::storage

namespace parley::storage {
namespace {

using testing::Collector;
using testing::delete_req;
using testing::edit_req;
using testing::open_or_fail;
using testing::options_for;
using testing::TempDir;

// The rewrites log (Store::read_rewrites): one entry per edit, delete or accepted answer that
// ended ok, none for a refused one; trim keeps the last entry, and ids continue after a reopen.
TEST(StoreRewrites, EveryRewriteIsLoggedOnceInCommitOrder) {
  TempDir dir;
  Collector c;
  auto o = options_for(dir);
  std::vector<std::string> channels;
  {
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    Driver d(*store, c);
    const auto q = d.post("help", "alice", "question");
    const auto a = d.post("help", "bob", "answer");
    d.post("dm:alice:bob", "alice", "psst");
    EXPECT_EQ(store->last_rewrite_id(), 0u);
    EXPECT_TRUE(store->read_rewrites(0, 10).empty());

    EXPECT_EQ(d.run(edit_req("help", q, "bob", "not yours", 0)).status, WriteStatus::forbidden);
    ASSERT_EQ(d.run(edit_req("help", q, "alice", "question, edited", 0)).status, WriteStatus::ok);
    WriteRequest solve;
    solve.op = SetSolved{"help", q, a, {}};
    ASSERT_EQ(d.run(std::move(solve)).status, WriteStatus::ok);
    ASSERT_EQ(d.run(delete_req("help", a, "bob", false, 0)).status, WriteStatus::ok);
    EXPECT_EQ(d.run(delete_req("help", a, "bob", false, 0)).status, WriteStatus::not_found);

    auto log = store->read_rewrites(0, 10);
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[0].id, 1u);
    EXPECT_EQ(log[0].seq, q);  // the edit
    EXPECT_EQ(log[1].seq, q);  // the accepted answer marks the question…
    EXPECT_EQ(log[2].seq, a);  // …and the answer
    EXPECT_EQ(log[3].seq, a);  // the delete
    for (const auto& r : log) EXPECT_EQ(r.channel, "help");
    EXPECT_EQ(log[3].id, store->last_rewrite_id());
    EXPECT_EQ(store->read_rewrites(3, 10).size(), 1u);
    EXPECT_EQ(store->read_rewrites(0, 2).size(), 2u);

    // Deleting a solved question logs its accepted answer too; changing the accepted answer
    // logs the old one as well as the new.
    const auto q2 = d.post("help", "alice", "second question");
    const auto a2 = d.post("help", "bob", "first try");
    const auto a3 = d.post("help", "bob", "second try");
    WriteRequest s2;
    s2.op = SetSolved{"help", q2, a2, {}};
    ASSERT_EQ(d.run(std::move(s2)).status, WriteStatus::ok);
    WriteRequest s3;
    s3.op = SetSolved{"help", q2, a3, {}};
    ASSERT_EQ(d.run(std::move(s3)).status, WriteStatus::ok);
    ASSERT_EQ(d.run(delete_req("help", q2, "alice", false, 0)).status, WriteStatus::ok);
    std::vector<std::uint64_t> seqs;
    for (const auto& r : store->read_rewrites(4, 20)) seqs.push_back(r.seq);
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{q2, a2, q2, a3, a2, q2, a3}));
    ASSERT_EQ(store->last_rewrite_id(), 11u);

    store->trim_rewrites(11);
    log = store->read_rewrites(0, 20);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].id, 11u);
    channels = store->message_channels();
  }
  EXPECT_EQ(channels, (std::vector<std::string>{"dm:alice:bob", "help"}));
  Collector c2;
  auto store = open_or_fail(o, c2);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_rewrite_id(), 11u);  // recovered from the entry trim kept
  Driver d(*store, c2);
  ASSERT_EQ(d.run(edit_req("help", 1, "alice", "again", 0)).status, WriteStatus::ok);
  auto log = store->read_rewrites(11, 10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, 12u);
}

}  // namespace
}  // namespace parley::storage
