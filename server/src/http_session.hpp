// HTTP/1.1 connections, plain or TLS: serves HttpApi routes and hands WebSocket upgrades of
// /ws to the WebSocket transport.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace parley::server {

class Shard;
class HttpApi;

// Runs an HTTP session on `socket` (bound to shard's io_context). Call on shard's thread.
void start_http_session(Shard& shard, HttpApi& api, boost::asio::ip::tcp::socket socket);
// The same over TLS: handshakes first (bounded by the request timeout), then serves the same
// routes. `tls` must outlive the session.
void start_https_session(Shard& shard, HttpApi& api, boost::asio::ssl::context& tls,
                         boost::asio::ip::tcp::socket socket);

}  // namespace parley::server
