// kb_render.hpp: what the knowledge pages write, with hostile text.
#include "kb_render.hpp"

#include <gtest/gtest.h>

namespace parley::server::kb {
namespace {

const Site kSite{"Help & <Support>", "https://help.example.com"};

Thread hostile() {
  Thread t;
  t.channel = "help";
  t.channel_title = "Help";
  t.question = Post{7, 1796590060291, 0, Author{"Eve</script><script>x()</script>", false, false},
                    "Why <b>bold</b> & \"quotes\"?\nSecond line\n\nNew paragraph"};
  t.accepted = Post{9, 1796590070000, 0, Author{"Bob", true, false}, "Because </script> & <!--"};
  t.others.push_back(Post{8, 1796590065000, 0, Author{"Sam", false, true}, "Try again", 2});
  return t;
}

TEST(KbRender, TitleIsTheFirstLineCutAtAWord) {
  EXPECT_EQ(title_of("How do I reset?\nDetails"), "How do I reset?");
  EXPECT_EQ(title_of(""), "(no text)");
  std::string longer;
  for (int i = 0; i < 40; ++i) longer += "word ";
  std::string t = title_of(longer);
  EXPECT_LE(t.size(), 124u);
  EXPECT_EQ(t.substr(t.size() - 3), "\u2026");
  EXPECT_EQ(t.substr(t.size() - 7, 4), "word");  // cut after a whole word
}

TEST(KbRender, DatesAndPaths) {
  EXPECT_EQ(iso_time(784111777000), "1994-11-06T08:49:37Z");
  EXPECT_EQ(human_date(784111777000), "6 Nov 1994");
  EXPECT_EQ(thread_path("help", 12), "/kb/help/12");
}

TEST(KbRender, ThreadPageEscapesEverythingUsersWrote) {
  const std::string page = thread_page(kSite, hostile());
  EXPECT_EQ(page.find("<b>bold"), std::string::npos);
  EXPECT_EQ(page.find("x()</script>"), std::string::npos);
  EXPECT_NE(page.find("Why &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;?<br />Second "
                      "line</p><p>New paragraph"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<title>Why &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;? · Help &amp; "
                      "&lt;Support&gt;</title>"),
            std::string::npos);
  EXPECT_NE(page.find("<link rel=\"canonical\" href=\"https://help.example.com/kb/help/7\" />"),
            std::string::npos);
  EXPECT_NE(page.find("<span class=\"badge advocate\">Community advocate</span>"),
            std::string::npos);
  EXPECT_NE(page.find("<span class=\"badge staff\">Staff</span>"), std::string::npos);
  // Exactly one script element: the JSON-LD, whose text cannot close it.
  std::size_t scripts = 0;
  for (std::size_t at = 0; (at = page.find("<script", at)) != std::string::npos; ++at) ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(page.find("</script>"), page.rfind("</script>"));
}

TEST(KbRender, JsonLdHasNoMarkupCharacters) {
  const std::string ld = qa_json_ld(kSite, hostile());
  EXPECT_EQ(ld.find('<'), std::string::npos);
  EXPECT_EQ(ld.find('>'), std::string::npos);
  EXPECT_EQ(ld.find('&'), std::string::npos);
  EXPECT_NE(ld.find("\"acceptedAnswer\":{\"@type\":\"Answer\",\"text\":\"Because "
                    "\\u003c/script\\u003e \\u0026 \\u003c!--\""),
            std::string::npos)
      << ld;
  EXPECT_NE(ld.find("\"url\":\"https://help.example.com/kb/help/7#m9\""), std::string::npos);
  EXPECT_NE(ld.find("\"answerCount\":2"), std::string::npos);
  // The helpful replies are suggested answers with their marks as votes.
  EXPECT_NE(
      ld.find("\"suggestedAnswer\":[{\"@type\":\"Answer\",\"text\":\"Try again\",\"dateCreated\":"
              "\"2026-12-06T20:47:45Z\",\"upvoteCount\":2,"),
      std::string::npos)
      << ld;
}

TEST(KbRender, HelpfulRepliesShowTheirMarks) {
  const std::string page = thread_page(kSite, hostile());
  EXPECT_NE(page.find("<h2>Also marked helpful</h2>"), std::string::npos);
  EXPECT_NE(page.find("Marked helpful by 2 people"), std::string::npos);
  Thread t = hostile();
  t.others.clear();
  const std::string bare = thread_page(kSite, t);
  EXPECT_EQ(bare.find("Also marked helpful"), std::string::npos);
  EXPECT_EQ(bare.find("Marked helpful by"), std::string::npos);
}

TEST(KbRender, FeedAndSitemapEscapeXml) {
  Item it{"help", 7, 1796590060291, "A & B <c>", Author{"Ann & Co", false, false}, "", 0};
  const std::string feed = atom_feed(kSite, "/kb/feed.atom", "Help & <Support>", {it});
  EXPECT_NE(feed.find("<title>A &amp; B &lt;c&gt;</title>"), std::string::npos) << feed;
  EXPECT_NE(feed.find("<name>Ann &amp; Co</name>"), std::string::npos);
  EXPECT_NE(feed.find("<id>https://help.example.com/kb/help/7</id>"), std::string::npos);
  EXPECT_NE(feed.find("<updated>2026-12-06T"), std::string::npos);
  const std::string sm = sitemap(kSite, {{"/kb", 0}, {"/kb/help/7", 784111777000}});
  EXPECT_NE(sm.find("<url><loc>https://help.example.com/kb/help/7</"
                    "loc><lastmod>1994-11-06T08:49:37Z</lastmod></url>"),
            std::string::npos)
      << sm;
  EXPECT_NE(sitemap_index(kSite, 2).find("<loc>https://help.example.com/sitemap-2.xml</loc>"),
            std::string::npos);
  EXPECT_NE(robots_txt(kSite).find("Sitemap: https://help.example.com/sitemap.xml\n"),
            std::string::npos);
}

TEST(KbRender, SearchPageKeepsSnippetMarkupOnly) {
  Item it;  // field by field: GCC 12 warns (falsely) that a braced {} Author is uninitialized
  it.channel = "help";
  it.seq = 7;
  it.ts = 1796590060291;
  it.text = "Question <x>";
  it.snippet = "a <mark>word</mark> &lt;y&gt;";
  it.anchor = 9;
  const std::string page = search_page(kSite, "word \"<q>\"", {it}, "");
  EXPECT_NE(page.find("<p class=\"snippet\">a <mark>word</mark> &lt;y&gt;</p>"), std::string::npos);
  EXPECT_NE(page.find("href=\"/kb/help/7#m9\""), std::string::npos);
  EXPECT_NE(page.find("value=\"word &quot;&lt;q&gt;&quot;\""), std::string::npos);
  EXPECT_NE(page.find("<meta name=\"robots\" content=\"noindex\" />"), std::string::npos);
  const std::string err = search_page(kSite, "to:x", {}, "unknown filter <to:>");
  EXPECT_NE(err.find("unknown filter &lt;to:&gt;"), std::string::npos);
}

}  // namespace
}  // namespace parley::server::kb
