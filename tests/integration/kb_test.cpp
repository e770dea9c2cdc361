// Knowledge pages (DESIGN §9), black-box: /kb, threads with QAPage JSON-LD, 404 / 410, the
// Atom feeds (parsed by Debian's python3-feedparser), the sitemap and the pages (well-formed for
// xmllint from libxml2-utils), the per-channel `publish` setting and the kb_anonymous opt-out.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

// Runs a shell command, returning its exit status and (stdout + stderr) output.
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = ::pclose(p);
  return {WEXITSTATUS(rc), out};
}

class KbTest : public ::testing::Test {
 protected:
  void SetUp() override { start(""); }
  void start(const std::string& extra) {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data",
        std::vector<std::string>{"--durability", "fast", "--config",
                                 fast_config(dir_.path,
                                             "[search]\nper_connection_per_min = 1000000\n"
                                             "anonymous_per_ip_per_min = 1000000\n" +
                                                 extra)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer",
                                  const std::string& name = "") {
    auto c = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(c->auth(server_->token(user, role, name))) << user;
    return c;
  }
  static json::object ok(Client& c, json::object frame) { return expect_ok(c, std::move(frame)); }
  static std::int64_t post(Client& c, const std::string& ch, const std::string& text,
                           std::int64_t reply_to = 0) {
    return send_text(c, ch, text, reply_to);
  }
  HttpResult get(const std::string& path, const Headers& h = {}) {
    return http(server_->port(), "GET", path, "", "", h);
  }
  // Polls `path` until its body contains `needle` (the indexing lag), bounded at 20 s.
  HttpResult wait_page(const std::string& path, const std::string& needle) {
    HttpResult r;
    for (int i = 0; i < 400; ++i) {
      r = get(path);
      if (r.body.find(needle) != std::string::npos) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << path << " never contained " << needle << "; last: " << r.status << " "
                  << r.body.substr(0, 400);
    return r;
  }
  std::string save(const std::string& name, const std::string& body) {
    std::string path = dir_.path + "/" + name;
    std::ofstream(path) << body;
    return path;
  }
  // A solved thread in `help`: Ann asks, Bob answers (accepted), Cid adds another reply.
  struct Solved {
    std::int64_t q, a, other;
  };
  Solved solved_thread(Client& ann, Client& bob, Client& cid, const std::string& topic) {
    Solved s;
    s.q = post(ann, "help", "How do I " + topic + " my <Arc> & lamp?\nIt blinks amber.");
    s.a = post(bob, "help", "Hold the button for ten seconds to " + topic + " it.", s.q);
    s.other =
        post(cid, "help", "Also check the \"firmware\" version after you " + topic + ".", s.q);
    ok(ann, {{"op", "solve"}, {"channel", "help"}, {"seq", s.a}});
    return s;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(KbTest, AThreadPageIsServerRenderedWithJsonLdAndAFeed) {
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "staff", "Cid");
  auto s = solved_thread(*ann, *bob, *cid, "reset");
  auto unsolved = post(*ann, "help", "Nobody answered this one");
  const std::string path = "/kb/help/" + std::to_string(s.q);

  auto home = wait_page("/kb", path);
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_NE(home.body.find("How do I reset my &lt;Arc&gt; &amp; lamp?"), std::string::npos);
  EXPECT_EQ(home.body.find("Nobody answered"), std::string::npos) << "unsolved is not listed";

  // Cid's reply shows once someone marks it helpful (the mark is stored asynchronously).
  ok(*ann, {{"op", "helpful"}, {"channel", "help"}, {"seq", s.other}});
  auto page = wait_page(path, "Marked helpful by 1 person");
  ASSERT_EQ(page.status, 200);
  const auto& b = page.body;
  EXPECT_NE(b.find("<link rel=\"canonical\" href=\"http://127.0.0.1/kb/help/"), std::string::npos)
      << b;
  EXPECT_NE(b.find("Accepted answer"), std::string::npos);
  EXPECT_NE(b.find("Hold the button for ten seconds"), std::string::npos);
  EXPECT_NE(b.find("Also check the &quot;firmware&quot;"), std::string::npos);
  EXPECT_NE(b.find("<span class=\"badge staff\">Staff</span>"), std::string::npos);
  EXPECT_EQ(b.find("<Arc>"), std::string::npos) << "user text is escaped";
  EXPECT_FALSE(page.header("last-modified").empty());
  EXPECT_FALSE(page.header("etag").empty());

  // Well-formed (XHTML-compatible), for xmllint.
  auto [rc, out] = run("xmllint --noout " + save("thread.html", b));
  EXPECT_EQ(rc, 0) << out;

  // The JSON-LD: a QAPage whose Question has an acceptedAnswer.
  auto start = b.find("<script type=\"application/ld+json\">");
  ASSERT_NE(start, std::string::npos);
  start += 35;
  auto end = b.find("</script>", start);
  auto ld = json::parse(b.substr(start, end - start)).as_object();
  EXPECT_EQ(str(ld.at("@type")), "QAPage");
  const auto& q = ld.at("mainEntity").as_object();
  EXPECT_EQ(str(q.at("@type")), "Question");
  EXPECT_EQ(str(q.at("name")), "How do I reset my <Arc> & lamp?");
  EXPECT_EQ(num(q.at("answerCount")), 2);
  const auto& acc = q.at("acceptedAnswer").as_object();
  EXPECT_EQ(str(acc.at("@type")), "Answer");
  EXPECT_EQ(str(acc.at("text")), "Hold the button for ten seconds to reset it.");
  EXPECT_EQ(str(acc.at("author").at("name")), "Bob");
  EXPECT_EQ(q.at("suggestedAnswer").as_array().size(), 1u);

  // 304 on revalidation, gzip when asked.
  auto again = get(path, {{"If-None-Match", page.header("etag")}});
  EXPECT_EQ(again.status, 304);
  auto since = get(path, {{"If-Modified-Since", page.header("last-modified")}});
  EXPECT_EQ(since.status, 304);
  auto gz = get(path, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");

  // Not published: an unsolved question, an answer's seq, an unknown seq or channel, a chat
  // channel, a DM.
  for (std::string p :
       {"/kb/help/" + std::to_string(unsolved), "/kb/help/" + std::to_string(s.a),
        std::string("/kb/help/999"), std::string("/kb/nope/1"), std::string("/kb/general/1"),
        std::string("/kb/help/0"), std::string("/kb/help/x"), std::string("/kb/dm:ann:bob/1")}) {
    EXPECT_EQ(get(p).status, 404) << p;
  }

  // The feeds parse with a real feed parser and list the thread.
  auto feed = get("/kb/feed.atom");
  ASSERT_EQ(feed.status, 200);
  EXPECT_EQ(feed.content_type, "application/atom+xml; charset=utf-8");
  auto channel_feed = get("/kb/help/feed.atom");
  ASSERT_EQ(channel_feed.status, 200);
  EXPECT_EQ(get("/kb/general/feed.atom").status, 404);
  for (const auto& [name, body] :
       {std::pair{"feed.atom", feed.body}, std::pair{"help.atom", channel_feed.body}}) {
    auto file = save(name, body);
    // Debian's python3, where python3-feedparser is installed (not a python3 earlier on PATH).
    auto [frc, fout] =
        run("/usr/bin/python3 -c \"import feedparser,sys; d=feedparser.parse(sys.argv[1]); "
            "assert not d.bozo, d.bozo_exception; assert d.version == 'atom10', d.version; "
            "e=d.entries; assert len(e) == 1, len(e); "
            "assert e[0].title == 'How do I reset my <Arc> & lamp?', e[0].title; "
            "assert e[0].link.endswith('" +
            path +
            "'), e[0].link; assert e[0].author == 'Ann'; "
            "print('ok')\" " +
            file);
    EXPECT_EQ(frc, 0) << name << ": " << fout;
  }

  // The sitemap and robots.txt.
  auto sm = get("/sitemap.xml");
  ASSERT_EQ(sm.status, 200);
  EXPECT_NE(sm.body.find("<loc>http://127.0.0.1" + path + "</loc>"), std::string::npos) << sm.body;
  auto [src, sout] = run("xmllint --noout " + save("sitemap.xml", sm.body));
  EXPECT_EQ(src, 0) << sout;
  auto robots = get("/robots.txt");
  EXPECT_EQ(robots.status, 200);
  EXPECT_NE(robots.body.find("Sitemap: http://127.0.0.1/sitemap.xml"), std::string::npos);

  // Search from the page: the accepted answer links into its thread.
  auto found = get("/kb/search?q=ten+seconds");
  EXPECT_EQ(found.status, 200);
  EXPECT_NE(found.body.find("href=\"" + path + "#m" + std::to_string(s.a) + "\""),
            std::string::npos)
      << found.body;
  EXPECT_NE(found.body.find("<mark>ten</mark>"), std::string::npos);
  auto [hrc, hout] = run("xmllint --noout " + save("search.html", found.body));
  EXPECT_EQ(hrc, 0) << hout;
  auto bad = get("/kb/search?q=to%3Abob");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown filter to:"), std::string::npos);
  EXPECT_EQ(http(server_->port(), "POST", "/kb").status, 405);
}

TEST_F(KbTest, DeletedQuestionIsGoneAndOptOutShowsCommunityMember) {
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "customer", "Cid");
  auto s = solved_thread(*ann, *bob, *cid, "pair");
  const std::string path = "/kb/help/" + std::to_string(s.q);
  wait_page("/kb", path);

  // Bob opts out: his answer shows "Community member", on the page and in the JSON-LD.
  auto r = ok(*bob, {{"op", "set_preferences"}, {"kb_anonymous", true}});
  EXPECT_TRUE(r.at("kb_anonymous").as_bool());
  auto page = wait_page(path, "Community member");
  EXPECT_EQ(page.body.find(">Bob<"), std::string::npos);
  EXPECT_EQ(page.body.find("\"Bob\""), std::string::npos);
  // It survives a restart (stored with the user), and can be undone.
  bob.reset();
  server_->terminate();
  ASSERT_TRUE(server_->start()) << server_->log();
  EXPECT_NE(get(path).body.find("Community member"), std::string::npos);
  bob = connect("bob", "customer", "Bob");
  ok(*bob, {{"op", "set_preferences"}, {"kb_anonymous", false}});
  wait_page(path, ">Bob<");
  auto bad = bob->request({{"op", "set_preferences"}});
  EXPECT_EQ(str(bad.at("code")), "bad_request");

  // The asker deletes the question: 410 Gone, and it leaves the listings.
  ann = connect("ann", "customer", "Ann");
  ok(*ann, {{"op", "delete"}, {"channel", "help"}, {"seq", s.q}});
  EXPECT_EQ(get(path).status, 410);
  for (int i = 0; i < 400 && get("/kb").body.find(path) != std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(get("/kb").body.find(path), std::string::npos);
  EXPECT_EQ(get("/sitemap.xml").body.find(path), std::string::npos);
}

TEST_F(KbTest, PublishSettingPerChannelAndDefault) {
  auto staff = connect("sam", "staff", "Sam");
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "customer", "Cid");
  auto s = solved_thread(*ann, *bob, *cid, "mount");
  const std::string path = "/kb/help/" + std::to_string(s.q);
  wait_page("/kb", path);
  // Channel settings say whether they publish.
  auto off = ok(*staff, {{"op", "update_channel"}, {"channel", "help"}, {"publish", false}});
  EXPECT_FALSE(off.at("publish").as_bool());
  EXPECT_EQ(str(off.at("title")), "Help") << "the title is unchanged";
  EXPECT_EQ(get(path).status, 404);
  EXPECT_EQ(get("/kb").body.find(path), std::string::npos);
  EXPECT_EQ(json::parse(http(server_->port(), "GET", "/api/search?q=mount").body)
                .at("results")
                .as_array()
                .size(),
            0u);
  // PATCH over HTTP turns it back on.
  auto patch = http(server_->port(), "PATCH", "/api/channels/help", R"({"publish":true})",
                    server_->token("sam", "staff"));
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_TRUE(json::parse(patch.body).at("publish").as_bool());
  EXPECT_EQ(get(path).status, 200);
  // A new support channel created with publish false; the default is on.
  auto created = ok(*staff, {{"op", "create_channel"},
                             {"channel", "internal-help"},
                             {"kind", "support"},
                             {"publish", false}});
  EXPECT_FALSE(created.at("publish").as_bool());
  auto list = json::parse(http(server_->port(), "GET", "/api/channels").body);
  for (const auto& ch : list.at("channels").as_array()) {
    const std::string name = str(ch.at("channel"));
    if (name == "help") {
      EXPECT_TRUE(ch.at("publish").as_bool());
    } else if (name == "internal-help") {
      EXPECT_FALSE(ch.at("publish").as_bool());
    } else if (name == "general") {
      EXPECT_FALSE(ch.as_object().contains("publish"));
    }
  }
  // With publish_default = false, a channel without a setting of its own is not published.
  ann.reset();
  bob.reset();
  cid.reset();
  staff.reset();
  server_->terminate();
  start("[knowledge]\npublish_default = false\n");
  EXPECT_EQ(get(path).status, 200) << "help's own setting (true) wins";
  staff = connect("sam", "staff", "Sam");
  ok(*staff, {{"op", "create_channel"}, {"channel", "faq"}, {"kind", "support"}});
  auto faq_ann = connect("ann", "customer", "Ann");
  auto faq_bob = connect("bob", "customer", "Bob");
  auto q = post(*faq_ann, "faq", "Where is the manual?");
  auto a = post(*faq_bob, "faq", "On the website.", q);
  ok(*faq_ann, {{"op", "solve"}, {"channel", "faq"}, {"seq", a}});
  EXPECT_EQ(get("/kb/faq/" + std::to_string(q)).status, 404);
}

TEST_F(KbTest, OnlyHelpfulRepliesShowAndEachPersonCountsOnce) {
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "customer", "Cid");
  auto dan = connect("dan", "customer", "Dan");
  auto s = solved_thread(*ann, *bob, *cid, "tilt");
  post(*dan, "help", "Same here, following", s.q);
  const std::string path = "/kb/help/" + std::to_string(s.q);
  auto page = wait_page("/kb", path);
  page = get(path);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("firmware"), std::string::npos) << "not marked helpful: not shown";
  EXPECT_EQ(page.body.find("following"), std::string::npos);
  EXPECT_EQ(page.body.find("Also marked helpful"), std::string::npos);

  // A thanks reaction is a mark; an explicit mark by the same person is not a second one.
  const std::string pray = "\xF0\x9F\x99\x8F";
  ok(*dan, {{"op", "react"}, {"channel", "help"}, {"seq", s.other}, {"emoji", pray}});
  wait_page(path, "Marked helpful by 1 person");
  ok(*ann, {{"op", "react"}, {"channel", "help"}, {"seq", s.other}, {"emoji", pray}});
  ok(*ann, {{"op", "helpful"}, {"channel", "help"}, {"seq", s.other}});
  page = wait_page(path, "Marked helpful by 2 people");
  EXPECT_NE(page.body.find("<h2>Also marked helpful</h2>"), std::string::npos);
  EXPECT_NE(page.body.find("Also check the &quot;firmware&quot;"), std::string::npos);
  EXPECT_EQ(page.body.find("following"), std::string::npos) << "Dan's own reply is still unmarked";
  auto start = page.body.find("<script type=\"application/ld+json\">") + 35;
  auto ld = json::parse(page.body.substr(start, page.body.find("</script>", start) - start));
  const auto& suggested = ld.at("mainEntity").at("suggestedAnswer").as_array();
  ASSERT_EQ(suggested.size(), 1u);
  EXPECT_EQ(num(suggested[0].at("upvoteCount")), 2);
  // Any other reaction is not a mark.
  ok(*bob, {{"op", "react"}, {"channel", "help"}, {"seq", s.other}, {"emoji", "+1"}});
  EXPECT_NE(get(path).body.find("Marked helpful by 2 people"), std::string::npos);
}

TEST_F(KbTest, StaffUnpublishAndRepublishOneThread) {
  auto staff = connect("sam", "staff", "Sam");
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "customer", "Cid");
  auto s = solved_thread(*ann, *bob, *cid, "calibrate");
  auto kept = solved_thread(*ann, *bob, *cid, "rename");
  const std::string path = "/kb/help/" + std::to_string(s.q);
  const std::string kept_path = "/kb/help/" + std::to_string(kept.q);
  wait_page("/kb", path);
  wait_page("/kb", kept_path);
  const std::string token = server_->token("sam", "staff");

