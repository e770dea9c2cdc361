// Black-box chat behaviour over real WebSockets against build/bin/parleyd.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "harness.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

class ChatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data",
        std::vector<std::string>{"--durability", "fast", "--config", fast_config(dir_.path)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer") {
    auto c = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(c->auth(server_->token(user, role))) << user;
    return c;
  }
  static json::object send_msg(Client& c, const std::string& ch, const std::string& text,
                               const std::string& cmid) {
    return c.request({{"op", "send"}, {"channel", ch}, {"text", text}, {"client_msg_id", cmid}});
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ChatTest, WelcomeDescribesUserAndProtocol) {
  Client c(server_->port());
  c.send({{"op", "auth"}, {"token", server_->token("alice", "staff", "Alice A")}, {"id", "a1"}});
  auto w = c.next();
  ASSERT_TRUE(w);
  EXPECT_EQ(str(w->at("op")), "welcome");
  EXPECT_EQ(str(w->at("id")), "a1");
  EXPECT_EQ(num(w->at("protocol")), 1);
  EXPECT_EQ(str(w->at("server")).rfind("parley/", 0), 0u);
  auto& u = w->at("user").as_object();
  EXPECT_EQ(str(u.at("id")), "alice");
  EXPECT_EQ(str(u.at("name")), "Alice A");
  EXPECT_EQ(str(u.at("role")), "staff");
}

