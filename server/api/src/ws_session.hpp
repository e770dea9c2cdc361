// A WebSocket client: one protocol Session and its WebSocket connection (parley/net), in one
// object so that an idle connection costs one allocation.
#pragma once

#include <optional>
#include <string>

#include "parley/net/tls_stream.hpp"

namespace parley::server {

struct ApiContext;
class Shard;

// Runs a session on `stream` (a valid upgrade of /ws: see HttpHandler::open_websocket) until it
// closes. Call on `shard`'s thread.
void start_websocket(ApiContext& ctx, Shard& shard, MaybeTlsStream stream, std::string accept,
                     std::optional<std::string> bearer, std::string remote_ip, std::string early);

}  // namespace parley::server
