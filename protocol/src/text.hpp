// Internal text helpers shared by the parser and the validators. Not part of the public API.
#pragma once

#include <cstddef>
#include <string_view>

namespace parley::protocol::detail {

// True when `s` (valid UTF-8) is empty or holds only whitespace and invisible separators:
// Unicode White_Space plus the zero-width characters people use to post "blank" messages
// (U+180E, U+200B-U+200D, U+2060, U+FEFF).
bool is_blank(std::string_view s) noexcept;

// The longest prefix of `s` (valid UTF-8) of at most `max_bytes` bytes that does not cut a
// code point in half.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

}  // namespace parley::protocol::detail
