#include "parse_fields.hpp"

#include <algorithm>
#include <string>

#include "parley/protocol/validate.hpp"
#include "text.hpp"

namespace parley::protocol::detail {
namespace {

constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
    "op",         "id",           "token",         "channel",
    "since",      "text",         "client_msg_id", "reply_to",
    "to",         "before",       "limit",         "seq",
    "emoji",      "reason",       "report_id",     "action",
    "remove",     "mute_s",       "user",          "duration_s",
    "interval_s", "locked",       "kind",          "title",
    "archived",   "query",        "solved",        "cursor",
    "publish",    "kb_anonymous", "match",         "email",
    "commands",   "name",         "args",          "command_id",
    "actions",    "action_id",    "credit",        "changes_since",
    "advocate"};
// A short initializer list would leave trailing names empty; the enum and the list must agree.
static_assert(kKeyNames[kKeyCount - 1] == "advocate" && kKeyNames[11] == "seq");

constexpr std::size_t index(Key k) noexcept { return static_cast<std::size_t>(k); }

Error bad_request(std::string message) { return {ErrorCode::bad_request, std::move(message)}; }

Failure read_client_msg_id(const Fields& f, const ParseLimits& limits, std::string& out) {
  std::string_view s;
  if (auto err = read_string(f, Key::client_msg_id, s)) return err;
  const bool printable =
      std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  if (s.empty() || s.size() > limits.max_client_msg_id_bytes || !printable) {
    return field_error(Key::client_msg_id, "must be 1-" +
                                               std::to_string(limits.max_client_msg_id_bytes) +
                                               " printable ASCII characters");
  }
  out.assign(s);
  return std::nullopt;
}

// Reads an integer in [min, max] from a present element. Floats (even 5.0), negative numbers
// and integers beyond uint64 are rejected rather than rounded: a client that sends them has a
// bug worth surfacing.
Failure read_uint_value(const simdjson::dom::element& e, Key k, std::uint64_t min,
                        std::uint64_t max, std::uint64_t& out) {
  std::uint64_t v = 0;
  if (e.get_uint64().get(v) || v < min || v > max) {
    if (max != kNoMax) {
      return field_error(
          k, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return field_error(k,
                       min == 0 ? "must be a non-negative integer" : "must be a positive integer");
  }
  out = v;
  return std::nullopt;
}

// An optional integer >= min, kept as an optional (absent differs from any value).
Failure read_optional_uint(const Fields& f, Key k, std::uint64_t min,
                           std::optional<std::uint64_t>& out) {
  const simdjson::dom::element* e = f.get(k);
  if (e == nullptr) return std::nullopt;
  std::uint64_t v = 0;
  if (auto err = read_uint_value(*e, k, min, kNoMax, v)) return err;
  out = v;
  return std::nullopt;
}

Failure read_channel_name(const Fields& f, bool allow_dm, std::string& out) {
  std::string_view s;
  if (auto err = read_string(f, Key::channel, s)) return err;
  if (!is_valid_channel_name(s) && !(allow_dm && is_dm_channel(s))) {
    return bad_request("invalid channel name");
  }
  out.assign(s);
  return std::nullopt;
}

}  // namespace

Error field_error(Key k, std::string_view rest, ErrorCode code) {
  std::string msg;
  msg.reserve(key_name(k).size() + rest.size() + 3);
  msg.append(1, '"').append(key_name(k)).append("\" ").append(rest);
  return {code, std::move(msg)};
}

Failure read_string(const Fields& f, Key k, std::string_view& out) {
  const simdjson::dom::element* e = f.get(k);
  if (e == nullptr) return field_error(k, "is required");
  if (e->get_string().get(out)) return field_error(k, "must be a string");
  return std::nullopt;
}

Failure read_channel(const Fields& f, std::string& out) {
  return read_channel_name(f, /*allow_dm=*/true, out);
}

Failure read_public_channel(const Fields& f, std::string& out) {
  return read_channel_name(f, /*allow_dm=*/false, out);
}

Failure read_text(const Fields& f, const ParseLimits& limits, std::string& out) {
  return read_text_field(f, Key::text, limits.max_text_chars, out);
}

Failure read_text_field(const Fields& f, Key k, std::size_t max_chars, std::string& out) {
  std::string_view s;
  if (auto err = read_string(f, k, s)) return err;
  // simdjson already rejected invalid UTF-8 and lone surrogate escapes; this counts.
  const std::optional<std::size_t> chars = utf8_length(s);
  if (!chars) return field_error(k, "is not valid UTF-8");
  if (*chars > max_chars) {
    return field_error(k, "is longer than " + std::to_string(max_chars) + " characters",
                       ErrorCode::too_large);
  }
  if (is_blank(s)) return field_error(k, "is empty");
  out.assign(s);  // kept exactly as sent: no trimming, no normalization
  return std::nullopt;
}

Failure read_user_id(const Fields& f, Key k, std::string& out) {
  std::string_view s;
  if (auto err = read_string(f, k, s)) return err;
  if (!is_valid_user_id(s)) return field_error(k, "must be a valid user id");
  out.assign(s);
  return std::nullopt;
}

Failure read_uint(const Fields& f, Key k, std::uint64_t min, std::uint64_t max,
                  std::uint64_t& out) {
  const simdjson::dom::element* e = f.get(k);
  if (e == nullptr) return field_error(k, "is required");
  return read_uint_value(*e, k, min, max, out);
}

Failure read_optional_uint(const Fields& f, Key k, std::uint64_t min, std::uint64_t max,
                           std::uint64_t& out) {
  const simdjson::dom::element* e = f.get(k);
  if (e == nullptr) return std::nullopt;
  return read_uint_value(*e, k, min, max, out);
}

Failure read_bool(const Fields& f, Key k, bool& out) {
  const simdjson::dom::element* e = f.get(k);
  if (e == nullptr) return field_error(k, "is required");
  if (e->get_bool().get(out)) return field_error(k, "must be true or false");
  return std::nullopt;
}

Failure read_optional_bool(const Fields& f, Key k, bool& out) {
  if (f.get(k) == nullptr) return std::nullopt;
  return read_bool(f, k, out);
}

std::optional<Key> find_key(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    if (kKeyNames[i] == name) return static_cast<Key>(i);
  }
  return std::nullopt;
}

std::string_view key_name(Key k) noexcept { return kKeyNames[index(k)]; }

bool Fields::set(Key k, simdjson::dom::element value) noexcept {
  const std::uint64_t bit = std::uint64_t{1} << index(k);
  if (present_ & bit) return false;
  present_ |= bit;
  values_[index(k)] = value;
  return true;
}

const simdjson::dom::element* Fields::raw(Key k) const noexcept {
  return (present_ & (std::uint64_t{1} << index(k))) ? &values_[index(k)] : nullptr;
}

const simdjson::dom::element* Fields::get(Key k) const noexcept {
  const simdjson::dom::element* e = raw(k);
  return (e != nullptr && !e->is_null()) ? e : nullptr;
}

Failure build(const Fields& f, const ParseLimits&, AuthCmd& cmd) {
  std::string_view token;
  if (auto err = read_string(f, Key::token, token)) return err;
  if (token.empty()) return field_error(Key::token, "is empty");
  cmd.token.assign(token);
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, JoinCmd& cmd) {
  if (auto err = read_channel(f, cmd.channel)) return err;
  if (auto err = read_optional_uint(f, Key::since, 0, cmd.since)) return err;
  return read_optional_uint(f, Key::changes_since, 0, cmd.changes_since);
}

Failure build(const Fields& f, const ParseLimits&, LeaveCmd& cmd) {
  return read_channel(f, cmd.channel);
}

bool is_action_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// `actions`: absent, null or [] for none; else 1-5 objects {id, label}.
Failure read_actions(const Fields& f, std::vector<MessageAction>& out) {
  const simdjson::dom::element* e = f.get(Key::actions);
  if (e == nullptr) return std::nullopt;
  simdjson::dom::array a;
  if (e->get_array().get(a)) return field_error(Key::actions, "must be an array of {id, label}");
  if (a.size() > kMaxMessageActions) return field_error(Key::actions, "holds more than 5 buttons");
  for (simdjson::dom::element el : a) {
    simdjson::dom::object o;
    std::string_view id, label;
    if (el.get_object().get(o)) return field_error(Key::actions, "must be an array of {id, label}");
    if (o["id"].get_string().get(id) || !is_action_id(id)) {
      return bad_request(R"(an action's "id" must be 1-64 characters of A-Z a-z 0-9 _ -)");
    }
    const auto n = o["label"].get_string().get(label) ? std::nullopt : utf8_length(label);
    const bool one_line = std::none_of(label.begin(), label.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    });
    if (!n || *n == 0 || *n > 40 || !one_line || detail::is_blank(label)) {
      return bad_request("action \"" + std::string(id) +
                         "\": \"label\" must be 1-40 characters on one line");
    }
    for (const auto& other : out) {
      if (other.id == id) return bad_request("action \"" + std::string(id) + "\" is given twice");
    }
    out.push_back({std::string(id), std::string(label)});
  }
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits& limits, SendCmd& cmd) {
  if (auto err = read_channel(f, cmd.channel)) return err;
  if (auto err = read_text(f, limits, cmd.text)) return err;
  if (auto err = read_client_msg_id(f, limits, cmd.client_msg_id)) return err;
  if (auto err = read_actions(f, cmd.actions)) return err;
  return read_optional_uint(f, Key::reply_to, 1, cmd.reply_to);
}

