#include "parley/search/query.hpp"

#include <cstdint>

#include "parley/protocol/validate.hpp"

namespace parley::search {
namespace {

// Code points in `s`, or nullopt when it is not valid UTF-8 (overlongs, surrogates and values
// above U+10FFFF refused).
std::optional<std::size_t> utf8_chars(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += len;
  }
  return n;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_lower_alpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

void split_words(std::string_view s, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
}

}  // namespace

std::optional<ParsedQuery> parse_query(std::string_view q, std::string* error) {
  auto chars = utf8_chars(q);
  if (!chars) {
    *error = "query is not valid UTF-8";
    return std::nullopt;
  }
  if (*chars > kMaxQueryChars) {
    *error = "query is longer than " + std::to_string(kMaxQueryChars) + " characters";
    return std::nullopt;
  }
  ParsedQuery out;
  auto add_text = [&out](std::string_view piece) {
    if (!out.text.empty()) out.text += ' ';
    out.text += piece;
  };
  std::size_t i = 0;
  while (i < q.size()) {
    if (is_space(q[i])) {
      ++i;
      continue;
    }
    if (q[i] == '"') {
      // A phrase runs to the next quote; an unclosed one to the end of the query.
      std::size_t end = q.find('"', i + 1);
      std::string_view inner =
          q.substr(i + 1, end == std::string_view::npos ? q.npos : end - i - 1);
      i = end == std::string_view::npos ? q.size() : end + 1;
      std::vector<std::string> words;
      split_words(inner, words);
      if (words.empty()) continue;
      std::string phrase = "\"";
      for (std::size_t k = 0; k < words.size(); ++k) phrase += (k ? " " : "") + words[k];
      phrase += '"';
      add_text(phrase);
      for (auto& w : words) out.words.push_back(std::move(w));
      continue;
    }
    std::size_t start = i;
    while (i < q.size() && !is_space(q[i]) && q[i] != '"') ++i;
    std::string_view token = q.substr(start, i - start);
    std::size_t colon = token.find(':');
    if (colon != std::string_view::npos && colon > 0 && is_lower_alpha(token.substr(0, colon)) &&
        colon + 1 < token.size() && token[colon + 1] != '/') {
      std::string_view name = token.substr(0, colon);
      std::string_view value = token.substr(colon + 1);
      if (name == "from") {
        if (!protocol::is_valid_user_id(value)) {
          *error = "from: needs a user id, not \"" + std::string(value) + "\"";
          return std::nullopt;
        }
        out.from.emplace_back(value);
      } else if (name == "in") {
        if (!protocol::is_valid_channel_name(value) && !protocol::is_dm_channel(value)) {
          *error = "in: needs a channel name, not \"" + std::string(value) + "\"";
          return std::nullopt;
        }
        out.in.emplace_back(value);
      } else if (name == "is") {
        if (value != "solved") {
          *error = "unknown filter is:" + std::string(value) + " (only is:solved)";
          return std::nullopt;
        }
        out.solved = true;
      } else {
        *error = "unknown filter " + std::string(name) + ": (filters are from:, in: and is:solved)";
        return std::nullopt;
      }
      continue;
    }
    add_text(token);
    out.words.emplace_back(token);
  }
  if (out.text.empty() && out.from.empty() && out.in.empty() && !out.solved) {
    *error = "empty query";
    return std::nullopt;
  }
  return out;
}

}  // namespace parley::search
