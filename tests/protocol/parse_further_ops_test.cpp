// parse_request() for the further operations of DESIGN §2: what every op shares (names, ids,
// duplicate fields, prefixes), read markers, preferences and knowledge (ParseFurtherOps.*).
// The message, moderation, channel and advocacy ops: parse_message_ops_test.cpp; every rule
// refused: parse_further_failures_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "parley/protocol/commands.hpp"
#include "test_util.hpp"

namespace parley::protocol {
namespace {

using testing::command;
using testing::failed_with;
using testing::parse;
using testing::repeat;

constexpr ErrorCode kBad = ErrorCode::bad_request;
constexpr ErrorCode kBig = ErrorCode::too_large;

// --- Shared behaviour ---

TEST(ParseFurtherOps, EveryOpNameRoundTrips) {
  const std::pair<std::string_view, std::string_view> frames[] = {
      {"edit", R"("channel":"a","seq":1,"text":"t")"},
      {"delete", R"("channel":"a","seq":1)"},
      {"react", R"("channel":"a","seq":1,"emoji":"x")"},
      {"unreact", R"("channel":"a","seq":1,"emoji":"x")"},
      {"report", R"("channel":"a","seq":1,"reason":"r")"},
      {"resolve_report", R"("report_id":1,"action":"dismiss")"},
      {"mute", R"("user":"u")"},
      {"unmute", R"("user":"u")"},
      {"ban", R"("user":"u")"},
      {"unban", R"("user":"u")"},
      {"kick", R"("user":"u","channel":"a")"},
      {"slow_mode", R"("channel":"a","interval_s":5)"},
      {"lock", R"("channel":"a","locked":true)"},
      {"create_channel", R"("channel":"a")"},
      {"archive_channel", R"("channel":"a")"},
      {"update_channel", R"("channel":"a","title":"T")"},
      {"add_member", R"("channel":"a","user":"u")"},
      {"remove_member", R"("channel":"a","user":"u")"},
      {"helpful", R"("channel":"a","seq":1)"},
      {"solve", R"("channel":"a","seq":1)"},
      {"set_advocate", R"("user":"u","advocate":null)"},
      {"search", R"("query":"q")"},
      {"set_preferences", R"("kb_anonymous":true)"},
      {"deflected", R"("channel":"a","seq":1)"},
      {"publish_thread", R"("channel":"a","seq":1,"publish":false)"},
      {"register_commands", R"("commands":[])"},
      {"command", R"("channel":"a","name":"faq")"},
      {"reply_command", R"("command_id":"cmd_1","text":"t")"},
      {"action", R"("channel":"a","seq":1,"action_id":"x")"},
      {"unsolve", R"("channel":"a","seq":1)"},
  };
  for (const auto& [op, members] : frames) {
    const ParseResult r =
        parse(R"({"op":")" + std::string(op) + R"(","id":1,)" + std::string(members) + "}");
    ASSERT_TRUE(r.ok()) << op << ": " << r.failure->error.message;
    EXPECT_EQ(op_name(r.request->cmd), op);
    EXPECT_EQ(r.request->id_json, "1");
    // Without its fields every op names a missing one.
    const ParseResult bare = parse(R"({"op":")" + std::string(op) + R"(","id":2})");
    ASSERT_FALSE(bare.ok()) << op;
    EXPECT_TRUE(failed_with(bare, kBad, "is required", "2")) << op;
  }
}

// A command of the second op of its pair (unreact, unmute, unban, remove_member).
template <class T>
Command inverse() {
  T cmd;
  if constexpr (requires { cmd.add; }) {
    cmd.add = false;
  } else {
    cmd.on = false;
  }
  return cmd;
}

TEST(ParseFurtherOps, OpNamesOfCommands) {
  EXPECT_EQ(op_name(EditCmd{}), "edit");
  EXPECT_EQ(op_name(DeleteCmd{}), "delete");
  EXPECT_EQ(op_name(ReactCmd{}), "react");
  EXPECT_EQ(op_name(inverse<ReactCmd>()), "unreact");
  EXPECT_EQ(op_name(ReportCmd{}), "report");
  EXPECT_EQ(op_name(ResolveReportCmd{}), "resolve_report");
  EXPECT_EQ(op_name(MuteCmd{}), "mute");
  EXPECT_EQ(op_name(inverse<MuteCmd>()), "unmute");
  EXPECT_EQ(op_name(BanCmd{}), "ban");
  EXPECT_EQ(op_name(inverse<BanCmd>()), "unban");
  EXPECT_EQ(op_name(KickCmd{}), "kick");
  EXPECT_EQ(op_name(SlowModeCmd{}), "slow_mode");
  EXPECT_EQ(op_name(LockCmd{}), "lock");
  EXPECT_EQ(op_name(CreateChannelCmd{}), "create_channel");
  EXPECT_EQ(op_name(ArchiveChannelCmd{}), "archive_channel");
  EXPECT_EQ(op_name(UpdateChannelCmd{}), "update_channel");
  EXPECT_EQ(op_name(MemberCmd{}), "add_member");
  EXPECT_EQ(op_name(inverse<MemberCmd>()), "remove_member");
  EXPECT_EQ(op_name(HelpfulCmd{}), "helpful");
  EXPECT_EQ(op_name(SolveCmd{}), "solve");
  EXPECT_EQ(op_name(UnsolveCmd{}), "unsolve");
  EXPECT_EQ(op_name(SetAdvocateCmd{}), "set_advocate");
  EXPECT_EQ(op_name(SearchCmd{}), "search");
  EXPECT_EQ(op_name(SetPreferencesCmd{}), "set_preferences");
  EXPECT_EQ(op_name(DeflectedCmd{}), "deflected");
  EXPECT_EQ(op_name(PublishThreadCmd{}), "publish_thread");
  EXPECT_EQ(op_name(ReadCmd{}), "read");
  EXPECT_EQ(op_name(ChannelsCmd{}), "channels");
}

TEST(ParseFurtherOps, ReadAndChannels) {
  const auto r = command<ReadCmd>(parse(R"({"op":"read","channel":"dm:a:b","seq":12})"));
  EXPECT_EQ(r.channel, "dm:a:b");
  EXPECT_EQ(r.seq, 12u);
  EXPECT_TRUE(failed_with(parse(R"({"op":"read","id":1,"channel":"help","seq":0})"), kBad,
                          R"("seq")", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"read","id":2,"channel":"help"})"), kBad,
                          R"("seq" is required)", "2"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"read","id":3,"channel":"Help","seq":1})"), kBad,
                          "invalid channel name", "3"));
  (void)command<ChannelsCmd>(parse(R"({"op":"channels","id":4})"));
}

