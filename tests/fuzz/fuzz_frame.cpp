// fuzz_frame: one client WebSocket frame through parse_request(), plus the JSON string writer.
//
// Beyond "never crashes" it checks what the server relies on:
//  - a parsed command is what the frame said: op_name() matches "op", every string field equals
//    the frame's member (read back with an independent simdjson parser), every value is in the
//    range PROTOCOL.md documents, and the request id re-serializes to the same JSON value;
//  - texts are valid UTF-8 within ParseLimits;
//  - tighter limits never accept what the defaults refuse;
//  - what the server writes back (ok, error, message frames) is valid JSON with no raw newline;
//  - append_json_string() of any valid UTF-8 parses back to the same string, with no raw '\n',
//    control character or U+2028/U+2029 left in the output.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "fuzz_support.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace {

namespace pp = parley::protocol;
using simdjson::dom::element;

// The documented ranges (protocol/README.md).
constexpr std::size_t kMaxReasonChars = 500;
constexpr std::size_t kMaxTitleChars = 100;
constexpr std::size_t kMaxEmojiBytes = 32;
constexpr std::uint64_t kMaxDurationS = 315'360'000;
constexpr std::uint64_t kMaxSlowModeS = 86'400;
constexpr std::size_t kMaxIdBytes = 128;

// Two parsers of our own, apart from the library's thread-local one: one keeps the frame, the
// other reads back what we serialize.
simdjson::dom::parser& frame_parser() {
  static simdjson::dom::parser p;
  return p;
}
simdjson::dom::parser& output_parser() {
  static simdjson::dom::parser p;
  return p;
}

// Parses `json`; the element lives in `p` (strings are copied there) until its next parse.
bool parse_with(simdjson::dom::parser& p, std::string_view json, element& out) {
  const simdjson::padded_string padded(json);
  return p.parse(padded).get(out) == simdjson::SUCCESS;
}

// The server's output: one JSON value, never a raw newline (frames are joined with '\n').
element parse_output(std::string_view json) {
  FUZZ_CHECK_MSG(json.find('\n') == std::string_view::npos, json);
  element out;
  FUZZ_CHECK_MSG(parse_with(output_parser(), json, out), json);
  return out;
}

bool same_json_scalar(const element& a, const element& b) {
  std::string_view sa, sb;
  if (!a.get_string().get(sa)) return !b.get_string().get(sb) && sa == sb;
  std::int64_t ia = 0, ib = 0;
  if (!a.get_int64().get(ia)) return !b.get_int64().get(ib) && ia == ib;
  return false;
}

bool valid_utf8(std::string_view s) { return pp::utf8_length(s).has_value(); }

// No C0 control, DEL or C1 control (U+0080-U+009F, encoded C2 80..C2 9F).
bool has_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
  }
  return false;
}

// What a successfully parsed command is checked against.
struct Frame {
  simdjson::dom::object obj;
  const pp::ParseLimits& limits;

  // The member, or nullptr when absent. Known members are unique in an accepted frame.
  bool member(std::string_view key, element& out) const {
    return obj.at_key(key).get(out) == simdjson::SUCCESS;
  }
  bool present(std::string_view key) const {
    element e;
    return member(key, e) && !e.is_null();
  }
  std::string_view string(std::string_view key) const {
    element e;
    std::string_view s;
    FUZZ_CHECK_MSG(member(key, e) && !e.get_string().get(s), key);
    return s;
  }
  std::uint64_t uint(std::string_view key) const {
    element e;
    std::uint64_t v = 0;
    FUZZ_CHECK_MSG(member(key, e) && !e.get_uint64().get(v), key);
    return v;
  }
  bool boolean(std::string_view key) const {
    element e;
    bool v = false;
    FUZZ_CHECK_MSG(member(key, e) && !e.get_bool().get(v), key);
    return v;
  }

