#include "parley/ops/actions.hpp"

#include <chrono>

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

namespace {

// Builds "k":v,… (an object's members without the braces).
template <class F>
std::string fields(F&& f) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  f(w);
  w.end_object();
  return out.substr(1, out.size() - 2);
}

Outcome from_denial(const Denial& d) { return Outcome::failure(d.code, d.message); }

// The channel and the subject's relation to it, or the error to reply.
std::optional<ChannelAccess> resolve_channel(Core& core, const Identity& who, const std::string& ch,
                                             Outcome* err) {
  auto r = channel_access(core.store, core.moderation, who, ch);
  if (!r) *err = Outcome::failure(ErrorCode::not_found, "unknown channel \"" + ch + "\"");
  return r;
}

Subject subject(const Identity& who) { return Subject{who.role, who.guest}; }

std::string duration_details(std::uint64_t duration_s) {
  return "{\"duration_s\":" + std::to_string(duration_s) + "}";
}

std::int64_t until_from(std::uint64_t duration_s) {
  return duration_s == 0 ? 0 : now_ms() + static_cast<std::int64_t>(duration_s) * 1000;
}

}  // namespace

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

void Actions::report(const Identity& who, const protocol::ReportCmd& c, Done done) {
  Outcome err;
  auto ch = resolve_channel(core_, who, c.channel, &err);
  if (!ch) return done(err);
  if (auto d = check(Action::read, subject(who), &ch->facts)) return done(from_denial(*d));
  // Counted when asked (so that concurrent reports cannot pass the limit together), given back
  // below when nothing is filed: only reports that were filed count.
  const auto at = now_ms();
  auto wait = core_.moderation.report_wait(who.id, core_.cfg.moderation.reports_per_hour, at);
  if (wait > 0) {
    return done(Outcome::failure(ErrorCode::rate_limited, "too many reports; try later", wait));
  }
  done = [this, user = who.id, at, done = std::move(done)](Outcome o) {
    if (!o.ok) core_.moderation.report_refund(user, at);
    done(std::move(o));
  };
  // The report keeps a snapshot of the message, read off the I/O threads.
  core_.readers.post([this, who, c, at, done = std::move(done)]() mutable {
    auto m = core_.store.get_message(c.channel, c.seq);
    if (!m || m->deleted) return done(Outcome::failure(ErrorCode::not_found, "message not found"));
    if (m->from_id == who.id) {
      return done(Outcome::failure(ErrorCode::bad_request, "you cannot report your own message"));
    }
    storage::Report rep;
    rep.channel = c.channel;
    rep.seq = c.seq;
    rep.reporter = who.id;
    rep.reason = c.reason;
    rep.author = m->from_id;
    rep.author_name = m->from_name;
    rep.text = m->text;
    storage::WriteRequest req;
    req.op = storage::CreateReport{std::move(rep)};
    webhooks_.attach(req);
    write(
        std::move(req),
        [this, user = who.id, at](storage::Committed& r) {
          auto& op = std::get<storage::CreateReport>(r.req.op);
          if (r.status != WriteStatus::ok && r.status != WriteStatus::duplicate) {
            return Outcome::failure(ErrorCode::not_found, "message not found");
          }
          if (r.status == WriteStatus::duplicate) core_.moderation.report_refund(user, at);
          return Outcome::success(
              fields([&](JsonWriter& w) { w.field("report_id", op.report.id); }));
        },
        std::move(done));
  });
}

// resolve_report: the report is read first (off the I/O threads), since its message and author
// are what the follow-ups act on. The follow-ups (remove, then mute) are written before the
// resolution, each waited for, so the ok and the report's `resolution` say exactly what was
// done, and a follow-up that fails leaves the report open (the staff member tries again).
struct Actions::Resolution {
  Identity who;
  protocol::ResolveReportCmd c;
  storage::Report rep;
  Done done;
  bool removed = false, muted = false;
  std::string mute_skipped;
  std::string why() const { return "report #" + std::to_string(rep.id) + " upheld"; }
};

