// Session protocol logic: authentication, the frame dispatch, send, dm, history, typing and the
// replies. Joining and replaying are in session_join.cpp; the ops that only forward, in
// session_ops.cpp. See session.hpp for the threading contract.
#include "session.hpp"

#include <algorithm>
#include <cmath>

#include "parley/api/context.hpp"
#include "parley/fanout/router.hpp"
#include "parley/fanout/shard.hpp"
#include "parley/ops/actions.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/conversations.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::Command;
using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

constexpr std::string_view kServerName = "parley/0.1.0";
// Frames a client may send between its auth and the welcome (more get rate_limited).
constexpr std::size_t kMaxEarlyFrames = 64;

}  // namespace

Session::Session(ApiContext& ctx, Shard& shard, Transport& transport, std::string remote_ip)
    : Subscriber(shard),
      ctx_(ctx),
      transport_(transport),
      remote_ip_(std::move(remote_ip)),
      opened_at_(std::chrono::steady_clock::now()),
      tokens_(ctx.cfg.limits.rate_burst),
      tokens_at_(opened_at_) {}

Session::~Session() = default;

void Session::on_open(std::optional<std::string> bearer) {
  shard_.add_session(this);
  ctx_.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  ip_counted_ = ctx_.users.acquire_ip(remote_ip_);
  if (!ip_counted_) {
    ctx_.metrics.connections_rejected.fetch_add(1, std::memory_order_relaxed);
    reply_error("", ErrorCode::rate_limited, "too many connections from your address", 1000);
    close(close_code::try_again_later, "too many connections from your address");
    return;
  }
  if (bearer) handle_auth("", *bearer);
}