  // Who may, and what: staff only; a question of a support channel.
  auto denied = ann->request(
      {{"op", "publish_thread"}, {"channel", "help"}, {"seq", s.q}, {"publish", false}});
  EXPECT_EQ(str(denied.at("code")), "forbidden");
  auto reply = staff->request(
      {{"op", "publish_thread"}, {"channel", "help"}, {"seq", s.a}, {"publish", false}});
  EXPECT_EQ(str(reply.at("code")), "bad_request");
  auto general = post(*ann, "general", "hello");
  auto chat = staff->request(
      {{"op", "publish_thread"}, {"channel", "general"}, {"seq", general}, {"publish", false}});
  EXPECT_EQ(str(chat.at("code")), "bad_request");
  auto missing = staff->request(
      {{"op", "publish_thread"}, {"channel", "help"}, {"seq", 999}, {"publish", false}});
  EXPECT_EQ(str(missing.at("code")), "not_found");
  auto nochannel = staff->request(
      {{"op", "publish_thread"}, {"channel", "nope"}, {"seq", 1}, {"publish", false}});
  EXPECT_EQ(str(nochannel.at("code")), "not_found");

  auto off =
      ok(*staff, {{"op", "publish_thread"}, {"channel", "help"}, {"seq", s.q}, {"publish", false}});
  EXPECT_FALSE(off.at("publish").as_bool());
  EXPECT_EQ(num(off.at("seq")), s.q);
  // Audited like the other staff actions.
  auto audit = json::parse(http(server_->port(), "GET", "/api/audit?limit=1", "", token).body);
  const auto& entry = audit.at("entries").as_array().at(0);
  EXPECT_EQ(str(entry.at("action")), "unpublish_thread");
  EXPECT_EQ(str(entry.at("actor")), "sam");
  EXPECT_EQ(num(entry.at("seq")), s.q);
  // Gone from every public surface at once; the other thread stays.
  auto check_hidden = [&](bool hidden) {
    EXPECT_EQ(get(path).status, hidden ? 404 : 200);
    EXPECT_EQ(get("/kb").body.find(path) == std::string::npos, hidden);
    EXPECT_EQ(get("/kb/feed.atom").body.find(path) == std::string::npos, hidden);
    EXPECT_EQ(get("/kb/help/feed.atom").body.find(path) == std::string::npos, hidden);
    EXPECT_EQ(get("/sitemap.xml").body.find(path) == std::string::npos, hidden);
    EXPECT_EQ(get("/kb/search?q=calibrate").body.find(path) == std::string::npos, hidden);
    auto anon = json::parse(get("/api/search?q=calibrate").body).at("results").as_array();
    EXPECT_EQ(anon.empty(), hidden);
    EXPECT_EQ(get(kept_path).status, 200);
    EXPECT_NE(get("/kb").body.find(kept_path), std::string::npos);
  };
  check_hidden(true);
  // Readers of the channel still find it: it is only off the public pages.
  auto found = ok(*cid, {{"op", "search"}, {"query", "calibrate"}});
  EXPECT_EQ(found.at("results").as_array().size(), 3u);

