// Unit tests of the private codec for the moderation records (storage/src/codec.hpp): mutes,
// bans, members, reports and their indexes, audit entries and users.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "codec.hpp"

namespace parley::storage::codec {
namespace {

using namespace std::string_literals;

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

Mute sample_mute() {
  return Mute{"user-1", "general", 1'700'000'100'000, "spam\nlinks", "mod@x", -3};
}
Ban sample_ban() { return Ban{"user-2", 0, "abuse", "admin", 1'700'000'000'000}; }

Report sample_report() {
  Report r;
  r.id = 7;
  r.channel = "dm:alice:bob";
  r.seq = kMax64;
  r.reporter = "alice";
  r.reason = "rude";
  r.at = 1'700'000'000'001;
  r.author = "bob";
  r.author_name = "Bób";
  r.text = "hello\0there"s;
  r.status = ReportStatus::upheld;
  r.resolved_by = "mod";
  r.resolved_at = 1'700'000'000'002;
  r.resolution = "removed message; muted 3600s";
  return r;
}

AuditEntry sample_audit() {
  return AuditEntry{42, -1, "mod", "mute", "bob", "general", 17, "spam", R"({"duration_s":3600})"};
}

UserRecord sample_user() {
  UserRecord u{"guest-9", "Gäst", Role::bot, true, 1'600'000'000'000, 1'700'000'000'000};
  u.email = "gast@example.com";
  u.email_pref = EmailPref::digest;
  return u;
}

void expect_same(const Report& a, const Report& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.reporter, b.reporter);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.at, b.at);
  EXPECT_EQ(a.author, b.author);
  EXPECT_EQ(a.author_name, b.author_name);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.resolved_by, b.resolved_by);
  EXPECT_EQ(a.resolved_at, b.resolved_at);
  EXPECT_EQ(a.resolution, b.resolution);
}

