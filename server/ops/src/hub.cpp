#include "parley/ops/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <thread>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

Hub::Hub(const Config& cfg, std::string secret, ShardSet& shards, Router& router)
    : cfg_(cfg),
      secret_(std::move(secret)),
      shards_(shards),
      router_(router),
      readers_(cfg.storage.reader_threads),
      filter_(cfg.moderation.filter_words) {
  parse_limits_.max_frame_bytes = cfg.limits.max_frame_bytes;
  ws_limits_.hard_frame_bytes = cfg.limits.hard_frame_bytes;
  ws_limits_.outbound_queue_bytes = cfg.limits.outbound_queue_bytes;
  ws_limits_.idle_timeout_s = cfg.limits.idle_timeout_s;
  ws_limits_.bytes_out = &metrics_.bytes_out;
  parse_limits_.max_text_chars = cfg.limits.max_text_chars;
  const auto& a = cfg.advocacy;
  advocacy::Config ac;
  ac.window_days = a.window_days;
  ac.weight_answer = a.weight_answer;
  ac.weight_helpful = a.weight_helpful;
  ac.weight_solved = a.weight_solved;
  ac.threshold = a.threshold;
  ac.min_people_helped = a.min_people_helped;
  ac.min_active_days = a.min_active_days;
  ac.pair_cap = a.pair_cap;
  ac.low_water = a.low_water;
  ac.thanks_reactions = a.thanks_reactions;
  ac.risk_report_upheld = a.risk_report_upheld;
  ac.risk_message_removed = a.risk_message_removed;
  ac.risk_muted = a.risk_muted;
  ac.risk_threshold = a.risk_threshold;
  advocacy_ = std::make_unique<AdvocacyService>(*this, std::move(ac), a.enabled);
  webhooks_ = std::make_unique<WebhookService>(*this);
  email_ = std::make_unique<EmailService>(*this);
  erasures_ = std::make_unique<Erasures>(*this);
}

Hub::~Hub() { shutdown(); }

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

}  // namespace

bool Hub::start(std::string* error) {
  storage::Options opts;
  opts.change_event = change_event_of;
  opts.path = cfg_.server.data_dir + "/db";
  opts.durability =
      cfg_.storage.durability == "fast" ? storage::Durability::fast : storage::Durability::fsync;
  opts.max_batch = cfg_.storage.max_batch;
  opts.max_queue = cfg_.storage.max_queue;
  opts.min_free_bytes = cfg_.storage.min_free_bytes;
  opts.block_cache_bytes = cfg_.storage.block_cache_bytes;
  store_ = storage::Store::open(
      opts, [this](std::vector<storage::Committed>& batch) { on_commit(batch); }, error);
  if (!store_) return false;
  moderation_.load(store_->load_moderation(now_ms()));
  search_service_.load();
  if (cfg_.search.enabled) {
    search::IndexOptions so;
    so.dir = cfg_.server.data_dir + "/search";
    so.language = cfg_.search.language;
    so.max_queue = cfg_.search.max_queue;
    so.commit_interval_ms = cfg_.search.commit_interval_ms;
    search_ = search::SearchIndex::open(so, *store_, error);
    if (!search_) {
      store_->close();
      store_.reset();
      return false;
    }
    // Messages committed before this point are read from the store by the indexer's first
    // catch-up; later ones also arrive through on_commit().
    search_ptr_.store(search_.get(), std::memory_order_release);
    search_->start();
  }
  advocacy_->start();
  webhooks_->start();
  email_->start();
  bots_.start();
  commands_.start();
  if (!tokens_.start(error)) {
    store_->close();
    store_.reset();
    return false;
  }
  shards_.start([this] { trim_changes(); });
  erasures_->start();  // after the shards: an erasure waits for them (Erasures::settle)
  return true;
}

