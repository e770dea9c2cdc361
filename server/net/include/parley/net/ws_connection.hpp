// The WebSocket transport (RFC 6455, server side), written directly on Asio: see
// ws_connection.cpp for why it is not Beast's websocket::stream.
//
// A WsConnection is a Transport: the protocol session queues frames and closes through it, and
// it calls the session back through FrameHandler. It keeps itself alive during its operations
// through keep_alive(), which the class that owns it (one allocation holding the transport and
// its session: server/src/ws_session.cpp) implements. Everything runs on the connection's shard
// thread.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/fanout/payload.hpp"
#include "parley/net/tls_stream.hpp"
#include "parley/net/transport.hpp"
#include "parley/net/ws_frames.hpp"

namespace parley::server {

// The Sec-WebSocket-Accept value answering a client's Sec-WebSocket-Key (RFC 6455 §4.2.2), or
// nullopt when the key is not the base64 form of 16 bytes (24 characters ending in "==").
std::optional<std::string> websocket_accept(std::string_view key);

class WsConnection : public Transport {
 public:
  // `stream`: a plain socket, or TLS after its handshake, bound to the shard's io_context with
  // no operation pending on it.
  WsConnection(MaybeTlsStream stream, const WsLimits& limits);
  virtual ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  // Writes the 101 response (with `accept` from websocket_accept), tells `handler` the
  // connection is open (`bearer`: a token from the upgrade's Authorization header), handles
  // `early` (bytes already read past the upgrade request: frames the client pipelined), then
  // reads until the connection closes. `handler` must outlive the connection's operations.
  void start(FrameHandler& handler, const std::string& accept, std::optional<std::string> bearer,
             std::string early);

  SendStatus enqueue(Payload p) override;
  void close(std::uint16_t code, std::string_view reason) override;
  std::size_t queued_bytes() const override { return queued_bytes_; }
  void sweep(std::chrono::steady_clock::time_point now) override;

 protected:
  // Ownership of this connection, held by every pending operation's handler.
  virtual std::shared_ptr<WsConnection> keep_alive() = 0;

 private:
  using Clock = std::chrono::steady_clock;

  // Reading
  bool reading() const { return !done_ && (!stop_reading_ || draining_); }
  void start_read();
  void on_readable();
  // Takes `n` received bytes at `data` (mutable: frames are unmasked in place). Returns false
  // once nothing more is to be read.
  bool consume(char* data, std::size_t n);
  // Handles every complete frame in [base, base+n); returns the bytes used. What is left is the
  // start of a frame (kept by the caller until the rest arrives).
  std::size_t parse_frames(char* base, std::size_t n);
  // A protocol violation: no more input is taken; the close frame is sent after what is
  // already queued is dropped, and the TCP connection is closed right after it.
  void fail(std::uint16_t code, std::string_view reason);
  void on_peer_close(std::uint16_t code);

  // Writing
  void schedule_write();
  void do_write();
  void write_done();

  // Closing
  void drop_queue();
  void begin_close(std::uint16_t code, std::string_view reason);
  // Both close frames are through (or we give up after a violation): end the transport. Over
  // TLS, close_notify is exchanged first.
  void shutdown_transport();
  // Closes the TCP connection at once.
  void cut();
  void finish();

  const WsLimits& limits_;
  FrameHandler* handler_ = nullptr;
  MaybeTlsStream stream_;
  ws::FrameParser parser_;
  std::string rx_;  // the start of a frame that has not fully arrived
  std::unique_ptr<char[]> tls_buf_;
  std::vector<Payload> queue_;
  std::vector<Payload> inflight_;
  std::vector<boost::asio::const_buffer> bufs_;
  std::string ctrl_;         // control frames (and the 101 response) waiting to be written
  std::string wctrl_;        // those in the write in flight
  std::string close_frame_;  // our close frame, written after everything queued before it
  std::array<unsigned char, 10> hdr_{};
  std::size_t queued_bytes_ = 0;
  std::size_t write_total_ = 0;
  Clock::time_point last_rx_;
  Clock::time_point close_deadline_;
  bool writing_ = false;
  bool write_posted_ = false;  // a do_write is posted; cleared when it runs
  bool closing_ = false;       // a close frame is queued (ours or the answer to the peer's)
  bool close_in_write_ = false;
  bool close_sent_ = false;
  bool close_after_write_ = false;  // the peer's close came, or a violation: end once sent
  bool stop_reading_ = false;
  bool shutting_down_ = false;
  bool draining_ = false;  // plain: our FIN is sent; reading (and dropping) until the peer's
  bool ping_sent_ = false;
  bool done_ = false;
  bool warned_ = false;
};

}  // namespace parley::server