void Session::on_closed() {
  if (closed_) return;
  closed_ = true;
  std::vector<std::string> joined;
  joined.reserve(subs_.size());
  for (auto& [ch, sub] : subs_) joined.push_back(ch);
  for (auto& ch : joined) drop_subscription(ch);
  paused_replays_.clear();
  shard_.remove_session(this);
  if (identity_) ctx_.users.user_disconnected(identity_->id);
  if (ip_counted_) ctx_.users.release_ip(remote_ip_);
  ctx_.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void Session::push(const Payload& p) {
  if (closed_) return;
  ctx_.metrics.frames_out.fetch_add(1, std::memory_order_relaxed);
  if (transport_.enqueue(p) == SendStatus::overflow) {
    ctx_.metrics.queue_overflows.fetch_add(1, std::memory_order_relaxed);
  }
}

void Session::reply_error(std::string_view id_json, ErrorCode code, std::string_view message,
                          std::int64_t retry_after_ms) {
  std::string out;
  protocol::write_error(out, id_json, code, message, retry_after_ms);
  ctx_.metrics.errors_sent.fetch_add(1, std::memory_order_relaxed);
  push(std::move(out));
}

bool Session::take_token() {
  const auto& lim = ctx_.cfg.limits;
  const bool bot = identity_ && identity_->role == protocol::Role::bot;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
  tokens_at_ = now;
  tokens_ = std::min(bot ? lim.bot_rate_burst : lim.rate_burst,
                     tokens_ + elapsed * (bot ? lim.bot_rate_per_s : lim.rate_per_s));
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void Session::on_sweep(std::chrono::steady_clock::time_point now) {
  auto limit = std::chrono::seconds(ctx_.cfg.limits.auth_timeout_s);
  if (!authenticated() && now - opened_at_ > limit) {
    close(close_code::unauthorized, "authentication timeout");
  }
  transport_.sweep(now);
}

void Session::on_frame(std::string_view data, bool binary) {
  if (closed_ || draining_) return;
  if (welcome_pending_) {
    if (early_frames_.size() >= kMaxEarlyFrames) {
      return reply_error("", ErrorCode::rate_limited, "wait for the welcome before sending more",
                         100);
    }
    early_frames_.emplace_back(std::string(data), binary);
    return;
  }
  handle_frame(data, binary);
}

void Session::handle_frame(std::string_view data, bool binary) {
  auto& m = ctx_.metrics;
  m.frames_in.fetch_add(1, std::memory_order_relaxed);
  m.bytes_in.fetch_add(data.size(), std::memory_order_relaxed);

  if (binary) {
    if (!authenticated()) {
      reply_error("", ErrorCode::unauthorized, "authenticate first with {\"op\":\"auth\"}");
      close(close_code::unauthorized, "unauthorized");
      return;
    }
    reply_error("", ErrorCode::bad_request, "binary frames are not supported; send JSON text");
    return;
  }
  auto parsed = protocol::parse_request(data, ctx_.parse_limits);
  if (!take_token()) {
    // Parsed first so the error can echo the request id; the frame is otherwise dropped.
    const auto& lim = ctx_.cfg.limits;
    const bool bot = identity_ && identity_->role == protocol::Role::bot;
    auto wait_ms = static_cast<std::int64_t>(
        std::ceil((1.0 - tokens_) / (bot ? lim.bot_rate_per_s : lim.rate_per_s) * 1000));
    reply_error(parsed.ok() ? parsed.request->id_json : parsed.failure->id_json,
                ErrorCode::rate_limited, "too many frames; slow down",
                std::max<std::int64_t>(wait_ms, 1));
    return;
  }

  if (!authenticated()) {
    if (parsed.ok()) {
      if (auto* auth = std::get_if<protocol::AuthCmd>(&parsed.request->cmd)) {
        handle_auth(parsed.request->id_json, auth->token);
        return;
      }
    }
    std::string_view id = parsed.ok() ? parsed.request->id_json : parsed.failure->id_json;
    reply_error(id, ErrorCode::unauthorized, "authenticate first with {\"op\":\"auth\"}");
    close(close_code::unauthorized, "unauthorized");
    return;
  }
  if (!parsed.ok()) {
    reply_error(parsed.failure->id_json, parsed.failure->error.code, parsed.failure->error.message);
    return;
  }
  auto& req = *parsed.request;
  std::visit([&](auto& cmd) { handle(req.id_json, cmd); }, req.cmd);
}

void Session::handle_auth(std::string_view id_json, const std::string& token) {
  auto res = ctx_.tokens.verify(token, now_s());
  if (!res.claims) {
    reply_error(id_json, ErrorCode::unauthorized,
                "invalid token: " + std::string(protocol::to_string(res.error)));
    close(close_code::unauthorized, "unauthorized");
    return;
  }
  auto& c = *res.claims;
  if (auto why = ctx_.bots.refuses(c); why || (why = ctx_.erasures.refuses(c))) {
    reply_error(id_json, ErrorCode::unauthorized, "invalid token: " + *why);
    close(close_code::unauthorized, "unauthorized");
    return;
  }
  if (auto ban = ctx_.moderation.ban_for(c.sub, now_ms())) {
    std::string msg = "you are banned";
    if (!ban->reason.empty()) msg += ": " + ban->reason;
    reply_error(id_json, ErrorCode::banned, msg, ban->until ? ban->until - now_ms() : -1);
    close(close_code::banned, "banned");
    ctx_.users.audit_ban_enforced(c.sub);
    return;
  }
  identity_ = Identity{c.sub, c.name, c.role, c.guest, c.email};
  // A bot's bucket is its own size from here on (docs/CONFIG.md bot_rate_burst).
  if (c.role == protocol::Role::bot) tokens_ = ctx_.cfg.limits.bot_rate_burst;
  ctx_.users.note_user(*identity_);
  ctx_.users.user_connected(c.sub);
  shard_.bind_user(c.sub, this);

  // The unread total needs storage reads, which never run on this thread.
  welcome_pending_ = true;
  ctx_.readers.post([self = shared_from_this(), who = *identity_, id = std::string(id_json)] {
    std::uint64_t total = unread_total(self->ctx_, who);
    storage::UserRecord prefs = self->ctx_.store.get_user(who.id).value_or(storage::UserRecord{});
    boost::asio::post(self->shard_.ioc(), [self, id, total, p = preferences_fields(prefs)] {
      self->send_welcome(id, total, p);
    });
  });
}

void Session::send_welcome(const std::string& id_json, std::uint64_t unread_total,
                           const std::string& preferences) {
  welcome_pending_ = false;
  if (closed_) return;
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "welcome");
  if (!id_json.empty()) w.raw_field("id", id_json);
  w.key("user").begin_object();
  w.field("id", identity_->id).field("name", identity_->name);
  w.field("role", protocol::to_string(identity_->role)).field("guest", identity_->guest);
  if (!identity_->email.empty()) w.field("email", identity_->email);
  w.end_object();
  w.field("protocol", 1).field("server", kServerName).field("session", id_);
  w.field("unread_total", unread_total);
  w.key("preferences").raw("{" + preferences + "}");
  w.end_object();
  push(std::move(out));
  auto early = std::move(early_frames_);
  early_frames_.clear();
  for (auto& [data, binary] : early) {
    if (closed_ || draining_) break;
    handle_frame(data, binary);
  }
}

void Session::handle(const std::string& id_json, protocol::AuthCmd&) {
  reply_error(id_json, ErrorCode::bad_request, "already authenticated");
}

void Session::handle(const std::string& id_json, protocol::PingCmd&) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "pong");
  if (!id_json.empty()) w.raw_field("id", id_json);
  w.field("ts", now_ms()).end_object();
  push(std::move(out));
}

