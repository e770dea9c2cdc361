// Snippets (storage/search/include/parley/search/snippet.hpp): HTML-escaped, matches marked.
#include "parley/search/snippet.hpp"

#include <gtest/gtest.h>

#include <set>

using parley::search::make_snippet;

namespace {

auto words(std::set<std::string> w) {
  return [w = std::move(w)](std::string_view s) { return w.count(std::string(s)) > 0; };
}

TEST(Snippet, EscapesEverythingAndMarksMatches) {
  EXPECT_EQ(make_snippet("a <script>alert('x')</script> & \"b\"", words({"script"})),
            "a &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; "
            "&quot;b&quot;");
}

TEST(Snippet, NoMatchIsTheEscapedText) {
  EXPECT_EQ(make_snippet("1 < 2", words({})), "1 &lt; 2");
  EXPECT_EQ(make_snippet("", words({"x"})), "");
}

TEST(Snippet, MarkupInAMatchedWordCannotEscape) {
  // The matched word itself is escaped inside <mark>: no raw '<' survives anywhere.
  std::string s = make_snippet("<b>bold</b> <img src=x onerror=alert(1)>", words({"b", "img"}));
  EXPECT_EQ(s.find("<b>"), std::string::npos);
  EXPECT_EQ(s.find("<img"), std::string::npos);
  EXPECT_EQ(s,
            "&lt;<mark>b</mark>&gt;bold&lt;/<mark>b</mark>&gt; &lt;<mark>img</mark> src=x "
            "onerror=alert(1)&gt;");
}

TEST(Snippet, LongTextIsCutAroundTheFirstMatchAtWordBoundaries) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "filler" + std::to_string(i) + " ";
  text += "needle ";
  for (int i = 0; i < 60; ++i) text += "tail" + std::to_string(i) + " ";
  std::string s = make_snippet(text, words({"needle"}), 80);
  EXPECT_NE(s.find("<mark>needle</mark>"), std::string::npos) << s;
  EXPECT_EQ(s.rfind("\u2026", 0), 0u) << "starts with an ellipsis: " << s;
  EXPECT_EQ(s.substr(s.size() - 3), "\u2026") << s;
  // Whole words only: every piece between the ellipses starts and ends on a word.
  std::string inner = s.substr(3, s.size() - 6);
  EXPECT_TRUE(inner.rfind("filler", 0) == 0 || inner.rfind("<mark>", 0) == 0) << inner;
  EXPECT_LE(inner.size(), 80u + 13u);  // the window plus <mark></mark>
}

TEST(Snippet, MultibyteTextIsNeverCutInsideACharacter) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "\xc3\xa9t\xc3\xa9 ";  // "été "
  text += "cl\xc3\xa9";
  std::string s = make_snippet(text, words({"cl\xc3\xa9"}), 30);
  EXPECT_NE(s.find("<mark>cl\xc3\xa9</mark>"), std::string::npos) << s;
  // Valid UTF-8 throughout (no lead byte without its continuation bytes).
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    ASSERT_LE(i + len, s.size());
    for (std::size_t k = 1; k < len; ++k) ASSERT_EQ(static_cast<unsigned char>(s[i + k]) >> 6, 2);
    i += len;
  }
}

}  // namespace
