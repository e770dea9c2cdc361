// parse_request() for the further operations of DESIGN §2 (message lifecycle, moderation,
// channel administration, advocacy): every field accepted, every rule refused.
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

constexpr ErrorCode kBad = ErrorCode::bad_request;
constexpr ErrorCode kBig = ErrorCode::too_large;

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// --- Message lifecycle ---

TEST(ParseFurtherOps, Edit) {
  const ParseResult r =
      parse(R"({"op":"edit","id":"e1","channel":"help","seq":12,"text":"  fixed \u00e9\n"})");
  const auto c = command<EditCmd>(r);
  EXPECT_EQ(c.channel, "help");
  EXPECT_EQ(c.seq, 12u);
  EXPECT_EQ(c.text, "  fixed \xC3\xA9\n");  // kept exactly, like send
  EXPECT_EQ(r.request->id_json, R"("e1")");
  EXPECT_EQ(op_name(r.request->cmd), "edit");
  EXPECT_EQ(command<EditCmd>(parse(R"({"op":"edit","channel":"dm:alice:bob","seq":1,"text":"x"})"))
                .channel,
            "dm:alice:bob");
  EXPECT_EQ(command<EditCmd>(
                parse(R"({"op":"edit","channel":"a","seq":18446744073709551615,"text":"x"})"))
                .seq,
            18446744073709551615u);
}

TEST(ParseFurtherOps, EditTextFollowsSendLimits) {
  ParseLimits limits;
  limits.max_text_chars = 3;
  const auto frame = [](std::string_view text) {
    return R"({"op":"edit","id":1,"channel":"a","seq":1,"text":")" + std::string(text) + "\"}";
  };
  EXPECT_EQ(
      command<EditCmd>(parse(frame("\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), limits))
          .text.size(),
      12u);
  EXPECT_TRUE(failed_with(parse(frame("abcd"), limits), kBig, R"("text" is longer than 3)", "1"));
  EXPECT_TRUE(parse(frame(std::string(4000, 'x'))).ok());
  EXPECT_TRUE(failed_with(parse(frame(std::string(4001, 'x'))), kBig, R"("text")", "1"));
}

TEST(ParseFurtherOps, Delete) {
  const auto c = command<DeleteCmd>(parse(R"({"op":"delete","id":2,"channel":"general","seq":1})"));
  EXPECT_EQ(c.channel, "general");
  EXPECT_EQ(c.seq, 1u);
}

TEST(ParseFurtherOps, ReactAndUnreact) {
  const ParseResult r = parse(R"({"op":"react","channel":"help","seq":4,"emoji":"👍"})");
  const auto c = command<ReactCmd>(r);
  EXPECT_EQ(c.channel, "help");
  EXPECT_EQ(c.seq, 4u);
  EXPECT_EQ(c.emoji, "\xF0\x9F\x91\x8D");
  EXPECT_TRUE(c.add);
  EXPECT_EQ(op_name(r.request->cmd), "react");

  const ParseResult u = parse(R"({"op":"unreact","channel":"help","seq":4,"emoji":"👍"})");
  const auto d = command<ReactCmd>(u);
  EXPECT_FALSE(d.add);
  EXPECT_EQ(d.emoji, "\xF0\x9F\x91\x8D");
  EXPECT_EQ(op_name(u.request->cmd), "unreact");
}

TEST(ParseFurtherOps, EmojiAccepted) {
  const std::string valid[] = {
      "\xE2\x9D\xA4\xEF\xB8\x8F",  // red heart + VS16
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",  // ZWJ family
      "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7",                                          // flag
      "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",  // thumbs up, skin tone
      "+1",
      ":tada:",
      "\xE2\x9C\x93",
      repeat("\xF0\x9F\x98\x80", 8),  // exactly 32 bytes
      std::string(32, 'x'),
  };
  for (const std::string& e : valid) {
    const ParseResult r = parse(R"({"op":"react","channel":"a","seq":1,"emoji":")" + e + "\"}");
    EXPECT_EQ(command<ReactCmd>(r).emoji, e) << e;
  }
}

TEST(ParseFurtherOps, Report) {
  const ParseResult r =
      parse(R"({"op":"report","id":3,"channel":"general","seq":9,"reason":" spam\nlinks "})");
  const auto c = command<ReportCmd>(r);
  EXPECT_EQ(c.channel, "general");
  EXPECT_EQ(c.seq, 9u);
  EXPECT_EQ(c.reason, " spam\nlinks ");
  EXPECT_EQ(command<ReportCmd>(parse(R"({"op":"report","channel":"dm:a:b","seq":1,"reason":"x"})"))
                .channel,
            "dm:a:b");
}

TEST(ParseFurtherOps, ReportReasonCountsCodePoints) {
  const auto frame = [](const std::string& reason) {
    return R"({"op":"report","id":7,"channel":"a","seq":1,"reason":")" + reason + "\"}";
  };
  for (std::string_view ch : {"a", "\xC3\xA9", "\xF0\x9F\x98\x80"}) {
    EXPECT_EQ(command<ReportCmd>(parse(frame(repeat(ch, 500)))).reason.size(), 500 * ch.size());
    EXPECT_TRUE(failed_with(parse(frame(repeat(ch, 501))), kBig,
                            R"("reason" is longer than 500 characters)", "7"));
  }
}

