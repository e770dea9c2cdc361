// Where a message sits in a support thread: its question (thread root) and the asker, and
// the checks shared by the helpful / solved marks. Private to the advocacy library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "state.hpp"

namespace parley::advocacy::detail {

// Bound on reply_to hops from a message to its thread root.
constexpr int kMaxThreadDepth = 32;

struct Root {
  std::uint64_t seq = 0;
  std::string asker;  // the root's author
};

// The top-level message above `reply_to` in `channel`, following reply_to through the known
// questions and `lookup`; nullopt if a link is missing or the chain is deeper than the bound.
std::optional<Root> find_root(const Engine::State& st, const std::string& channel,
                              std::uint64_t reply_to, const MessageLookup& lookup);

// An answer that may be marked: the message, its question and the asker.
struct Target {
  MessageFact answer;
  Root root;
};

// The checks of mark_helpful / mark_solved, in order: not_found, not_an_answer, forbidden,
// self. Returns the target when the mark is allowed.
std::variant<MarkError, Target> check_mark(const Engine::State& st, const std::string& channel,
                                           std::uint64_t seq, const std::string& marker,
                                           Role marker_role, const MessageLookup& lookup);

}  // namespace parley::advocacy::detail
