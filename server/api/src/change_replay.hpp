// What a `join` replays of a channel's change log (PROTOCOL.md §3.1, `changes_since`): pure, so
// that the rule is unit-tested (tests/server/change_replay_test.cpp).
#pragma once

#include <cstdint>
#include <optional>

namespace parley::server {

struct ChangeReplay {
  bool reset = false;       // the log no longer holds everything after changes_since: reload
  bool replay = false;      // replay the stored changes numbered above `start`
  std::uint64_t start = 0;  // the last change the client has (or is taken to have)
};

// `since`: the join's changes_since (nullopt: none); `last`: the channel's last change;
// `first`: the oldest change the log still holds (last + 1 when it holds none).
inline ChangeReplay plan_change_replay(std::optional<std::uint64_t> since, std::uint64_t last,
                                       std::uint64_t first) {
  ChangeReplay p;
  p.start = last;
  if (!since || *since >= last) return p;  // nothing asked, or nothing newer (or a reset store)
  if (*since + 1 < first) {
    p.reset = true;  // changes since+1 … first-1 were trimmed
    return p;
  }
  p.replay = true;
  p.start = *since;
  return p;
}

}  // namespace parley::server
