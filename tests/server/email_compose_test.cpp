// namespace mail (server/src/email.hpp): unsubscribe tokens, header encoding, links, excerpts,
// the stored notification and the mail's text and HTML.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "parley/ops/email.hpp"
#include "parley/protocol/jwt.hpp"

namespace parley::server::mail {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-secret";

// Decodes one RFC 2047 "=?UTF-8?B?…?=" word.
std::string decode_word(std::string_view w) {
  EXPECT_TRUE(w.starts_with("=?UTF-8?B?") && w.ends_with("?=")) << w;
  std::string_view b64 = w.substr(10, w.size() - 12);
  std::string out(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  EXPECT_GE(n, 0);
  out.resize(static_cast<std::size_t>(n));
  while (b64.ends_with('=')) {  // EVP_DecodeBlock keeps the padding's zero bytes
    out.pop_back();
    b64.remove_suffix(1);
  }
  return out;
}

TEST(EmailUnsubscribe, TokenRoundTripsAndRefusesTampering) {
  const std::string t = unsubscribe_token(kSecret, "bob@example.com");
  EXPECT_EQ(t.substr(0, t.find('.')), protocol::base64url_encode("bob@example.com"));
  EXPECT_EQ(verify_unsubscribe_token(kSecret, t), "bob@example.com");
  EXPECT_EQ(verify_unsubscribe_token("another-secret-another-secret-0000", t), std::nullopt);
  // Another user's name with this signature, a flipped signature byte, junk.
  const std::string sig = t.substr(t.find('.'));
  EXPECT_EQ(verify_unsubscribe_token(kSecret, protocol::base64url_encode("alice") + sig),
            std::nullopt);
  std::string flipped = t;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_unsubscribe_token(kSecret, flipped), std::nullopt);
  for (std::string_view bad :
       {"", ".", "Ym9i", "Ym9i.", ".abc", "Ym9i.AAAA", "!!!.???", "Ym9i.abc.def"}) {
    EXPECT_EQ(verify_unsubscribe_token(kSecret, bad), std::nullopt) << bad;
  }
  // Not a user id inside, even when signed: refused.
  EXPECT_EQ(verify_unsubscribe_token(kSecret, unsubscribe_token(kSecret, "a:b")), std::nullopt);
  EXPECT_EQ(verify_unsubscribe_token(kSecret, std::string(600, 'A')), std::nullopt);
}

TEST(EmailHeaders, AsciiStaysAndTheRestBecomesEncodedWords) {
  EXPECT_EQ(header_words("3 new notifications (Lamp Help)"), "3 new notifications (Lamp Help)");
  const std::string subject = "Zoë a répondu à ta question — 💡 " + std::string(60, 'x');
  const std::string enc = header_words(subject);
  std::string back;
  std::size_t start = 0;
  while (start < enc.size()) {
    std::size_t end = enc.find(' ', start);
    if (end == std::string::npos) end = enc.size();
    const std::string_view word(enc.data() + start, end - start);
    EXPECT_LE(word.size(), 75u) << word;
    back += decode_word(word);  // each word holds whole UTF-8 sequences
    start = end + 1;
  }
  EXPECT_EQ(back, subject);
  // A line break can never reach the header.
  const std::string crlf = header_words("é\r\nBcc: x@y.z");
  EXPECT_EQ(crlf.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(header_words("a\r\nb").find_first_of("\r\n"), std::string::npos)
      << header_words("a\r\nb");
}

TEST(EmailHeaders, DateIsRfc5322) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1'796'623'061'900), "Mon, 07 Dec 2026 05:57:41 +0000");
}

TEST(EmailLinks, ConversationLinkEncodesTheChannel) {
  EXPECT_EQ(conversation_link("https://shop.example/support", "dm:alice:bob", 12),
            "https://shop.example/support#parley=dm%3Aalice%3Abob/12");
  EXPECT_EQ(conversation_link("https://x.example/", "help", 3), "https://x.example/#parley=help/3");
  EXPECT_EQ(conversation_link("u", "a b/é", 1), "u#parley=a%20b%2F%C3%A9/1");
}

TEST(EmailText, ExcerptCutsOnCodePointsAndFlattensLines) {
  EXPECT_EQ(excerpt("short", 10), "short");
  EXPECT_EQ(excerpt("line one\nline two\ttab", 100), "line one line two tab");
  EXPECT_EQ(excerpt("ééééé", 3), "ééé…");
  EXPECT_EQ(excerpt("💡💡", 1), "💡…");
}