TEST_F(ChatTest, TwoClientsChatInAChannel) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto ja = alice->request({{"op", "join"}, {"channel", "general"}});
  ASSERT_EQ(str(ja.at("op")), "ok") << json::serialize(ja);
  EXPECT_EQ(num(ja.at("last_seq")), 0);
  EXPECT_EQ(str(ja.at("kind")), "chat");
  ASSERT_EQ(str(bob->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");

  auto ack = send_msg(*alice, "general", "hello \"bob\" \u00e9\u2603", "m1");
  ASSERT_EQ(str(ack.at("op")), "ok") << json::serialize(ack);
  EXPECT_EQ(num(ack.at("seq")), 1);
  EXPECT_GT(num(ack.at("ts")), 1600000000000);

  auto got = bob->messages("general", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(num(got[0].at("seq")), 1);
  EXPECT_EQ(str(got[0].at("text")), "hello \"bob\" \u00e9\u2603");
  EXPECT_EQ(str(got[0].at("from").as_object().at("id")), "alice");
  EXPECT_EQ(str(got[0].at("from").as_object().at("role")), "customer");
  EXPECT_EQ(got[0].at("from").as_object().at("advocate").as_bool(), false);
  EXPECT_EQ(num(got[0].at("ts")), num(ack.at("ts")));

  auto ack2 = bob->request({{"op", "send"},
                            {"channel", "general"},
                            {"text", "hi alice"},
                            {"client_msg_id", "b1"},
                            {"reply_to", 1}});
  ASSERT_EQ(str(ack2.at("op")), "ok");
  EXPECT_EQ(num(ack2.at("seq")), 2);
  auto back = alice->messages("general", 2);  // her own message comes back too
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(num(back[1].at("seq")), 2);
  EXPECT_EQ(num(back[1].at("reply_to")), 1);
  EXPECT_FALSE(back[0].contains("reply_to"));
}

TEST_F(ChatTest, RepeatedClientMsgIdReturnsOriginalAckAndStoresNothing) {
  auto alice = connect("alice");
  auto a1 = send_msg(*alice, "help", "question?", "same-id");
  auto a2 = send_msg(*alice, "help", "question?", "same-id");
  ASSERT_EQ(str(a1.at("op")), "ok");
  ASSERT_EQ(str(a2.at("op")), "ok");
  EXPECT_EQ(num(a1.at("seq")), num(a2.at("seq")));
  EXPECT_EQ(num(a1.at("ts")), num(a2.at("ts")));
  // Another user may use the same client_msg_id: it is scoped per user.
  auto bob = connect("bob");
  auto b1 = send_msg(*bob, "help", "mine", "same-id");
  EXPECT_EQ(num(b1.at("seq")), 2);
  auto h = alice->request({{"op", "history"}, {"channel", "help"}});
  ASSERT_EQ(str(h.at("op")), "ok");
  EXPECT_EQ(h.at("messages").as_array().size(), 2u);
}

TEST_F(ChatTest, DirectMessagesArePrivate) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto carol = connect("carol");
  auto ack =
      alice->request({{"op", "dm"}, {"to", "bob"}, {"text", "psst"}, {"client_msg_id", "d1"}});
  ASSERT_EQ(str(ack.at("op")), "ok") << json::serialize(ack);
  std::string ch = str(ack.at("channel"));
  EXPECT_EQ(ch, "dm:alice:bob");
  EXPECT_EQ(num(ack.at("seq")), 1);
  // Bob gets it live without having joined anything.
  auto got = bob->messages(ch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0].at("text")), "psst");
  // Bob can read and answer in the conversation.
  EXPECT_EQ(str(bob->request({{"op", "history"}, {"channel", ch}}).at("op")), "ok");
  auto reply = send_msg(*bob, ch, "hey", "d2");
  EXPECT_EQ(num(reply.at("seq")), 2);
  // A dm may answer an earlier message of the conversation; a later one is refused, not stored.
  auto threaded = alice->request(
      {{"op", "dm"}, {"to", "bob"}, {"text", "re: hey"}, {"client_msg_id", "d4"}, {"reply_to", 2}});
  ASSERT_EQ(str(threaded.at("op")), "ok") << json::serialize(threaded);
  auto echoed = bob->wait_for([](const json::object& o) {
    return str(o.at("op")) == "message" && str(o.at("text")) == "re: hey";
  });
  ASSERT_TRUE(echoed);
  EXPECT_EQ(num(echoed->at("reply_to")), 2);
  auto bad = alice->request(
      {{"op", "dm"}, {"to", "bob"}, {"text", "x"}, {"client_msg_id", "d5"}, {"reply_to", 99}});
  EXPECT_EQ(str(bad.at("code")), "not_found") << json::serialize(bad);
  EXPECT_EQ(str(bad.at("message")), "reply_to names no message in \"dm:alice:bob\"");
  // Carol can do none of it.
  for (auto frame :
       {json::object{{"op", "join"}, {"channel", ch}},
        json::object{{"op", "join"}, {"channel", ch}, {"since", 0}},
        json::object{{"op", "history"}, {"channel", ch}},
        json::object{{"op", "send"}, {"channel", ch}, {"text", "x"}, {"client_msg_id", "c1"}},
        json::object{{"op", "typing"}, {"channel", ch}}}) {
    auto r = carol->request(frame);
    EXPECT_EQ(str(r.at("op")), "error") << json::serialize(r);
    EXPECT_EQ(str(r.at("code")), "forbidden") << json::serialize(r);
  }
  // And she never received a message of it.
  carol->request({{"op", "ping"}});
  for (auto& o : carol->seen()) EXPECT_NE(str(o.at("op")), "message");
  // Self-DM is refused.
  auto self =
      alice->request({{"op", "dm"}, {"to", "alice"}, {"text", "me"}, {"client_msg_id", "d3"}});
  EXPECT_EQ(str(self.at("code")), "bad_request");
}

