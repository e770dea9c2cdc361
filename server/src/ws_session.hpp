// Entry point into the WebSocket transport. Only ws_session.cpp includes Beast's websocket
// headers (they are the costliest thing to compile in the project).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

#include "tls_stream.hpp"

namespace parley::server {

class Shard;

// Takes over an HTTP connection whose request is a WebSocket upgrade for /ws: completes the
// handshake and runs the session until it closes. Must be called on `shard`'s thread, with a
// stream (plain socket, or TLS after its handshake) bound to the shard's io_context and no
// operation pending on it.
void start_websocket(Shard& shard, MaybeTlsStream stream,
                     boost::beast::http::request<boost::beast::http::string_body> req,
                     std::string remote_ip);

}  // namespace parley::server
