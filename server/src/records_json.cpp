#include "records_json.hpp"

#include <charconv>
#include <cstring>
#include <memory>

namespace parley::server {

using protocol::JsonWriter;

std::string_view to_string(storage::ReportStatus s) {
  switch (s) {
    case storage::ReportStatus::open:
      return "open";
    case storage::ReportStatus::upheld:
      return "upheld";
    case storage::ReportStatus::dismissed:
      return "dismissed";
  }
  return "open";
}

void write_report_fields(JsonWriter& w, const storage::Report& r) {
  w.field("report_id", r.id).field("channel", r.channel).field("seq", r.seq);
  w.field("reporter", r.reporter).field("reason", r.reason).field("ts", r.at);
  w.key("author").begin_object().field("id", r.author).field("name", r.author_name).end_object();
  w.field("text", r.text).field("status", to_string(r.status));
  if (r.status != storage::ReportStatus::open) {
    w.field("resolved_by", r.resolved_by).field("resolved_at", r.resolved_at);
    w.field("resolution", r.resolution);
  }
}

void write_audit(JsonWriter& w, const storage::AuditEntry& a) {
  w.begin_object().field("id", a.id).field("ts", a.ts).field("actor", a.actor);
  w.field("action", a.action);
  if (!a.target_user.empty()) w.field("target_user", a.target_user);
  if (!a.channel.empty()) w.field("channel", a.channel);
  if (a.seq) w.field("seq", a.seq);
  if (!a.reason.empty()) w.field("reason", a.reason);
  if (!a.details.empty()) w.raw_field("details", a.details);
  w.end_object();
}

void write_mute(JsonWriter& w, const storage::Mute& m) {
  w.begin_object();
  if (!m.channel.empty()) w.field("channel", m.channel);
  w.field("until", m.until).field("reason", m.reason).field("by", m.by).field("at", m.at);
  w.end_object();
}

void write_ban(JsonWriter& w, const storage::Ban& b) {
  w.begin_object().field("until", b.until).field("reason", b.reason).field("by", b.by);
  w.field("at", b.at).end_object();
}

namespace {
// A stored message's JSON is formatted with pointer writes into a buffer sized for the worst
// case, then appended in one piece: most of a history page is message objects, and writing them
// token by token through JsonWriter (a std::string append per key, value and brace) cost about
// three times as much. Bytes: the same as JsonWriter writes (tests/server/records_json_test).

template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
  std::memcpy(p, literal, N - 1);
  return p + N - 1;
}

template <class Int>
char* put_int(char* p, Int v) {
  return std::to_chars(p, p + 20, v).ptr;  // 20 digits hold any 64-bit value and its sign
}

char* put_string(char* p, std::string_view s) { return protocol::write_json_string(p, s); }

// For storage::StoredMessage and storage::StoredMessageView alike (the same field names).
template <class Message>
std::size_t fields_bound(std::string_view channel, const Message& m) {
  using protocol::json_string_bound;
  // Keys, punctuation, role, booleans and up to six numbers of 20 characters: under 400.
  std::size_t n = 400 + json_string_bound(channel.size()) + json_string_bound(m.from_id.size()) +
                  json_string_bound(m.from_name.size()) + json_string_bound(m.text.size()) +
                  json_string_bound(m.deleted_by.size());
  for (const auto& r : m.reactions) n += 40 + json_string_bound(r.emoji.size());
  return n;
}

// The members (no braces) in this order: channel, seq, ts, from {id, name, role, advocate},
// text, then reply_to, edited_at, solved_seq, deleted (+ deleted_by, deleted_at) and reactions
// when set.
template <class Message>
char* put_fields(char* p, std::string_view channel, const Message& m) {
  p = put(p, "\"channel\":");
  p = put_string(p, channel);
  p = put_int(put(p, ",\"seq\":"), m.seq);
  p = put_int(put(p, ",\"ts\":"), m.ts);
  p = put_string(put(p, ",\"from\":{\"id\":"), m.from_id);
  p = put_string(put(p, ",\"name\":"), m.from_name);
  p = put_string(put(p, ",\"role\":"), protocol::to_string(m.from_role));
  p = m.from_advocate ? put(p, ",\"advocate\":true}") : put(p, ",\"advocate\":false}");
  p = put_string(put(p, ",\"text\":"), m.text);
  if (m.reply_to) p = put_int(put(p, ",\"reply_to\":"), m.reply_to);
  if (m.edited_at) p = put_int(put(p, ",\"edited_at\":"), m.edited_at);
  if (m.solved_seq) p = put_int(put(p, ",\"solved_seq\":"), m.solved_seq);
  if (m.deleted) {
    p = put_string(put(p, ",\"deleted\":true,\"deleted_by\":"), m.deleted_by);
    p = put_int(put(p, ",\"deleted_at\":"), m.deleted_at);
  }
  if (!m.reactions.empty()) {
    // An array (not an object keyed by emoji): keeps first-use order, and emoji need escaping.
    p = put(p, ",\"reactions\":[");
    bool first = true;
    for (const auto& r : m.reactions) {
      if (!first) *p++ = ',';
      p = put_string(put(p, "{\"emoji\":"), r.emoji);
      p = put(put_int(put(p, ",\"count\":"), static_cast<std::uint64_t>(r.count)), "}");
      first = false;
    }
    p = put(p, "]");
  }
  return p;
}

// `open` (the object's '{' and any members before the message's), the members, '}': handed to
// `sink` as one piece. On the stack up to 2 KiB (any message with a short text); beyond, in a
// buffer of the exact worst case.
template <class Message, class Sink>
void with_message_object(std::string_view open, std::string_view channel, const Message& m,
                         Sink&& sink) {
  char stack[2048];
  const std::size_t bound = open.size() + fields_bound(channel, m) + 1;
  std::unique_ptr<char[]> heap;
  char* buf = stack;
  if (bound > sizeof stack) {
    heap = std::make_unique_for_overwrite<char[]>(bound);
    buf = heap.get();
  }
  std::memcpy(buf, open.data(), open.size());
  char* p = put_fields(buf + open.size(), channel, m);
  *p++ = '}';
  sink(std::string_view(buf, static_cast<std::size_t>(p - buf)));
}
}  // namespace

void write_stored_message(JsonWriter& w, const std::string& channel,
                          const storage::StoredMessage& m) {
  with_message_object("{", channel, m, [&w](std::string_view json) { w.raw(json); });
}

void write_stored_message(JsonWriter& w, std::string_view channel,
                          const storage::StoredMessageView& m) {
  with_message_object("{", channel, m, [&w](std::string_view json) { w.raw(json); });
}

void append_message_event(std::string& out, const std::string& channel,
                          const storage::StoredMessage& m) {
  with_message_object("{\"op\":\"message\",", channel, m,
                      [&out](std::string_view json) { out.append(json); });
}

}  // namespace parley::server
