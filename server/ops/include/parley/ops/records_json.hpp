// JSON forms of storage records shared by WebSocket events and the HTTP API.
#pragma once

#include <string>

#include "parley/protocol/serialize.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

std::string_view to_string(storage::ReportStatus s);

// Writes the fields (no braces) of a report: report_id, channel, seq, reporter, reason, ts,
// author{id,name}, text, status, and resolved_by/resolved_at/resolution when resolved.
void write_report_fields(protocol::JsonWriter& w, const storage::Report& r);
// {"id","ts","actor","action","target_user"?,"channel"?,"seq"?,"reason"?,"details"?}
void write_audit(protocol::JsonWriter& w, const storage::AuditEntry& a);
// {"id","channel"?,"until","reason","by","at"} for a mute; {"until","reason","by","at"} ban.
void write_mute(protocol::JsonWriter& w, const storage::Mute& m);
void write_ban(protocol::JsonWriter& w, const storage::Ban& b);
// A stored message as in history: message fields plus edited_at, deleted, deleted_by,
// deleted_at and reactions ([{"emoji","count"}], first use first) when present.
void write_stored_message(protocol::JsonWriter& w, const std::string& channel,
                          const storage::StoredMessage& m);
// A user's preferences as fields (no braces): "kb_anonymous":…,"email":"off|batched|digest".
std::string preferences_fields(const storage::UserRecord& u);
// Appends a full {"op":"message",…} event for a stored message.
void append_message_event(std::string& out, const std::string& channel,
                          const storage::StoredMessage& m);

// Reply fields describing a channel: "channel","kind","title","archived","locked","slow_mode_s".
// The fields of a channel's settings; a support channel's include `publish`, its own setting or
// else `publish_default` ([knowledge]).
std::string channel_fields(const storage::ChannelInfo& info, bool publish_default);

}  // namespace parley::server
