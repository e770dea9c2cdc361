#include "kb_pages.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "http_cache.hpp"
#include "parley/advocacy/keys.hpp"
#include "parley/api/context.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/index.hpp"

namespace parley::server {
namespace {

constexpr std::uint32_t kHomeItems = 50;
constexpr std::uint32_t kFeedItems = 50;
constexpr std::uint32_t kSearchItems = 20;
constexpr std::uint32_t kThreadReplies = 100;

HttpResponse html(std::string body, unsigned status = 200) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

HttpResponse xml(std::string body, const char* type) {
  HttpResponse r;
  r.content_type = type;
  r.body = std::move(body);
  return r;
}

std::optional<std::uint64_t> parse_seq(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || s[0] == '0') return std::nullopt;
  return v;
}

// A listed solved question (home page, feeds).
kb::Item item_of(search::Hit&& h) {
  kb::Item it;
  it.channel = std::move(h.channel);
  it.seq = h.seq;
  it.ts = h.ts;
  it.text = std::move(h.text);
  return it;
}

kb::Post post_of(const storage::StoredMessage& m, kb::Author a) {
  return kb::Post{m.seq, m.ts, m.edited_at, std::move(a), m.text};
}

}  // namespace

bool KnowledgePages::owns(const std::string& path) {
  return path == "/kb" || path.rfind("/kb/", 0) == 0 || path == "/robots.txt" ||
         path == "/sitemap.xml" || (path.rfind("/sitemap-", 0) == 0 && path.ends_with(".xml"));
}

kb::Site KnowledgePages::site(const HttpRequest& req) const {
  const auto& cfg = ctx_.cfg;
  kb::Site s{cfg.knowledge.title, cfg.knowledge.base_url};
  if (s.base.empty()) {
    // From the Host header: only a host name or address and a port, anything else is ignored.
    std::string host = req.host;
    bool ok = !host.empty() && host.size() <= 255;
    for (char c : host) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                  c == '[' || c == ']');
    }
    if (!ok) host = "localhost";
    s.base = (cfg.server.tls_cert.empty() ? "http://" : "https://") + host;
  }
  return s;
}

bool KnowledgePages::published(const std::string& channel) const {
  auto info = ctx_.store.get_channel(channel);
  return info && info->kind == protocol::ChannelKind::support && !info->archived &&
         info->publish.value_or(ctx_.cfg.knowledge.publish_default);
}

std::vector<std::string> KnowledgePages::published_channels() const {
  std::vector<std::string> out;
  const bool def = ctx_.cfg.knowledge.publish_default;
  for (const auto& ch : ctx_.store.list_channels()) {
    if (ch.kind == protocol::ChannelKind::support && !ch.archived && ch.publish.value_or(def)) {
      out.push_back(ch.name);
    }
  }
  return out;
}

std::uint32_t KnowledgePages::helpful_marks(const std::string& channel, std::uint64_t seq) const {
  // Explicit marks (and those made by a thanks reaction) while the advocacy window keeps them,
  // and thanks reactions for as long as they stay: each person counted once.
  constexpr std::size_t kMaxMarkers = 1000;
  std::set<std::string> who;
  const std::string prefix = advocacy::helpful_marks_prefix(channel, seq);
  for (const auto& kv : ctx_.store.kv_scan(prefix)) {
    who.insert(kv.first.substr(prefix.size()));
    if (who.size() >= kMaxMarkers) break;
  }
  for (const auto& emoji : ctx_.cfg.advocacy.thanks_reactions) {
    for (auto& user : ctx_.store.reactors(channel, seq, emoji, kMaxMarkers))
      who.insert(std::move(user));
  }
  return static_cast<std::uint32_t>(std::min(who.size(), kMaxMarkers));
}

kb::Author KnowledgePages::author(const std::string& id, const std::string& name,
                                  protocol::Role role) const {
  if (auto u = ctx_.store.get_user(id); u && u->kb_anonymous) return kb::Author{"Community member"};
  return kb::Author{name, ctx_.advocacy.is_advocate(id), protocol::is_staff(role)};
}

