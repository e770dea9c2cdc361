// Actions: channel settings (slow mode, lock, archive, title, publish, several at once),
// creating channels, and members of private channels (actions.hpp).
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
