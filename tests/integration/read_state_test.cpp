// Bringing people back (DESIGN §10), black-box against the real parleyd: read markers, the
// `channels` conversation list, `unread_total` in welcome, and mentions.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "harness.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

class ReadStateTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void start(const std::string& extra = "") {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data", std::vector<std::string>{"--durability", "fast", "--config",
                                                      fast_config(dir_.path, extra)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  void restart() {
    EXPECT_EQ(server_->terminate(), 0);
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data",
        std::vector<std::string>{"--durability", "fast", "--config", fast_config(dir_.path)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  // A connected client; `welcome` (when given) receives its welcome frame.
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer",
                                  json::object* welcome = nullptr) {
    auto c = std::make_unique<Client>(server_->port());
    c->send({{"op", "auth"}, {"token", server_->token(user, role)}});
    auto w = c->wait_for([](const json::object& o) { return str(o.at("op")) == "welcome"; });
    EXPECT_TRUE(w.has_value()) << user;
    if (w && welcome) *welcome = *w;
    return c;
  }
  static void join(Client& c, const std::string& channel) {
    expect_ok(c, {{"op", "join"}, {"channel", channel}});
  }
  // The `channels` entry for `name`, or an empty object when it is not listed.
  static json::object entry(Client& c, const std::string& name) {
    auto r = expect_ok(c, {{"op", "channels"}});
    for (const auto& v : r.at("channels").as_array()) {
      if (str(v.at("name")) == name) return v.as_object();
    }
    return {};
  }
  static std::set<std::string> mentions_of(const json::object& message) {
    std::set<std::string> out;
    if (!message.contains("mentions")) return out;
    for (const auto& v : message.at("mentions").as_array()) out.insert(str(v));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ReadStateTest, ReadInOneTabReachesTheOtherAndSurvivesARestart) {
  auto bob = connect("bob");
  auto tab1 = connect("alice");
  auto tab2 = connect("alice");
  join(*tab1, "general");
  for (int i = 0; i < 3; ++i) send_text(*bob, "general", "news " + std::to_string(i));
  auto e = entry(*tab1, "general");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(num(e.at("last_seq")), 3);
  EXPECT_EQ(num(e.at("last_read")), 0);  // joined before anything was posted
  EXPECT_EQ(num(e.at("unread")), 3);

  auto ok = expect_ok(*tab1, {{"op", "read"}, {"channel", "general"}, {"seq", 2}});
  EXPECT_EQ(num(ok.at("last_read")), 2);
  auto ev = tab2->wait_for([](const json::object& o) { return str(o.at("op")) == "read"; });
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(str(ev->at("channel")), "general");
  EXPECT_EQ(num(ev->at("seq")), 2);

  // Backwards changes nothing and tells nobody.
  ok = expect_ok(*tab2, {{"op", "read"}, {"channel", "general"}, {"seq", 1}});
  EXPECT_EQ(num(ok.at("last_read")), 2);
  EXPECT_EQ(num(entry(*tab2, "general").at("unread")), 1);
  for (const auto& seen : tab1->seen())
    EXPECT_NE(str(seen.at("op")), "read") << "the reader's own tab";

  restart();
  json::object welcome;
  auto again = connect("alice", "customer", &welcome);
  EXPECT_EQ(num(welcome.at("unread_total")), 1);
  e = entry(*again, "general");
  EXPECT_EQ(num(e.at("last_read")), 2);
  EXPECT_EQ(num(e.at("unread")), 1);
  EXPECT_EQ(str(e.at("last_message").at("text")), "news 2");
}

TEST_F(ReadStateTest, ADmIsListedForARecipientWhoNeverJoinedIt) {
  auto bob = connect("bob");
  expect_ok(*bob,
            {{"op", "dm"}, {"to", "alice"}, {"text", "are you there?"}, {"client_msg_id", "d1"}});
  json::object welcome;
  auto alice = connect("alice", "customer", &welcome);
  EXPECT_EQ(num(welcome.at("unread_total")), 1);
  auto e = entry(*alice, "dm:alice:bob");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(str(e.at("kind")), "dm");
  EXPECT_EQ(str(e.at("with")), "bob");
  EXPECT_EQ(num(e.at("unread")), 1);
  EXPECT_EQ(str(e.at("last_message").at("text")), "are you there?");
  // The sender has read their own message.
  auto mine = entry(*bob, "dm:alice:bob");
  EXPECT_EQ(str(mine.at("with")), "alice");
  EXPECT_EQ(num(mine.at("unread")), 0);
  // Answering moves the answerer's marker too.
  expect_ok(*alice, {{"op", "dm"}, {"to", "bob"}, {"text", "yes"}, {"client_msg_id", "d2"}});
  EXPECT_EQ(num(entry(*alice, "dm:alice:bob").at("unread")), 0);
  EXPECT_EQ(num(entry(*bob, "dm:alice:bob").at("unread")), 1);
}

TEST_F(ReadStateTest, AFirstJoinCountsThePastAsReadAndTheListIsNewestFirst) {
  auto bob = connect("bob");
  for (int i = 0; i < 5; ++i) send_text(*bob, "help", "old question " + std::to_string(i));
  send_text(*bob, "general", "newest of all");
  auto carol = connect("carol");
  join(*carol, "help");
  join(*carol, "general");
  auto r = expect_ok(*carol, {{"op", "channels"}});
  const auto& list = r.at("channels").as_array();
  ASSERT_EQ(list.size(), 2u) << json::serialize(r);
  EXPECT_EQ(str(list[0].at("name")), "general");  // the newest message
  EXPECT_EQ(str(list[1].at("name")), "help");
  EXPECT_EQ(num(list[1].at("last_read")), 5);
  EXPECT_EQ(num(list[1].at("unread")), 0);
  EXPECT_EQ(str(list[1].at("kind")), "support");
  // A channel never joined is not in the list.
  auto dave = connect("dave");
  EXPECT_TRUE(expect_ok(*dave, {{"op", "channels"}}).at("channels").as_array().empty());
}

TEST_F(ReadStateTest, BadReadsAreRefusedAndChangeNothing) {
  auto bob = connect("bob");
  auto alice = connect("alice");
  join(*alice, "general");
  send_text(*bob, "general", "one");
  auto r = alice->request({{"op", "read"}, {"channel", "general"}, {"seq", 2}});
  EXPECT_EQ(str(r.at("code")), "bad_request") << json::serialize(r);
  EXPECT_NE(str(r.at("message")).find("beyond"), std::string::npos);
  EXPECT_EQ(num(entry(*alice, "general").at("last_read")), 0);
  r = alice->request({{"op", "read"}, {"channel", "nowhere"}, {"seq", 1}});
  EXPECT_EQ(str(r.at("code")), "not_found");
  r = alice->request({{"op", "read"}, {"channel", "general"}});
  EXPECT_EQ(str(r.at("code")), "bad_request");
  r = alice->request({{"op", "read"}, {"channel", "general"}, {"seq", 0}});
  EXPECT_EQ(str(r.at("code")), "bad_request");
  expect_ok(*bob, {{"op", "dm"}, {"to", "carol"}, {"text", "psst"}, {"client_msg_id", "x"}});
  r = alice->request({{"op", "read"}, {"channel", "dm:bob:carol"}, {"seq", 1}});
  EXPECT_EQ(str(r.at("code")), "forbidden");
  auto stef = connect("stef", "staff");
  expect_ok(*stef, {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}});
  r = alice->request({{"op", "read"}, {"channel", "team"}, {"seq", 1}});
  EXPECT_EQ(str(r.at("code")), "forbidden");
  EXPECT_TRUE(entry(*alice, "dm:bob:carol").empty());
  EXPECT_TRUE(entry(*alice, "team").empty());
}

TEST_F(ReadStateTest, PrivateMembersAreListedAndLeaveTheListWhenRemoved) {
  auto stef = connect("stef", "staff");
  expect_ok(*stef, {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}});
  expect_ok(*stef, {{"op", "add_member"}, {"channel", "team"}, {"user", "stef"}});
  send_text(*stef, "team", "before mia");
  expect_ok(*stef, {{"op", "add_member"}, {"channel", "team"}, {"user", "mia"}});
  send_text(*stef, "team", "welcome mia");
  auto mia = connect("mia");
  auto e = entry(*mia, "team");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(num(e.at("last_read")), 1);  // what came before she was added counts as read
  EXPECT_EQ(num(e.at("unread")), 1);
  expect_ok(*stef, {{"op", "remove_member"}, {"channel", "team"}, {"user", "mia"}});
  EXPECT_TRUE(entry(*mia, "team").empty());
}

