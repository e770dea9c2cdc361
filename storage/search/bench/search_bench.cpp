// search_bench: the search index over a synthetic community (make bench runs it through
// load-tests/run-knowledge.sh; not a ctest).
//
// Writes PARLEY_SEARCH_BENCH_MESSAGES messages (default 1,000,000; 8-20 words each from a
// 20,000-word Zipf-distributed vocabulary, 100 channels, 1 in 10 a reply) into a temporary
// RocksDB store, rebuilds the index from it (SearchIndex::rebuild: documents per second, index
// bytes per message), then measures queries through SearchIndex::search (1-3 of the 2,000 most
// frequent content words, an in: filter in one of four) with Google Benchmark, and the latency
// distribution of a paced run at half the unpaced rate. PARLEY_SEARCH_BENCH_CORPUS: "english"
// (default: the vocabulary's most frequent ranks are the English stop words, as in real text)
// or "flat" (every rank a content word: the most common ones are in most messages, the worst
// case for a query). The store and the index live in a temporary directory removed at the end.
//
//   build/bin/search_bench --benchmark_min_time=5
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "parley/search/index.hpp"
#include "parley/storage/store.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kVocabulary = 20000;
constexpr int kChannels = 100;
constexpr std::size_t kQueryWords = 2000;

std::string word(std::size_t i) {
  // Pronounceable, distinct, stems to itself: consonant-vowel pairs from the index.
  static const char* kC = "bcdfghjklmnprstvz";
  static const char* kV = "aeiou";
  std::string w;
  do {
    w += kC[i % 17];
    i /= 17;
    w += kV[i % 5];
    i /= 5;
  } while (i > 0);
  return w;
}

struct Fixture {
  fs::path dir;
  std::unique_ptr<parley::storage::Store> store;
  std::unique_ptr<parley::search::SearchIndex> index;
  std::vector<std::string> words;
  std::discrete_distribution<std::size_t> zipf, query_zipf;
  std::string corpus;
  std::size_t first_content = 0;  // words[first_content]: the most frequent content word
  std::uint64_t messages = 0;
  double build_s = 0, docs_per_s = 0, bytes_per_message = 0;

