// Helpers the Actions sources share (actions.cpp, actions_moderation.cpp,
// actions_channels.cpp). Private to server/ops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/outcome.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/protocol/serialize.hpp"

namespace parley::server::actions_internal {

using protocol::ErrorCode;
using protocol::JsonWriter;

// Builds "k":v,… (an object's members without the braces).
template <class F>
inline std::string fields(F&& f) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  f(w);
  w.end_object();
  return out.substr(1, out.size() - 2);
}

inline Outcome from_denial(const Denial& d) { return Outcome::failure(d.code, d.message); }

// The channel and the subject's relation to it, or the error to reply.
inline std::optional<ChannelAccess> resolve_channel(Core& core, const Identity& who,
                                                    const std::string& ch, Outcome* err) {
  auto r = channel_access(core.store, core.moderation, who, ch);
  if (!r) *err = Outcome::failure(ErrorCode::not_found, "unknown channel \"" + ch + "\"");
  return r;
}

inline Subject subject(const Identity& who) { return Subject{who.role, who.guest}; }

inline std::string duration_details(std::uint64_t duration_s) {
  return "{\"duration_s\":" + std::to_string(duration_s) + "}";
}

inline std::int64_t until_from(std::uint64_t duration_s) {
  return duration_s == 0 ? 0 : now_ms() + static_cast<std::int64_t>(duration_s) * 1000;
}

}  // namespace parley::server::actions_internal
