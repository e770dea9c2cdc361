#include "parley/ops/advocacy_service.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <chrono>
#include <future>

#include "parley/ops/bot_commands.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

constexpr auto kTickEvery = std::chrono::minutes(10);

}  // namespace

AdvocacyService::AdvocacyService(Core& core, CommandRegistry& commands, EmailService& email,
                                 WebhookService& webhooks, advocacy::Config cfg, bool enabled)
    : core_(core),
      commands_(commands),
      email_(email),
      webhooks_(webhooks),
      enabled_(enabled),
      engine_(std::move(cfg)) {}

AdvocacyService::~AdvocacyService() { stop(); }

void AdvocacyService::start() {
  if (started_) return;
  started_ = true;
  // Deflection counts ("d\0<day ms>\0<channel>" -> count), whether or not scoring is on.
  for (const auto& [key, value] : core_.store.kv_scan(std::string("d\0", 2))) {
    auto sep = key.find('\0', 2);
    if (sep == std::string::npos) continue;
    std::int64_t day = 0;
    std::uint64_t count = 0;
    std::from_chars(key.data() + 2, key.data() + sep, day);
    std::from_chars(value.data(), value.data() + value.size(), count);
    deflections_[{day, key.substr(sep + 1)}] = count;
  }
  if (enabled_) {
    auto kv = core_.store.kv_scan("");
    auto now = now_ms();
    engine_.restore(kv, now);
    const std::size_t replayed = replay_questions(now);
    engine_.tick(now);
    engine_.take_flag_changes();  // restoring is not news
    flush();
    spdlog::info("event=advocacy_restored records={} messages_replayed={}", kv.size(), replayed);
    arm_tick();
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "parley-advocacy");
    auto guard = boost::asio::make_work_guard(ioc_);
    ioc_.run();
  });
}

std::size_t AdvocacyService::replay_questions(std::int64_t now) {
  const std::int64_t from = engine_.questions_from(now);
  const auto& store = core_.store;
  constexpr std::size_t kPage = 1024;
  std::size_t replayed = 0;
  for (const auto& info : store.list_channels()) {
    if (info.kind != protocol::ChannelKind::support) continue;
    advocacy::Engine::QuestionReplay replay(engine_, info.name);
    for (std::uint64_t after = store.first_seq_since(info.name, from) - 1;;) {
      auto page = store.read_after(info.name, after, kPage);
      if (page.empty()) break;
      for (const auto& m : page) {
        if (!m.deleted) {
          replay.add({m.seq, m.reply_to, m.from_id, m.from_role, m.ts, m.solved_seq});
          ++replayed;
        }
        after = m.seq;
      }
    }
  }
  return replayed;
}

void AdvocacyService::stop() {
  if (!thread_.joinable()) return;
  std::promise<void> done;
  run([this, &done] {
    tick_timer_.cancel();
    retry_timer_.cancel();
    flush();
    drain_changes();
    done.set_value();
  });
  done.get_future().wait();
  ioc_.stop();
  thread_.join();
}

void AdvocacyService::arm_tick() {
  tick_timer_.expires_after(kTickEvery);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    engine_.tick(now_ms());
    flush();
    arm_tick();
  });
}

bool AdvocacyService::is_advocate(const std::string& user) const {
  return enabled_ && engine_.is_advocate(user);
}

std::optional<advocacy::MessageFact> AdvocacyService::lookup(const std::string& channel,
                                                             std::uint64_t seq) {
  auto m = core_.store.get_message(channel, seq);
  if (!m || m->deleted) return std::nullopt;
  auto info = core_.store.get_channel(channel);
  return advocacy::MessageFact{
      channel,      seq,         m->from_id, m->from_name,
      m->from_role, m->reply_to, m->ts,      info && info->kind == protocol::ChannelKind::support};
}

std::uint64_t AdvocacyService::question_of(const std::string& channel, std::uint64_t seq) {
  for (int depth = 0; depth < 32; ++depth) {
    auto m = lookup(channel, seq);
    if (!m) return 0;
    if (m->reply_to == 0) return depth == 0 ? 0 : seq;  // a question is not its own answer
    seq = m->reply_to;
  }
  return 0;
}