  void same(std::string_view key, std::string_view value) const {
    FUZZ_CHECK_MSG(string(key) == value, key);
  }
  void channel(const std::string& ch, bool public_only = false) const {
    same("channel", ch);
    FUZZ_CHECK_MSG(pp::is_valid_channel_name(ch) || (!public_only && pp::is_dm_channel(ch)), ch);
  }
  void user(std::string_view key, const std::string& id) const {
    same(key, id);
    FUZZ_CHECK_MSG(pp::is_valid_user_id(id), id);
  }
  void seq(std::string_view key, std::uint64_t v) const {
    FUZZ_CHECK(v >= 1);
    FUZZ_CHECK(uint(key) == v);
  }
  // A text under the message rules: 1..max code points of valid UTF-8.
  void text(std::string_view key, const std::string& t, std::size_t max_chars) const {
    same(key, t);
    const auto n = pp::utf8_length(t);
    FUZZ_CHECK_MSG(n && *n >= 1 && *n <= max_chars, key);
  }
  void client_msg_id(const std::string& id) const {
    same("client_msg_id", id);
    FUZZ_CHECK(!id.empty() && id.size() <= limits.max_client_msg_id_bytes);
    for (char ch : id) FUZZ_CHECK(ch >= 0x21 && ch <= 0x7E);
  }
  void optional_uint(std::string_view key, std::uint64_t v, std::uint64_t max) const {
    FUZZ_CHECK(v <= max);
    FUZZ_CHECK(present(key) ? uint(key) == v : v == 0);
  }
  void reason(const std::string& r) const {
    if (!present("reason")) {
      FUZZ_CHECK(r.empty());
      return;
    }
    same("reason", r);
    const auto n = pp::utf8_length(r);
    FUZZ_CHECK(n && *n <= kMaxReasonChars);
  }
  void title(const std::string& t) const {
    same("title", t);
    const auto n = pp::utf8_length(t);
    FUZZ_CHECK(n && *n >= 1 && *n <= kMaxTitleChars);
    FUZZ_CHECK(!has_control(t));
  }
};

