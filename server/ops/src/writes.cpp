#include "parley/ops/writes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

Writes::Writes(const Config& cfg, Router& router, Metrics& metrics, Moderation& moderation)
    : cfg_(cfg), router_(router), metrics_(metrics), moderation_(moderation) {}

namespace {

std::string event_json(std::string_view op, const std::string& channel, std::uint64_t seq,
                       const std::function<void(protocol::JsonWriter&)>& extra) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("op", op).field("channel", channel);
  if (seq) w.field("seq", seq);
  extra(w);
  w.end_object();
  return out;
}

}  // namespace

// The change a committed write made to a channel, as the event its readers get (PROTOCOL.md
// §4); the store numbers it and keeps it for `join` with `changes_since`. Writer thread.
std::optional<storage::ChangeEvent> change_event_of(const storage::WriteOp& write) {
  return std::visit(
      [](const auto& op) -> std::optional<storage::ChangeEvent> {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, storage::EditMessage>) {
          return storage::ChangeEvent{
              op.channel, event_json("edited", op.channel, op.seq, [&](auto& w) {
                w.field("text", op.result.text).field("edited_at", op.result.edited_at);
              })};
        } else if constexpr (std::is_same_v<T, storage::DeleteMessage>) {
          if (!op.was_live) return std::nullopt;  // an erasure renaming a tombstone
          return storage::ChangeEvent{
              op.channel,
              event_json("deleted", op.channel, op.seq, [&](auto& w) { w.field("by", op.by); })};
        } else if constexpr (std::is_same_v<T, storage::React>) {
          if (!op.changed) return std::nullopt;  // a no-op announces nothing
          return storage::ChangeEvent{
              op.channel, event_json("reaction", op.channel, op.seq, [&](auto& w) {
                w.field("emoji", op.emoji).field("count", static_cast<std::uint64_t>(op.count));
              })};
        } else if constexpr (std::is_same_v<T, storage::SetSolved>) {
          return storage::ChangeEvent{
              op.channel, event_json("solved", op.channel, 0, [&](auto& w) {
                w.field("question_seq", op.question_seq).field("seq", op.answer_seq);
              })};
        } else if constexpr (std::is_same_v<T, storage::RecordChange>) {
          return storage::ChangeEvent{op.channel, op.event};
        } else {
          return std::nullopt;
        }
      },
      write);
}

bool Writes::submit(storage::WriteRequest&& req, Completion done) {
  std::uint64_t id = 0;
  switch (done.kind_) {
    case Completion::Kind::none:
      req.origin = 0;
      break;
    case Completion::Kind::ack:
      req.origin = done.route_.session;
      req.cookie = done.route_.cookie;
      break;
    case Completion::Kind::after_events: {
      std::lock_guard lock(then_mu_);
      id = next_then_++;
      then_.emplace(id, std::move(done.then_));
      req.origin = kAfterEvents;
      req.cookie = id;
      break;
    }
  }
  if (store_->submit(std::move(req))) return true;
  if (id != 0) {
    std::lock_guard lock(then_mu_);
    then_.erase(id);
  }
  return false;
}

void Writes::trim_changes() {
  constexpr std::int64_t kEvery = 3600 * 1000;
  const std::int64_t now = now_ms();
  std::int64_t last = changes_trimmed_at_.load(std::memory_order_relaxed);
  if (now - last < kEvery || !changes_trimmed_at_.compare_exchange_strong(last, now)) return;
  storage::WriteRequest req;
  req.op = storage::TrimChanges{
      now - std::int64_t{cfg_.storage.change_retention_days} * 86400 * 1000, 0};
  submit(std::move(req), Completion::after_events([](storage::Committed& c) {
           const auto& op = std::get<storage::TrimChanges>(c.req.op);
           if (c.status != storage::WriteStatus::ok) {
             spdlog::warn("event=changes_trim_failed error=\"{}\"", c.error);
           } else if (op.deleted > 0) {
             spdlog::info("event=changes_trimmed deleted={}", op.deleted);
           }
         }));
}

