// Value layouts written before the moderation fields existed (messages without the lifecycle
// fields, channels without slow mode), spelled out independently of the codec so that a change
// to the old part of a layout shows up in the tests.
#pragma once

#include <cstdint>
#include <string>

#include "parley/storage/store.hpp"

namespace parley::storage::testing {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_str(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out += s;
}

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

// version 1: ts, from_id, from_name, role, flags (advocate), text, reply_to
inline std::string legacy_message_value(const StoredMessage& m) {
  std::string v = "\x01";
  put_varint(v, zigzag(m.ts));
  put_str(v, m.from_id);
  put_str(v, m.from_name);
  v.push_back(static_cast<char>(m.from_role));
  v.push_back(m.from_advocate ? 1 : 0);
  put_str(v, m.text);
  put_varint(v, m.reply_to);
  return v;
}

// version 1: kind, title, created_ms, epoch, flags (archived)
inline std::string legacy_channel_value(const ChannelInfo& c) {
  std::string v = "\x01";
  v.push_back(static_cast<char>(c.kind));
  put_str(v, c.title);
  put_varint(v, zigzag(c.created_ms));
  put_varint(v, c.epoch);
  v.push_back(c.archived ? 1 : 0);
  return v;
}

}  // namespace parley::storage::testing
