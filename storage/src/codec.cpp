#include "codec.hpp"

#include <utility>

#include "codec_io.hpp"

namespace parley::storage::codec {
namespace {

using io::Decoder;
using io::Encoder;
using io::get_be64;
using io::kSeparator;
using io::kSeparatorEnd;
using io::put_be64;

constexpr std::uint8_t kRoleMax = static_cast<std::uint8_t>(Role::admin);
constexpr std::uint8_t kKindMax = static_cast<std::uint8_t>(ChannelKind::dm);

// Flag bits, so that later booleans fit in the same byte without a format change. Readers
// ignore bits they do not know.
constexpr std::uint8_t kFlagAdvocate = 1u << 0;    // StoredMessage::from_advocate
constexpr std::uint8_t kFlagDeleted = 1u << 1;     // StoredMessage::deleted
constexpr std::uint8_t kFlagArchived = 1u << 0;    // ChannelInfo::archived
constexpr std::uint8_t kFlagLocked = 1u << 1;      // ChannelInfo::locked
constexpr std::uint8_t kFlagPublishSet = 1u << 2;  // ChannelInfo::publish has a value…
constexpr std::uint8_t kFlagPublish = 1u << 3;     // …and this is it

// Smallest encoding of one reaction: an empty emoji (1 byte) and a count (1 byte). Bounds the
// count prefix so that a corrupt one cannot make us reserve memory.
constexpr std::size_t kMinReactionBytes = 2;

}  // namespace

// --- messages ---------------------------------------------------------------------------------

std::string message_key(std::string_view channel, std::uint64_t seq) {
  std::string key;
  key.reserve(channel.size() + 9);
  key.append(channel);
  key.push_back(kSeparator);
  put_be64(key, seq);
  return key;
}

std::string message_prefix(std::string_view channel) {
  std::string p(channel);
  p.push_back(kSeparator);
  return p;
}

std::string message_prefix_end(std::string_view channel) {
  std::string p(channel);
  p.push_back(kSeparatorEnd);
  return p;
}

std::optional<std::uint64_t> message_key_seq(std::string_view key, std::string_view channel) {
  if (key.size() != channel.size() + 9 || !key.starts_with(channel) ||
      key[channel.size()] != kSeparator) {
    return std::nullopt;
  }
  return get_be64(key.substr(channel.size() + 1));
}

std::string encode_message(const StoredMessage& msg) {
  Encoder e(kFormatVersion);
  e.svarint(msg.ts);
  e.str(msg.from_id);
  e.str(msg.from_name);
  e.byte(static_cast<std::uint8_t>(msg.from_role));
  e.byte((msg.from_advocate ? kFlagAdvocate : 0) | (msg.deleted ? kFlagDeleted : 0));
  e.str(msg.text);
  e.varint(msg.reply_to);
  // Lifecycle fields, appended after the original layout.
  e.svarint(msg.edited_at);
  e.str(msg.deleted_by);
  e.svarint(msg.deleted_at);
  e.varint(msg.reactions.size());
  for (const auto& r : msg.reactions) {
    e.str(r.emoji);
    e.varint(r.count);
  }
  e.varint(msg.solved_seq);  // appended later still: absent = 0
  e.str(msg.mentions);       // and later again: absent = none
  e.str(msg.actions);        // and again: absent = none
  return std::move(e).take();
}

bool decode_message_view(std::uint64_t seq, std::string_view value, protocol::MessageView& m,
                         std::vector<protocol::ReactionView>& reactions) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return false;
  m.seq = seq;
  m.ts = d.svarint();
  m.from_id = d.str_view();
  m.from_name = d.str_view();
  std::uint8_t role = d.byte();
  std::uint8_t flags = d.byte();
  m.text = d.str_view();
  m.reply_to = d.varint();
  if (!d.ok() || role > kRoleMax) return false;
  m.from_role = static_cast<Role>(role);
  m.from_advocate = (flags & kFlagAdvocate) != 0;
  m.deleted = (flags & kFlagDeleted) != 0;
  // Fields appended later keep their defaults in a value written before they existed.
  m.edited_at = 0;
  m.deleted_by = {};
  m.deleted_at = 0;
  reactions.clear();
  m.reactions = {};
  m.solved_seq = 0;
  m.mentions = {};
  m.actions = {};
  if (d.done()) return true;

  m.edited_at = d.svarint();
  m.deleted_by = d.str_view();
  m.deleted_at = d.svarint();
  std::uint64_t n = d.varint();
  if (!d.ok() || n > d.remaining() / kMinReactionBytes) return false;
  reactions.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    protocol::ReactionView r;
    r.emoji = d.str_view();
    r.count = d.varint32();
    // The writer drops reactions whose count reaches 0, so one is a sign of corruption.
    if (r.count == 0) d.invalid();
    reactions.push_back(r);
  }
  if (!d.ok()) return false;
  m.reactions = reactions;
  if (d.done()) return true;  // written before solved_seq existed
  m.solved_seq = d.varint();
  if (d.ok() && d.done()) return true;  // written before mentions existed
  m.mentions = d.str_view();
  if (d.ok() && d.done()) return true;  // written before actions existed
  m.actions = d.str_view();
  return d.ok();
}

