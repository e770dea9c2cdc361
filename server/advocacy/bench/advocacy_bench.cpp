// The advocacy engine's cost per fact and per query, on a community with history: 10,000
// users, 60 days of questions, answers, helpful marks and solutions in 10 support channels.
// The per-message benchmarks run on a busy server: the same history plus a burst of 300,000
// questions (the scoring-overhead load test's worst case), so the question table is far
// larger than the caches, as it is in production.
//
//   advocacy_bench [--benchmark_filter=...]
//
// Timings on a shared machine are noisy; instruction counts and simulated cache misses are
// not. The timed work of the per-message benchmarks is in timed_fact() alone, so callgrind can
// count it (one command line):
//
//   valgrind --tool=callgrind --cache-sim=yes --toggle-collect='*timed_fact*'
//     advocacy_bench --benchmark_filter=BM_OnMessageQuestion
//
// The message lookup is an in-memory vector (the server reads storage instead, which is the
// cost to add to the numbers here for replies that are not direct answers to a question).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "parley/advocacy/engine.hpp"

namespace {

using parley::advocacy::Config;
using parley::advocacy::Engine;
using parley::advocacy::MessageFact;
using parley::advocacy::MessageLookup;
using parley::protocol::Role;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kT0 = 1'704'067'200'000;
constexpr int kUsers = 10'000;
constexpr int kHelpers = 800;  // most answers come from a core of regulars
constexpr int kChannels = 10;
constexpr int kHistoryDays = 60;
constexpr int kQuestionsPerDay = 1'500;
constexpr int kBusyQuestions = 300'000;

struct World {
  Engine engine{Config{}};
  std::vector<std::string> users, channels;
  std::vector<std::vector<MessageFact>> messages;        // [channel][seq - 1]
  std::vector<std::pair<int, std::uint64_t>> questions;  // (channel, seq), in order
  std::mt19937_64 rng{42};
  std::int64_t now = kT0;

  World() {
    for (int i = 0; i < kUsers; ++i) users.push_back("user" + std::to_string(i));
    for (int i = 0; i < kChannels; ++i) channels.push_back("support-" + std::to_string(i));
    messages.resize(kChannels);
  }

  MessageLookup lookup() const {
    return [this](const std::string& ch, std::uint64_t seq) -> std::optional<MessageFact> {
      const auto& v = messages[std::stoi(ch.substr(8))];
      if (seq == 0 || seq > v.size()) return std::nullopt;
      return v[seq - 1];
    };
  }
  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  Role role_of(int user) const { return user % 50 == 0 ? Role::staff : Role::customer; }
  int asker() { return pick(kUsers); }
  int helper() { return pick(4) == 0 ? pick(kUsers) : pick(kHelpers) * (kUsers / kHelpers); }

  // A new message (stored, not yet given to the engine).
  const MessageFact& make(int channel, int user, std::uint64_t reply_to) {
    auto& v = messages[channel];
    MessageFact m;
    m.channel = channels[channel];
    m.seq = v.size() + 1;
    m.author = users[user];
    m.author_name = "Name " + users[user];
    m.role = role_of(user);
    m.reply_to = reply_to;
    m.ts = now;
    m.support = true;
    v.push_back(std::move(m));
    if (reply_to == 0) questions.emplace_back(channel, v.back().seq);
    return v.back();
  }

  // The next fact of the realistic mix: 30% questions, 50% answers to a recent question,
  // 20% replies to a recent answer (deeper in a thread).
  const MessageFact& next(std::uint64_t i) {
    const int kind = static_cast<int>(i % 10);
    if (kind < 3 || questions.size() < 100) return make(pick(kChannels), asker(), 0);
    auto [ch, q] = questions[questions.size() - 1 - pick(100)];
    if (kind < 8) return make(ch, helper(), q);
    const auto& v = messages[ch];
    std::uint64_t to = q;
    for (std::uint64_t s = v.size(); s > q && s + 200 > v.size(); --s) {
      if (v[s - 1].reply_to != 0) {
        to = s;
        break;
      }
    }
    return make(ch, helper(), to);
  }

