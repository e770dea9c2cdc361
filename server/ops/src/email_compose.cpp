// namespace mail (email.hpp): what a notification mail says and how its header values and
// unsubscribe tokens are written. Pure functions: no I/O, no clock.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <ctime>

#include "parley/ops/email.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/snippet.hpp"

namespace parley::server::mail {

using protocol::JsonWriter;

namespace {

constexpr std::string_view kKindNames[] = {"dm", "mention", "reply", "answer", "helpful", "solved"};

std::string html_escaped(std::string_view s) {
  std::string out;
  search::append_html_escaped(out, s);
  return out;
}

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for anything else).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string mac(std::string_view secret, std::string_view user) {
  std::string content = "parley-unsubscribe\n";
  content.append(user);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), out,
           &len) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

// What one notification says, without the excerpt: "Bob sent you a direct message".
std::string headline(const Item& it) {
  const std::string where = protocol::is_dm_channel(it.channel) ? "" : " in #" + it.channel;
  switch (it.kind) {
    case Kind::dm:
      return it.from + " sent you a direct message";
    case Kind::mention:
      return it.from + " mentioned you" + where;
    case Kind::reply:
      return it.from + " replied to you" + where;
    case Kind::answer:
      return it.from + " answered your question" + where;
    case Kind::helpful:
      return it.from + " marked your answer as helpful" + where;
    case Kind::solved:
      return it.from + " accepted an answer to your question" + where;
  }
  return it.from;
}

}  // namespace

std::string_view to_string(Kind k) { return kKindNames[static_cast<std::size_t>(k)]; }

std::optional<Kind> parse_kind(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == s) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

std::string encode_item(const Item& item) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("kind", to_string(item.kind)).field("channel", item.channel);
  w.field("seq", item.seq).field("ts", item.ts).field("from", item.from).field("text", item.text);
  w.field("read_seq", item.read_seq).field("created", item.created).end_object();
  return out;
}

std::optional<Item> decode_item(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) return std::nullopt;
  Item it;
  std::string_view s;
  if (o["kind"].get(s) != simdjson::SUCCESS) return std::nullopt;
  auto kind = parse_kind(s);
  if (!kind) return std::nullopt;
  it.kind = *kind;
  if (o["channel"].get(s) != simdjson::SUCCESS) return std::nullopt;
  it.channel.assign(s);
  if (o["from"].get(s) == simdjson::SUCCESS) it.from.assign(s);
  if (o["text"].get(s) == simdjson::SUCCESS) it.text.assign(s);
  std::uint64_t u = 0;
  std::int64_t i = 0;
  if (o["seq"].get(u) == simdjson::SUCCESS) it.seq = u;
  if (o["read_seq"].get(u) == simdjson::SUCCESS) it.read_seq = u;
  if (o["ts"].get(i) == simdjson::SUCCESS) it.ts = i;
  if (o["created"].get(i) == simdjson::SUCCESS) it.created = i;
  return it;
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0, i = 0;
  while (i < text.size() && chars < max_chars) {
    const std::size_t len =
        std::min(sequence_length(static_cast<unsigned char>(text[i])), text.size() - i);
    const char c = text[i];
    if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
    ++chars;
  }
  if (i < text.size()) out.append("…");
  return out;
}

std::string conversation_link(std::string_view widget_url, std::string_view channel,
                              std::uint64_t seq) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(widget_url);
  out.append("#parley=");
  for (unsigned char c : channel) {
    // encodeURIComponent's unreserved set, so the widget's decodeURIComponent reads it back.
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("-_.!~*'()").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.push_back('/');
  out.append(std::to_string(seq));
  return out;
}

std::string unsubscribe_token(std::string_view secret, std::string_view user) {
  return protocol::base64url_encode(user) + "." + protocol::base64url_encode(mac(secret, user));
}

std::optional<std::string> verify_unsubscribe_token(std::string_view secret,
                                                    std::string_view token) {
  const std::size_t dot = token.find('.');
  if (token.size() > 512 || dot == std::string_view::npos) return std::nullopt;
  auto user = protocol::base64url_decode(token.substr(0, dot));
  auto sig = protocol::base64url_decode(token.substr(dot + 1));
  if (!user || !sig || !protocol::is_valid_user_id(*user)) return std::nullopt;
  const std::string want = mac(secret, *user);
  if (want.empty() || sig->size() != want.size() ||
      CRYPTO_memcmp(sig->data(), want.data(), want.size()) != 0) {
    return std::nullopt;
  }
  return user;
}

std::string header_words(std::string_view text) {
  const bool plain =
      std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (plain) return std::string(text);
  // "=?UTF-8?B?" + base64 + "?=" stays under 76 characters with at most 45 bytes a word.
  constexpr std::size_t kBytesPerWord = 45;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t len = sequence_length(static_cast<unsigned char>(text[end]));
      if (end + len - i > kBytesPerWord) break;
      end += len;
    }
    if (end == i) end = std::min(text.size(), i + 1);  // never stall on a broken sequence
    std::string chunk(text.substr(i, end - i));
    for (char& c : chunk) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    if (!out.empty()) out.append(" ");  // folded words are joined without the space
    out.append("=?UTF-8?B?").append(base64(chunk)).append("?=");
    i = end;
  }
  return out;
}

std::string rfc5322_date(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

Mail compose(const Context& ctx, std::string_view user_name, const std::vector<Item>& items) {
  Mail m;
  const std::size_t shown = std::min(items.size(), kItemsPerMail);
  if (items.size() == 1) {
    m.subject = headline(items.front()) + " (" + ctx.site + ")";
  } else {
    m.subject =
        std::to_string(items.size()) + " new notifications while you were away (" + ctx.site + ")";
  }
  const std::string hello = "Hi " + std::string(user_name) + ",";
  m.text = hello + "\r\n\r\nHere is what happened in " + ctx.site + " while you were away:\r\n";
  m.html = "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\"><p>" +
           html_escaped(hello) + "</p><p>Here is what happened in " + html_escaped(ctx.site) +
           " while you were away:</p><ul>";
  for (std::size_t i = 0; i < shown; ++i) {
    const Item& it = items[i];
    const std::string link = conversation_link(ctx.widget_url, it.channel, it.seq);
    const std::string head = headline(it);
    m.text += "\r\n* " + head + "\r\n";
    if (!it.text.empty()) m.text += "  \"" + it.text + "\"\r\n";
    m.text += "  " + link + "\r\n";
    m.html += "<li><p><a href=\"" + html_escaped(link) + "\">" + html_escaped(head) + "</a>";
    if (!it.text.empty()) m.html += "<br><q>" + html_escaped(it.text) + "</q>";
    m.html += "</p></li>";
  }
  m.html += "</ul>";
  if (items.size() > shown) {
    const std::string more = "… and " + std::to_string(items.size() - shown) + " more.";
    m.text += "\r\n" + more + "\r\n";
    m.html += "<p>" + html_escaped(more) + "</p>";
  }
  const std::string why = "You get this email because you have an account in " + ctx.site +
                          " and were away. Choose how often in the chat's settings, or "
                          "unsubscribe with one click:";
  m.text += "\r\n--\r\n" + why + "\r\n" + ctx.unsubscribe_url + "\r\n";
  m.html += "<hr><p style=\"color:#555;font-size:small\">" + html_escaped(why) + " <a href=\"" +
            html_escaped(ctx.unsubscribe_url) + "\">Unsubscribe</a></p></body></html>";
  return m;
}

}  // namespace parley::server::mail