  // The console's list: every solved thread with its state; staff only.
  EXPECT_EQ(
      http(server_->port(), "GET", "/api/knowledge", "", server_->token("ann", "customer")).status,
      403);
  EXPECT_EQ(http(server_->port(), "GET", "/api/knowledge?limit=0", "", token).status, 400);
  auto list = http(server_->port(), "GET", "/api/knowledge", "", token);
  ASSERT_EQ(list.status, 200) << list.body;
  auto body = json::parse(list.body);
  EXPECT_EQ(num(body.at("total")), 2);
  std::map<std::int64_t, bool> state;
  for (const auto& t : body.at("threads").as_array()) {
    EXPECT_EQ(str(t.at("channel")), "help");
    EXPECT_TRUE(t.at("channel_publish").as_bool());
    EXPECT_EQ(t.at("publish").as_bool(), t.at("published").as_bool());
    state[num(t.at("seq"))] = t.at("publish").as_bool();
  }
  EXPECT_EQ(state, (std::map<std::int64_t, bool>{{s.q, false}, {kept.q, true}}));

  // Kept across a restart.
  ann.reset();
  bob.reset();
  cid.reset();
  staff.reset();
  server_->terminate();
  ASSERT_TRUE(server_->start()) << server_->log();
  check_hidden(true);
  staff = connect("sam", "staff", "Sam");
  auto on =
      ok(*staff, {{"op", "publish_thread"}, {"channel", "help"}, {"seq", s.q}, {"publish", true}});
  EXPECT_TRUE(on.at("publish").as_bool());
  check_hidden(false);
}

