// Readers: the pool where blocking storage reads run (never on an I/O thread).
//
// Thread-safety: post() from any thread; join() once, at shutdown.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <utility>

namespace parley::server {

class Readers {
 public:
  explicit Readers(std::size_t threads) : pool_(threads) {}

  // Runs `work` on one of the pool's threads.
  template <class F>
  void post(F&& work) {
    boost::asio::post(pool_, std::forward<F>(work));
  }
  // Waits for the work posted so far; later posts are not run.
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace parley::server
