// parse_request() failures: every validation rule, malformed input, and robustness.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "parley/protocol/commands.hpp"
#include "test_util.hpp"

namespace parley::protocol {
namespace {

using testing::failed_with;
using testing::parse;

using Case = testing::FailureCase;

class ValidationFailure : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationFailure, FailsWithCodeMessageAndId) {
  const Case& c = GetParam();
  EXPECT_TRUE(failed_with(parse(c.frame), c.code, c.message_part, "7"));
}

constexpr ErrorCode kBad = ErrorCode::bad_request;
constexpr ErrorCode kBig = ErrorCode::too_large;

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidationFailure,
    ::testing::Values(
        // op
        Case{R"({"id":7})", kBad, R"("op" is required)"},
        Case{R"({"id":7,"op":5})", kBad, R"("op" must be a string)"},
        Case{R"({"id":7,"op":null})", kBad, R"("op" must be a string)"},
        Case{R"({"id":7,"op":"xyz"})", kBad, R"(unknown op "xyz")"},
        Case{R"({"id":7,"op":"PING"})", kBad, R"(unknown op "PING")"},
        Case{R"({"id":7,"op":"ping","op":"ping"})", kBad, R"(duplicate field "op")"},
        Case{R"({"id":7,"op":"join","channel":"a","channel":"b"})", kBad, "duplicate field"},
        // auth
        Case{R"({"id":7,"op":"auth"})", kBad, R"("token" is required)"},
        Case{R"({"id":7,"op":"auth","token":null})", kBad, R"("token" is required)"},
        Case{R"({"id":7,"op":"auth","token":1})", kBad, R"("token" must be a string)"},
        Case{R"({"id":7,"op":"auth","token":""})", kBad, R"("token" is empty)"},
        // channel (join, leave, typing, send, history share the rule)
        Case{R"({"id":7,"op":"join"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"join","channel":["general"]})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"join","channel":""})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"join","channel":"General"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"join","channel":"-x"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"join","channel":"a b"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"join","channel":"dm:bob:alice"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"join","channel":"dm:bob:bob"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"leave","channel":"UP"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"leave"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"typing","channel":"#x"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"typing"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"history","channel":7})", kBad, R"("channel" must be a string)"},
        // since
        Case{R"({"id":7,"op":"join","channel":"a","since":-1})", kBad,
             R"("since" must be a non-negative integer)"},
        Case{R"({"id":7,"op":"join","channel":"a","since":1.0})", kBad, R"("since")"},
        Case{R"({"id":7,"op":"join","channel":"a","since":"5"})", kBad, R"("since")"},
        Case{R"({"id":7,"op":"join","channel":"a","since":true})", kBad, R"("since")"},
        // send
        Case{R"({"id":7,"op":"send","text":"t","client_msg_id":"c"})", kBad,
             R"("channel" is required)"},
        Case{R"({"id":7,"op":"send","channel":"a","client_msg_id":"c"})", kBad,
             R"("text" is required)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":5,"client_msg_id":"c"})", kBad,
             R"("text" must be a string)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"","client_msg_id":"c"})", kBad,
             R"("text" is empty)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":" \t\r\n ","client_msg_id":"c"})", kBad,
             R"("text" is empty)"},
        Case{R"({"id":7,"op":"send","channel":"a","client_msg_id":"c",)"
             R"("text":"\u00a0\u200b\u3000\ufeff"})",
             kBad, R"("text" is empty)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t"})", kBad,
             R"("client_msg_id" is required)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":3})", kBad,
             R"("client_msg_id" must be a string)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":""})", kBad,
             R"("client_msg_id" must be 1-64)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"a b"})", kBad,
             R"("client_msg_id")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"\u00e9"})", kBad,
             R"("client_msg_id")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"a\u007f"})", kBad,
             R"("client_msg_id")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"a\tb"})", kBad,
             R"("client_msg_id")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"c","reply_to":0})",
             kBad, R"("reply_to" must be a positive integer)"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"c","reply_to":-3})",
             kBad, R"("reply_to")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"c","reply_to":2.5})",
             kBad, R"("reply_to")"},
        Case{R"({"id":7,"op":"send","channel":"a","text":"t","client_msg_id":"c","reply_to":"2"})",
             kBad, R"("reply_to")"},
        Case{R"({"id":7,"op":"send","channel":"A","text":"t","client_msg_id":"c"})", kBad,
             "invalid channel name"},
        // dm
        Case{R"({"id":7,"op":"dm","text":"t","client_msg_id":"c"})", kBad, R"("to" is required)"},
        Case{R"({"id":7,"op":"dm","to":42,"text":"t","client_msg_id":"c"})", kBad,
             R"("to" must be a string)"},
        Case{R"({"id":7,"op":"dm","to":"a:b","text":"t","client_msg_id":"c"})", kBad,
             R"("to" must be a valid user id)"},
        Case{R"({"id":7,"op":"dm","to":"","text":"t","client_msg_id":"c"})", kBad,
             R"("to" must be a valid user id)"},
        Case{R"({"id":7,"op":"dm","to":"bob","client_msg_id":"c"})", kBad, R"("text" is required)"},
        Case{R"({"id":7,"op":"dm","to":"bob","text":"  ","client_msg_id":"c"})", kBad,
             R"("text" is empty)"},
        Case{R"({"id":7,"op":"dm","to":"bob","text":"t"})", kBad, R"("client_msg_id" is required)"},
        // history
        Case{R"({"id":7,"op":"history"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"history","channel":"a","before":0})", kBad,
             R"("before" must be a positive integer)"},
        Case{R"({"id":7,"op":"history","channel":"a","before":-1})", kBad, R"("before")"},
        Case{R"({"id":7,"op":"history","channel":"a","limit":0})", kBad,
             R"("limit" must be a positive integer)"},
        Case{R"({"id":7,"op":"history","channel":"a","limit":-5})", kBad, R"("limit")"},
        Case{R"({"id":7,"op":"history","channel":"a","limit":10.5})", kBad, R"("limit")"},
        Case{R"({"id":7,"op":"history","channel":"a","limit":"10"})", kBad, R"("limit")"}));