namespace {

Payload channel_event(std::string_view op, const std::string& channel, std::uint64_t seq,
                      const std::function<void(protocol::JsonWriter&)>& extra) {
  return make_payload(event_json(op, channel, seq, extra));
}

// A report's event to every staff session: `report` (filed) or `report_resolved`.
Delivery report_event(std::string_view op, const storage::Report& r) {
  std::string frame;
  protocol::JsonWriter w(frame);
  w.begin_object().field("op", op);
  write_report_fields(w, r);
  w.end_object();
  Delivery d;
  d.kind = Delivery::Kind::staff_event;
  d.payload = make_payload(std::move(frame));
  return d;
}

Delivery to_channel(const std::string& channel, Payload p) {
  Delivery d;
  d.kind = Delivery::Kind::channel_event;
  d.channel = channel;
  d.payload = std::move(p);
  if (auto members = protocol::dm_members(channel)) {
    d.dm_a = members->first;
    d.dm_b = members->second;
  }
  return d;
}

}  // namespace

// Effects that must follow a commit whoever asked for it (even if that client is gone): events
// to readers, moderation state, sessions closed by a ban.
void Writes::apply_effects(storage::Committed& c, std::vector<Delivery>& out) {
  using storage::WriteStatus;
  if (c.change != 0) {  // edited, deleted, reaction, solved, helpful: numbered (change_event_of)
    Delivery d = to_channel(c.change_channel, make_payload(std::move(c.change_event)));
    d.change = c.change;
    out.push_back(std::move(d));
  }
  std::visit(
      [&](auto& op) {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, storage::UpdateChannel>) {
          if (c.status != WriteStatus::ok) return;
          std::string out_json = "{\"op\":\"channel_updated\"," +
                                 channel_fields(op.info, cfg_.knowledge.publish_default) + "}";
          out.push_back(to_channel(op.info.name, make_payload(std::move(out_json))));
        } else if constexpr (std::is_same_v<T, storage::PutMute>) {
          if (c.status == WriteStatus::ok) moderation_.put_mute(op.mute);
        } else if constexpr (std::is_same_v<T, storage::RemoveMute>) {
          if (c.status == WriteStatus::ok) moderation_.remove_mute(op.user, op.channel);
        } else if constexpr (std::is_same_v<T, storage::PutBan>) {
          if (c.status != WriteStatus::ok) return;
          moderation_.put_ban(op.ban);
          Delivery d;
          d.kind = Delivery::Kind::close_user;
          d.user = op.ban.user;
          d.close = close_code::banned;
          d.close_reason = "banned";
          std::string msg = "you are banned";
          if (!op.ban.reason.empty()) msg += ": " + op.ban.reason;
          std::string frame;
          protocol::write_error(
              frame, "", protocol::ErrorCode::banned, msg,
              op.ban.until ? std::max<std::int64_t>(0, op.ban.until - now_ms()) : -1);
          d.payload = make_payload(std::move(frame));
          out.push_back(std::move(d));
        } else if constexpr (std::is_same_v<T, storage::EraseUser>) {
          if (c.status != WriteStatus::ok) return;
          // The observers ran first: auth already refuses the user's tokens (Erasures::refuses).
          if (op.finish) return;
          Delivery d;
          d.kind = Delivery::Kind::close_user;
          d.user = op.user;
          d.close = close_code::unauthorized;
          d.close_reason = "unauthorized";
          std::string frame;
          protocol::write_error(frame, "", protocol::ErrorCode::unauthorized,
                                "invalid token: the user is being erased", -1);
          d.payload = make_payload(std::move(frame));
          out.push_back(std::move(d));
        } else if constexpr (std::is_same_v<T, storage::RemoveBan>) {
          if (c.status == WriteStatus::ok) moderation_.remove_ban(op.user);
        } else if constexpr (std::is_same_v<T, storage::PutMember>) {
          if (c.status == WriteStatus::ok) moderation_.put_member(op.channel, op.user);
        } else if constexpr (std::is_same_v<T, storage::RemoveMember>) {
          if (c.status != WriteStatus::ok) return;
          moderation_.remove_member(op.channel, op.user);
          Delivery d;
          d.kind = Delivery::Kind::kick;
          d.user = op.user;
          d.channel = op.channel;
          d.payload = channel_event("kicked", op.channel, 0, [&](auto& w) {
            w.field("by", c.req.audit ? c.req.audit->actor : std::string("system"));
          });
          out.push_back(std::move(d));
        } else if constexpr (std::is_same_v<T, storage::CreateReport>) {
          // A duplicate was announced the first time.
          if (c.status == WriteStatus::ok) out.push_back(report_event("report", op.report));
        } else if constexpr (std::is_same_v<T, storage::ResolveReport>) {
          if (c.status == WriteStatus::ok)
            out.push_back(report_event("report_resolved", op.result));
        }
      },
      c.req.op);
}

