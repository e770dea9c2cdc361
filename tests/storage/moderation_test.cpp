// Moderation state (mutes, bans, members) and load_moderation, user records, UpdateChannel, and
// opening a database written before any of it existed.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "legacy_format.hpp"
#include "parley/storage/store.hpp"
#include "raw_db.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::column_families;
using testing::create_req;
using testing::edit_req;
using testing::HeldWriter;
using testing::legacy_channel_value;
using testing::legacy_message_value;
using testing::make_old_db;
using testing::ManualClock;
using testing::op_of;
using testing::op_req;
using testing::open_or_fail;
using testing::options_for;
using testing::react_req;
using testing::reactions_of;
using testing::submit_wait;
using testing::TempDir;

// "user/channel until reason" per mute, "user until" per ban, "channel/user" per member.
struct Summary {
  std::vector<std::string> mutes, bans, members;
  bool operator==(const Summary&) const = default;
};

Summary summarize(const ModerationSnapshot& s) {
  Summary out;
  for (const auto& m : s.mutes) {
    out.mutes.push_back(m.user + "/" + m.channel + " " + std::to_string(m.until) + " " + m.reason);
  }
  for (const auto& b : s.bans) out.bans.push_back(b.user + " " + std::to_string(b.until));
  for (const auto& [channel, user] : s.members) out.members.push_back(channel + "/" + user);
  for (auto* v : {&out.mutes, &out.bans, &out.members}) std::sort(v->begin(), v->end());
  return out;
}

std::ostream& operator<<(std::ostream& os, const Summary& s) {
  for (const auto* v : {&s.mutes, &s.bans, &s.members}) {
    os << "[";
    for (const auto& x : *v) os << x << "; ";
    os << "] ";
  }
  return os;
}

WriteRequest mute(std::string user, std::string channel, TimestampMs until, std::string reason,
                  std::uint64_t cookie) {
  return op_req(
      PutMute{Mute{std::move(user), std::move(channel), until, std::move(reason), "mod", 1}},
      cookie);
}
WriteRequest ban(std::string user, TimestampMs until, std::uint64_t cookie) {
  return op_req(PutBan{Ban{std::move(user), until, "r", "mod", 1}}, cookie);
}