void Hub::shutdown() {
  if (!store_) return;
  // 1. Sessions stop taking frames; 2. the writer flushes everything already accepted, and
  // its acks are posted to the shards; 3. then (posted after those acks, so sent after them)
  // every session is closed with 1012.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(shards_.at(i).ioc(), [sh = &shards_.at(i)] {
      sh->for_each_session([](Subscriber& sess) { sess.begin_drain(); });
    });
  }
  // A barrier write: once it commits, every earlier write has committed and its facts were
  // handed to the advocacy service, which then persists its state before the store closes.
  std::promise<void> barrier;
  storage::WriteRequest marker;
  marker.op = storage::AuditOnly{};
  if (submit_with(std::move(marker), [&barrier](storage::Committed&) { barrier.set_value(); })) {
    barrier.get_future().wait_for(std::chrono::seconds(10));
  }
  // An erasure stops between two steps (it resumes at the next start).
  erasures_->stop();
  advocacy_->stop();
  tokens_.stop();
  // Deliveries in flight finish (or time out); what is pending stays in the outbox.
  webhooks_->stop();
  // A mail being sent finishes (or is cut off); what is waiting stays in the outbox.
  email_->stop();
  // The indexer reads the store: it stops (committing what it indexed) before the store closes.
  // The object stays until the reader pool, where searches run, has finished.
  if (search_) search_->stop();
  store_->close();
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(shards_.at(i).ioc(), [sh = &shards_.at(i)] {
      sh->for_each_session([](Subscriber& sess) {
        sess.close(close_code::service_restart, "server shutting down");
      });
    });
  }
  // Give sessions a moment to flush acks and close frames, then stop the loops.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.server.shutdown_grace_s);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard* sh = &shards_.at(i);
    while (std::chrono::steady_clock::now() < deadline) {
      std::promise<std::size_t> count;
      auto fut = count.get_future();
      boost::asio::post(sh->ioc(), [&count, sh] { count.set_value(sh->session_count()); });
      if (fut.wait_until(deadline) != std::future_status::ready || fut.get() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  shards_.stop();
  shards_.join();
  readers_.join();
  search_ptr_.store(nullptr, std::memory_order_release);
  search_.reset();
  store_.reset();
}

std::int64_t Hub::take_here(const std::string& channel, std::int64_t now_ms) {
  const std::int64_t interval = static_cast<std::int64_t>(cfg_.limits.here_interval_s) * 1000;
  std::lock_guard lock(here_mu_);
  // Bounded: entries whose interval has passed say nothing, so drop them all now and then.
  if (here_at_.size() >= 10000) {
    std::erase_if(here_at_, [&](const auto& e) { return now_ms - e.second >= interval; });
  }
  auto [it, fresh] = here_at_.try_emplace(channel, now_ms);
  if (!fresh) {
    if (now_ms - it->second < interval) return interval - (now_ms - it->second);
    it->second = now_ms;
  }
  return 0;
}

bool Hub::acquire_ip(const std::string& ip) {
  std::lock_guard lock(ips_mu_);
  auto& n = ips_[ip];
  if (n >= cfg_.limits.max_connections_per_ip) {
    if (n == 0) ips_.erase(ip);
    return false;
  }
  ++n;
  return true;
}

void Hub::release_ip(const std::string& ip) {
  std::lock_guard lock(ips_mu_);
  auto it = ips_.find(ip);
  if (it != ips_.end() && --it->second == 0) ips_.erase(it);
}

bool Hub::submit_with(storage::WriteRequest req, std::function<void(storage::Committed&)> done) {
  std::uint64_t id;
  {
    std::lock_guard lock(callbacks_mu_);
    id = next_callback_++;
    callbacks_.emplace(id, std::move(done));
  }
  req.origin = kCallbackOrigin;
  req.cookie = id;
  if (store_->submit(std::move(req))) return true;
  std::lock_guard lock(callbacks_mu_);
  callbacks_.erase(id);
  return false;
}

storage::UserRecord user_record(const Identity& who, std::int64_t now) {
  storage::UserRecord u;
  u.id = who.id;
  u.name = who.name;
  u.role = who.role;
  u.guest = who.guest;
  u.first_seen = now;
  u.last_seen = now;
  u.email = who.email;
  return u;
}

void Hub::note_user(const Identity& who) {
  moderation_.note_role(who.id, who.role);
  auto now = now_ms();
  {
    // A changed name, role or email is recorded at once; the same again at most every 5 min.
    std::string seen = who.name + '\n' + std::string(protocol::to_string(who.role)) + '\n' +
                       who.email + (who.guest ? "\ng" : "");
    std::lock_guard lock(users_mu_);
    auto& noted = user_noted_[who.id];
    if (noted.first != 0 && now - noted.first < 5 * 60 * 1000 && noted.second == seen) return;
    noted = {now, std::move(seen)};
    if (user_noted_.size() > 200000) user_noted_.clear();  // bounded; only throttling
  }
  storage::WriteRequest req;
  const storage::UserRecord u = user_record(who, now);
  req.op = storage::PutUser{u, std::nullopt, std::nullopt};  // preferences unchanged
  store_->submit(std::move(req));  // best effort: a full queue only delays the record
}

void Hub::user_connected(const std::string& user) {
  const auto now = now_ms();
  std::lock_guard lock(sessions_mu_);
  ++user_sessions_[user];
  if (connected_at_.size() > 500000) connected_at_.clear();  // bounded; email only
  connected_at_[user] = now;
}

std::int64_t Hub::last_connected(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  auto it = connected_at_.find(user);
  return it == connected_at_.end() ? 0 : it->second;
}

void Hub::user_disconnected(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  auto it = user_sessions_.find(user);
  if (it != user_sessions_.end() && --it->second == 0) user_sessions_.erase(it);
}

bool Hub::has_session(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  return user_sessions_.contains(user);
}

void Hub::audit_ban_enforced(const std::string& user) {
  auto now = now_ms();
  {
    std::lock_guard lock(users_mu_);
    auto& at = ban_audited_at_[user];
    if (at != 0 && now - at < 60 * 1000) return;
    at = now;
    if (ban_audited_at_.size() > 100000) ban_audited_at_.clear();
  }
  storage::WriteRequest req;
  req.op = storage::AuditOnly{};
  storage::AuditEntry a;
  a.actor = "system";
  a.action = "ban_enforced";
  a.target_user = user;
  req.audit = std::move(a);
  store_->submit(std::move(req));
}

void Hub::trim_changes() {
  constexpr std::int64_t kEvery = 3600 * 1000;
  const std::int64_t now = now_ms();
  std::int64_t last = changes_trimmed_at_.load(std::memory_order_relaxed);
  if (now - last < kEvery || !changes_trimmed_at_.compare_exchange_strong(last, now)) return;
  storage::WriteRequest req;
  req.op = storage::TrimChanges{
      now - std::int64_t{cfg_.storage.change_retention_days} * 86400 * 1000, 0};
  submit_with(std::move(req), [](storage::Committed& c) {
    const auto& op = std::get<storage::TrimChanges>(c.req.op);
    if (c.status != storage::WriteStatus::ok) {
      spdlog::warn("event=changes_trim_failed error=\"{}\"", c.error);
    } else if (op.deleted > 0) {
      spdlog::info("event=changes_trimmed deleted={}", op.deleted);
    }
  });
}

namespace {

Payload channel_event(std::string_view op, const std::string& channel, std::uint64_t seq,
                      const std::function<void(protocol::JsonWriter&)>& extra) {
  return make_payload(event_json(op, channel, seq, extra));
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
void Hub::apply_effects(storage::Committed& c, std::vector<Delivery>& out) {
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
          // From here on auth refuses the user's tokens (Erasures::refuses).
          erasures_->committed(op);
          if (op.finish) return;
          {
            std::lock_guard lock(users_mu_);
            user_noted_.erase(op.user);  // whoever comes back is recorded afresh
          }
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
          if (c.status != WriteStatus::ok) return;  // a duplicate was announced the first time
          std::string frame;
          protocol::JsonWriter w(frame);
          w.begin_object().field("op", "report");
          write_report_fields(w, op.report);
          w.end_object();
          Delivery d;
          d.kind = Delivery::Kind::staff_event;
          d.payload = make_payload(std::move(frame));
          out.push_back(std::move(d));
        } else if constexpr (std::is_same_v<T, storage::ResolveReport>) {
          if (c.status != WriteStatus::ok) return;
          std::string frame;
          protocol::JsonWriter w(frame);
          w.begin_object().field("op", "report_resolved");
          write_report_fields(w, op.result);
          w.end_object();
          Delivery d;
          d.kind = Delivery::Kind::staff_event;
          d.payload = make_payload(std::move(frame));
          out.push_back(std::move(d));
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

void Hub::on_commit(std::vector<storage::Committed>& batch) {
  metrics_.observe_batch(batch.size());
  for (const auto& c : batch) {
    if (c.req.audit && c.req.audit->id != 0) log_audit(*c.req.audit);
  }
  std::vector<Delivery> deliveries;
  std::vector<WriteAck> acks;
  std::vector<std::pair<std::function<void(storage::Committed&)>, storage::Committed*>> callbacks;
  advocacy_->on_committed(batch);
  webhooks_->on_committed(batch);
  email_->on_committed(batch);
  if (auto* index = search()) index->notify(batch);
  for (auto& c : batch) {
    if (c.req.origin == kCallbackOrigin) {
      apply_effects(c, deliveries);
      std::lock_guard lock(callbacks_mu_);
      auto it = callbacks_.find(c.req.cookie);
      if (it != callbacks_.end()) {
        callbacks.emplace_back(std::move(it->second), &c);
        callbacks_.erase(it);
      }
      continue;
    }
    auto* am = std::get_if<storage::AppendMessage>(&c.req.op);
    if (!am) {
      apply_effects(c, deliveries);
      continue;
    }
    WriteAck a;
    a.session_id = c.req.origin;
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
  router_.publish_committed(std::move(deliveries), std::move(acks));
  // After the events are posted: a reply never overtakes the event it reports.
  for (auto& [fn, c] : callbacks) fn(*c);
}

}  // namespace parley::server