// --- Staff: reports and moderation ---

TEST(ParseFurtherOps, ResolveReportUphold) {
  const auto c = command<ResolveReportCmd>(parse(
      R"({"op":"resolve_report","report_id":5,"action":"uphold","remove":true,"mute_s":3600})"));
  EXPECT_EQ(c.report_id, 5u);
  EXPECT_TRUE(c.uphold);
  EXPECT_TRUE(c.remove);
  EXPECT_EQ(c.mute_s, 3600u);

  const auto d = command<ResolveReportCmd>(
      parse(R"({"op":"resolve_report","report_id":1,"action":"uphold"})"));
  EXPECT_TRUE(d.uphold);
  EXPECT_FALSE(d.remove);
  EXPECT_EQ(d.mute_s, 0u);

  const auto e = command<ResolveReportCmd>(parse(
      R"({"op":"resolve_report","report_id":1,"action":"uphold","remove":false,"mute_s":0})"));
  EXPECT_FALSE(e.remove);
  EXPECT_EQ(e.mute_s, 0u);
  EXPECT_EQ(
      command<ResolveReportCmd>(parse(R"({"op":"resolve_report","report_id":1,"action":"uphold",)"
                                      R"("mute_s":315360000})"))
          .mute_s,
      315360000u);
}

TEST(ParseFurtherOps, ResolveReportDismiss) {
  const auto c = command<ResolveReportCmd>(
      parse(R"({"op":"resolve_report","report_id":18446744073709551615,"action":"dismiss"})"));
  EXPECT_EQ(c.report_id, 18446744073709551615u);
  EXPECT_FALSE(c.uphold);
  EXPECT_FALSE(c.remove);
  EXPECT_EQ(c.mute_s, 0u);
  // null means absent, so it does not clash with dismiss.
  EXPECT_TRUE(parse(R"({"op":"resolve_report","report_id":2,"action":"dismiss",)"
                    R"("remove":null,"mute_s":null})")
                  .ok());
}

