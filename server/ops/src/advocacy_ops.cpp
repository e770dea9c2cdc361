// AdvocacyService: the ops clients send (helpful, solve, unsolve, set_advocate, deflected),
// each checked and then run on the service's thread (advocacy_service.hpp).
#include <spdlog/spdlog.h>

#include <chrono>

#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

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

}  // namespace parley::server
