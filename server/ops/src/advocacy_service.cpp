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

Outcome mark_outcome(advocacy::MarkError e) {
  switch (e) {
    case advocacy::MarkError::none:
      return Outcome::success("");
    case advocacy::MarkError::not_found:
      return Outcome::failure(ErrorCode::not_found, "message not found");
    case advocacy::MarkError::not_an_answer:
      return Outcome::failure(ErrorCode::bad_request,
                              "only answers (replies in a question's thread) can be marked");
    case advocacy::MarkError::forbidden:
      return Outcome::failure(ErrorCode::forbidden, "only the asker or staff may mark answers");
    case advocacy::MarkError::self:
      return Outcome::failure(ErrorCode::bad_request, "the asker's own replies cannot be marked");
    case advocacy::MarkError::self_credit:
      return Outcome::failure(ErrorCode::bad_request, "the asker's own answers cannot be credited");
  }
  return Outcome::failure(ErrorCode::internal, "unknown result");
}

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

std::string fixed(double v, int digits);

template <class F>
void AdvocacyService::run(F&& f) {
  boost::asio::post(ioc_, std::forward<F>(f));
}

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

namespace {
std::optional<Outcome> check_mark(Core& core, const Identity& who, const std::string& channel) {
  auto access = channel_access(core.store, core.moderation, who, channel);
  if (!access) {
    return Outcome::failure(ErrorCode::not_found, "unknown channel \"" + channel + "\"");
  }
  access->facts.is_asker = true;  // the engine checks who asked (forbidden otherwise)
  if (auto d = check(Action::mark_answer, who, access->facts)) {
    return Outcome::failure(d->code, d->message);
  }
  // A mark is a post-like act: refused while muted, as react is.
  const auto now = now_ms();
  if (auto m = core.moderation.mute_for(who.id, channel, now)) {
    return Outcome::failure(ErrorCode::muted, "you are muted", m->until ? m->until - now : -1);
  }
  return std::nullopt;
}
}  // namespace

void AdvocacyService::helpful(const Identity& who, const protocol::HelpfulCmd& c, Done done) {
  if (!enabled_) return done(Outcome::failure(ErrorCode::bad_request, "advocacy is disabled"));
  if (auto e = check_mark(core_, who, c.channel)) return done(*e);
  run([this, who, c, done = std::move(done)] {
    if (unsent_changes_.size() >= kMaxUnsentChanges)
      return done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
    auto err = engine_.mark_helpful(
        c.channel, c.seq, who.id, who.role, [this](auto& ch, auto s) { return lookup(ch, s); },
        now_ms());
    flush();
    if (err != advocacy::MarkError::none) return done(mark_outcome(err));
    email_.helpful(c.channel, c.seq, who.id);
    std::string fields;
    JsonWriter f(fields);
    f.begin_object().field("channel", c.channel).field("seq", c.seq).end_object();
    announce_helpful(
        c.channel, c.seq, who.id, false,
        [fields = fields.substr(1, fields.size() - 2), done] { done(Outcome::success(fields)); });
  });
}

