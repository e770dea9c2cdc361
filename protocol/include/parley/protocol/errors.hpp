// Protocol error codes (DESIGN §2) and their wire names, mapped in exactly one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::protocol {

enum class ErrorCode : std::uint8_t {
  bad_request,   // malformed JSON, unknown op, missing or mistyped field, invalid value
  unauthorized,  // no or bad token, or a frame before `auth`
  forbidden,     // authenticated but not allowed (e.g. a third user reading a DM)
  not_found,     // unknown channel, message or user
  too_large,     // frame or text over the configured limit
  rate_limited,  // too many frames; carries retry_after_ms
  muted,         // moderation: the user may not post here now; carries retry_after_ms
  banned,        // moderation: the user is banned
  slow_mode,     // channel slow mode; carries retry_after_ms
  conflict,      // the request clashes with current state (e.g. channel already exists)
  internal,      // the server failed; nothing was stored
  unavailable,   // the one who would handle it is not connected (a bot offline)
};

// The wire name, e.g. "bad_request".
std::string_view to_wire(ErrorCode c) noexcept;

// An expected failure: a wire code plus a human-readable message.
struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

}  // namespace parley::protocol