// send and dm: decided in ops (Actions::send, send_dm); the ack comes back through
// complete_write with the cookie chosen here.
void Session::handle(const std::string& id_json, protocol::SendCmd& c) {
  accept_post(id_json,
              ctx_.actions.send(*identity_, c, {id_, next_cookie_}, pending_writes_.size()));
}

void Session::handle(const std::string& id_json, protocol::DmCmd& c) {
  accept_post(id_json,
              ctx_.actions.send_dm(*identity_, c, {id_, next_cookie_}, pending_writes_.size()));
}

void Session::accept_post(const std::string& id_json, Posted posted) {
  if (posted.refused) {
    const Outcome& o = *posted.refused;
    return reply_error(id_json, o.code, o.message, o.retry_after_ms);
  }
  pending_writes_.emplace(next_cookie_++, PendingWrite{id_json, std::move(posted.masked_text)});
}

void Session::complete_write(const WriteAck& ack) {
  auto it = pending_writes_.find(ack.cookie);
  if (it == pending_writes_.end()) return;
  PendingWrite p = std::move(it->second);
  pending_writes_.erase(it);
  if (!ack.ok) return reply_error(p.id_json, ack.error_code, ack.error_message);
  std::string out;
  JsonWriter w(out);
  protocol::begin_ok(w, p.id_json).field("channel", ack.channel).field("seq", ack.seq);
  w.field("ts", ack.ts);
  if (!p.masked_text.empty()) w.field("text", p.masked_text);  // what was stored
  w.end_object();
  push(std::move(out));
}

namespace {
// A stored message's JSON with a short text is ~180 bytes. The reply is reserved for a page of
// such messages up front (c.limit is already clamped to the protocol's maximum, 100), so that a
// 10-20 KB page is not copied again each time it outgrows its buffer.
constexpr std::size_t kTypicalMessageJson = 200;

// The `ok` reply to a history request, written straight from RocksDB's memory (no copy of the
// messages in between); nullopt when memory_only and a block would have to come from disk.
std::optional<std::string> history_reply(const storage::Store& store, const std::string& id_json,
                                         const std::string& channel, std::uint64_t before,
                                         std::size_t limit, bool memory_only) {
  std::string out;
  out.reserve(96 + id_json.size() + channel.size() + limit * kTypicalMessageJson);
  JsonWriter w(out);
  protocol::begin_ok(w, id_json).field("channel", channel).key("messages").begin_array();
  auto page = store.visit_before(
      channel, before, limit, memory_only,
      [&w](const protocol::MessageView& m) { protocol::write_message_object(w, m); });
  if (!page) return std::nullopt;
  w.end_array().field("has_more", page->has_more).end_object();
  // A short page (the channel's first messages, or a small limit) gives back what it did not
  // use: the reply waits in the session's queue, which counts its size, not its capacity.
  if (out.capacity() > 2 * out.size()) out.shrink_to_fit();
  return out;
}
}  // namespace

