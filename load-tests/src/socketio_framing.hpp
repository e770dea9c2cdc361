// The framing adapter for --peer-protocol socketio: Parley's JSON objects carried as socket.io
// events (Socket.IO v5 over Engine.IO v4, WebSocket transport only), as
// load-tests/peers/socketio-peer.js speaks it. WsConn (ws_conn.cpp) feeds it every incoming
// WebSocket text message and wraps every outgoing frame with wrap().
//
//   server  0{"sid":...}            Engine.IO open             client answers  40
//   server  40{"sid":...}           namespace "/" connected -> the Parley conversation starts
//   both    42["parley",{...}]      one Parley object per event
//   server  2                       ping                       client answers  3
//   server  41 / 44{...} / 1        disconnect / connect_error / close -> the connection fails
//
// Only what the peer sends is understood: no namespaces, acks, binary events or string
// payloads (those fail the connection with a reason, never silently).
//
// Thread-safety: none; one instance per connection, used on that connection's thread. Pure:
// no I/O. Views returned by on_message() point into its argument or into static storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::load {

// How Parley objects are framed on a WebSocket (--peer-protocol).
enum class Framing : std::uint8_t {
  parley,    // one object per client frame, one or more '\n'-separated objects per server frame
  socketio,  // SocketIoFraming below
};

class SocketIoFraming {
 public:
  // The upgrade target: Engine.IO v4, straight to the WebSocket transport.
  static constexpr std::string_view kTarget = "/socket.io/?EIO=4&transport=websocket";
  // The event name both sides use.
  static constexpr std::string_view kEvent = "parley";

  enum class Kind : std::uint8_t {
    ignore,   // nothing to do (pong, noop, an event of another name)
    reply,    // send `data` back as it is, unwrapped (handshake, pong)
    opened,   // the namespace is connected: the Parley conversation may start
    payload,  // `data` is one Parley object, for the '\n' splitter
    fail,     // a protocol error or a server-side disconnect; `data` says why
  };
  struct Step {
    Kind kind = Kind::ignore;
    std::string_view data;
  };

  // One incoming WebSocket text message.
  Step on_message(std::string_view msg);
  // An outgoing Parley frame as an event: 42["parley",<frame>]. REQUIRES: `frame` is one JSON
  // value (it is inserted as is).
  static std::string wrap(std::string_view frame);

  bool connected() const { return state_ == State::connected; }

 private:
  enum class State : std::uint8_t { wait_open, wait_connect, connected };
  Step on_socketio(std::string_view packet);
  State state_ = State::wait_open;
};

}  // namespace parley::load
