#include "parley/protocol/validate.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "text.hpp"

namespace parley::protocol {
namespace {

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxDisplayNameChars = 64;
constexpr std::string_view kDmPrefix = "dm:";

constexpr bool is_lower_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

constexpr bool is_user_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

inline bool is_cont(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// Decodes one code point starting at s[i] (which must not be ASCII) per Unicode Table 3-7
// ("well-formed UTF-8 byte sequences"): this rejects overlongs (C0, C1, E0 80..9F, F0 80..8F),
// surrogates (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and truncated
// sequences. Returns the sequence length (2-4) and the code point, or 0 when ill-formed.
std::size_t decode_multibyte(const unsigned char* p, std::size_t left, char32_t& cp) noexcept {
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) {
    if (left < 2 || !is_cont(p[1])) return 0;
    cp = (char32_t(c & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !is_cont(p[1]) || !is_cont(p[2])) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogate
    cp = (char32_t(c & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !is_cont(p[1]) || !is_cont(p[2]) || !is_cont(p[3])) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    cp = (char32_t(c & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) | (char32_t(p[2] & 0x3F) << 6) |
         (p[3] & 0x3F);
    return 4;
  }
  return 0;  // stray continuation byte, C0/C1 overlong lead, or F5..FF
}

bool is_blank_code_point(char32_t cp) noexcept {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200D;  // en quad .. hair space, ZWSP, ZWNJ, ZWJ
  }
}

}  // namespace

bool is_valid_channel_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNameBytes || !is_lower_alnum(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_valid_user_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxNameBytes) return false;
  for (char c : id) {
    if (!is_user_id_char(c)) return false;
  }
  return true;
}

std::optional<std::pair<std::string_view, std::string_view>> dm_members(
    std::string_view name) noexcept {
  if (name.substr(0, kDmPrefix.size()) != kDmPrefix) return std::nullopt;
  const std::string_view rest = name.substr(kDmPrefix.size());
  // User ids never contain ':', so the first ':' is the only valid separator; a second one
  // makes `b` an invalid id below.
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view a = rest.substr(0, colon);
  const std::string_view b = rest.substr(colon + 1);
  if (!is_valid_user_id(a) || !is_valid_user_id(b) || !(a < b)) return std::nullopt;
  return std::pair{a, b};
}

bool is_dm_channel(std::string_view name) noexcept { return dm_members(name).has_value(); }

std::string dm_channel_name(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string out;
  out.reserve(kDmPrefix.size() + a.size() + 1 + b.size());
  out.append(kDmPrefix).append(a).append(1, ':').append(b);
  return out;
}

std::optional<std::size_t> utf8_length(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::size_t count = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes at a time (most chat text is mostly ASCII).
    if (n - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        count += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
    } else {
      char32_t cp;
      const std::size_t len = decode_multibyte(p + i, n - i, cp);
      if (len == 0) return std::nullopt;
      i += len;
    }
    ++count;
  }
  return count;
}

bool is_valid_display_name(std::string_view name) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(name.data());
  const std::size_t n = name.size();
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++count) {
    char32_t cp = p[i];
    std::size_t len = 1;
    if (cp >= 0x80) {
      len = decode_multibyte(p + i, n - i, cp);
      if (len == 0) return false;
    }
    // C0 controls, DEL and C1 controls: they break rendering and logs.
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    i += len;
  }
  // A name made only of spaces or zero-width characters would be invisible in the UI.
  return count >= 1 && count <= kMaxDisplayNameChars && !detail::is_blank(name);
}

bool is_valid_email(std::string_view email) noexcept {
  const std::size_t at = email.rfind('@');
  if (email.size() > 254 || at == std::string_view::npos) return false;
  const std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64) return false;
  for (char c : local) {
    if (c <= 0x20 || c >= 0x7F ||
        std::string_view(R"("(),:;<>@[\])").find(c) != std::string_view::npos) {
      return false;
    }
  }
  std::size_t labels = 0;
  std::string_view rest = domain;
  for (;;) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  return labels >= 2;
}

namespace detail {

bool is_blank(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    char32_t cp = p[i];
    std::size_t len = 1;
    if (cp >= 0x80) {
      len = decode_multibyte(p + i, n - i, cp);
      if (len == 0) return false;  // not valid UTF-8, so certainly not "blank"
    }
    if (!is_blank_code_point(cp)) return false;
    i += len;
  }
  return true;
}

namespace {

// Walks the code points of `s`, calling `reject(cp)` on each; false as soon as it returns true
// or the UTF-8 is ill-formed.
template <class Reject>
bool all_code_points_pass(std::string_view s, Reject reject) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    char32_t cp = p[i];
    std::size_t len = 1;
    if (cp >= 0x80) {
      len = decode_multibyte(p + i, n - i, cp);
      if (len == 0) return false;
    }
    if (reject(cp)) return false;
    i += len;
  }
  return true;
}

// C0 controls, DEL and C1 controls.
constexpr bool is_control(char32_t cp) noexcept { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

}  // namespace

bool has_control_char(std::string_view s) noexcept { return !all_code_points_pass(s, is_control); }

bool is_valid_emoji(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxEmojiBytes) return false;
  // ASCII whitespace other than the space is already a control character. U+2028/U+2029 would
  // break lines wherever a reaction is shown.
  return all_code_points_pass(
      s, [](char32_t cp) { return is_control(cp) || cp == 0x20 || cp == 0x2028 || cp == 0x2029; });
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  // Back up over continuation bytes so the cut lands on a code point boundary.
  while (end > 0 && is_cont(static_cast<unsigned char>(s[end]))) --end;
  return s.substr(0, end);
}

}  // namespace detail
TextMentions find_mentions(std::string_view text, std::size_t max_users) {
  TextMentions out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '@' || (i > 0 && is_user_id_char(text[i - 1]))) continue;
    std::size_t end = i + 1;
    while (end < text.size() && is_user_id_char(text[end])) ++end;
    std::string_view id = text.substr(i + 1, end - i - 1);
    while (!id.empty() && id.back() == '.') id.remove_suffix(1);
    i = end - 1;  // the run is consumed: an '@' inside it starts no mention
    // A run that goes on with a non-ASCII character is part of a longer word ("@josé" does
    // not mention "jos"): no mention, rather than the wrong one.
    if (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) continue;
    if (id == "here") {
      out.here = true;
      continue;
    }
    if (!is_valid_user_id(id) || out.users.size() >= max_users) continue;
    if (std::find(out.users.begin(), out.users.end(), id) == out.users.end()) {
      out.users.emplace_back(id);
    }
  }
  return out;
}

}  // namespace parley::protocol
