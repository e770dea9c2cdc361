// search_scope() (server/src/permissions.cpp): which channels a search may return, per role.
#include <gtest/gtest.h>

#include "parley/ops/permissions.hpp"

namespace parley::server {
namespace {

using protocol::ChannelKind;
using protocol::Role;

const std::vector<ListedChannel> kChannels = {
    {"help", ChannelKind::support, false, false, true},
    {"internal", ChannelKind::support, false, false, false},  // not published
    {"general", ChannelKind::chat, false, false, false},
    {"news", ChannelKind::announce, false, false, false},
    {"old-help", ChannelKind::support, true, false, true},   // archived
    {"team", ChannelKind::private_, false, true, false},     // the subject is a member
    {"board", ChannelKind::private_, false, false, false},   // the subject is not
    {"old-team", ChannelKind::private_, true, true, false},  // archived, a member
};

TEST(SearchScope, EveryRole) {
  struct Row {
    const char* who;
    std::optional<Subject> subject;
    bool everything, own_dms, solved_only;
    std::vector<std::string> channels;
  };
  const std::vector<std::string> member_view = {"help", "internal", "general", "news", "team"};
  const std::vector<Row> rows = {
      {"anonymous", std::nullopt, false, false, true, {"help"}},
      {"customer", Subject{Role::customer, false}, false, true, false, member_view},
      {"guest", Subject{Role::customer, true}, false, true, false, member_view},
      {"bot", Subject{Role::bot, false}, false, true, false, member_view},
      {"staff", Subject{Role::staff, false}, true, false, false, {}},
      {"admin", Subject{Role::admin, false}, true, false, false, {}},
  };
  for (const auto& row : rows) {
    SearchScope s = search_scope(row.subject, kChannels);
    EXPECT_EQ(s.everything, row.everything) << row.who;
    EXPECT_EQ(s.own_dms, row.own_dms) << row.who;
    EXPECT_EQ(s.solved_only, row.solved_only) << row.who;
    EXPECT_EQ(s.channels, row.channels) << row.who;
  }
}

TEST(SearchScope, NonMembersNeverSeePrivateChannels) {
  std::vector<ListedChannel> only_private = {{"team", ChannelKind::private_, false, false, true}};
  EXPECT_TRUE(search_scope(Subject{Role::customer, false}, only_private).channels.empty());
  EXPECT_TRUE(search_scope(std::nullopt, only_private).channels.empty());
  only_private[0].member = true;  // membership does not matter to an anonymous reader
  EXPECT_TRUE(search_scope(std::nullopt, only_private).channels.empty());
}

}  // namespace
}  // namespace parley::server
