#include "search_service.hpp"

#include <algorithm>

#include "hub.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/index.hpp"
#include "permissions.hpp"

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
    w.field("snippet", h.snippet);
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
  search::SearchIndex* index = hub_.search();
  if (index == nullptr) {
    return done(Outcome::failure(ErrorCode::not_found, "search is not enabled on this server"));
  }
  // The scope, from memory: the channel directory and private-channel membership.
  std::vector<ListedChannel> listed;
  for (const auto& ch : hub_.store().list_channels()) {
    ListedChannel l{ch.name, ch.kind, ch.archived, false,
                    ch.publish.value_or(hub_.config().knowledge.publish_default)};
    if (who && ch.kind == protocol::ChannelKind::private_) {
      l.member = hub_.moderation().is_member(ch.name, who->id);
    }
    listed.push_back(std::move(l));
  }
  std::optional<Subject> subject;
  if (who) subject = Subject{who->role, who->guest};
  SearchScope scope = search_scope(subject, listed);

  if (c.channel) {
    const std::string& ch = *c.channel;
    if (!hub_.store().get_channel(ch)) {
      return done(Outcome::failure(ErrorCode::not_found, "unknown channel \"" + ch + "\""));
    }
    bool allowed = scope.everything ||
                   std::find(scope.channels.begin(), scope.channels.end(), ch) != scope.channels.end();
    if (!allowed && scope.own_dms && who) {
      auto m = protocol::dm_members(ch);
      allowed = m && (m->first == who->id || m->second == who->id);
    }
    if (!allowed) {
      return done(Outcome::failure(ErrorCode::forbidden, "you cannot search channel \"" + ch + "\""));
    }
  }

  search::Access access;
  access.everything = scope.everything;
  access.channels = std::move(scope.channels);
  if (scope.own_dms && who) access.dm_user = who->id;
  access.solved_only = scope.solved_only;
  search::SearchRequest req;
  req.query = c.query;
  req.channel = c.channel;
  req.solved = c.solved;
  req.limit = c.limit;
  req.cursor = c.cursor;
  req.any = c.any;
  hub_.read_async([index, req = std::move(req), access = std::move(access), done = std::move(done)] {
    search::SearchResult r = index->search(req, access);
    if (!r.ok) {
      return done(Outcome::failure(r.internal ? ErrorCode::internal : ErrorCode::bad_request,
                                   r.error));
    }
    done(Outcome::success(results_fields(r)));
  });
}

}  // namespace parley::server
