// The knowledge pages (DESIGN §9): /kb, /kb/search, /kb/CHANNEL/SEQ, the Atom feeds, the
// sitemap and robots.txt. Public, read-only, served from the search index (listings) and the
// store (threads); rendered by kb_render.hpp.
//
// Published: a solved question (one with an accepted answer that is not deleted) in a support
// channel that is not archived and whose `publish` setting is on ([knowledge] publish_default
// when the channel has none), unless staff took the thread off (publish_thread). A deleted
// question answers 410 Gone; anything else unpublished 404. Authors who chose kb_anonymous
// (set_preferences) are shown as "Community member".
//
// Thread-safety: handle() may be called from any shard thread; the work runs on the reader pool.
#pragma once

#include <string>
#include <vector>

#include "kb_render.hpp"
#include "parley/api/http_api.hpp"
#include "parley/ops/rate_limit.hpp"

namespace parley::server {

struct ApiContext;

class KnowledgePages {
 public:
  explicit KnowledgePages(ApiContext& ctx) : ctx_(ctx) {}

  // Whether `path` (no query string) is one of these pages.
  static bool owns(const std::string& path);
  // Answers a GET or HEAD for such a path, exactly once, possibly from another thread.
  void handle(const HttpRequest& req, const std::string& path, Respond respond);

 private:
  kb::Site site(const HttpRequest& req) const;
  // Support channels whose solved threads are published now.
  std::vector<std::string> published_channels() const;
  bool published(const std::string& channel) const;
  // How many people marked message `seq` helpful (an explicit mark or a thanks reaction).
  std::uint32_t helpful_marks(const std::string& channel, std::uint64_t seq) const;
  // How an author appears: name and badges, or "Community member".
  kb::Author author(const std::string& id, const std::string& name, protocol::Role role) const;

  HttpResponse home(const kb::Site& site);
  HttpResponse search(const kb::Site& site, const std::string& query);
  HttpResponse thread(const kb::Site& site, const std::string& channel, std::uint64_t seq);
  HttpResponse feed(const kb::Site& site, const std::string& channel);
  HttpResponse sitemap(const kb::Site& site, std::uint64_t part);

  ApiContext& ctx_;
  KeyedLimiter search_limiter_;  // /kb/search per IP ([search] anonymous_per_ip_per_min)
};

}  // namespace parley::server
