// JsonWriter, append_json_string and the frame writers.
#include "parley/protocol/serialize.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "parley/protocol/commands.hpp"

namespace parley::protocol {
namespace {

// append_json_string's result, checked against write_json_string's: every JsonString test
// covers both, and that the written size stays within json_string_bound.
std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  std::string buf(json_string_bound(s.size()) + 8, '#');
  char* end = write_json_string(buf.data(), s);
  EXPECT_LE(static_cast<std::size_t>(end - buf.data()), json_string_bound(s.size()));
  EXPECT_EQ(std::string_view(buf.data(), static_cast<std::size_t>(end - buf.data())), out);
  EXPECT_EQ(buf.substr(buf.size() - 8), std::string(8, '#')) << "wrote past the bound";
  return out;
}

// Parses `json` with simdjson's DOM (an independent, strict reader) and returns the string
// member `key`.
std::string reparse_member(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::string_view s;
  EXPECT_EQ(doc[key].get_string().get(s), simdjson::SUCCESS) << json;
  return std::string(s);
}

TEST(JsonString, Escapes) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("a\"b"), R"("a\"b")");
  EXPECT_EQ(json_string("a\\b"), R"("a\\b")");
  EXPECT_EQ(json_string("/"), R"("/")");
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_string(std::string_view("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(json_string("\x7f"), "\"\x7f\"");
  EXPECT_EQ(json_string("\xC3\xA9\xF0\x9F\x98\x80"), "\"\xC3\xA9\xF0\x9F\x98\x80\"");
}

TEST(JsonString, LineAndParagraphSeparatorsAreEscaped) {
  EXPECT_EQ(json_string("a\xE2\x80\xA8z\xE2\x80\xA9"), R"("a\u2028z\u2029")");
  // Other characters with the same lead byte pass through unchanged.
  EXPECT_EQ(json_string("\xE2\x80\xA6\xE2\x82\xAC\xE2\x80\xA7\xE2\x80\xAA"),
            "\"\xE2\x80\xA6\xE2\x82\xAC\xE2\x80\xA7\xE2\x80\xAA\"");
  // A cut-off lead byte at the end must not be read past.
  EXPECT_EQ(json_string("x\xE2\x80"), "\"x\xE2\x80\"");
}

// The worst cases for the bound: every byte a control character (6 bytes each) and a string of
// U+2028 (6 bytes for 3); json_string checks both writers against it.
TEST(JsonString, WorstCaseSizesStayWithinTheBound) {
  EXPECT_EQ(json_string(std::string(50, '\x01')).size(), json_string_bound(50));
  std::string seps;
  for (int i = 0; i < 10; ++i) seps += "\xE2\x80\xA8";
  EXPECT_EQ(json_string(seps).size(), 2 + 60u);
}

TEST(JsonString, EveryControlCharacterIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = json_string(std::string(1, static_cast<char>(c)));
    for (char o : out) EXPECT_GE(static_cast<unsigned char>(o), 0x20) << c;
    EXPECT_EQ(reparse_member("{\"k\":" + out + "}", "k"), std::string(1, static_cast<char>(c)));
  }
}

TEST(JsonString, SpecialCharacterAtEveryOffset) {
  // Exercises both the 8-byte fast path and the byte loop at every alignment.
  for (std::string_view special : {"\"", "\\", "\n", "\xE2\x80\xA8", "\x01"}) {
    for (std::size_t pos = 0; pos < 24; ++pos) {
      std::string s(24, 'a');
      s.replace(pos, 1, special);
      const std::string out = json_string(s);
      EXPECT_EQ(out.find('\n'), std::string::npos);
      EXPECT_EQ(out.find("\xE2\x80\xA8"), std::string::npos);
      EXPECT_EQ(reparse_member("{\"k\":" + out + "}", "k"), s) << pos;
    }
  }
}