StoredMessage to_stored(const protocol::MessageView& v) {
  StoredMessage m;
  m.seq = v.seq;
  m.ts = v.ts;
  m.from_id = v.from_id;
  m.from_name = v.from_name;
  m.from_role = v.from_role;
  m.from_advocate = v.from_advocate;
  m.text = v.text;
  m.reply_to = v.reply_to;
  m.edited_at = v.edited_at;
  m.deleted = v.deleted;
  m.deleted_by = v.deleted_by;
  m.deleted_at = v.deleted_at;
  m.reactions.reserve(v.reactions.size());
  for (const auto& r : v.reactions) m.reactions.push_back({std::string(r.emoji), r.count});
  m.solved_seq = v.solved_seq;
  m.mentions = v.mentions;
  m.actions = v.actions;
  return m;
}

std::optional<StoredMessage> decode_message(std::uint64_t seq, std::string_view value) {
  protocol::MessageView v;
  std::vector<protocol::ReactionView> reactions;
  if (!decode_message_view(seq, value, v, reactions)) return std::nullopt;
  return to_stored(v);
}

// --- reactions --------------------------------------------------------------------------------

std::string reaction_key(std::string_view channel, std::uint64_t seq, std::string_view emoji,
                         std::string_view user) {
  std::string key = reaction_prefix(channel, seq);
  key.append(emoji);
  key.push_back(kSeparator);
  key.append(user);
  return key;
}

std::string reaction_prefix(std::string_view channel, std::uint64_t seq) {
  std::string key = message_key(channel, seq);
  key.push_back(kSeparator);
  return key;
}

std::string reaction_prefix_end(std::string_view channel, std::uint64_t seq) {
  std::string key = message_key(channel, seq);
  key.push_back(kSeparatorEnd);
  return key;
}

// --- idempotency ------------------------------------------------------------------------------

std::string idempotency_key(std::string_view user, std::string_view client_msg_id) {
  std::string key;
  key.reserve(user.size() + 1 + client_msg_id.size());
  key.append(user);
  key.push_back(kSeparator);
  key.append(client_msg_id);
  return key;
}

std::string encode_idempotency(const IdempotencyRecord& rec) {
  Encoder e(kFormatVersion);
  e.str(rec.channel);
  e.varint(rec.seq);
  e.svarint(rec.ts);
  return std::move(e).take();
}

std::optional<IdempotencyRecord> decode_idempotency(std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  IdempotencyRecord rec;
  rec.channel = d.str();
  rec.seq = d.varint();
  rec.ts = d.svarint();
  // seq 0 is never assigned, so a record pointing at it is corrupt.
  if (!d.ok() || rec.seq == 0) return std::nullopt;
  return rec;
}

// --- channels ---------------------------------------------------------------------------------

std::string encode_channel(const ChannelInfo& info) {
  Encoder e(kFormatVersion);
  e.byte(static_cast<std::uint8_t>(info.kind));
  e.str(info.title);
  e.svarint(info.created_ms);
  e.varint(info.epoch);
  e.byte((info.archived ? kFlagArchived : 0) | (info.locked ? kFlagLocked : 0) |
         (info.publish ? kFlagPublishSet : 0) | (info.publish.value_or(false) ? kFlagPublish : 0));
  e.varint(info.slow_mode_s);  // appended after the original layout
  return std::move(e).take();
}

std::optional<ChannelInfo> decode_channel(std::string_view name, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  ChannelInfo info;
  info.name = std::string(name);
  std::uint8_t kind = d.byte();
  info.title = d.str();
  info.created_ms = d.svarint();
  info.epoch = d.varint();
  std::uint8_t flags = d.byte();
  if (!d.done()) info.slow_mode_s = d.varint32();  // absent in values written before it
  if (!d.ok() || kind > kKindMax) return std::nullopt;
  info.kind = static_cast<ChannelKind>(kind);
  info.archived = (flags & kFlagArchived) != 0;
  info.locked = (flags & kFlagLocked) != 0;
  if (flags & kFlagPublishSet) info.publish = (flags & kFlagPublish) != 0;
  return info;
}

// --- meta -------------------------------------------------------------------------------------

std::string encode_schema_version(std::uint8_t version) {
  return std::string(1, static_cast<char>(version));
}

std::optional<std::uint8_t> decode_schema_version(std::string_view value) {
  if (value.size() != 1 || value[0] == 0) return std::nullopt;
  return static_cast<std::uint8_t>(value[0]);
}

}  // namespace parley::storage::codec
