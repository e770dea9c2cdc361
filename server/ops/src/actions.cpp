#include "parley/ops/actions.hpp"

#include <chrono>

#include "actions_internal.hpp"
#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/conversations.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/ops/word_filter.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;
using storage::WriteStatus;
using namespace actions_internal;

Actions::Actions(Core& core, const WordFilter& filter, AdvocacyService& advocacy,
                 WebhookService& webhooks, EmailService& email)
    : core_(core),
      filter_(filter),
      advocacy_(advocacy),
      webhooks_(webhooks),
      email_(email),
      here_(std::int64_t{core.cfg.limits.here_interval_s} * 1000) {}

storage::AuditEntry Actions::audit(const Identity& who, std::string action) const {
  storage::AuditEntry a;
  a.actor = who.id;
  a.action = std::move(action);
  return a;
}

void Actions::write(storage::WriteRequest req, std::function<Outcome(storage::Committed&)> on_done,
                    Done done) {
  bool queued = core_.writes.submit(
      std::move(req),
      Completion::after_events([on_done = std::move(on_done), done](storage::Committed& c) {
        if (c.status == WriteStatus::error) {
          return done(
              Outcome::failure(ErrorCode::internal, c.error.starts_with("disk full")
                                                        ? "storage full; nothing was changed"
                                                        : "storage failure; nothing was changed"));
        }
        done(on_done(c));
      }));
  if (!queued) done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
}

Posted Actions::send(const Identity& who, protocol::SendCmd& c, AckRoute route,
                     std::size_t inflight) {
  auto access = channel_access(core_.store, core_.moderation, who, c.channel);
  if (!access) {
    return {Outcome::failure(ErrorCode::not_found, "unknown channel \"" + c.channel + "\""), {}};
  }
  if (auto d = check(Action::post, who, access->facts)) return {from_denial(*d), {}};
  bool masked = false;
  if (auto refused = check_post(who, c.channel, c.text, true, &masked)) return {refused, {}};
  if (!c.actions.empty() && who.role != protocol::Role::bot) {
    return {Outcome::failure(ErrorCode::forbidden, "only bots add buttons"), {}};
  }
  auto mentions = mentions_for(core_, here_, who, c.channel, access->info.kind, c.text);
  if (mentions.refused) {
    return {Outcome::failure(mentions.refused->code, mentions.refused->message,
                             mentions.retry_after_ms),
            {}};
  }
  return submit_message(who, c.channel, std::move(c.text), std::move(c.client_msg_id),
                        c.reply_to.value_or(0), std::move(mentions.mentions),
                        protocol::pack_actions(c.actions), masked, route, inflight);
}

Posted Actions::send_dm(const Identity& who, protocol::DmCmd& c, AckRoute route,
                        std::size_t inflight) {
  if (c.to == who.id) {
    return {Outcome::failure(ErrorCode::bad_request, "cannot send a DM to yourself"), {}};
  }
  std::string channel = protocol::dm_channel_name(who.id, c.to);
  bool masked = false;
  if (auto refused = check_post(who, channel, c.text, false, &masked)) return {refused, {}};
  auto mentions = mentions_for(core_, here_, who, channel, protocol::ChannelKind::dm, c.text);
  return submit_message(who, std::move(channel), std::move(c.text), std::move(c.client_msg_id),
                        c.reply_to.value_or(0), std::move(mentions.mentions), {}, masked, route,
                        inflight);
}

Posted Actions::submit_message(const Identity& who, std::string channel, std::string text,
                               std::string client_msg_id, std::uint64_t reply_to,
                               std::string mentions, std::string actions, bool masked,
                               AckRoute route, std::size_t inflight) {
  if (inflight >= core_.cfg.limits.max_inflight_sends) {
    return {Outcome::failure(ErrorCode::rate_limited, "too many sends awaiting storage", 100), {}};
  }
  storage::WriteRequest req;
  storage::AppendMessage am;
  am.channel = std::move(channel);
  am.client_msg_id = std::move(client_msg_id);
  am.msg.from_id = who.id;
  am.msg.from_name = who.name;
  am.msg.from_role = who.role;
  am.msg.from_advocate = advocacy_.is_advocate(who.id);
  Posted posted;
  if (masked) posted.masked_text = text;
  am.msg.text = std::move(text);
  am.msg.reply_to = reply_to;
  am.msg.mentions = std::move(mentions);
  am.msg.actions = std::move(actions);
  req.op = std::move(am);
  webhooks_.attach(req);
  email_.attach(req);
  if (!core_.writes.submit(std::move(req), Completion::ack(route))) {
    posted.refused = Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100);
  }
  return posted;
}

std::optional<Outcome> Actions::staff_target_check(const Identity& who, const std::string& target) {
  if (auto d = check_target(subject(who), who.id, target, core_.moderation.known_role(target))) {
    return from_denial(*d);
  }
  return std::nullopt;
}

