// Snippets: a short, HTML-escaped extract of a message with the words that matched the query
// in <mark>…</mark>. Written here rather than taken from Xapian::MSet::snippet(): Xapian
// before 1.4.32 (Debian 12 ships 1.4.22) escapes HTML incompletely there, and a snippet is
// put into pages as HTML. Pure: no I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace parley::search {

// Escapes &, <, >, " and ' for HTML text and attribute values.
void append_html_escaped(std::string& out, std::string_view text);

// The extract of `text` (valid UTF-8) around its first matching word, at most about
// `max_chars` code points of the text (word boundaries kept; "…" where it was cut), every
// character HTML-escaped and every word for which `matches(word)` is true wrapped in
// <mark>…</mark>. Words are runs of letters, digits and connecting marks (Unicode).
std::string make_snippet(std::string_view text,
                         const std::function<bool(std::string_view)>& matches,
                         std::size_t max_chars = 200);

}  // namespace parley::search