TEST(JsonString, RandomUnicodeRoundTrips) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      char32_t cp;
      do {
        const unsigned pick = rng() % 4;
        cp = pick == 0   ? rng() % 0x80
             : pick == 1 ? rng() % 0x800
             : pick == 2 ? rng() % 0x10000
                         : rng() % 0x110000;
      } while (cp >= 0xD800 && cp <= 0xDFFF);
      if (cp < 0x80) {
        s += static_cast<char>(cp);
      } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    const std::string out = "{\"k\":" + json_string(s) + "}";
    ASSERT_EQ(out.find('\n'), std::string::npos);
    ASSERT_EQ(reparse_member(out, "k"), s);
  }
}

TEST(JsonWriter, CommasAtEveryNestingLevel) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .key("b")
      .begin_array()
      .value(1)
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .begin_object()
      .field("x", "y")
      .key("z")
      .begin_array()
      .null()
      .value(true)
      .end_array()
      .end_object()
      .value("s")
      .end_array()
      .field("c", false)
      .key("d")
      .begin_object()
      .end_object()
      .raw_field("e", R"({"raw":[1,2]})")
      .end_object();
  EXPECT_EQ(
      out,
      R"({"a":1,"b":[1,{},[],{"x":"y","z":[null,true]},"s"],"c":false,"d":{},"e":{"raw":[1,2]}})");
}

// key() writes `,"k":` in one piece when k fits its 64-byte scratch buffer (60 bytes of key),
// and piece by piece beyond: the same JSON either way, with and without a comma before it.
TEST(JsonWriter, KeysOfEveryLengthAroundTheScratchBuffer) {
  for (std::size_t n : {0u, 1u, 59u, 60u, 61u, 62u, 200u}) {
    const std::string k(n, 'k');
    std::string out;
    JsonWriter w(out);
    w.begin_object().field(k, 1).field(k + "2", 2).end_object();
    EXPECT_EQ(out, "{\"" + k + "\":1,\"" + k + "2\":2}") << n;
  }
}

TEST(JsonWriter, TopLevelArrayAndAppendsToExistingContent) {
  std::string out = "prefix|";
  JsonWriter w(out);
  w.begin_array().value(std::string_view("a")).raw("7").end_array();
  EXPECT_EQ(out, R"(prefix|["a",7])");
}

TEST(JsonWriter, Numbers) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .value(std::uint64_t{0})
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::int64_t{-1})
      .value(42)
      .end_array();
  EXPECT_EQ(out, "[0,18446744073709551615,-9223372036854775808,-1,42]");
}

MessageView sample_message() {
  MessageView m;
  m.channel = "help";
  m.seq = 12;
  m.ts = 1700000000123;
  m.from_id = "u1";
  m.from_name = "Ana";
  m.from_role = Role::staff;
  m.from_advocate = true;
  m.text = "hello";
  return m;
}

TEST(WriteMessage, ExactFieldOrder) {
  std::string out;
  write_message_event(out, sample_message());
  EXPECT_EQ(out,
            R"({"op":"message","channel":"help","seq":12,"ts":1700000000123,)"
            R"("from":{"id":"u1","name":"Ana","role":"staff","advocate":true},"text":"hello"})");
}

TEST(WriteMessage, ReplyToOnlyWhenNonZero) {
  MessageView m = sample_message();
  m.reply_to = 3;
  m.from_advocate = false;
  m.from_role = Role::customer;
  std::string out;
  write_message_event(out, m);
  EXPECT_EQ(out,
            R"({"op":"message","channel":"help","seq":12,"ts":1700000000123,)"
            R"("from":{"id":"u1","name":"Ana","role":"customer","advocate":false},"text":"hello",)"
            R"("reply_to":3})");
}

