// Building blocks of the value and key layouts in codec.hpp, shared by codec.cpp (messages,
// channels, idempotency, meta) and codec_records.cpp (moderation, reports, audit, users,
// reactions). Private to the codec: nothing else includes this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace parley::storage::codec::io {

inline constexpr char kSeparator = '\0';
inline constexpr char kSeparatorEnd = '\1';

// Timestamps are signed; zigzag keeps small negative values short as well.
constexpr std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Encoder {
 public:
  explicit Encoder(std::uint8_t version) { out_.push_back(static_cast<char>(version)); }

  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void svarint(std::int64_t v) { varint(zigzag(v)); }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  std::string take() && { return std::move(out_); }

 private:
  std::string out_;
};

// Reads fields front to back; the first failure latches, so callers check ok() once at the end
// (every getter returns a harmless zero value after a failure).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  std::uint8_t byte() {
    if (in_.empty()) return fail<std::uint8_t>();
    auto b = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail<std::uint64_t>();
      auto b = static_cast<std::uint8_t>(in_.front());
      in_.remove_prefix(1);
      // The 10th byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) return fail<std::uint64_t>();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail<std::uint64_t>();
  }
  std::int64_t svarint() { return unzigzag(varint()); }
  // A varint that must fit in 32 bits.
  std::uint32_t varint32() {
    std::uint64_t v = varint();
    if (v > 0xffffffffu) return fail<std::uint32_t>();
    return static_cast<std::uint32_t>(v);
  }
  std::string str() { return std::string(str_view()); }
  // The same field without a copy: points into the decoded value.
  std::string_view str_view() {
    std::uint64_t n = varint();
    if (!ok_ || n > in_.size()) return fail<std::string_view>();
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  // The version byte must be one we understand; trailing bytes after known fields are fine.
  bool version(std::uint8_t expected) { return byte() == expected && ok_; }
  // True when every byte has been read: a value written before later fields were appended
  // ends here, and those fields keep their defaults.
  bool done() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }
  // Marks the value as malformed (a field out of range).
  void invalid() { fail<int>(); }
  bool ok() const { return ok_; }

 private:
  template <typename T>
  T fail() {
    ok_ = false;
    in_ = {};
    return T{};
  }

  std::string_view in_;
  bool ok_ = true;
};

inline void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// `in` must hold at least 8 bytes.
inline std::uint64_t get_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}

}  // namespace parley::storage::codec::io
