// parse_request(): every op, ids, field order, forward compatibility, limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "parley/protocol/commands.hpp"
#include "test_util.hpp"

namespace parley::protocol {
namespace {

using testing::command;
using testing::failed_with;
using testing::parse;
using testing::repeat;

TEST(ParseOps, Auth) {
  const ParseResult r = parse(R"({"op":"auth","id":1,"token":"abc.def.ghi"})");
  EXPECT_EQ(command<AuthCmd>(r).token, "abc.def.ghi");
  EXPECT_EQ(r.request->id_json, "1");
}

TEST(ParseOps, JoinWithSince) {
  const ParseResult r = parse(R"({"op":"join","id":"j1","channel":"general","since":42})");
  const auto& c = command<JoinCmd>(r);
  EXPECT_EQ(c.channel, "general");
  EXPECT_EQ(c.since, 42u);
  EXPECT_EQ(r.request->id_json, R"("j1")");
}

TEST(ParseOps, JoinWithoutSinceAndSinceZero) {
  EXPECT_FALSE(command<JoinCmd>(parse(R"({"op":"join","channel":"help"})")).since.has_value());
  EXPECT_EQ(command<JoinCmd>(parse(R"({"op":"join","channel":"help","since":0})")).since, 0u);
  EXPECT_EQ(
      command<JoinCmd>(parse(R"({"op":"join","channel":"help","since":18446744073709551615})"))
          .since,
      18446744073709551615u);
}

TEST(ParseOps, JoinWithChangesSince) {
  const auto c =
      command<JoinCmd>(parse(R"({"op":"join","channel":"help","since":7,"changes_since":12})"));
  EXPECT_EQ(c.since, 7u);
  EXPECT_EQ(c.changes_since, 12u);
  EXPECT_FALSE(command<JoinCmd>(parse(R"({"op":"join","channel":"help"})")).changes_since);
  EXPECT_EQ(
      command<JoinCmd>(parse(R"({"op":"join","channel":"help","changes_since":0})")).changes_since,
      0u);
  EXPECT_TRUE(failed_with(parse(R"({"op":"join","channel":"help","changes_since":-1})"),
                          ErrorCode::bad_request, R"("changes_since")"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"join","channel":"help","changes_since":"3"})"),
                          ErrorCode::bad_request, R"("changes_since")"));
}

TEST(ParseOps, JoinDmChannel) {
  EXPECT_EQ(command<JoinCmd>(parse(R"({"op":"join","channel":"dm:alice:bob"})")).channel,
            "dm:alice:bob");
}

TEST(ParseOps, Leave) {
  EXPECT_EQ(command<LeaveCmd>(parse(R"({"op":"leave","id":2,"channel":"general"})")).channel,
            "general");
}

TEST(ParseOps, SendAllFields) {
  const ParseResult r =
      parse(R"({"op":"send","id":3,"channel":"help","text":"Hi \"there\"\n\u00e9 😀",)"
            R"("client_msg_id":"c-1","reply_to":9})");
  const auto& c = command<SendCmd>(r);
  EXPECT_EQ(c.channel, "help");
  EXPECT_EQ(c.text, "Hi \"there\"\n\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(c.client_msg_id, "c-1");
  EXPECT_EQ(c.reply_to, 9u);
  EXPECT_EQ(op_name(r.request->cmd), "send");
}

TEST(ParseOps, SendKeepsTextExactly) {
  const auto& c = command<SendCmd>(
      parse(R"({"op":"send","channel":"help","text":"  padded\t ","client_msg_id":"x"})"));
  EXPECT_EQ(c.text, "  padded\t ");
  EXPECT_FALSE(c.reply_to.has_value());
}

TEST(ParseOps, Dm) {
  const auto& c = command<DmCmd>(
      parse(R"({"op":"dm","id":4,"to":"bob@x.io","text":"psst","client_msg_id":"k"})"));
  EXPECT_EQ(c.to, "bob@x.io");
  EXPECT_EQ(c.text, "psst");
  EXPECT_EQ(c.client_msg_id, "k");
  EXPECT_FALSE(c.reply_to.has_value());
  const auto r = command<DmCmd>(
      parse(R"({"op":"dm","to":"bob","text":"re","client_msg_id":"k2","reply_to":3})"));
  EXPECT_EQ(r.reply_to, std::optional<std::uint64_t>(3));
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"dm","to":"bob","text":"re","client_msg_id":"k3","reply_to":0})"),
                  ErrorCode::bad_request, R"("reply_to")"));
}

