// channel_facts(): the one place the facts of a channel check come from (every check on a
// channel, joins, posts, edits, marks, lists, takes them from here).
#include "parley/ops/channel_access.hpp"

#include <gtest/gtest.h>

#include "parley/ops/moderation.hpp"

namespace parley::server {
namespace {

using protocol::ChannelKind;

storage::ChannelInfo channel(std::string name, ChannelKind kind) {
  storage::ChannelInfo c;
  c.name = std::move(name);
  c.kind = kind;
  return c;
}

TEST(ChannelFacts, CopyTheSettingsEveryCheckUses) {
  Moderation m;
  auto c = channel("help", ChannelKind::support);
  c.archived = true;
  c.locked = true;
  const ChannelFacts f = channel_facts(c, m, "ann");
  EXPECT_EQ(f.kind, ChannelKind::support);
  EXPECT_TRUE(f.archived);
  EXPECT_TRUE(f.locked);  // advocacy's own copy once forgot this one
  EXPECT_FALSE(f.member);
  EXPECT_FALSE(f.is_author);
  EXPECT_FALSE(f.is_asker);
  c.archived = false;
  c.locked = false;
  const ChannelFacts g = channel_facts(c, m, "ann");
  EXPECT_FALSE(g.archived);
  EXPECT_FALSE(g.locked);
}

TEST(ChannelFacts, PrivateMembershipComesFromTheModerationState) {
  Moderation m;
  m.put_member("staff-room", "ann");
  auto c = channel("staff-room", ChannelKind::private_);
  EXPECT_TRUE(channel_facts(c, m, "ann").member);
  EXPECT_FALSE(channel_facts(c, m, "bob").member);
  m.remove_member("staff-room", "ann");
  EXPECT_FALSE(channel_facts(c, m, "ann").member);
  // Membership of a channel of another kind means nothing.
  m.put_member("general", "ann");
  EXPECT_FALSE(channel_facts(channel("general", ChannelKind::chat), m, "ann").member);
}

TEST(ChannelFacts, DirectMessagesBelongToTheirTwoUsers) {
  Moderation m;
  auto c = channel("dm:ann:bob", ChannelKind::dm);
  EXPECT_TRUE(channel_facts(c, m, "ann").member);
  EXPECT_TRUE(channel_facts(c, m, "bob").member);
  EXPECT_FALSE(channel_facts(c, m, "cat").member);
  EXPECT_FALSE(channel_facts(c, m, "ann:bob").member);
}

TEST(ChannelFacts, TheChecksDecideOnThem) {
  Moderation m;
  Identity customer{"ann", "Ann", protocol::Role::customer, false, ""};
  Identity staff{"sue", "Sue", protocol::Role::staff, false, ""};
  auto c = channel("general", ChannelKind::chat);
  EXPECT_FALSE(check(Action::post, customer, channel_facts(c, m, customer.id)).has_value());
  c.locked = true;
  EXPECT_TRUE(check(Action::post, customer, channel_facts(c, m, customer.id)).has_value());
  EXPECT_FALSE(check(Action::post, staff, channel_facts(c, m, staff.id)).has_value());
  auto dm = channel("dm:ann:bob", ChannelKind::dm);
  EXPECT_FALSE(check(Action::read, customer, channel_facts(dm, m, customer.id)).has_value());
  Identity cat{"cat", "Cat", protocol::Role::customer, false, ""};
  EXPECT_TRUE(check(Action::read, cat, channel_facts(dm, m, cat.id)).has_value());
}

}  // namespace
}  // namespace parley::server
