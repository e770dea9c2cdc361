#include "parley/ops/search_service.hpp"

#include <algorithm>
#include <charconv>

#include "parley/ops/core.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/index.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

std::string results_fields(const search::SearchResult& r) {
  std::string out;
  out.reserve(64 + r.hits.size() * 320);
  JsonWriter w(out);
  w.key("results").begin_array();
  for (const auto& h : r.hits) {
    w.begin_object().field("channel", h.channel).field("seq", h.seq).field("ts", h.ts);
    w.key("from").begin_object().field("id", h.from_id).field("name", h.from_name);
    w.field("role", protocol::to_string(h.from_role)).field("advocate", h.from_advocate);
    w.end_object();
    w.field("snippet", h.snippet).field("score", static_cast<std::uint64_t>(h.score));
    if (h.question_seq != 0) w.field("question_seq", h.question_seq);
    if (h.solved_seq != 0) w.field("solved_seq", h.solved_seq);
    w.end_object();
  }
  w.end_array();
  if (!r.cursor.empty()) w.field("cursor", r.cursor);
  return out;
}

}  // namespace

void SearchService::search(const std::optional<Identity>& who, const protocol::SearchCmd& c,
                           Done done) {
  search::SearchIndex* index = index_;
  if (index == nullptr) {
    return done(Outcome::failure(ErrorCode::not_found, "search is not enabled on this server"));
  }
  // The scope, from memory: the channel directory and private-channel membership.
  std::vector<ListedChannel> listed;
  for (const auto& ch : core_.store.list_channels()) {
    ListedChannel l{ch.name, ch.kind, ch.archived, false,
                    ch.publish.value_or(core_.cfg.knowledge.publish_default)};
    if (who && ch.kind == protocol::ChannelKind::private_) {
      l.member = core_.moderation.is_member(ch.name, who->id);
    }
    listed.push_back(std::move(l));
  }
  std::optional<Subject> subject;
  if (who) subject = Subject{who->role, who->guest};
  SearchScope scope = search_scope(subject, listed);

  if (c.channel) {
    const std::string& ch = *c.channel;
    if (!core_.store.get_channel(ch)) {
      return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + ch + "\""));
    }
    bool allowed = scope.everything || std::find(scope.channels.begin(), scope.channels.end(),
                                                 ch) != scope.channels.end();
    if (!allowed && scope.own_dms && who) {
      auto m = protocol::dm_members(ch);
      allowed = m && (m->first == who->id || m->second == who->id);
    }
    if (!allowed) {
      return done(
          Outcome::failure(ErrorCode::forbidden, "you cannot search channel \"" + ch + "\""));
    }
  }

  search::Access access;
  access.everything = scope.everything;
  access.channels = std::move(scope.channels);
  if (scope.own_dms && who) access.dm_user = who->id;
  access.solved_only = scope.solved_only;
  // Anonymous readers see the knowledge pages' threads only: not those staff unpublished.
  if (!who) access.hidden = hidden_threads();
  search::SearchRequest req;
  req.query = c.query;
  req.channel = c.channel;
  req.solved = c.solved;
  req.limit = c.limit;
  req.cursor = c.cursor;
  req.any = c.any;
  core_.readers.post(
      [index, req = std::move(req), access = std::move(access), done = std::move(done)] {
        search::SearchResult r = index->search(req, access);
        if (!r.ok) {
          return done(
              Outcome::failure(r.internal ? ErrorCode::internal : ErrorCode::bad_request, r.error));
        }
        done(Outcome::success(results_fields(r)));
      });
}

namespace {

const std::string kHiddenPrefix("k\0", 2);

std::string hidden_key(const std::string& channel, std::uint64_t seq) {
  return kHiddenPrefix + channel + '\0' + std::to_string(seq);
}

}  // namespace

void SearchService::load() {
  std::set<search::ThreadRef> loaded;
  for (const auto& [key, value] : core_.store.kv_scan(kHiddenPrefix)) {
    const auto sep = key.find('\0', kHiddenPrefix.size());
    if (sep == std::string::npos) continue;
    search::ThreadRef t{key.substr(kHiddenPrefix.size(), sep - kHiddenPrefix.size()), 0};
    const char* b = key.data() + sep + 1;
    const char* e = key.data() + key.size();
    if (auto [p, ec] = std::from_chars(b, e, t.seq); ec != std::errc() || p != e) continue;
    loaded.insert(std::move(t));
  }
  std::lock_guard lock(hidden_mu_);
  hidden_ = std::move(loaded);
}

