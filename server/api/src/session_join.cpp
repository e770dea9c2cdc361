// Joining a channel and replaying it without gap or duplicate (PROTOCOL.md §8).
//
// The rule: the subscription is registered on the shard BEFORE the
// stored messages are read, and every live message carries its seq. While a subscription
// replays, live messages are buffered; after the last stored chunk, buffered ones with a seq
// beyond what was replayed are sent, and from then on anything at or below `delivered` is a
// duplicate and dropped. A message committed after the read is posted to the shard after the
// subscription existed, so it is in the buffer; one committed before it is in the read. Changes
// (edited, deleted, reaction, helpful, solved) follow the same rule by change number: a second
// Stream of the subscription, replayed (join `changes_since`) after the messages.
#include <boost/asio/post.hpp>

#include "change_replay.hpp"
#include "parley/api/context.hpp"
#include "parley/fanout/router.hpp"
#include "parley/fanout/shard.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "session.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

constexpr std::size_t kReplayChunk = 256;       // stored messages per replay read
constexpr std::size_t kMaxReplayBuffer = 4096;  // live messages buffered during a replay
constexpr std::size_t kOnlineListMax = 200;     // users listed in a join reply

}  // namespace

std::optional<std::pair<ErrorCode, std::string>> Session::check_read(const std::string& ch) {
  auto access = channel_access(ctx_.store, ctx_.moderation, *identity_, ch);
  if (!access) return std::pair{ErrorCode::not_found, "unknown channel \"" + ch + "\""};
  if (auto d = check(Action::read, *identity_, access->facts)) {
    return std::pair{d->code, d->message};
  }
  return std::nullopt;
}

void Session::handle(const std::string& id_json, protocol::JoinCmd& c) {
  if (auto err = check_read(c.channel)) return reply_error(id_json, err->first, err->second);
  if (auto wait = ctx_.moderation.kick_wait(identity_->id, c.channel, now_ms())) {
    return reply_error(id_json, ErrorCode::forbidden, "you were kicked from this channel", wait);
  }
  bool rejoin = subs_.contains(c.channel);
  if (!rejoin && subs_.size() >= ctx_.cfg.limits.max_joined_channels) {
    return reply_error(id_json, ErrorCode::forbidden, "too many joined channels");
  }
  if (rejoin) {
    ctx_.router.unsubscribe(c.channel, *this);
    subs_.erase(c.channel);
  }
  auto gen = ++sub_generation_;
  auto& sub = subs_[c.channel];
  sub.generation = gen;
  ctx_.router.subscribe(c.channel, *this);  // before the read: see the comment at the top

  if (!rejoin &&
      ctx_.router.presence_join(c.channel, identity_->id, identity_->name, identity_->role)) {
    ctx_.router.publish_transient(c.channel, presence_event(c.channel, "online"), id_);
  }

  ctx_.readers.post([self = shared_from_this(), ch = c.channel, since = c.since,
                     changes_since = c.changes_since, id_json, gen, user = identity_->id] {
    auto& store = self->ctx_.store;
    std::uint64_t last = store.last_seq(ch);
    const std::uint64_t last_change = store.last_change(ch);
    // Changes: replayed from changes_since when the log still holds everything after it; a
    // client further behind is told to reload (changes_reset) and gets live changes only.
    const auto plan = plan_change_replay(
        changes_since, last_change,
        changes_since && *changes_since < last_change ? store.first_change(ch) : 1);
    const bool changes_reset = plan.reset;
    const bool replay_changes = plan.replay;
    const std::uint64_t change_start = plan.start;
    auto info = store.get_channel(ch);
    std::string out;
    JsonWriter w(out);
    protocol::begin_ok(w, id_json).field("channel", ch).field("last_seq", last);
    w.field("last_change", last_change);
    if (changes_reset) w.field("changes_reset", true);
    // The channel ends before the client's `since` (a store restored from a backup): what it
    // holds after last_seq is not this channel's.
    if (since && *since > last) w.field("since_reset", true);
    if (info) {
      w.field("kind", protocol::to_string(info->kind)).field("epoch", info->epoch);
      if (!info->title.empty()) w.field("title", info->title);
      w.field("archived", info->archived).field("locked", info->locked);
      w.field("slow_mode_s", static_cast<std::uint64_t>(info->slow_mode_s));
    }
    // Who is here now (presence events then report changes); capped, by user id.
    w.key("online").begin_array();
    for (auto& u : self->ctx_.router.online(ch, kOnlineListMax, /*announced_only=*/true)) {
      w.begin_object().field("id", u.id).field("name", u.name);
      w.field("role", protocol::to_string(u.role));
      w.field("advocate", self->ctx_.advocacy.is_advocate(u.id)).end_object();
    }
    w.end_array();
    w.end_object();
    // A `since` beyond the end (e.g. a reset store) replays from what exists now.
    std::uint64_t start = since ? std::min(*since, last) : last;
    auto reply = [self, ch, gen, start, last, change_start, replay_changes,
                  ok = make_payload(std::move(out))] {
      boost::asio::post(self->shard_.ioc(),
                        [self, ch, gen, start, last, change_start, replay_changes, ok] {
                          auto it = self->subs_.find(ch);
                          if (it == self->subs_.end() || it->second.generation != gen) return;
                          self->push(ok);
                          it->second.messages.delivered = start;
                          it->second.changes.delivered = change_start;
                          it->second.replay_changes = replay_changes;
                          if (start < last) {
                            self->replay_step(ch, gen);
                          } else {
                            self->replay_done(ch, it->second);
                          }
                        });
    };
    // A first join puts the channel in the user's list (DESIGN §10), with what came before
    // counted as read, before the ok: a `channels` after it lists the channel. (When the
    // storage queue is full, the ok goes without it; the next join tries again.)
    if (!store.last_read(user, ch)) {
      storage::WriteRequest mark;
      mark.op = storage::MarkRead{user, ch, last, true};
      if (self->ctx_.writes.submit(
              std::move(mark), Completion::after_events([reply](storage::Committed&) { reply(); })))
        return;
    }
    reply();
  });
}

