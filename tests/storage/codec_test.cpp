// Unit tests of the private key/value codec (storage/src/codec.hpp).
#include "codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>

#include "legacy_format.hpp"
#include "parley/protocol/commands.hpp"

namespace parley::storage::codec {
namespace {

using namespace std::string_literals;
using testing::legacy_channel_value;
using testing::legacy_message_value;

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

StoredMessage sample_message() {
  StoredMessage m;
  m.seq = 42;
  m.ts = 1'700'000'000'123;
  m.from_id = "user-7@example";
  m.from_name = "Zoë \xF0\x9F\x98\x80";
  m.from_role = Role::staff;
  m.from_advocate = true;
  m.text = "hello\nworld\0with nul"s;
  m.reply_to = 41;
  return m;
}

// sample_message() after an edit and two reactions.
StoredMessage sample_lifecycle_message() {
  StoredMessage m = sample_message();
  m.edited_at = 1'700'000'000'999;
  m.reactions = {{"\xF0\x9F\x91\x8D", 3}, {"ok", 0xffffffffu}};
  return m;
}

// A tombstone: every lifecycle field set.
StoredMessage sample_deleted_message() {
  StoredMessage m = sample_message();
  m.text.clear();
  m.edited_at = -7;
  m.deleted = true;
  m.deleted_by = "mod-1";
  m.deleted_at = 1'700'000'001'000;
  return m;
}

void expect_same(const StoredMessage& a, const StoredMessage& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.from_id, b.from_id);
  EXPECT_EQ(a.from_name, b.from_name);
  EXPECT_EQ(a.from_role, b.from_role);
  EXPECT_EQ(a.from_advocate, b.from_advocate);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.reply_to, b.reply_to);
  EXPECT_EQ(a.edited_at, b.edited_at);
  EXPECT_EQ(a.deleted, b.deleted);
  EXPECT_EQ(a.deleted_by, b.deleted_by);
  EXPECT_EQ(a.deleted_at, b.deleted_at);
  EXPECT_EQ(a.solved_seq, b.solved_seq);
  EXPECT_EQ(a.mentions, b.mentions);
  EXPECT_EQ(a.actions, b.actions);
  ASSERT_EQ(a.reactions.size(), b.reactions.size());
  for (std::size_t i = 0; i < a.reactions.size(); ++i) {
    EXPECT_EQ(a.reactions[i].emoji, b.reactions[i].emoji) << i;
    EXPECT_EQ(a.reactions[i].count, b.reactions[i].count) << i;
  }
}

TEST(CodecKeys, MessageKeyIsChannelNulBigEndianSeq) {
  EXPECT_EQ(message_key("general", 0x0102030405060708ull),
            "general\0\x01\x02\x03\x04\x05\x06\x07\x08"s);
  EXPECT_EQ(message_key("a", 1), "a\0\0\0\0\0\0\0\0\x01"s);
}

TEST(CodecKeys, MessageKeysSortBySeqWithinChannel) {
  // Byte order must equal numeric order, which little-endian or decimal would break.
  const std::uint64_t seqs[] = {0, 1, 2, 255, 256, 65535, 65536, 1ull << 40, kMax64};
  for (std::size_t i = 1; i < std::size(seqs); ++i) {
    EXPECT_LT(message_key("c", seqs[i - 1]), message_key("c", seqs[i])) << seqs[i];
  }
}

TEST(CodecKeys, ChannelRangeExcludesNeighbours) {
  const std::string lo = message_prefix("gen");
  const std::string hi = message_prefix_end("gen");
  for (std::uint64_t seq : std::initializer_list<std::uint64_t>{0, 1, kMax64}) {
    const std::string k = message_key("gen", seq);
    EXPECT_LE(lo, k);
    EXPECT_LT(k, hi);
  }
  // Channels that share a textual prefix fall outside the range on either side.
  for (const char* other : {"ge", "gen.x", "gen-x", "gen0", "general", "gem", "geo"}) {
    for (std::uint64_t seq : std::initializer_list<std::uint64_t>{0, 1, kMax64}) {
      const std::string k = message_key(other, seq);
      EXPECT_TRUE(k < lo || k >= hi) << other << " " << seq;
    }
  }
}

