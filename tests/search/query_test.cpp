// The search query language (storage/search/include/parley/search/query.hpp).
#include "parley/search/query.hpp"

#include <gtest/gtest.h>

using parley::search::parse_query;
using parley::search::ParsedQuery;

namespace {

ParsedQuery ok(std::string_view q) {
  std::string error;
  auto p = parse_query(q, &error);
  EXPECT_TRUE(p.has_value()) << q << ": " << error;
  return p.value_or(ParsedQuery{});
}

std::string bad(std::string_view q) {
  std::string error;
  auto p = parse_query(q, &error);
  EXPECT_FALSE(p.has_value()) << q;
  return error;
}

TEST(Query, WordsAndPhrases) {
  auto p = ok("  arc   blinks \"amber light\" ");
  EXPECT_EQ(p.text, "arc blinks \"amber light\"");
  EXPECT_EQ(p.words, (std::vector<std::string>{"arc", "blinks", "amber", "light"}));
  EXPECT_TRUE(p.from.empty());
  EXPECT_TRUE(p.in.empty());
  EXPECT_FALSE(p.solved);
}

TEST(Query, UnclosedPhraseRunsToTheEnd) {
  auto p = ok("reset \"the hub   ");
  EXPECT_EQ(p.text, "reset \"the hub\"");
}

TEST(Query, EveryFilter) {
  auto p = ok("from:alice in:help is:solved firmware from:bob in:dm:alice:bob");
  EXPECT_EQ(p.text, "firmware");
  EXPECT_EQ(p.from, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(p.in, (std::vector<std::string>{"help", "dm:alice:bob"}));
  EXPECT_TRUE(p.solved);
}

TEST(Query, FiltersAloneAreAQuery) {
  auto p = ok("from:alice");
  EXPECT_TRUE(p.text.empty());
  EXPECT_EQ(p.from.size(), 1u);
  EXPECT_TRUE(ok("is:solved").solved);
}

TEST(Query, FilterInsideAPhraseIsText) {
  auto p = ok("\"from:alice said\"");
  EXPECT_TRUE(p.from.empty());
  EXPECT_EQ(p.text, "\"from:alice said\"");
}

TEST(Query, UrlsAndColonsAreWords) {
  EXPECT_EQ(ok("https://example.com/x").text, "https://example.com/x");
  EXPECT_EQ(ok("error:").text, "error:");        // nothing after the colon
  EXPECT_EQ(ok("E42:fault").text, "E42:fault");  // not a lower-case name
  EXPECT_EQ(ok(":x").text, ":x");
}

TEST(Query, BadInputSaysWhatIsWrong) {
  EXPECT_EQ(bad(""), "empty query");
  EXPECT_EQ(bad("   \t "), "empty query");
  EXPECT_EQ(bad("\"  \""), "empty query");
  EXPECT_EQ(bad(std::string(257, 'a')), "query is longer than 256 characters");
  EXPECT_EQ(bad("\xff\xfe"), "query is not valid UTF-8");
  EXPECT_EQ(bad("\xed\xa0\x80"), "query is not valid UTF-8");  // a surrogate
  EXPECT_EQ(bad("reset to:bob"), "unknown filter to: (filters are from:, in: and is:solved)");
  EXPECT_EQ(bad("is:open"), "unknown filter is:open (only is:solved)");
  EXPECT_EQ(bad("from:a\\b"), "from: needs a user id, not \"a\\b\"");
  EXPECT_EQ(bad("in:Help!"), "in: needs a channel name, not \"Help!\"");
}

TEST(Query, LengthCountsCharactersNotBytes) {
  std::string q;
  for (int i = 0; i < 256; ++i) q += "\xc3\xa9";  // é: 256 characters, 512 bytes
  EXPECT_EQ(ok(q).words.size(), 1u);
  q += "\xc3\xa9";
  EXPECT_EQ(bad(q), "query is longer than 256 characters");
}

}  // namespace