void Session::replay_step(const std::string& channel, std::uint64_t generation) {
  replay_stored(channel, generation, Replay::messages);
}

void Session::changes_step(const std::string& channel, std::uint64_t generation) {
  replay_stored(channel, generation, Replay::changes);
}

// One chunk of a replay from the store (messages by seq, or the change log by change number)
// after what the stream delivered; then the next chunk, or the end of the replay.
void Session::replay_stored(const std::string& channel, std::uint64_t generation, Replay what) {
  auto it = subs_.find(channel);
  if (closed_ || it == subs_.end() || it->second.generation != generation) return;
  // Pace the replay by the client's reading speed instead of overflowing its queue.
  if (transport_.queued_bytes() > ctx_.cfg.limits.outbound_queue_bytes / 2) {
    paused_replays_.push_back({channel, generation, what});
    return;
  }
  const bool messages = what == Replay::messages;
  std::uint64_t after = messages ? it->second.messages.delivered : it->second.changes.delivered;
  ctx_.readers.post([self = shared_from_this(), channel, generation, after, what, messages] {
    std::string out;
    std::uint64_t last = after;
    std::size_t n = 0;
    if (messages) {
      auto msgs = self->ctx_.store.read_after(channel, after, kReplayChunk);
      for (auto& m : msgs) {
        if (!out.empty()) out.push_back('\n');
        append_message_event(out, channel, m);
        last = m.seq;
      }
      n = msgs.size();
    } else {
      auto changes = self->ctx_.store.read_changes(channel, after, kReplayChunk);
      for (auto& c : changes) {
        if (!out.empty()) out.push_back('\n');
        out += c.event;
        last = c.change;
      }
      n = changes.size();
    }
    boost::asio::post(self->shard_.ioc(), [self, channel, generation, last, n, what, messages,
                                           p = make_payload(std::move(out))] {
      auto it = self->subs_.find(channel);
      if (it == self->subs_.end() || it->second.generation != generation) return;
      auto& sub = it->second;
      if (n > 0) {
        self->push(p);
        (messages ? sub.messages : sub.changes).delivered = last;
        if (messages) self->ctx_.metrics.deliveries.fetch_add(n, std::memory_order_relaxed);
      }
      if (n == kReplayChunk) {
        self->replay_stored(channel, generation, what);
      } else if (messages) {
        self->replay_done(channel, sub);
      } else {
        self->changes_done(channel, sub);
      }
    });
  });
}