TEST_F(ReadStateTest, MentionsAreStoredValidatedCountedAndGoWithADelete) {
  auto carol = connect("carol");
  join(*carol, "general");
  auto bob = connect("bob");
  auto alice = connect("alice");
  join(*alice, "general");
  auto seq = send_text(*alice, "general",
                       "thanks @carol and @bob. and @nobody, mail me at alice@example.com, @alice");
  auto msgs = carol->messages("general", 1);
  ASSERT_EQ(msgs.size(), 1u);
  // Unknown users and the sender are not mentions; an address inside a word is not one.
  EXPECT_EQ(mentions_of(msgs[0]), (std::set<std::string>{"carol", "bob"}));
  auto e = entry(*carol, "general");
  EXPECT_EQ(num(e.at("unread")), 1);
  EXPECT_EQ(num(e.at("mentions")), 1);
  EXPECT_EQ(mentions_of(e.at("last_message").as_object()), (std::set<std::string>{"carol", "bob"}));
  // History carries them too.
  auto h = expect_ok(*carol, {{"op", "history"}, {"channel", "general"}});
  EXPECT_EQ(mentions_of(h.at("messages").as_array().back().as_object()),
            (std::set<std::string>{"carol", "bob"}));
  // Read past it: no more mentions counted.
  expect_ok(*carol, {{"op", "read"}, {"channel", "general"}, {"seq", seq}});
  EXPECT_EQ(num(entry(*carol, "general").at("mentions")), 0);
  // A mention that is deleted stops counting.
  auto seq2 = send_text(*alice, "general", "@carol look");
  EXPECT_EQ(num(entry(*carol, "general").at("mentions")), 1);
  expect_ok(*alice, {{"op", "delete"}, {"channel", "general"}, {"seq", seq2}});
  EXPECT_EQ(num(entry(*carol, "general").at("mentions")), 0);

  // In a private channel only members are mentioned.
  auto stef = connect("stef", "staff");
  expect_ok(*stef, {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}});
  expect_ok(*stef, {{"op", "add_member"}, {"channel", "team"}, {"user", "stef"}});
  expect_ok(*stef, {{"op", "add_member"}, {"channel", "team"}, {"user", "alice"}});
  join(*alice, "team");
  send_text(*stef, "team", "@alice and @carol, see this");
  auto team = alice->messages("team", 1);
  ASSERT_EQ(team.size(), 1u);
  EXPECT_EQ(mentions_of(team[0]), (std::set<std::string>{"alice"}));
}

