// Roles, channel kinds and error-code wire names.
#include "parley/protocol/types.hpp"

#include <gtest/gtest.h>

#include "parley/protocol/errors.hpp"

namespace parley::protocol {
namespace {

TEST(Role, RoundTrip) {
  for (Role r : {Role::customer, Role::staff, Role::bot, Role::admin}) {
    EXPECT_EQ(parse_role(to_string(r)), r);
  }
  EXPECT_EQ(to_string(Role::customer), "customer");
  EXPECT_EQ(to_string(Role::staff), "staff");
  EXPECT_EQ(to_string(Role::bot), "bot");
  EXPECT_EQ(to_string(Role::admin), "admin");
  for (std::string_view s : {"", "Admin", "root", "staff ", "moderator"}) {
    EXPECT_FALSE(parse_role(s).has_value()) << s;
  }
}

TEST(Role, Staff) {
  EXPECT_TRUE(is_staff(Role::staff));
  EXPECT_TRUE(is_staff(Role::admin));
  EXPECT_FALSE(is_staff(Role::customer));
  EXPECT_FALSE(is_staff(Role::bot));
}

TEST(ChannelKindTest, RoundTrip) {
  EXPECT_EQ(to_string(ChannelKind::support), "support");
  EXPECT_EQ(to_string(ChannelKind::chat), "chat");
  EXPECT_EQ(to_string(ChannelKind::announce), "announce");
  EXPECT_EQ(to_string(ChannelKind::private_), "private");
  EXPECT_EQ(to_string(ChannelKind::dm), "dm");
  for (ChannelKind k : {ChannelKind::support, ChannelKind::chat, ChannelKind::announce,
                        ChannelKind::private_, ChannelKind::dm}) {
    EXPECT_EQ(parse_channel_kind(to_string(k)), k);
  }
  EXPECT_FALSE(parse_channel_kind("private_").has_value());
  EXPECT_FALSE(parse_channel_kind("").has_value());
}

TEST(ErrorCodeTest, WireNamesMatchTheEnumerators) {
  EXPECT_EQ(to_wire(ErrorCode::bad_request), "bad_request");
  EXPECT_EQ(to_wire(ErrorCode::unauthorized), "unauthorized");
  EXPECT_EQ(to_wire(ErrorCode::forbidden), "forbidden");
  EXPECT_EQ(to_wire(ErrorCode::not_found), "not_found");
  EXPECT_EQ(to_wire(ErrorCode::too_large), "too_large");
  EXPECT_EQ(to_wire(ErrorCode::rate_limited), "rate_limited");
  EXPECT_EQ(to_wire(ErrorCode::muted), "muted");
  EXPECT_EQ(to_wire(ErrorCode::banned), "banned");
  EXPECT_EQ(to_wire(ErrorCode::slow_mode), "slow_mode");
  EXPECT_EQ(to_wire(ErrorCode::conflict), "conflict");
  EXPECT_EQ(to_wire(ErrorCode::internal), "internal");
  EXPECT_EQ(to_wire(ErrorCode::unavailable), "unavailable");
}

}  // namespace
}  // namespace parley::protocol
