// Keys and values of the moderation, reports, audit and users column families (codec.hpp).
#include <utility>

#include "codec.hpp"
#include "codec_io.hpp"

namespace parley::storage::codec {
namespace {

using io::Decoder;
using io::Encoder;
using io::get_be64;
using io::kSeparator;
using io::put_be64;

constexpr std::uint8_t kRoleMax = static_cast<std::uint8_t>(Role::admin);
constexpr std::uint8_t kStatusMax = static_cast<std::uint8_t>(ReportStatus::dismissed);

constexpr std::uint8_t kFlagGuest = 1u << 0;        // UserRecord::guest
constexpr std::uint8_t kFlagKbAnonymous = 1u << 1;  // UserRecord::kb_anonymous

// Tags of the moderation and reports column families: one letter and a separator, so every
// kind of record is one contiguous key range.
constexpr std::string_view kMuteTag = std::string_view("m\0", 2);
constexpr std::string_view kBanTag = std::string_view("b\0", 2);
constexpr std::string_view kMemberTag = std::string_view("p\0", 2);
constexpr std::string_view kStatusTag = std::string_view("s\0", 2);
constexpr std::string_view kAuthorTag = std::string_view("a\0", 2);
constexpr std::string_view kDupTag = std::string_view("d\0", 2);

// tag a '\0' b
std::string pair_key(std::string_view tag, std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(tag.size() + a.size() + 1 + b.size());
  key.append(tag);
  key.append(a);
  key.push_back(kSeparator);
  key.append(b);
  return key;
}

// Splits "a '\0' b" at its first separator (a never contains one); nullopt without one.
std::optional<std::pair<std::string_view, std::string_view>> split_pair(std::string_view s) {
  const std::size_t sep = s.find(kSeparator);
  if (sep == std::string_view::npos) return std::nullopt;
  return std::pair{s.substr(0, sep), s.substr(sep + 1)};
}

}  // namespace

// --- moderation -------------------------------------------------------------------------------

std::string mute_key(std::string_view user, std::string_view channel) {
  return pair_key(kMuteTag, user, channel);
}

std::string ban_key(std::string_view user) {
  std::string key(kBanTag);
  key.append(user);
  return key;
}

std::string member_key(std::string_view channel, std::string_view user) {
  return pair_key(kMemberTag, channel, user);
}

std::optional<ModerationKey> parse_moderation_key(std::string_view key) {
  using Kind = ModerationKey::Kind;
  ModerationKey out;
  if (key.starts_with(kBanTag)) {
    key.remove_prefix(kBanTag.size());
    if (key.empty() || key.find(kSeparator) != std::string_view::npos) return std::nullopt;
    out.kind = Kind::ban;
    out.user = std::string(key);
    return out;
  }
  const bool mute = key.starts_with(kMuteTag);
  if (!mute && !key.starts_with(kMemberTag)) return std::nullopt;
  key.remove_prefix(2);
  auto parts = split_pair(key);
  // Only a mute's second part (the channel) may be empty; neither may hold another separator.
  if (!parts || parts->first.empty() || parts->second.find(kSeparator) != std::string_view::npos ||
      (!mute && parts->second.empty())) {
    return std::nullopt;
  }
  out.kind = mute ? Kind::mute : Kind::member;
  out.user = std::string(mute ? parts->first : parts->second);
  out.channel = std::string(mute ? parts->second : parts->first);
  return out;
}

std::string encode_mute(const Mute& mute) {
  Encoder e(kFormatVersion);
  e.svarint(mute.until);
  e.str(mute.reason);
  e.str(mute.by);
  e.svarint(mute.at);
  return std::move(e).take();
}

std::optional<Mute> decode_mute(std::string_view user, std::string_view channel,
                                std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  Mute m;
  m.user = std::string(user);
  m.channel = std::string(channel);
  m.until = d.svarint();
  m.reason = d.str();
  m.by = d.str();
  m.at = d.svarint();
  if (!d.ok()) return std::nullopt;
  return m;
}

std::string encode_ban(const Ban& ban) {
  Encoder e(kFormatVersion);
  e.svarint(ban.until);
  e.str(ban.reason);
  e.str(ban.by);
  e.svarint(ban.at);
  return std::move(e).take();
}

std::optional<Ban> decode_ban(std::string_view user, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  Ban b;
  b.user = std::string(user);
  b.until = d.svarint();
  b.reason = d.str();
  b.by = d.str();
  b.at = d.svarint();
  if (!d.ok()) return std::nullopt;
  return b;
}

// --- ids --------------------------------------------------------------------------------------

std::string id_key(std::string_view prefix, std::uint64_t id) {
  std::string key;
  key.reserve(prefix.size() + 8);
  key.append(prefix);
  put_be64(key, id);
  return key;
}

std::optional<std::uint64_t> id_key_id(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + 8 || !key.starts_with(prefix)) return std::nullopt;
  return get_be64(key.substr(prefix.size()));
}

