// parse_request() for the further operations of DESIGN §2 that change messages, moderate and
// administer channels, and the advocacy marks: every field accepted (ParseFurtherOps.*).
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

}  // namespace
}  // namespace parley::protocol