  Fixture() {
    const char* env = std::getenv("PARLEY_SEARCH_BENCH_MESSAGES");
    messages = env ? std::strtoull(env, nullptr, 10) : 1000000;
    dir = fs::temp_directory_path() / ("parley_search_bench_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const char* c = std::getenv("PARLEY_SEARCH_BENCH_CORPUS");
    corpus = c ? c : "english";
    if (corpus != "english" && corpus != "flat") {
      std::fprintf(stderr, "search_bench: PARLEY_SEARCH_BENCH_CORPUS must be english or flat\n");
      std::exit(2);
    }
    // english: the most frequent ranks are the English stop words, as in real text (where
    // "the", "a", "to", ... make up a large share of all words); flat: every rank a content
    // word, so the most common ones are in most messages (the worst case for a query).
    if (corpus == "english") words = parley::search::stop_words("en");
    first_content = words.size();
    for (std::size_t i = 0; words.size() < kVocabulary; ++i) words.push_back(word(i));
    std::vector<double> weights(kVocabulary);
    for (std::size_t i = 0; i < kVocabulary; ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
    zipf = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
    // Queries: the 2,000 most frequent content words, by the same law.
    std::vector<double> qweights(kQueryWords);
    for (std::size_t i = 0; i < kQueryWords; ++i) {
      qweights[i] = 1.0 / static_cast<double>(first_content + i + 1);
    }
    query_zipf = std::discrete_distribution<std::size_t>(qweights.begin(), qweights.end());

    parley::storage::Options o;
    o.path = (dir / "db").string();
    o.durability = parley::storage::Durability::fast;
    std::string error;
    store = parley::storage::Store::open(
        o, [](auto&) {}, &error);
    if (!store) {
      std::fprintf(stderr, "search_bench: %s\n", error.c_str());
      std::exit(1);
    }
    for (int c = 0; c < kChannels; ++c) {
      parley::storage::WriteRequest r;
      parley::storage::ChannelInfo info;
      info.name = "c" + std::to_string(c);
      info.kind = parley::protocol::ChannelKind::support;
      r.op = parley::storage::CreateChannel{info};
      store->submit(std::move(r));
    }
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> len(8, 20), chan(0, kChannels - 1), tenth(0, 9);
    for (std::uint64_t i = 0; i < messages; ++i) {
      parley::storage::AppendMessage a;
      a.channel = "c" + std::to_string(chan(rng));
      a.client_msg_id = "m" + std::to_string(i);
      a.msg.from_id = "u" + std::to_string(i % 5000);
      a.msg.from_name = a.msg.from_id;
      const int n = len(rng);
      for (int k = 0; k < n; ++k) a.msg.text += (k ? " " : "") + words[zipf(rng)];
      if (tenth(rng) == 0 && i > 1000) a.msg.reply_to = 1;
      parley::storage::WriteRequest r;
      r.op = std::move(a);
      // A refused submit leaves `r` as it was (Store::submit: "does nothing"): retry it.
      while (!store->submit(std::move(r)))  // NOLINT(bugprone-use-after-move)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    while (store->queue_depth() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));

    parley::search::IndexOptions io;
    io.dir = (dir / "search").string();
    const auto t0 = Clock::now();
    auto docs = parley::search::SearchIndex::rebuild(io, *store, &error);
    build_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!docs) {
      std::fprintf(stderr, "search_bench: %s\n", error.c_str());
      std::exit(1);
    }
    docs_per_s = static_cast<double>(*docs) / build_s;
    index = parley::search::SearchIndex::open(io, *store, &error);
    bytes_per_message = static_cast<double>(index->stats().bytes) / static_cast<double>(*docs);
    std::printf(
        "search_bench: %s corpus, %llu messages, index built in %.1f s (%.0f documents/s), %.0f "
        "bytes per message\n",
        corpus.c_str(), static_cast<unsigned long long>(*docs), build_s, docs_per_s,
        bytes_per_message);
  }
  ~Fixture() {
    index.reset();
    if (store) store->close();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  // A query of 1-3 vocabulary words; one in four also filtered (in: or is:solved).
  std::string query(std::mt19937_64& rng) {
    std::uniform_int_distribution<int> n(1, 3), kind(0, 3), chan(0, kChannels - 1);
    std::string q;
    for (int k = n(rng); k > 0; --k) q += words[first_content + query_zipf(rng)] + " ";
    if (kind(rng) == 0) q += "in:c" + std::to_string(chan(rng));
    return q;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

parley::search::Access everything() {
  parley::search::Access a;
  a.everything = true;
  return a;
}

void BM_Search(benchmark::State& state) {
  auto& f = fixture();
  std::mt19937_64 rng(7);
  std::size_t hits = 0;
  for (auto _ : state) {
    parley::search::SearchRequest r;
    r.query = f.query(rng);
    auto res = f.index->search(r, everything());
    hits += res.hits.size();
    benchmark::DoNotOptimize(res);
  }
  state.counters["hits_per_query"] =
      static_cast<double>(hits) / static_cast<double>(state.iterations());
  state.counters["docs_per_s_build"] = f.docs_per_s;
  state.counters["bytes_per_message"] = f.bytes_per_message;
}
BENCHMARK(BM_Search)->Unit(benchmark::kMicrosecond);

// Latency distribution at half the unpaced rate (one thread; the rate from a short unpaced run).
void BM_SearchPacedHalfRate(benchmark::State& state) {
  auto& f = fixture();
  std::mt19937_64 rng(11);
  for (auto _ : state) {
    auto t0 = Clock::now();
    int n = 0;
    while (Clock::now() - t0 < std::chrono::seconds(2)) {
      parley::search::SearchRequest r;
      r.query = f.query(rng);
      benchmark::DoNotOptimize(f.index->search(r, everything()));
      ++n;
    }
    const double max_rate = n / 2.0;
    const auto gap = std::chrono::duration<double>(1.0 / (max_rate / 2));
    std::vector<double> us;
    auto next = Clock::now();
    for (int i = 0; i < static_cast<int>(max_rate / 2 * 10); ++i) {  // 10 s at half rate
      std::this_thread::sleep_until(next);
      next += std::chrono::duration_cast<Clock::duration>(gap);
      parley::search::SearchRequest r;
      r.query = f.query(rng);
      const auto s = Clock::now();
      benchmark::DoNotOptimize(f.index->search(r, everything()));
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
    }
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) {
      return us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))];
    };
    state.counters["max_rate_per_s"] = max_rate;
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
    state.counters["p999_us"] = pct(0.999);
  }
}
BENCHMARK(BM_SearchPacedHalfRate)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