void Session::handle(const std::string& id_json, protocol::HistoryCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  const std::uint64_t before = c.before.value_or(0);
  // A page in memory (the usual case: recent history, or a hot channel) is served right here;
  // the hop to the reader pool and back cost more than the read (bench: history p99 at half
  // rate 1.8-2.8 ms -> 1.1-1.8 ms, server CPU -35%). A page that needs the disk goes to the
  // pool, so an I/O thread never blocks on it.
  if (auto reply = history_reply(ctx_.store, id_json, c.channel, before, c.limit, true)) {
    push(std::move(*reply));
    return;
  }
  ctx_.readers.post([self = shared_from_this(), ch = c.channel, before, limit = c.limit, id_json] {
    auto reply = history_reply(self->ctx_.store, id_json, ch, before, limit, false);
    auto p = make_payload(std::move(*reply));  // never nullopt when not memory_only
    boost::asio::post(self->shard_.ioc(), [self, p = std::move(p)] { self->push(p); });
  });
}

void Session::handle(const std::string& id_json, protocol::TypingCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "typing").field("channel", c.channel);
  w.field("user", identity_->id).field("name", identity_->name).end_object();
  ctx_.router.publish_transient(c.channel, make_payload(std::move(out)), id_);
  std::string ok;
  JsonWriter wo(ok);
  protocol::begin_ok(wo, id_json).field("channel", c.channel).end_object();
  push(std::move(ok));
}

// Only a session that joined (or is joining) the channel hears of the kick.
void Session::kicked(const std::string& channel, const Payload& p) {
  if (!subs_.contains(channel)) return;
  drop_subscription(channel);
  push(p);
}

void Session::reply_outcome(const std::string& id_json, const Outcome& o) {
  if (!o.ok) return reply_error(id_json, o.code, o.message, o.retry_after_ms);
  std::string out;
  JsonWriter w(out);
  protocol::begin_ok(w, id_json);
  w.end_object();
  if (!o.fields.empty()) out.insert(out.size() - 1, "," + o.fields);
  push(std::move(out));
}

namespace {
template <class Cmd>
struct ActionFor;
#define PARLEY_ACTION(CMD, FN)               \
  template <>                                \
  struct ActionFor<protocol::CMD> {          \
    static constexpr auto fn = &Actions::FN; \
  };
PARLEY_ACTION(EditCmd, edit)
PARLEY_ACTION(DeleteCmd, remove)
PARLEY_ACTION(ReactCmd, react)
PARLEY_ACTION(ReportCmd, report)
PARLEY_ACTION(ResolveReportCmd, resolve_report)
PARLEY_ACTION(MuteCmd, mute)
PARLEY_ACTION(BanCmd, ban)
PARLEY_ACTION(KickCmd, kick)
PARLEY_ACTION(SlowModeCmd, slow_mode)
PARLEY_ACTION(LockCmd, lock)
PARLEY_ACTION(CreateChannelCmd, create_channel)
PARLEY_ACTION(ArchiveChannelCmd, archive_channel)
PARLEY_ACTION(UpdateChannelCmd, update_channel)
PARLEY_ACTION(MemberCmd, member)
#undef PARLEY_ACTION
template <class Cmd, class = void>
struct HasAction : std::false_type {};
template <class Cmd>
struct HasAction<Cmd, std::void_t<decltype(ActionFor<Cmd>::fn)>> : std::true_type {};
}  // namespace

std::function<void(Outcome)> Session::reply_later(const std::string& id_json) {
  return [self = shared_from_this(), id_json](Outcome o) {
    boost::asio::post(self->shard_.ioc(),
                      [self, id_json, o = std::move(o)] { self->reply_outcome(id_json, o); });
  };
}

template <class Cmd>
void Session::handle(const std::string& id_json, Cmd& c) {
  if constexpr (HasAction<Cmd>::value) {
    (ctx_.actions.*ActionFor<Cmd>::fn)(*identity_, c, reply_later(id_json));
  } else {
    static_assert(HasAction<Cmd>::value, "every protocol command needs a handler");
  }
}

}  // namespace parley::server
