#include "parley/protocol/serialize.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>

// PARLEY_NO_SIMD forces the portable path (used to test it on x86-64).
#if defined(__SSE2__) && !defined(PARLEY_NO_SIMD)
#define PARLEY_JSON_SSE2 1
#include <emmintrin.h>
#endif

namespace parley::protocol {
namespace {

#if !defined(PARLEY_JSON_SSE2)
// SWAR tests over eight bytes at once (exact for "any byte matches"; see Bit Twiddling Hacks).
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

constexpr std::uint64_t has_zero_byte(std::uint64_t v) noexcept {
  return (v - kOnes) & ~v & kHighs;
}
constexpr std::uint64_t has_byte(std::uint64_t v, unsigned char b) noexcept {
  return has_zero_byte(v ^ (kOnes * b));
}
constexpr std::uint64_t has_byte_below(std::uint64_t v, unsigned char n) noexcept {
  return (v - kOnes * n) & ~v & kHighs;  // valid for n <= 128
}
#endif

// Bytes that may need escaping: control characters, '"', '\\', and 0xE2 (the lead byte of
// U+2028/U+2029).
constexpr std::array<bool, 256> make_special_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = t[0xE2] = true;
  return t;
}
constexpr std::array<bool, 256> kSpecial = make_special_table();

// The first byte in [p, end) that may need escaping, or end. Most text has none, so the scan
// goes 16 bytes at a time with SSE2 (part of the x86-64 baseline) or 8 with SWAR elsewhere.
const char* find_special(const char* p, const char* const end) noexcept {
#if defined(PARLEY_JSON_SSE2)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i lead_e2 = _mm_set1_epi8(static_cast<char>(0xE2));
  const __m128i max_control = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i is_control = _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v);  // v <= 0x1F
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, lead_e2), is_control));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#else
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if ((has_byte_below(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\') | has_byte(w, 0xE2)) != 0) {
      break;  // the byte loop below finds it within these 8 bytes
    }
    p += 8;
  }
#endif
  while (p < end && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// The letter of JSON's two-character escapes (\" \\ \b \f \n \r \t), 0 where there is none.
constexpr std::array<char, 256> make_short_escapes() {
  std::array<char, 256> t{};
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}
constexpr std::array<char, 256> kShortEscape = make_short_escapes();

// Writes the escape of one special byte other than 0xE2 (2 or 6 bytes); returns the end.
char* write_escape(char* dst, unsigned char c) noexcept {
  if (const char letter = kShortEscape[c]; letter != 0) {
    dst[0] = '\\';
    dst[1] = letter;
    return dst + 2;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  std::memcpy(dst, esc, sizeof esc);
  return dst + sizeof esc;
}

void append_escape(std::string& out, unsigned char c) {
  char esc[6];
  out.append(esc, write_escape(esc, c));
}

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace

char* write_json_string(char* dst, std::string_view s) noexcept {
  *dst++ = '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  while (true) {
    const char* special = find_special(p, end);
    std::memcpy(dst, p, static_cast<std::size_t>(special - p));
    dst += special - p;
    if (special == end) break;
    const auto c = static_cast<unsigned char>(*special);
    p = special + 1;
    if (c != 0xE2) {
      dst = write_escape(dst, c);
    } else if (end - special >= 3 && special[1] == '\x80' &&
               (special[2] == '\xA8' || special[2] == '\xA9')) {
      std::memcpy(dst, special[2] == '\xA8' ? "\\u2028" : "\\u2029", 6);  // see append_json_string
      dst += 6;
      p = special + 3;
    } else {
      *dst++ = static_cast<char>(c);  // any other character starting with 0xE2
    }
  }
  *dst++ = '"';
  return dst;
}

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  while (true) {
    const char* special = find_special(p, end);
    out.append(p, special);
    if (special == end) break;
    const auto c = static_cast<unsigned char>(*special);
    p = special + 1;
    if (c != 0xE2) {
      append_escape(out, c);
    } else if (end - special >= 3 && special[1] == '\x80' &&
               (special[2] == '\xA8' || special[2] == '\xA9')) {
      // U+2028/U+2029 are legal in JSON but end a line in JavaScript source and in some
      // line-oriented tools, so they leave as escapes like '\n' does.
      out.append(special[2] == '\xA8' ? "\\u2028" : "\\u2029");
      p = special + 3;
    } else {
      out.push_back(static_cast<char>(c));  // any other character starting with 0xE2
    }
  }
  out.push_back('"');
}

// One flag is enough for correct commas at any depth: after '{', '[' or a key nothing may
// precede the next token, and after any complete value (including a closed object or array)
// the next member of the enclosing container needs a comma.
void JsonWriter::comma() {
  if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  comma();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  // One append of `,"k":` instead of four: a history page writes ~10 keys per message, and
  // each std::string append is a capacity check and a copy call of its own.
  char buf[64];
  if (k.size() <= sizeof buf - 4) {
    std::size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, k.data(), k.size());
    n += k.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
  } else {
    comma();
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
  }
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  comma();
  append_json_string(out_, s);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v) {
  comma();
  append_int(out_, v);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  comma();
  append_int(out_, v);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool v) {
  comma();
  out_.append(v ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  comma();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  comma();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

namespace {

template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
  std::memcpy(p, literal, N - 1);
  return p + N - 1;
}

template <class Int>
char* put_int(char* p, Int v) {
  return std::to_chars(p, p + 20, v).ptr;  // 20 digits hold any 64-bit value and its sign
}

// The most bytes put_fields writes for m.
std::size_t fields_bound(const MessageView& m) {
  // Keys, punctuation, role, booleans and up to six numbers of 20 characters: under 400.
  std::size_t n = 400 + json_string_bound(m.channel.size()) + json_string_bound(m.from_id.size()) +
                  json_string_bound(m.from_name.size()) + json_string_bound(m.text.size()) +
                  json_string_bound(m.deleted_by.size()) +
                  2 * json_string_bound(m.mentions.size()) +
                  // actions: every id and label escaped, and per part (at most one per byte,
                  // whatever a stored value holds) its quotes, keys and punctuation
                  json_string_bound(m.actions.size()) + 24 * (m.actions.size() + 1);
  for (const auto& r : m.reactions) n += 40 + json_string_bound(r.emoji.size());
  return n;
}

// The members, no braces.
char* put_fields(char* p, const MessageView& m) {
  p = write_json_string(put(p, "\"channel\":"), m.channel);
  p = put_int(put(p, ",\"seq\":"), m.seq);
  p = put_int(put(p, ",\"ts\":"), m.ts);
  p = write_json_string(put(p, ",\"from\":{\"id\":"), m.from_id);
  p = write_json_string(put(p, ",\"name\":"), m.from_name);
  p = write_json_string(put(p, ",\"role\":"), to_string(m.from_role));
  p = m.from_advocate ? put(p, ",\"advocate\":true}") : put(p, ",\"advocate\":false}");
  p = write_json_string(put(p, ",\"text\":"), m.text);
  if (m.reply_to != 0) p = put_int(put(p, ",\"reply_to\":"), m.reply_to);
  if (m.edited_at != 0) p = put_int(put(p, ",\"edited_at\":"), m.edited_at);
  if (m.solved_seq != 0) p = put_int(put(p, ",\"solved_seq\":"), m.solved_seq);
  if (m.deleted) {
    p = write_json_string(put(p, ",\"deleted\":true,\"deleted_by\":"), m.deleted_by);
    p = put_int(put(p, ",\"deleted_at\":"), m.deleted_at);
  }
  if (!m.reactions.empty()) {
    // An array (not an object keyed by emoji): keeps first-use order, and emoji need escaping.
    p = put(p, ",\"reactions\":[");
    for (std::size_t i = 0; i < m.reactions.size(); ++i) {
      if (i != 0) *p++ = ',';
      p = write_json_string(put(p, "{\"emoji\":"), m.reactions[i].emoji);
      p = put(put_int(put(p, ",\"count\":"), m.reactions[i].count), "}");
    }
    p = put(p, "]");
  }
  if (!m.mentions.empty()) {
    p = put(p, ",\"mentions\":[");
    std::string_view rest = m.mentions;
    for (bool first = true; !rest.empty(); first = false) {
      const std::size_t sp = rest.find(' ');
      if (!first) *p++ = ',';
      p = write_json_string(p, rest.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    p = put(p, "]");
  }
  if (!m.actions.empty()) {
    p = put(p, ",\"actions\":[");
    std::string_view rest = m.actions;
    for (bool first = true; !rest.empty(); first = false) {
      const std::size_t end = rest.find(kActionSep);
      const std::string_view one = rest.substr(0, end);
      const std::size_t mid = one.find(kActionFieldSep);
      if (!first) *p++ = ',';
      p = write_json_string(put(p, "{\"id\":"), one.substr(0, mid));
      p = put(write_json_string(put(p, ",\"label\":"), mid == std::string_view::npos
                                                           ? std::string_view{}
                                                           : one.substr(mid + 1)),
              "}");
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    p = put(p, "]");
  }
  return p;
}

// `open` (the object's '{' and any members before the message's), the members and '}', handed
// to `sink` as one piece: on the stack up to 2 KiB (any message with a short text), beyond in
// a buffer of the exact worst case.
template <class Sink>
void with_message_object(std::string_view open, const MessageView& m, Sink&& sink) {
  char stack[2048];
  const std::size_t bound = open.size() + fields_bound(m) + 1;
  std::unique_ptr<char[]> heap;
  char* buf = stack;
  if (bound > sizeof stack) {
    heap = std::make_unique_for_overwrite<char[]>(bound);
    buf = heap.get();
  }
  std::memcpy(buf, open.data(), open.size());
  char* p = put_fields(buf + open.size(), m);
  *p++ = '}';
  sink(std::string_view(buf, static_cast<std::size_t>(p - buf)));
}

}  // namespace

void write_message_event(std::string& out, const MessageView& m) {
  with_message_object("{\"op\":\"message\",", m,
                      [&out](std::string_view json) { out.append(json); });
}

void write_message_object(JsonWriter& w, const MessageView& m) {
  with_message_object("{", m, [&w](std::string_view json) { w.raw(json); });
}

void write_error(std::string& out, std::string_view id_json, ErrorCode code,
                 std::string_view message, std::int64_t retry_after_ms) {
  JsonWriter w(out);
  w.begin_object().field("op", "error");
  if (!id_json.empty()) w.raw_field("id", id_json);
  w.field("code", to_wire(code)).field("message", message);
  if (retry_after_ms >= 0) w.field("retry_after_ms", retry_after_ms);
  w.end_object();
}

JsonWriter& begin_ok(JsonWriter& w, std::string_view id_json) {
  w.begin_object().field("op", "ok");
  if (!id_json.empty()) w.raw_field("id", id_json);
  return w;
}

}  // namespace parley::protocol