TEST(WriteMessage, ObjectsInAHistoryPage) {
  std::string out;
  JsonWriter w(out);
  begin_ok(w, "5").key("messages").begin_array();
  MessageView m = sample_message();
  write_message_object(w, m);
  m.seq = 13;
  m.reply_to = 12;
  write_message_object(w, m);
  w.end_array().field("has_more", false).end_object();
  EXPECT_EQ(out,
            R"({"op":"ok","id":5,"messages":[)"
            R"({"channel":"help","seq":12,"ts":1700000000123,)"
            R"("from":{"id":"u1","name":"Ana","role":"staff","advocate":true},"text":"hello"},)"
            R"({"channel":"help","seq":13,"ts":1700000000123,)"
            R"("from":{"id":"u1","name":"Ana","role":"staff","advocate":true},"text":"hello",)"
            R"("reply_to":12}],)"
            R"("has_more":false})");
}

// The history fields come after the original ones, each only when set, and a strict parser
// reads every one back; a text far past the 2 KiB stack buffer is written whole.
TEST(WriteMessage, LifecycleFieldsAndReactionsRoundTrip) {
  const ReactionView reactions[] = {{"\xF0\x9F\x91\x8D", 2}, {"\"q", 4294967295u}};
  MessageView m = sample_message();
  m.edited_at = 1700000000999;
  m.solved_seq = 15;
  m.deleted = true;
  m.deleted_by = "mod";
  m.deleted_at = 1700000001000;
  m.reactions = reactions;
  const std::string text(10000, '\x01');  // 60,000 bytes escaped
  m.text = text;
  std::string out;
  write_message_event(out, m);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["text"]), text);
  EXPECT_EQ(std::int64_t(doc["edited_at"]), 1700000000999);
  EXPECT_EQ(std::uint64_t(doc["solved_seq"]), 15u);
  EXPECT_TRUE(bool(doc["deleted"]));
  EXPECT_EQ(std::string_view(doc["deleted_by"]), "mod");
  EXPECT_EQ(std::int64_t(doc["deleted_at"]), 1700000001000);
  simdjson::dom::array r = doc["reactions"];
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(std::string_view(r.at(0)["emoji"]), "\xF0\x9F\x91\x8D");
  EXPECT_EQ(std::uint64_t(r.at(0)["count"]), 2u);
  EXPECT_EQ(std::string_view(r.at(1)["emoji"]), "\"q");
  EXPECT_EQ(std::uint64_t(r.at(1)["count"]), 4294967295u);
  // Member order: the lifecycle fields after text, in this order.
  const auto at = [&out](const char* key) { return out.find(std::string("\"") + key + "\":"); };
  EXPECT_LT(at("text"), at("edited_at"));
  EXPECT_LT(at("edited_at"), at("solved_seq"));
  EXPECT_LT(at("solved_seq"), at("deleted"));
  EXPECT_LT(at("deleted"), at("deleted_by"));
  EXPECT_LT(at("deleted_by"), at("deleted_at"));
  EXPECT_LT(at("deleted_at"), at("reactions"));
}

TEST(WriteMessage, MentionsAreAnArrayAfterReactionsAndOnlyWhenSet) {
  MessageView m = sample_message();
  std::string out;
  write_message_event(out, m);
  EXPECT_EQ(out.find("mentions"), std::string::npos);
  const ReactionView reactions[] = {{"x", 1}};
  m.reactions = reactions;
  m.mentions = "carol bob@example.com a";
  out.clear();
  write_message_event(out, m);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  simdjson::dom::array a = doc["mentions"];
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(std::string_view(a.at(0)), "carol");
  EXPECT_EQ(std::string_view(a.at(1)), "bob@example.com");
  EXPECT_EQ(std::string_view(a.at(2)), "a");
  EXPECT_LT(out.find("\"reactions\":"), out.find("\"mentions\":"));
  // The 20 longest ids fit the bound (a stack buffer overflow would show under ASan).
  std::string many;
  for (int i = 0; i < 220; ++i) many += (i ? " " : "") + std::string(64, 'a' + i % 26);
  m.mentions = many;
  out.clear();
  write_message_event(out, m);
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::dom::array(doc["mentions"]).size(), 220u);
}

