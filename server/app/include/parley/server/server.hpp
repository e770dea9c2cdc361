// The Parley server: listener, shards, storage, HTTP and WebSocket, wired together.
//
// Usage: Server s(cfg); if (!s.start(&err)) …; s.wait_for_signal(); s.stop();
// Thread-safety: start/stop/wait from one controlling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "parley/ops/config.hpp"

namespace parley::server {

class Server {
 public:
  explicit Server(Config cfg);
  ~Server();

  // Loads the secret and the TLS certificate, binds the listeners, opens storage and starts the
  // I/O threads.
  bool start(std::string* error);
  // The bound port of the main listener (useful with --listen 127.0.0.1:0).
  std::uint16_t port() const;
  // The bound port of the plain listener (server.plain_listen); 0 when there is none.
  std::uint16_t plain_port() const;
  // True when the main listener speaks TLS (server.tls_cert / tls_key are set).
  bool tls() const;
  // Blocks until SIGINT or SIGTERM.
  void wait_for_signal();
  // Graceful stop: stop accepting, close sessions with 1012, flush the writer, close RocksDB.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Reads <data_dir>/secret.key, creating it (0600, 32 random bytes as hex) if missing. Safe when
// several processes race to create it: exactly one file wins and all read the same secret.
bool load_or_create_secret(const std::string& data_dir, std::string* secret, std::string* error);

}  // namespace parley::server
