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

#include "parley/protocol/errors.hpp"
#include "payload.hpp"

namespace parley::server {

class Hub;
class Session;

// One thing to fan out to every shard after a commit (the same object is shared by all).
struct Delivery {
  enum class Kind : std::uint8_t {
    message,         // a stored message (seq > 0): subscription-aware, deduplicated by seq
    channel_event,   // edited / deleted / reaction / channel_updated: to the channel's readers
    staff_event,     // report / report_resolved: to every staff and admin session
                     // (except sessions of `user`, when set: they get a user_event already)
    user_event,      // read, command, command_reply, action: to every session of `user`
                     // (but except_session)
    everyone_event,  // advocate: to every authenticated session
    close_user,      // close every session of `user` with `close` after sending `payload`
                     // (a ban: 4403; a revoked bot: 4401)
    kick,            // every session of `user` leaves `channel` and gets `payload`
  };
  Kind kind = Kind::message;
  std::string channel;
  std::uint64_t seq = 0;
  Payload payload;
  // For DMs: the two members, who receive it on every session even without a join.
  std::string dm_a, dm_b;
  std::string user;                  // close_user, kick
  std::uint16_t close = 0;           // close_user: the close code
  std::string close_reason;          // close_user: the close frame's reason
  std::uint64_t except_session = 0;  // user_event: not to this session (0: to all of them)
  // channel_event: its change number (edited, deleted, reaction, solved, helpful), 0 for none:
  // subscription-aware like messages (buffered during a join's replay, deduplicated).
  std::uint64_t change = 0;
};

// The result of one storage write, routed back to the session that asked for it.
struct WriteAck {
  std::uint64_t session_id = 0;
  std::uint64_t cookie = 0;
  bool ok = false;
  protocol::ErrorCode error_code = protocol::ErrorCode::internal;  // when !ok
  std::string error_message;
  std::string channel;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
};

class Shard {
 public:
  Shard(unsigned index, unsigned shard_count, Hub& hub);
  ~Shard();

  unsigned index() const { return index_; }
  boost::asio::io_context& ioc() { return ioc_; }
  Hub& hub() { return hub_; }

  void start();  // spawns the thread
  void stop();   // stops the io_context (pending handlers are dropped)
  void join();

  // --- The rest is called on this shard's thread only. ---

  // Ids are unique across shards: id % shard_count == index.
  std::uint64_t next_session_id();

  void add_session(Session* s);
  void remove_session(Session* s);  // also drops its subscriptions and user binding
  Session* find_session(std::uint64_t id) const;
  std::size_t session_count() const { return sessions_.size(); }

  void subscribe(const std::string& channel, Session* s);
  void unsubscribe(const std::string& channel, Session* s);
  void bind_user(const std::string& user, Session* s);

  // Delivers committed messages and acks (posted by the hub after each storage batch).
  void dispatch(const std::shared_ptr<const std::vector<Delivery>>& deliveries,
                const std::vector<WriteAck>& acks);
  // Transient frames (typing, presence) to a channel's local subscribers except one session.
  void dispatch_transient(const std::string& channel, const Payload& p, std::uint64_t except);
  // Applies f to every session (e.g. shutdown).
  void for_each_session(const std::function<void(Session&)>& f);

 private:
  void deliver_to_channel(const Delivery& d);
  void arm_sweep();
  void sweep();

  unsigned index_;
  unsigned shard_count_;
  Hub& hub_;
  boost::asio::io_context ioc_{1};
  std::thread thread_;
  boost::asio::steady_timer sweep_timer_;
  std::uint64_t id_counter_ = 0;

  std::unordered_map<std::uint64_t, Session*> sessions_;
  std::unordered_map<std::string, std::vector<Session*>> channels_;
  std::unordered_map<std::string, std::vector<Session*>> users_;
};

}  // namespace parley::server
