// The frame scanner against the server's real object shapes (DESIGN §2).
#include "frame_scan.hpp"

#include <gtest/gtest.h>

using parley::load::Frame;
using parley::load::scan_frame;

TEST(FrameScan, Ack) {
  Frame f;
  ASSERT_TRUE(
      scan_frame(R"({"op":"ok","id":7,"channel":"general","seq":42,"ts":1700000000123})", f));
  EXPECT_EQ(f.op, "ok");
  EXPECT_EQ(f.id, 7);
  EXPECT_EQ(f.channel, "general");
  EXPECT_EQ(f.seq, 42u);
  EXPECT_EQ(f.ts, 1700000000123);
  EXPECT_EQ(f.messages, -1);
}

TEST(FrameScan, MessageEventWithNestedFromAndTrickyText) {
  Frame f;
  // The text holds quotes, braces and key-like content; nested "from" has its own "id".
  ASSERT_TRUE(scan_frame(
      R"({"op":"message","channel":"dm:a:b","seq":3,"ts":5,"from":{"id":"alice","name":"A \"x\" }","role":"customer","advocate":false},"text":"lt:abc:t=99:{\"id\":1}","reply_to":2})",
      f));
  EXPECT_EQ(f.op, "message");
  EXPECT_EQ(f.id, -1);  // the nested from.id is not the request id
  EXPECT_EQ(f.channel, "dm:a:b");
  EXPECT_EQ(f.seq, 3u);
  EXPECT_EQ(f.text, R"(lt:abc:t=99:{\"id\":1})");
}

TEST(FrameScan, JoinReply) {
  Frame f;
  ASSERT_TRUE(scan_frame(
      R"({"op":"ok","id":0,"channel":"general","last_seq":17,"kind":"chat","epoch":1})", f));
  EXPECT_EQ(f.id, 0);
  EXPECT_TRUE(f.has_last_seq);
  EXPECT_EQ(f.last_seq, 17u);
}

TEST(FrameScan, ErrorWithStringIdAndRetry) {
  Frame f;
  ASSERT_TRUE(scan_frame(
      R"({"op":"error","id":"x1","code":"rate_limited","message":"too many","retry_after_ms":20})",
      f));
  EXPECT_EQ(f.op, "error");
  EXPECT_EQ(f.id, -1);
  EXPECT_EQ(f.code, "rate_limited");
}

TEST(FrameScan, HistoryPage) {
  Frame f;
  ASSERT_TRUE(scan_frame(
      R"({"op":"ok","id":9,"channel":"general","messages":[)"
      R"({"channel":"general","seq":5,"ts":1,"from":{"id":"u","name":"u","role":"customer","advocate":false},"text":"a"},)"
      R"({"channel":"general","seq":6,"ts":1,"from":{"id":"u","name":"u","role":"customer","advocate":false},"text":"b]}"},)"
      R"({"channel":"general","seq":7,"ts":1,"from":{"id":"u","name":"u","role":"customer","advocate":false},"text":"c"}],"has_more":true})",
      f));
  EXPECT_EQ(f.id, 9);
  EXPECT_EQ(f.messages, 3);
  EXPECT_EQ(f.first_msg_seq, 5u);
  EXPECT_EQ(f.last_msg_seq, 7u);
  EXPECT_TRUE(f.contiguous);
  EXPECT_TRUE(f.has_more);
  EXPECT_EQ(f.seq, 0u);  // nested seqs do not leak into the top level
}

TEST(FrameScan, HistoryPageWithHoleIsNotContiguous) {
  Frame f;
  ASSERT_TRUE(
      scan_frame(R"({"op":"ok","id":1,"messages":[{"seq":1},{"seq":3}],"has_more":false})", f));
  EXPECT_EQ(f.messages, 2);
  EXPECT_FALSE(f.contiguous);
  EXPECT_FALSE(f.has_more);
}

TEST(FrameScan, EmptyPage) {
  Frame f;
  ASSERT_TRUE(scan_frame(R"({"op":"ok","id":1,"channel":"c","messages":[],"has_more":false})", f));
  EXPECT_EQ(f.messages, 0);
}

TEST(FrameScan, WhitespaceAndUnknownValues) {
  Frame f;
  ASSERT_TRUE(scan_frame(
      R"( { "op" : "pong" , "ts" : -3 , "x" : [1, 2.5e3, null, true, {"a": []}] } )", f));
  EXPECT_EQ(f.op, "pong");
  EXPECT_EQ(f.ts, -3);
}

TEST(FrameScan, RejectsMalformed) {
  Frame f;
  EXPECT_FALSE(scan_frame("", f));
  EXPECT_FALSE(scan_frame("[1,2]", f));
  EXPECT_FALSE(scan_frame(R"({"op":"ok")", f));
  EXPECT_FALSE(scan_frame(R"({"op":"ok"} trailing)", f));
  EXPECT_FALSE(scan_frame(R"({"op" "ok"})", f));
  EXPECT_FALSE(scan_frame(R"({"text":"unterminated})", f));
}
