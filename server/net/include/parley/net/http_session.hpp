// HTTP/1.1 connections, plain or TLS: requests go to an HttpHandler, and WebSocket upgrades of
// /ws that pass the checks are handed to it as well.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "parley/net/http_handler.hpp"

namespace parley::server {

class Shard;

// Runs an HTTP session on `socket` (bound to shard's io_context). Call on shard's thread.
void start_http_session(Shard& shard, HttpHandler& handler, boost::asio::ip::tcp::socket socket);
// The same over TLS: handshakes first (bounded by the request timeout), then serves the same
// routes. `tls` must outlive the session.
void start_https_session(Shard& shard, HttpHandler& handler, boost::asio::ssl::context& tls,
                         boost::asio::ip::tcp::socket socket);

}  // namespace parley::server
