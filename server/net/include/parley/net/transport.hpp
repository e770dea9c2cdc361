// The two sides of a client connection: Transport is what the protocol session sees of its
// socket (implemented here, by WsConnection), FrameHandler is what the transport calls (the
// protocol session implements it). Both are called on the connection's shard thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/fanout/payload.hpp"

namespace parley::server {

// The limits every WebSocket connection of a server shares ([limits]); outlives them all.
struct WsLimits {
  std::size_t hard_frame_bytes = 0;      // a bigger frame closes the connection (1009)
  std::size_t outbound_queue_bytes = 0;  // queued past this: closed (1008), warned at 3/4
  unsigned idle_timeout_s = 0;           // ping at half, cut after an unanswered ping
  std::atomic<std::uint64_t>* bytes_out = nullptr;  // counts bytes written, when set
};

class Transport {
 public:
  // Queues one frame (the shared bytes are not copied). Over the outbound cap the connection
  // is closed with 1008 and `overflow` returned.
  virtual SendStatus enqueue(Payload p) = 0;
  // Starts the close handshake with `code` and `reason` (asynchronous).
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Bytes queued and not yet written (paces replays).
  virtual std::size_t queued_bytes() const = 0;
  // About once a second: keep-alive pings, the idle cut-off, the close-handshake deadline.
  virtual void sweep(std::chrono::steady_clock::time_point now) = 0;

 protected:
  ~Transport() = default;
};

class FrameHandler {
 public:
  // The connection is open. `bearer`: a token from the upgrade's Authorization header, if any.
  virtual void on_open(std::optional<std::string> bearer) = 0;
  // One complete client message.
  virtual void on_frame(std::string_view data, bool binary) = 0;
  // A write completed: room in the queue again (resumes paused replays).
  virtual void on_writable() = 0;
  // The connection is gone (called once).
  virtual void on_closed() = 0;

 protected:
  ~FrameHandler() = default;
};

}  // namespace parley::server
