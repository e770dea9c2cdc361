// WebSocket frames, server side (RFC 6455 §5): parsing what clients send and building the
// headers of what the server sends. Pure (no I/O), header-only so that the libFuzzer target
// (tests/fuzz/fuzz_ws.cpp) and the unit tests use exactly the code ws_session.cpp runs.
//
// What parse() checks: client frames are masked, reserved bits are zero (no extension is ever
// negotiated), opcodes are known, control frames are final and at most 125 bytes, lengths are
// in their shortest encoding, continuations belong to a message and no message starts inside
// another, a close payload is empty or a valid code plus UTF-8, text messages are valid UTF-8,
// and a message is at most `max_message` bytes (checked from the frame header, before the
// payload arrives).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "parley/protocol/validate.hpp"

namespace parley::server::ws {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// RFC 6455 §7.4: the codes a peer may put in a close frame.
inline bool valid_close_code(unsigned c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

// A server frame's header (never masked) for a final frame of `opcode` carrying `len` bytes,
// written to `out` (at least 10 bytes); returns its size.
inline std::size_t frame_header(std::uint8_t opcode, std::uint64_t len, unsigned char* out) {
  out[0] = static_cast<unsigned char>(0x80 | opcode);
  if (len < 126) {
    out[1] = static_cast<unsigned char>(len);
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(len >> 8);
    out[3] = static_cast<unsigned char>(len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
  return 10;
}

// Appends a whole control frame (payload at most 125 bytes) to `out`.
inline void append_control(std::string& out, std::uint8_t opcode, std::string_view payload) {
  unsigned char hdr[10];
  const std::size_t n = frame_header(opcode, payload.size(), hdr);
  out.append(reinterpret_cast<const char*>(hdr), n).append(payload);
}

inline void unmask(char* p, std::size_t len, const unsigned char* key) {
  std::uint32_t k32;
  std::memcpy(&k32, key, 4);
  const std::uint64_t k64 = (static_cast<std::uint64_t>(k32) << 32) | k32;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k64;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < len; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

struct Event {
  enum class Kind : std::uint8_t { message, ping, pong, close, violation };
  Kind kind = Kind::message;
  // message: its data (all fragments); ping/pong: the payload; close: the reason;
  // violation: a short description.
  std::string_view payload;
  bool binary = false;     // message: a binary (not text) message
  std::uint16_t code = 0;  // close: the peer's code (0: none given); violation: the code to
                           // close with (1002 protocol error, 1007 bad UTF-8, 1009 too big)
};

class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message) : max_message_(max_message) {}

  // Handles the complete frames at the start of [data, data + n), unmasking them in place, and
  // calls on(const Event&) for each message (once all its fragments are in), control frame
  // and violation; `on` returns false to stop early. Returns the bytes used: the rest is the
  // start of a frame, to be passed again followed by what arrives next. Nothing is parsed
  // after a close frame or a violation (finished()). Event payloads point into `data` or into
  // this parser, valid until the next call.
  template <class F>
  std::size_t parse(char* data, std::size_t n, F&& on) {
    std::size_t off = 0;
    while (!finished_ && n - off >= 2) {
      auto* p = reinterpret_cast<unsigned char*>(data + off);
      const std::size_t avail = n - off;
      const bool fin = (p[0] & 0x80) != 0;
      const std::uint8_t op = p[0] & 0x0F;
      if ((p[0] & 0x70) != 0) return violation(on, 1002, "reserved bits set"), off;
      if ((p[1] & 0x80) == 0) return violation(on, 1002, "client frame not masked"), off;
      std::uint64_t len = p[1] & 0x7F;
      std::size_t hlen = 2;
      if (len == 126) {
        if (avail < 4) break;
        len = (std::uint64_t{p[2]} << 8) | p[3];
        hlen = 4;
        if (len < 126) return violation(on, 1002, "length not minimally encoded"), off;
      } else if (len == 127) {
        if (avail < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
        hlen = 10;
        if (len >> 63 || len <= 0xFFFF) return violation(on, 1002, "bad frame length"), off;
      }
      if (op >= kClose) {
        if (op > kPong) return violation(on, 1002, "unknown opcode"), off;
        if (!fin || len > 125) return violation(on, 1002, "bad control frame"), off;
      } else {
        if (op > kBinary) return violation(on, 1002, "unknown opcode"), off;
        if (op == kContinuation && !in_message_) {
          return violation(on, 1002, "continuation without a message"), off;
        }
        if (op != kContinuation && in_message_) {
          return violation(on, 1002, "new message inside a fragmented one"), off;
        }
        if (len > max_message_ - msg_.size()) return violation(on, 1009, "message too big"), off;
      }
      hlen += 4;                                      // the masking key
      if (avail < hlen || avail - hlen < len) break;  // the rest has not arrived yet
      char* payload = data + off + hlen;
      const auto plen = static_cast<std::size_t>(len);
      unmask(payload, plen, p + hlen - 4);
      off += hlen + plen;
      if (!frame(on, op, fin, std::string_view(payload, plen))) break;
    }
    return off;
  }

  bool finished() const { return finished_; }

 private:
  // One complete, well-formed frame. Returns whether to go on.
  template <class F>
  bool frame(F& on, std::uint8_t op, bool fin, std::string_view payload) {
    switch (op) {
      case kText:
      case kBinary:
        if (fin) return message(on, payload, op == kBinary);
        in_message_ = true;
        msg_binary_ = op == kBinary;
        msg_.assign(payload);
        return true;
      case kContinuation: {
        msg_.append(payload);
        if (!fin) return true;
        in_message_ = false;
        const bool go_on = message(on, msg_, msg_binary_);
        std::string().swap(msg_);
        return go_on;
      }
      case kPing:
        return on(Event{Event::Kind::ping, payload});
      case kPong:
        return on(Event{Event::Kind::pong, payload});
      default: {  // kClose
        if (payload.size() == 1) return violation(on, 1002, "one-byte close payload"), false;
        std::uint16_t code = 0;
        if (payload.size() >= 2) {
          code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]));
          if (!valid_close_code(code)) return violation(on, 1002, "bad close code"), false;
          payload.remove_prefix(2);
          if (!protocol::utf8_length(payload)) {
            return violation(on, 1007, "close reason not UTF-8"), false;
          }
        }
        finished_ = true;  // nothing may follow a close frame
        on(Event{Event::Kind::close, payload, false, code});
        return false;
      }
    }
  }

  template <class F>
  bool message(F& on, std::string_view data, bool binary) {
    if (!binary && !protocol::utf8_length(data)) {
      return violation(on, 1007, "text message not UTF-8"), false;
    }
    return on(Event{Event::Kind::message, data, binary});
  }

  template <class F>
  void violation(F& on, std::uint16_t code, std::string_view what) {
    finished_ = true;
    on(Event{Event::Kind::violation, what, false, code});
  }

  std::size_t max_message_;
  std::string msg_;  // a fragmented message being assembled
  bool in_message_ = false;
  bool msg_binary_ = false;
  bool finished_ = false;
};

}  // namespace parley::server::ws