void Actions::resolve_report(const Identity& who, const protocol::ResolveReportCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  core_.readers.post([this, who, c, done = std::move(done)]() mutable {
    auto rep = core_.store.get_report(c.report_id);
    if (!rep) return done(Outcome::failure(ErrorCode::not_found, "report not found"));
    if (rep->status != storage::ReportStatus::open) {
      return done(Outcome::failure(ErrorCode::conflict, "report already resolved"));
    }
    resolve_remove(std::make_shared<Resolution>(
        Resolution{who, c, std::move(*rep), std::move(done), false, false, {}}));
  });
}

void Actions::resolve_remove(std::shared_ptr<Resolution> r) {
  if (!r->c.uphold || !r->c.remove) return resolve_mute(std::move(r));
  storage::WriteRequest del;
  del.op = storage::DeleteMessage{r->rep.channel, r->rep.seq, r->who.id, true, {}};
  auto a = audit(r->who, "delete");
  a.target_user = r->rep.author;
  a.channel = r->rep.channel;
  a.seq = r->rep.seq;
  a.reason = r->why();
  del.audit = std::move(a);
  write(
      std::move(del),
      [r](storage::Committed& c) {
        // Already deleted (not_found) is fine: the message is gone either way.
        r->removed = c.status == WriteStatus::ok;
        return Outcome::success("");
      },
      [this, r](Outcome o) {
        if (!o.ok) {
          o.message = "the reported message could not be removed (" + o.message +
                      "); the report stays open";
          return r->done(o);
        }
        resolve_mute(r);
      });
}

void Actions::resolve_mute(std::shared_ptr<Resolution> r) {
  if (!r->c.uphold || r->c.mute_s == 0) return resolve_write(std::move(r));
  // The same target rules as `mute`: when they refuse it, the report is upheld without it.
  if (auto refused = staff_target_check(r->who, r->rep.author)) {
    r->mute_skipped = refused->message;
    return resolve_write(std::move(r));
  }
  storage::WriteRequest mute;
  storage::Mute m{r->rep.author, "", until_from(r->c.mute_s), r->why(), r->who.id, now_ms()};
  mute.op = storage::PutMute{m};
  auto a = audit(r->who, "mute");
  a.target_user = r->rep.author;
  a.reason = r->why();
  a.details = duration_details(r->c.mute_s);
  mute.audit = std::move(a);
  write(
      std::move(mute),
      [r](storage::Committed&) {
        r->muted = true;
        return Outcome::success("");
      },
      [this, r](Outcome o) {
        if (!o.ok) {
          o.message = "the author could not be muted (" + o.message + "); the report stays open";
          return r->done(o);
        }
        resolve_write(r);
      });
}

void Actions::resolve_write(std::shared_ptr<Resolution> r) {
  const auto& c = r->c;
  std::string resolution = c.uphold ? "upheld" : "dismissed";
  if (r->removed) resolution += "; message removed";
  if (r->muted) resolution += "; author muted " + std::to_string(c.mute_s) + " s";
  storage::WriteRequest req;
  req.op = storage::ResolveReport{
      c.report_id,
      c.uphold ? storage::ReportStatus::upheld : storage::ReportStatus::dismissed,
      r->who.id,
      resolution,
      {}};
  auto a = audit(r->who, "resolve_report");
  a.reason = c.uphold ? "uphold" : "dismiss";
  a.details = "{\"report_id\":" + std::to_string(c.report_id) +
              ",\"remove\":" + (c.remove ? "true" : "false") +
              ",\"mute_s\":" + std::to_string(r->muted ? c.mute_s : 0) + "}";
  req.audit = std::move(a);
  auto done = r->done;
  write(
      std::move(req),
      [r](storage::Committed& w) {
        auto& op = std::get<storage::ResolveReport>(w.req.op);
        if (w.status == WriteStatus::not_found) {
          return Outcome::failure(ErrorCode::not_found, "report not found");
        }
        if (w.status == WriteStatus::conflict) {  // resolved meanwhile by someone else
          return Outcome::failure(ErrorCode::conflict, "report already resolved");
        }
        return Outcome::success(fields([&](JsonWriter& jw) {
          jw.field("report_id", op.result.id).field("status", to_string(op.result.status));
          if (!r->mute_skipped.empty()) jw.field("mute_skipped", r->mute_skipped);
        }));
      },
      std::move(done));
}