TEST_F(KbTest, TheSitemapIsSplitPastItsLimit) {
  server_->terminate();
  start("[knowledge]\nsitemap_max_urls = 3\n");
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) {
    auto q = post(*ann, "help", "Question number " + std::to_string(i));
    auto a = post(*bob, "help", "Answer number " + std::to_string(i), q);
    ok(*ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
    paths.push_back("/kb/help/" + std::to_string(q));
  }
  wait_page("/kb", "5 questions");
  // 6 URLs (/kb and 5 threads) at 3 a file: an index of 2 files.
  auto index = get("/sitemap.xml");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<sitemapindex"), std::string::npos) << index.body;
  EXPECT_NE(index.body.find("<loc>http://127.0.0.1/sitemap-2.xml</loc>"), std::string::npos);
  EXPECT_EQ(index.body.find("sitemap-3.xml"), std::string::npos);
  auto [rc, out] = run("xmllint --noout " + save("index.xml", index.body));
  EXPECT_EQ(rc, 0) << out;
  std::string all;
  for (int n = 1; n <= 2; ++n) {
    auto part = get("/sitemap-" + std::to_string(n) + ".xml");
    ASSERT_EQ(part.status, 200);
    std::size_t urls = 0;
    for (std::size_t at = 0; (at = part.body.find("<url>", at)) != std::string::npos; ++at) ++urls;
    EXPECT_EQ(urls, 3u) << part.body;
    all += part.body;
  }
  EXPECT_NE(all.find("<loc>http://127.0.0.1/kb</loc>"), std::string::npos);
  for (const auto& p : paths)
    EXPECT_NE(all.find("http://127.0.0.1" + p + "<"), std::string::npos) << p;
  EXPECT_EQ(get("/sitemap-3.xml").status, 404);
  EXPECT_EQ(get("/sitemap-0.xml").status, 404);
}

}  // namespace

