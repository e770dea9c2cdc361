// Actions: reports and their resolution, mutes, bans, kicks (actions.hpp).
#include "actions_internal.hpp"
#include "parley/ops/actions.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;
using storage::WriteStatus;
using namespace actions_internal;

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

}  // namespace parley::server
