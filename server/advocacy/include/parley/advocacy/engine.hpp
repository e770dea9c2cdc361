// The advocacy engine: who helps, who harms, and how well a community answers itself
// (DESIGN §6). Pure logic: no I/O, no threads, no clock of its own — every call carries `now`
// (ms since the epoch), so tests drive it with a scripted clock.
//
// Facts come in as they happen (messages in support channels, helpful / solved marks, thanks
// reactions, removals, moderation); scores update incrementally per event over day buckets of
// a rolling window (never a recompute over all history). Everything the engine must remember
// across restarts is emitted as key/value mutations (take_mutations) that the caller persists
// in storage and hands back to restore() at start-up.
//
// Thread-safety: none, with one exception. One owner thread calls everything (the server runs
// it on its own strand). is_advocate() may be called from any thread at any time, concurrently
// with the owner's calls: it reads a separate set of effective advocates guarded by a
// std::shared_mutex, which the owner updates (under the exclusive lock) whenever an effective
// flag changes. Everything else, including the other queries, belongs to the owner thread.
//
// Semantics, the persisted key/value encoding and the cost of each call: README.md here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "parley/protocol/types.hpp"

namespace parley::advocacy {

using protocol::Role;

struct Config {
  int window_days = 90;            // rolling window, in UTC days
  double weight_answer = 2;        // an answer to someone else's question
  double weight_helpful = 4;       // an answer marked helpful by the asker or staff
  double weight_solved = 15;       // the accepted answer
  double threshold = 40;           // score needed to become an advocate
  unsigned min_people_helped = 5;  // distinct askers helped in the window
  unsigned min_active_days = 3;    // distinct days with credited help in the window
  double pair_cap = 12;            // points one person can give another per window
  double low_water = 0.9;          // the flag drops only below low_water * threshold
  // Reactions by the asker on an answer that count as a helpful mark (empty = none).
  std::vector<std::string> thanks_reactions = {"\xF0\x9F\x99\x8F", "\xE2\x9D\xA4\xEF\xB8\x8F"};
  // At-risk: weights of moderation signals in the window and the threshold.
  double risk_report_upheld = 3;
  double risk_message_removed = 2;
  double risk_muted = 3;
  double risk_threshold = 6;
};

// What the engine needs to know about a message.
struct MessageFact {
  std::string channel;
  std::uint64_t seq = 0;
  std::string author;
  std::string author_name;
  Role role = Role::customer;
  std::uint64_t reply_to = 0;  // 0 = top-level
  std::int64_t ts = 0;
  bool support = false;  // posted in a support channel
};

// A stored message as Engine::QuestionReplay reads it.
struct StoredPost {
  std::uint64_t seq = 0;
  std::uint64_t reply_to = 0;  // 0 = top-level
  std::string_view author;
  Role role = Role::customer;
  std::int64_t ts = 0;
  std::uint64_t solved = 0;  // on a question: its accepted answer (0 = none)
};

// Looks up an older message (the server reads storage). nullopt if unknown or deleted.
using MessageLookup =
    std::function<std::optional<MessageFact>(const std::string& channel, std::uint64_t seq)>;

// self_credit: a solve's credit names an answer by the asker.
enum class MarkError { none, not_found, not_an_answer, forbidden, self, self_credit };

struct FlagChange {
  std::string user;
  bool advocate = false;
  double score = 0;
};

struct Breakdown {
  std::string user;
  std::string name;
  double score = 0;                // after pair caps
  unsigned answers = 0;            // credited answers in the window
  unsigned helpful = 0;            // credited helpful marks received
  unsigned solved = 0;             // credited accepted answers
  unsigned people_helped = 0;      // distinct askers
  unsigned active_days = 0;        // distinct days with credit
  std::int64_t last_activity = 0;  // ms of the newest credit (0 = none)
  bool advocate = false;           // the effective flag
  bool automatic = false;          // what the automatic rule says
  std::optional<bool> manual;      // staff override (nullopt = automatic)
};

struct RiskBreakdown {
  std::string user;
  std::string name;
  double risk = 0;
  unsigned reports_upheld = 0;
  unsigned messages_removed = 0;
  unsigned mutes = 0;
  std::int64_t last_event = 0;
  bool at_risk = false;
};

struct Insights {
  std::int64_t from = 0, to = 0;       // the window asked for
  unsigned questions = 0;              // top-level messages in support channels
  unsigned answered = 0;               // with at least one reply by someone other than the asker
  unsigned answered_by_customers = 0;  // whose first answer came from a customer (not staff/bot)
  unsigned solved = 0;
  std::optional<std::int64_t> median_first_answer_ms;  // over answered questions
  struct Open {
    std::string channel;
    std::uint64_t seq = 0;
    std::string asker;
    std::int64_t ts = 0;
  };
  std::vector<Open> unanswered;  // oldest first, at most 100
  // The same figures per UTC day, for charts: every day from from's to to's, oldest first
  // (days without questions included, with zeros), each counting the questions asked that day.
  struct Day {
    std::int64_t start = 0;  // ms of the day's 00:00 UTC
    unsigned questions = 0, answered = 0, answered_by_customers = 0, solved = 0;
    std::optional<std::int64_t> median_first_answer_ms;
    bool operator==(const Day&) const = default;
  };
  std::vector<Day> days;
};

// A persistence mutation: put (value set) or delete (value nullopt) of `key`.
struct Mutation {
  std::string key;
  std::optional<std::string> value;
};

class Engine {
 public:
  explicit Engine(Config cfg);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // --- Facts ---
  // Every stored message in a support channel (others are ignored). Credits an answer when it
  // replies (directly, or to a reply in the thread) to a question by someone else, the author
  // is a customer, and it is the author's first answer in that thread.
  void on_message(const MessageFact& m, const MessageLookup& lookup, std::int64_t now);
  // The asker or staff marks an answer helpful / accepts it (solve; a later solve of the same
  // question moves the credit). Returns why it is refused, or none.
  MarkError mark_helpful(const std::string& channel, std::uint64_t seq, const std::string& marker,
                         Role marker_role, const MessageLookup& lookup, std::int64_t now);
  // `credit` (optional): another accepted answer, whose author is credited instead of the
  // answer's own (the caller checked that it is one).
  MarkError mark_solved(const std::string& channel, std::uint64_t seq, const std::string& marker,
                        Role marker_role, const MessageLookup& lookup, std::int64_t now,
                        const MessageFact* credit = nullptr);
  // The question has no accepted answer any more: its solution's credit goes. Returns whether
  // anything changed.
  bool unsolve(const std::string& channel, std::uint64_t question, std::int64_t now);
  // mark_helpful, remembering whether the mark came from a thanks reaction; `created` (if
  // given) says whether a new mark was made.
  MarkError mark_helpful_from(const std::string& channel, std::uint64_t seq,
                              const std::string& marker, Role marker_role,
                              const MessageLookup& lookup, std::int64_t now, bool via_reaction,
                              bool* created);
  // A reaction added by `user`; thanks reactions by the asker on an answer count as helpful.
  // True when it made a new helpful mark (the caller announces it like a `helpful` op).
  bool on_reaction(const std::string& channel, std::uint64_t seq, const std::string& user,
                   const std::string& emoji, const MessageLookup& lookup, std::int64_t now);
  // A reaction removed by `user`: a thanks reaction takes back the helpful mark it made (not a
  // mark made with the `helpful` op, which stays). True when a mark was taken back.
  bool on_unreaction(const std::string& channel, std::uint64_t seq, const std::string& user,
                     const std::string& emoji, std::int64_t now);
  // A message deleted or removed through an upheld report: its credits are revoked.
  void on_message_removed(const std::string& channel, std::uint64_t seq, std::int64_t now);
  // Moderation signals against `user` (at-risk).
  enum class Signal { report_upheld, message_removed, muted };
  void on_signal(const std::string& user, Signal s, std::int64_t now);
  // Staff override: true/false sticks until changed; nullopt returns to automatic.
  void set_manual(const std::string& user, std::optional<bool> advocate, std::int64_t now);
  // An erased user (DESIGN §12): known by `name` from now on, with no staff override. Their
  // credits go with their messages (on_message_removed). No-op for a user the engine does not
  // know.
  void erase_user(const std::string& user, const std::string& name, std::int64_t now);
  // Re-evaluates users whose credits left the window (call about hourly and at start-up).
  void tick(std::int64_t now);

