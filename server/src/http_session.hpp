// Plain HTTP/1.1 connections: serves HttpApi routes and hands WebSocket upgrades of /ws to
// the WebSocket transport.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace parley::server {

class Shard;
class HttpApi;

// Runs an HTTP session on `socket` (bound to shard's io_context). Call on shard's thread.
void start_http_session(Shard& shard, HttpApi& api, boost::asio::ip::tcp::socket socket);

}  // namespace parley::server
