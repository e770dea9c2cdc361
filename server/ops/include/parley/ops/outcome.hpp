// Outcome: what an operation answers, transport-neutral (the WebSocket session writes it as an
// `ok` or `error` frame, the HTTP API as a JSON body with a status).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "parley/protocol/errors.hpp"

namespace parley::server {

// The result of an action: ok with the reply's extra fields (JSON members without braces,
// e.g. "channel":"help","seq":4), or an error.
struct Outcome {
  bool ok = false;
  protocol::ErrorCode code = protocol::ErrorCode::internal;
  std::string message;
  std::string fields;
  std::int64_t retry_after_ms = -1;

  static Outcome success(std::string fields) { return Outcome{true, {}, {}, std::move(fields)}; }
  static Outcome failure(protocol::ErrorCode c, std::string msg, std::int64_t retry = -1) {
    return Outcome{false, c, std::move(msg), {}, retry};
  }
};
using Done = std::function<void(Outcome)>;

}  // namespace parley::server