void AdvocacyService::clear_solution_if_accepted(const std::string& channel, std::uint64_t seq,
                                                 std::uint64_t reply_to) {
  // Walk up from the deleted message (tombstones keep reply_to) to its question.
  std::uint64_t at = reply_to;
  for (int depth = 0; at != 0 && depth < 32; ++depth) {
    auto m = core_.store.get_message(channel, at);
    if (!m) return;
    if (m->reply_to == 0) {
      if (m->solved_seq != seq) return;
      storage::WriteRequest req;
      req.op = storage::SetSolved{channel, at, 0, {}};  // announced as solved with seq 0
      core_.writes.submit(std::move(req));
      return;
    }
    at = m->reply_to;
  }
}

void AdvocacyService::on_committed(const std::vector<storage::Committed>& batch) {
  if (!enabled_) return;
  std::vector<Task> tasks;
  for (const auto& c : batch) collect(c, tasks);
  if (tasks.empty()) return;
  run([this, tasks = std::move(tasks)] {
    auto now = now_ms();
    const advocacy::MessageLookup look = [this](auto& ch, auto seq) { return lookup(ch, seq); };
    for (const auto& t : tasks) {
      if (const auto* m = std::get_if<advocacy::MessageFact>(&t)) {
        engine_.on_message(*m, look, now);
      } else {
        std::get<1>(t)(now);
      }
    }
    flush();
  });
}

void AdvocacyService::collect(const storage::Committed& c, std::vector<Task>& tasks) {
  if (c.status != storage::WriteStatus::ok) return;
  std::visit(
      [&](const auto& op) {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, storage::AppendMessage>) {
          if (core_.store.channel_kind(op.channel) != protocol::ChannelKind::support) return;
          tasks.emplace_back(advocacy::MessageFact{op.channel, op.msg.seq, op.msg.from_id,
                                                   op.msg.from_name, op.msg.from_role,
                                                   op.msg.reply_to, op.msg.ts, true});
        } else if constexpr (std::is_same_v<T, storage::EraseUser>) {
          if (op.finish) return;
          tasks.emplace_back([this, user = op.user, name = op.name](std::int64_t now) {
            engine_.erase_user(user, name, now);
          });
        } else if constexpr (std::is_same_v<T, storage::DeleteMessage>) {
          if (!op.was_live) return;  // an erasure renaming a tombstone
          std::string author = op.result.from_id;
          bool removed_by_staff = op.as_moderator && author != op.by;
          std::uint64_t reply_to = op.result.reply_to;
          tasks.emplace_back([this, ch = op.channel, seq = op.seq, author, removed_by_staff,
                              reply_to](std::int64_t now) {
            clear_solution_if_accepted(ch, seq, reply_to);
            engine_.on_message_removed(ch, seq, now);
            if (removed_by_staff)
              engine_.on_signal(author, advocacy::Engine::Signal::message_removed, now);
          });
        } else if constexpr (std::is_same_v<T, storage::React>) {
          tasks.emplace_back([this, add = op.add, ch = op.channel, seq = op.seq, user = op.user,
                              emoji = op.emoji](std::int64_t now) {
            // A thanks reaction is a helpful mark and is announced like one; removing it takes
            // back the mark it made.
            if (add && engine_.on_reaction(
                           ch, seq, user, emoji,
                           [this](auto& c2, auto s2) { return lookup(c2, s2); }, now)) {
              announce_helpful(ch, seq, user, false);
              email_.helpful(ch, seq, user);
            } else if (!add && engine_.on_unreaction(ch, seq, user, emoji, now)) {
              announce_helpful(ch, seq, user, true);
            }
          });
        } else if constexpr (std::is_same_v<T, storage::ResolveReport>) {
          if (op.result.status != storage::ReportStatus::upheld) return;
          tasks.emplace_back([this, r = op.result](std::int64_t now) {
            // An upheld report costs the answer its points even if the message stays.
            engine_.on_message_removed(r.channel, r.seq, now);
            engine_.on_signal(r.author, advocacy::Engine::Signal::report_upheld, now);
          });
        } else if constexpr (std::is_same_v<T, storage::PutMute>) {
          tasks.emplace_back([this, user = op.mute.user](std::int64_t now) {
            engine_.on_signal(user, advocacy::Engine::Signal::muted, now);
          });
        }
      },
      c.req.op);
}

