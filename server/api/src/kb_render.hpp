// The knowledge pages' documents (DESIGN §9), rendered from plain values: HTML pages readable
// without JavaScript (with schema.org QAPage JSON-LD on a thread), Atom feeds, sitemaps and
// robots.txt. Pure: no I/O, no server state; kb_pages.cpp gathers the values.
//
// Everything that comes from users is escaped here: HTML text and attributes, XML, and JSON
// inside <script> (where "<", ">" and "&" are written \u003c, \u003e, \u0026).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parley/protocol/types.hpp"

namespace parley::server::kb {

struct Site {
  std::string title;  // [knowledge] title
  std::string base;   // absolute URL of the server, no trailing slash
};

struct Author {
  std::string name;  // "Community member" when the author opted out (kb_anonymous)
  bool advocate = false;
  bool staff = false;
};

struct Post {
  std::uint64_t seq = 0;
  protocol::TimestampMs ts = 0;
  protocol::TimestampMs edited_at = 0;
  Author author;
  std::string text;
  std::uint32_t helpful = 0;  // people who marked it helpful (helpful, or a thanks reaction)
};

struct Thread {
  std::string channel;
  std::string channel_title;
  Post question;
  Post accepted;
  std::vector<Post> others;  // other replies marked helpful (helpful > 0), oldest first
};

// A solved question in a listing (home page, feeds, search results).
struct Item {
  std::string channel;
  std::uint64_t seq = 0;  // the question
  protocol::TimestampMs ts = 0;
  std::string text;          // the question's text
  Author author;             // feeds only
  std::string snippet;       // search results only: HTML-escaped, <mark>ed
  std::uint64_t anchor = 0;  // search results: the matching answer's seq (0: the question)
};

// The question's title: its first line, cut at a word boundary to at most 120 characters.
std::string title_of(const std::string& text);
// "2026-12-06T20:23:53Z" and "6 Dec 2026".
std::string iso_time(protocol::TimestampMs ms);
std::string human_date(protocol::TimestampMs ms);
// The thread's URL path: /kb/<channel>/<seq>.
std::string thread_path(const std::string& channel, std::uint64_t seq);

std::string home_page(const Site& site, const std::vector<Item>& recent, std::uint64_t total);
// `error`: a bad query's message (shown instead of results).
std::string search_page(const Site& site, const std::string& query,
                        const std::vector<Item>& results, const std::string& error);
std::string thread_page(const Site& site, const Thread& t);
// A page for 404 / 410 (`gone`: the question was deleted).
std::string missing_page(const Site& site, bool gone);
// The QAPage JSON-LD of thread_page (exposed for tests).
std::string qa_json_ld(const Site& site, const Thread& t);

// Atom 1.0 (RFC 4287): `self` is the feed's own path, `title` its title.
std::string atom_feed(const Site& site, const std::string& self, const std::string& title,
                      const std::vector<Item>& items);
// A sitemap (urlset) of `paths` (site-relative, each with its last-modified time), and the
// index of `count` sitemap files /sitemap-1.xml … /sitemap-<count>.xml.
struct SitemapUrl {
  std::string path;
  protocol::TimestampMs modified = 0;
};
std::string sitemap(const Site& site, const std::vector<SitemapUrl>& urls);
std::string sitemap_index(const Site& site, std::uint64_t count);
std::string robots_txt(const Site& site);

}  // namespace parley::server::kb