TEST_F(ReadStateTest, AtHereIsForStaffAndRateLimited) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  join(*alice, "general");
  join(*bob, "general");
  auto stef = connect("stef", "staff");
  join(*stef, "general");
  send_text(*stef, "general", "@here the maintenance starts now");
  auto m = alice->messages("general", 1);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(mentions_of(m[0]), (std::set<std::string>{"alice", "bob"}));
  EXPECT_EQ(num(entry(*bob, "general").at("mentions")), 1);
  auto r = stef->request({{"op", "send"},
                          {"channel", "general"},
                          {"text", "@here again"},
                          {"client_msg_id", "here-2"}});
  EXPECT_EQ(str(r.at("code")), "rate_limited") << json::serialize(r);
  EXPECT_GT(num(r.at("retry_after_ms")), 0);
  // From a customer it is plain text.
  send_text(*alice, "general", "@here anyone?");
  m = bob->messages("general", 2);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FALSE(m[1].contains("mentions")) << json::serialize(m[1]);
}

TEST_F(ReadStateTest, FramesPipelinedBehindAuthRunAfterTheWelcome) {
  Client c(server_->port());
  c.send({{"op", "auth"}, {"token", server_->token("pip")}});
  c.send({{"op", "join"}, {"id", 1}, {"channel", "general"}});
  c.send({{"op", "ping"}, {"id", 2}});
  auto first = c.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(str(first->at("op")), "welcome");
  // Both ran (the join's ok comes from the reader pool, so the pong may come first).
  std::set<std::string> replies;
  for (int i = 0; i < 2; ++i) {
    auto r = c.next();
    ASSERT_TRUE(r.has_value());
    replies.insert(str(r->at("op")) + "#" + std::to_string(num(r->at("id"))));
  }
  EXPECT_EQ(replies, (std::set<std::string>{"ok#1", "pong#2"}));
}

}  // namespace