TEST(CodecKeys, MessageKeySeqRoundTripsAndRejectsForeignKeys) {
  for (std::uint64_t seq : std::initializer_list<std::uint64_t>{0, 1, 300, kMax64}) {
    EXPECT_EQ(message_key_seq(message_key("help", seq), "help"), seq);
  }
  EXPECT_EQ(message_key_seq(message_key("help", 5), "hel"), std::nullopt);
  EXPECT_EQ(message_key_seq(message_key("help", 5), "helpx"), std::nullopt);
  EXPECT_EQ(message_key_seq(message_key("help", 5).substr(0, 12), "help"), std::nullopt);
  EXPECT_EQ(message_key_seq(message_key("help", 5) + "x", "help"), std::nullopt);
  EXPECT_EQ(message_key_seq("help\x01\0\0\0\0\0\0\0\x01"s, "help"), std::nullopt);
}

TEST(CodecKeys, IdempotencyKeyIsUserNulClientId) {
  EXPECT_EQ(idempotency_key("alice", "m-1"), "alice\0m-1"s);
  EXPECT_NE(idempotency_key("ab", "c"), idempotency_key("a", "bc"));
}

TEST(CodecMessage, RoundTrip) {
  const StoredMessage m = sample_message();
  const std::string v = encode_message(m);
  EXPECT_EQ(static_cast<std::uint8_t>(v[0]), kFormatVersion);
  auto back = decode_message(m.seq, v);
  ASSERT_TRUE(back.has_value());
  expect_same(*back, m);
}

