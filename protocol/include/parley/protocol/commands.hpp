// Client -> server frames: typed commands and the pure parser that produces them.
//
// The parser takes the bytes of one WebSocket text frame and returns either a typed Request or
// an Error (with the request id when it could be read, so the reply can echo it). No I/O.
//
// Thread-safety: parse_request() is safe to call from any number of threads concurrently; each
// thread uses its own simdjson parser (thread_local).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "parley/protocol/errors.hpp"
#include "parley/protocol/limits.hpp"

namespace parley::protocol {

struct AuthCmd {
  std::string token;
};
struct JoinCmd {
  std::string channel;
  std::optional<std::uint64_t> since;  // replay every stored message with seq > since
};
struct LeaveCmd {
  std::string channel;
};
struct SendCmd {
  std::string channel;
  std::string text;
  std::string client_msg_id;
  std::optional<std::uint64_t> reply_to;
};
struct DmCmd {
  std::string to;  // user id
  std::string text;
  std::string client_msg_id;
};
struct HistoryCmd {
  std::string channel;
  std::optional<std::uint64_t> before;  // absent: newest
  std::uint32_t limit = 50;             // already clamped to ParseLimits::max_history_limit
};
struct TypingCmd {
  std::string channel;
};
struct PingCmd {};

using Command =
    std::variant<AuthCmd, JoinCmd, LeaveCmd, SendCmd, DmCmd, HistoryCmd, TypingCmd, PingCmd>;

struct Request {
  // The request's `id` exactly as it must be echoed: a JSON string literal (with quotes,
  // re-escaped) or an integer literal; empty when the request carried no id.
  std::string id_json;
  Command cmd;
};

struct ParseFailure {
  Error error;
  std::string id_json;  // echoed in the error frame when the id could be read
};

// Result of parsing one frame: exactly one of the two is set.
struct ParseResult {
  std::optional<Request> request;
  std::optional<ParseFailure> failure;
  bool ok() const noexcept { return request.has_value(); }
};

// Parses one client frame. Validates everything that needs no server state: JSON syntax and
// UTF-8, `op` known, required fields present and of the right type, channel-name syntax,
// text length and emptiness, client_msg_id length, integer ranges, history limit clamping.
// Frames over limits.max_frame_bytes fail with too_large; texts over max_text_chars too.
ParseResult parse_request(std::string_view frame, const ParseLimits& limits);

// The op name of a command, e.g. "join".
std::string_view op_name(const Command& c) noexcept;

}  // namespace parley::protocol
