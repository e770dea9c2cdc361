// Crash safety under load: concurrent senders with acks, kill -9 at random moments, restart,
// resend what was not acked (same client_msg_id), resume readers with `since` and
// `changes_since`. The senders also edit every fourth message of theirs once acked. Afterwards
// every acked message exists exactly once at its acked seq, seqs have no holes, every acked
// edit is in the stored text, and no resuming reader ever saw a gap or a duplicate, neither of
// messages nor of change numbers. PARLEY_SOAK_KILLS sets the number of kills (default 20;
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
  // Edits: (channel, seq) -> the new text, once sent, and once acked.
  std::map<std::pair<std::string, std::int64_t>, std::string> edit_sent, edit_acked;
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
    std::map<std::int64_t, std::string> inflight;                        // request id -> text
    std::map<std::int64_t, std::pair<std::string, std::int64_t>> edits;  // id -> (channel, seq)
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
      if (auto e = edits.find(num(o->at("id"))); e != edits.end()) {
        std::lock_guard lock(ledger.mu);
        ledger.edit_acked[e->second] = ledger.edit_sent[e->second];
        edits.erase(e);
        continue;
      }
      auto it = inflight.find(num(o->at("id")));
      if (it == inflight.end()) continue;
      const std::string ch = str(o->at("channel"));
      const std::int64_t seq = num(o->at("seq"));
      ledger.ack(ch, seq, it->second);
      // Every fourth message, once acked, is edited (once): a change to replay.
      if (!stop && seq % 4 == 0) {
        std::lock_guard lock(ledger.mu);
        auto [e, fresh] =
            ledger.edit_sent.emplace(std::make_pair(ch, seq), it->second + " (edited)");
        if (fresh) {
          c.send(
              {{"op", "edit"}, {"channel", ch}, {"seq", seq}, {"text", e->second}, {"id", ++rid}});
          edits[rid] = {ch, seq};
        }
      }
      unacked.erase(it->second);
      inflight.erase(it);
    }
  }
};

// A reader that resumes every channel from the last seq and the last change it saw; it must
// see each seq once, in order, with no gap, and each change number likewise.
struct Reader {
  std::map<std::string, std::int64_t> last, last_change;
  void run(std::uint16_t port, const std::string& token, Ledger& ledger) {
    Client c(port, /*may_fail=*/true);
    if (!c.auth(token)) return;
    for (const auto& ch : kChannels) {
      c.send({{"op", "join"},
              {"channel", ch},
              {"since", last[ch]},
              {"changes_since", last_change[ch]}});
    }
    while (!c.ws().closed()) {
      auto o = c.next(std::chrono::milliseconds(200));
      if (o && o->contains("change") && o->contains("channel")) {
        const std::string ch = str(o->at("channel"));
        const std::int64_t n = num(o->at("change"));
        if (n != last_change[ch] + 1) {
          std::lock_guard lock(ledger.mu);
          ledger.errors.push_back("reader saw " + ch + " change " + std::to_string(n) + " after " +
                                  std::to_string(last_change[ch]));
        }
        last_change[ch] = std::max(last_change[ch], n);
        continue;
      }
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
    // Every acked message at its acked seq, with its acked edit; an edit sent but not acked
    // may or may not have been stored.
    for (auto& [seq, text] : ledger.acked[ch]) {
      auto it = stored.find(seq);
      ASSERT_NE(it, stored.end()) << ch << " lost acked seq " << seq;
      const auto key = std::make_pair(ch, seq);
      if (ledger.edit_acked.count(key)) {
        EXPECT_EQ(it->second, ledger.edit_acked[key]) << ch << " seq " << seq << ": acked edit";
      } else if (ledger.edit_sent.count(key)) {
        EXPECT_TRUE(it->second == text || it->second == ledger.edit_sent[key]) << it->second;
      } else {
        EXPECT_EQ(it->second, text) << ch << " seq " << seq;
      }
    }
    total_acked += ledger.acked[ch].size();
  }
  EXPECT_GT(total_acked, static_cast<std::size_t>(kills));  // the load was real
  EXPECT_GT(ledger.edit_acked.size(), 0u);                  // and it had changes
  // The reader resumed its changes across every crash, and a fresh one gets them all: one
  // `edited` per stored edit, numbered 1..N without a hole.
  for (const auto& ch : kChannels) {
    Client fresh(server.port());
    ASSERT_TRUE(fresh.auth(server.token("late-reader")));
    auto r = expect_ok(fresh, {{"op", "join"}, {"channel", ch}, {"changes_since", 0}});
    const std::int64_t n = num(r.at("last_change"));
    for (std::int64_t i = 1; i <= n; ++i) {
      auto e = fresh.wait_for(
          [i](const json::object& o) { return o.contains("change") && num(o.at("change")) == i; });
      ASSERT_TRUE(e) << ch << " change " << i << " of " << n;
      EXPECT_EQ(str(e->at("op")), "edited");
    }
    std::size_t edited = 0;
    for (const auto& [key, text] : ledger.edit_sent) edited += key.first == ch;
    EXPECT_LE(static_cast<std::size_t>(n), edited) << ch;
    std::size_t acked_edits = 0;
    for (const auto& [key, text] : ledger.edit_acked) acked_edits += key.first == ch;
    EXPECT_GE(static_cast<std::size_t>(n), acked_edits) << ch;
  }
  std::cout << "[crash] kills=" << kills << " acked=" << total_acked
            << " edits=" << ledger.edit_acked.size() << " seed=" << seed << "\n";
}

}  // namespace
