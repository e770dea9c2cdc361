// The set of shards of one process: their threads, which one takes the next connection, and
// posting work to all of them.
//
// Thread-safety: every method may be called from any thread (the shard list is fixed at
// construction), except start(), stop() and join(), which the owner calls once.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "parley/fanout/delivery.hpp"
#include "parley/fanout/shard.hpp"

namespace parley::server {

class ShardSet {
 public:
  explicit ShardSet(unsigned count);  // count >= 1

  // Spawns every shard's thread; `tick` runs on shard 0's thread after each sweep (~1 s).
  void start(std::function<void()> tick);
  void stop();  // stops every io_context (pending handlers are dropped)
  void join();

  std::size_t size() const { return shards_.size(); }
  Shard& at(std::size_t i) { return *shards_[i]; }
  // Round-robin choice of shard for a new connection.
  Shard& next();

  // Posts one committed batch to every shard: each gets the acks of its own sessions (a
  // session id names its shard) and the deliveries, one object shared by all. Shards with
  // nothing to do get no post. Posts from one thread run in order on each shard.
  void dispatch(std::shared_ptr<const std::vector<Delivery>> deliveries,
                std::vector<WriteAck> acks);

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::size_t> rr_{0};
};

}  // namespace parley::server
