// The session's ops that forward to the operations layer with no protocol state of their own:
// slash commands and buttons (bot_commands.hpp), read markers and the conversation list
// (conversations.hpp). Each checks read access where the op names a channel, then forwards.
#include <boost/asio/post.hpp>

#include "parley/api/context.hpp"
#include "parley/fanout/shard.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/conversations.hpp"
#include "session.hpp"

namespace parley::server {

using protocol::ErrorCode;

void Session::handle(const std::string& id_json, protocol::RegisterCommandsCmd& c) {
  ctx_.commands.register_commands(*identity_, std::move(c.commands), reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::CommandsCmd&) {
  reply_outcome(id_json, Outcome::success(ctx_.commands.list_fields()));
}

void Session::handle(const std::string& id_json, protocol::CommandCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  reply_outcome(id_json, ctx_.commands.run(*identity_, c));
}

void Session::handle(const std::string& id_json, protocol::ReplyCommandCmd& c) {
  reply_outcome(id_json, ctx_.commands.reply(*identity_, c));
}

void Session::handle(const std::string& id_json, protocol::ActionCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  ctx_.commands.click(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::ReadCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  mark_read(ctx_, *identity_, id_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::ChannelsCmd&) {
  ctx_.readers.post([self = shared_from_this(), who = *identity_, id_json] {
    auto p = make_payload(channels_reply(id_json, conversations(self->ctx_, who, true)));
    boost::asio::post(self->shard_.ioc(), [self, p = std::move(p)] { self->push(p); });
  });
}

}  // namespace parley::server