TEST(ParseOps, HistoryAllFields) {
  const auto& c = command<HistoryCmd>(
      parse(R"({"op":"history","id":5,"channel":"general","before":77,"limit":20})"));
  EXPECT_EQ(c.channel, "general");
  EXPECT_EQ(c.before, 77u);
  EXPECT_EQ(c.limit, 20u);
}

TEST(ParseOps, HistoryLimitDefaultAndClamp) {
  ParseLimits limits;
  limits.default_history_limit = 30;
  limits.max_history_limit = 60;
  EXPECT_EQ(command<HistoryCmd>(parse(R"({"op":"history","channel":"a"})", limits)).limit, 30u);
  EXPECT_FALSE(command<HistoryCmd>(parse(R"({"op":"history","channel":"a"})")).before);
  EXPECT_EQ(command<HistoryCmd>(parse(R"({"op":"history","channel":"a"})")).limit, 50u);
  EXPECT_EQ(command<HistoryCmd>(parse(R"({"op":"history","channel":"a","limit":1000})")).limit,
            100u);
  EXPECT_EQ(
      command<HistoryCmd>(parse(R"({"op":"history","channel":"a","limit":1000})", limits)).limit,
      60u);
  EXPECT_EQ(
      command<HistoryCmd>(parse(R"({"op":"history","channel":"a","limit":18446744073709551615})"))
          .limit,
      100u);
  EXPECT_EQ(command<HistoryCmd>(parse(R"({"op":"history","channel":"a","limit":1})")).limit, 1u);
}

TEST(ParseOps, Typing) {
  EXPECT_EQ(command<TypingCmd>(parse(R"({"op":"typing","channel":"general"})")).channel, "general");
}

TEST(ParseOps, Ping) {
  const ParseResult r = parse(R"({"op":"ping"})");
  command<PingCmd>(r);
  EXPECT_TRUE(r.request->id_json.empty());
  EXPECT_FALSE(r.failure.has_value());
}

TEST(ParseOps, OpNames) {
  EXPECT_EQ(op_name(AuthCmd{}), "auth");
  EXPECT_EQ(op_name(JoinCmd{}), "join");
  EXPECT_EQ(op_name(LeaveCmd{}), "leave");
  EXPECT_EQ(op_name(SendCmd{}), "send");
  EXPECT_EQ(op_name(DmCmd{}), "dm");
  EXPECT_EQ(op_name(HistoryCmd{}), "history");
  EXPECT_EQ(op_name(TypingCmd{}), "typing");
  EXPECT_EQ(op_name(PingCmd{}), "ping");
  // And the parser maps each name back to the same command.
  for (std::string_view op : {"auth", "join", "leave", "send", "dm", "history", "typing"}) {
    const ParseResult r = parse(R"({"op":")" + std::string(op) + R"("})");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.failure->error.message.find("is required"), std::string::npos) << op;
  }
}

TEST(ParseOrder, EveryPermutationOfSendParsesTheSame) {
  std::vector<std::string> members = {R"("op":"send")",          R"("id":"x")",
                                      R"("channel":"help")",     R"("text":"hello")",
                                      R"("client_msg_id":"m1")", R"("reply_to":3)"};
  std::sort(members.begin(), members.end());
  int n = 0;
  do {
    std::string frame = "{";
    for (std::size_t i = 0; i < members.size(); ++i) frame += (i ? "," : "") + members[i];
    frame += "}";
    const ParseResult r = parse(frame);
    const auto& c = command<SendCmd>(r);
    ASSERT_EQ(c.channel, "help") << frame;
    ASSERT_EQ(c.text, "hello") << frame;
    ASSERT_EQ(c.client_msg_id, "m1") << frame;
    ASSERT_EQ(c.reply_to, 3u) << frame;
    ASSERT_EQ(r.request->id_json, R"("x")") << frame;
    ++n;
  } while (std::next_permutation(members.begin(), members.end()));
  EXPECT_EQ(n, 720);
}

