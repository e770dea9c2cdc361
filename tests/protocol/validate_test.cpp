// Names, ids, DM channels, UTF-8 and display names.
#include "parley/protocol/validate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::protocol {
namespace {

TEST(ChannelName, Valid) {
  for (std::string_view n : {"a", "0", "general", "help-desk", "team.eng_2", "9lives"}) {
    EXPECT_TRUE(is_valid_channel_name(n)) << n;
  }
  EXPECT_TRUE(is_valid_channel_name(std::string(64, 'a')));
}

TEST(ChannelName, Invalid) {
  for (std::string_view n :
       {"", "General", "-a", ".a", "_a", "a b", "a/b", "a:b", "dm:a:b", "caf\xC3\xA9", "a\n"}) {
    EXPECT_FALSE(is_valid_channel_name(n)) << n;
  }
  EXPECT_FALSE(is_valid_channel_name(std::string(65, 'a')));
}

TEST(Email, ValidAndInvalid) {
  for (std::string_view e : {"a@b.co", "bob@example.com", "Ana.Lima+help@mail.shop-1.example",
                             "o'neil@x.y", "x@xn--bcher-kva.example"}) {
    EXPECT_TRUE(is_valid_email(e)) << e;
  }
  EXPECT_TRUE(is_valid_email(std::string(64, 'a') + "@" + std::string(63, 'b') + ".co"));
  for (std::string_view e : {"",
                             "bob",
                             "@example.com",
                             "bob@",
                             "bob@localhost",
                             "bob@.com",
                             "bob@example..com",
                             "bob@-x.com",
                             "bob@x-.com",
                             "bob@ex_ample.com",
                             "b ob@example.com",
                             "bob@exa mple.com",
                             "<bob@example.com>",
                             "bob@example.com>",
                             "\"bob\"@example.com",
                             "bob,al@example.com",
                             "bob@example.com\r\nBcc: x@y.z",
                             "b\xC3\xA9"
                             "b@example.com",
                             "bob@b\xC3\xA9.com",
                             "a@b@example.com"}) {
    EXPECT_FALSE(is_valid_email(e)) << e;
  }
  EXPECT_FALSE(is_valid_email(std::string(65, 'a') + "@example.com"));
  EXPECT_FALSE(is_valid_email("a@" + std::string(64, 'b') + ".co"));
  // 254 bytes at most, every label within bounds.
  const std::string labels =
      std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(63, 'd') + ".";
  EXPECT_TRUE(is_valid_email("a@" + labels + std::string(60, 'e')));   // 254 bytes
  EXPECT_FALSE(is_valid_email("a@" + labels + std::string(61, 'e')));  // 255
}

TEST(UserId, ValidAndInvalid) {
  for (std::string_view id : {"u", "Alice", "bob@example.com", "a.b_c+d-e", "123"}) {
    EXPECT_TRUE(is_valid_user_id(id)) << id;
  }
  EXPECT_TRUE(is_valid_user_id(std::string(64, 'Z')));
  for (std::string_view id : {"", "a:b", "a b", "a/b", "\xC3\xA9", "a\"", "a,b"}) {
    EXPECT_FALSE(is_valid_user_id(id)) << id;
  }
  EXPECT_FALSE(is_valid_user_id(std::string(65, 'Z')));
}

TEST(Mentions, WhatNamesAUser) {
  auto m = find_mentions("thanks @carol and @bob. and @bob again, @x:y (@dee) @", 20);
  EXPECT_EQ(m.users, (std::vector<std::string>{"carol", "bob", "x", "dee"}));
  EXPECT_FALSE(m.here);
  // An address inside a word is no mention; an id may hold '@' itself.
  m = find_mentions("mail alice@example.com or ping @bob@example.com.", 20);
  EXPECT_EQ(m.users, (std::vector<std::string>{"bob@example.com"}));
  // @here is the channel-wide mention, never the user "here"; "@here2" is a user; a run
  // followed by a non-ASCII letter is part of a longer word.
  m = find_mentions("@here @here2 @heré @josé", 20);
  EXPECT_TRUE(m.here);
  EXPECT_EQ(m.users, (std::vector<std::string>{"here2"}));
  // A run that is not a valid id (too long) names nobody; at most max_users are kept.
  m = find_mentions("@" + std::string(65, 'a') + " @a @b @c @d", 2);
  EXPECT_EQ(m.users, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(find_mentions("no at sign", 20).users.empty());
  EXPECT_TRUE(find_mentions("...@.", 20).users.empty());
}

TEST(DmChannel, NameIsOrderIndependent) {
  EXPECT_EQ(dm_channel_name("bob", "alice"), "dm:alice:bob");
  EXPECT_EQ(dm_channel_name("alice", "bob"), "dm:alice:bob");
  // Bytewise order: uppercase sorts before lowercase.
  EXPECT_EQ(dm_channel_name("b", "B"), "dm:B:b");
  EXPECT_TRUE(is_dm_channel(dm_channel_name("x@y.z", "Q+1")));
}

TEST(DmChannel, Recognition) {
  EXPECT_TRUE(is_dm_channel("dm:alice:bob"));
  EXPECT_TRUE(is_dm_channel("dm:A:a"));
  for (std::string_view n : {"dm:bob:alice", "dm:bob:bob", "dm:alice", "dm::bob",
                             "dm:alice:", "dm:a:b:c", "DM:a:b", "dm:a b:c", "xdm:a:b", "dm:", ""}) {
    EXPECT_FALSE(is_dm_channel(n)) << n;
  }
  EXPECT_FALSE(is_dm_channel("dm:" + std::string(65, 'a') + ":zz"));
}

TEST(DmChannel, Members) {
  const auto m = dm_members("dm:alice:bob");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->first, "alice");
  EXPECT_EQ(m->second, "bob");
  EXPECT_FALSE(dm_members("dm:bob:alice").has_value());
  EXPECT_FALSE(dm_members("general").has_value());
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("hello"), 5u);
  EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(utf8_length("\xE4\xB8\xAD\xE6\x96\x87"), 2u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);
  EXPECT_EQ(utf8_length(std::string_view("\0", 1)), 1u);
  EXPECT_EQ(utf8_length(std::string(1000, 'x') + "\xC3\xA9" + std::string(13, 'y')), 1014u);
}

