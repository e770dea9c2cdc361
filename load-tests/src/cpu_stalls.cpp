// parley-cpu-stalls: how long this machine's cores stop running a thread that wants to run,
// the floor under every latency percentile in make bench (docs/PERFORMANCE.md).
//
// --threads threads (default: one per core), each pinned to its own core while there are cores
// enough, read the monotonic clock in a loop for --duration seconds and nothing else. A gap
// between two reads means the thread was not running: an interrupt, another thread, or, in a
// virtual machine, the host running something else on that vCPU. Gaps of at least 20 µs are
// recorded (src/stall_counter.hpp). Run once with every core busy and once with one: a request
// queued behind a stalled core waits out the stall, whatever the server does.
//
// Bounded: it stops by itself after --duration; alarm() ends the process (exit 1) if it does
// not. No network.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "proc_stats.hpp"
#include "result.hpp"
#include "stall_counter.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using parley::load::Result;
using parley::load::StallCounter;
using parley::load::Value;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// Pins the calling thread to `cpu`; false if the kernel refused (the thread then floats).
bool pin_to(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) == 0;
}

void spin(StallCounter& c, std::uint64_t end_ns) {
  for (;;) {
    const std::uint64_t t = now_ns();
    c.tick(t);
    if (t >= end_ns) return;
  }
}

extern "C" void on_alarm(int) {
  static const char msg[] = "parley-cpu-stalls: hard timeout\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = cores;
  double duration = 3;
  std::string json_file;
  bool quiet = false;
  CLI::App app{
      "parley-cpu-stalls: one thread per core reads the clock in a loop; every gap of 20 us or\n"
      "more is a stall (the thread was not running). Exit: 0 = measured, 1 = timeout, 2 = usage."};
  app.add_option("--threads", threads,
                 "Spinning threads, pinned one per core while cores last "
                 "(the number of cores)")
      ->check(CLI::Range(1u, 256u));
  app.add_option("--duration", duration, "Seconds (3)")->check(CLI::Range(0.05, 600.0));
  app.add_option("--json", json_file, "Write the result as JSON to this file");
  app.add_flag("--quiet", quiet, "No summary line on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; a bad option: 2, as the help says
  }
  std::signal(SIGALRM, on_alarm);
  ::alarm(static_cast<unsigned>(duration) + 30);

  std::vector<StallCounter> counters(threads);
  std::vector<char> pinned(threads, 0);
  const std::uint64_t end = now_ns() + static_cast<std::uint64_t>(duration * 1e9);
  const double cpu0 = parley::load::self_cpu_s();
  {
    std::vector<std::jthread> pool;
    for (unsigned i = 0; i < threads; ++i) {
      pool.emplace_back([&, i] {
        if (i < cores) pinned[i] = pin_to(i) ? 1 : 0;
        spin(counters[i], end);
      });
    }
  }
  const double cpu = parley::load::self_cpu_s() - cpu0;

  StallCounter all;
  for (const auto& c : counters) all.merge(c);
  unsigned pinned_n = 0;
  for (char p : pinned) pinned_n += p ? 1 : 0;
  const double thread_s = static_cast<double>(all.span_ns()) / 1e9;  // summed over threads

  Result r;
  r.scenario = "cpu-stalls";
  r.work_name = "thread_ms_measured";  // time spent spinning, summed over the threads
  r.work = all.span_ns() / 1'000'000;
  r.measured_s = thread_s / threads;
  r.param("threads", static_cast<std::int64_t>(threads));
  r.param("cores", static_cast<std::int64_t>(cores));
  r.param("pinned_threads", static_cast<std::int64_t>(pinned_n));
  r.param("duration_s", duration);
  r.param("min_gap_us", static_cast<std::int64_t>(StallCounter::kDefaultMinGapNs / 1000));
  r.count("stalls", all.gaps().count());
  static constexpr const char* kNames[] = {"stalls_ge_100us", "stalls_ge_500us", "stalls_ge_1ms",
                                           "stalls_ge_2ms", "stalls_ge_5ms"};
  static_assert(std::size(kNames) == StallCounter::kThresholdsNs.size());
  for (std::size_t i = 0; i < std::size(kNames); ++i) r.count(kNames[i], all.at_least(i));
  // Per thread and second: one thread per core, so "per core".
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    r.rate(std::string(kNames[i]) + "_per_thread",
           thread_s > 0 ? static_cast<double>(all.at_least(i)) / thread_s : 0);
  }
  r.latencies.emplace_back("stall", all.gaps());
  r.info.emplace_back("lost_fraction", Value(all.span_ns() ? static_cast<double>(all.lost_ns()) /
                                                                 static_cast<double>(all.span_ns())
                                                           : 0.0));
  r.info.emplace_back("process_cpu_cores", Value(r.measured_s > 0 ? cpu / r.measured_s : 0.0));
  if (!quiet) {
    std::cerr << "  " << threads << " thread(s): " << all.at_least(2) << " stalls >= 1 ms, "
              << all.at_least(1) << " >= 0.5 ms in " << r.measured_s << " s; longest "
              << static_cast<double>(all.gaps().max()) / 1e6 << " ms\n";
  }
  parley::load::print_table(r, std::cout);
  if (!json_file.empty()) {
    std::ofstream f(json_file);
    f << parley::load::to_json(r);
    if (!f) {
      std::cerr << "parley-cpu-stalls: cannot write " << json_file << "\n";
      return 2;
    }
  }
  return r.ok() ? 0 : 1;
}