TEST(CodecMessage, RoundTripExtremes) {
  StoredMessage m;  // empty strings, zero values
  auto back = decode_message(1, encode_message(m));
  ASSERT_TRUE(back.has_value());
  m.seq = 1;
  expect_same(*back, m);

  m.ts = std::numeric_limits<TimestampMs>::min();
  m.reply_to = kMax64;
  m.from_role = Role::admin;
  m.text.assign(100'000, 'x');
  back = decode_message(kMax64, encode_message(m));
  ASSERT_TRUE(back.has_value());
  m.seq = kMax64;
  expect_same(*back, m);

  m.ts = -1;
  back = decode_message(kMax64, encode_message(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->ts, -1);
}

TEST(CodecMessage, LifecycleFieldsRoundTrip) {
  for (const StoredMessage& m : {sample_lifecycle_message(), sample_deleted_message()}) {
    auto back = decode_message(m.seq, encode_message(m));
    ASSERT_TRUE(back.has_value());
    expect_same(*back, m);
  }
  // The flag bits are independent.
  StoredMessage m = sample_deleted_message();
  m.from_advocate = false;
  auto back = decode_message(m.seq, encode_message(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->deleted);
  EXPECT_FALSE(back->from_advocate);
}

TEST(CodecMessage, OldLayoutIsAPrefixAndStillDecodes) {
  // Values written before the lifecycle fields decode with their defaults...
  const StoredMessage plain = sample_message();
  const std::string legacy = legacy_message_value(plain);
  auto back = decode_message(plain.seq, legacy);
  ASSERT_TRUE(back.has_value());
  expect_same(*back, plain);

  // ...and new values extend the old layout, so a reader that knows only it reads them too.
  const StoredMessage rich = sample_lifecycle_message();
  const std::string v = encode_message(rich);
  EXPECT_TRUE(v.starts_with(legacy_message_value(rich)));
  EXPECT_GT(v.size(), legacy_message_value(rich).size());
}

TEST(CodecMessage, EveryTruncationIsRejected) {
  // Except those that end exactly where an older layout ended: those are old values (the
  // original layout, the lifecycle layout before solved_seq, a 1-byte varint 0 here, and the
  // layout before mentions, an empty string here: 1 byte, and the layout before actions, another
  // empty string).
  for (const StoredMessage& m : {sample_lifecycle_message(), sample_deleted_message()}) {
    ASSERT_EQ(m.solved_seq, 0u);
    const std::string v = encode_message(m);
    const std::size_t legacy_size = legacy_message_value(m).size();
    for (std::size_t n = 0; n < v.size(); ++n) {
      auto back = decode_message(1, v.substr(0, n));
      EXPECT_EQ(back.has_value(),
                n == legacy_size || n == v.size() - 3 || n == v.size() - 2 || n == v.size() - 1)
          << "prefix of " << n << " bytes";
    }
  }
}

// One view and one reactions vector decode a whole page in the history path: every field but
// the channel is set on every decode, so a value of an older layout leaves nothing behind from
// the message decoded before it. The strings point into the value (no copies).
TEST(CodecMessage, OneViewReusedAcrossValuesKeepsNoStaleField) {
  StoredMessage rich = sample_lifecycle_message();
  rich.solved_seq = 9;
  ASSERT_FALSE(rich.reactions.empty());
  const std::string rich_value = encode_message(rich);
  const StoredMessage plain = sample_message();
  const std::string plain_value = legacy_message_value(plain);  // no lifecycle fields at all

  protocol::MessageView view;
  view.channel = "kept";
  std::vector<protocol::ReactionView> reactions;
  ASSERT_TRUE(decode_message_view(rich.seq, rich_value, view, reactions));
  expect_same(to_stored(view), rich);
  EXPECT_EQ(view.channel, "kept");
  EXPECT_EQ(view.reactions.data(), reactions.data());
  EXPECT_GE(view.text.data(), rich_value.data());
  EXPECT_LE(view.text.data() + view.text.size(), rich_value.data() + rich_value.size());

  ASSERT_TRUE(decode_message_view(plain.seq, plain_value, view, reactions));
  expect_same(to_stored(view), plain);
  EXPECT_EQ(view.edited_at, 0);
  EXPECT_TRUE(view.deleted_by.empty());
  EXPECT_TRUE(view.reactions.empty());
  EXPECT_TRUE(reactions.empty());
  EXPECT_EQ(view.solved_seq, 0u);

  // And a value the decoder refuses is refused through the view too.
  EXPECT_FALSE(decode_message_view(1, rich_value.substr(0, 3), view, reactions));
}

// message_view (the server's path for a StoredMessage) and decode_message_view (its path for
// history) give the same view of the same message.
TEST(CodecMessage, MessageViewOfAStoredMessageMatchesTheDecodedOne) {
  StoredMessage m = sample_lifecycle_message();
  m.solved_seq = 9;
  m.reply_to = 2;
  const std::string value = encode_message(m);
  protocol::MessageView decoded;
  decoded.channel = "help";
  std::vector<protocol::ReactionView> decoded_reactions, reactions;
  ASSERT_TRUE(decode_message_view(m.seq, value, decoded, decoded_reactions));
  const protocol::MessageView v = message_view("help", m, reactions);
  EXPECT_EQ(v.channel, decoded.channel);
  expect_same(to_stored(v), to_stored(decoded));
  EXPECT_EQ(v.reactions.data(), reactions.data());
  EXPECT_EQ(v.from_id.data(), m.from_id.data());  // a view of m, not a copy
}

TEST(CodecMessage, SolvedSeqRoundTripsAndDefaultsToZero) {
  StoredMessage m = sample_lifecycle_message();
  m.solved_seq = 300;
  auto back = decode_message(m.seq, encode_message(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->solved_seq, 300u);
  m.solved_seq = 0;
  std::string v = encode_message(m);
  v.pop_back();  // a value written before solved_seq existed
  auto old = decode_message(m.seq, v);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->solved_seq, 0u);
  EXPECT_EQ(old->reactions.size(), m.reactions.size());
}

TEST(CodecMessage, TrailingBytesAreToleratedForFutureFields) {
  const StoredMessage m = sample_lifecycle_message();
  auto back = decode_message(m.seq, encode_message(m) +
                                        "\x05"
                                        "future\x01"s);
  ASSERT_TRUE(back.has_value());
  expect_same(*back, m);
}

TEST(CodecMessage, CorruptReactionsAreRejected) {
  StoredMessage m;  // empty strings: the lifecycle part is edited_at, deleted_by, deleted_at, n
  std::string base = encode_message(m);
  ASSERT_EQ(base.back(), 0);  // no actions
  base.pop_back();
  ASSERT_EQ(base.back(), 0);  // no mentions
  base.pop_back();
  ASSERT_EQ(base.back(), 0);  // solved_seq 0
  base.pop_back();
  ASSERT_EQ(base.back(), 0);  // no reactions
  base.pop_back();
  // A count of reactions larger than the bytes left could hold.
  EXPECT_EQ(decode_message(1, base + "\x7f" + "\x01x\x01"), std::nullopt);
  // A reaction with count 0, and one with a count beyond 32 bits.
  EXPECT_EQ(decode_message(1, base + "\x01" + std::string("\x01x\x00", 3)), std::nullopt);
  EXPECT_EQ(decode_message(1, base + "\x01" + "\x01x\x80\x80\x80\x80\x10"), std::nullopt);
  // The same layout with a valid count decodes.
  auto ok = decode_message(1, base + "\x01" + "\x01x\x02");
  ASSERT_TRUE(ok.has_value());
  ASSERT_EQ(ok->reactions.size(), 1u);
  EXPECT_EQ(ok->reactions[0].emoji, "x");
  EXPECT_EQ(ok->reactions[0].count, 2u);
}

TEST(CodecMessage, MentionsRoundTripAndOlderValuesHaveNone) {
  StoredMessage m = sample_lifecycle_message();
  m.mentions = "carol bob@example.com";
  const std::string v = encode_message(m);
  auto back = decode_message(m.seq, v);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->mentions, "carol bob@example.com");
  expect_same(*back, m);
  // A value written before mentions existed (it ends after solved_seq) decodes with none.
  m.mentions.clear();
  std::string old = encode_message(m);
  old.pop_back();
  back = decode_message(m.seq, old);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->mentions, "");
  // A mentions length beyond the value is corrupt.
  EXPECT_EQ(decode_message(m.seq, old + "\x09"
                                        "ab"),
            std::nullopt);
}

TEST(CodecMessage, ActionsRoundTripAndOlderValuesHaveNone) {
  StoredMessage m = sample_lifecycle_message();
  m.mentions = "carol";
  m.actions = protocol::pack_actions({{"yes", "This solved it"}, {"no", "Not it"}});
  auto back = decode_message(m.seq, encode_message(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->actions, m.actions);
  EXPECT_TRUE(protocol::has_action(back->actions, "no"));
  EXPECT_FALSE(protocol::has_action(back->actions, "maybe"));
  EXPECT_FALSE(protocol::has_action(back->actions, "This solved it"));
  // A value written before actions existed (it ends after mentions) decodes with none.
  m.actions.clear();
  std::string old = encode_message(m);
  old.pop_back();
  back = decode_message(m.seq, old);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->mentions, "carol");
  EXPECT_EQ(back->actions, "");
}

TEST(CodecMessage, UnknownVersionAndBadRoleAreRejected) {
  std::string v = encode_message(sample_message());
  for (char version : {'\0', '\2', '\xff'}) {
    std::string w = v;
    w[0] = version;
    EXPECT_EQ(decode_message(1, w), std::nullopt) << int(version);
  }
  StoredMessage m;  // role byte follows ts (1 byte), from_id and from_name (1 byte each, empty)
  std::string w = encode_message(m);
  ASSERT_EQ(w[4], 0);
  w[4] = 4;
  EXPECT_EQ(decode_message(1, w), std::nullopt);
}

TEST(CodecMessage, HugeLengthPrefixAndOverlongVarintAreRejected) {
  // version, ts, then a from_id length of 2^63.
  std::string huge = "\x01\x00"s + "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"s + "abc";
  EXPECT_EQ(decode_message(1, huge), std::nullopt);
  // An 11-byte varint for ts.
  std::string overlong = "\x01"s + std::string(10, '\xff') + "\x01" + std::string(8, '\0');
  EXPECT_EQ(decode_message(1, overlong), std::nullopt);
  // A 10th varint byte carrying more than the 64th bit.
  std::string too_big = "\x01"s + std::string(9, '\xff') + "\x02" + std::string(8, '\0');
  EXPECT_EQ(decode_message(1, too_big), std::nullopt);
}

TEST(CodecMessage, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(12345);
  const std::string valid = encode_message(sample_message());
  int decoded = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string v;
    if (i % 2 == 0) {
      v.resize(rng() % 64);
      for (auto& ch : v) ch = static_cast<char>(rng());
    } else {  // mutate a valid value: flips reach deeper into the decoder
      v = valid;
      v[rng() % v.size()] = static_cast<char>(rng());
    }
    decoded += decode_message(1, v).has_value();
    (void)decode_channel("x", v);
    (void)decode_idempotency(v);
  }
  EXPECT_GT(decoded, 0);  // some mutations only change text bytes
}