TEST(ParseFurtherOps, PublishThread) {
  const auto off = command<PublishThreadCmd>(
      parse(R"({"op":"publish_thread","channel":"help","seq":7,"publish":false})"));
  EXPECT_EQ(off.channel, "help");
  EXPECT_EQ(off.seq, 7u);
  EXPECT_FALSE(off.publish);
  EXPECT_TRUE(command<PublishThreadCmd>(
                  parse(R"({"op":"publish_thread","channel":"help","seq":7,"publish":true})"))
                  .publish);
  EXPECT_TRUE(failed_with(parse(R"({"op":"publish_thread","id":1,"channel":"help","seq":7})"), kBad,
                          R"("publish" is required)", "1"));
  EXPECT_TRUE(failed_with(
      parse(R"({"op":"publish_thread","id":1,"channel":"help","seq":7,"publish":"no"})"), kBad,
      R"("publish" must be true or false)", "1"));
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"publish_thread","id":1,"channel":"help","publish":true})"), kBad,
                  R"("seq")", "1"));
}

TEST(ParseFurtherOps, DeflectedAndSearchMatch) {
  const auto d = command<DeflectedCmd>(parse(R"({"op":"deflected","channel":"help","seq":4})"));
  EXPECT_EQ(d.channel, "help");
  EXPECT_EQ(d.seq, 4u);
  EXPECT_TRUE(failed_with(parse(R"({"op":"deflected","id":1,"channel":"help","seq":0})"), kBad,
                          R"("seq")", "1"));
  EXPECT_TRUE(command<SearchCmd>(parse(R"({"op":"search","query":"q","match":"any"})")).any);
  EXPECT_FALSE(command<SearchCmd>(parse(R"({"op":"search","query":"q","match":"all"})")).any);
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","match":"most"})"), kBad,
                          R"("match" must be "all" or "any")", "1"));
}