void AdvocacyService::solve(const Identity& who, const protocol::SolveCmd& c, Done done) {
  if (!enabled_) return done(Outcome::failure(ErrorCode::bad_request, "advocacy is disabled"));
  if (auto e = check_mark(core_, who, c.channel)) return done(*e);
  run([this, who, c, done = std::move(done)]() mutable {
    const auto now = now_ms();
    auto look = [this](auto& ch, auto s) { return lookup(ch, s); };
    // The engine's marker: the caller, or for a bot the asker it acts for.
    std::string marker = who.id;
    protocol::Role marker_role = who.role;
    if (who.role == protocol::Role::bot) {
      auto asker = bot_solve_asker(who, c, now);
      if (auto* e = std::get_if<Outcome>(&asker)) return done(std::move(*e));
      marker = std::get<std::string>(asker);
      marker_role = protocol::Role::customer;
    }
    std::optional<advocacy::MessageFact> credit;
    if (c.credit) {
      credit = accepted_answer(c.credit->channel, c.credit->seq);
      if (!credit) {
        return done(
            Outcome::failure(ErrorCode::bad_request, "credit must name an accepted answer"));
      }
    }
    auto err = engine_.mark_solved(c.channel, c.seq, marker, marker_role, look, now,
                                   credit ? &*credit : nullptr);
    flush();
    if (err != advocacy::MarkError::none) return done(mark_outcome(err));
    std::uint64_t question = question_of(c.channel, c.seq);
    // The question records its accepted answer (shown in history); Writes announces it.
    storage::WriteRequest req;
    req.op = storage::SetSolved{c.channel, question, c.seq, {}};
    webhooks_.attach(req);
    email_.attach(req, marker);
    std::string fields;
    JsonWriter f(fields);
    f.begin_object().field("channel", c.channel).field("question_seq", question);
    f.field("seq", c.seq);
    if (credit) {
      f.key("credit").begin_object().field("channel", credit->channel).field("seq", credit->seq);
      f.field("user", credit->author).end_object();
    }
    f.end_object();
    bool queued = core_.writes.submit(
        std::move(req), Completion::after_events([fields = fields.substr(1, fields.size() - 2),
                                                  done](storage::Committed& r) {
          if (r.status != storage::WriteStatus::ok) {
            return done(Outcome::failure(ErrorCode::not_found, "question not found"));
          }
          done(Outcome::success(fields));
        }));
    if (!queued) done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
  });
}

void AdvocacyService::unsolve(const Identity& who, const protocol::UnsolveCmd& c, Done done) {
  if (!enabled_) return done(Outcome::failure(ErrorCode::bad_request, "advocacy is disabled"));
  if (auto e = check_mark(core_, who, c.channel)) return done(*e);
  run([this, who, c, done = std::move(done)]() mutable {
    auto q = core_.store.get_message(c.channel, c.seq);
    if (!q || q->deleted) return done(Outcome::failure(ErrorCode::not_found, "message not found"));
    if (q->reply_to != 0) {
      return done(Outcome::failure(ErrorCode::bad_request, "only a question can be unsolved"));
    }
    if (q->from_id != who.id && !protocol::is_staff(who.role)) {
      return done(Outcome::failure(ErrorCode::forbidden, "only the asker or staff may unsolve"));
    }
    std::string fields;
    JsonWriter f(fields);
    f.begin_object().field("channel", c.channel).field("seq", c.seq).end_object();
    fields = fields.substr(1, fields.size() - 2);
    engine_.unsolve(c.channel, c.seq, now_ms());
    flush();
    if (q->solved_seq == 0) return done(Outcome::success(fields));  // nothing to take back
    // The question forgets its accepted answer; Writes announces `solved` with seq 0.
    storage::WriteRequest req;
    req.op = storage::SetSolved{c.channel, c.seq, 0, {}};
    webhooks_.attach(req);
    bool queued = core_.writes.submit(
        std::move(req), Completion::after_events([fields, done](storage::Committed& r) {
          if (r.status != storage::WriteStatus::ok) {
            return done(Outcome::failure(ErrorCode::not_found, "question not found"));
          }
          done(Outcome::success(fields));
        }));
    if (!queued) done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
  });
}

// A bot solves with its own message in a question's thread, for the asker, and only after the
// asker clicked one of that message's buttons (CommandRegistry::note_click): the asker's id, or
// the refusal.
std::variant<Outcome, std::string> AdvocacyService::bot_solve_asker(const Identity& bot,
                                                                    const protocol::SolveCmd& c,
                                                                    std::int64_t now) {
  auto own = lookup(c.channel, c.seq);
  if (!own) return Outcome::failure(ErrorCode::not_found, "message not found");
  if (own->author != bot.id) {
    return Outcome::failure(ErrorCode::forbidden, "a bot may only accept its own message");
  }
  const std::uint64_t question = question_of(c.channel, c.seq);
  auto q = question ? lookup(c.channel, question) : std::nullopt;
  if (!q) {
    return mark_outcome(advocacy::MarkError::not_an_answer);
  }
  if (!commands_.clicked(c.channel, c.seq, q->author, now)) {
    return Outcome::failure(ErrorCode::forbidden,
                            "the asker has not clicked a button on this message");
  }
  return q->author;
}

