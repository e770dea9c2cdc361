// Resume without missing changes (PROTOCOL.md §3.1 `changes_since`, §8): a client that comes back
// gets every edit, deletion, reaction, helpful mark and accepted answer made meanwhile, once, in
// order, before live ones; also while changes keep coming during its join, and after kill -9.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

// The `change` numbers of the change events `c` received in `channel`, in arrival order.
std::vector<std::int64_t> changes_seen(const Client& c, const std::string& channel) {
  std::vector<std::int64_t> out;
  for (const auto& o : c.seen()) {
    if (o.contains("change") && o.contains("channel") && str(o.at("channel")) == channel) {
      out.push_back(num(o.at("change")));
    }
  }
  return out;
}

class ResumeChanges : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra = {"--durability", "fast"}) {
    auto args = extra;
    args.push_back("--config");
    args.push_back(fast_config(dir_.path));
    server_ = std::make_unique<ServerProcess>(dir_.path + "/data", args);
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer") {
    auto c = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(c->auth(server_->token(user, role))) << user;
    return c;
  }
  static json::object ok(Client& c, json::object frame) { return expect_ok(c, std::move(frame)); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ResumeChanges, EveryChangeMadeWhileAwayIsReplayedOnceInOrder) {
  start();
  auto sam = connect("sam", "staff");
  ok(*sam, {{"op", "join"}, {"channel", "help"}});
  auto bob = connect("bob");
  auto ann = connect("ann");
  auto joined = ok(*ann, {{"op", "join"}, {"channel", "help"}});
  EXPECT_EQ(num(joined.at("last_change")), 0);
  auto q = send_text(*ann, "help", "My lamp blinks amber");
  auto a = send_text(*bob, "help", "Reset it", q);
  auto other = send_text(*bob, "help", "Or update it", q);
  ok(*bob, {{"op", "react"}, {"channel", "help"}, {"seq", q}, {"emoji", "👍"}});
  auto live = ann->wait_for([](const json::object& o) { return str(o.at("op")) == "reaction"; });
  ASSERT_TRUE(live);
  const std::int64_t cursor = num(live->at("change"));  // what Ann has seen
  EXPECT_EQ(cursor, 1);
  const std::int64_t last_seq = other;
  ann.reset();  // away

  ok(*bob, {{"op", "edit"}, {"channel", "help"}, {"seq", a}, {"text", "Hold reset for 10 s"}});
  ok(*bob, {{"op", "unreact"}, {"channel", "help"}, {"seq", q}, {"emoji", "👍"}});
  ok(*bob, {{"op", "unreact"}, {"channel", "help"}, {"seq", q}, {"emoji", "👍"}});  // no change
  ok(*sam, {{"op", "helpful"}, {"channel", "help"}, {"seq", a}});
  ok(*sam, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
  ok(*bob, {{"op", "delete"}, {"channel", "help"}, {"seq", other}});
  ok(*bob, {{"op", "delete"}, {"channel", "help"}, {"seq", a}});  // the accepted answer: unsolved
  // The unsolve is written by the advocacy thread after the delete's ok: wait until it is out.
  ASSERT_TRUE(sam->wait_for([](const json::object& o) {
    return str(o.at("op")) == "solved" && o.contains("seq") && num(o.at("seq")) == 0;
  }));

  auto back = connect("ann");
  auto r = ok(
      *back, {{"op", "join"}, {"channel", "help"}, {"since", last_seq}, {"changes_since", cursor}});
  const std::int64_t last_change = num(r.at("last_change"));
  EXPECT_EQ(last_change, 8);
  EXPECT_FALSE(r.contains("changes_reset"));
  std::vector<std::string> ops;
  for (std::int64_t n = cursor + 1; n <= last_change; ++n) {
    auto e = back->wait_for(
        [n](const json::object& o) { return o.contains("change") && num(o.at("change")) == n; });
    ASSERT_TRUE(e) << "change " << n;
    ops.push_back(str(e->at("op")));
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"edited", "reaction", "helpful", "solved", "deleted",
                                           "deleted", "solved"}));
  // Then live ones, numbered on.
  ok(*bob, {{"op", "react"}, {"channel", "help"}, {"seq", q}, {"emoji", "🎉"}});
  auto next = back->wait_for([](const json::object& o) { return str(o.at("op")) == "reaction"; });
  ASSERT_TRUE(next);
  EXPECT_EQ(num(next->at("change")), last_change + 1);
  back->request({{"op", "ping"}});
  std::vector<std::int64_t> want;
  for (std::int64_t n = cursor + 1; n <= last_change + 1; ++n) want.push_back(n);
  EXPECT_EQ(changes_seen(*back, "help"), want);  // once each, in order

  // A join without changes_since replays none of them; one at the last change none either.
  auto plain = connect("ann");
  EXPECT_EQ(num(ok(*plain, {{"op", "join"}, {"channel", "help"}}).at("last_change")),
            last_change + 1);
  auto current = connect("ann");
  ok(*current, {{"op", "join"}, {"channel", "help"}, {"changes_since", last_change + 1}});
  for (auto* c : {plain.get(), current.get()}) {
    c->request({{"op", "ping"}});
    EXPECT_TRUE(changes_seen(*c, "help").empty());
  }
}