TEST(ParseOrder, IdAfterAFailingFieldIsStillEchoed) {
  EXPECT_TRUE(failed_with(parse(R"({"channel":5,"op":"join","id":99})"), ErrorCode::bad_request,
                          R"("channel" must be a string)", "99"));
}

TEST(ParseCompat, UnknownFieldsAreIgnored) {
  const ParseResult r =
      parse(R"({"future":{"a":[1,2,{"b":null}],"c":"d"},"op":"join","x":1.5e3,"channel":"general",)"
            R"("y":[],"z":true,"since":1})");
  EXPECT_EQ(command<JoinCmd>(r).channel, "general");
  EXPECT_EQ(command<JoinCmd>(r).since, 1u);
}

TEST(ParseCompat, FieldsOfOtherOpsAreIgnored) {
  // "text" means nothing to join; its type is not checked there.
  EXPECT_TRUE(parse(R"({"op":"join","channel":"general","text":5,"limit":"x"})").ok());
  EXPECT_TRUE(parse(R"({"op":"ping","channel":"NOT VALID"})").ok());
}

TEST(ParseCompat, NullOptionalFieldsAreAbsent) {
  const auto& s = command<SendCmd>(
      parse(R"({"op":"send","channel":"a","text":"t","client_msg_id":"c","reply_to":null})"));
  EXPECT_FALSE(s.reply_to.has_value());
  const auto& h =
      command<HistoryCmd>(parse(R"({"op":"history","channel":"a","before":null,"limit":null})"));
  EXPECT_FALSE(h.before.has_value());
  EXPECT_EQ(h.limit, 50u);
}

TEST(ParseCompat, EscapedKeysAreRecognized) {
  EXPECT_EQ(command<JoinCmd>(parse(R"({"\u006fp":"join","chan\u006eel":"general"})")).channel,
            "general");
}

TEST(ParseId, StringIsReEscaped) {
  const ParseResult r = parse(R"({"op":"ping","id":"a\"b\\c\/d\n\u0001\u00e9\u2028"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request->id_json, "\"a\\\"b\\\\c/d\\n\\u0001\xC3\xA9\\u2028\"");
}

TEST(ParseId, Integers) {
  EXPECT_EQ(parse(R"({"op":"ping","id":0})").request->id_json, "0");
  EXPECT_EQ(parse(R"({"op":"ping","id":-17})").request->id_json, "-17");
  EXPECT_EQ(parse(R"({"op":"ping","id":9223372036854775807})").request->id_json,
            "9223372036854775807");
  EXPECT_EQ(parse(R"({"op":"ping","id":-9223372036854775808})").request->id_json,
            "-9223372036854775808");
  EXPECT_EQ(parse(R"({"op":"ping","id":""})").request->id_json, R"("")");
}

TEST(ParseId, LengthLimit) {
  const std::string ok(128, 'a');
  const ParseResult r = parse(R"({"op":"ping","id":")" + ok + R"("})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request->id_json, "\"" + ok + "\"");
  EXPECT_TRUE(failed_with(parse(R"({"op":"ping","id":")" + ok + R"(a"})"), ErrorCode::bad_request,
                          R"("id")", ""));
}

TEST(ParseId, BadTypesFailWithoutEcho) {
  for (std::string_view id : {"1.5", "1e3", "true", "false", "null", "{}", "{\"a\":1}", "[]", "[1]",
                              "9223372036854775808", "18446744073709551615"}) {
    const std::string frame = R"({"op":"ping","id":)" + std::string(id) + "}";
    EXPECT_TRUE(failed_with(parse(frame), ErrorCode::bad_request, R"("id")", "")) << frame;
  }
}

TEST(ParseId, BadIdWinsOverOtherErrors) {
  EXPECT_TRUE(failed_with(parse(R"({"id":false})"), ErrorCode::bad_request, R"("id")", ""));
}

