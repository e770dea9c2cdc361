// The configurable word filter: case-insensitive (ASCII) whole-word matches.
//
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace parley::server {

class WordFilter {
 public:
  explicit WordFilter(const std::vector<std::string>& words);

  bool empty() const { return words_.empty(); }
  // The words of `text` that are on the list (lowercased), in order of appearance.
  std::vector<std::string> hits(std::string_view text) const;
  // `text` with every listed word replaced by '*' of the same length.
  std::string mask(std::string_view text) const;

 private:
  template <class F>
  void for_each_word(std::string_view text, F&& f) const;
  std::unordered_set<std::string> words_;
};

}  // namespace parley::server
