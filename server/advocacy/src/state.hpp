// The engine's in-memory state (private to the advocacy library). Records mirror the persisted
// keys one to one (codec.hpp); per-user aggregates are derived from them and never persisted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "parley/advocacy/engine.hpp"
#include "questions.hpp"

namespace parley::advocacy {
namespace detail {

// Points are kept as integer micro-points so that sums do not depend on the order in which
// credits were added or removed (a restored engine must answer exactly like the original).
using Units = std::int64_t;
constexpr double kUnitsPerPoint = 1e6;
constexpr std::int64_t kDayMs = 86'400'000;

inline std::int64_t day_of(std::int64_t ms) {
  return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs);  // floor
}

enum class Kind : std::uint8_t { answer, helpful, solved };

// One earned contribution, as seen through a record.
struct Credit {
  const std::string* user = nullptr;
  const std::string* giver = nullptr;
  Kind kind = Kind::answer;
  std::int64_t day = 0;
  std::int64_t ts = 0;
};

struct MsgRef {
  std::string channel;
  std::uint64_t seq = 0;
  bool operator==(const MsgRef&) const = default;
};
// Deliberately not noexcept: libstdc++ then stores each node's hash, so a bucket walk in a
// table larger than the caches compares stored hashes instead of re-hashing every node's
// channel name (measured: most of on_message's time on a busy support channel).
struct MsgRefHash {
  std::size_t operator()(const MsgRef& m) const {
    return std::hash<std::string>{}(m.channel) ^ (m.seq * 0x9E3779B97F4A7C15ull);
  }
};

// "a": the author's credited (first) answer in a thread. Also the first-answer marker.
struct AnswerRec {
  std::string channel;
  std::uint64_t root = 0, seq = 0;
  std::string author, asker;
  std::int64_t ts = 0;
};
// "h": a helpful mark by `marker` on an answer; earned = it carries points.
struct HelpfulRec {
  std::string channel;
  std::uint64_t seq = 0;
  std::string marker, author;
  bool earned = false;
  std::int64_t ts = 0;
  bool via_reaction = false;  // made by a thanks reaction (taken back when it is removed)
};
// "s": the accepted answer of the question `root`; earned = it carries points.
struct SolutionRec {
  std::string channel;
  std::uint64_t root = 0, seq = 0;
  std::string author, asker;
  bool earned = false;
  std::int64_t ts = 0;
};
// "r": moderation signals against a user on one day.
struct RiskDay {
  unsigned reports = 0, removed = 0, mutes = 0;
  std::int64_t last = 0;
};

// The credits of one user on one day: their timestamps, sorted (for the last activity).
struct DayAgg {
  std::vector<std::int64_t> stamps;
};

// What one giver has given one user in the window.
struct PairAgg {
  Units points = 0;      // before the pair cap
  unsigned credits = 0;  // all kinds
  unsigned answers = 0;  // answer credits: the giver is an asker this user helped
};

// A user's credits in the window, aggregated (updated per credit, O(log n)).
struct Agg {
  Units score = 0;      // sum over givers of min(points, pair cap)
  unsigned people = 0;  // givers with answers > 0: distinct askers helped
  std::unordered_map<std::string, PairAgg> pairs;  // giver -> what they gave
  std::map<std::int64_t, DayAgg> days;             // day -> credits
  unsigned answers = 0, helpful = 0, solved = 0;
  std::int64_t last_activity() const {
    return days.empty() ? 0 : days.rbegin()->second.stamps.back();
  }
};

struct User {
  std::string name;
  std::optional<bool> manual;
  bool automatic = false;  // the hysteresis state ("f" record when true)
  bool effective = false;
  Agg agg;
};

}  // namespace detail

struct Engine::State {
  std::unordered_map<std::string, detail::User> users;
  std::unordered_map<std::string, detail::AnswerRec> answers;      // key -> record
  std::unordered_map<std::string, detail::HelpfulRec> helpful;     // key -> record
  std::unordered_map<std::string, detail::SolutionRec> solutions;  // key -> record
  std::unordered_set<std::string> day_marks;                       // "g" keys
  std::unordered_map<std::string, std::map<std::int64_t, detail::RiskDay>> risk;
  // Questions by (channel, seq) and in (ts, channel, seq) order. Their askers point at the
  // keys of `users`, which are never erased (restore() clears both).
  detail::QuestionTable questions;

  // Keys of the records that reference a message as an answer ("a", "h", "s") or as a reply
  // or the solution of a question ("q", in memory only): what on_message_removed must visit.
  std::unordered_map<detail::MsgRef, std::vector<std::string>, detail::MsgRefHash> by_msg;
  // Day -> keys of dated records ("a", "h", "s", "g", "r") that leave the window after it.
  // Entries may be stale (record revoked or re-dated); expiry checks the record's day.
  std::map<std::int64_t, std::vector<std::string>> expiry;
  // Records dated on or before this day are gone (the window was advanced through it).
  std::int64_t cutoff = INT64_MIN;
  std::int64_t question_cutoff = INT64_MIN;

  std::vector<Mutation> mutations;
  std::vector<FlagChange> changes;

  mutable std::shared_mutex advocates_mu;
  std::unordered_set<std::string> advocates;  // effective flags, for is_advocate()
  // A filter in front of the lock: is_advocate() runs for every message sent, on every I/O
  // thread, and a shared lock is a write to one cache line they all share. Bit
  // advocate_bit(id) is set for every id in `advocates` (and may linger for former ones until
  // the next removal recomputes the words), so a clear bit answers "no" with one relaxed load.
  // Changed only under the exclusive lock, never clearing a bit of a current advocate.
  static constexpr std::size_t kFilterWords = 64;  // 4096 bits
  std::array<std::atomic<std::uint64_t>, kFilterWords> advocate_filter{};
  static std::size_t advocate_bit(std::string_view id) {
    return std::hash<std::string_view>{}(id) % (kFilterWords * 64);
  }
};

}  // namespace parley::advocacy
