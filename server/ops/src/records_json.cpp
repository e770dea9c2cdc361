#include "parley/ops/records_json.hpp"

#include <vector>

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

void write_stored_message(JsonWriter& w, const std::string& channel,
                          const storage::StoredMessage& m) {
  std::vector<protocol::ReactionView> reactions;
  protocol::write_message_object(w, storage::message_view(channel, m, reactions));
}

void append_message_event(std::string& out, const std::string& channel,
                          const storage::StoredMessage& m) {
  std::vector<protocol::ReactionView> reactions;
  protocol::write_message_event(out, storage::message_view(channel, m, reactions));
}

std::string preferences_fields(const storage::UserRecord& u) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("kb_anonymous", u.kb_anonymous);
  w.field("email", protocol::to_string(u.email_pref)).end_object();
  return out.substr(1, out.size() - 2);
}

std::string channel_fields(const storage::ChannelInfo& info, bool publish_default) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  {
    w.field("channel", info.name).field("kind", protocol::to_string(info.kind));
    w.field("title", info.title).field("archived", info.archived).field("locked", info.locked);
    w.field("slow_mode_s", static_cast<std::uint64_t>(info.slow_mode_s));
    if (info.kind == protocol::ChannelKind::support) {
      w.field("publish", info.publish.value_or(publish_default));
    }
  }
  w.end_object();
  return out.substr(1, out.size() - 2);
}

}  // namespace parley::server