TEST(ParseFurtherOps, MuteAndUnmute) {
  const ParseResult r = parse(
      R"({"op":"mute","id":8,"user":"bob@x.io","channel":"help","duration_s":600,"reason":"flood"})");
  const auto c = command<MuteCmd>(r);
  EXPECT_EQ(c.user, "bob@x.io");
  EXPECT_EQ(c.channel, "help");
  EXPECT_EQ(c.duration_s, 600u);
  EXPECT_EQ(c.reason, "flood");
  EXPECT_TRUE(c.on);
  EXPECT_EQ(op_name(r.request->cmd), "mute");

  // Everywhere, until unmuted, no reason.
  for (std::string_view f : {R"({"op":"mute","user":"bob"})",
                             R"({"op":"mute","user":"bob","channel":null,"duration_s":null,)"
                             R"("reason":null})"}) {
    const auto d = command<MuteCmd>(parse(f));
    EXPECT_EQ(d.channel, "") << f;
    EXPECT_EQ(d.duration_s, 0u) << f;
    EXPECT_EQ(d.reason, "") << f;
  }
  EXPECT_EQ(command<MuteCmd>(parse(R"({"op":"mute","user":"b","channel":"dm:a:b"})")).channel,
            "dm:a:b");
  EXPECT_EQ(
      command<MuteCmd>(parse(R"({"op":"mute","user":"b","duration_s":315360000})")).duration_s,
      315360000u);
  // The reason is optional and may be empty or blank; it is kept as sent.
  EXPECT_EQ(command<MuteCmd>(parse(R"({"op":"mute","user":"b","reason":""})")).reason, "");
  EXPECT_EQ(command<MuteCmd>(parse(R"({"op":"mute","user":"b","reason":" \n"})")).reason, " \n");

  const ParseResult u = parse(R"({"op":"unmute","user":"bob","channel":"help"})");
  const auto d = command<MuteCmd>(u);
  EXPECT_FALSE(d.on);
  EXPECT_EQ(d.user, "bob");
  EXPECT_EQ(d.channel, "help");
  EXPECT_EQ(op_name(u.request->cmd), "unmute");
}

TEST(ParseFurtherOps, MuteAndBanReasonLimit) {
  for (std::string_view op : {"mute", "ban"}) {
    const auto frame = [op](const std::string& reason) {
      return R"({"op":")" + std::string(op) + R"(","id":7,"user":"u","reason":")" + reason + "\"}";
    };
    EXPECT_TRUE(parse(frame(repeat("\xC3\xA9", 500))).ok()) << op;
    EXPECT_TRUE(failed_with(parse(frame(repeat("\xC3\xA9", 501))), kBig,
                            R"("reason" is longer than 500 characters)", "7"))
        << op;
  }
}

TEST(ParseFurtherOps, UnmuteAndUnbanIgnoreDurationAndReason) {
  // Like any member an op does not use: not even its type is checked.
  const std::string long_reason = repeat("x", 600);
  for (std::string_view op : {"unmute", "unban"}) {
    const std::string f = R"({"op":")" + std::string(op) +
                          R"(","user":"bob","duration_s":-5,"reason":")" + long_reason + "\"}";
    const ParseResult r = parse(f);
    ASSERT_TRUE(r.ok()) << op << ": " << r.failure->error.message;
    EXPECT_EQ(op_name(r.request->cmd), op);
    EXPECT_TRUE(parse(R"({"op":")" + std::string(op) + R"(","user":"b","reason":5})").ok());
  }
  EXPECT_EQ(command<MuteCmd>(parse(R"({"op":"unmute","user":"b","duration_s":9})")).duration_s, 0u);
}

TEST(ParseFurtherOps, BanAndUnban) {
  const ParseResult r =
      parse(R"({"op":"ban","id":9,"user":"troll","duration_s":86400,"reason":"abuse"})");
  const auto c = command<BanCmd>(r);
  EXPECT_EQ(c.user, "troll");
  EXPECT_EQ(c.duration_s, 86400u);
  EXPECT_EQ(c.reason, "abuse");
  EXPECT_TRUE(c.on);
  EXPECT_EQ(op_name(r.request->cmd), "ban");
  const auto d = command<BanCmd>(parse(R"({"op":"ban","user":"troll"})"));
  EXPECT_EQ(d.duration_s, 0u);
  EXPECT_EQ(d.reason, "");

  const ParseResult u = parse(R"({"op":"unban","user":"troll"})");
  EXPECT_FALSE(command<BanCmd>(u).on);
  EXPECT_EQ(command<BanCmd>(u).user, "troll");
  EXPECT_EQ(op_name(u.request->cmd), "unban");
}

TEST(ParseFurtherOps, Kick) {
  const auto c = command<KickCmd>(parse(R"({"op":"kick","user":"bob","channel":"general"})"));
  EXPECT_EQ(c.user, "bob");
  EXPECT_EQ(c.channel, "general");
}

TEST(ParseFurtherOps, SlowMode) {
  for (std::uint32_t s : {0u, 1u, 30u, 86400u}) {
    const auto c = command<SlowModeCmd>(parse(R"({"op":"slow_mode","channel":"general",)"
                                              R"("interval_s":)" +
                                              std::to_string(s) + "}"));
    EXPECT_EQ(c.channel, "general");
    EXPECT_EQ(c.interval_s, s);
  }
}

