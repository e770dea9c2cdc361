// Basic vocabulary types shared by every Parley module.
//
// Thread-safety: plain values; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace parley::protocol {

// Role of an authenticated principal, carried in the JWT `role` claim.
enum class Role : std::uint8_t { customer = 0, staff = 1, bot = 2, admin = 3 };

std::string_view to_string(Role r) noexcept;
std::optional<Role> parse_role(std::string_view s) noexcept;

// Staff and admins moderate; bots are automated members.
constexpr bool is_staff(Role r) noexcept { return r == Role::staff || r == Role::admin; }

// Kind of a channel (DESIGN §4). DMs are private two-member channels named "dm:<a>:<b>".
enum class ChannelKind : std::uint8_t { support = 0, chat = 1, announce = 2, private_ = 3, dm = 4 };

std::string_view to_string(ChannelKind k) noexcept;
std::optional<ChannelKind> parse_channel_kind(std::string_view s) noexcept;

// How a user wants email while away (DESIGN §10, set_preferences): none, one mail per
// `[email] batch_s`, or at most one a day.
enum class EmailPref : std::uint8_t { off = 0, batched = 1, digest = 2 };

std::string_view to_string(EmailPref p) noexcept;
std::optional<EmailPref> parse_email_pref(std::string_view s) noexcept;

// Milliseconds since the Unix epoch (UTC). Every timestamp on the wire is one of these.
using TimestampMs = std::int64_t;

// One kind of reaction on a message: the emoji and how many users reacted with it (a view: the
// emoji points into memory the holder keeps alive).
struct ReactionView {
  std::string_view emoji;
  std::uint32_t count = 0;
};

// A message as pushed and as in history (DESIGN §2 `message`, PROTOCOL.md): the fields after
// `text` are written only when set.
struct MessageView {
  std::string_view channel;
  std::uint64_t seq = 0;
  TimestampMs ts = 0;
  std::string_view from_id;
  std::string_view from_name;
  Role from_role = Role::customer;
  bool from_advocate = false;
  std::string_view text;
  std::uint64_t reply_to = 0;    // 0 = not a reply
  TimestampMs edited_at = 0;     // 0 = never edited
  std::uint64_t solved_seq = 0;  // on a question: the accepted answer; 0 = none
  bool deleted = false;          // a tombstone: deleted_by and deleted_at are written too
  std::string_view deleted_by;
  TimestampMs deleted_at = 0;
  std::span<const ReactionView> reactions;  // first use first; written when not empty
  // The users the text mentions (DESIGN §10), as their ids separated by single spaces (ids hold
  // no spaces); written as the array `mentions` when not empty.
  std::string_view mentions;
  // A bot message's buttons (DESIGN §11), packed by pack_actions(); written as the array
  // `actions` of {id, label} when not empty.
  std::string_view actions;
};

// Buttons packed into one string, as messages store them: id US label, joined by RS (ids and
// labels hold no control characters).
inline constexpr char kActionFieldSep = '\x1f';
inline constexpr char kActionSep = '\x1e';

}  // namespace parley::protocol