std::vector<search::ThreadRef> SearchService::hidden_threads() const {
  std::lock_guard lock(hidden_mu_);
  return {hidden_.begin(), hidden_.end()};
}

bool SearchService::hidden(const std::string& channel, std::uint64_t seq) const {
  std::lock_guard lock(hidden_mu_);
  return hidden_.contains(search::ThreadRef{channel, seq});
}

void SearchService::publish_thread(const Identity& who, const protocol::PublishThreadCmd& c,
                                   Done done) {
  if (auto d = check(Action::manage_channels, Subject{who.role, who.guest}, nullptr)) {
    return done(Outcome::failure(d->code, d->message));
  }
  auto info = core_.store.get_channel(c.channel);
  if (!info)
    return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + c.channel + "\""));
  if (info->kind != protocol::ChannelKind::support) {
    return done(Outcome::failure(ErrorCode::bad_request,
                                 "knowledge pages come from support channels only"));
  }
  core_.readers.post([this, c, actor = who.id, done = std::move(done)] {
    auto m = core_.store.get_message(c.channel, c.seq);
    if (!m || m->deleted) return done(Outcome::failure(ErrorCode::not_found, "message not found"));
    if (m->reply_to != 0) {
      return done(Outcome::failure(ErrorCode::bad_request,
                                   "not a question: a reply (publish its question)"));
    }
    storage::WriteRequest req;
    storage::KvWrite kv;
    kv.entries.push_back(
        {hidden_key(c.channel, c.seq), c.publish ? std::nullopt : std::optional<std::string>("1")});
    req.op = std::move(kv);
    storage::AuditEntry audit;
    audit.actor = actor;
    audit.action = c.publish ? "publish_thread" : "unpublish_thread";
    audit.target_user = m->from_id;
    audit.channel = c.channel;
    audit.seq = c.seq;
    req.audit = std::move(audit);
    std::string fields;
    JsonWriter w(fields);
    w.begin_object().field("channel", c.channel).field("seq", c.seq).field("publish", c.publish);
    w.end_object();
    fields = fields.substr(1, fields.size() - 2);
    const bool queued = core_.writes.submit(
        std::move(req), Completion::after_events([this, c, done, fields](storage::Committed& r) {
          if (r.status != storage::WriteStatus::ok) {
            return done(
                Outcome::failure(ErrorCode::internal, "storage failure; nothing was changed"));
          }
          {
            std::lock_guard lock(hidden_mu_);
            if (c.publish) {
              hidden_.erase(search::ThreadRef{c.channel, c.seq});
            } else {
              hidden_.insert(search::ThreadRef{c.channel, c.seq});
            }
          }
          done(Outcome::success(fields));
        }));
    if (!queued) done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
  });
}

void SearchService::knowledge(std::uint32_t offset, std::uint32_t limit,
                              std::function<void(std::string)> respond) {
  search::SearchIndex* index = index_;
  core_.readers.post([this, index, offset, limit, respond = std::move(respond)] {
    std::vector<std::string> channels;
    std::set<std::string> published_channels;
    for (const auto& ch : core_.store.list_channels()) {
      if (ch.kind != protocol::ChannelKind::support) continue;
      channels.push_back(ch.name);
      if (!ch.archived && ch.publish.value_or(core_.cfg.knowledge.publish_default)) {
        published_channels.insert(ch.name);
      }
    }
    auto listing = index->solved_questions(channels, offset, limit);
    std::string body;
    JsonWriter w(body);
    w.begin_object()
        .field("total", listing.total)
        .field("offset", static_cast<std::uint64_t>(offset));
    w.key("threads").begin_array();
    for (const auto& h : listing.hits) {
      const bool thread_on = !hidden(h.channel, h.seq);
      const bool channel_on = published_channels.contains(h.channel);
      w.begin_object().field("channel", h.channel).field("seq", h.seq).field("ts", h.ts);
      w.key("from").begin_object().field("id", h.from_id).field("name", h.from_name);
      w.field("role", protocol::to_string(h.from_role)).end_object();
      w.field("text", h.text).field("solved_seq", h.solved_seq);
      w.field("publish", thread_on).field("channel_publish", channel_on);
      w.field("published", thread_on && channel_on);
      w.end_object();
    }
    w.end_array().end_object();
    respond(std::move(body));
  });
}

}  // namespace parley::server
