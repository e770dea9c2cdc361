// Byte layout of every key and value parley_storage writes to RocksDB. Pure functions: no I/O,
// no shared state, safe from any thread.
//
// Keys sort the way we scan them:
//   messages     channel '\0' be64(seq)   -> one channel's messages are contiguous and ascending
//   idempotency  user '\0' client_msg_id  -> channel, seq, ts of the original message
//   channels     name                     -> ChannelInfo (without the name)
//   meta         "schema"                 -> schema version byte
//   reactions    channel '\0' be64(seq) '\0' emoji '\0' user -> (empty): one user's reaction;
//                one message's reactions are contiguous (deleted as one range)
//   moderation   "m\0" user '\0' channel -> Mute;  "b\0" user -> Ban;
//                "p\0" channel '\0' user -> (empty): a member of a private channel
//   reports      "r\0" be64(id)                          -> Report (without the id)
//                "s\0" status be64(id)                   -> (empty): index by status
//                "a\0" author '\0' status be64(id)       -> (empty): index by author and status
//                "d\0" reporter '\0' channel '\0' be64(seq) -> report id (one report per
//                                                          reporter and message)
//   audit        be64(id)                 -> AuditEntry (without the id)
//   users        id                       -> UserRecord (without the id)
//   reads        "r\0" user '\0' channel  -> read marker: the highest seq the user has read
//                "n\0" user '\0' channel '\0' be64(seq) -> (empty): message seq mentions user
// Channel names, user ids and emoji never contain '\0' (the protocol forbids it; the writer
// refuses them), so the separator keeps one name's key range apart from every other's.
// Ids and seqs are big-endian, so a group's keys ascend numerically and a backward scan
// yields the newest first.
//
// Values start with a format version byte followed by varints and length-prefixed strings.
// Readers accept exactly kFormatVersion and ignore bytes after the fields they know, so a later
// version may append fields without a migration (fields appended so far: a value that ends
// before them decodes with their defaults); an incompatible layout bumps the version. Presence
// keys (reactions, members, the status and author report indexes) have an empty value. Every decode
// returns nullopt on truncated or malformed input and never reads out of bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/storage/store.hpp"

namespace parley::storage::codec {

inline constexpr std::uint8_t kFormatVersion = 1;
// Version of the database as a whole (column families and key layout), kept in meta.
inline constexpr std::uint8_t kSchemaVersion = 1;
inline constexpr std::string_view kSchemaKey = "schema";
// meta "outbox_id" -> be64: the last outbox row id assigned.
inline constexpr std::string_view kOutboxIdKey = "outbox_id";
// meta "dm_epoch" -> be64: the epoch of every DM channel of this store.
inline constexpr std::string_view kDmEpochKey = "dm_epoch";

// --- messages ---------------------------------------------------------------------------------

// channel '\0' be64(seq)
std::string message_key(std::string_view channel, std::uint64_t seq);
// channel '\0': every key of the channel starts with it (inclusive lower bound of a scan).
std::string message_prefix(std::string_view channel);
// channel '\1': the first key after the channel's range (exclusive upper bound of a scan).
std::string message_prefix_end(std::string_view channel);
// The seq of a message key of `channel`, or nullopt if `key` is not one.
std::optional<std::uint64_t> message_key_seq(std::string_view key, std::string_view channel);

// The value does not repeat the seq: the key is authoritative. Layout: ts, from_id, from_name,
// role, flags (advocate, deleted), text, reply_to, then the lifecycle fields appended later:
// edited_at, deleted_by, deleted_at, reactions (count, then emoji and count each). A value that
// ends after reply_to (written before they existed) decodes with their defaults.
std::string encode_message(const StoredMessage& msg);
// `seq` comes from the key.
std::optional<StoredMessage> decode_message(std::uint64_t seq, std::string_view value);
// The same decode without copies: every field of `out` but channel is set, its strings point
// into `value` and its reactions into `reactions` (cleared first; a reader reuses one vector
// for a whole page). False, with `out` unspecified, where decode_message gives nullopt.
bool decode_message_view(std::uint64_t seq, std::string_view value, protocol::MessageView& out,
                         std::vector<protocol::ReactionView>& reactions);
// A view's message as an owning copy (its channel is not part of a StoredMessage).
StoredMessage to_stored(const protocol::MessageView& v);

// --- reactions --------------------------------------------------------------------------------

// channel '\0' be64(seq) '\0' emoji '\0' user: `user` reacted with `emoji` (value empty).
std::string reaction_key(std::string_view channel, std::uint64_t seq, std::string_view emoji,
                         std::string_view user);
// [reaction_prefix, reaction_prefix_end) holds every reaction key of one message.
std::string reaction_prefix(std::string_view channel, std::uint64_t seq);
std::string reaction_prefix_end(std::string_view channel, std::uint64_t seq);

// --- idempotency ------------------------------------------------------------------------------

struct IdempotencyRecord {
  std::string channel;
  std::uint64_t seq = 0;
  TimestampMs ts = 0;