// The `helpful` event is a change of the channel (join changes_since replays it): written to
// the channel's change log, announced when that commits, and then `then` runs (the op's ok).
void AdvocacyService::announce_helpful(const std::string& channel, std::uint64_t seq,
                                       const std::string& by, bool revoked,
                                       std::function<void()> then) {
  std::string frame;
  JsonWriter w(frame);
  w.begin_object().field("op", "helpful").field("channel", channel).field("seq", seq);
  w.field("by", by);
  if (revoked) w.field("revoked", true);
  w.end_object();
  PendingChange p{channel, std::move(frame), std::move(then)};
  if (unsent_changes_.empty() && submit_change(p)) return;
  // The storage queue is full: the event waits, in order, for its change number (the mark
  // itself stands; the op's ok waits with it).
  unsent_changes_.push_back(std::move(p));
  if (unsent_changes_.size() == 1) retry_changes();
}

bool AdvocacyService::submit_change(const PendingChange& p) {
  storage::WriteRequest req;
  req.op = storage::RecordChange{p.channel, p.frame};
  return core_.writes.submit(std::move(req),
                             Completion::after_events([then = p.then](storage::Committed&) {
                               if (then) then();
                             }));
}

void AdvocacyService::retry_changes() {
  retry_timer_.expires_after(std::chrono::milliseconds(20));
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (!drain_changes()) retry_changes();
  });
}

bool AdvocacyService::drain_changes() {
  while (!unsent_changes_.empty() && submit_change(unsent_changes_.front()))
    unsent_changes_.pop_front();
  return unsent_changes_.empty();
}

void AdvocacyService::flush() {
  auto changes = engine_.take_flag_changes();
  // Everything the engine changed since the last flush goes out as one atomic write, with the
  // advocate.changed webhook deliveries of its flag changes.
  auto mutations = engine_.take_mutations();
  if (!mutations.empty() || (!changes.empty() && webhooks_.active())) {
    storage::KvWrite kv;
    kv.entries.reserve(mutations.size());
    for (auto& m : mutations) kv.entries.push_back({std::move(m.key), std::move(m.value)});
    storage::WriteRequest req;
    req.op = std::move(kv);
    if (!changes.empty() && webhooks_.active()) {
      std::vector<WebhookEvent> events;
      for (const auto& ch : changes) {
        std::string data;
        JsonWriter w(data);
        w.begin_object().field("user", ch.user).field("advocate", ch.advocate).end_object();
        events.push_back({"advocate.changed", "", std::move(data)});
      }
      webhooks_.attach_events(req, std::move(events));
    }
    unsent_.push_back(std::move(req));
  }
  while (!unsent_.empty()) {
    if (!core_.writes.submit(std::move(unsent_.front()))) {
      // The queue is full: keep the rest, in order, for the next flush (at the latest the tick).
      break;
    }
    unsent_.pop_front();
  }
  if (changes.empty()) return;
  std::vector<Delivery> out;
  for (const auto& ch : changes) {
    std::string frame;
    JsonWriter w(frame);
    w.begin_object().field("op", "advocate").field("user", ch.user).field("advocate", ch.advocate);
    w.end_object();
    // Everyone: the flag shows on the user's messages, wherever a client sees them (§4).
    Delivery d;
    d.kind = Delivery::Kind::everyone_event;
    d.user = ch.user;
    d.payload = make_payload(std::move(frame));
    out.push_back(std::move(d));
  }
  core_.router.publish(std::move(out));
}

}  // namespace parley::server
