#include "parley/ops/channel_access.hpp"

#include "parley/ops/moderation.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

ChannelFacts channel_facts(const storage::ChannelInfo& info, const Moderation& moderation,
                           const std::string& who) {
  ChannelFacts f;
  f.kind = info.kind;
  f.archived = info.archived;
  f.locked = info.locked;
  if (info.kind == protocol::ChannelKind::dm) {
    auto m = protocol::dm_members(info.name);
    f.member = m && (m->first == who || m->second == who);
  } else if (info.kind == protocol::ChannelKind::private_) {
    f.member = moderation.is_member(info.name, who);
  }
  return f;
}

std::optional<ChannelAccess> channel_access(const storage::Store& store,
                                            const Moderation& moderation, const Identity& who,
                                            const std::string& channel) {
  auto info = store.get_channel(channel);
  if (!info) return std::nullopt;
  ChannelAccess a{std::move(*info), {}};
  a.facts = channel_facts(a.info, moderation, who.id);
  return a;
}

}  // namespace parley::server
