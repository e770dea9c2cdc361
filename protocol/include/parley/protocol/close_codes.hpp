// WebSocket close codes used by Parley (RFC 6455 and the 4xxx private range; PROTOCOL.md §6).
#pragma once

#include <cstdint>

namespace parley::protocol::close_code {

constexpr std::uint16_t policy = 1008;           // outbound queue overflow
constexpr std::uint16_t too_big = 1009;          // frame over the hard limit
constexpr std::uint16_t service_restart = 1012;  // server shutting down
constexpr std::uint16_t try_again_later = 1013;  // too many connections from one address
constexpr std::uint16_t unauthorized = 4401;     // no/bad auth, or auth timeout
constexpr std::uint16_t banned = 4403;           // banned by staff

}  // namespace parley::protocol::close_code