// --- reports ----------------------------------------------------------------------------------

std::string report_key(std::uint64_t id) { return id_key(kReportPrefix, id); }

std::string report_status_prefix(ReportStatus status) {
  std::string p(kStatusTag);
  p.push_back(static_cast<char>(status));
  return p;
}

std::string report_author_prefix(std::string_view author, ReportStatus status) {
  std::string p = pair_key(kAuthorTag, author, {});
  p.push_back(static_cast<char>(status));
  return p;
}

std::string report_reporter_prefix(std::string_view reporter) {
  return pair_key(kDupTag, reporter, {});
}

std::string report_dup_key(std::string_view reporter, std::string_view channel, std::uint64_t seq) {
  std::string key = pair_key(kDupTag, reporter, channel);
  key.push_back(kSeparator);
  put_be64(key, seq);
  return key;
}

std::string encode_report(const Report& r) {
  Encoder e(kFormatVersion);
  e.str(r.channel);
  e.varint(r.seq);
  e.str(r.reporter);
  e.str(r.reason);
  e.svarint(r.at);
  e.str(r.author);
  e.str(r.author_name);
  e.str(r.text);
  e.byte(static_cast<std::uint8_t>(r.status));
  e.str(r.resolved_by);
  e.svarint(r.resolved_at);
  e.str(r.resolution);
  return std::move(e).take();
}

std::optional<Report> decode_report(std::uint64_t id, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  Report r;
  r.id = id;
  r.channel = d.str();
  r.seq = d.varint();
  r.reporter = d.str();
  r.reason = d.str();
  r.at = d.svarint();
  r.author = d.str();
  r.author_name = d.str();
  r.text = d.str();
  std::uint8_t status = d.byte();
  r.resolved_by = d.str();
  r.resolved_at = d.svarint();
  r.resolution = d.str();
  if (!d.ok() || status > kStatusMax) return std::nullopt;
  r.status = static_cast<ReportStatus>(status);
  return r;
}

std::string encode_report_ref(std::uint64_t id) {
  Encoder e(kFormatVersion);
  e.varint(id);
  return std::move(e).take();
}

std::optional<std::uint64_t> decode_report_ref(std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  std::uint64_t id = d.varint();
  // Ids start at 1, so a reference to 0 is corrupt.
  if (!d.ok() || id == 0) return std::nullopt;
  return id;
}

// --- rewrites ---------------------------------------------------------------------------------

std::string rewrite_key(std::uint64_t id) { return id_key({}, id); }

std::optional<std::uint64_t> rewrite_key_id(std::string_view key) { return id_key_id(key, {}); }

std::string encode_rewrite(std::string_view channel, std::uint64_t seq) {
  Encoder e(kFormatVersion);
  e.str(channel);
  e.varint(seq);
  return std::move(e).take();
}

bool decode_rewrite(std::string_view value, std::string* channel, std::uint64_t* seq) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return false;
  *channel = d.str();
  *seq = d.varint();
  return d.ok();
}

// --- audit ------------------------------------------------------------------------------------

std::string audit_key(std::uint64_t id) { return id_key({}, id); }

std::optional<std::uint64_t> audit_key_id(std::string_view key) { return id_key_id(key, {}); }