// An accepted answer (its question's solved_seq, neither deleted) in a support channel.
std::optional<advocacy::MessageFact> AdvocacyService::accepted_answer(const std::string& channel,
                                                                      std::uint64_t seq) {
  auto answer = lookup(channel, seq);
  if (!answer || !answer->support) return std::nullopt;
  const std::uint64_t question = question_of(channel, seq);
  if (question == 0) return std::nullopt;
  auto q = core_.store.get_message(channel, question);
  if (!q || q->deleted || q->solved_seq != seq) return std::nullopt;
  return answer;
}

void AdvocacyService::set_advocate(const Identity& who, const protocol::SetAdvocateCmd& c,
                                   Done done) {
  if (auto d = check(Action::set_advocate, Subject{who.role, who.guest}, nullptr)) {
    return done(Outcome::failure(d->code, d->message));
  }
  if (!enabled_) return done(Outcome::failure(ErrorCode::bad_request, "advocacy is disabled"));
  run([this, who, c, done = std::move(done)] {
    auto now = now_ms();
    engine_.set_manual(c.user, c.advocate, now);
    flush();
    auto b = engine_.breakdown(c.user, now);
    storage::WriteRequest req;
    req.op = storage::AuditOnly{};
    storage::AuditEntry a;
    a.actor = who.id;
    a.action = "set_advocate";
    a.target_user = c.user;
    a.details = std::string("{\"advocate\":") +
                (c.advocate ? (*c.advocate ? "true" : "false") : "null") + "}";
    req.audit = std::move(a);
    core_.writes.submit(std::move(req));
    std::string fields;
    JsonWriter f(fields);
    f.begin_object().field("user", c.user).field("advocate", b.advocate);
    f.key("manual");
    if (b.manual)
      f.value(*b.manual);
    else
      f.null();
    f.end_object();
    done(Outcome::success(fields.substr(1, fields.size() - 2)));
  });
}

// A JSON number with `digits` decimals (scores and shares are fractional).
std::string fixed(double v, int digits) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, digits);
  return std::string(buf, r.ptr);
}

namespace {
void write_breakdown(JsonWriter& w, const advocacy::Breakdown& b) {
  w.begin_object().field("user", b.user).field("name", b.name);
  w.key("score").raw(fixed(b.score, 2));
  w.field("advocate", b.advocate).field("automatic", b.automatic);
  w.key("manual");
  if (b.manual)
    w.value(*b.manual);
  else
    w.null();
  w.field("answers", b.answers).field("helpful", b.helpful).field("solved", b.solved);
  w.field("people_helped", b.people_helped).field("active_days", b.active_days);
  w.field("last_activity", b.last_activity);
  w.end_object();
}
}  // namespace

void AdvocacyService::advocates(std::size_t limit, std::function<void(std::string)> respond) {
  run([this, limit, respond = std::move(respond)] {
    auto now = now_ms();
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("window_days", engine_.config().window_days);
    w.key("threshold").raw(fixed(engine_.config().threshold, 2));
    w.key("users").begin_array();
    for (const auto& b : engine_.ranked(limit, now)) write_breakdown(w, b);
    w.end_array().end_object();
    respond(std::move(out));
  });
}

void AdvocacyService::breakdown_of(const std::string& user,
                                   std::function<void(std::string)> respond) {
  run([this, user, respond = std::move(respond)] {
    std::string out;
    JsonWriter w(out);
    write_breakdown(w, engine_.breakdown(user, now_ms()));
    respond(std::move(out));
  });
}

void AdvocacyService::at_risk(std::size_t limit, std::function<void(std::string)> respond) {
  run([this, limit, respond = std::move(respond)] {
    auto now = now_ms();
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("window_days", engine_.config().window_days).key("users").begin_array();
    for (const auto& r : engine_.at_risk(limit, now)) {
      w.begin_object().field("user", r.user).field("name", r.name);
      w.key("risk").raw(fixed(r.risk, 2));
      w.field("at_risk", r.at_risk).field("reports_upheld", r.reports_upheld);
      w.field("messages_removed", r.messages_removed).field("mutes", r.mutes);
      w.field("last_event", r.last_event).end_object();
    }
    w.end_array().end_object();
    respond(std::move(out));
  });
}

