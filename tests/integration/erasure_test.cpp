// DELETE /api/users/ID (admin; DESIGN §12), black-box: the user's texts are gone from history,
// search, knowledge pages and exports, their name is "Deleted user" everywhere, read markers and
// preferences go, the reports lose their words, the audit log says who erased whom (and holds
// no erased text); others' data stays; tokens issued before the erasure are refused; and a
// kill -9 midway is finished by the restarted server.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"
#include "parley/protocol/jwt.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

constexpr const char* kGone = "Deleted user";

// Polls GET /api/users/USER until its erasure is done (bounded: 60 s); the last body.
json::object wait_erased(const ServerProcess& server, const std::string& user) {
  json::object last;
  for (int i = 0; i < 1200; ++i) {
    auto r = http(server.port(), "GET", "/api/users/" + user, "", server.token("root", "admin"));
    if (r.status == 200) {
      last = json::parse(r.body).as_object();
      if (last.contains("erasure") && str(last.at("erasure").at("status")) == "done") return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "the erasure of " << user << " never finished: " << json::serialize(last);
  return last;
}

// Polls GET `path` (as `token`) until `pred` holds for the result (bounded: 20 s).
HttpResult wait_http(const ServerProcess& server, const std::string& path, const std::string& token,
                     const std::function<bool(const HttpResult&)>& pred) {
  HttpResult r;
  for (int i = 0; i < 400; ++i) {
    r = http(server.port(), "GET", path, "", token);
    if (pred(r)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << path << ": never as expected; last " << r.status << " " << r.body.substr(0, 400);
  return r;
}

// A token with an `iat`, which the harness's tokens lack.
std::string token_issued_at(const ServerProcess& server, const std::string& user,
                            std::int64_t iat) {
  parley::protocol::Claims c;
  c.sub = user;
  c.name = "Ann Again";
  c.iat = iat;
  c.exp = iat + 3600;
  return parley::protocol::jwt_sign(c, server.secret());
}

TEST(Erasure, TheUsersDataGoesEverywhereAndOthersStays) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path,
                                    "[search]\nper_connection_per_min = 1000000\n"
                                    "anonymous_per_ip_per_min = 1000000\n")});
  ASSERT_TRUE(server.start()) << server.log();
  const std::string admin = server.token("root", "admin");
  Client ann(server.port());
  ASSERT_TRUE(ann.auth(server.token("ann", "customer", "Ann Example")));
  Client bob(server.port());
  ASSERT_TRUE(bob.auth(server.token("bob", "customer", "Bob")));
  expect_ok(bob, {{"op", "join"}, {"channel", "general"}});

  // Ann's question, answered by Bob and solved; Bob's question, answered by Ann and solved.
  auto q1 = send_text(ann, "help", "How do I reset the zorblax lamp?");
  auto a1 = send_text(bob, "help", "Hold the button for ten seconds.", q1);
  expect_ok(ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a1}});
  auto q2 = send_text(bob, "help", "Where is the quietmode switch?");
  auto a2 = send_text(ann, "help", "Under the quuxplate on the back.", q2);
  expect_ok(bob, {{"op", "solve"}, {"channel", "help"}, {"seq", a2}});
  // An edited message (its `edited` change carries the text), a reaction on it, a DM each way,
  // a report each way, a preference.
  auto g1 = send_text(ann, "general", "first draft wibblesecret");
  expect_ok(
      ann,
      {{"op", "edit"}, {"channel", "general"}, {"seq", g1}, {"text", "second draft wobblesecret"}});
  expect_ok(bob, {{"op", "react"}, {"channel", "general"}, {"seq", g1}, {"emoji", "👍"}});
  auto b1 = send_text(bob, "general", "bob stays here");
  expect_ok(
      ann,
      {{"op", "dm"}, {"to", "bob"}, {"text", "ann's private dmsecret"}, {"client_msg_id", "d1"}});
  expect_ok(
      bob, {{"op", "dm"}, {"to", "ann"}, {"text", "bob's private reply"}, {"client_msg_id", "d2"}});
  expect_ok(
      ann,
      {{"op", "report"}, {"channel", "general"}, {"seq", b1}, {"reason", "ann's reasonsecret"}});
  expect_ok(bob,
            {{"op", "report"}, {"channel", "general"}, {"seq", g1}, {"reason", "bob's reason"}});
  expect_ok(ann, {{"op", "set_preferences"}, {"kb_anonymous", true}});
  wait_http(server, "/api/search?q=zorblax", admin,
            [](const HttpResult& r) { return r.body.find("zorblax") != std::string::npos; });
  wait_http(server, "/kb/help/" + std::to_string(q2), "",
            [](const HttpResult& r) { return r.status == 200; });

  // Only an admin; a bad id is 404.
  EXPECT_EQ(
      http(server.port(), "DELETE", "/api/users/ann", "", server.token("sam", "staff")).status,
      403);
  EXPECT_EQ(http(server.port(), "DELETE", "/api/users/ann", "", server.token("ann")).status, 403);
  EXPECT_EQ(http(server.port(), "DELETE", "/api/users/ann", "").status, 401);
  EXPECT_EQ(http(server.port(), "DELETE", "/api/users/nobody", "", admin).status, 404);
  EXPECT_EQ(http(server.port(), "DELETE", "/api/users/bad:id", "", admin).status, 404);

  auto del = http(server.port(), "DELETE", "/api/users/ann", "", admin);
  ASSERT_EQ(del.status, 202) << del.body;
  auto accepted = json::parse(del.body).as_object();
  EXPECT_EQ(str(accepted.at("user")), "ann");
  EXPECT_EQ(str(accepted.at("erasure").at("by")), "root");
  const std::int64_t started = num(accepted.at("erasure").at("started"));
  // Her session is closed, refused like a bad token.
  auto refused = ann.wait_for([](const json::object& o) { return str(o.at("op")) == "error"; });
  ASSERT_TRUE(refused);
  EXPECT_EQ(str(refused->at("code")), "unauthorized");

  auto user = wait_erased(server, "ann");
  EXPECT_EQ(str(user.at("name")), kGone);
  EXPECT_EQ(str(user.at("erasure").at("by")), "root");
  EXPECT_EQ(num(user.at("erasure").at("started")), started);
  EXPECT_GE(num(user.at("erasure").at("finished")), started);

  // Bob, who was in #general, saw her message deleted.
  auto gone = bob.wait_for([&](const json::object& o) {
    return str(o.at("op")) == "deleted" && str(o.at("channel")) == "general" &&
           num(o.at("seq")) == g1;
  });
  EXPECT_TRUE(gone);

  // History: her messages are tombstones under "Deleted user"; Bob's are intact.
  auto history = [&](const std::string& channel) {
    auto r = bob.request({{"op", "history"}, {"channel", channel}, {"limit", 50}});
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    std::vector<json::object> out;
    for (const auto& m : r.at("messages").as_array()) out.push_back(m.as_object());
    return out;
  };
  std::size_t hers = 0;
  for (const std::string ch : {"help", "general", "dm:ann:bob"}) {
    for (const auto& m : history(ch)) {
      const auto& from = m.at("from").as_object();
      if (str(from.at("id")) == "ann") {
        ++hers;
        EXPECT_TRUE(m.contains("deleted")) << json::serialize(m);
        EXPECT_EQ(str(from.at("name")), kGone);
        EXPECT_FALSE(m.contains("text") && !str(m.at("text")).empty()) << json::serialize(m);
        EXPECT_FALSE(m.contains("reactions")) << json::serialize(m);
      } else {
        EXPECT_FALSE(m.contains("deleted")) << json::serialize(m);
      }
    }
  }
  EXPECT_EQ(hers, 4u);  // two in help, one in general, one DM
  EXPECT_EQ(str(history("dm:ann:bob").back().at("text")), "bob's private reply");

  // Search and knowledge pages: her words are gone; the thread she asked is gone (410), the
  // one she answered has no accepted answer any more (404).
  wait_http(server, "/api/search?q=zorblax", admin, [](const HttpResult& r) {
    return r.status == 200 && r.body.find("zorblax") == std::string::npos;
  });
  wait_http(server, "/api/search?q=quuxplate", admin, [](const HttpResult& r) {
    return r.status == 200 && r.body.find("quuxplate") == std::string::npos;
  });
  EXPECT_EQ(http(server.port(), "GET", "/kb/help/" + std::to_string(q1), "").status, 410);
  EXPECT_EQ(http(server.port(), "GET", "/kb/help/" + std::to_string(q2), "").status, 404);
  auto feed = http(server.port(), "GET", "/kb/help/feed.atom", "");
  EXPECT_EQ(feed.body.find("zorblax"), std::string::npos);
  EXPECT_EQ(feed.body.find("quuxplate"), std::string::npos);

  // Exports: neither the channel's (messages and change log) nor hers holds any of it.
  for (const std::string path :
       {"/api/admin/export?channel=general", "/api/admin/export?channel=help",
        "/api/admin/export?channel=dm:ann:bob", "/api/users/ann/export"}) {
    auto r = http(server.port(), "GET", path, "", admin);
    ASSERT_EQ(r.status, 200) << path;
    for (const std::string secret : {"wibblesecret", "wobblesecret", "zorblax", "quuxplate",
                                     "dmsecret", "reasonsecret", "Ann Example"}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos) << path << " still holds " << secret;
    }
  }
  auto own = http(server.port(), "GET", "/api/users/ann/export", "", admin);
  EXPECT_NE(own.body.find(R"("kb_anonymous":false)"), std::string::npos) << own.body;
  EXPECT_NE(http(server.port(), "GET", "/api/admin/export?channel=general", "", admin)
                .body.find("bob stays here"),
            std::string::npos);

  // Reports: the one she filed has no reason, the one against her no text; both remain.
  auto reports = http(server.port(), "GET", "/api/reports?status=open", "", admin);
  ASSERT_EQ(reports.status, 200);
  EXPECT_EQ(reports.body.find("reasonsecret"), std::string::npos) << reports.body;
  EXPECT_EQ(reports.body.find("wobblesecret"), std::string::npos) << reports.body;
  EXPECT_NE(reports.body.find("bob's reason"), std::string::npos) << reports.body;

  // The audit log: who erased whom, once, and none of her text anywhere in it.
  auto audit = http(server.port(), "GET", "/api/audit?limit=100", "", admin);
  EXPECT_NE(audit.body.find(R"("actor":"root","action":"erase_user","target_user":"ann")"),
            std::string::npos)
      << audit.body;
  for (const std::string secret :
       {"wibblesecret", "wobblesecret", "zorblax", "dmsecret", "reasonsecret"}) {
    EXPECT_EQ(audit.body.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(server.log().find("event=erasure_done user=ann messages=4"), std::string::npos)
      << server.log();

  // Her old tokens are refused, over WebSocket and HTTP; one issued since the erasure began
  // starts afresh.
  Client old(server.port());
  EXPECT_FALSE(old.auth(server.token("ann")));
  EXPECT_EQ(http(server.port(), "GET", "/api/users/ann/export", "", server.token("ann")).status,
            401);
  Client fresh(server.port());
  ASSERT_TRUE(fresh.auth(token_issued_at(server, "ann", started / 1000)));
  EXPECT_EQ(str(fresh.request({{"op", "history"}, {"channel", "general"}}).at("op")), "ok");

  // Again: idempotent, a new erasure of what there is now.
  auto again = http(server.port(), "DELETE", "/api/users/ann", "", admin);
  EXPECT_EQ(again.status, 202) << again.body;
  auto after = wait_erased(server, "ann");
  EXPECT_EQ(str(after.at("name")), kGone);
  EXPECT_GE(num(after.at("erasure").at("started")), started);
}

// A kill -9 while an erasure runs: the restarted server resumes it and finishes it.
TEST(Erasure, AKill9MidwayIsFinishedAfterRestart) {
  TempDir dir;
  const std::string data = dir.path + "/data";
  const auto cfg = fast_config(dir.path);
  auto server = std::make_unique<ServerProcess>(
      data, std::vector<std::string>{"--durability", "fast", "--config", cfg});
  ASSERT_TRUE(server->start()) << server->log();
  constexpr int kMessages = 20000;
  {
    Client ann(server->port());
    ASSERT_TRUE(ann.auth(server->token("ann")));
    ASSERT_EQ(send_pipelined(ann, kMessages,
                             [](int i) {
                               return json::object{{"op", "send"},
                                                   {"channel", i % 2 ? "general" : "help"},
                                                   {"text", "ann says " + std::to_string(i)},
                                                   {"client_msg_id", "m" + std::to_string(i)}};
                             }),
              kMessages);
    Client bob(server->port());
    ASSERT_TRUE(bob.auth(server->token("bob")));
    send_text(bob, "general", "bob's own");
  }
  Client probe(server->port());
  ASSERT_TRUE(probe.auth(server->token("sam", "staff")));
  auto del = http(server->port(), "DELETE", "/api/users/ann", "", server->token("root", "admin"));
  ASSERT_EQ(del.status, 202) << del.body;
  // Let it get going (#general, the first channel, erased from seq 1 up; #help not yet), then
  // kill it: as soon as Ann's first message (seq 1 of #general) is a tombstone. The probe reads
  // that one message, so that the poll costs nothing next to the erasure (a full export per poll
  // let the erasure finish first on a busy machine).
  bool started = false;
  for (int i = 0; i < 5000 && !started; ++i) {
    auto h =
        probe.request({{"op", "history"}, {"channel", "general"}, {"before", 2}, {"limit", 1}});
    const auto& msgs = h.at("messages").as_array();
    started = !msgs.empty() && msgs[0].as_object().contains("deleted");
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server->kill9();
  ASSERT_TRUE(started) << "the erasure never began";

  server = std::make_unique<ServerProcess>(
      data, std::vector<std::string>{"--durability", "fast", "--config", cfg});
  ASSERT_TRUE(server->start()) << server->log();
  auto user = wait_erased(*server, "ann");
  EXPECT_EQ(str(user.at("name")), kGone);
  EXPECT_NE(server->log().find("event=erasure_resume users=1"), std::string::npos)
      << "the erasure had finished before the kill: make it longer";
  Client bob(server->port());
  ASSERT_TRUE(bob.auth(server->token("bob")));
  std::size_t tombstones = 0, bobs = 0;
  for (const std::string ch : {"help", "general"}) {
    for (const auto& [seq, text] : read_channel(bob, ch)) {
      if (text == "bob's own") {
        ++bobs;
      } else {
        EXPECT_EQ(text, "") << ch << "#" << seq;
        ++tombstones;
      }
    }
  }
  EXPECT_EQ(tombstones, static_cast<std::size_t>(kMessages));
  EXPECT_EQ(bobs, 1u);
  auto exported = http(server->port(), "GET", "/api/admin/export?channel=general", "",
                       server->token("root", "admin"));
  EXPECT_EQ(exported.body.find("ann says"), std::string::npos);
  EXPECT_EQ(exported.body.find(R"("name":"ann")"), std::string::npos);
}

}  // namespace
