// Internal text helpers shared by the parser and the validators. Not part of the public API.
#pragma once

#include <cstddef>
#include <string_view>

namespace parley::protocol::detail {

// True when `s` (valid UTF-8) is empty or holds only whitespace and invisible separators:
// Unicode White_Space plus the zero-width characters people use to post "blank" messages
// (U+180E, U+200B-U+200D, U+2060, U+FEFF).
bool is_blank(std::string_view s) noexcept;

// True when `s` holds a C0 control character, DEL or a C1 control character (U+0080-U+009F),
// or is not valid UTF-8.
bool has_control_char(std::string_view s) noexcept;

// Reaction emoji are short and opaque (a sequence may join several code points with ZWJ and
// variation selectors), so the rule is byte-based.
inline constexpr std::size_t kMaxEmojiBytes = 32;

// True when `s` is 1-kMaxEmojiBytes bytes of valid UTF-8 with no ASCII whitespace, no control
// character (C0, DEL, C1) and no U+2028/U+2029.
bool is_valid_emoji(std::string_view s) noexcept;

// The longest prefix of `s` (valid UTF-8) of at most `max_bytes` bytes that does not cut a
// code point in half.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

}  // namespace parley::protocol::detail
