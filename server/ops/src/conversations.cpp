#include "parley/ops/conversations.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <map>

#include "parley/ops/actions.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/records_json.hpp"

namespace parley::server {

using protocol::ChannelKind;
using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

// Whether `who` may read `info` now (the same rule as join).
bool readable(Core& core, const Identity& who, const storage::ChannelInfo& info) {
  return !check(Action::read, who, channel_facts(info, core.moderation, who.id)).has_value();
}

}  // namespace

std::vector<Conversation> conversations(Core& core, const Identity& who, bool details) {
  auto& store = core.store;
  std::map<std::string, std::uint64_t> marks;  // channel -> last read
  for (auto& m : store.read_markers(who.id, kMaxConversations)) {
    marks.emplace(std::move(m.channel), m.last_read);
  }
  // Private channels count from their membership, marker or not (members added before read
  // markers existed have none: everything there is unread for them).
  for (const auto& info : store.list_channels()) {
    if (info.kind == ChannelKind::private_ && marks.size() < kMaxConversations &&
        core.moderation.is_member(info.name, who.id)) {
      marks.emplace(info.name, 0);
    }
  }
  std::vector<Conversation> out;
  out.reserve(marks.size());
  for (const auto& [name, last_read] : marks) {
    auto info = store.get_channel(name);
    if (!info || !readable(core, who, *info)) continue;
    Conversation c;
    c.info = std::move(*info);
    c.last_seq = store.last_seq(name);
    c.last_read = std::min(last_read, c.last_seq);
    c.unread = c.last_seq - c.last_read;
    if (auto m = protocol::dm_members(name)) c.with = m->first == who.id ? m->second : m->first;
    if (details) {
      if (c.unread > 0)
        c.mentions = store.count_mentions(who.id, name, c.last_read, kMaxMentionCount);
      if (c.last_seq > 0) c.last_message = store.get_message(name, c.last_seq);
    }
    out.push_back(std::move(c));
  }
  if (details) {
    auto ts = [](const Conversation& c) { return c.last_message ? c.last_message->ts : 0; };
    std::stable_sort(out.begin(), out.end(),
                     [&](const Conversation& a, const Conversation& b) { return ts(a) > ts(b); });
  }
  return out;
}

std::uint64_t unread_total(Core& core, const Identity& who) {
  std::uint64_t total = 0;
  for (const auto& c : conversations(core, who, false)) total += c.unread;
  return total;
}

std::string channels_reply(const std::string& id_json, const std::vector<Conversation>& list) {
  std::string out;
  JsonWriter w(out);
  protocol::begin_ok(w, id_json).key("channels").begin_array();
  for (const auto& c : list) {
    w.begin_object().field("name", c.info.name).field("kind", protocol::to_string(c.info.kind));
    if (!c.info.title.empty()) w.field("title", c.info.title);
    w.field("last_seq", c.last_seq).field("last_read", c.last_read).field("unread", c.unread);
    w.field("mentions", c.mentions);
    if (!c.with.empty()) w.field("with", c.with);
    if (c.last_message) {
      w.key("last_message");
      write_stored_message(w, c.info.name, *c.last_message);
    }
    w.end_object();
  }
  w.end_array().end_object();
  return out;
}

std::int64_t HereIntervals::take(const std::string& channel, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  // Bounded: entries whose interval has passed say nothing, so drop them all now and then.
  if (at_.size() >= 10000) {
    std::erase_if(at_, [&](const auto& e) { return now_ms - e.second >= interval_ms_; });
  }
  auto [it, fresh] = at_.try_emplace(channel, now_ms);
  if (!fresh) {
    if (now_ms - it->second < interval_ms_) return interval_ms_ - (now_ms - it->second);
    it->second = now_ms;
  }
  return 0;
}

MentionResult mentions_for(Core& core, HereIntervals& here, const Identity& who,
                           const std::string& channel, ChannelKind kind, const std::string& text) {
  MentionResult r;
  if (text.find('@') == std::string::npos) return r;
  auto found = protocol::find_mentions(text, kMaxTextMentions);
  auto dm = protocol::dm_members(channel);
  auto may_read = [&](const std::string& user) {
    switch (kind) {
      case ChannelKind::dm:
        return dm && (dm->first == user || dm->second == user);
      case ChannelKind::private_:
        return core.moderation.is_member(channel, user);
      default:
        return true;
    }
  };
  std::vector<std::string> users;
  for (auto& u : found.users) {
    if (u != who.id && may_read(u)) users.push_back(std::move(u));
  }
  if (found.here && protocol::is_staff(who.role) && kind != ChannelKind::dm) {
    if (auto wait = here.take(channel, now_ms()); wait > 0) {
      r.refused = protocol::Error{protocol::ErrorCode::rate_limited,
                                  "@here was used in this channel a moment ago; try again later"};
      r.retry_after_ms = wait;
      return r;
    }
    for (const auto& u : core.router.online(channel, kMaxHereUsers,
                                            /*announced_only=*/false)) {  // silent arrivals too
      if (u.id != who.id && std::find(users.begin(), users.end(), u.id) == users.end()) {
        users.push_back(u.id);
      }
    }
  }
  for (const auto& u : users) {
    if (!r.mentions.empty()) r.mentions.push_back(' ');
    r.mentions.append(u);
  }
  return r;
}

void mark_read(Core& core, const Identity& who, std::uint64_t session, const protocol::ReadCmd& c,
               Done done) {
  storage::WriteRequest req;
  req.op = storage::MarkRead{who.id, c.channel, c.seq, false};
  const bool queued = core.writes.submit(
      std::move(req),
      Completion::after_events([done, core = &core, user = who.id, session](storage::Committed& r) {
        const auto& m = std::get<storage::MarkRead>(r.req.op);
        if (r.status == storage::WriteStatus::conflict) {
          return done(Outcome::failure(ErrorCode::bad_request,
                                       "seq " + std::to_string(m.seq) +
                                           " is beyond the channel's last message (" +
                                           std::to_string(m.last_read) + ")"));
        }
        if (r.status != storage::WriteStatus::ok) {
          return done(
              Outcome::failure(ErrorCode::internal, "storage failure; nothing was changed"));
        }
        if (m.changed) {
          // Every other tab and device of the user agrees at once.
          std::string out;
          JsonWriter w(out);
          w.begin_object().field("op", "read").field("channel", m.channel);
          w.field("seq", m.last_read).end_object();
          Delivery d;
          d.kind = Delivery::Kind::user_event;
          d.user = user;
          d.except_session = session;
          d.payload = make_payload(std::move(out));
          std::vector<Delivery> ds;
          ds.push_back(std::move(d));
          core->router.publish(std::move(ds));
        }
        std::string fields;
        JsonWriter w(fields);
        w.begin_object().field("channel", m.channel).field("last_read", m.last_read).end_object();
        done(Outcome::success(fields.substr(1, fields.size() - 2)));
      }));
  if (!queued) done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
}

}  // namespace parley::server