template <class T>
void check_command(const Frame& f, const T& cmd) {
  using namespace parley::protocol;
  if constexpr (std::is_same_v<T, AuthCmd>) {
    FUZZ_CHECK(!cmd.token.empty());
    f.same("token", cmd.token);
  } else if constexpr (std::is_same_v<T, JoinCmd>) {
    f.channel(cmd.channel);
    FUZZ_CHECK(cmd.since.has_value() == f.present("since"));
    if (cmd.since) FUZZ_CHECK(f.uint("since") == *cmd.since);
    FUZZ_CHECK(cmd.changes_since.has_value() == f.present("changes_since"));
    if (cmd.changes_since) FUZZ_CHECK(f.uint("changes_since") == *cmd.changes_since);
  } else if constexpr (std::is_same_v<T, LeaveCmd> || std::is_same_v<T, TypingCmd>) {
    f.channel(cmd.channel);
  } else if constexpr (std::is_same_v<T, SendCmd>) {
    f.channel(cmd.channel);
    f.text("text", cmd.text, f.limits.max_text_chars);
    f.client_msg_id(cmd.client_msg_id);
    FUZZ_CHECK(cmd.reply_to.has_value() == f.present("reply_to"));
    if (cmd.reply_to) f.seq("reply_to", *cmd.reply_to);
    // Buttons: at most 5, ids valid and distinct, and what pack_actions makes reads back.
    FUZZ_CHECK(cmd.actions.size() <= pp::kMaxMessageActions);
    const std::string packed = pp::pack_actions(cmd.actions);
    for (std::size_t i = 0; i < cmd.actions.size(); ++i) {
      FUZZ_CHECK(pp::has_action(packed, cmd.actions[i].id));
      FUZZ_CHECK(!cmd.actions[i].label.empty());
      for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(cmd.actions[j].id != cmd.actions[i].id);
    }
  } else if constexpr (std::is_same_v<T, DmCmd>) {
    f.user("to", cmd.to);
    f.text("text", cmd.text, f.limits.max_text_chars);
    f.client_msg_id(cmd.client_msg_id);
    FUZZ_CHECK(cmd.reply_to.has_value() == f.present("reply_to"));
    if (cmd.reply_to) f.seq("reply_to", *cmd.reply_to);
  } else if constexpr (std::is_same_v<T, HistoryCmd>) {
    f.channel(cmd.channel);
    FUZZ_CHECK(cmd.before.has_value() == f.present("before"));
    if (cmd.before) f.seq("before", *cmd.before);
    const std::uint64_t wanted =
        f.present("limit") ? f.uint("limit") : f.limits.default_history_limit;
    FUZZ_CHECK(cmd.limit == std::min<std::uint64_t>(wanted, f.limits.max_history_limit));
    FUZZ_CHECK(cmd.limit >= 1 || f.limits.default_history_limit == 0);
  } else if constexpr (std::is_same_v<T, PingCmd>) {
  } else if constexpr (std::is_same_v<T, EditCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    f.text("text", cmd.text, f.limits.max_text_chars);
  } else if constexpr (std::is_same_v<T, DeleteCmd> || std::is_same_v<T, HelpfulCmd> ||
                       std::is_same_v<T, UnsolveCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
  } else if constexpr (std::is_same_v<T, SolveCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    FUZZ_CHECK(cmd.credit.has_value() == f.present("credit"));
    if (cmd.credit) {
      element e;
      simdjson::dom::object o;
      std::string_view ch;
      std::uint64_t seq = 0;
      FUZZ_CHECK(f.member("credit", e) && !e.get_object().get(o));
      FUZZ_CHECK(!o["channel"].get_string().get(ch) && ch == cmd.credit->channel);
      FUZZ_CHECK(pp::is_valid_channel_name(ch));
      FUZZ_CHECK(!o["seq"].get_uint64().get(seq) && seq == cmd.credit->seq && seq >= 1);
    }
  } else if constexpr (std::is_same_v<T, ReactCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    f.same("emoji", cmd.emoji);
    FUZZ_CHECK(!cmd.emoji.empty() && cmd.emoji.size() <= kMaxEmojiBytes);
    FUZZ_CHECK(valid_utf8(cmd.emoji) && !has_control(cmd.emoji));
    FUZZ_CHECK(cmd.emoji.find(' ') == std::string::npos);
    FUZZ_CHECK(cmd.emoji.find("\xE2\x80\xA8") == std::string::npos);
    FUZZ_CHECK(cmd.emoji.find("\xE2\x80\xA9") == std::string::npos);
  } else if constexpr (std::is_same_v<T, ReportCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    f.text("reason", cmd.reason, kMaxReasonChars);
  } else if constexpr (std::is_same_v<T, ResolveReportCmd>) {
    f.seq("report_id", cmd.report_id);
    const std::string_view action = f.string("action");
    FUZZ_CHECK(action == "uphold" || action == "dismiss");
    FUZZ_CHECK(cmd.uphold == (action == "uphold"));
    FUZZ_CHECK(cmd.remove == (f.present("remove") && f.boolean("remove")));
    f.optional_uint("mute_s", cmd.mute_s, kMaxDurationS);
    if (!cmd.uphold) FUZZ_CHECK(!f.present("remove") && !f.present("mute_s"));
  } else if constexpr (std::is_same_v<T, MuteCmd>) {
    f.user("user", cmd.user);
    if (f.present("channel")) {
      f.channel(cmd.channel);
    } else {
      FUZZ_CHECK(cmd.channel.empty());
    }
    if (cmd.on) {
      f.optional_uint("duration_s", cmd.duration_s, kMaxDurationS);
      f.reason(cmd.reason);
    } else {
      FUZZ_CHECK(cmd.duration_s == 0 && cmd.reason.empty());
    }
  } else if constexpr (std::is_same_v<T, BanCmd>) {
    f.user("user", cmd.user);
    if (cmd.on) {
      f.optional_uint("duration_s", cmd.duration_s, kMaxDurationS);
      f.reason(cmd.reason);
    } else {
      FUZZ_CHECK(cmd.duration_s == 0 && cmd.reason.empty());
    }
  } else if constexpr (std::is_same_v<T, KickCmd>) {
    f.user("user", cmd.user);
    f.channel(cmd.channel);
  } else if constexpr (std::is_same_v<T, SlowModeCmd>) {
    f.channel(cmd.channel, /*public_only=*/true);
    FUZZ_CHECK(cmd.interval_s <= kMaxSlowModeS && f.uint("interval_s") == cmd.interval_s);
  } else if constexpr (std::is_same_v<T, LockCmd>) {
    f.channel(cmd.channel, true);
    FUZZ_CHECK(f.boolean("locked") == cmd.locked);
  } else if constexpr (std::is_same_v<T, CreateChannelCmd>) {
    f.channel(cmd.channel, true);
    FUZZ_CHECK(cmd.kind != ChannelKind::dm);
    if (f.present("kind")) {
      FUZZ_CHECK(to_string(cmd.kind) == f.string("kind"));
    } else {
      FUZZ_CHECK(cmd.kind == ChannelKind::chat);
    }
    if (f.present("title")) {
      f.title(cmd.title);
    } else {
      FUZZ_CHECK(cmd.title.empty());
    }
    FUZZ_CHECK(cmd.publish.has_value() == f.present("publish"));
    if (cmd.publish) FUZZ_CHECK(f.boolean("publish") == *cmd.publish);
  } else if constexpr (std::is_same_v<T, ArchiveChannelCmd>) {
    f.channel(cmd.channel, true);
    FUZZ_CHECK(cmd.archived == (f.present("archived") ? f.boolean("archived") : true));
  } else if constexpr (std::is_same_v<T, UpdateChannelCmd>) {
    f.channel(cmd.channel, true);
    FUZZ_CHECK(cmd.publish.has_value() == f.present("publish"));
    if (cmd.publish) FUZZ_CHECK(f.boolean("publish") == *cmd.publish);
    if (f.present("title") || !cmd.publish) {
      f.title(cmd.title);
    } else {
      FUZZ_CHECK(cmd.title.empty());
    }
  } else if constexpr (std::is_same_v<T, MemberCmd>) {
    f.channel(cmd.channel, true);
    f.user("user", cmd.user);
  } else if constexpr (std::is_same_v<T, SetAdvocateCmd>) {
    f.user("user", cmd.user);
    element e;
    FUZZ_CHECK(f.member("advocate", e));
    FUZZ_CHECK(cmd.advocate.has_value() == !e.is_null());
    if (cmd.advocate) FUZZ_CHECK(f.boolean("advocate") == *cmd.advocate);
  } else if constexpr (std::is_same_v<T, DeflectedCmd> || std::is_same_v<T, ReadCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
  } else if constexpr (std::is_same_v<T, ChannelsCmd>) {
    // No fields.
  } else if constexpr (std::is_same_v<T, PublishThreadCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    FUZZ_CHECK(cmd.publish == f.boolean("publish"));
  } else if constexpr (std::is_same_v<T, SetPreferencesCmd>) {
    // At least one field; each present one as sent.
    FUZZ_CHECK(f.present("kb_anonymous") || f.present("email"));
    FUZZ_CHECK(cmd.kb_anonymous.has_value() == f.present("kb_anonymous"));
    if (cmd.kb_anonymous) FUZZ_CHECK(*cmd.kb_anonymous == f.boolean("kb_anonymous"));
    FUZZ_CHECK(cmd.email.has_value() == f.present("email"));
    if (cmd.email) FUZZ_CHECK(pp::to_string(*cmd.email) == f.string("email"));
  } else if constexpr (std::is_same_v<T, SearchCmd>) {
    f.same("query", cmd.query);
    if (f.present("channel")) {
      FUZZ_CHECK(cmd.channel.has_value());
      f.channel(*cmd.channel);
    } else {
      FUZZ_CHECK(!cmd.channel.has_value());
    }
    FUZZ_CHECK(cmd.solved == (f.present("solved") ? f.boolean("solved") : false));
    FUZZ_CHECK(cmd.limit >= 1 && cmd.limit <= 50);
    FUZZ_CHECK(cmd.limit == (f.present("limit") ? f.uint("limit") : 20));
    FUZZ_CHECK(cmd.any == (f.present("match") && f.string("match") == "any"));
    if (f.present("cursor")) {
      f.same("cursor", cmd.cursor);
      FUZZ_CHECK(!cmd.cursor.empty() && cmd.cursor.size() <= 32);
    } else {
      FUZZ_CHECK(cmd.cursor.empty());
    }
  } else if constexpr (std::is_same_v<T, RegisterCommandsCmd>) {
    // As many as sent, each name valid and distinct, texts within their bounds.
    element e;
    simdjson::dom::array a;
    FUZZ_CHECK(f.member("commands", e) && !e.get_array().get(a));
    FUZZ_CHECK(cmd.commands.size() == a.size() && cmd.commands.size() <= pp::kMaxBotCommands);
    for (std::size_t i = 0; i < cmd.commands.size(); ++i) {
      const auto& c = cmd.commands[i];
      FUZZ_CHECK(!c.name.empty() && c.name.size() <= pp::kMaxCommandNameBytes);
      FUZZ_CHECK(!c.description.empty());
      for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(cmd.commands[j].name != c.name);
    }
  } else if constexpr (std::is_same_v<T, ActionCmd>) {
    f.channel(cmd.channel);
    f.seq("seq", cmd.seq);
    f.same("action_id", cmd.action_id);
    FUZZ_CHECK(!cmd.action_id.empty() && cmd.action_id.size() <= 64);
  } else if constexpr (std::is_same_v<T, CommandsCmd>) {
    // No fields.
  } else if constexpr (std::is_same_v<T, CommandCmd>) {
    f.channel(cmd.channel);
    f.same("name", cmd.name);
    FUZZ_CHECK(!cmd.name.empty() && cmd.name.size() <= pp::kMaxCommandNameBytes);
    if (f.present("args")) {
      f.same("args", cmd.args);
    } else {
      FUZZ_CHECK(cmd.args.empty());
    }
  } else if constexpr (std::is_same_v<T, ReplyCommandCmd>) {
    f.same("command_id", cmd.command_id);
    FUZZ_CHECK(!cmd.command_id.empty() && cmd.command_id.size() <= 64);
    f.same("text", cmd.text);
  } else {
    static_assert(!sizeof(T), "every command needs its checks");
  }
}