TEST(StoreModeration, LoadSkipsExpiredAndReflectsRemoves) {
  TempDir dir;
  Collector c;
  const Summary expected_at_1000{
      {"bob/general 3000 again", "dave/ 0 everywhere"},
      {"erin 0", "gina 1001"},
      {"staff/bob"},
  };
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    std::vector<WriteRequest> reqs;
    reqs.push_back(mute("bob", "general", 2000, "first", 1));
    reqs.push_back(mute("bob", "general", 3000, "again", 2));  // replaces
    reqs.push_back(mute("bob", "", 0, "everywhere", 3));
    reqs.push_back(mute("carol", "general", 1000, "expires now", 4));
    reqs.push_back(mute("dave", "", 0, "everywhere", 5));
    reqs.push_back(op_req(RemoveMute{"bob", ""}, 6));
    reqs.push_back(op_req(RemoveMute{"nobody", "general"}, 7));  // absent: still ok
    reqs.push_back(ban("erin", 0, 8));
    reqs.push_back(ban("frank", 999, 9));
    reqs.push_back(ban("gina", 1001, 10));
    reqs.push_back(ban("hank", 0, 11));
    reqs.push_back(op_req(RemoveBan{"hank"}, 12));
    reqs.push_back(op_req(RemoveBan{"nobody"}, 13));
    reqs.push_back(op_req(PutMember{"staff", "bob"}, 14));
    reqs.push_back(op_req(PutMember{"staff", "carol"}, 15));
    reqs.push_back(op_req(PutMember{"staff", "bob"}, 16));  // again: still one
    reqs.push_back(op_req(RemoveMember{"staff", "carol"}, 17));
    reqs.push_back(op_req(RemoveMember{"staff", "nobody"}, 18));
    for (auto& r : reqs) {
      auto result = submit_wait(*store, c, std::move(r));
      EXPECT_EQ(result.status, WriteStatus::ok) << result.req.cookie << " " << result.error;
    }
    EXPECT_EQ(summarize(store->load_moderation(1000)), expected_at_1000);
    const Summary everything{
        {"bob/general 3000 again", "carol/general 1000 expires now", "dave/ 0 everywhere"},
        {"erin 0", "frank 999", "gina 1001"},
        {"staff/bob"},
    };
    EXPECT_EQ(summarize(store->load_moderation(0)), everything);

    // Mutes keep every field; a mute everywhere and one in a channel are separate records.
    auto snap = store->load_moderation(0);
    auto it = std::find_if(snap.mutes.begin(), snap.mutes.end(),
                           [](const Mute& m) { return m.user == "bob"; });
    ASSERT_NE(it, snap.mutes.end());
    EXPECT_EQ(it->by, "mod");
    EXPECT_EQ(it->at, 1);
    EXPECT_EQ(it->channel, "general");

    // Keys cannot hold '\0', and every record needs a user.
    const std::string nul("a\0b", 3);
    for (auto& r : {mute(nul, "", 0, "", 20), mute("", "general", 0, "", 21),
                    mute("bob", nul, 0, "", 22), ban("", 0, 23), ban(nul, 0, 24),
                    op_req(PutMember{"", "bob"}, 25), op_req(PutMember{"staff", nul}, 26),
                    op_req(RemoveMember{nul, "bob"}, 27), op_req(RemoveBan{""}, 28)}) {
      EXPECT_EQ(submit_wait(*store, c, r).status, WriteStatus::error) << r.cookie;
    }
    EXPECT_EQ(summarize(store->load_moderation(0)), everything);

    // Removing makes it disappear from the next load.
    EXPECT_EQ(submit_wait(*store, c, op_req(RemoveMute{"bob", "general"}, 30)).status,
              WriteStatus::ok);
    EXPECT_EQ(submit_wait(*store, c, op_req(RemoveBan{"erin"}, 31)).status, WriteStatus::ok);
    EXPECT_EQ(submit_wait(*store, c, op_req(RemoveMember{"staff", "bob"}, 32)).status,
              WriteStatus::ok);
  }
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(summarize(store->load_moderation(1000)),
            (Summary{{"dave/ 0 everywhere"}, {"gina 1001"}, {}}));
  store->close();
  EXPECT_EQ(summarize(store->load_moderation(0)), Summary{});  // closed: nothing
}

TEST(StoreUsers, PutKeepsFirstSeen) {
  TempDir dir;
  {
    HeldWriter held(
        options_for(dir),
        op_req(PutUser{{"alice", "Alice", Role::customer, true, 100, 100}, std::nullopt}, 1));
    ASSERT_NE(held.store, nullptr);
    auto& store = held.store;
    Collector& c = held.c;
    // One batch: the second put must see the first.
    ASSERT_TRUE(store->submit(
        op_req(PutUser{{"bob", "Bob", Role::staff, false, 200, 200}, std::nullopt}, 2)));
    ASSERT_TRUE(store->submit(
        op_req(PutUser{{"bob", "Robert", Role::admin, false, 300, 300}, std::nullopt}, 3)));
    ASSERT_TRUE(store->submit(
        op_req(PutUser{{"alice", "Al", Role::customer, false, 400, 400}, std::nullopt}, 4)));
    held.release();
    ASSERT_TRUE(c.wait_count(4));
    for (const auto& r : c.results()) EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    const UserRecord bob = op_of<PutUser>(c.wait_cookie(3)).user;
    EXPECT_EQ(bob.first_seen, 200);  // the result is the record as stored
    EXPECT_EQ(bob.last_seen, 300);
    EXPECT_EQ(op_of<PutUser>(c.wait_cookie(4)).user.first_seen, 100);

    EXPECT_EQ(submit_wait(*store, c,
                          op_req(PutUser{{"", "x", Role::customer, false, 1, 1}, std::nullopt}, 5))
                  .status,
              WriteStatus::error);
  }
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  auto bob = store->get_user("bob");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->name, "Robert");
  EXPECT_EQ(bob->role, Role::admin);
  EXPECT_EQ(bob->first_seen, 200);
  EXPECT_EQ(bob->last_seen, 300);
  auto alice = store->get_user("alice");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "Al");
  EXPECT_FALSE(alice->guest);
  EXPECT_EQ(alice->first_seen, 100);
  EXPECT_EQ(alice->last_seen, 400);
  EXPECT_EQ(store->get_user("carol"), std::nullopt);
  EXPECT_EQ(store->get_user(""), std::nullopt);

  // Across a reopen too.
  auto r = submit_wait(
      *store, c2,
      op_req(PutUser{{"alice", "Alice", Role::staff, false, 999, 500}, std::nullopt}, 10));
  ASSERT_EQ(r.status, WriteStatus::ok);
  EXPECT_EQ(store->get_user("alice")->first_seen, 100);
  EXPECT_EQ(store->get_user("alice")->role, Role::staff);
}

