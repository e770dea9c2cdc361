// The hub ties the shards to the store: it owns both, turns each committed storage batch into
// one post per shard (the serialized message shared by all of them), runs blocking reads on a
// small reader pool, and keeps cross-shard presence counts.
//
// Thread-safety: on_commit() runs on the storage writer thread; everything else may be called
// from any shard thread unless stated.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics.hpp"
#include "parley/protocol/limits.hpp"
#include "parley/server/config.hpp"
#include "parley/storage/store.hpp"
#include "shard.hpp"

namespace parley::server {

class Hub {
 public:
  Hub(const Config& cfg, std::string secret);
  ~Hub();

  // Opens the store (the writer starts reporting into on_commit) and starts the shards.
  bool start(std::string* error);
  // Graceful stop: sessions closed with 1012, the writer flushed, the store closed.
  void shutdown();

  const Config& config() const { return cfg_; }
  const protocol::ParseLimits& parse_limits() const { return parse_limits_; }
  const std::string& secret() const { return secret_; }
  storage::Store& store() { return *store_; }
  Metrics& metrics() { return metrics_; }

  std::size_t shard_count() const { return shards_.size(); }
  Shard& shard(std::size_t i) { return *shards_[i]; }
  // Round-robin choice of shard for a new connection.
  Shard& next_shard();

  // Runs `work` on the reader pool (blocking storage reads live there, never on I/O threads).
  template <class F>
  void read_async(F&& work) {
    boost::asio::post(readers_, std::forward<F>(work));
  }

  // Posts a transient frame to the channel's subscribers on every shard, except one session.
  void publish_transient(const std::string& channel, Payload p, std::uint64_t except_session);

  // Presence: counts sessions per (channel, user) across shards. join returns true when this
  // is the user's first session in the channel; leave returns true when it was the last.
  bool presence_join(const std::string& channel, const std::string& user);
  bool presence_leave(const std::string& channel, const std::string& user);

  // Called on the storage writer thread after every batch.
  void on_commit(std::vector<storage::Committed>& batch);

 private:
  Config cfg_;
  protocol::ParseLimits parse_limits_;
  std::string secret_;
  Metrics metrics_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::size_t> rr_{0};
  boost::asio::thread_pool readers_;
  std::unique_ptr<storage::Store> store_;

  std::mutex presence_mu_;
  std::map<std::pair<std::string, std::string>, unsigned> presence_;
};

}  // namespace parley::server
