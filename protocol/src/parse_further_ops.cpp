// Builders for the further operations of DESIGN §2: message lifecycle, reports and moderation,
// channel administration, advocacy. Who may do what is the server's business; this checks
// only shape and ranges.
#include <algorithm>
#include <string>

#include "parley/protocol/types.hpp"
#include "parley/protocol/validate.hpp"
#include "parse_fields.hpp"
#include "text.hpp"

namespace parley::protocol::detail {
namespace {

// Reasons are shown in the staff console next to the message; a paragraph is plenty.
constexpr std::size_t kMaxReasonChars = 500;
// Channel titles are single-line labels in channel lists.
constexpr std::size_t kMaxTitleChars = 100;
// Mutes and bans: 10 years is "forever" for practical purposes (0 means until lifted).
constexpr std::uint64_t kMaxDurationS = 315'360'000;
// Slow mode: at most one message a day per user.
constexpr std::uint64_t kMaxSlowModeS = 86'400;

Error bad_request(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

// `channel` + `seq`: the message an op is about.
Failure read_message_ref(const Fields& f, std::string& channel, std::uint64_t& seq) {
  if (auto err = read_channel(f, channel)) return err;
  return read_uint(f, Key::seq, 1, kNoMax, seq);
}

// An optional moderation reason: may be empty, kept as sent, bounded like a text.
Failure read_optional_reason(const Fields& f, std::string& out) {
  if (f.get(Key::reason) == nullptr) return std::nullopt;
  std::string_view s;
  if (auto err = read_string(f, Key::reason, s)) return err;
  const std::optional<std::size_t> chars = utf8_length(s);
  if (!chars) return field_error(Key::reason, "is not valid UTF-8");
  if (*chars > kMaxReasonChars) {
    return field_error(Key::reason,
                       "is longer than " + std::to_string(kMaxReasonChars) + " characters",
                       ErrorCode::too_large);
  }
  out.assign(s);
  return std::nullopt;
}

// A channel title: like a display name (visible, no control characters), up to 100 code points.
Failure read_title(const Fields& f, std::string& out) {
  std::string_view s;
  if (auto err = read_string(f, Key::title, s)) return err;
  const std::optional<std::size_t> chars = utf8_length(s);
  if (!chars) return field_error(Key::title, "is not valid UTF-8");
  if (*chars > kMaxTitleChars) {
    return field_error(Key::title,
                       "is longer than " + std::to_string(kMaxTitleChars) + " characters",
                       ErrorCode::too_large);
  }
  if (is_blank(s)) return field_error(Key::title, "is empty");
  if (has_control_char(s)) return field_error(Key::title, "must not contain control characters");
  out.assign(s);
  return std::nullopt;
}

}  // namespace

// --- Message lifecycle ---

Failure build(const Fields& f, const ParseLimits& limits, EditCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  return read_text(f, limits, cmd.text);
}

Failure build(const Fields& f, const ParseLimits&, DeleteCmd& cmd) {
  return read_message_ref(f, cmd.channel, cmd.seq);
}

Failure build(const Fields& f, const ParseLimits&, ReactCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  std::string_view emoji;
  if (auto err = read_string(f, Key::emoji, emoji)) return err;
  if (!is_valid_emoji(emoji)) {
    return field_error(Key::emoji, "must be 1-" + std::to_string(kMaxEmojiBytes) +
                                       " bytes with no whitespace or control characters");
  }
  cmd.emoji.assign(emoji);
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, ReportCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  return read_text_field(f, Key::reason, kMaxReasonChars, cmd.reason);
}

// --- Staff: reports and moderation ---

Failure build(const Fields& f, const ParseLimits&, ResolveReportCmd& cmd) {
  if (auto err = read_uint(f, Key::report_id, 1, kNoMax, cmd.report_id)) return err;
  std::string_view action;
  if (auto err = read_string(f, Key::action, action)) return err;
  if (action == "uphold") {
    cmd.uphold = true;
  } else if (action == "dismiss") {
    cmd.uphold = false;
  } else {
    return field_error(Key::action, R"(must be "uphold" or "dismiss")");
  }
  if (auto err = read_optional_bool(f, Key::remove, cmd.remove)) return err;
  if (auto err = read_optional_uint(f, Key::mute_s, 0, kMaxDurationS, cmd.mute_s)) return err;
  // A dismissal that also removes or mutes is a contradiction, even with false / 0: refusing
  // it surfaces the client bug instead of guessing which half was meant.
  if (!cmd.uphold && (f.get(Key::remove) != nullptr || f.get(Key::mute_s) != nullptr)) {
    return bad_request("remove and mute_s only apply to uphold");
  }
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, MuteCmd& cmd) {
  if (auto err = read_user_id(f, Key::user, cmd.user)) return err;
  if (f.get(Key::channel) != nullptr) {  // absent: everywhere
    if (auto err = read_channel(f, cmd.channel)) return err;
  }
  if (!cmd.on) return std::nullopt;  // unmute ignores duration_s and reason
  if (auto err = read_optional_uint(f, Key::duration_s, 0, kMaxDurationS, cmd.duration_s)) {
    return err;
  }
  return read_optional_reason(f, cmd.reason);
}

Failure build(const Fields& f, const ParseLimits&, BanCmd& cmd) {
  if (auto err = read_user_id(f, Key::user, cmd.user)) return err;
  if (!cmd.on) return std::nullopt;  // unban ignores duration_s and reason
  if (auto err = read_optional_uint(f, Key::duration_s, 0, kMaxDurationS, cmd.duration_s)) {
    return err;
  }
  return read_optional_reason(f, cmd.reason);
}

Failure build(const Fields& f, const ParseLimits&, KickCmd& cmd) {
  if (auto err = read_user_id(f, Key::user, cmd.user)) return err;
  return read_channel(f, cmd.channel);
}

Failure build(const Fields& f, const ParseLimits&, SlowModeCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  std::uint64_t interval = 0;
  if (auto err = read_uint(f, Key::interval_s, 0, kMaxSlowModeS, interval)) return err;
  cmd.interval_s = static_cast<std::uint32_t>(interval);
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, LockCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  return read_bool(f, Key::locked, cmd.locked);
}

// --- Staff: channels ---

Failure build(const Fields& f, const ParseLimits&, CreateChannelCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  if (f.get(Key::kind) != nullptr) {
    std::string_view kind;
    if (auto err = read_string(f, Key::kind, kind)) return err;
    const std::optional<ChannelKind> k = parse_channel_kind(kind);
    // DMs come into being through `dm`, never through create_channel.
    if (!k || *k == ChannelKind::dm) {
      return field_error(Key::kind, R"(must be "support", "chat", "announce" or "private")");
    }
    cmd.kind = *k;
  }
  if (f.get(Key::publish) != nullptr) {
    bool publish = false;
    if (auto err = read_bool(f, Key::publish, publish)) return err;
    cmd.publish = publish;
  }
  if (f.get(Key::title) == nullptr) return std::nullopt;
  return read_title(f, cmd.title);
}

Failure build(const Fields& f, const ParseLimits&, ArchiveChannelCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  return read_optional_bool(f, Key::archived, cmd.archived);
}

Failure build(const Fields& f, const ParseLimits&, UpdateChannelCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  if (f.get(Key::publish) != nullptr) {
    bool publish = false;
    if (auto err = read_bool(f, Key::publish, publish)) return err;
    cmd.publish = publish;
    if (f.get(Key::title) == nullptr) return std::nullopt;  // publish alone is a change
  }
  return read_title(f, cmd.title);
}

Failure build(const Fields& f, const ParseLimits&, MemberCmd& cmd) {
  if (auto err = read_public_channel(f, cmd.channel)) return err;
  return read_user_id(f, Key::user, cmd.user);
}

// --- Advocacy ---

Failure build(const Fields& f, const ParseLimits&, HelpfulCmd& cmd) {
  return read_message_ref(f, cmd.channel, cmd.seq);
}

Failure build(const Fields& f, const ParseLimits&, SolveCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  const simdjson::dom::element* e = f.get(Key::credit);
  if (e == nullptr) return std::nullopt;
  simdjson::dom::object o;
  std::string_view channel;
  std::uint64_t seq = 0;
  if (e->get_object().get(o) || o["channel"].get_string().get(channel) ||
      o["seq"].get_uint64().get(seq)) {
    return field_error(Key::credit, "must be {channel, seq}");
  }
  if (!is_valid_channel_name(channel)) return field_error(Key::credit, "names an invalid channel");
  if (seq == 0) return field_error(Key::credit, "needs a positive seq");
  cmd.credit = SolveCredit{std::string(channel), seq};
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, UnsolveCmd& cmd) {
  return read_message_ref(f, cmd.channel, cmd.seq);
}

Failure build(const Fields& f, const ParseLimits&, SetAdvocateCmd& cmd) {
  if (auto err = read_user_id(f, Key::user, cmd.user)) return err;
  // Unlike everywhere else, null is a value here ("back to automatic"), so read the raw member.
  const simdjson::dom::element* e = f.raw(Key::advocate);
  if (e == nullptr) return field_error(Key::advocate, "is required (true, false or null)");
  if (e->is_null()) {
    cmd.advocate = std::nullopt;
    return std::nullopt;
  }
  bool v = false;
  if (e->get_bool().get(v)) return field_error(Key::advocate, "must be true, false or null");
  cmd.advocate = v;
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, DeflectedCmd& cmd) {
  return read_message_ref(f, cmd.channel, cmd.seq);
}

Failure build(const Fields& f, const ParseLimits&, ReadCmd& cmd) {
  return read_message_ref(f, cmd.channel, cmd.seq);
}

Failure build(const Fields&, const ParseLimits&, ChannelsCmd&) { return std::nullopt; }

// --- Bots ---

namespace {

bool is_command_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCommandNameBytes &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

// At most kMaxCommandTextChars code points of valid UTF-8 on one line: no control characters
// (C0, DEL, C1); "" only when not required.
bool is_command_text(std::string_view s, bool required) {
  if (s.empty()) return !required;
  const auto n = utf8_length(s);
  if (!n || *n > kMaxCommandTextChars) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return false;
  }
  return true;
}

constexpr std::string_view kCommandNameRule = "must be 1-32 characters of a-z 0-9 _ -";

}  // namespace

Failure build(const Fields& f, const ParseLimits&, RegisterCommandsCmd& cmd) {
  const simdjson::dom::element* e = f.get(Key::commands);
  if (e == nullptr) return field_error(Key::commands, "is required");
  simdjson::dom::array a;
  if (e->get_array().get(a)) {
    return field_error(Key::commands, "must be an array of {name, description, usage?}");
  }
  if (a.size() > kMaxBotCommands) return field_error(Key::commands, "holds more than 20 commands");
  for (simdjson::dom::element el : a) {
    simdjson::dom::object o;
    if (el.get_object().get(o)) {
      return field_error(Key::commands, "must be an array of {name, description, usage?}");
    }
    BotCommand c;
    std::string_view s;
    if (o["name"].get_string().get(s) || !is_command_name(s)) {
      return Error{ErrorCode::bad_request,
                   std::string("a command's \"name\" ") + std::string(kCommandNameRule)};
    }
    c.name.assign(s);
    if (o["description"].get_string().get(s) || !is_command_text(s, true)) {
      return Error{
          ErrorCode::bad_request,
          "command \"" + c.name + "\": \"description\" must be 1-100 characters on one line"};
    }
    c.description.assign(s);
    if (auto u = o["usage"]; u.error() != simdjson::NO_SUCH_FIELD && !u.is_null()) {
      if (u.get_string().get(s) || !is_command_text(s, false)) {
        return Error{ErrorCode::bad_request,
                     "command \"" + c.name + "\": \"usage\" must be 0-100 characters on one line"};
      }
      c.usage.assign(s);
    }
    for (const auto& other : cmd.commands) {
      if (other.name == c.name) {
        return Error{ErrorCode::bad_request, "command \"" + c.name + "\" is given twice"};
      }
    }
    cmd.commands.push_back(std::move(c));
  }
  return std::nullopt;
}

Failure build(const Fields&, const ParseLimits&, CommandsCmd&) { return std::nullopt; }

Failure build(const Fields& f, const ParseLimits&, CommandCmd& cmd) {
  if (auto err = read_channel(f, cmd.channel)) return err;
  std::string_view s;
  if (auto err = read_string(f, Key::name, s)) return err;
  if (!is_command_name(s)) return field_error(Key::name, kCommandNameRule);
  cmd.name.assign(s);
  if (f.get(Key::args) != nullptr) {
    if (auto err = read_string(f, Key::args, s)) return err;
    const auto n = utf8_length(s);
    if (!n || *n > kMaxCommandArgsChars) {
      return field_error(Key::args, "is longer than 1000 characters", ErrorCode::too_large);
    }
    cmd.args.assign(s);
  }
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, ActionCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  std::string_view s;
  if (auto err = read_string(f, Key::action_id, s)) return err;
  if (!is_action_id(s))
    return field_error(Key::action_id, "must be 1-64 characters of A-Z a-z 0-9 _ -");
  cmd.action_id.assign(s);
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits& limits, ReplyCommandCmd& cmd) {
  std::string_view s;
  if (auto err = read_string(f, Key::command_id, s)) return err;
  const bool printable =
      std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  if (s.empty() || s.size() > 64 || !printable) {
    return field_error(Key::command_id, "must be the command_id of a command event");
  }
  cmd.command_id.assign(s);
  return read_text(f, limits, cmd.text);
}

Failure build(const Fields& f, const ParseLimits&, PublishThreadCmd& cmd) {
  if (auto err = read_message_ref(f, cmd.channel, cmd.seq)) return err;
  return read_bool(f, Key::publish, cmd.publish);
}

Failure build(const Fields& f, const ParseLimits&, SetPreferencesCmd& cmd) {
  if (f.get(Key::kb_anonymous) == nullptr && f.get(Key::email) == nullptr) {
    return Error{ErrorCode::bad_request, R"("kb_anonymous" or "email" is required)"};
  }
  if (f.get(Key::kb_anonymous) != nullptr) {
    bool v = false;
    if (auto err = read_bool(f, Key::kb_anonymous, v)) return err;
    cmd.kb_anonymous = v;
  }
  if (f.get(Key::email) != nullptr) {
    std::string_view s;
    if (auto err = read_string(f, Key::email, s)) return err;
    cmd.email = parse_email_pref(s);
    if (!cmd.email) return field_error(Key::email, R"(must be "off", "batched" or "digest")");
  }
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, SearchCmd& cmd) {
  std::string_view q;
  if (auto err = read_string(f, Key::query, q)) return err;
  cmd.query.assign(q);
  if (f.get(Key::channel) != nullptr) {
    std::string channel;
    if (auto err = read_channel(f, channel)) return err;
    cmd.channel = std::move(channel);
  }
  if (auto err = read_optional_bool(f, Key::solved, cmd.solved)) return err;
  std::uint64_t limit = cmd.limit;
  if (auto err = read_optional_uint(f, Key::limit, 1, 50, limit)) return err;
  cmd.limit = static_cast<std::uint32_t>(limit);
  if (f.get(Key::cursor) != nullptr) {
    std::string_view c;
    if (auto err = read_string(f, Key::cursor, c)) return err;
    if (c.empty() || c.size() > 32)
      return field_error(Key::cursor, "is not a cursor this server gave");
    cmd.cursor.assign(c);
  }
  if (f.get(Key::match) != nullptr) {
    std::string_view m;
    if (auto err = read_string(f, Key::match, m)) return err;
    if (m != "all" && m != "any") return field_error(Key::match, R"(must be "all" or "any")");
    cmd.any = m == "any";
  }
  return std::nullopt;
}

}  // namespace parley::protocol::detail
