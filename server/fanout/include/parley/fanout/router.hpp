// The router: how the layers above (operations, protocol sessions) reach every recipient of
// an event, without knowing where the recipients are. LocalRouter (local_router.hpp) is the
// single-node implementation: every recipient is on one of this process's shards. A cluster
// router (DESIGN §8) implements the same interface across nodes.
//
// Thread-safety: publish*, presence_* and online() may be called from any thread;
// subscribe() and unsubscribe() on the subscriber's own shard thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parley/fanout/delivery.hpp"
#include "parley/fanout/payload.hpp"
#include "parley/protocol/types.hpp"

namespace parley::server {

class Subscriber;

class Router {
 public:
  virtual ~Router() = default;

  // One committed storage batch, in commit order: the acks reach their sessions first (a
  // sender learns its seq before its own message comes back), then every delivery reaches its
  // recipients. Called from one thread (the storage writer), so batches stay in order.
  virtual void publish_committed(std::vector<Delivery> deliveries, std::vector<WriteAck> acks) = 0;
  // Events that do not come from a storage commit (advocate flags, bot commands, kicks).
  virtual void publish(std::vector<Delivery> deliveries) = 0;
  // A transient frame (typing, presence) to the channel's subscribers, except one session.
  virtual void publish_transient(const std::string& channel, Payload p,
                                 std::uint64_t except_session) = 0;

  // `s` receives the channel's messages, changes and transient frames from now on.
  virtual void subscribe(const std::string& channel, Subscriber& s) = 0;
  virtual void unsubscribe(const std::string& channel, Subscriber& s) = 0;

  // Presence counts sessions per (channel, user). join returns true when this is the user's
  // first session in the channel and the arrival is announced (while fewer than the presence
  // cap are announced); leave returns true for the last session of an announced user.
  virtual bool presence_join(const std::string& channel, const std::string& user,
                             const std::string& name, protocol::Role role) = 0;
  virtual bool presence_leave(const std::string& channel, const std::string& user) = 0;
  struct OnlineUser {
    std::string id, name;
    protocol::Role role = protocol::Role::customer;
    bool announced = false;  // their arrival was announced (so their departure will be)
  };
  // Who is online in `channel` now (at most `limit`, by user id); with `announced_only`, only
  // those whose presence events are sent (the join ok's `online` list).
  virtual std::vector<OnlineUser> online(const std::string& channel, std::size_t limit,
                                         bool announced_only) = 0;
};

}  // namespace parley::server