void KnowledgePages::handle(const HttpRequest& req, const std::string& path, Respond respond) {
  if (req.method != "GET" && req.method != "HEAD") {
    return respond(json_error(405, "bad_request", "use GET"));
  }
  const kb::Site s = site(req);
  if (path == "/robots.txt") {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = kb::robots_txt(s);
    return respond(std::move(r));
  }
  if (ctx_.search == nullptr) {
    return respond(html(kb::missing_page(s, false), 404));  // the pages list from the index
  }
  if (path == "/kb/search") {
    const std::int64_t wait =
        search_limiter_.take(req.remote_ip, ctx_.cfg.search.anonymous_per_ip_per_min);
    if (wait > 0) {
      auto r = html(
          kb::search_page(s, "", {}, "Too many searches from your address; try again in a minute."),
          429);
      r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
      return respond(std::move(r));
    }
  }
  // Everything below reads the index or the store: off the I/O thread.
  ctx_.readers.post([this, s, path, target = req.target, respond = std::move(respond)] {
    if (path == "/kb" || path == "/kb/") return respond(home(s));
    if (path == "/kb/search") return respond(search(s, form_value(target, "q")));
    if (path == "/kb/feed.atom") return respond(feed(s, ""));
    if (path == "/sitemap.xml") return respond(sitemap(s, 0));
    if (path.rfind("/sitemap-", 0) == 0) {
      auto n = parse_seq(std::string_view(path).substr(9, path.size() - 9 - 4));
      if (!n) return respond(json_error(404, "not_found", "no such sitemap"));
      return respond(sitemap(s, *n));
    }
    // /kb/CHANNEL/SEQ and /kb/CHANNEL/feed.atom
    std::string_view rest = std::string_view(path).substr(4);
    auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
      std::string channel(rest.substr(0, slash));
      std::string_view tail = rest.substr(slash + 1);
      if (protocol::is_valid_channel_name(channel)) {
        if (tail == "feed.atom") return respond(feed(s, channel));
        if (auto seq = parse_seq(tail)) return respond(thread(s, channel, *seq));
      }
    }
    respond(html(kb::missing_page(s, false), 404));
  });
}

HttpResponse KnowledgePages::home(const kb::Site& s) {
  auto listing = ctx_.search->solved_questions(published_channels(), 0, kHomeItems,
                                               ctx_.search_service.hidden_threads());
  std::vector<kb::Item> items;
  for (auto& h : listing.hits) items.push_back(item_of(std::move(h)));
  return html(kb::home_page(s, items, listing.total));
}

HttpResponse KnowledgePages::search(const kb::Site& s, const std::string& query) {
  if (query.empty())
    return html(kb::search_page(s, "", {}, "Type a few words to search the answers."));
  search::Access access;
  access.channels = published_channels();
  access.solved_only = true;
  access.hidden = ctx_.search_service.hidden_threads();
  search::SearchRequest req;
  req.query = query;
  req.limit = kSearchItems;
  auto r = ctx_.search->search(req, access);
  if (!r.ok) return html(kb::search_page(s, query, {}, r.error), r.internal ? 500 : 400);
  std::vector<kb::Item> items;
  for (auto& h : r.hits) {
    kb::Item it{h.channel, h.seq, h.ts, "", {}, std::move(h.snippet), 0};
    if (h.solved_seq == 0 && h.question_seq != 0) {  // an accepted answer: link into its thread
      it.seq = h.question_seq;
      it.anchor = h.seq;
    }
    auto q = ctx_.store.get_message(it.channel, it.seq);
    if (!q || q->deleted) continue;
    it.text = q->text;
    items.push_back(std::move(it));
  }
  return html(kb::search_page(s, query, items, ""));
}

