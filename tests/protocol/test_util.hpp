// Helpers shared by the protocol tests.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include "parley/protocol/commands.hpp"

namespace parley::protocol::testing {

// One refused frame of a parameterized failure table: the frame (every one carries "id":7, so
// the echo is checked too), the error code and a part of the message.
struct FailureCase {
  const char* frame;
  ErrorCode code;
  const char* message_part;
};

inline void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.frame; }

// `s` written `n` times.
inline std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

inline ParseResult parse(std::string_view frame, const ParseLimits& limits = {}) {
  return parse_request(frame, limits);
}

// A copy of the command of a successful parse (a copy, so that `parse()` may be a temporary),
// or a default command after recording a test failure.
template <class T>
T command(const ParseResult& r) {
  if (!r.ok()) {
    ADD_FAILURE() << "parse failed: " << (r.failure ? r.failure->error.message : "?");
    return T{};
  }
  const T* cmd = std::get_if<T>(&r.request->cmd);
  if (cmd == nullptr) {
    ADD_FAILURE() << "wrong command: " << op_name(r.request->cmd);
    return T{};
  }
  return *cmd;
}

// Checks that a parse failed with `code`, a message containing `message_part`, and the echo
// form of the id.
inline ::testing::AssertionResult failed_with(const ParseResult& r, ErrorCode code,
                                              std::string_view message_part,
                                              std::string_view id_json = "") {
  if (r.ok() || !r.failure) return ::testing::AssertionFailure() << "parse succeeded";
  const ParseFailure& f = *r.failure;
  if (f.error.code != code) {
    return ::testing::AssertionFailure() << "code " << to_wire(f.error.code) << " ("
                                         << f.error.message << "), want " << to_wire(code);
  }
  if (f.error.message.find(message_part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message '" << f.error.message << "' lacks '" << message_part << "'";
  }
  if (f.id_json != id_json) {
    return ::testing::AssertionFailure()
           << "id_json '" << f.id_json << "', want '" << id_json << "'";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace parley::protocol::testing