namespace {

// "This answered my question": `deflected` is counted once per user, question and day, kept
// across restarts, and reported by /api/insights per day.
TEST_F(KbTest, DeflectionsAreCountedAndReportedInInsights) {
  auto ann = connect("ann", "customer", "Ann");
  auto bob = connect("bob", "customer", "Bob");
  auto cid = connect("cid", "customer", "Cid");
  auto s = solved_thread(*ann, *bob, *cid, "dim");
  auto unsolved = post(*ann, "help", "Still open");
  auto chat = post(*ann, "general", "hello");

  // The widget's suggestion query: any of the words, solved threads only.
  auto sug = cid->request({{"op", "search"},
                           {"query", "dim dimmer brightness lamp"},
                           {"solved", true},
                           {"limit", 3},
                           {"match", "any"}});
  for (int i = 0; i < 400 && sug.at("results").as_array().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    sug = cid->request({{"op", "search"},
                        {"query", "dim dimmer brightness lamp"},
                        {"solved", true},
                        {"limit", 3},
                        {"match", "any"}});
  }
  ASSERT_FALSE(sug.at("results").as_array().empty()) << json::serialize(sug);
  // With every word required, the same words find nothing.
  auto all =
      cid->request({{"op", "search"}, {"query", "dim dimmer brightness lamp"}, {"solved", true}});
  EXPECT_TRUE(all.at("results").as_array().empty()) << json::serialize(all);
  auto badmatch = cid->request({{"op", "search"}, {"query", "x"}, {"match", "some"}});
  EXPECT_EQ(str(badmatch.at("message")), "\"match\" must be \"all\" or \"any\"");

  auto r = ok(*cid, {{"op", "deflected"}, {"channel", "help"}, {"seq", s.q}});
  EXPECT_EQ(str(r.at("channel")), "help");
  EXPECT_EQ(num(r.at("seq")), s.q);
  ok(*cid, {{"op", "deflected"}, {"channel", "help"}, {"seq", s.q}});  // the same day: once
  auto dan = connect("dan", "customer", "Dan");
  ok(*dan, {{"op", "deflected"}, {"channel", "help"}, {"seq", s.q}});

  auto code = [&](json::object f) {
    f["op"] = "deflected";
    auto e = dan->request(std::move(f));
    return str(e.at("code")) + ": " + str(e.at("message"));
  };
  EXPECT_EQ(code({{"channel", "help"}, {"seq", unsolved}}), "bad_request: not a solved question");
  EXPECT_EQ(code({{"channel", "help"}, {"seq", s.a}}), "bad_request: not a solved question");
  EXPECT_EQ(code({{"channel", "help"}, {"seq", 999}}), "not_found: message not found");
  EXPECT_EQ(code({{"channel", "general"}, {"seq", chat}}),
            "bad_request: deflections count in support channels only");
  EXPECT_EQ(code({{"channel", "nope"}, {"seq", 1}}), "not_found: unknown channel \"nope\"");
  EXPECT_EQ(code({{"channel", "help"}}), "bad_request: \"seq\" is required");

  auto insights = [&] {
    auto h =
        http(server_->port(), "GET", "/api/insights?window=7", "", server_->token("sam", "staff"));
    EXPECT_EQ(h.status, 200) << h.body;
    return json::parse(h.body).as_object();
  };
  auto in = insights();
  EXPECT_EQ(num(in.at("deflections")), 2);
  const auto& days = in.at("days").as_array();
  ASSERT_FALSE(days.empty());
  EXPECT_EQ(num(days.back().at("deflected")), 2);  // today
  std::int64_t sum = 0;
  for (const auto& d : days) sum += num(d.at("deflected"));
  EXPECT_EQ(sum, 2);
  auto other = json::parse(http(server_->port(), "GET", "/api/insights?window=7&channel=general",
                                "", server_->token("sam", "staff"))
                               .body);
  EXPECT_EQ(num(other.at("deflections")), 0);

  // Kept across a restart.
  ann.reset();
  bob.reset();
  cid.reset();
  dan.reset();
  server_->terminate();
  ASSERT_TRUE(server_->start()) << server_->log();
  EXPECT_EQ(num(insights().at("deflections")), 2);
}

}  // namespace