TEST(EmailItems, EncodeDecodeRoundTrip) {
  Item it;
  it.kind = Kind::answer;
  it.channel = "help";
  it.seq = 42;
  it.ts = 1'700'000'000'123;
  it.from = "Zoë \"Z\"";
  it.text = "line\nwith <html> & \"quotes\"";
  it.read_seq = 42;
  it.created = 1'700'000'000'999;
  auto back = decode_item(encode_item(it));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, Kind::answer);
  EXPECT_EQ(back->channel, it.channel);
  EXPECT_EQ(back->seq, it.seq);
  EXPECT_EQ(back->ts, it.ts);
  EXPECT_EQ(back->from, it.from);
  EXPECT_EQ(back->text, it.text);
  EXPECT_EQ(back->read_seq, it.read_seq);
  EXPECT_EQ(back->created, it.created);
  for (Kind k : {Kind::dm, Kind::mention, Kind::reply, Kind::answer, Kind::helpful, Kind::solved}) {
    EXPECT_EQ(parse_kind(to_string(k)), k);
  }
  EXPECT_EQ(decode_item(R"({"kind":"weekly","channel":"x"})"), std::nullopt);
  EXPECT_EQ(decode_item("not json"), std::nullopt);
}

TEST(EmailCompose, OneNotificationOrManyWithTextHtmlLinksAndTheUnsubscribe) {
  Context ctx{"Lamp Help", "https://shop.example/support",
              "https://chat.example.com/unsubscribe?token=T"};
  Item dm;
  dm.kind = Kind::dm;
  dm.channel = "dm:alice:bob";
  dm.seq = 1;
  dm.from = "Alice";
  dm.text = "<script>x</script> & you";
  Mail one = compose(ctx, "Bob", {dm});
  EXPECT_EQ(one.subject, "Alice sent you a direct message (Lamp Help)");
  EXPECT_NE(one.text.find("Hi Bob,"), std::string::npos);
  EXPECT_NE(one.text.find("\"<script>x</script> & you\""), std::string::npos);  // plain text
  EXPECT_NE(one.text.find("https://shop.example/support#parley=dm%3Aalice%3Abob/1"),
            std::string::npos);
  EXPECT_NE(one.text.find(ctx.unsubscribe_url), std::string::npos);
  EXPECT_EQ(one.html.find("<script>"), std::string::npos);
  EXPECT_NE(one.html.find("&lt;script&gt;x&lt;/script&gt; &amp; you"), std::string::npos);
  EXPECT_NE(one.html.find(R"(<a href="https://shop.example/support#parley=dm%3Aalice%3Abob/1">)"),
            std::string::npos);
  EXPECT_NE(
      one.html.find(R"(<a href="https://chat.example.com/unsubscribe?token=T">Unsubscribe</a>)"),
      std::string::npos);

  std::vector<Item> many;
  const Kind kinds[] = {Kind::mention, Kind::reply, Kind::answer, Kind::helpful, Kind::solved};
  const char* heads[] = {"Carol mentioned you in #general", "Carol replied to you in #general",
                         "Carol answered your question in #general",
                         "Carol marked your answer as helpful in #general",
                         "Carol accepted an answer to your question in #general"};
  for (int i = 0; i < 25; ++i) {
    Item it;
    it.kind = kinds[i % 5];
    it.channel = "general";
    it.seq = static_cast<std::uint64_t>(i + 1);
    it.from = "Carol";
    it.text = "message " + std::to_string(i + 1);
    many.push_back(it);
  }
  Mail m = compose(ctx, "Bob", many);
  EXPECT_EQ(m.subject, "25 new notifications while you were away (Lamp Help)");
  for (const char* h : heads) EXPECT_NE(m.text.find(h), std::string::npos) << h;
  EXPECT_NE(m.text.find("\"message 20\""), std::string::npos);
  EXPECT_EQ(m.text.find("\"message 21\""), std::string::npos) << "at most 20 listed";
  EXPECT_NE(m.text.find("… and 5 more."), std::string::npos);
  EXPECT_NE(m.html.find("… and 5 more."), std::string::npos);
}

}  // namespace
}  // namespace parley::server::mail