TEST(ParseFurtherOps, Lock) {
  EXPECT_TRUE(command<LockCmd>(parse(R"({"op":"lock","channel":"news","locked":true})")).locked);
  const auto c = command<LockCmd>(parse(R"({"op":"lock","channel":"news","locked":false})"));
  EXPECT_EQ(c.channel, "news");
  EXPECT_FALSE(c.locked);
}

// --- Staff: channels ---

TEST(ParseFurtherOps, CreateChannel) {
  const auto c = command<CreateChannelCmd>(
      parse(R"({"op":"create_channel","channel":"faq","kind":"support","title":"FAQ \u2753"})"));
  EXPECT_EQ(c.channel, "faq");
  EXPECT_EQ(c.kind, ChannelKind::support);
  EXPECT_EQ(c.title, "FAQ \xE2\x9D\x93");

  for (std::string_view f : {R"({"op":"create_channel","channel":"x"})",
                             R"({"op":"create_channel","channel":"x","kind":null,"title":null})"}) {
    const auto d = command<CreateChannelCmd>(parse(f));
    EXPECT_EQ(d.kind, ChannelKind::chat) << f;
    EXPECT_EQ(d.title, "") << f;
  }
  const std::pair<std::string_view, ChannelKind> kinds[] = {{"support", ChannelKind::support},
                                                            {"chat", ChannelKind::chat},
                                                            {"announce", ChannelKind::announce},
                                                            {"private", ChannelKind::private_}};
  for (const auto& [name, kind] : kinds) {
    EXPECT_EQ(command<CreateChannelCmd>(parse(R"({"op":"create_channel","channel":"x","kind":")" +
                                              std::string(name) + "\"}"))
                  .kind,
              kind)
        << name;
  }
}

TEST(ParseFurtherOps, TitleLimitCountsCodePoints) {
  for (std::string_view op : {"create_channel", "update_channel"}) {
    const auto frame = [op](const std::string& title) {
      return R"({"op":")" + std::string(op) + R"(","id":7,"channel":"c","title":")" + title + "\"}";
    };
    for (std::string_view ch : {"t", "\xC3\xA9", "\xF0\x9F\x98\x80"}) {
      EXPECT_TRUE(parse(frame(repeat(ch, 100))).ok()) << op;
      EXPECT_TRUE(failed_with(parse(frame(repeat(ch, 101))), kBig,
                              R"("title" is longer than 100 characters)", "7"))
          << op;
    }
    // Inner and surrounding spaces are fine; the title is kept as sent.
    EXPECT_TRUE(parse(frame(" Help  desk ")).ok());
  }
}

TEST(ParseFurtherOps, ArchiveChannel) {
  EXPECT_TRUE(
      command<ArchiveChannelCmd>(parse(R"({"op":"archive_channel","channel":"old"})")).archived);
  EXPECT_TRUE(command<ArchiveChannelCmd>(
                  parse(R"({"op":"archive_channel","channel":"old","archived":null})"))
                  .archived);
  EXPECT_TRUE(command<ArchiveChannelCmd>(
                  parse(R"({"op":"archive_channel","channel":"old","archived":true})"))
                  .archived);
  const auto c = command<ArchiveChannelCmd>(
      parse(R"({"op":"archive_channel","channel":"old","archived":false})"));
  EXPECT_EQ(c.channel, "old");
  EXPECT_FALSE(c.archived);
}

TEST(ParseFurtherOps, UpdateChannel) {
  const auto c = command<UpdateChannelCmd>(
      parse(R"({"op":"update_channel","channel":"help","title":"Help & support"})"));
  EXPECT_EQ(c.channel, "help");
  EXPECT_EQ(c.title, "Help & support");
}