TEST(ParseFurtherOps, SetPreferences) {
  EXPECT_EQ(command<SetPreferencesCmd>(parse(R"({"op":"set_preferences","kb_anonymous":true})"))
                .kb_anonymous,
            true);
  EXPECT_EQ(command<SetPreferencesCmd>(parse(R"({"op":"set_preferences","kb_anonymous":false})"))
                .kb_anonymous,
            false);
  EXPECT_TRUE(failed_with(parse(R"({"op":"set_preferences","id":1})"), kBad,
                          R"("kb_anonymous" or "email" is required)", "1"));
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"set_preferences","id":1,"kb_anonymous":null,"email":null})"),
                  kBad, R"("kb_anonymous" or "email" is required)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"set_preferences","id":1,"kb_anonymous":1})"), kBad,
                          R"("kb_anonymous" must be true or false)", "1"));
  // email: off, batched or digest; kb_anonymous left out stays unset (kept as stored).
  for (auto [text, pref] :
       {std::pair{"off", EmailPref::off}, std::pair{"batched", EmailPref::batched},
        std::pair{"digest", EmailPref::digest}}) {
    auto c = command<SetPreferencesCmd>(
        parse(std::string(R"({"op":"set_preferences","email":")") + text + R"("})"));
    EXPECT_EQ(c.email, pref) << text;
    EXPECT_FALSE(c.kb_anonymous.has_value());
  }
  auto both = command<SetPreferencesCmd>(
      parse(R"({"op":"set_preferences","kb_anonymous":true,"email":"off"})"));
  EXPECT_EQ(both.kb_anonymous, true);
  EXPECT_EQ(both.email, EmailPref::off);
  EXPECT_TRUE(failed_with(parse(R"({"op":"set_preferences","id":1,"email":"weekly"})"), kBad,
                          R"("email" must be "off", "batched" or "digest")", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"set_preferences","id":1,"email":"Digest"})"), kBad,
                          R"("email" must be "off", "batched" or "digest")", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"set_preferences","id":1,"email":true})"), kBad,
                          R"("email" must be a string)", "1"));
}

TEST(ParseFurtherOps, ChannelPublishSetting) {
  auto c = command<CreateChannelCmd>(
      parse(R"({"op":"create_channel","channel":"faq","kind":"support","publish":false})"));
  EXPECT_EQ(c.publish, false);
  EXPECT_FALSE(command<CreateChannelCmd>(parse(R"({"op":"create_channel","channel":"faq"})"))
                   .publish.has_value());
  // update_channel: publish alone is a change; with a title both change; neither is an error.
  auto u = command<UpdateChannelCmd>(
      parse(R"({"op":"update_channel","channel":"help","publish":true})"));
  EXPECT_EQ(u.publish, true);
  EXPECT_TRUE(u.title.empty());
  auto both = command<UpdateChannelCmd>(
      parse(R"({"op":"update_channel","channel":"help","publish":false,"title":"Help"})"));
  EXPECT_EQ(both.publish, false);
  EXPECT_EQ(both.title, "Help");
  EXPECT_TRUE(failed_with(parse(R"({"op":"update_channel","id":2,"channel":"help"})"), kBad,
                          R"("title" is required)", "2"));
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"update_channel","id":2,"channel":"help","publish":"no"})"), kBad,
                  R"("publish" must be true or false)", "2"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"create_channel","id":3,"channel":"x","publish":0})"),
                          kBad, R"("publish" must be true or false)", "3"));
}

// --- Knowledge ---

TEST(ParseFurtherOps, Search) {
  const auto c = command<SearchCmd>(parse(
      R"({"op":"search","id":3,"query":"arc \"amber light\" is:solved","channel":"help","solved":true,"limit":50,"cursor":"20"})"));
  EXPECT_EQ(c.query, "arc \"amber light\" is:solved");
  EXPECT_EQ(c.channel, "help");
  EXPECT_TRUE(c.solved);
  EXPECT_EQ(c.limit, 50u);
  EXPECT_EQ(c.cursor, "20");
  const auto d = command<SearchCmd>(parse(R"({"op":"search","query":"x","channel":null})"));
  EXPECT_FALSE(d.channel.has_value());
  EXPECT_FALSE(d.solved);
  EXPECT_EQ(d.limit, 20u);  // the default
  EXPECT_TRUE(d.cursor.empty());
  // The query's own rules (empty, too long, filters) are the index's: any string passes here.
  EXPECT_EQ(command<SearchCmd>(parse(R"({"op":"search","query":""})")).query, "");
  EXPECT_EQ(command<SearchCmd>(parse(R"({"op":"search","query":"in:dm:a:b"})")).query, "in:dm:a:b");
}

TEST(ParseFurtherOps, SearchRefusesBadFields) {
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":7})"), kBad, R"("query")", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","limit":0})"), kBad,
                          R"("limit" must be an integer from 1 to 50)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","limit":51})"), kBad,
                          R"("limit" must be an integer from 1 to 50)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","limit":2.5})"), kBad,
                          R"("limit")", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","solved":"yes"})"), kBad,
                          R"("solved" must be true or false)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","channel":"Bad!"})"), kBad,
                          "invalid channel name", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","cursor":""})"), kBad,
                          R"("cursor" is not a cursor this server gave)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"search","id":1,"query":"q","cursor":5})"), kBad,
                          R"("cursor")", "1"));
}