// The id echo: the JSON value the client sent, re-escaped.
void check_id_echo(const Frame* f, const element* frame_id, const std::string& id_json) {
  if (id_json.empty()) {
    // Absent id (or a failure before the id was read: then `f` is null and nothing is known).
    if (f != nullptr) FUZZ_CHECK(frame_id == nullptr);
    return;
  }
  const element echoed = parse_output(id_json);
  if (frame_id != nullptr) FUZZ_CHECK_MSG(same_json_scalar(*frame_id, echoed), id_json);
  std::string_view s;
  if (!echoed.get_string().get(s)) FUZZ_CHECK(s.size() <= kMaxIdBytes);
}

// Writes what the server would answer and reads it back.
void check_replies(const pp::ParseResult& r) {
  if (!r.ok()) {
    const pp::ParseFailure& fail = *r.failure;
    FUZZ_CHECK(!fail.error.message.empty());
    FUZZ_CHECK(valid_utf8(fail.error.message));
    std::string out;
    pp::write_error(out, fail.id_json, fail.error.code, fail.error.message);
    const element e = parse_output(out);
    std::string_view message, code;
    FUZZ_CHECK(!e["message"].get_string().get(message) && message == fail.error.message);
    FUZZ_CHECK(!e["code"].get_string().get(code) && code == pp::to_wire(fail.error.code));
    return;
  }
  const pp::Request& req = *r.request;
  std::string ok;
  pp::JsonWriter w(ok);
  pp::begin_ok(w, req.id_json).field("op_echo", pp::op_name(req.cmd)).end_object();
  parse_output(ok);

  // A message event carrying the text, as pushed to every member of the channel.
  std::visit(
      [](const auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, pp::SendCmd> || std::is_same_v<T, pp::EditCmd>) {
          std::string out;
          pp::MessageView m;
          m.channel = cmd.channel;
          m.seq = 1;
          m.from_id = "fuzz";
          m.from_name = "Fuzz";
          m.text = cmd.text;
          pp::write_message_event(out, m);
          const element e = parse_output(out);
          std::string_view text, channel;
          FUZZ_CHECK(!e["text"].get_string().get(text) && text == cmd.text);
          FUZZ_CHECK(!e["channel"].get_string().get(channel) && channel == cmd.channel);
        }
      },
      req.cmd);
}