std::optional<Outcome> Actions::check_post(const Identity& who, const std::string& channel,
                                           std::string& text, bool counts_for_slow_mode,
                                           bool* masked) {
  auto now = now_ms();
  if (auto wait = core_.moderation.kick_wait(who.id, channel, now)) {
    return Outcome::failure(ErrorCode::forbidden, "you were kicked from this channel", wait);
  }
  if (auto m = core_.moderation.mute_for(who.id, channel, now)) {
    std::string msg = m->channel.empty() ? "you are muted" : "you are muted in this channel";
    if (!m->reason.empty()) msg += ": " + m->reason;
    return Outcome::failure(ErrorCode::muted, msg, m->until ? m->until - now : -1);
  }
  if (!filter_.empty()) {
    auto hits = filter_.hits(text);
    if (!hits.empty()) {
      storage::WriteRequest req;
      storage::AuditEntry a;
      a.actor = "system";
      a.target_user = who.id;
      a.channel = channel;
      a.details = fields([&](JsonWriter& w) {
        w.key("words").begin_array();
        for (auto& h : hits) w.value(h);
        w.end_array();
      });
      a.details = "{" + a.details + "}";
      if (core_.cfg.moderation.filter_mode == "block") {
        a.action = "filter_block";
        req.op = storage::AuditOnly{};
        req.audit = std::move(a);
        core_.writes.submit(std::move(req));
        return Outcome::failure(ErrorCode::forbidden, "message blocked by the word filter");
      }
      a.action = "filter_mask";
      req.op = storage::AuditOnly{};
      req.audit = std::move(a);
      core_.writes.submit(std::move(req));
      text = filter_.mask(text);
      if (masked != nullptr) *masked = true;
    }
  }
  if (counts_for_slow_mode && who.role == protocol::Role::customer) {
    auto info = core_.store.get_channel(channel);
    if (info && info->slow_mode_s > 0) {
      auto wait = core_.moderation.slow_mode_wait(channel, who.id, info->slow_mode_s, now);
      if (wait > 0) {
        return Outcome::failure(
            ErrorCode::slow_mode,
            "slow mode: one message every " + std::to_string(info->slow_mode_s) + " s", wait);
      }
    }
  }
  return std::nullopt;
}

void Actions::edit(const Identity& who, const protocol::EditCmd& c, Done done) {
  Outcome err;
  auto ch = resolve_channel(core_, who, c.channel, &err);
  if (!ch) return done(err);
  ch->facts.is_author = true;  // the store checks the actual author (forbidden otherwise)
  if (auto d = check(Action::edit_own, subject(who), &ch->facts)) return done(from_denial(*d));
  std::string text = c.text;
  if (auto refused = check_post(who, c.channel, text, false)) return done(*refused);
  storage::WriteRequest req;
  req.op = storage::EditMessage{c.channel, c.seq, who.id, std::move(text), {}};
  write(
      std::move(req),
      [](storage::Committed& r) {
        auto& op = std::get<storage::EditMessage>(r.req.op);
        switch (r.status) {
          case WriteStatus::ok:
            return Outcome::success(fields([&](JsonWriter& w) {
              w.field("channel", op.channel)
                  .field("seq", op.seq)
                  .field("edited_at", op.result.edited_at);
            }));
          case WriteStatus::forbidden:
            return Outcome::failure(ErrorCode::forbidden, "only the author may edit a message");
          default:
            return Outcome::failure(ErrorCode::not_found, "message not found");
        }
      },
      std::move(done));
}

void Actions::remove(const Identity& who, const protocol::DeleteCmd& c, Done done) {
  Outcome err;
  auto ch = resolve_channel(core_, who, c.channel, &err);
  if (!ch) return done(err);
  bool moderator = protocol::is_staff(who.role) && ch->info.kind != protocol::ChannelKind::dm;
  ch->facts.is_author = true;  // for the author path the store checks the actual author
  if (auto d = check(Action::delete_message, subject(who), &ch->facts))
    return done(from_denial(*d));
  storage::WriteRequest req;
  req.op = storage::DeleteMessage{c.channel, c.seq, who.id, moderator, {}};
  if (moderator) {
    auto a = audit(who, "delete");
    a.channel = c.channel;
    a.seq = c.seq;
    req.audit = std::move(a);
  }
  write(
      std::move(req),
      [](storage::Committed& r) {
        auto& op = std::get<storage::DeleteMessage>(r.req.op);
        switch (r.status) {
          case WriteStatus::ok:
            return Outcome::success(fields(
                [&](JsonWriter& w) { w.field("channel", op.channel).field("seq", op.seq); }));
          case WriteStatus::forbidden:
            return Outcome::failure(ErrorCode::forbidden,
                                    "only the author or staff may delete a message");
          default:
            return Outcome::failure(ErrorCode::not_found, "message not found");
        }
      },
      std::move(done));
}

void Actions::react(const Identity& who, const protocol::ReactCmd& c, Done done) {
  Outcome err;
  auto ch = resolve_channel(core_, who, c.channel, &err);
  if (!ch) return done(err);
  if (auto d = check(Action::react, subject(who), &ch->facts)) return done(from_denial(*d));
  auto now = now_ms();
  if (auto m = core_.moderation.mute_for(who.id, c.channel, now)) {
    return done(
        Outcome::failure(ErrorCode::muted, "you are muted", m->until ? m->until - now : -1));
  }
  storage::WriteRequest req;
  req.op = storage::React{c.channel, c.seq, who.id, c.emoji, c.add, 0, {}, false};
  write(
      std::move(req),
      [](storage::Committed& r) {
        auto& op = std::get<storage::React>(r.req.op);
        switch (r.status) {
          case WriteStatus::ok:
            return Outcome::success(fields([&](JsonWriter& w) {
              w.field("channel", op.channel).field("seq", op.seq).field("emoji", op.emoji);
              w.field("count", static_cast<std::uint64_t>(op.count));
            }));
          case WriteStatus::conflict:
            return Outcome::failure(ErrorCode::conflict,
                                    "too many different reactions on this message");
          default:
            return Outcome::failure(ErrorCode::not_found, "message not found");
        }
      },
      std::move(done));
}

}  // namespace parley::server
