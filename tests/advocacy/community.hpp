// A scripted community for the advocacy engine tests: an in-memory message store (the lookup),
// a scripted clock, roles per user, and a key/value store the engine's mutations are applied
// to after every call (what the server would persist).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parley/advocacy/engine.hpp"

namespace parley::advocacy::test {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
// 2024-01-01T00:00:00Z, a UTC day boundary.
constexpr std::int64_t kT0 = 1'704'067'200'000;

class Community {
 public:
  explicit Community(Config cfg = {}) : engine(std::move(cfg)) {}

  // The clock: day `d` (from kT0) at `h` hours and `m` minutes.
  void at(std::int64_t d, std::int64_t h = 12, std::int64_t m = 0) {
    now = kT0 + d * kDay + h * kHour + m * kMinute;
  }
  void role(const std::string& user, Role r) { roles[user] = r; }
  Role role_of(const std::string& user) const {
    auto it = roles.find(user);
    return it == roles.end() ? Role::customer : it->second;
  }

  // Posts a message; support channels are those not starting with "chat" or "dm:".
  std::uint64_t post(const std::string& user, std::uint64_t reply_to = 0,
                     const std::string& channel = "help") {
    MessageFact m;
    m.channel = channel;
    m.seq = ++seqs[channel];
    m.author = user;
    m.author_name = names.contains(user) ? names[user] : "Name of " + user;
    m.role = role_of(user);
    m.reply_to = reply_to;
    m.ts = now;
    m.support = channel.rfind("chat", 0) != 0 && channel.rfind("dm:", 0) != 0;
    messages[{channel, m.seq}] = m;
    engine.on_message(m, lookup(), now);
    sync();
    return m.seq;
  }
  std::uint64_t ask(const std::string& user, const std::string& channel = "help") {
    return post(user, 0, channel);
  }
  std::uint64_t answer(const std::string& user, std::uint64_t to,
                       const std::string& channel = "help") {
    return post(user, to, channel);
  }
  MarkError helpful(const std::string& marker, std::uint64_t seq,
                    const std::string& channel = "help") {
    auto e = engine.mark_helpful(channel, seq, marker, role_of(marker), lookup(), now);
    sync();
    return e;
  }
  // `credit`: another accepted answer (channel, seq) whose author earns instead (as the server
  // checks it: it must exist).
  MarkError solve(const std::string& marker, std::uint64_t seq, const std::string& channel = "help",
                  std::optional<std::pair<std::string, std::uint64_t>> credit = std::nullopt) {
    std::optional<MessageFact> fact;
    if (credit) fact = messages.at(*credit);
    auto e = engine.mark_solved(channel, seq, marker, role_of(marker), lookup(), now,
                                fact ? &*fact : nullptr);
    sync();
    // The question records its accepted answer in storage (as the server does).
    if (e == MarkError::none) solved[{channel, root_of(channel, seq)}] = seq;
    return e;
  }
  bool react(const std::string& user, std::uint64_t seq, const std::string& emoji,
             const std::string& channel = "help") {
    bool marked = engine.on_reaction(channel, seq, user, emoji, lookup(), now);
    sync();
    return marked;
  }
  bool unreact(const std::string& user, std::uint64_t seq, const std::string& emoji,
               const std::string& channel = "help") {
    bool revoked = engine.on_unreaction(channel, seq, user, emoji, now);
    sync();
    return revoked;
  }
  void remove(std::uint64_t seq, const std::string& channel = "help") {
    messages.erase({channel, seq});
    std::erase_if(solved,
                  [&](const auto& s) { return s.first.first == channel && s.second == seq; });
    engine.on_message_removed(channel, seq, now);
    sync();
  }
  void signal(const std::string& user, Engine::Signal s) {
    engine.on_signal(user, s, now);
    sync();
  }
  void manual(const std::string& user, std::optional<bool> v) {
    engine.set_manual(user, v, now);
    sync();
  }
  void tick() {
    engine.tick(now);
    sync();
  }

  MessageLookup lookup() const {
    return [this](const std::string& ch, std::uint64_t seq) -> std::optional<MessageFact> {
      ++lookups;
      auto it = messages.find({ch, seq});
      if (it == messages.end()) return std::nullopt;
      return it->second;
    };
  }

  // The top-level message of `seq`'s thread (0 if a link is missing).
  std::uint64_t root_of(const std::string& channel, std::uint64_t seq) const {
    while (seq != 0) {
      auto it = messages.find({channel, seq});
      if (it == messages.end()) return 0;
      if (it->second.reply_to == 0) return seq;
      seq = it->second.reply_to;
    }
    return 0;
  }

  // What the server does at start-up: restore `e` from `records`, then replay the stored
  // messages of each support channel (from questions_from(now), deleted ones left out).
  void restart(Engine& e, const std::vector<std::pair<std::string, std::string>>& records) const {
    e.restore(records, now);
    const std::int64_t from = e.questions_from(now);
    std::optional<Engine::QuestionReplay> replay;
    std::string channel;
    for (const auto& [key, m] : messages) {  // by channel, then seq
      if (!m.support || m.ts < from) continue;
      if (!replay || key.first != channel) {
        channel = key.first;
        replay.reset();
        replay.emplace(e, channel);
      }
      auto s = solved.find(key);
      replay->add({m.seq, m.reply_to, m.author, m.role, m.ts, s == solved.end() ? 0 : s->second});
    }
  }

  // Moves the engine's mutations into `kv` and its flag changes into `changes`.
  void sync() {
    for (auto& m : engine.take_mutations()) {
      last_mutations.push_back(m);
      if (m.value) {
        kv[m.key] = *m.value;
      } else {
        kv.erase(m.key);
      }
    }
    for (auto& c : engine.take_flag_changes()) changes.push_back(std::move(c));
  }
  // The flag changes collected since the last call.
  std::vector<FlagChange> flags() { return std::exchange(changes, {}); }
  std::vector<Mutation> mutations() { return std::exchange(last_mutations, {}); }
  std::vector<std::pair<std::string, std::string>> persisted() const {
    return {kv.begin(), kv.end()};
  }
  double score(const std::string& user) const { return engine.breakdown(user, now).score; }

  Engine engine;
  std::int64_t now = kT0;
  std::map<std::pair<std::string, std::uint64_t>, MessageFact> messages;
  std::map<std::string, std::uint64_t> seqs;
  // (channel, question seq) -> its accepted answer, as storage keeps it.
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> solved;
  std::map<std::string, Role> roles;
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> kv;
  std::vector<FlagChange> changes;
  std::vector<Mutation> last_mutations;
  mutable int lookups = 0;
};

}  // namespace parley::advocacy::test