  // --- Results ---
  // Flag changes since the last call (the server sends `advocate` events for them).
  std::vector<FlagChange> take_flag_changes();
  // Mutations to persist since the last call, in order (apply them in this order).
  std::vector<Mutation> take_mutations();
  // Restores state from persisted mutations' current values (key, value), any order. The
  // question table is not among them: follow with a QuestionReplay per support channel.
  void restore(const std::vector<std::pair<std::string, std::string>>& kv, std::int64_t now);
  // The oldest `ts` a question may have to be kept (for insights and thread roots) at `now`:
  // the replay after restore() starts at the first message dated on or after it.
  std::int64_t questions_from(std::int64_t now) const;

  // Questions are not persisted by the engine (their messages are, in storage, and a busy
  // support channel makes every message a question). After restore(), the caller replays one
  // support channel's stored messages dated on or after questions_from(now), in ascending
  // seq order, deleted ones left out; this rebuilds the channel's questions with their
  // earliest replies and accepted answers exactly as on_message and mark_solved built them.
  // Credits are not touched (they were restored). Memory: one small entry per message
  // replayed, freed with the replay.
  class QuestionReplay {
   public:
    QuestionReplay(Engine& engine, std::string channel);
    ~QuestionReplay();
    QuestionReplay(const QuestionReplay&) = delete;
    QuestionReplay& operator=(const QuestionReplay&) = delete;
    void add(const StoredPost& m);

   private:
    Engine& engine_;
    std::string channel_;
    // seq -> (the question at the root of its thread, hops to it), for the messages replayed
    // that are in a known question's thread.
    std::unordered_map<std::uint64_t, std::pair<std::uint64_t, int>> roots_;
  };

  // --- Queries ---
  // The effective flag. Safe from any thread, concurrently with the owner thread (shared lock;
  // reflects every flag change made by a completed owner call).
  bool is_advocate(const std::string& user) const;
  Breakdown breakdown(const std::string& user, std::int64_t now) const;
  // Advocates first then by score, at most `limit` users with any credit or override.
  std::vector<Breakdown> ranked(std::size_t limit, std::int64_t now) const;
  std::vector<RiskBreakdown> at_risk(std::size_t limit, std::int64_t now) const;
  // `channel` empty = all support channels; questions asked in [now - window_ms, now].
  Insights insights(std::int64_t window_ms, const std::string& channel, std::int64_t now) const;

  const Config& config() const { return cfg_; }

  struct State;

 private:
  Config cfg_;
  std::unique_ptr<State> st_;
};

}  // namespace parley::advocacy
