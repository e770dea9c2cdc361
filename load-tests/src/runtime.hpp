// The load generator's machinery: worker threads (one io_context each), the run's phases and
// deadlines, connection admission, rate pacing and per-worker error tallies.
//
// Threading: the main thread builds clients, starts the workers and then only coordinates —
// it waits on atomics and post()s work to the workers. Everything in a Worker (its clients,
// tallies, histograms, RNG) is touched only by that worker's thread while it runs, and by the
// main thread after stop(). Runtime's atomics may be used from any thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "options.hpp"
#include "pacer.hpp"
#include "proc_stats.hpp"
#include "result.hpp"
#include "ws_conn.hpp"

namespace parley::load {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Run phases, in order. Clients read the phase to decide whether to send and whether to count.
enum class Phase : int { setup, warmup, measure, drain, closing };

struct ErrorTally {
  std::map<std::string, std::uint64_t> by_kind;
  void add(const std::string& kind, std::uint64_t n = 1) { by_kind[kind] += n; }
};

class Runtime;
class Client;

struct Worker {
  Worker(Runtime& rt, std::size_t index);
  ~Worker();

  Runtime& rt;
  const std::size_t index;
  boost::asio::io_context ioc{1};
  // Declared after ioc: destroyed first, while the io_context still exists.
  std::vector<std::unique_ptr<Client>> clients;

  ErrorTally errors;
  Histogram setup_latency;  // connect started -> ready (welcome, and join ok if joining)
  std::uint64_t objects_in = 0;
  std::uint64_t presence_events = 0;
  std::uint64_t other_events = 0;
  std::mt19937_64 rng;

  // Connection admission: at most max_connecting set-ups in flight on this worker.
  void admit(Client* c);
  void setup_finished();
  void shutdown_clients();

 private:
  friend class Runtime;
  std::deque<Client*> waiting_;
  std::size_t connecting_ = 0;
  std::size_t max_connecting_ = 1;
  std::thread thread_;
};

class Runtime {
 public:
  Runtime(const Options& o, std::string secret);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Options& opts() const { return opts_; }
  const std::string& run_id() const { return run_id_; }
  std::size_t threads() const { return workers_.size(); }
  Worker& worker(std::size_t i) { return *workers_[i]; }

  // Adds a client to worker (n % threads) and returns it; call before start().
  template <class C, class... Args>
  C& add_client(std::size_t n, Args&&... args) {
    Worker& w = worker(n % threads());
    auto c = std::make_unique<C>(w, n, std::forward<Args>(args)...);
    C& ref = *c;
    w.clients.push_back(std::move(c));
    ++total_clients_;
    return ref;
  }
  std::size_t total_clients() const { return total_clients_; }

  void start();  // starts the worker threads and admits every client
  void stop();   // stops the loops and joins the threads; idempotent

  Phase phase() const { return phase_.load(std::memory_order_relaxed); }
  bool measuring() const { return phase() == Phase::measure; }
  bool sending() const { return phase() == Phase::warmup || phase() == Phase::measure; }
  void set_phase(Phase p) { phase_.store(p, std::memory_order_relaxed); }

  // Runs fn(worker) on every worker's thread.
  void post_all(std::function<void(Worker&)> fn);

  ConnectSpec connect_spec(std::size_t n) const;
  std::string token(const std::string& user) const;

  // Main thread: polls pred every 5 ms until it holds, `deadline` passes or the hard deadline
  // passes. Returns pred()'s last value.
  bool wait_until(const std::function<bool()>& pred, Clock::time_point deadline);
  // Main thread: the measurement window. Sets warmup, then measure, then drain; prints a
  // progress line per second (unless quiet) from progress_. Returns the measured seconds.
  double run_measurement(double warmup_s, double duration_s, const char* what);
  bool hard_deadline_passed() const { return Clock::now() >= hard_deadline_; }
  void extend_hard_deadline(double seconds);

  // Main thread: waits until every client finished its set-up (ready or failed) or the
  // deadline. Returns true when all are ready.
  bool wait_all_ready(double max_seconds);
  // Main thread: closes every client gracefully, waits (bounded) for the closes, stops.
  void close_all_and_stop(double max_seconds = 5);

  // Adds what every scenario reports: connection errors, tallies, client and server CPU/RSS.
  void fill_common(Result& r);

  // Counters any thread may update.
  std::atomic<std::size_t> ready{0};
  std::atomic<std::size_t> setup_failed{0};
  std::atomic<std::size_t> closed{0};
  std::atomic<std::size_t> lost{0};        // closed while ready, not by us
  std::atomic<std::int64_t> inflight{0};   // requests sent and not yet answered
  std::atomic<std::uint64_t> progress{0};  // the scenario's main count, for progress lines

 private:
  Options opts_;
  std::string secret_;
  std::string address_;  // literal remote address
  std::string run_id_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::size_t total_clients_ = 0;
  std::atomic<Phase> phase_{Phase::setup};
  Clock::time_point hard_deadline_;
  bool started_ = false;
  bool stopped_ = false;
  // CPU accounting over the measurement window.
  double self_cpu_s_ = -1;  // cores used during the measurement; -1 = not measured
  double server_cpu_s_ = -1;
  long server_rss_start_kb_ = -1;
};

}  // namespace parley::load