  bool operator==(const IdempotencyRecord&) const = default;
};

// user '\0' client_msg_id
std::string idempotency_key(std::string_view user, std::string_view client_msg_id);
std::string encode_idempotency(const IdempotencyRecord& rec);
std::optional<IdempotencyRecord> decode_idempotency(std::string_view value);

// --- channels ---------------------------------------------------------------------------------

// The name is the key, so the value leaves it out. Layout: kind, title, created_ms, epoch,
// flags (archived, locked), then slow_mode_s (appended later; absent = 0).
std::string encode_channel(const ChannelInfo& info);
std::optional<ChannelInfo> decode_channel(std::string_view name, std::string_view value);

// --- meta -------------------------------------------------------------------------------------

std::string encode_schema_version(std::uint8_t version);
std::optional<std::uint8_t> decode_schema_version(std::string_view value);

// --- moderation -------------------------------------------------------------------------------

// "m\0" user '\0' channel (channel empty = everywhere)
std::string mute_key(std::string_view user, std::string_view channel);
// "b\0" user
std::string ban_key(std::string_view user);
// "p\0" channel '\0' user (value empty)
std::string member_key(std::string_view channel, std::string_view user);

struct ModerationKey {
  enum class Kind : std::uint8_t { mute, ban, member };
  Kind kind = Kind::mute;
  std::string user;
  std::string channel;  // empty for bans

  bool operator==(const ModerationKey&) const = default;
};
// Which record a key of the moderation column family names; nullopt for a foreign key.
std::optional<ModerationKey> parse_moderation_key(std::string_view key);

// The key holds user and channel, so the values leave them out.
std::string encode_mute(const Mute& mute);
std::optional<Mute> decode_mute(std::string_view user, std::string_view channel,
                                std::string_view value);
std::string encode_ban(const Ban& ban);
std::optional<Ban> decode_ban(std::string_view user, std::string_view value);

// --- ids (reports, audit) ---------------------------------------------------------------------

// prefix be64(id): keys of one prefix ascend by id.
std::string id_key(std::string_view prefix, std::uint64_t id);
// The id of a key made by id_key(prefix, …), or nullopt if `key` is not one.
std::optional<std::uint64_t> id_key_id(std::string_view key, std::string_view prefix);

// --- reports ----------------------------------------------------------------------------------

inline constexpr std::string_view kReportPrefix = std::string_view("r\0", 2);
// "r\0" be64(id)
std::string report_key(std::uint64_t id);
// "s\0" status: followed by be64(id)
std::string report_status_prefix(ReportStatus status);
// "a\0" author '\0' status: followed by be64(id)
std::string report_author_prefix(std::string_view author, ReportStatus status);
// "d\0" reporter '\0' channel '\0' be64(seq)
std::string report_dup_key(std::string_view reporter, std::string_view channel, std::uint64_t seq);
// "d\0" reporter '\0': every report_dup_key of the reporter starts with it.
std::string report_reporter_prefix(std::string_view reporter);

// The id is the key, so the value leaves it out.
std::string encode_report(const Report& report);
std::optional<Report> decode_report(std::uint64_t id, std::string_view value);
// Value of a report_dup_key: the id of the report.
std::string encode_report_ref(std::uint64_t id);
std::optional<std::uint64_t> decode_report_ref(std::string_view value);

// --- audit ------------------------------------------------------------------------------------

// be64(id)
// --- rewrites: be64(id) -> version, channel, seq (a message edited, deleted or solved) ---
std::string rewrite_key(std::uint64_t id);
std::optional<std::uint64_t> rewrite_key_id(std::string_view key);
std::string encode_rewrite(std::string_view channel, std::uint64_t seq);
// False when the value does not decode.
bool decode_rewrite(std::string_view value, std::string* channel, std::uint64_t* seq);

std::string audit_key(std::uint64_t id);
std::optional<std::uint64_t> audit_key_id(std::string_view key);
std::string encode_audit(const AuditEntry& entry);
std::optional<AuditEntry> decode_audit(std::uint64_t id, std::string_view value);

// --- users ------------------------------------------------------------------------------------

// The id is the key, so the value leaves it out.
std::string encode_user(const UserRecord& user);
std::optional<UserRecord> decode_user(std::string_view id, std::string_view value);

// meta "erase\0" user -> by, started, finished (Store::Erasure)
inline constexpr std::string_view kErasurePrefix = std::string_view("erase\0", 6);
std::string erasure_key(std::string_view user);
std::string encode_erasure(const Store::Erasure& e);
std::optional<Store::Erasure> decode_erasure(std::string_view user, std::string_view value);

// --- reads: read markers and mentions (DESIGN §10) ---------------------------------------------

// "r\0" user '\0' channel
std::string read_marker_key(std::string_view user, std::string_view channel);
// "r\0" user '\0': every marker of the user starts with it.
std::string read_marker_prefix(std::string_view user);
std::string encode_read_marker(std::uint64_t seq);
std::optional<std::uint64_t> decode_read_marker(std::string_view value);
// "n\0" user '\0' channel '\0' be64(seq)
std::string mention_key(std::string_view user, std::string_view channel, std::uint64_t seq);
// "n\0" user '\0' channel '\0': the user's mentions in the channel, ascending by seq.
std::string mention_prefix(std::string_view user, std::string_view channel);
// "n\0" user '\0': every mention of the user starts with it.
std::string mention_user_prefix(std::string_view user);

}  // namespace parley::storage::codec
