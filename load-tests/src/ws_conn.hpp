// WsConn: one client WebSocket connection, callback style, for thousands per thread.
//
// This header and ws_conn.cpp are the only place the load generator touches Beast (one
// translation unit: Beast's websocket templates are expensive to compile). Derived classes see
// whole JSON objects: a server frame is split on '\n' (DESIGN §2) before on_object().
//
// With Framing::socketio the connection speaks Engine.IO/socket.io underneath
// (socketio_framing.hpp): on_open() comes once the socket.io namespace is connected, send()
// wraps each frame as an event, events are unwrapped before the split, pings are answered here.
//
// Lifecycle: connect() -> on_open() -> on_object()* -> on_closed(); on_closed() also reports a
// failed connect or handshake, and is called exactly once per connect() unless the WsConn is
// destroyed first. Callbacks never run inside the call that caused them (they are posted).
//
// Threading: every method and callback runs on the io_context's single thread. Destroy a WsConn
// only when that io_context is not running (it then aborts the socket silently).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "socketio_framing.hpp"

namespace boost::asio {
class io_context;
}

namespace parley::load {

struct ConnectSpec {
  std::string remote_ip;  // literal IPv4/IPv6 address
  std::uint16_t port = 0;
  std::string source_ip;    // bind to it before connect (port chosen at connect); "" = any
  std::string host_header;  // HTTP Host of the upgrade request
  std::string target = "/ws";
  Framing framing = Framing::parley;
};

struct CloseInfo {
  enum class Stage : std::uint8_t { connect, handshake, open };
  Stage stage = Stage::open;
  bool by_us = false;      // close() or abort() started it
  std::uint16_t code = 0;  // the peer's WebSocket close code; 0 when there was no close frame
  std::string reason;      // the close reason, or the socket error's message
};

class WsConn {
 public:
  explicit WsConn(boost::asio::io_context& ioc);
  virtual ~WsConn();
  WsConn(const WsConn&) = delete;
  WsConn& operator=(const WsConn&) = delete;

  // Starts connecting. REQUIRES: called once.
  void connect(const ConnectSpec& spec);
  // Queues one text frame; frames go out in order, one write at a time. Returns false (and
  // drops the frame) unless the connection is open and not closing.
  bool send(std::string text);
  // Starts the close handshake (1000) once queued frames are written; a connection that is
  // not open yet is aborted instead.
  void close();
  // Drops the socket now.
  void abort();

  bool is_open() const;
  std::size_t queued_frames() const;

 protected:
  virtual void on_open() = 0;
  virtual void on_object(std::string_view json) = 0;
  virtual void on_closed(const CloseInfo& info) = 0;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::load
