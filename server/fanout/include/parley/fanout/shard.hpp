// A shard: one thread running one io_context, owning the sessions accepted onto it.
//
// Everything a shard holds (its session table, channel subscriber lists, user index) is touched
// only on the shard's own thread, so none of it is locked. Other threads talk to a shard by
// post()ing to its io_context; posts from one thread run in order, which keeps per-channel
// message order from the storage writer to every subscriber.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "parley/fanout/delivery.hpp"
#include "parley/fanout/payload.hpp"

namespace parley::server {

class Subscriber;

class Shard {
 public:
  Shard(unsigned index, unsigned shard_count);
  ~Shard();

  unsigned index() const { return index_; }
  boost::asio::io_context& ioc() { return ioc_; }

  // `tick`, if set, runs on this shard's thread after every sweep (about once a second).
  void start(std::function<void()> tick = {});  // spawns the thread
  void stop();  // stops the io_context (pending handlers are dropped)
  void join();

  // --- The rest is called on this shard's thread only. ---

  // Ids are unique across shards: id % shard_count == index.
  std::uint64_t next_session_id();

  void add_session(Subscriber* s);
  void remove_session(Subscriber* s);  // and its user binding (not its subscriptions)
  Subscriber* find_session(std::uint64_t id) const;
  std::size_t session_count() const { return sessions_.size(); }

  void subscribe(const std::string& channel, Subscriber* s);
  void unsubscribe(const std::string& channel, Subscriber* s);
  void bind_user(const std::string& user, Subscriber* s);

  // Delivers committed messages and acks (posted by the router after each storage batch).
  void dispatch(const std::shared_ptr<const std::vector<Delivery>>& deliveries,
                const std::vector<WriteAck>& acks);
  // Transient frames (typing, presence) to a channel's local subscribers except one session.
  void dispatch_transient(const std::string& channel, const Payload& p, std::uint64_t except);
  // Applies f to every session (e.g. shutdown).
  void for_each_session(const std::function<void(Subscriber&)>& f);

 private:
  void deliver_to_channel(const Delivery& d);
  void arm_sweep();
  void sweep();

  unsigned index_;
  unsigned shard_count_;
  std::function<void()> tick_;
  boost::asio::io_context ioc_{1};
  std::thread thread_;
  boost::asio::steady_timer sweep_timer_;
  std::uint64_t id_counter_ = 0;

  std::unordered_map<std::uint64_t, Subscriber*> sessions_;
  std::unordered_map<std::string, std::vector<Subscriber*>> channels_;
  std::unordered_map<std::string, std::vector<Subscriber*>> users_;
};

}  // namespace parley::server
