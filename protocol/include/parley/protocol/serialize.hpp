// Server -> client frames. JSON is compact and fields keep a fixed order (DESIGN §2).
//
// JsonWriter appends to a caller-owned std::string and escapes strings per RFC 8259: \" \\,
// control characters as \b \f \n \r \t or \u00XX, and U+2028/U+2029 as \u2028/\u2029 (safe
// inside JavaScript); other non-ASCII is left as UTF-8. Input strings must be valid UTF-8.
// Output never contains a raw '\n', so several objects can share one WebSocket frame.
//
// Thread-safety: plain functions over caller-owned buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/protocol/errors.hpp"
#include "parley/protocol/types.hpp"

namespace parley::protocol {

// Minimal streaming JSON writer. The caller is responsible for well-formed nesting; commas
// between members/elements are inserted automatically.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);  // k must not need escaping (ASCII identifiers)

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // pre-serialized JSON value (e.g. an echoed id)

  // Shorthands: key then value.
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  JsonWriter& raw_field(std::string_view k, std::string_view json) {
    key(k);
    return raw(json);
  }

 private:
  void comma();
  std::string& out_;
  bool need_comma_ = false;
};

// Appends `s` as a JSON string literal (with quotes) to out.
void append_json_string(std::string& out, std::string_view s);
// The most bytes append_json_string/write_json_string can make of n bytes: the quotes, and
// every byte escaped as \u00XX (U+2028/U+2029 take 6 bytes for 3).
constexpr std::size_t json_string_bound(std::size_t n) { return 6 * n + 2; }
// The same literal as append_json_string, written at dst, which must have room for
// json_string_bound(s.size()) bytes; returns the end of what it wrote.
char* write_json_string(char* dst, std::string_view s) noexcept;

// Appends (never clears `out`) one complete object:
// {"op":"message","channel":…,"seq":…,"ts":…,"from":{"id","name","role","advocate"},"text":…,
//  "reply_to"?:…,"edited_at"?:…,"solved_seq"?:…,"deleted"?:true,"deleted_by"?:…,
//  "deleted_at"?:…,"reactions"?:[{"emoji":…,"count":…},…]}
// The object is formatted into a buffer sized for its worst case and appended in one piece
// (a std::string append per token cost about three times as much: docs/PERFORMANCE.md).
void write_message_event(std::string& out, const MessageView& m);
// Writes one complete object, the same as above without "op", as the next value of `w`
// (an element of a history page's "messages" array): the braces included.
void write_message_object(JsonWriter& w, const MessageView& m);

// {"op":"error","id"?:…,"code":…,"message":…,"retry_after_ms"?:…}
// retry_after_ms < 0 means absent.
void write_error(std::string& out, std::string_view id_json, ErrorCode code,
                 std::string_view message, std::int64_t retry_after_ms = -1);

// Starts {"op":"ok" and the id when present; the caller adds fields and calls end_object().
JsonWriter& begin_ok(JsonWriter& w, std::string_view id_json);

}  // namespace parley::protocol
