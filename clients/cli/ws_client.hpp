// A small blocking WebSocket client for the Parley protocol, with timeouts.
//
// It knows only the wire format: JSON text frames out, server frames split on '\n' into one
// JSON object each. Used by parley-cli and by the black-box tests. Plain ws:// by default;
// use_tls() before connect() switches to wss://.
//
// Thread-safety: none; one thread per client.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::client {

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Makes the next connect() speak TLS (wss://, TLS 1.2 or later). The server's certificate
  // must chain to a certificate in the PEM file `ca_file` (a self-signed certificate can be its
  // own) and be valid for `server_name`, which is also sent as SNI; "" = the host given to
  // connect(). Returns false with *error set when `ca_file` cannot be loaded.
  bool use_tls(const std::string& ca_file, std::string* error, const std::string& server_name = "");

  // Connects and performs the WebSocket handshake on `target` (default "/ws"). `bearer` adds an
  // Authorization header to the upgrade. Returns false with *error set on failure (with TLS, a
  // failed handshake or certificate check included).
  bool connect(const std::string& host, std::uint16_t port, std::string* error,
               const std::string& target = "/ws", const std::string& bearer = "",
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends one text frame. Returns false if the connection is gone.
  bool send(std::string_view text);
  // Sends one binary frame.
  bool send_binary(std::string_view data);

  // The next JSON object from the server, waiting at most `timeout`. nullopt on timeout or
  // when the connection closed (see closed()).
  std::optional<std::string> recv(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // True once the server closed the connection (or it failed); close_code() then tells why
  // (0 when the socket failed without a close frame).
  bool closed() const { return closed_; }
  std::uint16_t close_code() const { return close_code_; }
  std::string close_reason() const { return close_reason_; }

  // Frames received so far (each may carry several objects).
  std::uint64_t frames_received() const { return frames_; }

  // Sends a close frame (1000) and waits briefly for the server's reply.
  void close();
  // Drops the TCP connection without a close handshake (a vanished phone).
  void abort();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::deque<std::string> pending_;
  bool closed_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  std::uint64_t frames_ = 0;
};

}  // namespace parley::client
