#include "parley/search/snippet.hpp"

#include <xapian.h>

#include <vector>

namespace parley::search {

void append_html_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

namespace {

struct Word {
  std::size_t begin = 0, end = 0;  // byte offsets into the text
  std::size_t char_begin = 0;      // code point offset of begin
  bool match = false;
};

}  // namespace

std::string make_snippet(std::string_view text,
                         const std::function<bool(std::string_view)>& matches,
                         std::size_t max_chars) {
  // Find the words (Xapian's notion of a word character, as the indexer's) and the code point
  // offset of every byte that starts one.
  std::vector<Word> words;
  std::vector<std::size_t> char_at;  // byte offset of each code point
  char_at.reserve(text.size());
  Xapian::Utf8Iterator it(text.data(), text.size()), end;
  bool in_word = false;
  Word w;
  for (; it != end; ++it) {
    const std::size_t byte = static_cast<std::size_t>(it.raw() - text.data());
    const bool wc = Xapian::Unicode::is_wordchar(*it);
    if (wc && !in_word) {
      w = Word{byte, 0, char_at.size(), false};
      in_word = true;
    } else if (!wc && in_word) {
      w.end = byte;
      words.push_back(w);
      in_word = false;
    }
    char_at.push_back(byte);
  }
  if (in_word) {
    w.end = text.size();
    words.push_back(w);
  }
  const std::size_t total = char_at.size();
  std::size_t first_match = words.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i].match = matches(text.substr(words[i].begin, words[i].end - words[i].begin));
    if (words[i].match && first_match == words.size()) first_match = i;
  }

  // The window: the whole text if it fits; else from a word about a quarter of the window
  // before the first match (or the start), up to max_chars code points, cut at a word end.
  std::size_t from_char = 0, to_char = total;
  if (total > max_chars) {
    if (first_match < words.size()) {
      const std::size_t m = words[first_match].char_begin;
      std::size_t want = m > max_chars / 4 ? m - max_chars / 4 : 0;
      // Start at the first word that begins at or after `want` (never after the match).
      for (const auto& wd : words) {
        if (wd.char_begin >= want) {
          from_char = std::min(wd.char_begin, m);
          break;
        }
      }
      if (total - from_char < max_chars) from_char = total - max_chars;
    }
    to_char = std::min(total, from_char + max_chars);
    if (to_char < total) {
      // Back to the end of the last word that ends inside the window, if one does.
      const std::size_t to_byte = char_at[to_char];
      std::size_t best = 0;
      for (const auto& wd : words) {
        if (wd.end <= to_byte && wd.begin >= char_at[from_char]) best = std::max(best, wd.end);
      }
      if (best > char_at[from_char]) {
        std::size_t c = to_char;
        while (c > from_char && char_at[c - 1] >= best) --c;
        to_char = c;
      }
    }
  }
  const std::size_t from_byte = from_char < total ? char_at[from_char] : text.size();
  const std::size_t to_byte = to_char < total ? char_at[to_char] : text.size();

  std::string out;
  out.reserve((to_byte - from_byte) + 64);
  if (from_byte > 0) out += "\u2026";
  std::size_t pos = from_byte;
  for (const auto& wd : words) {
    if (!wd.match || wd.begin < from_byte || wd.end > to_byte) continue;
    append_html_escaped(out, text.substr(pos, wd.begin - pos));
    out += "<mark>";
    append_html_escaped(out, text.substr(wd.begin, wd.end - wd.begin));
    out += "</mark>";
    pos = wd.end;
  }
  append_html_escaped(out, text.substr(pos, to_byte - pos));
  if (to_byte < text.size()) out += "\u2026";
  return out;
}

}  // namespace parley::search
