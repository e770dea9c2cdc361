// Connection limits and slow readers, black-box.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

TEST(Limits, ConnectionsPerIpAreCappedWith1013) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
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
          s.send({{"op", "send"}, {"channel", "general"}, {"text", text},
                  {"client_msg_id", "m" + std::to_string(i)}, {"id", i}});
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
  ASSERT_FALSE(fast.ws().closed()) << "the fast reader was dropped (close " << fast.ws().close_code() << ")";
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
  EXPECT_TRUE(slow.ws().close_code() == 1008 || slow.ws().close_code() == 0) << slow.ws().close_code();
  EXPECT_LT(last, kCount);
  auto m = http(server.port(), "GET", "/metrics").body;
  EXPECT_NE(m.find("parley_queue_overflows_total 1"), std::string::npos) << m;
}

}  // namespace