TEST(ParseLimitsTest, FrameAtExactlyTheLimitAndOneOver) {
  ParseLimits limits;
  limits.max_frame_bytes = 200;
  const std::string head = R"({"op":"ping","id":1,"pad":")";
  const std::string frame = head + std::string(200 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(frame.size(), 200u);
  EXPECT_TRUE(parse(frame, limits).ok());
  const std::string over = head + std::string(200 - head.size() - 1, 'x') + "\"}";
  ASSERT_EQ(over.size(), 201u);
  // Not parsed at all, so there is no id to echo.
  EXPECT_TRUE(failed_with(parse(over, limits), ErrorCode::too_large, "frame", ""));
}

TEST(ParseLimitsTest, DefaultFrameLimitIs64KiB) {
  const std::string head = R"({"op":"ping","pad":")";
  const std::string frame = head + std::string(65536 - head.size() - 2, 'x') + "\"}";
  EXPECT_TRUE(parse(frame).ok());
  EXPECT_TRUE(failed_with(parse(frame + " "), ErrorCode::too_large, "65536"));
}

std::string send_with_text(std::string_view text) {
  return R"({"op":"send","id":"t","channel":"general","client_msg_id":"c1","text":")" +
         std::string(text) + "\"}";
}

TEST(ParseLimitsTest, TextLengthCountsCodePoints) {
  for (std::string_view ch : {"a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80"}) {
    const ParseResult ok = parse(send_with_text(repeat(ch, 4000)));
    ASSERT_TRUE(ok.ok()) << ok.failure->error.message;
    EXPECT_EQ(command<SendCmd>(ok).text.size(), 4000 * ch.size());
    EXPECT_TRUE(failed_with(parse(send_with_text(repeat(ch, 4001))), ErrorCode::too_large,
                            R"("text")", R"("t")"));
  }
}

TEST(ParseLimitsTest, TextLimitIsConfigurable) {
  ParseLimits limits;
  limits.max_text_chars = 3;
  EXPECT_TRUE(parse(send_with_text("\\u00e9\\u00e9\\u00e9"), limits).ok());
  EXPECT_TRUE(failed_with(parse(send_with_text("abcd"), limits), ErrorCode::too_large,
                          "longer than 3 characters", R"("t")"));
}

TEST(ParseLimitsTest, ClientMsgIdLimitIsConfigurable) {
  ParseLimits limits;
  limits.max_client_msg_id_bytes = 4;
  const auto frame = [](std::string_view id) {
    return R"({"op":"send","channel":"a","text":"t","client_msg_id":")" + std::string(id) + "\"}";
  };
  EXPECT_TRUE(parse(frame("abcd"), limits).ok());
  EXPECT_TRUE(failed_with(parse(frame("abcde"), limits), ErrorCode::bad_request, "client_msg_id"));
  EXPECT_TRUE(parse(frame(std::string(64, '~'))).ok());
  EXPECT_FALSE(parse(frame(std::string(65, '~'))).ok());
}

TEST(ParseThreads, ConcurrentParsersDoNotInterfere) {
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      const std::string channel = "chan" + std::to_string(t);
      const std::string frame = R"({"op":"join","id":)" + std::to_string(t) + R"(,"channel":")" +
                                channel + R"(","since":)" + std::to_string(t * 10) + "}";
      for (int i = 0; i < 2000; ++i) {
        const ParseResult r = parse_request(frame, ParseLimits{});
        if (!r.ok() || std::get<JoinCmd>(r.request->cmd).channel != channel ||
            r.request->id_json != std::to_string(t)) {
          ++bad[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(4, 0));
}

TEST(ParseBuffer, LargeFrameThenSmallFrame) {
  // The thread's padded buffer is reused; a short frame must not see the previous one's tail.
  const std::string big = send_with_text(std::string(3000, 'z'));
  ASSERT_TRUE(parse(big).ok());
  EXPECT_TRUE(failed_with(parse(R"({"op":"send")"), ErrorCode::bad_request, "invalid JSON"));
  EXPECT_TRUE(parse(R"({"op":"ping"})").ok());
}

}  // namespace
}  // namespace parley::protocol