TEST(ParseFailure, TooLongTextIsTooLargeEvenWithBadLaterFields) {
  // Checks run in a fixed order: channel, text, client_msg_id, reply_to.
  const std::string frame = R"({"id":7,"op":"send","channel":"a","client_msg_id":"","text":")" +
                            std::string(4001, 'x') + "\"}";
  EXPECT_TRUE(failed_with(parse(frame), kBig, "4000", "7"));
}

TEST(ParseFailure, UnknownOpIsEscapedAndTruncated) {
  EXPECT_TRUE(failed_with(parse(R"({"op":"a\"b\\c"})"), kBad, R"(unknown op "a\"b\\c")"));
  const ParseResult r = parse(R"({"op":")" + std::string(500, 'q') + R"("})");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.failure->error.message.size(), 60u);
  EXPECT_EQ(r.failure->error.message, "unknown op \"" + std::string(32, 'q') + "...\"");
  // Truncation never splits a UTF-8 sequence.
  const ParseResult u = parse(R"({"op":")" + std::string(31, 'q') + "\xC3\xA9zzzz\"}");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.failure->error.message, "unknown op \"" + std::string(31, 'q') + "...\"");
}

TEST(ParseFailure, NotAnObject) {
  for (std::string_view f : {"[]", "[{\"op\":\"ping\"}]", "5", "\"ping\"", "null", "true"}) {
    EXPECT_TRUE(failed_with(parse(f), kBad, "object")) << f;
  }
}

