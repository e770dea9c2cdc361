#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "json_dom.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/protocol/serialize.hpp"
#include "parse_fields.hpp"
#include "text.hpp"

namespace parley::protocol {
namespace {

using detail::Fields;
using detail::Key;

// The index of alternative T in Command.
template <class T, std::size_t I = 0>
constexpr std::size_t index_of() noexcept {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Command>, T>) {
    return I;
  } else {
    return index_of<T, I + 1>();
  }
}

// Op names in the order of the Command alternatives: kOpNames[cmd.index()] names cmd's op.
constexpr std::string_view kOpNames[] = {"auth",
                                         "join",
                                         "leave",
                                         "send",
                                         "dm",
                                         "history",
                                         "typing",
                                         "ping",
                                         "edit",
                                         "delete",
                                         "react",
                                         "report",
                                         "resolve_report",
                                         "mute",
                                         "ban",
                                         "kick",
                                         "slow_mode",
                                         "lock",
                                         "create_channel",
                                         "archive_channel",
                                         "update_channel",
                                         "add_member",
                                         "helpful",
                                         "solve",
                                         "set_advocate",
                                         "search",
                                         "set_preferences",
                                         "deflected",
                                         "publish_thread",
                                         "read",
                                         "channels",
                                         "register_commands",
                                         "commands",
                                         "command",
                                         "reply_command",
                                         "action",
                                         "unsolve"};
static_assert(std::size(kOpNames) == std::variant_size_v<Command>);

template <class T>
constexpr bool named(std::string_view op) noexcept {
  return kOpNames[index_of<T>()] == op;
}
static_assert(named<AuthCmd>("auth") && named<JoinCmd>("join") && named<LeaveCmd>("leave") &&
              named<SendCmd>("send") && named<DmCmd>("dm") && named<HistoryCmd>("history") &&
              named<TypingCmd>("typing") && named<PingCmd>("ping") && named<EditCmd>("edit") &&
              named<DeleteCmd>("delete") && named<ReactCmd>("react") &&
              named<ReportCmd>("report") && named<ResolveReportCmd>("resolve_report") &&
              named<MuteCmd>("mute") && named<BanCmd>("ban") && named<KickCmd>("kick") &&
              named<SlowModeCmd>("slow_mode") && named<LockCmd>("lock") &&
              named<CreateChannelCmd>("create_channel") &&
              named<ArchiveChannelCmd>("archive_channel") &&
              named<UpdateChannelCmd>("update_channel") && named<MemberCmd>("add_member") &&
              named<HelpfulCmd>("helpful") && named<SolveCmd>("solve") &&
              named<SetAdvocateCmd>("set_advocate") && named<SearchCmd>("search") &&
              named<SetPreferencesCmd>("set_preferences") && named<DeflectedCmd>("deflected") &&
              named<PublishThreadCmd>("publish_thread") && named<ReadCmd>("read") &&
              named<ChannelsCmd>("channels") && named<RegisterCommandsCmd>("register_commands") &&
              named<CommandsCmd>("commands") && named<CommandCmd>("command") &&
              named<ReplyCommandCmd>("reply_command") && named<ActionCmd>("action") &&
              named<UnsolveCmd>("unsolve"));

// Four commands serve two ops each; the second op ("unreact", ...) sets the command's flag to
// false. Indexed like kOpNames; empty for the other commands.
constexpr auto kInverseOpNames = [] {
  std::array<std::string_view, std::variant_size_v<Command>> names{};
  names[index_of<ReactCmd>()] = "unreact";
  names[index_of<MuteCmd>()] = "unmute";
  names[index_of<BanCmd>()] = "unban";
  names[index_of<MemberCmd>()] = "remove_member";
  return names;
}();

// True for a command of the second op of its pair (ReactCmd with add == false, ...).
bool is_inverse(const Command& c) noexcept {
  if (const auto* r = std::get_if<ReactCmd>(&c)) return !r->add;
  if (const auto* m = std::get_if<MuteCmd>(&c)) return !m->on;
  if (const auto* b = std::get_if<BanCmd>(&c)) return !b->on;
  if (const auto* m = std::get_if<MemberCmd>(&c)) return !m->add;
  return false;
}

// Turns a freshly emplaced command into the second op of its pair.
void make_inverse(Command& c) noexcept {
  if (auto* r = std::get_if<ReactCmd>(&c)) r->add = false;
  if (auto* m = std::get_if<MuteCmd>(&c)) m->on = false;
  if (auto* b = std::get_if<BanCmd>(&c)) b->on = false;
  if (auto* m = std::get_if<MemberCmd>(&c)) m->add = false;
}

// Ids are echoed verbatim in every reply; bound them so they cannot bloat the output.
constexpr std::size_t kMaxIdBytes = 128;
// Long unknown op names are cut in error messages; the client knows what it sent.
constexpr std::size_t kMaxEchoedOpBytes = 32;

ParseResult fail(ErrorCode code, std::string message, std::string id_json = {}) {
  ParseResult r;
  r.failure = ParseFailure{Error{code, std::move(message)}, std::move(id_json)};
  return r;
}

// Builds the echo form of the request id. Returns false for an id of an unsupported type.
bool read_id(const simdjson::dom::element& e, std::string& id_json) {
  std::string_view s;
  if (!e.get_string().get(s)) {
    if (s.size() > kMaxIdBytes) return false;
    append_json_string(id_json, s);  // re-escaped: the echo is our output, never raw input
    return true;
  }
  // Only INT64 qualifies: ids must fit a 64-bit signed integer, floats are not ids.
  std::int64_t v = 0;
  if (e.type() == simdjson::dom::element_type::INT64 && !e.get_int64().get(v)) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    id_json.assign(buf, res.ptr);
    return true;
  }
  return false;
}

