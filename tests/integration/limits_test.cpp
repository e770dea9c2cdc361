// Connection limits and slow readers, black-box.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

TEST(Limits, ConnectionsPerIpAreCappedWith1013) {
  TempDir dir;
  ServerProcess server(dir.path + "/data", {"--durability", "fast", "--config",
                                            fast_config(dir.path, "max_connections_per_ip = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  auto a = std::make_unique<Client>(server.port());
  ASSERT_TRUE(a->auth(server.token("a")));
  Client b(server.port());
  ASSERT_TRUE(b.auth(server.token("b")));
  Client c(server.port());
  auto e = c.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(str(e->at("code")), "rate_limited");
  for (int i = 0; i < 50 && !c.ws().closed(); ++i) c.next(std::chrono::milliseconds(100));
  EXPECT_EQ(c.ws().close_code(), 1013);
  // A freed slot can be used again.
  a->ws().close();
  a.reset();
  bool ok = false;
  for (int i = 0; i < 50 && !ok; ++i) {  // the server counts the close asynchronously
    Client d(server.port());
    ok = d.auth(server.token("d"));
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ok);
}

// A config file of exactly `toml` (fast_config already sets rate_per_s and rate_burst).
std::string own_config(const TempDir& dir, const std::string& toml) {
  std::string path = dir.path + "/limits.toml";
  std::ofstream(path) << toml;
  return path;
}

// rate_per_s / rate_burst: past the burst a frame gets rate_limited with retry_after_ms and is
// dropped; the connection stays; after that wait a frame is served again.
TEST(Limits, FrameRateIsLimitedPerConnection) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        own_config(dir, "[limits]\nrate_per_s = 2\nrate_burst = 5\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("fay")));  // the auth frame took one token
  for (int i = 0; i < 12; ++i) c.send({{"op", "ping"}, {"id", i}});
  int pongs = 0, limited = 0;
  std::int64_t wait = 0;
  for (int i = 0; i < 12; ++i) {
    auto f = c.next();
    ASSERT_TRUE(f) << "reply " << i;
    if (str(f->at("op")) == "pong") {
      ++pongs;
    } else {
      EXPECT_EQ(str(f->at("code")), "rate_limited") << json::serialize(*f);
      EXPECT_EQ(num(f->at("id")), i) << "the refusal names the frame";
      wait = num(f->at("retry_after_ms"));
      EXPECT_GT(wait, 0);
      EXPECT_LE(wait, 500);  // one token at 2 a second
      ++limited;
    }
  }
  EXPECT_GE(pongs, 4);  // the burst (less the auth), plus what refilled meanwhile
  EXPECT_GE(limited, 5);
  EXPECT_EQ(pongs + limited, 12);
  std::this_thread::sleep_for(std::chrono::milliseconds(wait + 50));
  EXPECT_EQ(str(c.request({{"op", "ping"}}).at("op")), "pong");
}

// max_joined_channels: one more join is refused; leaving frees the slot; a rejoin is no new one.
TEST(Limits, JoinedChannelsPerConnectionAreCapped) {
  TempDir dir;
  ServerProcess server(dir.path + "/data", {"--durability", "fast", "--config",
                                            fast_config(dir.path, "max_joined_channels = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("gil")));
  EXPECT_EQ(str(c.request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  EXPECT_EQ(str(c.request({{"op", "join"}, {"channel", "help"}}).at("op")), "ok");
  EXPECT_EQ(str(c.request({{"op", "join"}, {"channel", "help"}}).at("op")), "ok");  // a rejoin
  auto third = c.request({{"op", "join"}, {"channel", "dm:gil:zed"}});  // a DM counts too
  EXPECT_EQ(str(third.at("code")), "forbidden") << json::serialize(third);
  EXPECT_EQ(str(third.at("message")), "too many joined channels");
  EXPECT_EQ(str(c.request({{"op", "leave"}, {"channel", "general"}}).at("op")), "ok");
  EXPECT_EQ(str(c.request({{"op", "join"}, {"channel", "dm:gil:zed"}}).at("op")), "ok");
}

// max_inflight_sends = 1: sends pipelined faster than storage commits them are refused with
// rate_limited (nothing stored for those); every acked one is stored exactly once.
TEST(Limits, SendsAwaitingStorageAreCapped) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--config", fast_config(dir.path, "max_inflight_sends = 1\n")});  // fsync
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("hal")));
  constexpr int kSends = 40;
  for (int i = 0; i < kSends; ++i) {
    c.send({{"op", "send"},
            {"channel", "general"},
            {"text", "m" + std::to_string(i)},
            {"client_msg_id", "h" + std::to_string(i)},
            {"id", i}});
  }
  int acked = 0, refused = 0;
  for (int i = 0; i < kSends; ++i) {
    auto f = c.wait_for([](const json::object& o) { return o.contains("id"); });
    ASSERT_TRUE(f) << "reply " << i;
    if (str(f->at("op")) == "ok") {
      ++acked;
    } else {
      EXPECT_EQ(str(f->at("code")), "rate_limited") << json::serialize(*f);
      EXPECT_EQ(str(f->at("message")), "too many sends awaiting storage");
      EXPECT_EQ(num(f->at("retry_after_ms")), 100);
      ++refused;
    }
  }
  EXPECT_GE(refused, 1);
  EXPECT_GE(acked, 1);
  auto h = c.request({{"op", "history"}, {"channel", "general"}, {"limit", 100}});
  EXPECT_EQ(h.at("messages").as_array().size(), static_cast<std::size_t>(acked));
}

// POST /api/guest past guest_tokens_per_ip_per_min: 429 with a JSON body and Retry-After.
TEST(Limits, GuestTokensPerIpAreLimited) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path, "guest_tokens_per_ip_per_min = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  for (int i = 0; i < 2; ++i) {
    auto r = http(server.port(), "POST", "/api/guest", R"({"name":"Guest"})");
    EXPECT_EQ(r.status, 200) << r.body;
  }
  auto r = http(server.port(), "POST", "/api/guest", R"({"name":"Guest"})");
  EXPECT_EQ(r.status, 429) << r.body;
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(str(body.at("error").as_object().at("code")), "rate_limited");
  EXPECT_GT(std::stoi(r.header("retry-after")), 0);
}

// presence_max_users = 2: at most two users' presence is announced at once; a user who arrived
// silently is in nobody's `online` list and leaves silently; when an announced user leaves, the
// next arrival takes the slot. Every client's view (the join ok's list, then the events) is
// exact. Every wait is bounded: `ping` round trips order the events before them.
TEST(Limits, PresenceCapIsExactAndSilentArrivalsStaySilent) {
  TempDir dir;
  ServerProcess server(dir.path + "/data", {"--durability", "fast", "--config",
                                            fast_config(dir.path, "presence_max_users = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  auto join = [&](Client& c) {
    auto r = c.request({{"op", "join"}, {"channel", "general"}});
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    std::vector<std::string> ids;
    for (auto& u : r.at("online").as_array()) ids.push_back(str(u.as_object().at("id")));
    return ids;
  };
  // The presence events `c` got, as "user:state", after a ping (so all sent before are in).
  auto events = [](Client& c) {
    c.request({{"op", "ping"}});
    std::vector<std::string> out;
    for (auto& o : c.seen()) {
      if (str(o.at("op")) == "presence")
        out.push_back(str(o.at("user")) + ":" + str(o.at("state")));
    }
    return out;
  };
  using V = std::vector<std::string>;
  std::map<std::string, std::unique_ptr<Client>> c;
  for (const char* u : {"ann", "ben", "cat", "dan", "eve"}) {
    c[u] = std::make_unique<Client>(server.port());
    ASSERT_TRUE(c[u]->auth(server.token(u)));
  }
  EXPECT_EQ(join(*c["ann"]), V({"ann"}));
  EXPECT_EQ(join(*c["ben"]), V({"ann", "ben"}));
  EXPECT_EQ(join(*c["cat"]), V({"ann", "ben"}));  // silent: not even in her own list
  EXPECT_EQ(join(*c["dan"]), V({"ann", "ben"}));
  EXPECT_EQ(events(*c["ann"]), V({"ben:online"}));
  c["cat"]->request({{"op", "leave"}, {"channel", "general"}});  // silent
  c["ann"]->request({{"op", "leave"}, {"channel", "general"}});  // announced
  EXPECT_EQ(events(*c["ben"]), V({"ann:offline"}));
  EXPECT_EQ(events(*c["dan"]), V({"ann:offline"}));
  // A slot is free: Eve is announced (Dan, who arrived silently, stays so).
  EXPECT_EQ(join(*c["eve"]), V({"ben", "eve"}));
  EXPECT_EQ(events(*c["ben"]), V({"ann:offline", "eve:online"}));
  EXPECT_EQ(events(*c["dan"]), V({"ann:offline", "eve:online"}));
  c["dan"]->ws().close();  // silent, also when the connection goes
  c["eve"]->request({{"op", "leave"}, {"channel", "general"}});
  EXPECT_EQ(events(*c["ben"]), V({"ann:offline", "eve:online", "eve:offline"}));
}

// Under heavy machine load this used to end with the fast reader short of 3000 messages,
// not dropped: the sender ignored its replies, and a send refused as `rate_limited` ("server
// busy", the storage queue full) was simply never stored. The sender now resends refused
// messages with the same client_msg_id until each is acked.
// "Fast" is a reader that keeps up, so the sender stays at most kLead messages (~1 MB, a
// quarter of the queue) ahead of it: with ctest running other tests beside it, the fast
// reader's thread once lost the CPU long enough to fall 4 MiB behind and was dropped too.
TEST(Limits, SlowReaderIsDroppedWithoutSlowingOthers) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path, "outbound_queue_bytes = 4194304\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client slow(server.port());
  ASSERT_TRUE(slow.auth(server.token("slow")));
  ASSERT_EQ(str(slow.request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  Client fast(server.port());
  ASSERT_TRUE(fast.auth(server.token("fast")));
  ASSERT_EQ(str(fast.request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  // ~12 MB of messages: far more than the socket buffers and the 4 MiB queue can hold for a
  // client that reads nothing.
  const int kCount = 3000;
  std::string text(4000, 'x');
  constexpr int kLead = 256;
  std::atomic<int> acked{0}, refused{0}, fast_got{0};
  std::atomic<bool> reader_done{false};
  std::thread sender([&] {
    Client s(server.port());
    if (!s.auth(server.token("sender"))) return;
    // Windows of 64 in order; a refused send is sent again (same client_msg_id) before the
    // next window, so seqs still follow the message numbers.
    for (int base = 0; base < kCount; base += 64) {
      while (fast_got.load() < base - kLead && !reader_done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::vector<int> todo;
      for (int i = base; i < std::min(kCount, base + 64); ++i) todo.push_back(i);
      for (int attempt = 0; attempt < 200 && !todo.empty(); ++attempt) {
        for (int i : todo) {
          s.send({{"op", "send"},
                  {"channel", "general"},
                  {"text", text},
                  {"client_msg_id", "m" + std::to_string(i)},
                  {"id", i}});
        }
        std::vector<int> again;
        for (std::size_t j = 0; j < todo.size(); ++j) {
          auto r = s.wait_for([](const json::object& o) { return o.contains("id"); },
                              std::chrono::seconds(10));
          if (!r) return;  // no reply at all: the test fails on the count below
          if (str(r->at("op")) == "ok") {
            ++acked;
          } else {
            ++refused;
            again.push_back(static_cast<int>(num(r->at("id"))));
          }
        }
        std::sort(again.begin(), again.end());
        todo = std::move(again);
        if (!todo.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  std::vector<json::object> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (got.size() < static_cast<std::size_t>(kCount)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto o = fast.wait_for(
        [](const json::object& m) {
          return str(m.at("op")) == "message" && str(m.at("channel")) == "general";
        },
        std::max(left, std::chrono::milliseconds(0)));
    if (!o) break;
    got.push_back(std::move(*o));
    fast_got.store(static_cast<int>(got.size()));
  }
  reader_done.store(true);
  sender.join();
  EXPECT_EQ(acked.load(), kCount) << "refused and resent: " << refused.load();
  RecordProperty("refused_and_resent", refused.load());
  ASSERT_FALSE(fast.ws().closed())
      << "the fast reader was dropped (close " << fast.ws().close_code() << ")";
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(num(got[i].at("seq")), i + 1);
  // The slow reader was dropped (1008, or a reset when the close frame could not get through
  // its full socket before the server cut it). What it could still read arrives in order.
  std::int64_t last = 0;
  for (int i = 0; i < 20000 && !slow.ws().closed(); ++i) {
    auto o = slow.next(std::chrono::milliseconds(200));
    if (o && str(o->at("op")) == "message") {
      EXPECT_EQ(num(o->at("seq")), last + 1);
      last = num(o->at("seq"));
    }
  }
  EXPECT_TRUE(slow.ws().closed());
  EXPECT_TRUE(slow.ws().close_code() == 1008 || slow.ws().close_code() == 0)
      << slow.ws().close_code();
  EXPECT_LT(last, kCount);
  auto m = http(server.port(), "GET", "/metrics").body;
  EXPECT_NE(m.find("parley_queue_overflows_total 1"), std::string::npos) << m;
}

}  // namespace
