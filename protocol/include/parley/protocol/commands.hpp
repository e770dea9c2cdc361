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
#include "parley/protocol/types.hpp"

namespace parley::protocol {

struct AuthCmd {
  std::string token;
};
struct JoinCmd {
  std::string channel;
  std::optional<std::uint64_t> since;  // replay every stored message with seq > since
  // replay every change (edited, deleted, reaction, solved, helpful) numbered above it
  std::optional<std::uint64_t> changes_since;
};
struct LeaveCmd {
  std::string channel;
};
// A button on a bot's message (DESIGN §11): `action` sends its id back to the bot.
struct MessageAction {
  std::string id;     // 1-64 bytes of [A-Za-z0-9_-], distinct on one message
  std::string label;  // 1-40 code points on one line
};
inline constexpr std::size_t kMaxMessageActions = 5;
// The packed form of MessageView::actions, and whether `packed` has a button `id`.
std::string pack_actions(const std::vector<MessageAction>& actions);
bool has_action(std::string_view packed, std::string_view id);
struct SendCmd {
  std::string channel;
  std::string text;
  std::string client_msg_id;
  std::optional<std::uint64_t> reply_to;
  std::vector<MessageAction> actions;  // bots only (checked by the server); at most 5
};
struct DmCmd {
  std::string to;  // user id
  std::string text;
  std::string client_msg_id;
  std::optional<std::uint64_t> reply_to;  // an earlier message of the DM channel
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

// --- Message lifecycle ---
struct EditCmd {
  std::string channel;
  std::uint64_t seq = 0;  // >= 1
  std::string text;       // validated like SendCmd::text
};
struct DeleteCmd {
  std::string channel;
  std::uint64_t seq = 0;
};
// Used for both `react` and `unreact` (ReactCmd::add tells which).
struct ReactCmd {
  std::string channel;
  std::uint64_t seq = 0;
  std::string emoji;  // 1-32 bytes of valid UTF-8, no whitespace or control characters
  bool add = true;
};
struct ReportCmd {
  std::string channel;
  std::uint64_t seq = 0;
  std::string reason;  // 1-500 code points, not blank
};

// --- Staff: reports and moderation ---
struct ResolveReportCmd {
  std::uint64_t report_id = 0;  // >= 1
  bool uphold = false;          // "action": "uphold" | "dismiss"
  bool remove = false;          // also delete the reported message (uphold only)
  std::uint64_t mute_s = 0;     // also mute the author for this long (uphold only; 0 = no)
};
// Used for `mute` and `unmute` (MuteCmd::on tells which; unmute ignores duration and reason).
struct MuteCmd {
  std::string user;
  std::string channel;           // empty = everywhere
  std::uint64_t duration_s = 0;  // 0 = until unmuted; at most 10 years
  std::string reason;            // optional, <= 500 code points
  bool on = true;
};
// Used for `ban` and `unban`.
struct BanCmd {
  std::string user;
  std::uint64_t duration_s = 0;
  std::string reason;
  bool on = true;
};
struct KickCmd {
  std::string user;
  std::string channel;
};
struct SlowModeCmd {
  std::string channel;
  std::uint32_t interval_s = 0;  // 0 = off; at most 86400
};
struct LockCmd {
  std::string channel;
  bool locked = true;  // required field
};

// --- Staff: channels ---
struct CreateChannelCmd {
  std::string channel;                   // a public channel name (not a DM name)
  ChannelKind kind = ChannelKind::chat;  // "support" | "chat" | "announce" | "private"
  std::string title;                     // optional; 1-100 code points, no control characters
  std::optional<bool> publish;  // optional: knowledge pages for a support channel (DESIGN §9)
};
struct ArchiveChannelCmd {
  std::string channel;
  bool archived = true;  // optional "archived": false un-archives
};
// Rename (the title; the channel name is its permanent id).
struct UpdateChannelCmd {
  std::string channel;
  std::string title;            // empty: unchanged; at least one of title and publish is required
  std::optional<bool> publish;  // absent: unchanged
};
// Used for `add_member` and `remove_member`.
struct MemberCmd {
  std::string channel;
  std::string user;
  bool add = true;
};

// --- Advocacy ---
struct HelpfulCmd {
  std::string channel;
  std::uint64_t seq = 0;
};
// An accepted answer elsewhere whose author is credited instead of the accepted answer's own.
struct SolveCredit {
  std::string channel;  // a public channel name
  std::uint64_t seq = 0;
};
struct SolveCmd {
  std::string channel;
  std::uint64_t seq = 0;
  std::optional<SolveCredit> credit;
};
// Takes back a question's accepted answer (`seq` is the question).
struct UnsolveCmd {
  std::string channel;
  std::uint64_t seq = 0;
};
struct SetAdvocateCmd {
  std::string user;
  std::optional<bool> advocate;  // JSON true / false / null (null = back to automatic); required
};

// --- Knowledge (DESIGN §9) ---
// The caller's own preferences; at least one field is required.
struct SetPreferencesCmd {
  std::optional<bool> kb_anonymous;  // shown as "Community member" on knowledge pages
  std::optional<EmailPref> email;    // email while away (DESIGN §10)
};
// The query's own syntax (words, "phrases", from:, in:, is:solved) is checked by the search
// index, which answers bad_request with what is wrong; here only the field types and ranges.
struct SearchCmd {
  std::string query;
  std::optional<std::string> channel;  // only this channel
  bool solved = false;                 // only solved questions
  std::uint32_t limit = 20;            // 1..50 (out of range is bad_request, not clamped)
  std::string cursor;                  // from the previous page's `cursor`; empty: first page
  bool any = false;                    // "match":"any": any of the words (ranked), not all
};
// "This answered my question": the caller read solved question `seq` instead of asking.
struct DeflectedCmd {
  std::string channel;
  std::uint64_t seq = 0;
};
// Staff: takes one solved thread (question `seq`) off the knowledge pages (publish = false) or
// puts it back (true). The channel's own `publish` setting still applies.
struct PublishThreadCmd {
  std::string channel;
  std::uint64_t seq = 0;
  bool publish = true;
};

// --- Bringing people back (DESIGN §10) ---
// The caller has read `channel` up to message `seq` (>= 1); the marker never moves backwards.
struct ReadCmd {
  std::string channel;
  std::uint64_t seq = 0;
};
// The caller's conversation list: every channel they belong to or have joined, DMs included.
struct ChannelsCmd {};

// --- Bots (DESIGN §11) ---
inline constexpr std::size_t kMaxBotCommands = 20;        // per bot
inline constexpr std::size_t kMaxCommandNameBytes = 32;   // [a-z0-9_-]
inline constexpr std::size_t kMaxCommandTextChars = 100;  // description, usage
inline constexpr std::size_t kMaxCommandArgsChars = 1000;
// One slash command a bot offers: `/name usage` — description.
struct BotCommand {
  std::string name;         // 1-32 bytes of [a-z0-9_-]
  std::string description;  // 1-100 code points, no control characters
  std::string usage;        // 0-100 code points ("" = none)
};
// A bot replaces its commands (all of them; [] removes them).
struct RegisterCommandsCmd {
  std::vector<BotCommand> commands;  // at most kMaxBotCommands, names distinct
};
// The commands of every bot, for the `/` menu.
struct CommandsCmd {};
// A user runs /name in `channel`; `args` is the rest of the line.
struct CommandCmd {
  std::string channel;
  std::string name;
  std::string args;  // at most kMaxCommandArgsChars code points; "" when absent
};
// A click on button `action_id` of bot message `seq` in `channel`.
struct ActionCmd {
  std::string channel;
  std::uint64_t seq = 0;
  std::string action_id;
};
// The bot answers one command, to its invoker only (never stored).
struct ReplyCommandCmd {
  std::string command_id;  // 1-64 printable ASCII bytes, as the `command` event carried it
  std::string text;        // the message text rules (max_text_chars)
};

using Command = std::variant<AuthCmd, JoinCmd, LeaveCmd, SendCmd, DmCmd, HistoryCmd, TypingCmd,
                             PingCmd, EditCmd, DeleteCmd, ReactCmd, ReportCmd, ResolveReportCmd,
                             MuteCmd, BanCmd, KickCmd, SlowModeCmd, LockCmd, CreateChannelCmd,
                             ArchiveChannelCmd, UpdateChannelCmd, MemberCmd, HelpfulCmd, SolveCmd,
                             SetAdvocateCmd, SearchCmd, SetPreferencesCmd, DeflectedCmd,
                             PublishThreadCmd, ReadCmd, ChannelsCmd, RegisterCommandsCmd,
                             CommandsCmd, CommandCmd, ReplyCommandCmd, ActionCmd, UnsolveCmd>;

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

// The op name of a command, e.g. "join" (for ReactCmd "react" or "unreact", MuteCmd "mute" or
// "unmute", BanCmd "ban" or "unban", MemberCmd "add_member" or "remove_member").
std::string_view op_name(const Command& c) noexcept;

}  // namespace parley::protocol
