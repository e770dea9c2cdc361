// Crash safety under load: concurrent senders with acks, kill -9 at random moments, restart,
// resend what was not acked (same client_msg_id), resume readers with `since`. Afterwards every
// acked message exists exactly once at its acked seq, seqs have no holes, and no resuming
// reader ever saw a gap or a duplicate. PARLEY_SOAK_KILLS sets the number of kills (default 20;
// `make soak` runs more); PARLEY_SOAK_SEED replays a run.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "harness.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

const std::vector<std::string> kChannels = {"help", "general"};

struct Ledger {
  std::mutex mu;
  std::map<std::string, std::map<std::int64_t, std::string>> acked;  // channel -> seq -> text
  std::map<std::string, std::string> channel_of;                     // text -> channel
  std::vector<std::string> errors;
  void ack(const std::string& ch, std::int64_t seq, const std::string& text) {
    std::lock_guard lock(mu);
    auto [it, fresh] = acked[ch].emplace(seq, text);
    if (!fresh && it->second != text) {
      errors.push_back("seq " + std::to_string(seq) + " in " + ch +
                       " acked for two texts: " + it->second + " and " + text);
    }
  }
};

// One sender's life across crashes: its unacked sends are resent after each restart.
struct Sender {
  int id = 0;
  int next = 0;
  std::map<std::string, std::string> unacked;  // text (= client_msg_id) -> channel

  void run(std::uint16_t port, const std::string& token, Ledger& ledger, std::atomic<bool>& stop) {
    Client c(port, /*may_fail=*/true);
    if (!c.auth(token)) return;
    std::map<std::int64_t, std::string> inflight;  // request id -> text
    std::int64_t rid = 0;
    auto send = [&](const std::string& text, const std::string& ch) {
      c.send({{"op", "send"},
              {"channel", ch},
              {"text", text},
              {"client_msg_id", text},
              {"id", ++rid}});
      inflight[rid] = text;
    };
    for (auto& [text, ch] : unacked) send(text, ch);  // retries first, same client_msg_id
    while (!c.ws().closed()) {
      while (!stop && inflight.size() < 16) {
        std::string text = "s" + std::to_string(id) + "-" + std::to_string(next++);
        std::string ch = kChannels[next % kChannels.size()];
        unacked[text] = ch;
        {
          std::lock_guard lock(ledger.mu);
          ledger.channel_of[text] = ch;
        }
        send(text, ch);
      }
      auto o = c.next(std::chrono::milliseconds(200));
      if (!o) {
        if (stop && inflight.empty()) return;
        continue;
      }
      if (str(o->at("op")) != "ok" || !o->contains("id")) continue;
      auto it = inflight.find(num(o->at("id")));
      if (it == inflight.end()) continue;
      ledger.ack(str(o->at("channel")), num(o->at("seq")), it->second);
      unacked.erase(it->second);
      inflight.erase(it);
    }
  }
};

// A reader that resumes every channel from the last seq it saw; it must see each seq once,
// in order, with no gap.
struct Reader {
  std::map<std::string, std::int64_t> last;
  void run(std::uint16_t port, const std::string& token, Ledger& ledger) {
    Client c(port, /*may_fail=*/true);
    if (!c.auth(token)) return;
    for (const auto& ch : kChannels) {
      c.send({{"op", "join"}, {"channel", ch}, {"since", last[ch]}});
    }
    while (!c.ws().closed()) {
      auto o = c.next(std::chrono::milliseconds(200));
      if (!o || str(o->at("op")) != "message") continue;
      std::string ch = str(o->at("channel"));
      std::int64_t seq = num(o->at("seq"));
      if (seq != last[ch] + 1) {
        std::lock_guard lock(ledger.mu);
        ledger.errors.push_back("reader saw " + ch + " seq " + std::to_string(seq) + " after " +
                                std::to_string(last[ch]));
      }
      last[ch] = std::max(last[ch], seq);
    }
  }
};

TEST(CrashSafety, RepeatedKillDashNineUnderLoadLosesNothingAcked) {
  int kills = 20;
  if (const char* k = std::getenv("PARLEY_SOAK_KILLS")) kills = std::max(1, std::atoi(k));
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("PARLEY_SOAK_SEED")) seed = static_cast<unsigned>(std::atoll(s));
  std::mt19937 rng(seed);
  SCOPED_TRACE("PARLEY_SOAK_SEED=" + std::to_string(seed));

  TempDir dir;
  ServerProcess server(dir.path + "/data", {"--config", fast_config(dir.path)});  // fsync
  Ledger ledger;
  std::vector<Sender> senders(3);
  for (int i = 0; i < 3; ++i) senders[i].id = i;
  Reader reader;
  for (int k = 0; k < kills; ++k) {
    ASSERT_TRUE(server.start()) << server.log();
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (auto& s : senders) {
      threads.emplace_back([&, t = server.token("sender" + std::to_string(s.id))] {
        s.run(server.port(), t, ledger, stop);
      });
    }
    threads.emplace_back([&, t = server.token("reader")] { reader.run(server.port(), t, ledger); });
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<>(50, 400)(rng)));
    server.kill9();
    stop = true;
    for (auto& t : threads) t.join();
  }
  // Restart once more: resend everything still unacked, then verify.
  ASSERT_TRUE(server.start()) << server.log();
  {
    std::atomic<bool> stop{true};
    for (auto& s : senders)
      s.run(server.port(), server.token("sender" + std::to_string(s.id)), ledger, stop);
  }
  for (const auto& e : ledger.errors) ADD_FAILURE() << e;
  for (auto& s : senders)
    EXPECT_TRUE(s.unacked.empty()) << "sender " << s.id << " still has unacked sends";

  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("auditor")));
  std::size_t total_acked = 0;
  for (const auto& ch : kChannels) {
    // Walk history back to seq 1.
    std::map<std::int64_t, std::string> stored = read_channel(c, std::string(ch));
    // No holes: seqs are exactly 1..N.
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(stored.begin()->first, 1);
    EXPECT_EQ(stored.rbegin()->first, static_cast<std::int64_t>(stored.size()))
        << ch << " has holes";
    // Exactly once: no text twice.
    std::map<std::string, int> copies;
    for (auto& [seq, text] : stored) copies[text]++;
    for (auto& [text, n] : copies) EXPECT_EQ(n, 1) << text << " stored " << n << " times in " << ch;
    // Every acked message at its acked seq.
    for (auto& [seq, text] : ledger.acked[ch]) {
      auto it = stored.find(seq);
      ASSERT_NE(it, stored.end()) << ch << " lost acked seq " << seq;
      EXPECT_EQ(it->second, text) << ch << " seq " << seq;
    }
    total_acked += ledger.acked[ch].size();
  }
  EXPECT_GT(total_acked, static_cast<std::size_t>(kills));  // the load was real
  std::cout << "[crash] kills=" << kills << " acked=" << total_acked << " seed=" << seed << "\n";
}

}  // namespace
