// The ledger: every change to the engine's records goes through here, so that the record
// maps, the per-message and expiry indexes, the per-user aggregates and the emitted mutations
// stay in step. Private to the advocacy library; used for one engine call at a time.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state.hpp"

namespace parley::advocacy::detail {

Units to_units(double points);

class Ledger {
 public:
  // persist = false while restoring: records are loaded without emitting mutations.
  Ledger(Engine::State& st, const Config& cfg, bool persist = true)
      : st_(st), cfg_(cfg), persist_(persist) {}

  void set_persist(bool on) { persist_ = on; }
  void put(std::string key, std::string value);
  void del(std::string key);

  User& user(const std::string& id);
  // The users table's own copy of `id` (adding the user): it lives as long as the engine's
  // state, so records may point at it instead of copying it.
  const std::string& user_id(const std::string& id);
  // Notes the user's latest display name; returns user_id(id).
  const std::string& note_name(const std::string& id, const std::string& name);

  // Records. add_* insert a new record (its key must be absent); remove_* take its key and
  // revoke its credit, if any. Users whose credits changed are kept for settle().
  void add_answer(AnswerRec r);
  void add_answer(std::string key, AnswerRec r);  // `key` = codec::answer_key(r)
  void remove_answer(const std::string& key);
  void add_helpful(HelpfulRec r);
  void remove_helpful(const std::string& key);
  void add_solution(SolutionRec r);
  void remove_solution(const std::string& key);
  void add_day_mark(std::string key, std::int64_t day);
  // Records a new question at (channel, seq) asked by `asker` (a user_id()) with the accepted
  // answer `solved` (0 = none); false (and nothing changes) if it is already known. Questions
  // live in memory only (the messages are in storage; Engine::QuestionReplay rebuilds them).
  bool add_question(const std::string& channel, std::uint64_t seq, const std::string& asker,
                    std::int64_t ts, std::uint64_t solved = 0);
  // The helpful mark under `key` (which must exist) no longer goes with a reaction.
  void set_helpful_explicit(const std::string& key);
  // `channel` is a QuestionTable channel id.
  void remove_question(std::uint32_t channel, std::uint64_t seq);
  // Keeps the message references of `q` (at channel id, seq) in step after a change:
  // `added` (0 = none) is a reply or solution it now references, `old_solved` the solution it
  // referenced before.
  void track_question(std::uint32_t channel, std::uint64_t seq, const QuestionRec& q,
                      std::uint64_t old_solved, std::uint64_t added);
  void add_signal(const std::string& user, Engine::Signal s, std::int64_t now);

  void ref(const MsgRef& msg, const std::string& key);
  void unref(const MsgRef& msg, const std::string& key);

  // Rolls the window forward to `now`: expired records are deleted and their users
  // re-evaluated. Cheap when nothing is due (two cut-off days are compared).
  void advance(std::int64_t now);
  // Re-evaluates every user touched since the last settle().
  void settle();
  void discard_touched() { touched_.clear(); }
  // Applies the automatic rule (with hysteresis) and the manual override to one user.
  void evaluate(const std::string& id);
  void evaluate(const std::string& id, User& u);
  // Sets the effective flag silently (restore) or with a FlagChange.
  void set_effective(const std::string& id, User& u, bool on, bool announce);

 private:
  void credit(const Credit& c, int sign);
  void schedule(std::int64_t day, const std::string& key);
  void touch(const std::string& id, User& u);
  void expire(const std::string& key, std::int64_t day);

  Engine::State& st_;
  const Config& cfg_;
  bool persist_;
  // Users whose credits changed: their id and record in the users table (never erased while
  // a ledger is in use), so settle() neither copies ids nor looks them up again.
  std::vector<std::pair<const std::string*, User*>> touched_;
};

// Points of one credit of `kind` under `cfg`.
Units weight(const Config& cfg, Kind kind);
// Adds (sign = +1) or removes (-1) one credit to a user's aggregate.
void apply(Agg& a, const Credit& c, int sign, const Config& cfg);
// The credit carried by the dated record `key`, if it exists, is earned and dated `day`.
std::optional<Credit> credit_of(const Engine::State& st, const std::string& key, std::int64_t day);
// The cut-off day at `now`: credits dated on or before it are outside the window.
inline std::int64_t window_cutoff(const Config& cfg, std::int64_t now) {
  return day_of(now) - cfg.window_days;
}
// The question cut-off day at `now`: questions are kept for max(window, 30 days), for
// insights; those dated on or before it are dropped.
inline std::int64_t question_cutoff(const Config& cfg, std::int64_t now) {
  return day_of(now) - std::max(cfg.window_days, 30);
}

}  // namespace parley::advocacy::detail
