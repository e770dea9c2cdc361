// The JSON of stored messages (history pages and message events): exact bytes, escaping in
// every string, optional fields, and messages too long for the formatting buffer on the stack.
#include "parley/ops/records_json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using protocol::JsonWriter;

storage::StoredMessage plain() {
  storage::StoredMessage m;
  m.seq = 12;
  m.ts = 1700000000123;
  m.from_id = "u1";
  m.from_name = "Ana";
  m.from_role = protocol::Role::staff;
  m.from_advocate = true;
  m.text = "hi";
  return m;
}

// Every optional field, and something to escape in every string.
storage::StoredMessage rich() {
  storage::StoredMessage m = plain();
  m.ts = -5;
  m.from_id = "u\"1";
  m.from_name = "A\\na\n";
  m.from_role = protocol::Role::customer;
  m.from_advocate = false;
  m.text = "line\xE2\x80\xA8sep \x01 \xC3\xA9 \t end";
  m.reply_to = 3;
  m.edited_at = 1700000000999;
  m.solved_seq = 15;
  m.deleted = true;
  m.deleted_by = "mod\"";
  m.deleted_at = 1700000001000;
  m.reactions = {{"\xF0\x9F\x91\x8D", 2}, {"\"q", 4294967295u}};
  return m;
}

// A page's "messages" array of the messages, as the history reply writes it.
std::string page_of(const std::string& channel, const std::vector<storage::StoredMessage>& ms) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  for (const auto& m : ms) write_stored_message(w, channel, m);
  w.end_array();
  return out;
}

constexpr const char* kPlainJson =
    R"({"channel":"help","seq":12,"ts":1700000000123,"from":{"id":"u1","name":"Ana",)"
    R"("role":"staff","advocate":true},"text":"hi"})";

TEST(StoredMessageJson, PlainMessageExactBytes) {
  EXPECT_EQ(page_of("help", {plain()}), std::string("[") + kPlainJson + "]");
}

TEST(StoredMessageJson, EveryOptionalFieldAndEscapeExactBytes) {
  EXPECT_EQ(page_of("help", {rich(), plain()}),
            "[{\"channel\":\"help\",\"seq\":12,\"ts\":-5,\"from\":{\"id\":\"u\\\"1\","
            "\"name\":\"A\\\\na\\n\",\"role\":\"customer\",\"advocate\":false},"
            "\"text\":\"line\\u2028sep \\u0001 \xC3\xA9 \\t end\",\"reply_to\":3,"
            "\"edited_at\":1700000000999,\"solved_seq\":15,\"deleted\":true,"
            "\"deleted_by\":\"mod\\\"\",\"deleted_at\":1700000001000,\"reactions\":["
            "{\"emoji\":\"\xF0\x9F\x91\x8D\",\"count\":2},"
            "{\"emoji\":\"\\\"q\",\"count\":4294967295}]}," +
                std::string(kPlainJson) + "]");
}

TEST(StoredMessageJson, NumbersAtTheirLimits) {
  storage::StoredMessage m = plain();
  m.seq = std::numeric_limits<std::uint64_t>::max();
  m.ts = std::numeric_limits<std::int64_t>::min();
  m.edited_at = std::numeric_limits<std::int64_t>::max();
  m.reply_to = 1;
  EXPECT_EQ(page_of("c", {m}),
            "[{\"channel\":\"c\",\"seq\":18446744073709551615,\"ts\":-9223372036854775808,"
            "\"from\":{\"id\":\"u1\",\"name\":\"Ana\",\"role\":\"staff\",\"advocate\":true},"
            "\"text\":\"hi\",\"reply_to\":1,\"edited_at\":9223372036854775807}]");
  m.ts = 0;
  EXPECT_NE(page_of("c", {m}).find("\"ts\":0,"), std::string::npos);
}

TEST(StoredMessageJson, MessageEventHasOpFirstAndAppends) {
  std::string out = "x";
  append_message_event(out, "help", plain());
  EXPECT_EQ(out, std::string("x{\"op\":\"message\",") + (kPlainJson + 1));
}

// Texts far beyond the stack buffer (and ones that escape to six times their size) are written
// whole and escaped as any other.
TEST(StoredMessageJson, LongAndHeavilyEscapedTexts) {
  for (std::size_t n : {300u, 2048u, 20000u}) {
    for (char c : {'a', '\x01', '"'}) {
      storage::StoredMessage m = plain();
      m.text.assign(n, c);
      m.reactions.assign(50, {std::string(40, '\x02'), 1});
      std::string text_json, emoji_json;
      protocol::append_json_string(text_json, m.text);
      protocol::append_json_string(emoji_json, m.reactions[0].emoji);
      std::string want = std::string(kPlainJson);
      want.resize(want.size() - std::string("\"hi\"}").size());
      want += text_json + ",\"reactions\":[";
      for (std::size_t i = 0; i < m.reactions.size(); ++i) {
        want += (i ? ",{\"emoji\":" : "{\"emoji\":") + emoji_json + ",\"count\":1}";
      }
      want += "]}";
      EXPECT_EQ(page_of("help", {m}), "[" + want + "]") << n << " " << int(c);
      std::string event;
      append_message_event(event, "help", m);
      EXPECT_EQ(event, "{\"op\":\"message\"," + want.substr(1)) << n << " " << int(c);
    }
  }
}

}  // namespace
}  // namespace parley::server
