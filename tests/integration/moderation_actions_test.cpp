// Mutes, bans, kicks, slow mode and locks, black-box over real sockets.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"
#include "moderation_fixture.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

TEST_F(ModerationTest, TimedMuteExpiresAndChannelMuteIsLocal) {
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto m = ok(*staff, {{"op", "mute"},
                       {"user", "bob"},
                       {"channel", "general"},
                       {"duration_s", 2},
                       {"reason", "cool down"}});
  EXPECT_GT(num(m.at("until")), 0);
  // Audited, and the audit entry is one structured line of the server log too.
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    const std::string log = server_->log();
    for (std::size_t at = log.find("event=audit"); at != std::string::npos && !logged;
         at = log.find("event=audit", at + 1)) {
      const std::string line = log.substr(at, log.find('\n', at) - at);
      logged = line.find(" action=mute actor=sam target_user=bob channel=general") !=
                   std::string::npos &&
               line.find(" reason=\"cool down\"") != std::string::npos &&
               line.find(" details=\"{\\\"duration_s\\\":2}\"") != std::string::npos;
    }
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(logged) << server_->log();
  auto r = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "x"}, {"client_msg_id", "b1"}});
  ASSERT_EQ(str(r.at("code")), "muted") << json::serialize(r);
  EXPECT_GT(num(r.at("retry_after_ms")), 0);
  EXPECT_LE(num(r.at("retry_after_ms")), 2000);
  EXPECT_NE(str(r.at("message")).find("cool down"), std::string::npos);
  post(*bob, "help", "elsewhere is fine");
  // Reacting is posting too.
  auto s = post(*staff, "general", "staff msg");
  EXPECT_EQ(str(bob->request({{"op", "react"}, {"channel", "general"}, {"seq", s}, {"emoji", "x"}})
                    .at("code")),
            "muted");
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  post(*bob, "general", "back");
  // A global mute covers DMs too; unmute lifts it.
  ok(*staff, {{"op", "mute"}, {"user", "bob"}});
  auto dm = bob->request({{"op", "dm"}, {"to", "sam"}, {"text", "hey"}, {"client_msg_id", "b2"}});
  EXPECT_EQ(str(dm.at("code")), "muted");
  EXPECT_FALSE(dm.contains("retry_after_ms"));  // indefinite
  ok(*staff, {{"op", "unmute"}, {"user", "bob"}});
  post(*bob, "general", "free again");
}

