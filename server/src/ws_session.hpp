// Entry point into the WebSocket transport (RFC 6455, server side), written directly on Asio:
// see ws_session.cpp for why it is not Beast's websocket::stream.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tls_stream.hpp"

namespace parley::server {

class Hub;
class Shard;

// The Sec-WebSocket-Accept value answering a client's Sec-WebSocket-Key (RFC 6455 §4.2.2), or
// nullopt when the key is not the base64 form of 16 bytes (24 characters ending in "==").
std::optional<std::string> websocket_accept(std::string_view key);

// Takes over an HTTP connection whose request was a valid WebSocket upgrade of /ws: writes the
// 101 response (with `accept` from websocket_accept) and runs the session until it closes.
// `bearer` is a token from the upgrade's Authorization header, if any. Must be called on
// `shard`'s thread, with a stream (plain socket, or TLS after its handshake) bound to the
// shard's io_context and no operation pending on it. `early`: bytes already read past the
// upgrade request (frames the client pipelined), handled before anything read later.
void start_websocket(Hub& hub, Shard& shard, MaybeTlsStream stream, std::string accept,
                     std::optional<std::string> bearer, std::string remote_ip,
                     std::string early = {});

}  // namespace parley::server