// Every proper prefix of `v` fails to decode, and `v` plus trailing bytes still decodes.
template <typename Decode>
void expect_strict_prefixes(const std::string& v, Decode decode) {
  EXPECT_EQ(static_cast<std::uint8_t>(v[0]), kFormatVersion);
  for (std::size_t n = 0; n < v.size(); ++n) {
    EXPECT_FALSE(decode(v.substr(0, n)).has_value()) << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(decode(v + "\x03" + "new").has_value());
  std::string other_version = v;
  other_version[0] = static_cast<char>(kFormatVersion + 1);
  EXPECT_FALSE(decode(other_version).has_value());
}

TEST(CodecModeration, KeysParseBack) {
  using Kind = ModerationKey::Kind;
  EXPECT_EQ(mute_key("bob", "general"), "m\0bob\0general"s);
  EXPECT_EQ(mute_key("bob", ""), "m\0bob\0"s);
  EXPECT_EQ(ban_key("bob"), "b\0bob"s);
  EXPECT_EQ(member_key("staff-room", "bob"), "p\0staff-room\0bob"s);

  EXPECT_EQ(parse_moderation_key(mute_key("bob", "general")),
            (ModerationKey{Kind::mute, "bob", "general"}));
  EXPECT_EQ(parse_moderation_key(mute_key("bob", "")), (ModerationKey{Kind::mute, "bob", ""}));
  EXPECT_EQ(parse_moderation_key(ban_key("bob")), (ModerationKey{Kind::ban, "bob", ""}));
  EXPECT_EQ(parse_moderation_key(member_key("staff-room", "bob")),
            (ModerationKey{Kind::member, "bob", "staff-room"}));
}

TEST(CodecModeration, ForeignKeysAreRejected) {
  for (const std::string& key :
       {""s, "m"s, "m\0"s, "m\0bob"s, "m\0\0general"s, "m\0a\0b\0c"s, "b\0"s, "b\0a\0b"s,
        "p\0chan\0"s, "p\0\0bob"s, "p\0chan"s, "x\0bob"s, "mute"s}) {
    EXPECT_EQ(parse_moderation_key(key), std::nullopt) << key;
  }
}

TEST(CodecModeration, MuteAndBanRoundTrip) {
  const Mute m = sample_mute();
  auto mute = decode_mute("user-1", "general", encode_mute(m));
  ASSERT_TRUE(mute.has_value());
  EXPECT_EQ(mute->user, "user-1");
  EXPECT_EQ(mute->channel, "general");
  EXPECT_EQ(mute->until, m.until);
  EXPECT_EQ(mute->reason, m.reason);
  EXPECT_EQ(mute->by, m.by);
  EXPECT_EQ(mute->at, m.at);
  expect_strict_prefixes(encode_mute(m),
                         [](std::string_view v) { return decode_mute("u", "", v); });

  const Ban b = sample_ban();
  auto ban = decode_ban("user-2", encode_ban(b));
  ASSERT_TRUE(ban.has_value());
  EXPECT_EQ(ban->user, "user-2");
  EXPECT_EQ(ban->until, 0);
  EXPECT_EQ(ban->reason, b.reason);
  EXPECT_EQ(ban->by, b.by);
  EXPECT_EQ(ban->at, b.at);
  expect_strict_prefixes(encode_ban(b), [](std::string_view v) { return decode_ban("u", v); });
}

TEST(CodecIds, IdKeysSortNumericallyWithinAPrefix) {
  EXPECT_EQ(id_key("r\0"s, 0x0102030405060708ull), "r\0\x01\x02\x03\x04\x05\x06\x07\x08"s);
  const std::uint64_t ids[] = {1, 2, 255, 256, 65536, 1ull << 40, kMax64};
  for (std::size_t i = 1; i < std::size(ids); ++i) {
    EXPECT_LT(audit_key(ids[i - 1]), audit_key(ids[i]));
    EXPECT_LT(report_key(ids[i - 1]), report_key(ids[i]));
  }
  for (std::uint64_t id : ids) {
    EXPECT_EQ(audit_key_id(audit_key(id)), id);
    EXPECT_EQ(id_key_id(report_key(id), kReportPrefix), id);
  }
  EXPECT_EQ(audit_key_id("1234567"), std::nullopt);
  EXPECT_EQ(audit_key_id("123456789"), std::nullopt);
  EXPECT_EQ(id_key_id(report_key(5), "s\0"s), std::nullopt);
  EXPECT_EQ(id_key_id(report_key(5) + "x", kReportPrefix), std::nullopt);
}

TEST(CodecReports, IndexPrefixesKeepGroupsApart) {
  // One status's (or one author's) keys must not fall inside another's range, or a backward
  // scan bounded by the prefix would mix them.
  const std::string open = report_status_prefix(ReportStatus::open);
  const std::string upheld = report_status_prefix(ReportStatus::upheld);
  EXPECT_EQ(open, "s\0\0"s);
  EXPECT_LT(id_key(open, kMax64), upheld);
  EXPECT_EQ(report_author_prefix("bob", ReportStatus::upheld), "a\0bob\0\x01"s);
  const std::string al = report_author_prefix("al", ReportStatus::upheld);
  for (const auto& other : {report_author_prefix("alice", ReportStatus::upheld),
                            report_author_prefix("al", ReportStatus::dismissed),
                            report_author_prefix("a", ReportStatus::upheld),
                            report_author_prefix("al", ReportStatus::open)}) {
    for (std::uint64_t id : {std::uint64_t{1}, kMax64}) {
      const std::string k = id_key(other, id);
      EXPECT_TRUE(k < al || k > id_key(al, kMax64)) << k;
    }
  }
  EXPECT_EQ(report_dup_key("alice", "general", 3), "d\0alice\0general\0\0\0\0\0\0\0\0\x03"s);
  // Every index lies outside the primary records' range, whatever its contents.
  for (const auto& k : {id_key(open, 1), id_key(al, 1), report_dup_key("x", "y", 1)}) {
    EXPECT_FALSE(k.starts_with(kReportPrefix)) << k;
  }
}

TEST(CodecReports, RoundTripAndTruncation) {
  const Report r = sample_report();
  auto back = decode_report(r.id, encode_report(r));
  ASSERT_TRUE(back.has_value());
  expect_same(*back, r);
  expect_strict_prefixes(encode_report(r), [](std::string_view v) { return decode_report(1, v); });

  Report empty;  // an open report with nothing filled in
  back = decode_report(1, encode_report(empty));
  ASSERT_TRUE(back.has_value());
  empty.id = 1;
  expect_same(*back, empty);

  // The status byte follows the text; an unknown status is rejected.
  std::string v = encode_report(empty);
  const std::size_t status_at = 1 + 8;  // the version, then eight fields of one byte each
  ASSERT_EQ(v[status_at], 0);
  v[status_at] = 3;
  EXPECT_EQ(decode_report(1, v), std::nullopt);
  v[status_at] = 2;
  ASSERT_TRUE(decode_report(1, v).has_value());
  EXPECT_EQ(decode_report(1, v)->status, ReportStatus::dismissed);
}

TEST(CodecReports, ReferenceRoundTrip) {
  for (std::uint64_t id : {std::uint64_t{1}, std::uint64_t{300}, kMax64}) {
    EXPECT_EQ(decode_report_ref(encode_report_ref(id)), id);
  }
  EXPECT_EQ(decode_report_ref(encode_report_ref(0)), std::nullopt);
  EXPECT_EQ(decode_report_ref(""), std::nullopt);
  EXPECT_EQ(decode_report_ref("\x01"), std::nullopt);
  EXPECT_EQ(decode_report_ref("\x01\x85"), std::nullopt);
}

TEST(CodecAudit, RoundTripAndTruncation) {
  const AuditEntry a = sample_audit();
  auto back = decode_audit(a.id, encode_audit(a));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, 42u);
  EXPECT_EQ(back->ts, -1);
  EXPECT_EQ(back->actor, a.actor);
  EXPECT_EQ(back->action, a.action);
  EXPECT_EQ(back->target_user, a.target_user);
  EXPECT_EQ(back->channel, a.channel);
  EXPECT_EQ(back->seq, a.seq);
  EXPECT_EQ(back->reason, a.reason);
  EXPECT_EQ(back->details, a.details);
  expect_strict_prefixes(encode_audit(a), [](std::string_view v) { return decode_audit(1, v); });
}

