// Internal to parse_request(): the known members of a client frame and the per-op validation
// that turns them into typed commands. Not part of the public API.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "parley/protocol/commands.hpp"

namespace parley::protocol::detail {

// Every member name any op reads. Other names are ignored (forward compatibility).
enum class Key : std::uint8_t {
  op,
  id,
  token,
  channel,
  since,
  text,
  client_msg_id,
  reply_to,
  to,
  before,
  limit,
};
inline constexpr std::size_t kKeyCount = 11;
static_assert(kKeyCount <= 32, "Fields tracks presence in a 32-bit mask");

std::optional<Key> find_key(std::string_view name) noexcept;
std::string_view key_name(Key k) noexcept;

// The known top-level members of one frame. The elements point into the thread's DOM parser
// and stay valid until its next parse.
class Fields {
 public:
  // Records a member; returns false if that member was already seen (a duplicate).
  bool set(Key k, simdjson::dom::element value) noexcept;
  // The member as sent, or nullptr when absent.
  const simdjson::dom::element* raw(Key k) const noexcept;
  // The member, or nullptr when absent or null (optional fields may be sent as null).
  const simdjson::dom::element* get(Key k) const noexcept;

 private:
  std::array<simdjson::dom::element, kKeyCount> values_{};
  std::uint32_t present_ = 0;
};

// An expected failure, or nothing on success.
using Failure = std::optional<Error>;

// Fills one command from the fields, validating everything that needs no server state.
Failure build(const Fields& f, const ParseLimits& limits, AuthCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, JoinCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, LeaveCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SendCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, DmCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, HistoryCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, TypingCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, PingCmd& cmd);

}  // namespace parley::protocol::detail
