// Pacer: issues operations at a fixed rate on one io_context.
//
// Threading: construct, start and stop it on (or before running) its io_context's thread; the
// fire callback runs there. It must outlive the io_context's run (the timer handler holds `this`).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>

namespace parley::load {

// Drives a worker's senders at a fixed rate: every tick it offers the tokens earned since the
// start to fire(n), which issues up to n operations and returns how many it did. A tick is one
// operation's share of a second, kept between 100 us and 1 ms, so that operations go out spread
// over time as independent users would send them, not in a burst per millisecond that then
// queues in the server (at 12,600 pages/s a 1 ms tick released 12-13 pages at once; the last
// one's latency was mostly the other twelve). Tokens not used are kept up to 50 ms worth;
// beyond that they are dropped (a slow server lowers the achieved rate instead of causing a
// burst later).
class Pacer {
 public:
  Pacer(boost::asio::io_context& ioc, double per_second,
        std::function<std::size_t(std::size_t)> fire);
  void start();
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void arm();
  boost::asio::steady_timer timer_;
  double per_second_;
  std::chrono::nanoseconds tick_;
  std::function<std::size_t(std::size_t)> fire_;
  std::chrono::steady_clock::time_point start_;
  double issued_ = 0;
  bool stopped_ = false;
};

}  // namespace parley::load
