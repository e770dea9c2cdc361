// The one place the facts of a channel check are gathered: the channel's stored settings and
// the subject's relation to it (member of a private channel, one of a DM's two users). Every
// permission check on a channel (permissions.hpp `check`) takes its ChannelFacts from here.
#pragma once

#include <optional>
#include <string>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

class Moderation;

// The facts of `info` for user `who`: kind, archived, locked, and membership (private: the
// moderation state's member list; DM: one of the two users named by the channel). is_author
// and is_asker stay false: the caller knows the message.
ChannelFacts channel_facts(const storage::ChannelInfo& info, const Moderation& moderation,
                           const std::string& who);

struct ChannelAccess {
  storage::ChannelInfo info;
  ChannelFacts facts;
};

// The channel named `channel` (memory only: Store::get_channel) with its facts for `who`, or
// nullopt when there is no such channel.
std::optional<ChannelAccess> channel_access(const storage::Store& store,
                                            const Moderation& moderation, const Identity& who,
                                            const std::string& channel);

// `check(action, who, facts)` for a known channel.
inline std::optional<Denial> check(Action a, const Identity& who, const ChannelFacts& facts) {
  return check(a, Subject{who.role, who.guest}, &facts);
}

}  // namespace parley::server
