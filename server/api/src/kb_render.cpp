#include "kb_render.hpp"

#include <ctime>

#include "parley/protocol/serialize.hpp"
#include "parley/search/snippet.hpp"

namespace parley::server::kb {
namespace {

using search::append_html_escaped;

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 16);
  append_html_escaped(out, s);
  return out;
}

// Path segments are channel names ([a-z0-9._-]) and numbers: nothing to encode. DM channels are
// never published.
std::string url(const Site& site, const std::string& path) { return site.base + path; }

std::tm utc(protocol::TimestampMs ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// Paragraphs for blank-line separated blocks, <br> for single newlines; everything escaped.
std::string paragraphs(const std::string& text) {
  std::string out = "<p>";
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t nl = text.find('\n', i);
    std::string line = text.substr(i, nl == std::string::npos ? std::string::npos : nl - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    append_html_escaped(out, line);
    if (nl == std::string::npos) break;
    i = nl + 1;
    if (i < text.size() &&
        (text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n'))) {
      while (i < text.size() && (text[i] == '\n' || text[i] == '\r')) ++i;
      out += "</p><p>";
    } else if (i < text.size()) {
      out += "<br />";
    }
  }
  out += "</p>";
  return out;
}

const char* kStyle = R"(<style>
:root{--ink:#1c1917;--muted:#6b625a;--cream:#fdf8f1;--line:#eee4d6;--accent:#c2410c;--glow:#fbbf24}
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--cream)}
a{color:inherit}
.wrap{max-width:860px;margin:0 auto;padding:0 24px}
header nav{display:flex;align-items:center;justify-content:space-between;padding:22px 0}
.logo{font-weight:750;font-size:20px;letter-spacing:-.02em;text-decoration:none}
nav a.home{color:var(--muted);text-decoration:none;font-size:15px}
h1{font-size:clamp(28px,4vw,40px);line-height:1.1;letter-spacing:-.03em;margin:12px 0 8px}
.sub{color:var(--muted);margin:0 0 24px}
form.search{display:flex;gap:8px;margin:0 0 32px}
form.search input{flex:1;font:inherit;padding:12px 14px;border:1px solid #d8cbb8;border-radius:12px;background:#fff}
form.search button{font:inherit;font-weight:650;padding:12px 18px;border:0;border-radius:12px;background:var(--ink);color:#fff;cursor:pointer}
ol.list{list-style:none;margin:0;padding:0}
ol.list li{background:#fff;border:1px solid var(--line);border-radius:16px;padding:16px 20px;margin:0 0 12px}
ol.list a{font-weight:650;text-decoration:none}
ol.list a:hover{text-decoration:underline}
.meta{color:var(--muted);font-size:14px}
.snippet{margin:6px 0 0;color:var(--muted);font-size:15px}
mark{background:#fde68a;color:inherit;border-radius:3px;padding:0 2px}
article{background:#fff;border:1px solid var(--line);border-radius:18px;padding:22px 24px;margin:0 0 16px}
article.accepted{border:2px solid #16a34a}
.label{display:inline-block;font-size:13px;font-weight:700;color:#166534;background:#dcfce7;padding:2px 10px;border-radius:999px;margin:0 0 8px}
.who{font-weight:650}
.badge{display:inline-block;font-size:12px;font-weight:700;padding:1px 8px;border-radius:999px;margin-left:6px;vertical-align:1px}
.badge.advocate{background:#fef3c7;color:#92400e}
.badge.staff{background:var(--ink);color:#fff}
h2{font-size:20px;margin:28px 0 12px}
footer{color:var(--muted);font-size:14px;padding:32px 0 64px}
</style>)";

void head(std::string& out, const Site& site, const std::string& title,
          const std::string& canonical, const std::string& extra = "") {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>";
  out += esc(title);
  out += "</title>\n";
  if (!canonical.empty())
    out += "<link rel=\"canonical\" href=\"" + esc(url(site, canonical)) + "\" />\n";
  out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + esc(site.title) +
         "\" href=\"" + esc(url(site, "/kb/feed.atom")) + "\" />\n";
  out += "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\" />\n";
  out += kStyle;
  out += extra;
  out += "\n</head>\n<body>\n<header class=\"wrap\"><nav><a class=\"logo\" href=\"/kb\">";
  out += esc(site.title);
  out +=
      "</a><a class=\"home\" href=\"/\">Back to the site</a></nav></header>\n<main "
      "class=\"wrap\">\n";
}

void search_form(std::string& out, const std::string& query) {
  out += "<form class=\"search\" action=\"/kb/search\" method=\"get\" role=\"search\">";
  out +=
      "<input type=\"search\" name=\"q\" aria-label=\"Search answers\" placeholder=\"Search "
      "answers\" value=\"";
  out += esc(query);
  out += "\" maxlength=\"256\" /><button type=\"submit\">Search</button></form>\n";
}

void tail(std::string& out) {
  out += "</main>\n<footer class=\"wrap\">Answers from the community, kept by Parley. ";
  out += "<a href=\"/kb/feed.atom\">Atom feed</a></footer>\n</body>\n</html>\n";
}

void author_html(std::string& out, const Author& a) {
  out += "<span class=\"who\">" + esc(a.name) + "</span>";
  if (a.staff) out += "<span class=\"badge staff\">Staff</span>";
  if (a.advocate) out += "<span class=\"badge advocate\">Community advocate</span>";
}

void post_html(std::string& out, const Post& p, const char* cls, const char* label) {
  out += "<article id=\"m" + std::to_string(p.seq) + "\"";
  if (cls) out += std::string(" class=\"") + cls + "\"";
  out += ">";
  if (label) out += std::string("<div class=\"label\">") + label + "</div>";
  out += "<div class=\"meta\">";
  author_html(out, p.author);
  out += " · <time datetime=\"" + iso_time(p.ts) + "\">" + human_date(p.ts) + "</time>";
  if (p.edited_at) out += " · edited";
  if (p.helpful > 0) {
    out += " · <span class=\"helpful\">Marked helpful by " + std::to_string(p.helpful) +
           (p.helpful == 1 ? " person" : " people") + "</span>";
  }
  out += "</div>";
  out += paragraphs(p.text);
  out += "</article>\n";
}

void xml_escaped(std::string& out, const std::string& s) { append_html_escaped(out, s); }

void person(protocol::JsonWriter& w, const Author& a) {
  w.begin_object().field("@type", "Person").field("name", a.name).end_object();
}

}  // namespace

std::string title_of(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  constexpr std::size_t kMax = 120;
  // Count code points; cut at the last space before the limit.
  std::size_t chars = 0, cut = std::string::npos, last_space = std::string::npos;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (chars == kMax) {
      cut = i;
      break;
    }
    if (line[i] == ' ') last_space = i;
    ++chars;
  }
  if (cut == std::string::npos) return line.empty() ? "(no text)" : line;
  std::size_t end = last_space != std::string::npos && last_space > 40 ? last_space : cut;
  return line.substr(0, end) + "\u2026";
}

std::string iso_time(protocol::TimestampMs ms) {
  std::tm tm = utc(ms);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string human_date(protocol::TimestampMs ms) {
  std::tm tm = utc(ms);
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return std::to_string(tm.tm_mday) + " " + kMonths[tm.tm_mon] + " " +
         std::to_string(tm.tm_year + 1900);
}

std::string thread_path(const std::string& channel, std::uint64_t seq) {
  return "/kb/" + channel + "/" + std::to_string(seq);
}

std::string home_page(const Site& site, const std::vector<Item>& recent, std::uint64_t total) {
  std::string out;
  head(out, site, site.title, "/kb");
  out += "<h1>" + esc(site.title) + "</h1>\n<p class=\"sub\">";
  out += std::to_string(total) + (total == 1 ? " question" : " questions");
  out += " answered by the community.</p>\n";
  search_form(out, "");
  if (recent.empty()) {
    out += "<p>No solved questions yet.</p>\n";
  } else {
    out += "<h2>Recently solved</h2>\n<ol class=\"list\">\n";
    for (const auto& it : recent) {
      out += "<li><a href=\"" + thread_path(it.channel, it.seq) + "\">" + esc(title_of(it.text)) +
             "</a><div class=\"meta\">#" + esc(it.channel) + " · <time datetime=\"" +
             iso_time(it.ts) + "\">" + human_date(it.ts) + "</time></div></li>\n";
    }
    out += "</ol>\n";
  }
  tail(out);
  return out;
}

std::string search_page(const Site& site, const std::string& query,
                        const std::vector<Item>& results, const std::string& error) {
  std::string out;
  head(out, site, (query.empty() ? std::string("Search") : query) + " · " + site.title, "",
       "\n<meta name=\"robots\" content=\"noindex\" />");
  out += "<h1>Search answers</h1>\n";
  search_form(out, query);
  if (!error.empty()) {
    out += "<p class=\"sub\" role=\"alert\">" + esc(error) + "</p>\n";
  } else if (results.empty()) {
    out += "<p class=\"sub\">No answers match <strong>" + esc(query) + "</strong>.</p>\n";
  } else {
    out += "<ol class=\"list\">\n";
    for (const auto& it : results) {
      std::string href = thread_path(it.channel, it.seq);
      if (it.anchor) href += "#m" + std::to_string(it.anchor);
      out += "<li><a href=\"" + href + "\">" + esc(title_of(it.text)) + "</a>";
      out += "<div class=\"meta\">#" + esc(it.channel) + " · " + human_date(it.ts) + "</div>";
      out += "<p class=\"snippet\">" + it.snippet + "</p></li>\n";  // snippet: escaped already
    }
    out += "</ol>\n";
  }
  tail(out);
  return out;
}

std::string qa_json_ld(const Site& site, const Thread& t) {
  std::string json;
  protocol::JsonWriter w(json);
  auto answer = [&](const Post& p) {
    w.begin_object().field("@type", "Answer").field("text", p.text);
    w.field("dateCreated", iso_time(p.ts))
        .field("upvoteCount", static_cast<std::uint64_t>(p.helpful));
    w.field("url",
            url(site, thread_path(t.channel, t.question.seq)) + "#m" + std::to_string(p.seq));
    w.key("author");
    person(w, p.author);
    w.end_object();
  };
  w.begin_object().field("@context", "https://schema.org").field("@type", "QAPage");
  w.key("mainEntity").begin_object().field("@type", "Question");
  w.field("name", title_of(t.question.text)).field("text", t.question.text);
  w.field("answerCount", static_cast<std::uint64_t>(1 + t.others.size()));
  w.field("dateCreated", iso_time(t.question.ts));
  w.key("author");
  person(w, t.question.author);
  w.key("acceptedAnswer");
  answer(t.accepted);
  if (!t.others.empty()) {
    w.key("suggestedAnswer").begin_array();
    for (const auto& p : t.others) answer(p);
    w.end_array();
  }
  w.end_object().end_object();
  // Inside <script>, "</script>" or "<!--" in a text would end or change the element.
  std::string safe;
  safe.reserve(json.size());
  for (char c : json) {
    // Escaped as JSON allows, so that the element's content is also well-formed XML.
    if (c == '<') {
      safe += "\\u003c";
    } else if (c == '>') {
      safe += "\\u003e";
    } else if (c == '&') {
      safe += "\\u0026";
    } else {
      safe += c;
    }
  }
  return safe;
}

std::string thread_page(const Site& site, const Thread& t) {
  std::string out;
  const std::string title = title_of(t.question.text);
  head(out, site, title + " · " + site.title, thread_path(t.channel, t.question.seq),
       "\n<script type=\"application/ld+json\">" + qa_json_ld(site, t) + "</script>");
  out += "<p class=\"meta\"><a href=\"/kb\">" + esc(site.title) + "</a> › #" + esc(t.channel);
  if (!t.channel_title.empty() && t.channel_title != t.channel)
    out += " (" + esc(t.channel_title) + ")";
  out += "</p>\n<h1>" + esc(title) + "</h1>\n";
  post_html(out, t.question, nullptr, nullptr);
  out += "<h2>Accepted answer</h2>\n";
  post_html(out, t.accepted, "accepted", "\u2713 Accepted answer");
  if (!t.others.empty()) {
    out += "<h2>Also marked helpful</h2>\n";
    for (const auto& p : t.others) post_html(out, p, nullptr, nullptr);
  }
  tail(out);
  return out;
}

std::string missing_page(const Site& site, bool gone) {
  std::string out;
  head(out, site, (gone ? "Removed · " : "Not found · ") + site.title, "",
       "\n<meta name=\"robots\" content=\"noindex\" />");
  out += gone ? "<h1>This question was removed</h1>\n<p class=\"sub\">Its author or a moderator "
                "deleted it.</p>\n"
              : "<h1>No such answer</h1>\n<p class=\"sub\">It may not be solved yet, or it is not "
                "public.</p>\n";
  search_form(out, "");
  tail(out);
  return out;
}

std::string atom_feed(const Site& site, const std::string& self, const std::string& title,
                      const std::vector<Item>& items) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  out += "<title>";
  xml_escaped(out, title);
  out += "</title>\n<id>";
  xml_escaped(out, url(site, self));
  out += "</id>\n<link rel=\"self\" href=\"";
  xml_escaped(out, url(site, self));
  out += "\"/>\n<link href=\"";
  xml_escaped(out, url(site, "/kb"));
  out += "\"/>\n<updated>";
  protocol::TimestampMs newest = 0;
  for (const auto& it : items) newest = std::max(newest, it.ts);
  out += iso_time(newest);
  out += "</updated>\n<author><name>";
  xml_escaped(out, site.title);
  out += "</name></author>\n";
  for (const auto& it : items) {
    const std::string link = url(site, thread_path(it.channel, it.seq));
    out += "<entry>\n<title>";
    xml_escaped(out, title_of(it.text));
    out += "</title>\n<id>";
    xml_escaped(out, link);
    out += "</id>\n<link href=\"";
    xml_escaped(out, link);
    out += "\"/>\n<updated>" + iso_time(it.ts) + "</updated>\n<author><name>";
    xml_escaped(out, it.author.name);
    out += "</name></author>\n<content type=\"text\">";
    xml_escaped(out, it.text);
    out += "</content>\n</entry>\n";
  }
  out += "</feed>\n";
  return out;
}

std::string sitemap(const Site& site, const std::vector<SitemapUrl>& urls) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset "
      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& u : urls) {
    out += "<url><loc>";
    xml_escaped(out, url(site, u.path));
    out += "</loc>";
    if (u.modified) out += "<lastmod>" + iso_time(u.modified) + "</lastmod>";
    out += "</url>\n";
  }
  out += "</urlset>\n";
  return out;
}

std::string sitemap_index(const Site& site, std::uint64_t count) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex "
      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (std::uint64_t i = 1; i <= count; ++i) {
    out += "<sitemap><loc>";
    xml_escaped(out, url(site, "/sitemap-" + std::to_string(i) + ".xml"));
    out += "</loc></sitemap>\n";
  }
  out += "</sitemapindex>\n";
  return out;
}

std::string robots_txt(const Site& site) {
  return "User-agent: *\nAllow: /kb\nDisallow: /kb/search\nDisallow: /api/\nDisallow: /console\n"
         "Disallow: /ws\n\nSitemap: " +
         url(site, "/sitemap.xml") + "\n";
}

}  // namespace parley::server::kb