void Actions::mute(const Identity& who, const protocol::MuteCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  if (auto e = staff_target_check(who, c.user)) return done(*e);
  if (!c.channel.empty() && !core_.store.get_channel(c.channel)) {
    return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + c.channel + "\""));
  }
  storage::WriteRequest req;
  auto a = audit(who, c.on ? "mute" : "unmute");
  a.target_user = c.user;
  a.channel = c.channel;
  a.reason = c.reason;
  std::int64_t until = until_from(c.duration_s);
  if (c.on) {
    req.op = storage::PutMute{storage::Mute{c.user, c.channel, until, c.reason, who.id, now_ms()}};
    a.details = duration_details(c.duration_s);
  } else {
    req.op = storage::RemoveMute{c.user, c.channel};
  }
  req.audit = std::move(a);
  write(
      std::move(req),
      [c, until](storage::Committed&) {
        return Outcome::success(fields([&](JsonWriter& w) {
          w.field("user", c.user);
          if (!c.channel.empty()) w.field("channel", c.channel);
          if (c.on) w.field("until", until);
        }));
      },
      std::move(done));
}

void Actions::ban(const Identity& who, const protocol::BanCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  if (auto e = staff_target_check(who, c.user)) return done(*e);
  storage::WriteRequest req;
  auto a = audit(who, c.on ? "ban" : "unban");
  a.target_user = c.user;
  a.reason = c.reason;
  std::int64_t until = until_from(c.duration_s);
  if (c.on) {
    req.op = storage::PutBan{storage::Ban{c.user, until, c.reason, who.id, now_ms()}};
    a.details = duration_details(c.duration_s);
  } else {
    req.op = storage::RemoveBan{c.user};
  }
  req.audit = std::move(a);
  write(
      std::move(req),
      [c, until](storage::Committed&) {
        return Outcome::success(fields([&](JsonWriter& w) {
          w.field("user", c.user);
          if (c.on) w.field("until", until);
        }));
      },
      std::move(done));
}

void Actions::kick(const Identity& who, const protocol::KickCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  if (auto e = staff_target_check(who, c.user)) return done(*e);
  if (!core_.store.get_channel(c.channel)) {
    return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + c.channel + "\""));
  }
  storage::WriteRequest req;
  req.op = storage::AuditOnly{};
  auto a = audit(who, "kick");
  a.target_user = c.user;
  a.channel = c.channel;
  req.audit = std::move(a);
  write(
      std::move(req),
      [this, who, c](storage::Committed&) {
        // Out for [limits] kick_rejoin_s: join and posting are refused until then.
        const std::int64_t out_ms = std::int64_t{core_.cfg.limits.kick_rejoin_s} * 1000;
        const std::int64_t now = now_ms();
        if (out_ms > 0) core_.moderation.put_kick(c.user, c.channel, now + out_ms, now);
        std::string frame = "{\"op\":\"kicked\",";
        frame += fields([&](JsonWriter& w) {
          w.field("channel", c.channel).field("by", who.id);
          if (out_ms > 0) w.field("rejoin_after_ms", out_ms);
        });
        frame += "}";
        std::vector<Delivery> kick(1);
        kick[0].kind = Delivery::Kind::kick;
        kick[0].user = c.user;
        kick[0].channel = c.channel;
        kick[0].payload = make_payload(std::move(frame));
        core_.router.publish(std::move(kick));
        return Outcome::success(fields([&](JsonWriter& w) {
          w.field("user", c.user).field("channel", c.channel);
          if (out_ms > 0) w.field("rejoin_after_ms", out_ms);
        }));
      },
      std::move(done));
}

