// What the fan-out carries: a committed batch's deliveries and the acks of its writes.
#pragma once

#include <cstdint>
#include <string>

#include "parley/fanout/payload.hpp"
#include "parley/protocol/errors.hpp"

namespace parley::server {

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

}  // namespace parley::server
