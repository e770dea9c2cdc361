// Facts: each call rolls the window to `now`, updates the records through the ledger and
// re-evaluates the users whose credits changed. Semantics: README.md.
#include "parley/advocacy/engine.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

#include "codec.hpp"
#include "ledger.hpp"
#include "state.hpp"
#include "thread.hpp"

namespace parley::advocacy {

using detail::day_of;
using detail::Ledger;
using detail::MsgRef;

Engine::Engine(Config cfg) : cfg_(std::move(cfg)), st_(std::make_unique<State>()) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::on_message(const MessageFact& m, const MessageLookup& lookup, std::int64_t now) {
  if (!m.support) return;  // the common case on a busy server: nothing to do
  Ledger L(*st_, cfg_);
  L.advance(now);
  const std::string& author = L.note_name(m.author, m.author_name);
  if (m.reply_to == 0) {
    if (day_of(m.ts) > st_->question_cutoff) L.add_question(m.channel, m.seq, author, m.ts);
    return;
  }
  auto root = detail::find_root(*st_, m.channel, m.reply_to, lookup);
  if (!root || root->asker == m.author) return;  // not in a thread, or the asker's own reply

  // Insights: the question's earliest replies by someone other than the asker.
  if (auto ch = st_->questions.channel_id(m.channel)) {
    if (auto* q = st_->questions.find(*ch, root->seq);
        q != nullptr && q->add_reply({m.seq, m.ts, m.role == Role::customer})) {
      L.track_question(*ch, root->seq, *q, q->solved, m.seq);
    }
  }

  // The answer credit: customers only, the first answer per author and thread.
  if (m.role != Role::customer || day_of(m.ts) <= st_->cutoff) return;
  detail::AnswerRec rec{m.channel, root->seq, m.seq, m.author, root->asker, m.ts};
  std::string key = codec::answer_key(rec);
  if (st_->answers.contains(key)) return;
  L.add_answer(std::move(key), std::move(rec));
  L.settle();
}

MarkError Engine::mark_helpful(const std::string& channel, std::uint64_t seq,
                               const std::string& marker, Role marker_role,
                               const MessageLookup& lookup, std::int64_t now) {
  return mark_helpful_from(channel, seq, marker, marker_role, lookup, now, false, nullptr);
}

MarkError Engine::mark_helpful_from(const std::string& channel, std::uint64_t seq,
                                    const std::string& marker, Role marker_role,
                                    const MessageLookup& lookup, std::int64_t now,
                                    bool via_reaction, bool* created) {
  if (created != nullptr) *created = false;
  Ledger L(*st_, cfg_);
  L.advance(now);
  auto checked = detail::check_mark(*st_, channel, seq, marker, marker_role, lookup);
  if (auto* e = std::get_if<MarkError>(&checked)) return *e;
  auto& t = std::get<detail::Target>(checked);
  if (auto it = st_->helpful.find(codec::helpful_key(channel, seq, marker));
      it != st_->helpful.end()) {
    // An explicit mark over one made by a reaction: it no longer goes with the reaction.
    if (!via_reaction && it->second.via_reaction) L.set_helpful_explicit(it->first);
    return MarkError::none;
  }

  // Only a mark that could earn uses up the marker's one earning mark of the day.
  bool earned = false;
  if (t.answer.role == Role::customer) {
    const std::int64_t today = day_of(now);
    std::string day_key = codec::day_mark_key(marker, today);
    if (!st_->day_marks.contains(day_key)) {
      L.add_day_mark(std::move(day_key), today);
      earned = true;
    }
  }
  L.add_helpful({channel, seq, marker, t.answer.author, earned, now, via_reaction});
  L.settle();
  if (created != nullptr) *created = true;
  return MarkError::none;
}

MarkError Engine::mark_solved(const std::string& channel, std::uint64_t seq,
                              const std::string& marker, Role marker_role,
                              const MessageLookup& lookup, std::int64_t now,
                              const MessageFact* credit) {
  Ledger L(*st_, cfg_);
  L.advance(now);
  auto checked = detail::check_mark(*st_, channel, seq, marker, marker_role, lookup);
  if (auto* e = std::get_if<MarkError>(&checked)) return *e;
  auto& t = std::get<detail::Target>(checked);
  // Who earns: the answer's author, or the credited one (never the asker: no self-credit).
  const MessageFact& earner = credit != nullptr ? *credit : t.answer;
  if (credit != nullptr && credit->author == t.root.asker) return MarkError::self_credit;

  const std::string key = codec::solution_key(channel, t.root.seq);
  if (auto it = st_->solutions.find(key); it != st_->solutions.end()) {
    if (it->second.seq == seq && it->second.author == earner.author) return MarkError::none;
    L.remove_solution(key);  // the credit moves to the new answer
  }
  // The giver is the asker even when staff accepts the answer.
  L.add_solution(
      {channel, t.root.seq, seq, earner.author, t.root.asker, earner.role == Role::customer, now});
  if (auto ch = st_->questions.channel_id(channel)) {
    if (auto* q = st_->questions.find(*ch, t.root.seq)) {
      const std::uint64_t old = q->solved;
      q->solved = seq;
      L.track_question(*ch, t.root.seq, *q, old, seq);
    }
  }
  L.settle();
  return MarkError::none;
}

bool Engine::unsolve(const std::string& channel, std::uint64_t question, std::int64_t now) {
  Ledger L(*st_, cfg_);
  L.advance(now);
  bool changed = false;
  const std::string key = codec::solution_key(channel, question);
  if (st_->solutions.contains(key)) {
    L.remove_solution(key);
    changed = true;
  }
  if (auto ch = st_->questions.channel_id(channel)) {
    if (auto* q = st_->questions.find(*ch, question); q != nullptr && q->solved != 0) {
      const std::uint64_t old = q->solved;
      q->solved = 0;
      L.track_question(*ch, question, *q, old, 0);
      changed = true;
    }
  }
  L.settle();
  return changed;
}

bool Engine::on_reaction(const std::string& channel, std::uint64_t seq, const std::string& user,
                         const std::string& emoji, const MessageLookup& lookup, std::int64_t now) {
  const auto& thanks = cfg_.thanks_reactions;
  if (std::find(thanks.begin(), thanks.end(), emoji) == thanks.end()) return false;
  // Exactly a helpful mark by the asker: with a customer role, anyone else is refused.
  bool created = false;
  (void)mark_helpful_from(channel, seq, user, Role::customer, lookup, now, true, &created);
  return created;
}

bool Engine::on_unreaction(const std::string& channel, std::uint64_t seq, const std::string& user,
                           const std::string& emoji, std::int64_t now) {
  const auto& thanks = cfg_.thanks_reactions;
  if (std::find(thanks.begin(), thanks.end(), emoji) == thanks.end()) return false;
  const std::string key = codec::helpful_key(channel, seq, user);
  auto it = st_->helpful.find(key);
  if (it == st_->helpful.end() || !it->second.via_reaction) return false;
  Ledger L(*st_, cfg_);
  L.advance(now);
  L.remove_helpful(key);  // the day's earning mark stays used: no re-earning by re-reacting
  L.settle();
  return true;
}

void Engine::on_message_removed(const std::string& channel, std::uint64_t seq, std::int64_t now) {
  Ledger L(*st_, cfg_);
  L.advance(now);
  const auto channel_id = st_->questions.channel_id(channel);
  // A removed question leaves insights; its answers keep credit.
  if (channel_id) L.remove_question(*channel_id, seq);
  auto it = st_->by_msg.find(MsgRef{channel, seq});
  if (it == st_->by_msg.end()) return;
  const std::vector<std::string> keys = std::move(it->second);
  st_->by_msg.erase(it);
  for (const auto& key : keys) {
    switch (key[0]) {
      case 'a':
        L.remove_answer(key);
        break;
      case 'h':
        L.remove_helpful(key);
        break;
      case 's':
        L.remove_solution(key);
        break;
      case 'q': {
        auto qref = codec::question_ref(key);
        auto qch = qref ? st_->questions.channel_id(qref->channel) : std::nullopt;
        auto* q = qch ? st_->questions.find(*qch, qref->seq) : nullptr;
        if (q == nullptr) break;
        q->remove_reply(seq);
        const std::uint64_t old = q->solved;
        if (old == seq) q->solved = 0;  // the accepted answer is gone: unsolved
        L.track_question(*qch, qref->seq, *q, old, 0);
        break;
      }
      default:
        break;
    }
  }
  L.settle();
}

void Engine::on_signal(const std::string& user, Signal s, std::int64_t now) {
  Ledger L(*st_, cfg_);
  L.advance(now);
  L.add_signal(user, s, now);
}

void Engine::set_manual(const std::string& user, std::optional<bool> advocate, std::int64_t now) {
  Ledger L(*st_, cfg_);
  L.advance(now);
  auto& u = L.user(user);
  if (u.manual == advocate) return;
  u.manual = advocate;
  if (advocate) {
    L.put(codec::user_key('m', user), *advocate ? "1" : "0");
  } else {
    L.del(codec::user_key('m', user));
  }
  L.evaluate(user);
}

void Engine::erase_user(const std::string& user, const std::string& name, std::int64_t now) {
  if (!st_->users.contains(user)) return;
  Ledger L(*st_, cfg_);
  L.advance(now);
  L.note_name(user, name);
  auto& u = L.user(user);
  if (!u.manual) return;
  u.manual.reset();
  L.del(codec::user_key('m', user));
  L.evaluate(user);
}

void Engine::tick(std::int64_t now) {
  Ledger L(*st_, cfg_);
  L.advance(now);
}

std::vector<FlagChange> Engine::take_flag_changes() { return std::exchange(st_->changes, {}); }

std::vector<Mutation> Engine::take_mutations() { return std::exchange(st_->mutations, {}); }

bool Engine::is_advocate(const std::string& user) const {
  const std::size_t bit = State::advocate_bit(user);
  const std::uint64_t word = st_->advocate_filter[bit / 64].load(std::memory_order_acquire);
  if ((word & (std::uint64_t{1} << (bit % 64))) == 0) return false;  // most users: no lock
  std::shared_lock lock(st_->advocates_mu);
  return st_->advocates.contains(user);
}

}  // namespace parley::advocacy