TEST_F(ChatTest, HistoryPagesBackwards) {
  auto alice = connect("alice");
  for (int i = 1; i <= 250; ++i) {
    alice->send({{"op", "send"},
                 {"channel", "general"},
                 {"text", "m" + std::to_string(i)},
                 {"client_msg_id", "h" + std::to_string(i)},
                 {"id", 100000 + i}});
  }
  int acks = 0;
  while (acks < 250) {
    auto o = alice->next();
    ASSERT_TRUE(o);
    if (str(o->at("op")) == "ok") ++acks;
    ASSERT_NE(str(o->at("op")), "error") << json::serialize(*o);
  }
  auto page = [&](std::optional<int> before) {
    json::object f{{"op", "history"}, {"channel", "general"}, {"limit", 100}};
    if (before) f["before"] = *before;
    return alice->request(f);
  };
  auto check = [](const json::object& p, int first, int last, bool more) {
    ASSERT_EQ(str(p.at("op")), "ok") << json::serialize(p);
    auto& msgs = p.at("messages").as_array();
    ASSERT_EQ(static_cast<int>(msgs.size()), last - first + 1);
    for (int i = 0; i < static_cast<int>(msgs.size()); ++i) {
      EXPECT_EQ(num(msgs[i].as_object().at("seq")), first + i);
      EXPECT_EQ(str(msgs[i].as_object().at("text")), "m" + std::to_string(first + i));
    }
    EXPECT_EQ(p.at("has_more").as_bool(), more);
  };
  check(page(std::nullopt), 151, 250, true);
  check(page(151), 51, 150, true);
  check(page(51), 1, 50, false);
  // limit above 100 is clamped to 100
  auto big = alice->request({{"op", "history"}, {"channel", "general"}, {"limit", 500}});
  EXPECT_EQ(big.at("messages").as_array().size(), 100u);
}