// Parses the frame under `limits` and checks the result against the frame itself.
pp::ParseResult parse_and_check(std::string_view frame, const pp::ParseLimits& limits,
                                bool frame_is_object, const simdjson::dom::object& obj) {
  pp::ParseResult r = pp::parse_request(frame, limits);
  FUZZ_CHECK(r.request.has_value() != r.failure.has_value());
  check_replies(r);

  if (frame.size() > limits.max_frame_bytes) {
    FUZZ_CHECK(!r.ok() && r.failure->error.code == pp::ErrorCode::too_large);
    return r;
  }
  if (!r.ok()) {
    element id;
    const bool has_id = frame_is_object && obj.at_key("id").get(id) == simdjson::SUCCESS;
    check_id_echo(nullptr, has_id ? &id : nullptr, r.failure->id_json);
    return r;
  }
  // Accepted: the frame was a JSON object (the independent parser must agree).
  FUZZ_CHECK(frame_is_object);
  const Frame f{obj, limits};
  const std::string_view op = pp::op_name(r.request->cmd);
  FUZZ_CHECK(!op.empty());
  FUZZ_CHECK_MSG(f.string("op") == op, op);
  element id;
  const bool has_id = obj.at_key("id").get(id) == simdjson::SUCCESS;
  check_id_echo(&f, has_id ? &id : nullptr, r.request->id_json);
  std::visit([&](const auto& cmd) { check_command(f, cmd); }, r.request->cmd);
  return r;
}