TEST(CodecKeys, ReactionKeysOfOneMessageFormOneRange) {
  EXPECT_EQ(reaction_key("general", 1, "ok", "bob"), "general\0\0\0\0\0\0\0\0\x01\0ok\0bob"s);
  const std::string lo = reaction_prefix("gen", 5);
  const std::string hi = reaction_prefix_end("gen", 5);
  for (const char* emoji : {"a", "\xF0\x9F\x91\x8D", "zz"}) {
    for (const char* user : {"a", "bob", "\x7f"}) {
      const std::string k = reaction_key("gen", 5, emoji, user);
      EXPECT_LE(lo, k);
      EXPECT_LT(k, hi);
    }
  }
  // Neighbouring messages, and channels sharing a prefix, fall outside.
  for (const auto& k : {reaction_key("gen", 4, "a", "b"), reaction_key("gen", 6, "a", "b"),
                        reaction_key("gen", 256 + 5, "a", "b"), reaction_key("ge", 5, "a", "b"),
                        reaction_key("general", 5, "a", "b"), message_key("gen", 5)}) {
    EXPECT_TRUE(k < lo || k >= hi);
  }
}

TEST(CodecIdempotency, RoundTripAndTruncation) {
  const IdempotencyRecord rec{"dm:alice:bob", 123456789, -5};
  const std::string v = encode_idempotency(rec);
  EXPECT_EQ(decode_idempotency(v), rec);
  EXPECT_EQ(decode_idempotency(v + "extra"), rec);
  for (std::size_t n = 0; n < v.size(); ++n) {
    EXPECT_EQ(decode_idempotency(v.substr(0, n)), std::nullopt) << n;
  }
  EXPECT_EQ(decode_idempotency(encode_idempotency({"c", 0, 1})), std::nullopt);  // seq 0
}