namespace {
// Submits an UpdateChannel built by `change` from the current settings.
template <class F>
void update(Core& core, Actions& actions, const Identity& who, const std::string& channel,
            std::string action, std::string details, F&& change, Done done,
            const std::function<void(storage::WriteRequest, Done)>& write) {
  auto info = core.store.get_channel(channel);
  if (!info || info->kind == protocol::ChannelKind::dm) {
    return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + channel + "\""));
  }
  change(*info);
  storage::WriteRequest req;
  req.op = storage::UpdateChannel{*info};
  storage::AuditEntry a;
  a.actor = who.id;
  a.action = std::move(action);
  a.channel = channel;
  a.details = std::move(details);
  req.audit = std::move(a);
  write(std::move(req), std::move(done));
}
}  // namespace

void Actions::slow_mode(const Identity& who, const protocol::SlowModeCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  update(
      core_, *this, who, c.channel, "slow_mode",
      "{\"interval_s\":" + std::to_string(c.interval_s) + "}",
      [&](storage::ChannelInfo& i) { i.slow_mode_s = c.interval_s; }, std::move(done),
      [this](storage::WriteRequest r, Done d) { write_channel(std::move(r), std::move(d)); });
}

void Actions::lock(const Identity& who, const protocol::LockCmd& c, Done done) {
  if (auto d = check(Action::moderate, subject(who), nullptr)) return done(from_denial(*d));
  update(
      core_, *this, who, c.channel, c.locked ? "lock" : "unlock", "",
      [&](storage::ChannelInfo& i) { i.locked = c.locked; }, std::move(done),
      [this](storage::WriteRequest r, Done d) { write_channel(std::move(r), std::move(d)); });
}

void Actions::archive_channel(const Identity& who, const protocol::ArchiveChannelCmd& c,
                              Done done) {
  if (auto d = check(Action::manage_channels, subject(who), nullptr)) return done(from_denial(*d));
  update(
      core_, *this, who, c.channel, c.archived ? "archive_channel" : "unarchive_channel", "",
      [&](storage::ChannelInfo& i) { i.archived = c.archived; }, std::move(done),
      [this](storage::WriteRequest r, Done d) { write_channel(std::move(r), std::move(d)); });
}

void Actions::update_channel(const Identity& who, const protocol::UpdateChannelCmd& c, Done done) {
  if (auto d = check(Action::manage_channels, subject(who), nullptr)) return done(from_denial(*d));
  std::string details;
  protocol::JsonWriter w(details);
  w.begin_object();
  if (!c.title.empty()) w.field("title", c.title);
  if (c.publish) w.field("publish", *c.publish);
  w.end_object();
  update(
      core_, *this, who, c.channel, "update_channel", details,
      [&](storage::ChannelInfo& i) {
        if (!c.title.empty()) i.title = c.title;
        if (c.publish) i.publish = c.publish;
      },
      std::move(done),
      [this](storage::WriteRequest r, Done d) { write_channel(std::move(r), std::move(d)); });
}

void Actions::patch_channel(const Identity& who, const std::string& channel,
                            const std::vector<protocol::Command>& changes, Done done) {
  if (auto d = check(Action::manage_channels, subject(who), nullptr)) return done(from_denial(*d));
  std::string details;
  protocol::JsonWriter w(details);
  w.begin_object();
  for (const auto& change : changes) {
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, protocol::UpdateChannelCmd>) {
            if (!c.title.empty()) w.field("title", c.title);
            if (c.publish) w.field("publish", *c.publish);
          } else if constexpr (std::is_same_v<T, protocol::ArchiveChannelCmd>) {
            w.field("archived", c.archived);
          } else if constexpr (std::is_same_v<T, protocol::LockCmd>) {
            w.field("locked", c.locked);
          } else if constexpr (std::is_same_v<T, protocol::SlowModeCmd>) {
            w.field("slow_mode_s", static_cast<std::uint64_t>(c.interval_s));
          }
        },
        change);
  }
  w.end_object();
  update(
      core_, *this, who, channel, "update_channel", details,
      [&](storage::ChannelInfo& i) {
        for (const auto& change : changes) {
          std::visit(
              [&](const auto& c) {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, protocol::UpdateChannelCmd>) {
                  if (!c.title.empty()) i.title = c.title;
                  if (c.publish) i.publish = c.publish;
                } else if constexpr (std::is_same_v<T, protocol::ArchiveChannelCmd>) {
                  i.archived = c.archived;
                } else if constexpr (std::is_same_v<T, protocol::LockCmd>) {
                  i.locked = c.locked;
                } else if constexpr (std::is_same_v<T, protocol::SlowModeCmd>) {
                  i.slow_mode_s = c.interval_s;
                }
              },
              change);
        }
      },
      std::move(done),
      [this](storage::WriteRequest r, Done d) { write_channel(std::move(r), std::move(d)); });
}