UpdateChannel update(std::string name, std::string title, bool archived, std::uint32_t slow,
                     bool locked) {
  UpdateChannel u;
  u.info.name = std::move(name);
  u.info.title = std::move(title);
  u.info.archived = archived;
  u.info.slow_mode_s = slow;
  u.info.locked = locked;
  // Fields the update must not touch:
  u.info.kind = ChannelKind::announce;
  u.info.created_ms = 42;
  u.info.epoch = 42;
  return u;
}

TEST(StoreChannels, UpdateChangesSettingsOnly) {
  TempDir dir;
  Collector c;
  ChannelInfo before;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    before = *store->get_channel("general");
    auto r = submit_wait(*store, c, op_req(update("general", "Lobby", false, 30, true), 1));
    ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
    const ChannelInfo& result = op_of<UpdateChannel>(r).info;
    EXPECT_EQ(result.kind, ChannelKind::chat);
    EXPECT_EQ(result.epoch, before.epoch);

    auto now = store->get_channel("general");
    ASSERT_TRUE(now.has_value());  // visible as soon as the commit is reported
    EXPECT_EQ(now->title, "Lobby");
    EXPECT_EQ(now->slow_mode_s, 30u);
    EXPECT_TRUE(now->locked);
    EXPECT_FALSE(now->archived);
    EXPECT_EQ(now->kind, ChannelKind::chat);
    EXPECT_EQ(now->created_ms, before.created_ms);
    EXPECT_EQ(now->epoch, before.epoch);
    EXPECT_EQ(store->channel_kind("general"), ChannelKind::chat);
    EXPECT_EQ(store->channel_kind("dm:alice:bob"), ChannelKind::dm);
    EXPECT_EQ(store->channel_kind("nope"), std::nullopt);

    for (const char* name : {"nope", "dm:alice:bob", ""}) {
      EXPECT_EQ(submit_wait(*store, c, op_req(update(name, "x", false, 0, false), 2)).status,
                WriteStatus::not_found)
          << name;
    }
    EXPECT_EQ(store->list_channels().size(), 2u);
  }
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  auto now = store->get_channel("general");
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->title, "Lobby");
  EXPECT_EQ(now->slow_mode_s, 30u);
  EXPECT_TRUE(now->locked);
  EXPECT_EQ(now->epoch, before.epoch);
  // Archiving by update closes the channel to new messages; unarchiving reopens it.
  EXPECT_EQ(submit_wait(*store, c2, op_req(update("general", "Old", true, 0, false), 1)).status,
            WriteStatus::ok);
  EXPECT_EQ(submit_wait(*store, c2, append_req("general", "alice", "m1", "hi", 2)).status,
            WriteStatus::not_found);
  EXPECT_EQ(submit_wait(*store, c2, op_req(update("general", "New", false, 0, false), 3)).status,
            WriteStatus::ok);
  EXPECT_EQ(submit_wait(*store, c2, append_req("general", "alice", "m1", "hi", 4)).status,
            WriteStatus::ok);
}