TEST(Utf8Length, Boundaries) {
  EXPECT_EQ(utf8_length("\x7F"), 1u);              // U+007F
  EXPECT_EQ(utf8_length("\xC2\x80"), 1u);          // U+0080
  EXPECT_EQ(utf8_length("\xDF\xBF"), 1u);          // U+07FF
  EXPECT_EQ(utf8_length("\xE0\xA0\x80"), 1u);      // U+0800
  EXPECT_EQ(utf8_length("\xED\x9F\xBF"), 1u);      // U+D7FF
  EXPECT_EQ(utf8_length("\xEE\x80\x80"), 1u);      // U+E000
  EXPECT_EQ(utf8_length("\xEF\xBF\xBF"), 1u);      // U+FFFF
  EXPECT_EQ(utf8_length("\xF0\x90\x80\x80"), 1u);  // U+10000
  EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF"), 1u);  // U+10FFFF
}

TEST(Utf8Length, RejectsIllFormed) {
  for (std::string_view s : {
           "\xC0\x80",
           "\xC1\xBF",  // overlong 2-byte
           "\xE0\x80\x80",
           "\xE0\x9F\xBF",  // overlong 3-byte
           "\xF0\x80\x80\x80",
           "\xF0\x8F\xBF\xBF",  // overlong 4-byte
           "\xED\xA0\x80",
           "\xED\xBF\xBF",  // surrogates
           "\xF4\x90\x80\x80",
           "\xF5\x80\x80\x80",
           "\xF8\x88\x80\x80\x80",
           "\xFE",
           "\xFF",
           "\x80",
           "\xBF",
           "a\x80",  // stray continuation
           "\xC3",
           "\xE2\x82",
           "\xF0\x9F\x98",  // truncated
           "\xC3\x28",
           "\xE2\x28\xA1",
           "\xF0\x9F\x28\x80",  // bad continuation
       }) {
    EXPECT_FALSE(utf8_length(s).has_value()) << ::testing::PrintToString(s);
  }
}

TEST(Utf8Length, BadByteAtEveryOffsetOfALongString) {
  for (std::size_t pos = 0; pos < 40; ++pos) {
    std::string s(40, 'a');
    s[pos] = '\x80';
    EXPECT_FALSE(utf8_length(s).has_value()) << pos;
    s[pos] = '\xC3';  // truncated unless followed by a continuation byte
    EXPECT_FALSE(utf8_length(s).has_value()) << pos;
  }
}

TEST(DisplayName, Valid) {
  for (std::string_view n :
       {"Ana", "Zo\xC3\xAB", "\xE6\x9D\x8E\xE9\x9B\xB7", "A B", "\xF0\x9F\x98\x80", "x"}) {
    EXPECT_TRUE(is_valid_display_name(n)) << n;
  }
  std::string sixty_four;
  for (int i = 0; i < 64; ++i) sixty_four += "\xC3\xA9";
  EXPECT_TRUE(is_valid_display_name(sixty_four));
  EXPECT_FALSE(is_valid_display_name(sixty_four + "a"));
}

TEST(DisplayName, Invalid) {
  for (std::string_view n : {"", "a\nb", "tab\t", "del\x7f", "c1\xC2\x85", "esc\x1b[31m", "   ",
                             "\xE2\x80\x8B", "\xC3\x28", "\xED\xA0\x80"}) {
    EXPECT_FALSE(is_valid_display_name(n)) << ::testing::PrintToString(n);
  }
  EXPECT_FALSE(is_valid_display_name(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace parley::protocol
