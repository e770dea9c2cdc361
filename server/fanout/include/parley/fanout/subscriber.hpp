// What the fan-out delivers to: one client connection, seen from the shards and the router.
//
// A Subscriber lives on one shard and is called on that shard's thread only. The protocol
// session (server/src/session.hpp) implements it; the fan-out layer knows nothing else of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/fanout/payload.hpp"
#include "parley/protocol/close_codes.hpp"
#include "parley/protocol/types.hpp"

namespace parley::server {

class Shard;
struct WriteAck;

// Who a connection authenticated as.
struct Identity {
  std::string id;
  std::string name;
  protocol::Role role = protocol::Role::customer;
  bool guest = false;
  std::string email;  // the token's email claim; "" = none
};

// The close codes (close_code::banned, …), as the server code names them.
namespace close_code = protocol::close_code;

class Subscriber {
 public:
  // Takes a session id unique across shards (Shard::next_session_id).
  explicit Subscriber(Shard& shard);
  virtual ~Subscriber() = default;
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  std::uint64_t id() const { return id_; }
  Shard& shard() { return shard_; }
  // Set once the connection has authenticated.
  const std::optional<Identity>& identity() const { return identity_; }
  bool authenticated() const { return identity_.has_value(); }

  // A committed message in `channel` (subscription-aware: buffered during a join's replay,
  // deduplicated by seq). Returns false when there is no subscription to `channel`.
  virtual bool deliver(const std::string& channel, std::uint64_t seq, const Payload& p) = 0;
  // A committed change in `channel`, numbered `change` (edited, deleted, reaction, solved,
  // helpful): as deliver(), by change number. False when there is no subscription.
  virtual bool deliver_change(const std::string& channel, std::uint64_t change,
                              const Payload& p) = 0;
  // A frame that bypasses subscriptions (DMs to a non-joined session, typing, presence, pushes).
  virtual void deliver_direct(const Payload& p) = 0;
  // Staff removed this user from `channel` (kick, or remove_member): leave it, tell the client.
  virtual void kicked(const std::string& channel, const Payload& p) = 0;
  // The storage result of one of this connection's writes.
  virtual void complete_write(const WriteAck& ack) = 0;
  // Closes the connection with a close frame (asynchronous: never unregisters synchronously).
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Graceful shutdown: later frames from the client are ignored.
  virtual void begin_drain() = 0;
  // About once a second, from the shard's sweep: deadlines (auth, idle, close handshake).
  virtual void on_sweep(std::chrono::steady_clock::time_point now) = 0;

 protected:
  // The session sets identity_ at auth; shard_ and id_ are fixed for the connection's life.
  Shard& shard_;
  const std::uint64_t id_;
  std::optional<Identity> identity_;
};

}  // namespace parley::server