void AdvocacyService::deflected(const Identity& who, const std::string& channel, std::uint64_t seq,
                                Done done) {
  run([this, who, channel, seq, done = std::move(done)] {
    const std::string fields = "\"channel\":" + [&] {
      std::string s;
      protocol::append_json_string(s, channel);
      return s;
    }() + ",\"seq\":" + std::to_string(seq);
    const std::int64_t day = now_ms() / 86400000 * 86400000;
    if (day != deflected_day_) {
      deflected_day_ = day;
      deflected_today_.clear();
    }
    std::string who_key = who.id + '\0' + channel + '\0' + std::to_string(seq);
    // Bounded: past 200,000 distinct (user, question) pairs a day, repeats count again.
    if (deflected_today_.size() > 200000) deflected_today_.clear();
    if (!deflected_today_.insert(std::move(who_key)).second) return done(Outcome::success(fields));
    const std::uint64_t count = ++deflections_[{day, channel}];
    storage::WriteRequest req;
    storage::KvWrite kv;
    kv.entries.push_back(
        {std::string("d\0", 2) + std::to_string(day) + '\0' + channel, std::to_string(count)});
    req.op = std::move(kv);
    // Counts go out in order from this thread, so the stored value only grows.
    if (!core_.writes.submit(
            std::move(req), Completion::after_events([done, fields](storage::Committed& r) {
              if (r.status != storage::WriteStatus::ok) {
                return done(Outcome::failure(protocol::ErrorCode::internal,
                                             "storage failure; nothing was changed"));
              }
              done(Outcome::success(fields));
            }))) {
      done(Outcome::failure(protocol::ErrorCode::rate_limited, "server busy; retry", 100));
    }
  });
}

void AdvocacyService::insights(int window_days, const std::string& channel,
                               std::function<void(std::string)> respond) {
  run([this, window_days, channel, respond = std::move(respond)] {
    auto ins =
        engine_.insights(static_cast<std::int64_t>(window_days) * 86400000, channel, now_ms());
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("from", ins.from).field("to", ins.to);
    if (!channel.empty()) w.field("channel", channel);
    w.field("questions", ins.questions).field("answered", ins.answered);
    w.field("answered_by_customers", ins.answered_by_customers).field("solved", ins.solved);
    auto share = [&](unsigned n) {
      return ins.questions == 0 ? std::string("null")
                                : fixed(static_cast<double>(n) / ins.questions, 4);
    };
    w.key("answered_share").raw(share(ins.answered));
    w.key("customer_answered_share").raw(share(ins.answered_by_customers));
    w.key("median_first_answer_ms");
    if (ins.median_first_answer_ms)
      w.value(*ins.median_first_answer_ms);
    else
      w.null();
    w.key("unanswered").begin_array();
    for (const auto& q : ins.unanswered) {
      w.begin_object().field("channel", q.channel).field("seq", q.seq).field("asker", q.asker);
      w.field("ts", q.ts).end_object();
    }
    w.end_array();
    // Deflections: questions the community answered before they were asked (DESIGN §9).
    auto deflected_on = [&](std::int64_t day) {
      std::uint64_t n = 0;
      for (auto it = deflections_.lower_bound({day, std::string()});
           it != deflections_.end() && it->first.first == day; ++it) {
        if (channel.empty() || it->first.second == channel) n += it->second;
      }
      return n;
    };
    std::uint64_t deflections = 0;
    for (const auto& d : ins.days) deflections += deflected_on(d.start);
    w.field("deflections", deflections);
    w.key("days").begin_array();
    for (const auto& d : ins.days) {
      w.begin_object().field("day", d.start).field("questions", d.questions);
      w.field("deflected", deflected_on(d.start));
      w.field("answered", d.answered).field("answered_by_customers", d.answered_by_customers);
      w.field("solved", d.solved).key("median_first_answer_ms");
      if (d.median_first_answer_ms)
        w.value(*d.median_first_answer_ms);
      else
        w.null();
      w.end_object();
    }
    w.end_array().end_object();
    respond(std::move(out));
  });
}

}  // namespace parley::server