std::string encode_audit(const AuditEntry& a) {
  Encoder e(kFormatVersion);
  e.svarint(a.ts);
  e.str(a.actor);
  e.str(a.action);
  e.str(a.target_user);
  e.str(a.channel);
  e.varint(a.seq);
  e.str(a.reason);
  e.str(a.details);
  return std::move(e).take();
}

std::optional<AuditEntry> decode_audit(std::uint64_t id, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  AuditEntry a;
  a.id = id;
  a.ts = d.svarint();
  a.actor = d.str();
  a.action = d.str();
  a.target_user = d.str();
  a.channel = d.str();
  a.seq = d.varint();
  a.reason = d.str();
  a.details = d.str();
  if (!d.ok()) return std::nullopt;
  return a;
}

// --- users ------------------------------------------------------------------------------------

std::string encode_user(const UserRecord& u) {
  Encoder e(kFormatVersion);
  e.str(u.name);
  e.byte(static_cast<std::uint8_t>(u.role));
  e.byte((u.guest ? kFlagGuest : 0) | (u.kb_anonymous ? kFlagKbAnonymous : 0));
  e.svarint(u.first_seen);
  e.svarint(u.last_seen);
  e.str(u.email);  // added later: absent = none, batched
  e.byte(static_cast<std::uint8_t>(u.email_pref));
  return std::move(e).take();
}

std::optional<UserRecord> decode_user(std::string_view id, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  UserRecord u;
  u.id = std::string(id);
  u.name = d.str();
  std::uint8_t role = d.byte();
  std::uint8_t flags = d.byte();
  u.first_seen = d.svarint();
  u.last_seen = d.svarint();
  if (!d.ok() || role > kRoleMax) return std::nullopt;
  u.role = static_cast<Role>(role);
  u.guest = (flags & kFlagGuest) != 0;
  u.kb_anonymous = (flags & kFlagKbAnonymous) != 0;
  if (d.done()) return u;  // written before email existed
  u.email = d.str();
  const std::uint8_t pref = d.byte();
  if (!d.ok() || pref > static_cast<std::uint8_t>(EmailPref::digest)) return std::nullopt;
  u.email_pref = static_cast<EmailPref>(pref);
  return u;
}

std::string erasure_key(std::string_view user) {
  std::string key(kErasurePrefix);
  key.append(user);
  return key;
}

std::string encode_erasure(const Store::Erasure& e) {
  Encoder enc(kFormatVersion);
  enc.str(e.by);
  enc.svarint(e.started);
  enc.svarint(e.finished);
  return std::move(enc).take();
}

std::optional<Store::Erasure> decode_erasure(std::string_view user, std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  Store::Erasure e;
  e.user = std::string(user);
  e.by = d.str();
  e.started = d.svarint();
  e.finished = d.svarint();
  if (!d.ok()) return std::nullopt;
  return e;
}

// --- reads ------------------------------------------------------------------------------------

namespace {
constexpr std::string_view kReadTag = std::string_view("r\0", 2);
constexpr std::string_view kMentionTag = std::string_view("n\0", 2);
}  // namespace

std::string read_marker_key(std::string_view user, std::string_view channel) {
  return pair_key(kReadTag, user, channel);
}

std::string read_marker_prefix(std::string_view user) { return pair_key(kReadTag, user, {}); }
std::string mention_user_prefix(std::string_view user) { return pair_key(kMentionTag, user, {}); }

std::string encode_read_marker(std::uint64_t seq) {
  Encoder e(kFormatVersion);
  e.varint(seq);
  return std::move(e).take();
}

std::optional<std::uint64_t> decode_read_marker(std::string_view value) {
  Decoder d(value);
  if (!d.version(kFormatVersion)) return std::nullopt;
  std::uint64_t seq = d.varint();
  if (!d.ok()) return std::nullopt;
  return seq;
}

std::string mention_prefix(std::string_view user, std::string_view channel) {
  std::string key = pair_key(kMentionTag, user, channel);
  key.push_back(kSeparator);
  return key;
}

std::string mention_key(std::string_view user, std::string_view channel, std::uint64_t seq) {
  std::string key = mention_prefix(user, channel);
  put_be64(key, seq);
  return key;
}

}  // namespace parley::storage::codec
