#include "records_json.hpp"

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
// For storage::StoredMessage and storage::StoredMessageView alike (the same field names).
template <class Message>
void message_fields(JsonWriter& w, std::string_view channel, const Message& m) {
  w.field("channel", channel).field("seq", m.seq).field("ts", m.ts);
  w.key("from").begin_object().field("id", m.from_id).field("name", m.from_name);
  w.field("role", protocol::to_string(m.from_role)).field("advocate", m.from_advocate);
  w.end_object();
  w.field("text", m.text);
  if (m.reply_to) w.field("reply_to", m.reply_to);
  if (m.edited_at) w.field("edited_at", m.edited_at);
  if (m.solved_seq) w.field("solved_seq", m.solved_seq);
  if (m.deleted) {
    w.field("deleted", true).field("deleted_by", m.deleted_by).field("deleted_at", m.deleted_at);
  }
  if (!m.reactions.empty()) {
    // An array (not an object keyed by emoji): keeps first-use order, and emoji need escaping.
    w.key("reactions").begin_array();
    for (const auto& r : m.reactions) {
      w.begin_object().field("emoji", r.emoji).field("count", static_cast<std::uint64_t>(r.count));
      w.end_object();
    }
    w.end_array();
  }
}
}  // namespace

void write_stored_message(JsonWriter& w, const std::string& channel,
                          const storage::StoredMessage& m) {
  w.begin_object();
  message_fields(w, channel, m);
  w.end_object();
}

void write_stored_message(JsonWriter& w, std::string_view channel,
                          const storage::StoredMessageView& m) {
  w.begin_object();
  message_fields(w, channel, m);
  w.end_object();
}

void append_message_event(std::string& out, const std::string& channel,
                          const storage::StoredMessage& m) {
  JsonWriter w(out);
  w.begin_object().field("op", "message");
  message_fields(w, channel, m);
  w.end_object();
}

}  // namespace parley::server