TEST(ParseFurtherOps, AddAndRemoveMember) {
  const ParseResult r = parse(R"({"op":"add_member","channel":"vip","user":"carol"})");
  const auto c = command<MemberCmd>(r);
  EXPECT_EQ(c.channel, "vip");
  EXPECT_EQ(c.user, "carol");
  EXPECT_TRUE(c.add);
  EXPECT_EQ(op_name(r.request->cmd), "add_member");
  const ParseResult u = parse(R"({"op":"remove_member","channel":"vip","user":"carol"})");
  EXPECT_FALSE(command<MemberCmd>(u).add);
  EXPECT_EQ(command<MemberCmd>(u).user, "carol");
  EXPECT_EQ(op_name(u.request->cmd), "remove_member");
}

// --- Advocacy ---

TEST(ParseFurtherOps, HelpfulAndSolve) {
  const auto h = command<HelpfulCmd>(parse(R"({"op":"helpful","channel":"help","seq":3})"));
  EXPECT_EQ(h.channel, "help");
  EXPECT_EQ(h.seq, 3u);
  const auto s = command<SolveCmd>(parse(R"({"op":"solve","channel":"help","seq":4})"));
  EXPECT_EQ(s.channel, "help");
  EXPECT_EQ(s.seq, 4u);
  EXPECT_FALSE(s.credit);
  EXPECT_FALSE(
      command<SolveCmd>(parse(R"({"op":"solve","channel":"help","seq":4,"credit":null})")).credit);
}

TEST(ParseFurtherOps, Unsolve) {
  const auto u = command<UnsolveCmd>(parse(R"({"op":"unsolve","channel":"help","seq":3})"));
  EXPECT_EQ(u.channel, "help");
  EXPECT_EQ(u.seq, 3u);
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"unsolve","channel":"help"})"), kBad, R"("seq" is required)"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"unsolve","seq":1})"), kBad, R"("channel" is required)"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"unsolve","channel":"help","seq":0})"), kBad, R"("seq")"));
}

TEST(ParseFurtherOps, SolveWithCredit) {
  const auto s = command<SolveCmd>(
      parse(R"({"op":"solve","channel":"help","seq":9,"credit":{"channel":"faq","seq":2}})"));
  ASSERT_TRUE(s.credit);
  EXPECT_EQ(s.credit->channel, "faq");
  EXPECT_EQ(s.credit->seq, 2u);
  for (const char* credit :
       {R"(5)", R"("help:2")", R"([])", R"({"channel":"help"})", R"({"seq":2})",
        R"({"channel":"help","seq":"2"})", R"({"channel":"help","seq":-2})",
        R"({"channel":"help","seq":2.5})", R"({"channel":7,"seq":2})"}) {
    EXPECT_TRUE(failed_with(
        parse(std::string(R"({"op":"solve","channel":"help","seq":9,"credit":)") + credit + "}"),
        kBad, R"("credit" must be {channel, seq})"))
        << credit;
  }
  EXPECT_TRUE(failed_with(
      parse(R"({"op":"solve","channel":"help","seq":9,"credit":{"channel":"dm:a:b","seq":2}})"),
      kBad, R"("credit" names an invalid channel)"));
  EXPECT_TRUE(failed_with(
      parse(R"({"op":"solve","channel":"help","seq":9,"credit":{"channel":"help","seq":0}})"), kBad,
      R"("credit" needs a positive seq)"));
}

TEST(ParseFurtherOps, SetAdvocateTrueFalseNull) {
  const auto t =
      command<SetAdvocateCmd>(parse(R"({"op":"set_advocate","user":"dana","advocate":true})"));
  EXPECT_EQ(t.user, "dana");
  EXPECT_EQ(t.advocate, std::optional<bool>(true));
  EXPECT_EQ(command<SetAdvocateCmd>(parse(R"({"op":"set_advocate","user":"d","advocate":false})"))
                .advocate,
            std::optional<bool>(false));
  // Here null is a value: back to automatic.
  const ParseResult n = parse(R"({"op":"set_advocate","user":"d","advocate":null})");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(command<SetAdvocateCmd>(n).advocate.has_value());
}

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

// --- Every rule, refused: code, message and the echoed id ---

struct Case {
  const char* frame;  // every frame carries "id":7 so the echo is checked too
  ErrorCode code;
  const char* message_part;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.frame; }

class FurtherOpsFailure : public ::testing::TestWithParam<Case> {};