TEST(ParseFurtherOps, PublicOnlyOpsRefuseDmChannels) {
  for (std::string_view f : {
           R"({"op":"slow_mode","id":7,"channel":"dm:alice:bob","interval_s":5})",
           R"({"op":"lock","id":7,"channel":"dm:alice:bob","locked":true})",
           R"({"op":"create_channel","id":7,"channel":"dm:alice:bob"})",
           R"({"op":"archive_channel","id":7,"channel":"dm:alice:bob"})",
           R"({"op":"update_channel","id":7,"channel":"dm:alice:bob","title":"T"})",
           R"({"op":"add_member","id":7,"channel":"dm:alice:bob","user":"carol"})",
           R"({"op":"remove_member","id":7,"channel":"dm:alice:bob","user":"carol"})",
       }) {
    EXPECT_TRUE(failed_with(parse(f), kBad, "invalid channel name", "7")) << f;
  }
}

TEST(ParseFurtherOps, MessageOpsAcceptDmChannels) {
  for (std::string_view f : {
           R"({"op":"edit","channel":"dm:alice:bob","seq":1,"text":"t"})",
           R"({"op":"delete","channel":"dm:alice:bob","seq":1})",
           R"({"op":"react","channel":"dm:alice:bob","seq":1,"emoji":"x"})",
           R"({"op":"unreact","channel":"dm:alice:bob","seq":1,"emoji":"x"})",
           R"({"op":"report","channel":"dm:alice:bob","seq":1,"reason":"r"})",
           R"({"op":"kick","channel":"dm:alice:bob","user":"u"})",
           R"({"op":"mute","channel":"dm:alice:bob","user":"u"})",
           R"({"op":"helpful","channel":"dm:alice:bob","seq":1})",
           R"({"op":"solve","channel":"dm:alice:bob","seq":1})",
       }) {
    const ParseResult r = parse(f);
    EXPECT_TRUE(r.ok()) << f << ": " << (r.failure ? r.failure->error.message : "");
  }
}

TEST(ParseFurtherOps, FieldsOfOtherOpsAreIgnored) {
  EXPECT_TRUE(
      parse(R"({"op":"delete","channel":"a","seq":1,"text":5,"emoji":[],"user":":"})").ok());
  EXPECT_TRUE(parse(R"({"op":"kick","channel":"a","user":"u","seq":-1,"locked":"x"})").ok());
  EXPECT_TRUE(parse(R"({"op":"ban","user":"u","channel":"NOT VALID"})").ok());
  EXPECT_TRUE(parse(R"({"op":"set_advocate","user":"u","advocate":true,"title":7})").ok());
}

TEST(ParseFurtherOps, NewFieldsAreDuplicateChecked) {
  EXPECT_TRUE(
      failed_with(parse(R"({"id":7,"op":"lock","channel":"a","locked":true,"locked":false})"), kBad,
                  R"(duplicate field "locked")", "7"));
  EXPECT_TRUE(failed_with(
      parse(R"({"id":7,"op":"set_advocate","user":"u","advocate":null,"advocate":true})"), kBad,
      R"(duplicate field "advocate")", "7"));
  // Even on an op that does not read the field.
  EXPECT_TRUE(failed_with(parse(R"({"id":7,"op":"ping","seq":1,"seq":2})"), kBad,
                          R"(duplicate field "seq")", "7"));
}

TEST(ParseFurtherOps, StringIdIsEchoedOnFailure) {
  EXPECT_TRUE(failed_with(parse(R"({"op":"lock","id":"l-1","channel":"a"})"), kBad,
                          R"("locked" is required)", R"("l-1")"));
}

TEST(ParseFurtherOps, EveryPrefixFailsCleanly) {
  const std::string frames[] = {
      R"({"op":"resolve_report","id":"r","report_id":3,"action":"uphold","remove":true,)"
      R"("mute_s":60})",
      R"({"op":"set_advocate","id":1,"user":"u","advocate":null})",
      R"({"op":"react","channel":"help","seq":2,"emoji":"👍🏽"})"};
  for (const std::string& frame : frames) {
    ASSERT_TRUE(parse(frame).ok()) << frame;
    for (std::size_t n = 0; n < frame.size(); ++n) {
      const ParseResult r = parse(std::string_view(frame).substr(0, n));
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.failure->error.code, kBad) << frame.substr(0, n);
    }
  }
}

}  // namespace
}  // namespace parley::protocol