TEST(CodecUsers, RoundTripAndTruncation) {
  const UserRecord u = sample_user();
  auto back = decode_user(u.id, encode_user(u));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, u.id);
  EXPECT_EQ(back->name, u.name);
  EXPECT_EQ(back->role, Role::bot);
  EXPECT_TRUE(back->guest);
  EXPECT_EQ(back->first_seen, u.first_seen);
  EXPECT_EQ(back->last_seen, u.last_seen);
  EXPECT_EQ(back->email, "gast@example.com");
  EXPECT_EQ(back->email_pref, EmailPref::digest);
  // A value written before email existed ends after last_seen: it decodes with no address and
  // the default preference. Every other strict prefix is refused.
  const std::string full = encode_user(u);
  const std::size_t old_size = full.size() - 1 - u.email.size() - 1;  // len, address, pref
  auto old = decode_user("x", full.substr(0, old_size));
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->email, "");
  EXPECT_EQ(old->email_pref, EmailPref::batched);
  EXPECT_EQ(old->last_seen, u.last_seen);
  for (std::size_t n = 0; n < full.size(); ++n) {
    if (n == old_size) continue;
    EXPECT_FALSE(decode_user("x", full.substr(0, n)).has_value()) << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(decode_user("x", full + "\x03" + "new").has_value());
  std::string bad_pref = full;
  bad_pref.back() = 3;  // not an EmailPref
  EXPECT_FALSE(decode_user("x", bad_pref).has_value());

  UserRecord plain;
  plain.role = Role::admin;
  std::string v = encode_user(plain);
  back = decode_user("a", v);
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->guest);
  EXPECT_EQ(back->role, Role::admin);
  v[2] = 4;  // version, name (empty), then the role
  EXPECT_EQ(decode_user("a", v), std::nullopt);
}

TEST(CodecRecords, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(777);
  int decoded = 0;
  const std::string valid[] = {encode_mute(sample_mute()), encode_ban(sample_ban()),
                               encode_report(sample_report()), encode_audit(sample_audit()),
                               encode_user(sample_user())};
  for (int i = 0; i < 20'000; ++i) {
    std::string v;
    if (i % 2 == 0) {
      v.resize(rng() % 64);
      for (auto& ch : v) ch = static_cast<char>(rng());
    } else {
      v = valid[rng() % std::size(valid)];
      v[rng() % v.size()] = static_cast<char>(rng());
    }
    decoded += decode_mute("u", "c", v).has_value();
    decoded += decode_ban("u", v).has_value();
    decoded += decode_report(1, v).has_value();
    decoded += decode_report_ref(v).has_value();
    decoded += decode_audit(1, v).has_value();
    decoded += decode_user("u", v).has_value();
    decoded += parse_moderation_key(v).has_value();
  }
  EXPECT_GT(decoded, 0);  // some mutations only change string bytes
}

}  // namespace
}  // namespace parley::storage::codec