  void history() {
    auto look = lookup();
    for (int d = 0; d < kHistoryDays; ++d) {
      for (int n = 0; n < kQuestionsPerDay; ++n) {
        now = kT0 + d * kDay + n * (kDay / kQuestionsPerDay);
        const int ch = pick(kChannels);
        const int who = asker();
        engine.on_message(make(ch, who, 0), look, now);
        const std::uint64_t q = messages[ch].back().seq;
        const int answers = 1 + pick(3);
        for (int a = 0; a < answers; ++a) {
          const auto& m = make(ch, helper(), q);
          engine.on_message(m, look, now);
          const std::uint64_t seq = m.seq;
          if (pick(10) < 4)
            engine.mark_helpful(channels[ch], seq, users[who], Role::customer, look, now);
          if (a == 0 && pick(10) < 3)
            engine.mark_solved(channels[ch], seq, users[who], Role::customer, look, now);
        }
      }
      engine.tick(now);
      engine.take_mutations();
      engine.take_flag_changes();
    }
    now = kT0 + kHistoryDays * kDay + kDay / 2;
  }

  // A burst of new questions, one per millisecond (nobody answers yet): what a busy server's
  // question table holds on top of the history.
  void burst(int n) {
    auto look = lookup();
    for (int i = 0; i < n; ++i) {
      ++now;
      engine.on_message(make(pick(kChannels), asker(), 0), look, now);
      if (i % 1000 == 999) engine.take_mutations();
    }
    engine.take_mutations();
  }
};

std::unique_ptr<World> make_world() {
  auto w = std::make_unique<World>();
  w->history();
  return w;
}

std::unique_ptr<World> make_busy_world() {
  auto w = make_world();
  w->burst(kBusyQuestions);
  return w;
}

// One timed message, as the server handles it: the fact, then its mutations taken (and
// dropped here; the server moves them into one storage write). Out of line so that callgrind
// can count it alone (see the top of this file); returns the number of mutations.
[[gnu::noinline]] std::size_t timed_fact(Engine& engine, const MessageFact& m,
                                         const MessageLookup& look, std::int64_t now) {
  engine.on_message(m, look, now);
  return engine.take_mutations().size();
}

void BM_OnMessageNonSupport(benchmark::State& state) {
  auto w = make_world();
  auto look = w->lookup();
  MessageFact m;
  m.channel = "chat";
  m.seq = 1;
  m.author = "user1";
  m.author_name = "Name";
  m.ts = w->now;
  for (auto _ : state) {
    ++m.seq;
    w->engine.on_message(m, look, w->now);
  }
}
BENCHMARK(BM_OnMessageNonSupport);

void BM_OnMessageMix(benchmark::State& state) {
  auto w = make_busy_world();
  auto look = w->lookup();
  std::vector<MessageFact> stream;
  const std::uint64_t n = static_cast<std::uint64_t>(state.max_iterations);
  stream.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    ++w->now;  // one message per millisecond
    stream.push_back(w->next(i));
  }
  std::uint64_t i = 0;
  std::size_t mutations = 0;
  for (auto _ : state) mutations += timed_fact(w->engine, stream[i++], look, w->now);
  state.counters["mutations/op"] = static_cast<double>(mutations) / static_cast<double>(i);
}
BENCHMARK(BM_OnMessageMix)->Iterations(300'000);

// Questions only (a new top-level message in a support channel: recorded for insights).
void BM_OnMessageQuestion(benchmark::State& state) {
  auto w = make_busy_world();
  auto look = w->lookup();
  std::vector<MessageFact> stream;
  const std::uint64_t n = static_cast<std::uint64_t>(state.max_iterations);
  for (std::uint64_t i = 0; i < n; ++i) {
    ++w->now;
    stream.push_back(w->make(w->pick(kChannels), w->asker(), 0));
  }
  std::uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(timed_fact(w->engine, stream[i++], look, w->now));
}
BENCHMARK(BM_OnMessageQuestion)->Iterations(200'000);

// Answers only (the scoring path): a direct reply to a recent question by a customer.
void BM_OnMessageAnswer(benchmark::State& state) {
  auto w = make_busy_world();
  auto look = w->lookup();
  std::vector<MessageFact> stream;
  const std::uint64_t n = static_cast<std::uint64_t>(state.max_iterations);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto [ch, q] = w->questions[w->questions.size() - 1 - w->pick(2000)];
    int who = w->helper();
    if (w->role_of(who) != Role::customer) ++who;
    ++w->now;
    stream.push_back(w->make(ch, who, q));
  }
  std::uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(timed_fact(w->engine, stream[i++], look, w->now));
}
BENCHMARK(BM_OnMessageAnswer)->Iterations(200'000);

template <bool kSolve>
void BM_Mark(benchmark::State& state) {
  auto w = make_world();
  auto look = w->lookup();
  // Fresh threads: a question and one answer each, not yet marked.
  struct Target {
    int ch;
    std::uint64_t seq;
    int asker;
  };
  std::vector<Target> targets;
  const std::uint64_t n = static_cast<std::uint64_t>(state.max_iterations);
  for (std::uint64_t i = 0; i < n; ++i) {
    const int ch = w->pick(kChannels);
    const int who = w->asker();
    w->engine.on_message(w->make(ch, who, 0), look, w->now);
    const auto& a = w->make(ch, w->helper(), w->messages[ch].back().seq);
    w->engine.on_message(a, look, w->now);
    targets.push_back({ch, a.seq, who});
  }
  w->engine.take_mutations();
  std::uint64_t i = 0;
  for (auto _ : state) {
    const auto& t = targets[i++];
    if constexpr (kSolve) {
      w->engine.mark_solved(w->channels[t.ch], t.seq, w->users[t.asker], Role::customer, look,
                            w->now);
    } else {
      w->engine.mark_helpful(w->channels[t.ch], t.seq, w->users[t.asker], Role::customer, look,
                             w->now);
    }
    benchmark::DoNotOptimize(w->engine.take_mutations());
  }
}
BENCHMARK_TEMPLATE(BM_Mark, false)->Name("BM_MarkHelpful")->Iterations(100'000);
BENCHMARK_TEMPLATE(BM_Mark, true)->Name("BM_MarkSolved")->Iterations(100'000);

void BM_Ranked(benchmark::State& state) {
  auto w = make_world();
  w->engine.tick(w->now);
  std::size_t listed = 0;
  for (auto _ : state) {
    auto r = w->engine.ranked(static_cast<std::size_t>(state.range(0)), w->now);
    listed = r.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["listed"] = static_cast<double>(listed);
  state.counters["ranked_users"] = static_cast<double>(w->engine.ranked(1'000'000, w->now).size());
}
BENCHMARK(BM_Ranked)->Arg(50)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_Breakdown(benchmark::State& state) {
  auto w = make_world();
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        w->engine.breakdown(w->users[(i++ % kHelpers) * (kUsers / kHelpers)], w->now));
  }
}
BENCHMARK(BM_Breakdown);

void BM_TickNothingDue(benchmark::State& state) {
  auto w = make_world();
  w->engine.tick(w->now);
  for (auto _ : state) w->engine.tick(w->now);
}
BENCHMARK(BM_TickNothingDue);

// One day of expiry: the day that leaves the window (~1,500 questions' worth of records).
void BM_TickOneDayExpires(benchmark::State& state) {
  auto w = make_world();
  std::int64_t day = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (day >= kHistoryDays - 1) {
      w = make_world();
      day = 0;
    }
    const std::int64_t at = kT0 + (90 + day) * kDay + 1;
    ++day;
    state.ResumeTiming();
    w->engine.tick(at);
  }
}
BENCHMARK(BM_TickOneDayExpires)->Iterations(20)->Unit(benchmark::kMillisecond);

void BM_Insights(benchmark::State& state) {
  auto w = make_world();
  for (auto _ : state) benchmark::DoNotOptimize(w->engine.insights(7 * kDay, "", w->now));
}
BENCHMARK(BM_Insights)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
