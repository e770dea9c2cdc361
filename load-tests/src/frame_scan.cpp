#include "frame_scan.hpp"

namespace parley::load {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }
  bool eat(char c) {
    ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  char peek() {
    ws();
    return p_ < end_ ? *p_ : '\0';
  }

  // A string literal; `out` is its raw content between the quotes.
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    while (p_ < end_) {
      char c = *p_;
      if (c == '\\') {
        p_ += 2;
        continue;
      }
      if (c == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      ++p_;
    }
    return false;
  }

  // A number; integral part only (fraction and exponent are skipped). `integral` is false when
  // it had a fraction or exponent.
  bool number(std::int64_t& out, bool* integral = nullptr) {
    ws();
    bool neg = false;
    if (p_ < end_ && *p_ == '-') {
      neg = true;
      ++p_;
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    std::uint64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') v = v * 10 + static_cast<unsigned>(*p_++ - '0');
    bool whole = true;
    while (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E' || *p_ == '+' || *p_ == '-' ||
                         (*p_ >= '0' && *p_ <= '9'))) {
      whole = false;
      ++p_;
    }
    if (integral) *integral = whole;
    out = neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
    return true;
  }

  bool literal(std::string_view word) {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return false;
    if (std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // Skips any value; containers by nesting depth.
  bool skip() {
    char c = peek();
    if (c == '"') {
      std::string_view s;
      return string(s);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (p_ < end_) {
        char d = *p_;
        if (d == '"') {
          std::string_view s;
          if (!string(s)) return false;
          continue;
        }
        ++p_;
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    std::int64_t n;
    return number(n);
  }

  // Iterates an object's members: fn(key, cursor) must consume the value and return false on
  // a malformed value.
  template <class Fn>
  bool object(Fn&& fn) {
    if (!eat('{')) return false;
    if (eat('}')) return true;
    for (;;) {
      std::string_view key;
      if (!string(key) || !eat(':')) return false;
      if (!fn(key)) return false;
      if (eat(',')) continue;
      return eat('}');
    }
  }

 private:
  const char* p_;
  const char* end_;
};

bool unsigned_field(Cursor& c, std::uint64_t& out) {
  std::int64_t v;
  if (!c.number(v)) return false;
  out = v < 0 ? 0 : static_cast<std::uint64_t>(v);
  return true;
}

// A string field; other value types are skipped and leave `out` empty.
bool string_field(Cursor& c, std::string_view& out) {
  if (c.peek() != '"') return c.skip();
  return c.string(out);
}

bool scan_messages(Cursor& c, Frame& f) {
  if (c.peek() != '[') return c.skip();
  c.eat('[');
  f.messages = 0;
  if (c.eat(']')) return true;
  for (;;) {
    std::uint64_t seq = 0;
    if (c.peek() == '{') {
      bool ok = c.object([&](std::string_view key) {
        if (key == "seq") return unsigned_field(c, seq);
        return c.skip();
      });
      if (!ok) return false;
    } else if (!c.skip()) {
      return false;
    }
    if (f.messages == 0) {
      f.first_msg_seq = seq;
    } else if (seq != f.last_msg_seq + 1) {
      f.contiguous = false;
    }
    f.last_msg_seq = seq;
    ++f.messages;
    if (c.eat(',')) continue;
    return c.eat(']');
  }
}

}  // namespace

bool scan_frame(std::string_view json, Frame& f) {
  Cursor c(json);
  bool ok = c.object([&](std::string_view key) {
    switch (key.size()) {
      case 2:
        if (key == "op") return string_field(c, f.op);
        if (key == "id") {
          if (c.peek() != '-' && (c.peek() < '0' || c.peek() > '9')) return c.skip();
          bool integral = true;
          if (!c.number(f.id, &integral)) return false;
          if (!integral) f.id = -1;
          return true;
        }
        if (key == "ts") return c.number(f.ts);
        break;
      case 3:
        if (key == "seq") return unsigned_field(c, f.seq);
        break;
      case 4:
        if (key == "code") return string_field(c, f.code);
        if (key == "text") return string_field(c, f.text);
        break;
      case 7:
        if (key == "channel") return string_field(c, f.channel);
        break;
      case 8:
        if (key == "last_seq") {
          f.has_last_seq = true;
          return unsigned_field(c, f.last_seq);
        }
        if (key == "messages") return scan_messages(c, f);
        if (key == "has_more") {
          if (c.literal("true")) {
            f.has_more = true;
            return true;
          }
          return c.skip();
        }
        break;
      default:
        break;
    }
    return c.skip();
  });
  return ok && c.at_end();
}

}  // namespace parley::load