void Actions::write_channel(storage::WriteRequest req, Done done) {
  write(
      std::move(req),
      [publish_default = core_.cfg.knowledge.publish_default](storage::Committed& r) {
        if (r.status == WriteStatus::conflict) {
          return Outcome::failure(ErrorCode::conflict, "channel already exists");
        }
        if (r.status != WriteStatus::ok)
          return Outcome::failure(ErrorCode::not_found, "unknown channel");
        const storage::ChannelInfo* info = nullptr;
        if (auto* u = std::get_if<storage::UpdateChannel>(&r.req.op)) info = &u->info;
        if (auto* cc = std::get_if<storage::CreateChannel>(&r.req.op)) info = &cc->info;
        return Outcome::success(info ? channel_fields(*info, publish_default) : std::string());
      },
      std::move(done));
}

void Actions::create_channel(const Identity& who, const protocol::CreateChannelCmd& c, Done done) {
  if (auto d = check(Action::manage_channels, subject(who), nullptr)) return done(from_denial(*d));
  storage::ChannelInfo info;
  info.name = c.channel;
  info.kind = c.kind;
  info.title = c.title.empty() ? c.channel : c.title;
  info.publish = c.publish;
  storage::WriteRequest req;
  req.op = storage::CreateChannel{info};
  auto a = audit(who, "create_channel");
  a.channel = c.channel;
  a.details = "{\"kind\":\"" + std::string(protocol::to_string(c.kind)) + "\"" +
              (c.publish ? std::string(",\"publish\":") + (*c.publish ? "true" : "false") : "") +
              "}";
  req.audit = std::move(a);
  write_channel(std::move(req), std::move(done));
}

void Actions::member(const Identity& who, const protocol::MemberCmd& c, Done done) {
  if (auto d = check(Action::manage_channels, subject(who), nullptr)) return done(from_denial(*d));
  auto info = core_.store.get_channel(c.channel);
  if (!info)
    return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + c.channel + "\""));
  if (info->kind != protocol::ChannelKind::private_) {
    return done(Outcome::failure(ErrorCode::bad_request, "members apply to private channels only"));
  }
  storage::WriteRequest req;
  if (c.add) {
    // The channel joins the new member's list (DESIGN §10) with its past counted as read; a
    // marker left by a failed add is harmless (the list shows only channels one may read).
    storage::WriteRequest mark;
    mark.op = storage::MarkRead{c.user, c.channel, UINT64_MAX, true};  // lowered to the last seq
    (void)core_.writes.submit(std::move(mark));
    req.op = storage::PutMember{c.channel, c.user};
  } else {
    req.op = storage::RemoveMember{c.channel, c.user};
  }
  auto a = audit(who, c.add ? "add_member" : "remove_member");
  a.channel = c.channel;
  a.target_user = c.user;
  req.audit = std::move(a);
  write(
      std::move(req),
      [c](storage::Committed&) {
        return Outcome::success(
            fields([&](JsonWriter& w) { w.field("channel", c.channel).field("user", c.user); }));
      },
      std::move(done));
}

}  // namespace parley::server