// Changes committed while a client joins are delivered exactly once: from the replay or live.
TEST_F(ResumeChanges, ChangesDuringTheJoinAreNeitherLostNorDoubled) {
  start();
  auto bob = connect("bob");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  auto m = send_text(*bob, "general", "react to me");
  constexpr int kToggles = 400;
  std::vector<std::unique_ptr<Client>> readers;
  for (int i = 0; i < kToggles; ++i) {
    bob->send({{"op", i % 2 == 0 ? "react" : "unreact"},
               {"channel", "general"},
               {"seq", m},
               {"emoji", "👍"},
               {"id", i}});
    if (i % 100 == 50) {  // joins in the middle of the stream, from the start of the log
      readers.push_back(connect("ann" + std::to_string(i)));
      readers.back()->send(
          {{"op", "join"}, {"channel", "general"}, {"changes_since", 0}, {"id", "j"}});
    }
  }
  // Bob sees every change live: the last one's number is the total.
  auto last = bob->wait_for(
      [](const json::object& o) {
        return str(o.at("op")) == "reaction" && num(o.at("change")) == kToggles;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(last);
  for (auto& r : readers) {
    auto done = r->wait_for(
        [](const json::object& o) {
          return o.contains("change") && num(o.at("change")) == kToggles;
        },
        std::chrono::seconds(30));
    ASSERT_TRUE(done);
    std::vector<std::int64_t> want;
    for (std::int64_t n = 1; n <= kToggles; ++n) want.push_back(n);
    EXPECT_EQ(changes_seen(*r, "general"), want);
  }
}

// The change log is written with the change: after kill -9, whatever was acked is replayed.
TEST_F(ResumeChanges, AckedChangesSurviveKill9) {
  start({});  // fsync
  auto bob = connect("bob");
  auto a = send_text(*bob, "general", "first");
  ok(*bob, {{"op", "edit"}, {"channel", "general"}, {"seq", a}, {"text", "first, edited"}});
  ok(*bob, {{"op", "react"}, {"channel", "general"}, {"seq", a}, {"emoji", "👍"}});
  ok(*bob, {{"op", "delete"}, {"channel", "general"}, {"seq", a}});
  server_->kill9();
  ASSERT_TRUE(server_->start()) << server_->log();
  auto ann = connect("ann");
  auto r = ok(*ann, {{"op", "join"}, {"channel", "general"}, {"changes_since", 0}});
  EXPECT_EQ(num(r.at("last_change")), 3);
  std::vector<std::string> ops;
  for (std::int64_t n = 1; n <= 3; ++n) {
    auto e = ann->wait_for(
        [n](const json::object& o) { return o.contains("change") && num(o.at("change")) == n; });
    ASSERT_TRUE(e) << n;
    ops.push_back(str(e->at("op")));
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"edited", "reaction", "deleted"}));
  // Numbering goes on after the restart.
  auto bob2 = connect("bob");
  auto b = send_text(*bob2, "general", "second");
  ok(*bob2, {{"op", "edit"}, {"channel", "general"}, {"seq", b}, {"text", "second, edited"}});
  auto e = ann->wait_for([](const json::object& o) {
    return str(o.at("op")) == "edited" && num(o.at("change")) == 4;
  });
  EXPECT_TRUE(e);
}

}  // namespace