namespace {

// A value of a structured log line: bare when it is a plain word, else quoted with `"` and `\`
// escaped and control characters written as \n, \t or \xNN (one entry, one line).
std::string log_value(std::string_view v) {
  const bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("._@+-:/").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// Every audit entry (moderation, channels, reports, backups, bots, webhooks, advocacy
// decisions, filter hits) is also one structured line of the server log.
void log_audit(const storage::AuditEntry& a) {
  std::string line = "event=audit id=" + std::to_string(a.id) + " action=" + log_value(a.action) +
                     " actor=" + log_value(a.actor);
  if (!a.target_user.empty()) line += " target_user=" + log_value(a.target_user);
  if (!a.channel.empty()) line += " channel=" + log_value(a.channel);
  if (a.seq != 0) line += " seq=" + std::to_string(a.seq);
  if (!a.reason.empty()) line += " reason=" + log_value(a.reason);
  if (!a.details.empty()) line += " details=" + log_value(a.details);
  spdlog::info("{}", line);
}

}  // namespace

void Writes::on_commit(std::vector<storage::Committed>& batch) {
  metrics_.observe_batch(batch.size());
  for (const auto& c : batch) {
    if (c.req.audit && c.req.audit->id != 0) log_audit(*c.req.audit);
  }
  for (auto& observe : observers_) observe(batch);
  std::vector<Delivery> deliveries;
  std::vector<WriteAck> acks;
  std::vector<std::pair<Completion::Then, storage::Committed*>> after;
  for (auto& c : batch) {
    if (std::holds_alternative<storage::AppendMessage>(c.req.op)) {
      message_committed(c, deliveries, acks);
    } else {
      apply_effects(c, deliveries);
    }
    if (c.req.origin == kAfterEvents) {
      std::lock_guard lock(then_mu_);
      auto it = then_.find(c.req.cookie);
      if (it != then_.end()) {
        after.emplace_back(std::move(it->second), &c);
        then_.erase(it);
      }
    }
  }
  router_.publish_committed(std::move(deliveries), std::move(acks));
  // After the events are posted: a reply never overtakes the event it reports.
  for (auto& [then, c] : after) then(*c);
}

void Writes::message_committed(storage::Committed& c, std::vector<Delivery>& deliveries,
                               std::vector<WriteAck>& acks) {
  auto* am = std::get_if<storage::AppendMessage>(&c.req.op);
  WriteAck a;
  a.session_id = c.req.origin == kAfterEvents ? 0 : c.req.origin;
  a.cookie = c.req.cookie;
  a.channel = am->channel;
  a.seq = am->msg.seq;
  a.ts = am->msg.ts;
  switch (c.status) {
    case storage::WriteStatus::ok: {
      a.ok = true;
      metrics_.messages_stored.fetch_add(1, std::memory_order_relaxed);
      Delivery d;
      d.channel = am->channel;
      d.seq = am->msg.seq;
      std::string out;
      append_message_event(out, am->channel, am->msg);
      d.payload = make_payload(std::move(out));
      if (auto members = protocol::dm_members(am->channel)) {
        d.dm_a = members->first;
        d.dm_b = members->second;
      }
      deliveries.push_back(std::move(d));
      break;
    }
    case storage::WriteStatus::duplicate:
      a.ok = true;
      metrics_.duplicates.fetch_add(1, std::memory_order_relaxed);
      break;
    case storage::WriteStatus::not_found:
      a.error_code = protocol::ErrorCode::not_found;
      a.error_message = c.error == "reply_to"
                            ? "reply_to names no message in \"" + am->channel + "\""
                            : "unknown channel \"" + am->channel + "\"";
      break;
    case storage::WriteStatus::forbidden:
      a.error_code = protocol::ErrorCode::forbidden;
      a.error_message = "not allowed";
      break;
    case storage::WriteStatus::conflict:
    case storage::WriteStatus::error:
      a.error_code = protocol::ErrorCode::internal;
      a.error_message = c.error.starts_with("disk full")
                            ? "storage full; the message was not stored"
                            : "storage failure; the message was not stored";
      spdlog::error("event=store_write_failed channel={} error=\"{}\"", am->channel, c.error);
      break;
  }
  if (a.session_id != 0) acks.push_back(std::move(a));
}

}  // namespace parley::server
