// The session's ops that forward to the operations layer with no protocol state of their own:
// slash commands and buttons (bot_commands.hpp), read markers and the conversation list
// (conversations.hpp), helpful, solve, unsolve, set_advocate and deflected (the advocacy
// service), publish_thread and search (the search service), and set_preferences. Each checks
// read access where the op names a channel, then forwards.
#include <boost/asio/post.hpp>

#include "parley/api/context.hpp"
#include "parley/fanout/shard.hpp"
#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/conversations.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/ops/search_service.hpp"
#include "parley/ops/users.hpp"
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

// The advocacy ops, publishing a thread, preferences and search: forwarded to their services.

void Session::handle(const std::string& id_json, protocol::HelpfulCmd& c) {
  ctx_.advocacy.helpful(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::SolveCmd& c) {
  ctx_.advocacy.solve(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::UnsolveCmd& c) {
  ctx_.advocacy.unsolve(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::SetAdvocateCmd& c) {
  ctx_.advocacy.set_advocate(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::DeflectedCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  if (ctx_.store.channel_kind(c.channel) != protocol::ChannelKind::support) {
    return reply_error(id_json, ErrorCode::bad_request,
                       "deflections count in support channels only");
  }
  auto reply = reply_later(id_json);
  ctx_.readers.post(
      [self = shared_from_this(), who = *identity_, ch = c.channel, seq = c.seq, reply] {
        auto m = self->ctx_.store.get_message(ch, seq);
        if (!m || m->deleted)
          return reply(Outcome::failure(ErrorCode::not_found, "message not found"));
        if (m->reply_to != 0 || m->solved_seq == 0) {
          return reply(Outcome::failure(ErrorCode::bad_request, "not a solved question"));
        }
        self->ctx_.advocacy.deflected(who, ch, seq, reply);
      });
}

void Session::handle(const std::string& id_json, protocol::PublishThreadCmd& c) {
  ctx_.search_service.publish_thread(*identity_, c, reply_later(id_json));
}

void Session::handle(const std::string& id_json, protocol::SetPreferencesCmd& c) {
  const auto now = now_ms();
  storage::WriteRequest req;
  req.op = storage::PutUser{user_record(*identity_, now), c.kb_anonymous, c.email};
  auto reply = reply_later(id_json);
  const bool queued =
      ctx_.writes.submit(std::move(req), Completion::after_events([reply](storage::Committed& r) {
                           if (r.status != storage::WriteStatus::ok) {
                             return reply(Outcome::failure(ErrorCode::internal,
                                                           "storage failure; nothing was changed"));
                           }
                           const auto& stored = std::get<storage::PutUser>(r.req.op).user;
                           reply(Outcome::success(preferences_fields(stored)));
                         }));
  if (!queued) reply_error(id_json, ErrorCode::rate_limited, "server busy; retry", 100);
}

void Session::handle(const std::string& id_json, protocol::SearchCmd& c) {
  const double per_min = ctx_.cfg.search.per_connection_per_min;
  if (auto wait = search_tokens_.take(per_min, std::chrono::steady_clock::now()); wait > 0) {
    return reply_error(id_json, ErrorCode::rate_limited, "too many searches; slow down", wait);
  }
  ctx_.search_service.search(identity_, c, reply_later(id_json));
}

}  // namespace parley::server