TEST_F(ModerationTest, BanClosesSessionsAndRefusesAuthUntilUnban) {
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto bob2 = connect("bob");
  ok(*staff, {{"op", "ban"}, {"user", "bob"}, {"reason", "spam"}});
  for (auto* c : {bob.get(), bob2.get()}) {
    auto e = c->wait_for([](const json::object& o) { return str(o.at("op")) == "error"; });
    ASSERT_TRUE(e);
    EXPECT_EQ(str(e->at("code")), "banned");
    for (int i = 0; i < 50 && !c->ws().closed(); ++i) c->next(std::chrono::milliseconds(100));
    EXPECT_EQ(c->ws().close_code(), 4403);
  }
  Client again(server_->port());
  again.send({{"op", "auth"}, {"token", server_->token("bob")}});
  auto e = again.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(str(e->at("code")), "banned");
  for (int i = 0; i < 50 && !again.ws().closed(); ++i) again.next(std::chrono::milliseconds(100));
  EXPECT_EQ(again.ws().close_code(), 4403);
  // Staff cannot ban staff; nobody can ban themselves.
  EXPECT_EQ(str(staff->request({{"op", "ban"}, {"user", "sam"}}).at("code")), "bad_request");
  auto other = connect("stef", "staff");
  EXPECT_EQ(str(staff->request({{"op", "ban"}, {"user", "stef"}}).at("code")), "forbidden");
  ok(*staff, {{"op", "unban"}, {"user", "bob"}});
  Client back(server_->port());
  EXPECT_TRUE(back.auth(server_->token("bob")));
  // Audit: ban, the enforcement at auth, unban.
  auto r = http(server_->port(), "GET", "/api/audit?limit=10", "", server_->token("boss", "admin"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> actions;
  auto audit = json::parse(r.body);
  for (auto& a : audit.as_object().at("entries").as_array()) {
    actions.push_back(str(a.as_object().at("action")));
  }
  ASSERT_GE(actions.size(), 3u);
  EXPECT_EQ(actions[0], "unban");
  EXPECT_EQ(actions[1], "ban_enforced");
  EXPECT_EQ(actions[2], "ban");
}

// A kick: the joined connections leave with `kicked` (the user's others hear nothing), and for
// kick_rejoin_s the user may neither join nor post there; reading history still works; then
// they may come back.
TEST_F(ModerationTest, KickKeepsTheUserOutForTheRejoinDelay) {
  start("kick_rejoin_s = 1\n");
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto bob2 = connect("bob");  // never joins general
  auto carol = connect("carol");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  ok(*carol, {{"op", "join"}, {"channel", "general"}});
  auto r = ok(*staff, {{"op", "kick"}, {"user", "bob"}, {"channel", "general"}});
  EXPECT_EQ(num(r.at("rejoin_after_ms")), 1000);
  auto k = bob->wait_for([](const json::object& o) { return str(o.at("op")) == "kicked"; });
  ASSERT_TRUE(k);
  EXPECT_EQ(str(k->at("channel")), "general");
  EXPECT_EQ(str(k->at("by")), "sam");
  EXPECT_EQ(num(k->at("rejoin_after_ms")), 1000);
  auto off = carol->wait_for([](const json::object& o) {
    return str(o.at("op")) == "presence" && str(o.at("user")) == "bob" &&
           str(o.at("state")) == "offline";
  });
  EXPECT_TRUE(off);
  post(*staff, "general", "after kick");
  bob2->request({{"op", "ping"}});
  for (auto& o : bob2->seen()) EXPECT_NE(str(o.at("op")), "kicked") << "bob2 never joined general";
  bob->request({{"op", "ping"}});
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "message");

  auto again = bob2->request({{"op", "join"}, {"channel", "general"}});
  EXPECT_EQ(str(again.at("code")), "forbidden") << json::serialize(again);
  EXPECT_EQ(str(again.at("message")), "you were kicked from this channel");
  EXPECT_GT(num(again.at("retry_after_ms")), 0);
  EXPECT_LE(num(again.at("retry_after_ms")), 1000);
  auto send = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "hi"}, {"client_msg_id", "k1"}});
  EXPECT_EQ(str(send.at("code")), "forbidden") << json::serialize(send);
  ok(*bob, {{"op", "history"}, {"channel", "general"}});
  // Other channels are not affected.
  ok(*bob, {{"op", "join"}, {"channel", "help"}});
  // After the delay: back (a bounded poll, no fixed sleep).
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto j = bob->request({{"op", "join"}, {"channel", "general"}});
    back = str(j.at("op")) == "ok";
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back);
  post(*bob, "general", "I am back");
}

TEST_F(ModerationTest, KickWithoutDelayAndSlowModeAndLock) {
  start("kick_rejoin_s = 0\n");
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  auto r = ok(*staff, {{"op", "kick"}, {"user", "bob"}, {"channel", "general"}});
  EXPECT_FALSE(r.contains("rejoin_after_ms"));
  auto k = bob->wait_for([](const json::object& o) { return str(o.at("op")) == "kicked"; });
  ASSERT_TRUE(k);
  EXPECT_EQ(str(k->at("channel")), "general");
  EXPECT_FALSE(k->contains("rejoin_after_ms"));
  post(*staff, "general", "after kick");
  bob->request({{"op", "ping"}});
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "message");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});  // kick_rejoin_s = 0: may come back at once

  auto sm = ok(*staff, {{"op", "slow_mode"}, {"channel", "general"}, {"interval_s", 60}});
  EXPECT_EQ(num(sm.at("slow_mode_s")), 60);
  auto upd =
      bob->wait_for([](const json::object& o) { return str(o.at("op")) == "channel_updated"; });
  ASSERT_TRUE(upd);
  EXPECT_EQ(num(upd->at("slow_mode_s")), 60);
  post(*bob, "general", "one");
  auto two = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "two"}, {"client_msg_id", "s2"}});
  EXPECT_EQ(str(two.at("code")), "slow_mode");
  EXPECT_GT(num(two.at("retry_after_ms")), 50000);
  post(*staff, "general", "staff is exempt");
  post(*staff, "general", "twice");
  ok(*staff, {{"op", "slow_mode"}, {"channel", "general"}, {"interval_s", 0}});

  ok(*staff, {{"op", "lock"}, {"channel", "general"}, {"locked", true}});
  auto locked = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "x"}, {"client_msg_id", "l1"}});
  EXPECT_EQ(str(locked.at("code")), "forbidden");
  post(*staff, "general", "staff may post while locked");
  ok(*staff, {{"op", "lock"}, {"channel", "general"}, {"locked", false}});
  post(*bob, "general", "unlocked");
}

}  // namespace
