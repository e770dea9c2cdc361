// Byte layout of every key and value parley_storage writes to RocksDB. Pure functions: no I/O,
// no shared state, safe from any thread.
//
// Keys sort the way we scan them:
//   messages     channel '\0' be64(seq)   -> one channel's messages are contiguous and ascending
//   idempotency  user '\0' client_msg_id  -> channel, seq, ts of the original message
//   channels     name                     -> ChannelInfo (without the name)
//   meta         "schema"                 -> schema version byte
// Channel names and user ids never contain '\0' (the protocol forbids it), so the separator
// keeps one channel's key range apart from every other's.
//
// Values start with a format version byte followed by varints and length-prefixed strings.
// Readers accept exactly kFormatVersion and ignore bytes after the fields they know, so a later
// version may append fields without a migration; an incompatible layout bumps the version.
// Every decode returns nullopt on truncated or malformed input and never reads out of bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/storage/store.hpp"

namespace parley::storage::codec {

inline constexpr std::uint8_t kFormatVersion = 1;
// Version of the database as a whole (column families and key layout), kept in meta.
inline constexpr std::uint8_t kSchemaVersion = 1;
inline constexpr std::string_view kSchemaKey = "schema";

// --- messages ---------------------------------------------------------------------------------

// channel '\0' be64(seq)
std::string message_key(std::string_view channel, std::uint64_t seq);
// channel '\0': every key of the channel starts with it (inclusive lower bound of a scan).
std::string message_prefix(std::string_view channel);
// channel '\1': the first key after the channel's range (exclusive upper bound of a scan).
std::string message_prefix_end(std::string_view channel);
// The seq of a message key of `channel`, or nullopt if `key` is not one.
std::optional<std::uint64_t> message_key_seq(std::string_view key, std::string_view channel);

// The value does not repeat the seq: the key is authoritative.
std::string encode_message(const StoredMessage& msg);
// `seq` comes from the key.
std::optional<StoredMessage> decode_message(std::uint64_t seq, std::string_view value);

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

// The name is the key, so the value leaves it out.
std::string encode_channel(const ChannelInfo& info);
std::optional<ChannelInfo> decode_channel(std::string_view name, std::string_view value);

// --- meta -------------------------------------------------------------------------------------

std::string encode_schema_version(std::uint8_t version);
std::optional<std::uint8_t> decode_schema_version(std::string_view value);

}  // namespace parley::storage::codec