TEST(WriteMessage, TrickyTextRoundTripsThroughAStrictParser) {
  const std::string tricky =
      "quote \" backslash \\ slash / nl \n cr \r tab \t nul " + std::string(1, '\0') +
      " bell \x07 emoji \xF0\x9F\x98\x80 ls \xE2\x80\xA8 ps \xE2\x80\xA9 del \x7f end";
  MessageView m = sample_message();
  m.text = tricky;
  m.from_name = "Zo\xC3\xAB \"Z\"";
  m.channel = "dm:alice:bob";
  m.reply_to = 1;
  std::string out;
  write_message_event(out, m);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find("\xE2\x80\xA8"), std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["op"]), "message");
  EXPECT_EQ(std::string_view(doc["text"]), tricky);
  EXPECT_EQ(std::string_view(doc["channel"]), "dm:alice:bob");
  EXPECT_EQ(std::string_view(doc["from"]["name"]), "Zo\xC3\xAB \"Z\"");
  EXPECT_EQ(std::uint64_t(doc["seq"]), 12u);
  EXPECT_EQ(std::int64_t(doc["ts"]), 1700000000123);
  EXPECT_EQ(std::uint64_t(doc["reply_to"]), 1u);
  EXPECT_TRUE(bool(doc["from"]["advocate"]));
}

TEST(WriteMessage, SerializedTextParsesBackAsTheSameSendText) {
  // What the server sends can be sent back by a client and arrives unchanged.
  const std::string text = "a \"q\" \\ \n\t \xE2\x80\xA8 \xF0\x9F\x98\x80";
  std::string frame;
  JsonWriter w(frame);
  w.begin_object().field("op", "send").field("channel", "general").field("text", text);
  w.field("client_msg_id", "c1").end_object();
  const ParseResult r = parse_request(frame, ParseLimits{});
  ASSERT_TRUE(r.ok()) << r.failure->error.message;
  EXPECT_EQ(std::get<SendCmd>(r.request->cmd).text, text);
}

TEST(WriteError, WithAndWithoutIdAndRetry) {
  std::string out;
  write_error(out, R"("r\"1")", ErrorCode::rate_limited, "slow \"down\"", 1500);
  EXPECT_EQ(out, R"({"op":"error","id":"r\"1","code":"rate_limited","message":"slow \"down\"",)"
                 R"("retry_after_ms":1500})");
  out.clear();
  write_error(out, "", ErrorCode::bad_request, "invalid JSON");
  EXPECT_EQ(out, R"({"op":"error","code":"bad_request","message":"invalid JSON"})");
  out.clear();
  write_error(out, "-3", ErrorCode::muted, "muted", 0);
  EXPECT_EQ(out, R"({"op":"error","id":-3,"code":"muted","message":"muted","retry_after_ms":0})");
}

TEST(WriteError, EchoesWhatTheParserExtracted) {
  const ParseResult r = parse_request(R"({"op":"nope","id":"a\nb"})", ParseLimits{});
  ASSERT_FALSE(r.ok());
  std::string out;
  write_error(out, r.failure->id_json, r.failure->error.code, r.failure->error.message);
  EXPECT_EQ(out,
            R"({"op":"error","id":"a\nb","code":"bad_request","message":"unknown op \"nope\""})");
  EXPECT_EQ(reparse_member(out, "id"), "a\nb");
}

TEST(BeginOk, IdOnlyWhenPresent) {
  std::string out;
  JsonWriter w(out);
  begin_ok(w, "").field("seq", std::uint64_t{5}).field("ts", std::int64_t{9}).end_object();
  EXPECT_EQ(out, R"({"op":"ok","seq":5,"ts":9})");
  out.clear();
  JsonWriter w2(out);
  begin_ok(w2, R"("x")").end_object();
  EXPECT_EQ(out, R"({"op":"ok","id":"x"})");
}

TEST(Frames, SeveralObjectsJoinWithNewlines) {
  std::string frame;
  write_message_event(frame, sample_message());
  frame += '\n';
  write_error(frame, "1", ErrorCode::internal, "line1\nline2");
  EXPECT_EQ(std::count(frame.begin(), frame.end(), '\n'), 1);
}

}  // namespace
}  // namespace parley::protocol
