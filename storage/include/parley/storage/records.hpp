// Moderation, reporting, audit and user records kept by parley_storage (issue: roles and
// moderation). Plain values; see store.hpp for how they are written and read.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parley/protocol/types.hpp"

namespace parley::storage {

using protocol::EmailPref;
using protocol::Role;
using protocol::TimestampMs;

// A user may not post (send, dm, edit, react) in `channel`, or anywhere when channel is empty.
struct Mute {
  std::string user;
  std::string channel;    // empty = everywhere
  TimestampMs until = 0;  // 0 = until unmuted
  std::string reason;
  std::string by;  // staff user id
  TimestampMs at = 0;
};

// A user may not connect (sessions closed with 4403, auth refused).
struct Ban {
  std::string user;
  TimestampMs until = 0;  // 0 = until unbanned
  std::string reason;
  std::string by;
  TimestampMs at = 0;
};

enum class ReportStatus : std::uint8_t { open = 0, upheld = 1, dismissed = 2 };

struct Report {
  std::uint64_t id = 0;  // assigned by the writer: 1, 2, 3, …
  std::string channel;
  std::uint64_t seq = 0;
  std::string reporter;
  std::string reason;
  TimestampMs at = 0;  // assigned by the writer
  // Snapshot of the reported message when the report was filed (the message may change).
  std::string author;
  std::string author_name;
  std::string text;
  ReportStatus status = ReportStatus::open;
  std::string resolved_by;
  TimestampMs resolved_at = 0;
  std::string resolution;  // free text: what was done (e.g. "removed message; muted 3600s")
};

// One line of the append-only audit log: every staff action and every automatic action.
struct AuditEntry {
  std::uint64_t id = 0;  // assigned by the writer: 1, 2, 3, …
  TimestampMs ts = 0;    // assigned by the writer
  std::string actor;     // user id, or "system" for automatic actions
  std::string action;    // e.g. "mute", "ban", "delete", "resolve_report", "filter_block"
  std::string target_user;
  std::string channel;
  std::uint64_t seq = 0;
  std::string reason;
  std::string details;  // a JSON object as text (may be empty)
};

// What the server last saw of a user (from their JWT at auth).
struct UserRecord {
  std::string id;
  std::string name;
  Role role = Role::customer;
  bool guest = false;
  TimestampMs first_seen = 0;
  TimestampMs last_seen = 0;
  // Shown as "Community member" on knowledge pages (set_preferences).
  bool kb_anonymous = false;
  // The email claim of the user's latest token ("" = none) and how they want email while
  // away (set_preferences; DESIGN §10).
  std::string email{};
  EmailPref email_pref = EmailPref::batched;
};

// Everything the server keeps in memory about moderation, loaded once at start-up.
struct ModerationSnapshot {
  std::vector<Mute> mutes;
  std::vector<Ban> bans;
  std::vector<std::pair<std::string, std::string>> members;  // (channel, user) of private channels
};

}  // namespace parley::storage