struct OpRef {
  std::size_t index;  // of the Command alternative
  bool inverse;       // the second op of a pair (see kInverseOpNames)
};

std::optional<OpRef> find_op(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kOpNames); ++i) {
    if (kOpNames[i] == name) return OpRef{i, false};
  }
  for (std::size_t i = 0; i < kInverseOpNames.size(); ++i) {
    if (!kInverseOpNames[i].empty() && kInverseOpNames[i] == name) return OpRef{i, true};
  }
  return std::nullopt;
}

std::string unknown_op_message(std::string_view op) {
  const std::string_view shown = detail::utf8_prefix(op, kMaxEchoedOpBytes);
  std::string msg = "unknown op ";
  if (shown.size() == op.size()) {
    append_json_string(msg, op);
  } else {
    append_json_string(msg, std::string(shown) + "...");
  }
  return msg;
}

// Emplaces the alternative with the given index into `cmd`.
template <std::size_t... I>
void emplace_by_index(Command& cmd, std::size_t index, std::index_sequence<I...>) {
  ((index == I ? (void)cmd.emplace<I>() : (void)0), ...);
}

}  // namespace

std::string pack_actions(const std::vector<MessageAction>& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (!out.empty()) out.push_back(kActionSep);
    out.append(a.id).push_back(kActionFieldSep);
    out.append(a.label);
  }
  return out;
}

bool has_action(std::string_view packed, std::string_view id) {
  while (!packed.empty()) {
    const std::size_t end = packed.find(kActionSep);
    const std::string_view one = packed.substr(0, end);
    if (one.substr(0, one.find(kActionFieldSep)) == id) return true;
    packed = end == std::string_view::npos ? std::string_view{} : packed.substr(end + 1);
  }
  return false;
}

std::string_view op_name(const Command& c) noexcept {
  if (c.index() >= std::size(kOpNames)) return {};  // valueless_by_exception
  return is_inverse(c) ? kInverseOpNames[c.index()] : kOpNames[c.index()];
}

ParseResult parse_request(std::string_view frame, const ParseLimits& limits) {
  // Checked before parsing so an oversized frame costs nothing but this comparison.
  if (frame.size() > limits.max_frame_bytes) {
    return fail(ErrorCode::too_large,
                "frame is larger than " + std::to_string(limits.max_frame_bytes) + " bytes");
  }

  simdjson::dom::element root;
  if (const auto err = detail::parse_json(frame, root)) {
    if (err == simdjson::UTF8_ERROR) return fail(ErrorCode::bad_request, "invalid UTF-8");
    if (err == simdjson::MEMALLOC) return fail(ErrorCode::internal, "out of memory");
    return fail(ErrorCode::bad_request, "invalid JSON");
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return fail(ErrorCode::bad_request, "frame must be a JSON object");
  }

  // One pass over the members. Order does not matter; unknown members are skipped (simdjson
  // has already validated them); a repeated known member is refused, since the two readings
  // of `{"op":"join","op":"leave"}` are a classic smuggling trick.
  Fields fields;
  std::string_view duplicate;
  for (const simdjson::dom::key_value_pair kv : object) {
    const std::optional<Key> k = detail::find_key(kv.key);
    if (k && !fields.set(*k, kv.value) && duplicate.empty()) duplicate = detail::key_name(*k);
  }

  // The id first, so every later failure can be echoed with it.
  std::string id_json;
  if (const simdjson::dom::element* id = fields.raw(Key::id)) {
    if (!read_id(*id, id_json)) {
      return fail(ErrorCode::bad_request, "\"id\" must be a string of at most " +
                                              std::to_string(kMaxIdBytes) +
                                              " bytes or a 64-bit integer");
    }
  }
  if (!duplicate.empty()) {
    return fail(ErrorCode::bad_request, "duplicate field \"" + std::string(duplicate) + "\"",
                std::move(id_json));
  }

  const simdjson::dom::element* op = fields.raw(Key::op);
  if (op == nullptr) return fail(ErrorCode::bad_request, "\"op\" is required", std::move(id_json));
  std::string_view op_str;
  if (op->get_string().get(op_str)) {
    return fail(ErrorCode::bad_request, "\"op\" must be a string", std::move(id_json));
  }
  const std::optional<OpRef> op_ref = find_op(op_str);
  if (!op_ref) {
    return fail(ErrorCode::bad_request, unknown_op_message(op_str), std::move(id_json));
  }

  Request request;
  emplace_by_index(request.cmd, op_ref->index,
                   std::make_index_sequence<std::variant_size_v<Command>>{});
  // Before building: builders read the flag (unmute and unban skip duration and reason).
  if (op_ref->inverse) make_inverse(request.cmd);
  detail::Failure err =
      std::visit([&](auto& cmd) { return detail::build(fields, limits, cmd); }, request.cmd);
  if (err) return fail(err->code, std::move(err->message), std::move(id_json));

  request.id_json = std::move(id_json);
  ParseResult r;
  r.request = std::move(request);
  return r;
}

}  // namespace parley::protocol