Failure build(const Fields& f, const ParseLimits& limits, DmCmd& cmd) {
  if (auto err = read_user_id(f, Key::to, cmd.to)) return err;
  if (auto err = read_text(f, limits, cmd.text)) return err;
  if (auto err = read_client_msg_id(f, limits, cmd.client_msg_id)) return err;
  return read_optional_uint(f, Key::reply_to, 1, cmd.reply_to);
}

Failure build(const Fields& f, const ParseLimits& limits, HistoryCmd& cmd) {
  if (auto err = read_channel(f, cmd.channel)) return err;
  if (auto err = read_optional_uint(f, Key::before, 1, cmd.before)) return err;
  std::optional<std::uint64_t> limit;
  if (auto err = read_optional_uint(f, Key::limit, 1, limit)) return err;
  // Larger pages are clamped, not refused: asking for "as many as you allow" is legitimate.
  const std::uint64_t wanted = limit.value_or(limits.default_history_limit);
  cmd.limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, limits.max_history_limit));
  return std::nullopt;
}

Failure build(const Fields& f, const ParseLimits&, TypingCmd& cmd) {
  return read_channel(f, cmd.channel);
}

Failure build(const Fields&, const ParseLimits&, PingCmd&) { return std::nullopt; }

}  // namespace parley::protocol::detail
