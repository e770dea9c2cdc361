#include "codec.hpp"

#include <utility>

namespace parley::storage::codec {
namespace {

constexpr char kSeparator = '\0';
constexpr char kSeparatorEnd = '\1';

constexpr std::uint8_t kRoleMax = static_cast<std::uint8_t>(Role::admin);
constexpr std::uint8_t kKindMax = static_cast<std::uint8_t>(ChannelKind::dm);

// Flag bits, so that later booleans fit in the same byte without a format change.
constexpr std::uint8_t kFlagAdvocate = 1u << 0;  // StoredMessage::from_advocate
constexpr std::uint8_t kFlagArchived = 1u << 0;  // ChannelInfo::archived

// Timestamps are signed; zigzag keeps small negative values short as well.
constexpr std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Encoder {
 public:
  explicit Encoder(std::uint8_t version) { out_.push_back(static_cast<char>(version)); }

  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  std::string take() && { return std::move(out_); }

 private:
  std::string out_;
};

// Reads fields front to back; the first failure latches, so callers check ok() once at the end
// (every getter returns a harmless zero value after a failure).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  std::uint8_t byte() {
    if (in_.empty()) return fail<std::uint8_t>();
    auto b = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail<std::uint64_t>();
      auto b = static_cast<std::uint8_t>(in_.front());
      in_.remove_prefix(1);
      // The 10th byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) return fail<std::uint64_t>();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail<std::uint64_t>();
  }
  std::string str() {
    std::uint64_t n = varint();
    if (!ok_ || n > in_.size()) return fail<std::string>();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  // The version byte must be one we understand; trailing bytes after known fields are fine.
  bool version(std::uint8_t expected) { return byte() == expected && ok_; }
  bool ok() const { return ok_; }

 private:
  template <typename T>
  T fail() {
    ok_ = false;
    in_ = {};
    return T{};
  }

  std::string_view in_;
  bool ok_ = true;
};

void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

std::uint64_t get_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}

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
  e.varint(zigzag(msg.ts));
  e.str(msg.from_id);
  e.str(msg.from_name);
  e.byte(static_cast<std::uint8_t>(msg.from_role));
  e.byte(msg.from_advocate ? kFlagAdvocate : 0);
  e.str(msg.text);
  e.varint(msg.reply_to);
  return std::move(e).take();
}

std::optional<StoredMessage> decode_message(std::uint64_t seq, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  StoredMessage m;
  m.seq = seq;
  m.ts = unzigzag(d.varint());
  m.from_id = d.str();
  m.from_name = d.str();
  std::uint8_t role = d.byte();
  std::uint8_t flags = d.byte();
  m.text = d.str();
  m.reply_to = d.varint();
  if (!d.ok() || role > kRoleMax) return std::nullopt;
  m.from_role = static_cast<Role>(role);
  m.from_advocate = (flags & kFlagAdvocate) != 0;
  return m;
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
  e.varint(zigzag(rec.ts));
  return std::move(e).take();
}

std::optional<IdempotencyRecord> decode_idempotency(std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  IdempotencyRecord rec;
  rec.channel = d.str();
  rec.seq = d.varint();
  rec.ts = unzigzag(d.varint());
  // seq 0 is never assigned, so a record pointing at it is corrupt.
  if (!d.ok() || rec.seq == 0) return std::nullopt;
  return rec;
}

// --- channels ---------------------------------------------------------------------------------

std::string encode_channel(const ChannelInfo& info) {
  Encoder e(kFormatVersion);
  e.byte(static_cast<std::uint8_t>(info.kind));
  e.str(info.title);
  e.varint(zigzag(info.created_ms));
  e.varint(info.epoch);
  e.byte(info.archived ? kFlagArchived : 0);
  return std::move(e).take();
}

std::optional<ChannelInfo> decode_channel(std::string_view name, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  ChannelInfo info;
  info.name = std::string(name);
  std::uint8_t kind = d.byte();
  info.title = d.str();
  info.created_ms = unzigzag(d.varint());
  info.epoch = d.varint();
  std::uint8_t flags = d.byte();
  if (!d.ok() || kind > kKindMax) return std::nullopt;
  info.kind = static_cast<ChannelKind>(kind);
  info.archived = (flags & kFlagArchived) != 0;
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
