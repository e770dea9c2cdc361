#include "parley/ops/word_filter.hpp"

namespace parley::server {

namespace {
// A word is a run of ASCII letters, digits, apostrophes or any non-ASCII byte (so words in
// other scripts stay whole); everything else separates words.
bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' ||
         c >= 0x80;
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
}  // namespace

WordFilter::WordFilter(const std::vector<std::string>& words) {
  for (const auto& w : words) words_.insert(lower(w));
}

template <class F>
void WordFilter::for_each_word(std::string_view text, F&& f) const {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) f(start, i - start);
  }
}

std::vector<std::string> WordFilter::hits(std::string_view text) const {
  std::vector<std::string> out;
  if (words_.empty()) return out;
  for_each_word(text, [&](std::size_t pos, std::size_t len) {
    auto w = lower(text.substr(pos, len));
    if (words_.count(w)) out.push_back(std::move(w));
  });
  return out;
}

std::string WordFilter::mask(std::string_view text) const {
  std::string out(text);
  if (words_.empty()) return out;
  for_each_word(text, [&](std::size_t pos, std::size_t len) {
    if (words_.count(lower(text.substr(pos, len)))) out.replace(pos, len, len, '*');
  });
  return out;
}

}  // namespace parley::server
