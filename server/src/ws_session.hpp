// Entry point into the WebSocket transport. Only ws_session.cpp includes Beast's websocket
// headers (they are the costliest thing to compile in the project).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

namespace parley::server {

class Shard;

// Takes over an HTTP connection whose request is a WebSocket upgrade for /ws: completes the
// handshake and runs the session until it closes. Must be called on `shard`'s thread, with a
// socket bound to the shard's io_context.
void start_websocket(Shard& shard, boost::asio::ip::tcp::socket socket,
                     boost::beast::http::request<boost::beast::http::string_body> req,
                     std::string remote_ip);

}  // namespace parley::server
