// The search query language (DESIGN §9): words, "phrases", from:USER, in:CHANNEL, is:solved.
// Pure: no I/O, no Xapian; what the user typed in, a typed query or a message saying what is
// wrong out. The words and phrases are handed to Xapian's QueryParser by the index.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::search {

// Longest query accepted, in Unicode code points.
inline constexpr std::size_t kMaxQueryChars = 256;

struct ParsedQuery {
  // The words and "phrases", in order, quotes kept: what Xapian's QueryParser reads.
  std::string text;
  // Each word of `text` as typed (phrases split into their words), for snippets.
  std::vector<std::string> words;
  std::vector<std::string> from;  // from:USER, any of them (user ids)
  std::vector<std::string> in;    // in:CHANNEL, any of them (channel names)
  bool solved = false;  // is:solved: only questions with an accepted answer, and those answers
};

// Parses `q`. On bad input returns nullopt and sets *error to a sentence for the client:
// an empty query (nothing but spaces, or quotes with nothing inside), one over kMaxQueryChars,
// invalid UTF-8, an unknown filter (`name:value` where name is not from, in or is), `is:`
// with anything but `solved`, a `from:` that is not a valid user id or an `in:` that is not a
// valid channel name. A word with a colon whose value starts with '/' (a URL) is a word.
std::optional<ParsedQuery> parse_query(std::string_view q, std::string* error);

}  // namespace parley::search
