// The session's ops that forward to the operations layer with no protocol state of their own:
// slash commands and buttons (bot_commands.hpp), read markers and the conversation list
// (conversations.hpp). Each checks read access where the op names a channel, then forwards.
#include <boost/asio/post.hpp>

#include "parley/fanout/shard.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/conversations.hpp"
#include "parley/ops/hub.hpp"
#include "session.hpp"

namespace parley::server {

using protocol::ErrorCode;

void Session::handle(const std::string& id_json, protocol::RegisterCommandsCmd& c) {
  hub_.commands().register_commands(*identity_, std::move(c.commands), reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::CommandsCmd&) {
  reply_outcome(id_json, Outcome::success(hub_.commands().list_fields()));
}

void Session::handle(const std::string& id_json, protocol::CommandCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  reply_outcome(id_json, hub_.commands().run(*identity_, c));
}

void Session::handle(const std::string& id_json, protocol::ReplyCommandCmd& c) {
  reply_outcome(id_json, hub_.commands().reply(*identity_, c));
}

void Session::handle(const std::string& id_json, protocol::ActionCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  hub_.commands().click(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::ReadCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  mark_read(hub_, *identity_, id_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::ChannelsCmd&) {
  hub_.read_async([self = shared_from_this(), who = *identity_, id_json] {
    auto p = make_payload(channels_reply(id_json, conversations(self->hub_, who, true)));
    boost::asio::post(self->shard_.ioc(), [self, p = std::move(p)] { self->push(p); });
  });
}

}  // namespace parley::server