#ifdef PARLEY_CLOCK_SHIM
// Change records older than `storage.change_retention_days` are trimmed (hourly, and at the
// first sweep after a start); a client whose `changes_since` is behind what is kept gets
// `changes_reset: true` and reloads, while one that is up to date does not. The server is
// restarted with its wall clock two days ahead (an LD_PRELOAD shim) and a retention of one day.
TEST(ResumeChangesRetention, AClientBehindTheRetainedChangesIsToldToReload) {
  TempDir dir;
  const std::string data = dir.path + "/data";
  const std::string config = fast_config(dir.path, "[storage]\nchange_retention_days = 1\n");
  const std::int64_t ttl = 10 * 86400;  // the tokens outlive the jump
  std::int64_t q = 0;
  {
    ServerProcess server(data, {"--durability", "fast", "--config", config});
    ASSERT_TRUE(server.start()) << server.log();
    Client bob(server.port());
    ASSERT_TRUE(bob.auth(server.token("bob", "customer", "", ttl)));
    q = send_text(bob, "general", "first version");
    for (const char* text : {"second version", "third version", "fourth version"})
      expect_ok(bob, {{"op", "edit"}, {"channel", "general"}, {"seq", q}, {"text", text}});
    ASSERT_EQ(server.terminate(), 0) << server.log();
  }
  ::setenv("LD_PRELOAD", PARLEY_CLOCK_SHIM, 1);
  ::setenv("PARLEY_CLOCK_OFFSET_S", std::to_string(2 * 86400).c_str(), 1);
  ServerProcess later(data, {"--durability", "fast", "--config", config});
  const bool started = later.start();
  ::unsetenv("LD_PRELOAD");
  ::unsetenv("PARLEY_CLOCK_OFFSET_S");
  ASSERT_TRUE(started) << later.log();
  // The trim runs at the first sweep after the start: bounded wait for its effect (a fresh
  // connection each time, so that the replays of the attempts before it do not linger).
  std::unique_ptr<Client> ann;
  json::object r;
  for (int i = 0; i < 100; ++i) {
    ann = std::make_unique<Client>(later.port());
    ASSERT_TRUE(ann->auth(later.token("ann", "customer", "", ttl)));
    r = expect_ok(*ann, {{"op", "join"}, {"channel", "general"}, {"changes_since", 1}});
    if (r.contains("changes_reset")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(r.contains("changes_reset")) << json::serialize(r) << later.log();
  EXPECT_TRUE(r.at("changes_reset").as_bool());
  EXPECT_EQ(num(r.at("last_change")), 3);
  // Nothing is replayed to a reset client: it reloads (history shows the message as it is).
  EXPECT_FALSE(ann->wait_for([](const json::object& o) { return o.contains("change"); },
                             std::chrono::milliseconds(300)));
  auto h = expect_ok(*ann, {{"op", "history"}, {"channel", "general"}});
  EXPECT_EQ(str(h.at("messages").as_array().back().as_object().at("text")), "fourth version");
  // Up to date (the newest change is always kept): no reset.
  Client cat(later.port());
  ASSERT_TRUE(cat.auth(later.token("cat", "customer", "", ttl)));
  auto fresh = expect_ok(cat, {{"op", "join"}, {"channel", "general"}, {"changes_since", 3}});
  EXPECT_FALSE(fresh.contains("changes_reset")) << json::serialize(fresh);
  EXPECT_NE(later.log().find("event=changes_trimmed deleted=2"), std::string::npos) << later.log();
}
#endif