TEST_P(FurtherOpsFailure, FailsWithCodeMessageAndId) {
  const Case& c = GetParam();
  EXPECT_TRUE(failed_with(parse(c.frame), c.code, c.message_part, "7"));
}

INSTANTIATE_TEST_SUITE_P(
    Lifecycle, FurtherOpsFailure,
    ::testing::Values(
        // edit
        Case{R"({"id":7,"op":"edit","seq":1,"text":"t"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"edit","channel":5,"seq":1,"text":"t"})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"edit","channel":"Help","seq":1,"text":"t"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"edit","channel":"dm:bob:alice","seq":1,"text":"t"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"edit","channel":"a","text":"t"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":null,"text":"t"})", kBad,
             R"("seq" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":0,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":-1,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1.0,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":"1","text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":true,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1})", kBad, R"("text" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":["t"]})", kBad,
             R"("text" must be a string)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":""})", kBad, R"("text" is empty)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":" \u200b\n"})", kBad,
             R"("text" is empty)"},
        // delete
        Case{R"({"id":7,"op":"delete","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"delete","channel":"a b","seq":1})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"delete","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"delete","channel":"a","seq":0})", kBad,
             R"("seq" must be a positive integer)"},
        // react / unreact
        Case{R"({"id":7,"op":"react","seq":1,"emoji":"x"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","emoji":"x"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":0,"emoji":"x"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1})", kBad, R"("emoji" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":null})", kBad,
             R"("emoji" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":5})", kBad,
             R"("emoji" must be a string)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":""})", kBad,
             R"("emoji" must be 1-32 bytes)"},
        Case{
            R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})",
            kBad, R"("emoji" must be 1-32 bytes)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,)"
             R"("emoji":"😀😀😀😀😀😀😀😀a"})",
             kBad, R"("emoji" must be 1-32 bytes)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":" "})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"👍 "})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\t"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"a\nb"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u0000"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u001b"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"x\u007f"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u0085"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u009f"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u2028"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"👍\u2029"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"unreact","channel":"a","seq":1})", kBad, R"("emoji" is required)"},
        Case{R"({"id":7,"op":"unreact","channel":"a","seq":1,"emoji":"a b"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"unreact","channel":"A","seq":1,"emoji":"x"})", kBad,
             "invalid channel name"},
        // report
        Case{R"({"id":7,"op":"report","seq":1,"reason":"r"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","reason":"r"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":-2,"reason":"r"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1})", kBad, R"("reason" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":null})", kBad,
             R"("reason" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":false})", kBad,
             R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":""})", kBad,
             R"("reason" is empty)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":" \t\u3000\ufeff"})", kBad,
             R"("reason" is empty)"}));

INSTANTIATE_TEST_SUITE_P(
    Moderation, FurtherOpsFailure,
    ::testing::Values(
        // resolve_report
        Case{R"({"id":7,"op":"resolve_report","action":"uphold"})", kBad,
             R"("report_id" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":0,"action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":"4","action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":4.5,"action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1})", kBad, R"("action" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":null})", kBad,
             R"("action" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":true})", kBad,
             R"("action" must be a string)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"Uphold"})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":""})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"delete"})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","remove":1})", kBad,
             R"("remove" must be true or false)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","remove":"true"})",
             kBad, R"("remove" must be true or false)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":-1})", kBad,
             R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold",)"
             R"("mute_s":315360001})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":60.5})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":"60"})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":true})",
             kBad, "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":false})",
             kBad, "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","mute_s":60})", kBad,
             "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","mute_s":0})", kBad,
             "remove and mute_s only apply to uphold"},
        // A type error is reported as such, before the clash with dismiss.
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":"x"})",
             kBad, R"("remove" must be true or false)"},
        // mute / unmute
        Case{R"({"id":7,"op":"mute"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"mute","user":null})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"mute","user":42})", kBad, R"("user" must be a string)"},
        Case{R"({"id":7,"op":"mute","user":""})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"a b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":5})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":""})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":"Help"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":-1})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":315360001})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":18446744073709551615})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":1.5})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":"60"})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","reason":5})", kBad, R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"unmute"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"unmute","user":"a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"unmute","user":"u","channel":"#x"})", kBad, "invalid channel name"},
        // ban / unban
        Case{R"({"id":7,"op":"ban"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"ban","user":["u"]})", kBad, R"("user" must be a string)"},
        Case{R"({"id":7,"op":"ban","user":"dm:a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"ban","user":"u","duration_s":-60})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"ban","user":"u","duration_s":315360001})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"ban","user":"u","reason":{}})", kBad, R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"unban"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"unban","user":7})", kBad, R"("user" must be a string)"},
        // kick
        Case{R"({"id":7,"op":"kick","channel":"a"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"kick","user":"b\u00e9","channel":"a"})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"kick","user":"u"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"kick","user":"u","channel":"-a"})", kBad, "invalid channel name"},
        // slow_mode
        Case{R"({"id":7,"op":"slow_mode","interval_s":5})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"A","interval_s":5})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a"})", kBad, R"("interval_s" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":null})", kBad,
             R"("interval_s" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":-1})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":86401})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":4294967326})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":2.0})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":"10"})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":false})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        // lock
        Case{R"({"id":7,"op":"lock","locked":true})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a.B","locked":true})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"lock","channel":"a"})", kBad, R"("locked" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":null})", kBad,
             R"("locked" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":1})", kBad,
             R"("locked" must be true or false)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":"true"})", kBad,
             R"("locked" must be true or false)"}));