TEST(ParseFailure, InvalidJson) {
  for (std::string_view f :
       {"", "   ", "{", "}", "{\"op\":\"ping\",}", "{\"op\" \"ping\"}", "{'op':'ping'}",
        "{\"op\":\"ping\"} x", "{\"op\":\"ping\"}{}", "{\"op\":\"ping\"}}",
        "{\"op\":\"ping\",\"x\":tru}", "{\"op\":\"ping\",\"x\":[1,}", "{\"op\":\"ping\",\"x\":01}",
        "{\"op\":\"ping\",\"x\":\"\\q\"}", "{\"op\":\"ping\",\"x\":\"\\ud800\"}",
        "{\"op\":\"ping\",\"x\":1e999}", "{\"op\":\"ping\",\"x\":NaN}",
        "{\"op\":\"ping\",\"x\":99999999999999999999}"}) {
    EXPECT_TRUE(failed_with(parse(f), kBad, "invalid JSON")) << f;
  }
}

TEST(ParseFailure, RawControlCharacterInString) {
  EXPECT_TRUE(failed_with(parse("{\"op\":\"ping\",\"x\":\"a\nb\"}"), kBad, "invalid JSON"));
}

TEST(ParseFailure, InvalidUtf8InsideStrings) {
  const std::vector<std::string> bad_bytes = {
      "\xC3\x28", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80", "\xFF", "\x80", "\xE2\x82"};
  for (const std::string& b : bad_bytes) {
    EXPECT_TRUE(failed_with(
        parse(R"({"op":"send","id":1,"channel":"a","client_msg_id":"c","text":")" + b + "\"}"),
        kBad, "invalid UTF-8"));
    // Also in a member the parser would otherwise ignore.
    EXPECT_TRUE(failed_with(parse(R"({"op":"ping","x":")" + b + "\"}"), kBad, "invalid UTF-8"));
  }
}

TEST(ParseFailure, DeepNestingIsRefused) {
  const std::string deep =
      R"({"op":"ping","x":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_TRUE(failed_with(parse(deep), kBad, "invalid JSON"));
  const std::string shallow =
      R"({"op":"ping","x":)" + std::string(20, '[') + std::string(20, ']') + "}";
  EXPECT_TRUE(parse(shallow).ok());
}

TEST(ParseFailure, EveryPrefixOfAValidFrameFailsCleanly) {
  const std::string frames[] = {
      R"({"op":"send","id":"r-1","channel":"help","text":"h\u00e9llo \"w\" \ud83d\ude00 😀",)"
      R"("client_msg_id":"c-1","reply_to":12})",
      R"({"op":"history","id":-4,"channel":"dm:alice:bob","before":100,"limit":20,)"
      R"("x":[1,{"y":null}]})",
      R"({ "op" : "join" , "channel" : "general" , "since" : 0 })"};
  for (const std::string& frame : frames) {
    ASSERT_TRUE(parse(frame).ok()) << frame;
    for (std::size_t n = 0; n < frame.size(); ++n) {
      const ParseResult r = parse(std::string_view(frame).substr(0, n));
      ASSERT_FALSE(r.ok()) << n;
      ASSERT_TRUE(r.failure.has_value());
      EXPECT_EQ(r.failure->error.code, ErrorCode::bad_request) << frame.substr(0, n);
      EXPECT_FALSE(r.failure->error.message.empty());
    }
  }
}

TEST(ParseFailure, RandomMutationsNeverCrash) {
  const std::string seed =
      R"({"op":"send","id":"x","channel":"help","text":"hi \u00e9 😀","client_msg_id":"c",)"
      R"("reply_to":1})";
  std::mt19937 rng(12345);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string f = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = rng() % f.size();
      switch (rng() % 3) {
        case 0:
          f[pos] = static_cast<char>(rng() % 256);
          break;
        case 1:
          f.erase(pos, 1);
          break;
        default:
          f.insert(pos, 1, "{}[]\",:\\0a-e."[rng() % 14]);
          break;
      }
      if (f.empty()) f.push_back('{');
    }
    const ParseResult r = parse(f);
    ASSERT_NE(r.ok(), r.failure.has_value());
    if (r.ok()) ++ok;
  }
  EXPECT_GT(ok, 0);  // some mutations stay valid, and those must parse
}

}  // namespace
}  // namespace parley::protocol
