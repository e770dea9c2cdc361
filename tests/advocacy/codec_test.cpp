// The persisted encoding: every record type round-trips; malformed values are refused.
#include "codec.hpp"

#include <gtest/gtest.h>

namespace parley::advocacy::codec {
namespace {

TEST(Codec, RecordsRoundTrip) {
  detail::AnswerRec a{"help", 7, 9, "bob", "amy", -5};
  auto a2 = decode_answer(answer_key(a), answer_value(a));
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->channel, "help");
  EXPECT_EQ(a2->root, 7u);
  EXPECT_EQ(a2->seq, 9u);
  EXPECT_EQ(a2->author, "bob");
  EXPECT_EQ(a2->asker, "amy");
  EXPECT_EQ(a2->ts, -5);

  detail::SolutionRec s{"dm:a:b", 1, 2, "bob", "amy", true, 1704067200000};
  auto s2 = decode_solution(solution_key(s.channel, s.root), solution_value(s));
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->channel, "dm:a:b");
  EXPECT_TRUE(s2->earned);
  EXPECT_EQ(s2->ts, 1704067200000);

  auto ref = question_ref(question_key("help", 42));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->channel, "help");
  EXPECT_EQ(ref->seq, 42u);

  EXPECT_EQ(key_day(day_mark_key("amy", -3)), -3);
  EXPECT_EQ(risk_user(risk_key("troll", 19723)), "troll");
  auto r = decode_risk(risk_value({1, 2, 3, 99}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mutes, 3u);
  EXPECT_EQ(r->last, 99);
}

TEST(Codec, CreditRecordsKeepTheirPersistedBytes) {
  using namespace std::string_literals;
  detail::AnswerRec a{"help", 7, 9, "bob", "amy", -5};
  EXPECT_EQ(answer_key(a),
            "a\0help\0"
            "7\0"
            "bob"s);
  EXPECT_EQ(answer_value(a),
            "9\0"
            "amy\0-5"s);
  detail::HelpfulRec h{"help", 5, "amy", "bob", true, 1704067200000, false};
  EXPECT_EQ(helpful_key(h.channel, h.seq, h.marker),
            "h\0help\0"
            "5\0"
            "amy"s);
  EXPECT_EQ(helpful_value(h),
            "1\0"
            "bob\0"
            "1704067200000\0"
            "0"s);
  detail::SolutionRec s{"help", 1, 2, "bob", "amy", false, 3};
  EXPECT_EQ(solution_key(s.channel, s.root),
            "s\0help\0"
            "1"s);
  EXPECT_EQ(solution_value(s),
            "2\0"
            "bob\0"
            "amy\0"
            "0\0"
            "3"s);
  EXPECT_EQ(day_mark_key("amy", -3),
            "g\0"
            "amy\0-3"s);
  EXPECT_EQ(risk_key("troll", 19723),
            "r\0troll\0"
            "19723"s);
  EXPECT_EQ(risk_value({1, 2, 3, 99}),
            "1\0"
            "2\0"
            "3\0"
            "99"s);
}

TEST(Codec, HelpfulMarksKeepTheirOriginAndOldRecordsStillDecode) {
  detail::HelpfulRec h{"help", 5, "amy", "bob", true, 1704067200000, true};
  auto h2 = decode_helpful(helpful_key(h.channel, h.seq, h.marker), helpful_value(h));
  ASSERT_TRUE(h2);
  EXPECT_EQ(h2->marker, "amy");
  EXPECT_EQ(h2->author, "bob");
  EXPECT_TRUE(h2->earned);
  EXPECT_TRUE(h2->via_reaction);
  // Written before the origin was recorded: three fields, an explicit mark.
  auto old = decode_helpful(helpful_key("help", 5, "amy"), join({"1", "bob", "7"}));
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->via_reaction);
  EXPECT_EQ(old->ts, 7);
  EXPECT_FALSE(decode_helpful(helpful_key("help", 5, "amy"), join({"1", "bob", "7", "x"})));
}

TEST(Codec, MalformedValuesAreRefused) {
  EXPECT_FALSE(question_ref(std::string_view("q\0help", 6)));
  EXPECT_FALSE(question_ref(join({"q", "help", "x"})));
  EXPECT_FALSE(decode_risk(join({"1", "2", "x", "4"})));
  EXPECT_FALSE(decode_helpful(helpful_key("help", 1, "amy"), join({"2", "bob", "5"})));
}

}  // namespace
}  // namespace parley::advocacy::codec