INSTANTIATE_TEST_SUITE_P(
    Channels, FurtherOpsFailure,
    ::testing::Values(
        // create_channel
        Case{R"({"id":7,"op":"create_channel"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"create_channel","channel":1})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"Help"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"create_channel","channel":"dm:a:b"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":5})", kBad,
             R"("kind" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"dm"})", kBad,
             R"("kind" must be "support", "chat", "announce" or "private")"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"Support"})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":""})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"private_"})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":5})", kBad,
             R"("title" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":""})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"  "})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"\u200b\u00a0"})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\nb"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\tb"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u0000"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u007f"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u0085"})", kBad,
             R"("title" must not contain control characters)"},
        // archive_channel
        Case{R"({"id":7,"op":"archive_channel"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"archive_channel","channel":"dm:a:b"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"archive_channel","channel":"c","archived":"no"})", kBad,
             R"("archived" must be true or false)"},
        Case{R"({"id":7,"op":"archive_channel","channel":"c","archived":0})", kBad,
             R"("archived" must be true or false)"},
        // update_channel
        Case{R"({"id":7,"op":"update_channel","title":"T"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"dm:a:b","title":"T"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"update_channel","channel":"c"})", kBad, R"("title" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":null})", kBad,
             R"("title" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":["T"]})", kBad,
             R"("title" must be a string)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":""})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":"\r\n"})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":"x\u001b[31m"})", kBad,
             R"("title" must not contain control characters)"},
        // add_member / remove_member
        Case{R"({"id":7,"op":"add_member","user":"u"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"add_member","channel":"dm:a:b","user":"u"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"add_member","channel":"c"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"add_member","channel":"c","user":1})", kBad,
             R"("user" must be a string)"},
        Case{R"({"id":7,"op":"add_member","channel":"c","user":"a:b"})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"remove_member","channel":"c"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"remove_member","channel":"C","user":"u"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"remove_member","channel":"c","user":""})", kBad,
             R"("user" must be a valid user id)"}));

INSTANTIATE_TEST_SUITE_P(
    Advocacy, FurtherOpsFailure,
    ::testing::Values(
        // helpful / solve
        Case{R"({"id":7,"op":"helpful","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"helpful","channel":"H","seq":1})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"helpful","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"helpful","channel":"a","seq":0})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"solve","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"solve","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"solve","channel":"a","seq":"3"})", kBad,
             R"("seq" must be a positive integer)"},
        // set_advocate
        Case{R"({"id":7,"op":"set_advocate","advocate":true})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"set_advocate","user":"a:b","advocate":true})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u"})", kBad,
             R"("advocate" is required (true, false or null))"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":"true"})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":1})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":0})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":[]})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":{}})", kBad,
             R"("advocate" must be true, false or null)"}));

}  // namespace
}  // namespace parley::protocol