void Session::replay_done(const std::string& channel, Subscription& sub) {
  if (sub.messages.lost()) {
    // Live messages were lost from the buffer (or never seen): they are all stored, so read on.
    sub.messages.overflowed = false;
    sub.messages.buffer.clear();
    replay_step(channel, sub.generation);
    return;
  }
  sub.messages.drain([this](const Payload& p) { push(p); });
  // The join's changes come after its messages: replayed from the store, or only the live
  // ones buffered meanwhile.
  if (sub.changes_pending) {
    sub.changes_pending = false;
    if (sub.replay_changes) {
      changes_step(channel, sub.generation);
    } else {
      changes_done(channel, sub);
    }
  }
}

void Session::changes_done(const std::string& channel, Subscription& sub) {
  if (sub.changes.lost()) {
    // Live changes were lost from the buffer, or came with a hole: they are stored, read on.
    sub.changes.overflowed = false;
    sub.changes.buffer.clear();
    sub.replay_changes = true;
    changes_step(channel, sub.generation);
    return;
  }
  sub.changes.drain([this](const Payload& p) { push(p); });
}

bool Session::deliver_change(const std::string& channel, std::uint64_t change, const Payload& p) {
  auto it = subs_.find(channel);
  if (it == subs_.end()) return false;
  auto& sub = it->second;
  switch (sub.changes.offer(change, p)) {
    case Stream::Live::held:
    case Stream::Live::duplicate:
      break;
    case Stream::Live::hole:  // a change lost from a full buffer: read the missing ones
      sub.replay_changes = true;
      changes_step(channel, sub.generation);
      break;
    case Stream::Live::next:
      push(p);
      sub.changes.delivered = change;
      break;
  }
  return true;
}

void Session::on_writable() {
  if (paused_replays_.empty()) return;
  if (transport_.queued_bytes() > ctx_.cfg.limits.outbound_queue_bytes / 2) return;
  auto paused = std::move(paused_replays_);
  paused_replays_.clear();
  for (auto& p : paused) replay_stored(p.channel, p.generation, p.what);
}

Session::Stream::Live Session::Stream::offer(std::uint64_t n, const Payload& p) {
  if (replaying) {
    if (buffer.size() >= kMaxReplayBuffer) {
      overflowed = true;
      buffer.clear();
    } else if (!overflowed) {
      buffer.emplace_back(n, p);
    }
    return Live::held;
  }
  if (n <= delivered) return Live::duplicate;  // already sent (from the replay)
  if (n > delivered + 1) {
    replaying = true;
    buffer.emplace_back(n, p);
    return Live::hole;
  }
  return Live::next;
}

bool Session::deliver(const std::string& channel, std::uint64_t seq, const Payload& p) {
  auto it = subs_.find(channel);
  if (it == subs_.end()) return false;
  auto& sub = it->second;
  switch (sub.messages.offer(seq, p)) {
    case Stream::Live::held:
    case Stream::Live::duplicate:
      break;
    case Stream::Live::hole:  // fetch the missing messages from storage, then resume live
      replay_step(channel, sub.generation);
      break;
    case Stream::Live::next:
      push(p);
      sub.messages.delivered = seq;
      ctx_.metrics.deliveries.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  return true;
}

void Session::drop_subscription(const std::string& channel) {
  if (subs_.erase(channel) == 0) return;
  ctx_.router.unsubscribe(channel, *this);
  if (identity_ && ctx_.router.presence_leave(channel, identity_->id)) {
    ctx_.router.publish_transient(channel, presence_event(channel, "offline"), id_);
  }
}

// {"op":"presence","channel","user","name","role","advocate","state"} for this session's user.
Payload Session::presence_event(const std::string& channel, std::string_view state) const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "presence").field("channel", channel);
  w.field("user", identity_->id).field("name", identity_->name);
  w.field("role", protocol::to_string(identity_->role));
  w.field("advocate", ctx_.advocacy.is_advocate(identity_->id)).field("state", state);
  w.end_object();
  return make_payload(std::move(out));
}

void Session::handle(const std::string& id_json, protocol::LeaveCmd& c) {
  drop_subscription(c.channel);
  std::string out;
  JsonWriter w(out);
  protocol::begin_ok(w, id_json).field("channel", c.channel).end_object();
  push(std::move(out));
}

}  // namespace parley::server