TEST(StoreChannels, UpdateSeesTheSameBatch) {
  TempDir dir;
  HeldWriter held(options_for(dir), append_req("general", "zed", "warmup", "w", 1));
  ASSERT_NE(held.store, nullptr);
  auto& store = held.store;
  Collector& c = held.c;
  ASSERT_TRUE(store->submit(op_req(update("fresh", "Early", false, 0, false), 2)));
  ASSERT_TRUE(store->submit(create_req("fresh", ChannelKind::support, "Fresh", 3)));
  ASSERT_TRUE(store->submit(op_req(update("fresh", "Renamed", false, 5, false), 4)));
  ASSERT_TRUE(store->submit(op_req(update("fresh", "Renamed", true, 5, false), 5)));
  ASSERT_TRUE(store->submit(append_req("fresh", "alice", "m1", "archived already", 6)));
  held.release();
  ASSERT_TRUE(c.wait_count(6));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, 5}));
  EXPECT_EQ(c.wait_cookie(2).status, WriteStatus::not_found);
  EXPECT_EQ(c.wait_cookie(3).status, WriteStatus::ok);
  EXPECT_EQ(c.wait_cookie(4).status, WriteStatus::ok);
  EXPECT_EQ(c.wait_cookie(5).status, WriteStatus::ok);
  EXPECT_EQ(c.wait_cookie(6).status, WriteStatus::not_found);
  auto fresh = store->get_channel("fresh");
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->kind, ChannelKind::support);
  EXPECT_EQ(fresh->title, "Renamed");
  EXPECT_EQ(fresh->slow_mode_s, 5u);
  EXPECT_TRUE(fresh->archived);
  EXPECT_EQ(fresh->epoch, op_of<CreateChannel>(c.wait_cookie(3)).info.epoch);
}

TEST(StoreOpen, OldDatabaseOpensAndGainsTheNewColumnFamilies) {
  TempDir dir;
  ChannelInfo old_channel;
  old_channel.kind = ChannelKind::chat;
  old_channel.title = "Old times";
  old_channel.created_ms = 10;
  old_channel.epoch = 1234;
  StoredMessage old_msg;
  old_msg.ts = 50;
  old_msg.from_id = "alice";
  old_msg.from_name = "Alice";
  old_msg.text = "written by the old version";
  make_old_db(dir.db(),
              {{"channels", {"general", legacy_channel_value(old_channel)}},
               {"messages", {codec::message_key("general", 1), legacy_message_value(old_msg)}}});

  Collector c;
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    auto general = store->get_channel("general");
    ASSERT_TRUE(general.has_value());
    EXPECT_EQ(general->title, "Old times");
    EXPECT_EQ(general->epoch, 1234u);
    EXPECT_EQ(general->slow_mode_s, 0u);
    EXPECT_FALSE(general->locked);
    EXPECT_EQ(store->get_channel("help"), std::nullopt);  // not a fresh database: no defaults

    auto msg = store->get_message("general", 1);
    ASSERT_TRUE(msg.has_value());
    EXPECT_EQ(msg->text, "written by the old version");
    EXPECT_FALSE(msg->deleted);
    EXPECT_EQ(msg->edited_at, 0);
    EXPECT_TRUE(msg->reactions.empty());
    EXPECT_TRUE(store->list_audit(0, 10).empty());
    EXPECT_TRUE(store->list_reports(std::nullopt, 0, 10).empty());
    EXPECT_EQ(summarize(store->load_moderation(0)), Summary{});

    // The old records take the new operations, and ids start at 1.
    EXPECT_EQ(submit_wait(*store, c, edit_req("general", 1, "alice", "edited", 1)).status,
              WriteStatus::ok);
    EXPECT_EQ(submit_wait(*store, c, react_req("general", 1, "bob", "ok", true, 2)).status,
              WriteStatus::ok);
    auto audited = submit_wait(*store, c, op_req(AuditOnly{}, 3, testing::audit_entry("x", "y")));
    EXPECT_EQ(audited.req.audit->id, 1u);
    auto next = submit_wait(*store, c, append_req("general", "bob", "m1", "new", 4));
    EXPECT_EQ(as_append(next).msg.seq, 2u);
  }
  auto cfs = column_families(dir.db());
  for (const char* cf : {"moderation", "reports", "audit", "users", "reactions"}) {
    EXPECT_NE(std::find(cfs.begin(), cfs.end(), cf), cfs.end()) << cf;
  }
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  auto msg = store->get_message("general", 1);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->text, "edited");
  EXPECT_EQ(reactions_of(*msg), (std::vector<std::pair<std::string, std::uint32_t>>{{"ok", 1}}));
  EXPECT_EQ(store->list_audit(0, 10).size(), 1u);
}

}  // namespace
}  // namespace parley::storage