TEST(CodecChannel, RoundTripAndTruncation) {
  ChannelInfo info;
  info.name = "help";
  info.kind = ChannelKind::support;
  info.title = "Help & support";
  info.created_ms = 1'700'000'000'000;
  info.epoch = 0xfedcba9876543210ull;
  info.archived = true;
  const std::string v = encode_channel(info);
  const std::size_t legacy_size = legacy_channel_value(info).size();
  auto back = decode_channel("help", v);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->name, "help");
  EXPECT_EQ(back->kind, ChannelKind::support);
  EXPECT_EQ(back->title, info.title);
  EXPECT_EQ(back->created_ms, info.created_ms);
  EXPECT_EQ(back->epoch, info.epoch);
  EXPECT_TRUE(back->archived);

  info.archived = false;
  info.kind = ChannelKind::private_;
  back = decode_channel("x", encode_channel(info) + "\x07");
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->archived);
  EXPECT_EQ(back->kind, ChannelKind::private_);

  for (std::size_t n = 0; n < v.size(); ++n) {
    // Ending where the old layout ended is an old value (see OldLayoutIsAPrefixAndStillDecodes).
    EXPECT_EQ(decode_channel("help", v.substr(0, n)).has_value(), n == legacy_size) << n;
  }
  std::string bad_kind = v;
  bad_kind[1] = 5;
  EXPECT_EQ(decode_channel("help", bad_kind), std::nullopt);
}

TEST(CodecChannel, ModerationSettingsRoundTrip) {
  ChannelInfo info;
  info.kind = ChannelKind::chat;
  info.title = "Chat";
  info.epoch = 9;
  info.slow_mode_s = 0xffffffffu;
  info.locked = true;
  auto back = decode_channel("c", encode_channel(info));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->slow_mode_s, 0xffffffffu);
  EXPECT_TRUE(back->locked);
  EXPECT_FALSE(back->archived);  // the flag bits are independent

  info.slow_mode_s = 30;
  info.locked = false;
  info.archived = true;
  back = decode_channel("c", encode_channel(info));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->slow_mode_s, 30u);
  EXPECT_FALSE(back->locked);
  EXPECT_TRUE(back->archived);
}

TEST(CodecChannel, OldLayoutIsAPrefixAndStillDecodes) {
  ChannelInfo info;
  info.kind = ChannelKind::announce;
  info.title = "News";
  info.created_ms = 1234;
  info.epoch = 77;
  info.archived = true;
  auto back = decode_channel("news", legacy_channel_value(info));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->title, "News");
  EXPECT_EQ(back->epoch, 77u);
  EXPECT_TRUE(back->archived);
  EXPECT_EQ(back->slow_mode_s, 0u);
  EXPECT_FALSE(back->locked);

  info.slow_mode_s = 5;
  const std::string v = encode_channel(info);
  EXPECT_TRUE(v.starts_with(legacy_channel_value(info)));
  // Truncating the new value anywhere but at the old end is rejected; a slow-mode value
  // beyond 32 bits is too.
  for (std::size_t n = 0; n < v.size(); ++n) {
    EXPECT_EQ(decode_channel("news", v.substr(0, n)).has_value(),
              n == legacy_channel_value(info).size())
        << n;
  }
  EXPECT_EQ(decode_channel("news", legacy_channel_value(info) + "\x80\x80\x80\x80\x10"),
            std::nullopt);
}

TEST(CodecMeta, SchemaVersion) {
  EXPECT_EQ(decode_schema_version(encode_schema_version(kSchemaVersion)), kSchemaVersion);
  EXPECT_EQ(decode_schema_version(""), std::nullopt);
  EXPECT_EQ(decode_schema_version("\0"s), std::nullopt);
  EXPECT_EQ(decode_schema_version("\x01\x01"), std::nullopt);
}

}  // namespace
}  // namespace parley::storage::codec