// append_json_string on valid UTF-8: parses back to the input; no raw newline, control
// character or U+2028/U+2029 in the output.
void check_json_string(std::string_view s) {
  if (!valid_utf8(s)) return;  // the writer's documented precondition
  std::string out = "x";       // appends, never clears
  pp::append_json_string(out, s);
  FUZZ_CHECK(out[0] == 'x');
  const std::string_view lit = std::string_view(out).substr(1);
  for (char ch : lit) FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20);
  FUZZ_CHECK(lit.find("\xE2\x80\xA8") == std::string_view::npos);
  FUZZ_CHECK(lit.find("\xE2\x80\xA9") == std::string_view::npos);
  const element e = parse_output(lit);
  std::string_view back;
  FUZZ_CHECK(!e.get_string().get(back));
  FUZZ_CHECK(back == s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);

  element root;
  simdjson::dom::object obj;
  const bool is_object =
      parse_with(frame_parser(), frame, root) && root.get_object().get(obj) == simdjson::SUCCESS;

  const pp::ParseLimits defaults{};
  const pp::ParseResult loose = parse_and_check(frame, defaults, is_object, obj);

  // Tighter limits: every limit path is reachable with short inputs, and tightening a limit
  // can only turn an accepted frame into a refused one, never the other way round.
  pp::ParseLimits tight;
  tight.max_frame_bytes = 1024;
  tight.max_text_chars = 16;
  tight.max_client_msg_id_bytes = 8;
  tight.max_history_limit = 10;
  tight.default_history_limit = 5;
  const pp::ParseResult strict = parse_and_check(frame, tight, is_object, obj);
  if (strict.ok()) {
    FUZZ_CHECK(loose.ok());
    FUZZ_CHECK(pp::op_name(strict.request->cmd) == pp::op_name(loose.request->cmd));
    FUZZ_CHECK(strict.request->id_json == loose.request->id_json);
  }

  check_json_string(frame);
  return 0;
}