HttpResponse KnowledgePages::thread(const kb::Site& s, const std::string& channel,
                                    std::uint64_t seq) {
  auto missing = [&](bool gone) { return html(kb::missing_page(s, gone), gone ? 410 : 404); };
  if (!published(channel)) return missing(false);
  auto q = ctx_.store.get_message(channel, seq);
  if (!q) return missing(false);
  if (q->deleted) return missing(true);
  if (ctx_.search_service.hidden(channel, seq)) return missing(false);  // unpublished by staff
  if (q->solved_seq == 0 || q->reply_to != 0) return missing(false);
  auto a = ctx_.store.get_message(channel, q->solved_seq);
  if (!a || a->deleted) return missing(false);

  kb::Thread t;
  t.channel = channel;
  if (auto info = ctx_.store.get_channel(channel)) t.channel_title = info->title;
  t.question = post_of(*q, author(q->from_id, q->from_name, q->from_role));
  t.accepted = post_of(*a, author(a->from_id, a->from_name, a->from_role));
  protocol::TimestampMs modified = std::max({q->ts, q->edited_at, a->ts, a->edited_at});
  t.accepted.helpful = helpful_marks(channel, a->seq);
  for (auto& h : ctx_.search->replies(channel, seq, kThreadReplies)) {
    if (h.seq == a->seq) continue;
    const std::uint32_t marks = helpful_marks(channel, h.seq);
    if (marks == 0) continue;  // the page shows the replies people found helpful
    modified = std::max(modified, h.ts);
    t.others.push_back(kb::Post{h.seq, h.ts, 0, author(h.from_id, h.from_name, h.from_role),
                                std::move(h.text), marks});
  }
  auto r = html(kb::thread_page(s, t));
  r.headers.emplace_back("Last-Modified", http_date(modified / 1000));
  return r;
}

HttpResponse KnowledgePages::feed(const kb::Site& s, const std::string& channel) {
  std::vector<std::string> channels;
  if (channel.empty()) {
    channels = published_channels();
  } else if (published(channel)) {
    channels.push_back(channel);
  } else {
    return html(kb::missing_page(s, false), 404);
  }
  auto listing =
      ctx_.search->solved_questions(channels, 0, kFeedItems, ctx_.search_service.hidden_threads());
  std::vector<kb::Item> items;
  for (auto& h : listing.hits) {
    kb::Author a = author(h.from_id, h.from_name, h.from_role);
    items.push_back(item_of(std::move(h)));
    items.back().author = std::move(a);
  }
  const std::string self = channel.empty() ? "/kb/feed.atom" : "/kb/" + channel + "/feed.atom";
  const std::string title = channel.empty() ? s.title : s.title + " · #" + channel;
  return xml(kb::atom_feed(s, self, title, items), "application/atom+xml; charset=utf-8");
}

HttpResponse KnowledgePages::sitemap(const kb::Site& s, std::uint64_t part) {
  const std::uint64_t per_file = ctx_.cfg.knowledge.sitemap_max_urls;
  const auto channels = published_channels();
  auto index = ctx_.search;
  const auto hidden = ctx_.search_service.hidden_threads();
  const std::uint64_t threads = index->solved_questions(channels, 0, 1, hidden).total;
  const std::uint64_t urls = threads + 1;  // and /kb
  const std::uint64_t files = (urls + per_file - 1) / per_file;
  if (part == 0 && files > 1) {
    return xml(kb::sitemap_index(s, files), "application/xml; charset=utf-8");
  }
  if (part > files || (part != 0 && files == 1 && part != 1)) {
    return json_error(404, "not_found", "no such sitemap");
  }
  // URL i of the whole list is /kb for i = 0, else thread i - 1.
  const std::uint64_t first = part <= 1 ? 0 : (part - 1) * per_file;
  const std::uint64_t last = std::min(urls, first + per_file);
  std::vector<kb::SitemapUrl> out;
  if (first == 0) out.push_back({"/kb", 0});
  const std::uint64_t from = first == 0 ? 0 : first - 1;
  const std::uint64_t count = last - first - (first == 0 ? 1 : 0);
  auto listing = index->solved_questions(channels, static_cast<std::uint32_t>(from),
                                         static_cast<std::uint32_t>(count), hidden);
  protocol::TimestampMs newest = 0;
  for (const auto& h : listing.hits) {
    out.push_back({kb::thread_path(h.channel, h.seq), h.ts});
    newest = std::max(newest, h.ts);
  }
  if (first == 0) out[0].modified = newest;
  return xml(kb::sitemap(s, out), "application/xml; charset=utf-8");
}

}  // namespace parley::server
