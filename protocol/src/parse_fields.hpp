// Internal to parse_request(): the known members of a client frame, the field readers, and the
// per-op validation that turns them into typed commands. Not part of the public API.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
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
  seq,
  emoji,
  reason,
  report_id,
  action,
  remove,
  mute_s,
  user,
  duration_s,
  interval_s,
  locked,
  kind,
  title,
  archived,
  query,
  solved,
  cursor,
  publish,
  kb_anonymous,
  match,
  email,
  commands,
  name,
  args,
  command_id,
  actions,
  action_id,
  credit,
  changes_since,
  advocate,  // keep last: kKeyCount follows it
};
inline constexpr std::size_t kKeyCount = static_cast<std::size_t>(Key::advocate) + 1;
static_assert(kKeyCount <= 64, "Fields tracks presence in a 64-bit mask");

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
  std::uint64_t present_ = 0;
};

// An expected failure, or nothing on success.
using Failure = std::optional<Error>;

// --- Field readers shared by the op builders. Each failure message names its field. ---

// `max` for integers with no upper bound below uint64's.
inline constexpr std::uint64_t kNoMax = UINT64_MAX;

// `"name" <rest>`.
Error field_error(Key k, std::string_view rest, ErrorCode code = ErrorCode::bad_request);
// A required string. The view points into the DOM (see Fields).
Failure read_string(const Fields& f, Key k, std::string_view& out);
// A required `channel`: a public channel name or a DM channel name.
Failure read_channel(const Fields& f, std::string& out);
// A required `channel` that must be a public channel name (staff ops on channels).
Failure read_public_channel(const Fields& f, std::string& out);
// A required `text` under the message text rules (length in code points, not blank).
Failure read_text(const Fields& f, const ParseLimits& limits, std::string& out);
// A required text field under the same rules with its own limit (e.g. a report's reason).
Failure read_text_field(const Fields& f, Key k, std::size_t max_chars, std::string& out);
// A required `user` (or other user-id field).
Failure read_user_id(const Fields& f, Key k, std::string& out);
// A required integer in [min, max]; floats, strings and out-of-range values are refused.
Failure read_uint(const Fields& f, Key k, std::uint64_t min, std::uint64_t max, std::uint64_t& out);
// The same, optional: `out` is left alone when the field is absent or null.
Failure read_optional_uint(const Fields& f, Key k, std::uint64_t min, std::uint64_t max,
                           std::uint64_t& out);
// A required JSON boolean.
Failure read_bool(const Fields& f, Key k, bool& out);
// An optional JSON boolean: `out` is left alone when the field is absent or null.
Failure read_optional_bool(const Fields& f, Key k, bool& out);

// A button id of a message action (`actions`, `action`): 1-64 bytes of [A-Za-z0-9_-].
bool is_action_id(std::string_view s);

// --- Builders: fill one command from the fields, validating all that needs no server state.
// For the commands shared by two ops (ReactCmd, MuteCmd, BanCmd, MemberCmd) the caller sets
// the add/on flag before building; builders never touch it. ---

// Core operations (parse_fields.cpp).
Failure build(const Fields& f, const ParseLimits& limits, AuthCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, JoinCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, LeaveCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SendCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, DmCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, HistoryCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, TypingCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, PingCmd& cmd);

// Further operations (parse_further_ops.cpp).
Failure build(const Fields& f, const ParseLimits& limits, EditCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, DeleteCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ReactCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ReportCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ResolveReportCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, MuteCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, BanCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, KickCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SlowModeCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, LockCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, CreateChannelCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ArchiveChannelCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, UpdateChannelCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, MemberCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, HelpfulCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SolveCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, UnsolveCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SetAdvocateCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SearchCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, SetPreferencesCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, DeflectedCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ReadCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ChannelsCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, RegisterCommandsCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, CommandsCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, CommandCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ReplyCommandCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, ActionCmd& cmd);
Failure build(const Fields& f, const ParseLimits& limits, PublishThreadCmd& cmd);

}  // namespace parley::protocol::detail
