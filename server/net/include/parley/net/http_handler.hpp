// What an HTTP connection calls up: the HTTP API implements HttpHandler (no Asio here).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "parley/net/http.hpp"

namespace parley::server {

class MaybeTlsStream;
class Shard;

// What an HTTP connection calls up (the HTTP API implements it). Any shard thread may call it,
// concurrently.
class HttpHandler {
 public:
  // Answers `req` through `respond`, exactly once, possibly later and from another thread.
  virtual void handle(const HttpRequest& req, Respond respond) = 0;
  // Whether a browser page from `origin` may open a WebSocket here (`host`: the Host header).
  virtual bool origin_permitted(std::string_view origin, std::string_view host) const = 0;
  // Runs `work` off the I/O threads (a ChunkSource's next()).
  virtual void read_async(std::function<void()> work) = 0;
  // The largest request body accepted (a bigger one gets 413).
  virtual std::size_t max_body_bytes() const = 0;
  // Whether one more WebSocket connection may open now; false answers 503 (and is counted).
  virtual bool admit_websocket() = 0;
  // Takes over a connection whose request was a valid WebSocket upgrade of /ws, with the
  // `accept` value of its key, a Bearer token from its Authorization header if any, and the
  // bytes read past the request (`early`). Called on `shard`'s thread with `stream` bound to it.
  virtual void open_websocket(Shard& shard, MaybeTlsStream stream, std::string accept,
                              std::optional<std::string> bearer, std::string remote_ip,
                              std::string early) = 0;

 protected:
  ~HttpHandler() = default;
};

}  // namespace parley::server