TEST_F(ChatTest, ResumeWithSinceHasNoGapAndNoDuplicate) {
  auto bob = connect("bob");
  ASSERT_EQ(str(bob->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  auto alice = connect("alice");
  for (int i = 1; i <= 20; ++i)
    send_msg(*alice, "general", "a" + std::to_string(i), "a" + std::to_string(i));
  auto first = bob->messages("general", 20);
  ASSERT_EQ(first.size(), 20u);
  std::int64_t last_seen = num(first.back().at("seq"));
  ASSERT_EQ(last_seen, 20);
  bob->ws().abort();  // the phone goes into a tunnel

  // Alice keeps sending from another thread while Bob reconnects and resumes.
  const int kMore = 400;
  std::string sender_error;  // written by the sender thread, read after it is joined
  std::thread sender([&] {
    Client c(server_->port());
    if (!c.auth(server_->token("alice"))) {
      sender_error = "alice could not authenticate";
      return;
    }
    // At most 32 unacknowledged sends, as a client does: however slow the server (a sanitizer
    // build on a busy machine), no send waits behind hundreds of others.
    constexpr int kWindow = 32;
    int acks = 0;
    auto await_ack = [&] {
      while (true) {
        auto o = c.next(std::chrono::seconds(30));
        if (!o) {
          sender_error = "no ack within 30 s after " + std::to_string(acks) + " acks";
          return false;
        }
        if (str(o->at("op")) == "error") {
          sender_error = "error frame: " + boost::json::serialize(*o);
          return false;
        }
        if (str(o->at("op")) == "ok") return ++acks, true;
      }
    };
    for (int i = 21; i <= 20 + kMore; ++i) {
      if (i - 21 - acks >= kWindow && !await_ack()) return;
      c.send({{"op", "send"},
              {"channel", "general"},
              {"text", "a" + std::to_string(i)},
              {"client_msg_id", "a" + std::to_string(i)}});
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    while (acks < kMore) {
      if (!await_ack()) return;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto bob2 = connect("bob");
  auto ok = bob2->request({{"op", "join"}, {"channel", "general"}, {"since", last_seen}});
  ASSERT_EQ(str(ok.at("op")), "ok");
  auto rest = bob2->messages("general", kMore, std::chrono::seconds(30));
  sender.join();
  ASSERT_EQ(sender_error, "");
  ASSERT_EQ(rest.size(), static_cast<std::size_t>(kMore));
  for (int i = 0; i < kMore; ++i) {
    EXPECT_EQ(num(rest[i].at("seq")), last_seen + 1 + i) << "at " << i;
    EXPECT_EQ(str(rest[i].at("text")), "a" + std::to_string(last_seen + 1 + i));
  }
  // Nothing more arrives: no duplicates after the stream caught up.
  bob2->request({{"op", "ping"}});
  std::size_t count = 0;
  for (auto& o : bob2->seen()) count += str(o.at("op")) == "message";
  EXPECT_EQ(count, static_cast<std::size_t>(kMore));
}

TEST_F(ChatTest, JoinSinceZeroReplaysEverythingThenLive) {
  auto alice = connect("alice");
  for (int i = 1; i <= 600; ++i) {  // more than one replay chunk
    alice->send({{"op", "send"},
                 {"channel", "help"},
                 {"text", "q" + std::to_string(i)},
                 {"client_msg_id", "q" + std::to_string(i)}});
  }
  for (int acks = 0; acks < 600;) {
    auto o = alice->next();
    ASSERT_TRUE(o);
    acks += str(o->at("op")) == "ok";
  }
  auto bob = connect("bob");
  auto ok = bob->request({{"op", "join"}, {"channel", "help"}, {"since", 0}});
  EXPECT_EQ(num(ok.at("last_seq")), 600);
  send_msg(*alice, "help", "live", "live1");
  auto all = bob->messages("help", 601, std::chrono::seconds(20));
  ASSERT_EQ(all.size(), 601u);
  for (int i = 0; i < 601; ++i) EXPECT_EQ(num(all[i].at("seq")), i + 1);
  EXPECT_EQ(str(all[600].at("text")), "live");
}

// A `since` beyond the channel's end (a store restored from a backup): the ok says since_reset,
// nothing is replayed, and the live messages that follow are delivered though their seq is
// within what the client claimed to have. Up to last_seq, or without since, no since_reset.
TEST_F(ChatTest, JoinSinceBeyondTheEndSaysSinceReset) {
  auto alice = connect("alice");
  for (int i = 1; i <= 3; ++i)
    send_msg(*alice, "help", "q" + std::to_string(i), "q" + std::to_string(i));
  auto bob = connect("bob");
  for (int since : {0, 2, 3}) {
    auto ok = bob->request({{"op", "join"}, {"channel", "help"}, {"since", since}});
    ASSERT_EQ(str(ok.at("op")), "ok");
    EXPECT_FALSE(ok.contains("since_reset")) << "since " << since;
  }
  EXPECT_FALSE(bob->request({{"op", "join"}, {"channel", "help"}}).contains("since_reset"));
  auto ok = bob->request({{"op", "join"}, {"channel", "help"}, {"since", 100}});
  ASSERT_EQ(str(ok.at("op")), "ok");
  EXPECT_EQ(num(ok.at("last_seq")), 3);
  EXPECT_TRUE(ok.at("since_reset").as_bool());
  send_msg(*alice, "help", "q4", "q4");
  auto live = bob->wait_for(
      [](const json::object& o) { return str(o.at("op")) == "message" && num(o.at("seq")) == 4; });
  ASSERT_TRUE(live);
  EXPECT_EQ(str(live->at("text")), "q4");
}

TEST_F(ChatTest, TypingPresenceAndPing) {
  auto alice = connect("alice");
  ASSERT_EQ(str(alice->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  // Sam (staff) makes Alice an advocate before Bob arrives.
  auto sam = connect("sam", "staff");
  ASSERT_EQ(
      str(sam->request({{"op", "set_advocate"}, {"user", "alice"}, {"advocate", true}}).at("op")),
      "ok");
  ASSERT_EQ(str(sam->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  auto bob = connect("bob");
  auto joined = bob->request({{"op", "join"}, {"channel", "general"}});
  ASSERT_EQ(str(joined.at("op")), "ok");
  // The join reply lists who is already here, with their role and advocate flag.
  auto& here = joined.at("online").as_array();
  ASSERT_EQ(here.size(), 3u);  // alice, bob himself, sam
  const std::vector<std::tuple<std::string, std::string, bool>> want{
      {"alice", "customer", true}, {"bob", "customer", false}, {"sam", "staff", false}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& u = here[i].as_object();
    EXPECT_EQ(str(u.at("id")), std::get<0>(want[i]));
    EXPECT_EQ(str(u.at("role")), std::get<1>(want[i]));
    EXPECT_EQ(u.at("advocate").as_bool(), std::get<2>(want[i]));
  }
  auto online = alice->wait_for([](const json::object& o) {
    return str(o.at("op")) == "presence" && str(o.at("user")) == "bob";
  });
  ASSERT_TRUE(online);
  EXPECT_EQ(str(online->at("state")), "online");
  EXPECT_EQ(str(online->at("channel")), "general");
  EXPECT_EQ(str(online->at("role")), "customer");
  EXPECT_FALSE(online->at("advocate").as_bool());
  auto staff_arrival = alice->wait_for([](const json::object& o) {
    return str(o.at("op")) == "presence" && str(o.at("user")) == "sam";
  });
  ASSERT_TRUE(staff_arrival);
  EXPECT_EQ(str(staff_arrival->at("role")), "staff");
  EXPECT_FALSE(staff_arrival->at("advocate").as_bool());

  EXPECT_EQ(str(bob->request({{"op", "typing"}, {"channel", "general"}}).at("op")), "ok");
  auto typing = alice->wait_for([](const json::object& o) { return str(o.at("op")) == "typing"; });
  ASSERT_TRUE(typing);
  EXPECT_EQ(str(typing->at("user")), "bob");

  auto pong = bob->request({{"op", "ping"}});
  EXPECT_EQ(str(pong.at("op")), "pong");
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "typing");  // not echoed to the typist

  EXPECT_EQ(str(bob->request({{"op", "leave"}, {"channel", "general"}}).at("op")), "ok");
  auto offline = alice->wait_for([](const json::object& o) {
    return str(o.at("op")) == "presence" && str(o.at("state")) == "offline";
  });
  ASSERT_TRUE(offline);
  EXPECT_EQ(str(offline->at("user")), "bob");
  // After leaving, Bob gets no more messages from the channel.
  send_msg(*alice, "general", "after leave", "al1");
  bob->request({{"op", "ping"}});
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "message");
}

TEST_F(ChatTest, FreshDataDirHasHelpAndGeneral) {
  auto alice = connect("alice");
  auto r = alice->request({{"op", "join"}, {"channel", "help"}});
  EXPECT_EQ(str(r.at("kind")), "support");
  ASSERT_TRUE(r.contains("epoch"));
  EXPECT_TRUE(r.at("epoch").is_int64() || r.at("epoch").is_uint64());
  EXPECT_EQ(str(alice->request({{"op", "join"}, {"channel", "general"}}).at("kind")), "chat");
  auto nf = alice->request({{"op", "join"}, {"channel", "nope"}});
  EXPECT_EQ(str(nf.at("code")), "not_found");
}

TEST_F(ChatTest, RestartKeepsHistoryAndSeq) {
  {
    auto alice = connect("alice");
    for (int i = 1; i <= 5; ++i)
      send_msg(*alice, "general", "r" + std::to_string(i), "r" + std::to_string(i));
  }
  EXPECT_EQ(server_->terminate(), 0) << server_->log();
  ASSERT_TRUE(server_->start()) << server_->log();
  auto alice = connect("alice");
  auto ack = send_msg(*alice, "general", "r6", "r6");
  EXPECT_EQ(num(ack.at("seq")), 6);
  // A send repeated after the restart is still recognised.
  auto again = send_msg(*alice, "general", "r3", "r3");
  EXPECT_EQ(num(again.at("seq")), 3);
  auto h = alice->request({{"op", "history"}, {"channel", "general"}});
  auto& msgs = h.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 6u);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(str(msgs[i].as_object().at("text")), "r" + std::to_string(i + 1));
}

}  // namespace
