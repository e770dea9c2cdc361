#include "ledger.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "codec.hpp"

namespace parley::advocacy::detail {

Units to_units(double points) { return std::llround(points * kUnitsPerPoint); }

Units weight(const Config& cfg, Kind kind) {
  switch (kind) {
    case Kind::answer:
      return to_units(cfg.weight_answer);
    case Kind::helpful:
      return to_units(cfg.weight_helpful);
    case Kind::solved:
      return to_units(cfg.weight_solved);
  }
  return 0;
}

namespace {}  // namespace

void apply(Agg& a, const Credit& c, int sign, const Config& cfg) {
  const Units cap = to_units(cfg.pair_cap);
  auto it = a.pairs.try_emplace(*c.giver).first;
  PairAgg& p = it->second;
  const Units before = std::min(p.points, cap);
  p.points += sign * weight(cfg, c.kind);
  p.credits += sign;
  a.score += std::min(p.points, cap) - before;
  switch (c.kind) {
    case Kind::answer:
      if (sign > 0 && p.answers++ == 0) ++a.people;
      if (sign < 0 && --p.answers == 0) --a.people;
      a.answers += sign;
      break;
    case Kind::helpful:
      a.helpful += sign;
      break;
    case Kind::solved:
      a.solved += sign;
      break;
  }
  if (p.credits == 0) a.pairs.erase(it);
  auto day = a.days.try_emplace(c.day).first;
  auto& stamps = day->second.stamps;
  if (sign > 0) {
    stamps.insert(std::upper_bound(stamps.begin(), stamps.end(), c.ts), c.ts);
  } else if (auto at = std::lower_bound(stamps.begin(), stamps.end(), c.ts);
             at != stamps.end() && *at == c.ts) {
    stamps.erase(at);
  }
  if (stamps.empty()) a.days.erase(day);
}

std::optional<Credit> credit_of(const Engine::State& st, const std::string& key, std::int64_t day) {
  if (key.empty()) return std::nullopt;
  switch (key[0]) {
    case 'a': {
      auto it = st.answers.find(key);
      if (it == st.answers.end() || day_of(it->second.ts) != day) return std::nullopt;
      const auto& r = it->second;
      return Credit{&r.author, &r.asker, Kind::answer, day, r.ts};
    }
    case 'h': {
      auto it = st.helpful.find(key);
      if (it == st.helpful.end() || !it->second.earned || day_of(it->second.ts) != day)
        return std::nullopt;
      const auto& r = it->second;
      return Credit{&r.author, &r.marker, Kind::helpful, day, r.ts};
    }
    case 's': {
      auto it = st.solutions.find(key);
      if (it == st.solutions.end() || !it->second.earned || day_of(it->second.ts) != day)
        return std::nullopt;
      const auto& r = it->second;
      return Credit{&r.author, &r.asker, Kind::solved, day, r.ts};
    }
    default:
      return std::nullopt;
  }
}

void Ledger::put(std::string key, std::string value) {
  if (persist_) st_.mutations.push_back({std::move(key), std::move(value)});
}
void Ledger::del(std::string key) {
  if (persist_) st_.mutations.push_back({std::move(key), std::nullopt});
}

User& Ledger::user(const std::string& id) { return st_.users[id]; }

const std::string& Ledger::user_id(const std::string& id) {
  return st_.users.try_emplace(id).first->first;
}

const std::string& Ledger::note_name(const std::string& id, const std::string& name) {
  auto& [stored, u] = *st_.users.try_emplace(id).first;
  if (u.name != name) {
    u.name = name;
    put(codec::user_key('n', id), name);
  }
  return stored;
}

void Ledger::touch(const std::string& id, User& u) {
  for (const auto& t : touched_)
    if (t.second == &u) return;
  touched_.emplace_back(&id, &u);
}

void Ledger::credit(const Credit& c, int sign) {
  auto& [id, u] = *st_.users.try_emplace(*c.user).first;
  apply(u.agg, c, sign, cfg_);
  touch(id, u);
}

void Ledger::schedule(std::int64_t day, const std::string& key) { st_.expiry[day].push_back(key); }

void Ledger::ref(const MsgRef& msg, const std::string& key) {
  auto& keys = st_.by_msg[msg];
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
}

void Ledger::unref(const MsgRef& msg, const std::string& key) {
  auto it = st_.by_msg.find(msg);
  if (it == st_.by_msg.end()) return;
  auto& keys = it->second;
  keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
  if (keys.empty()) st_.by_msg.erase(it);
}

// --- Records ---

void Ledger::add_answer(AnswerRec r) {
  std::string key = codec::answer_key(r);
  add_answer(std::move(key), std::move(r));
}

void Ledger::add_answer(std::string key, AnswerRec r) {
  std::string value = codec::answer_value(r);
  const auto& [stored, rec] = *st_.answers.insert_or_assign(std::move(key), std::move(r)).first;
  put(stored, std::move(value));
  const std::int64_t day = day_of(rec.ts);
  schedule(day, stored);
  ref({rec.channel, rec.seq}, stored);
  credit({&rec.author, &rec.asker, Kind::answer, day, rec.ts}, +1);
}

void Ledger::remove_answer(const std::string& key) {
  auto it = st_.answers.find(key);
  if (it == st_.answers.end()) return;
  auto& r = it->second;
  credit({&r.author, &r.asker, Kind::answer, day_of(r.ts), r.ts}, -1);
  unref({r.channel, r.seq}, key);
  st_.answers.erase(it);
  del(key);
}

void Ledger::add_helpful(HelpfulRec r) {
  std::string key = codec::helpful_key(r.channel, r.seq, r.marker);
  put(key, codec::helpful_value(r));
  const std::int64_t day = day_of(r.ts);
  schedule(day, key);
  ref({r.channel, r.seq}, key);
  auto& rec = st_.helpful.insert_or_assign(key, std::move(r)).first->second;
  if (rec.earned) credit({&rec.author, &rec.marker, Kind::helpful, day, rec.ts}, +1);
}

void Ledger::set_helpful_explicit(const std::string& key) {
  auto& r = st_.helpful.at(key);
  r.via_reaction = false;
  put(key, codec::helpful_value(r));
}

void Ledger::remove_helpful(const std::string& key) {
  auto it = st_.helpful.find(key);
  if (it == st_.helpful.end()) return;
  auto& r = it->second;
  if (r.earned) credit({&r.author, &r.marker, Kind::helpful, day_of(r.ts), r.ts}, -1);
  unref({r.channel, r.seq}, key);
  st_.helpful.erase(it);
  del(key);
}

void Ledger::add_solution(SolutionRec r) {
  std::string key = codec::solution_key(r.channel, r.root);
  put(key, codec::solution_value(r));
  const std::int64_t day = day_of(r.ts);
  schedule(day, key);
  ref({r.channel, r.seq}, key);
  auto& rec = st_.solutions.insert_or_assign(key, std::move(r)).first->second;
  if (rec.earned) credit({&rec.author, &rec.asker, Kind::solved, day, rec.ts}, +1);
}

void Ledger::remove_solution(const std::string& key) {
  auto it = st_.solutions.find(key);
  if (it == st_.solutions.end()) return;
  auto& r = it->second;
  if (r.earned) credit({&r.author, &r.asker, Kind::solved, day_of(r.ts), r.ts}, -1);
  unref({r.channel, r.seq}, key);
  st_.solutions.erase(it);
  del(key);
}

void Ledger::add_day_mark(std::string key, std::int64_t day) {
  put(key, std::string());
  schedule(day, key);
  st_.day_marks.insert(std::move(key));
}

bool Ledger::add_question(const std::string& channel, std::uint64_t seq, const std::string& asker,
                          std::int64_t ts, std::uint64_t solved) {
  // The per-message cost of a busy support channel: one probe of the question table and a
  // record filled in place. Nothing is persisted: the message is (Engine::QuestionReplay).
  QuestionRec* q = st_.questions.insert(st_.questions.intern(channel), seq, ts);
  if (q == nullptr) return false;
  q->asker = &asker;
  q->solved = solved;
  if (solved != 0) ref({channel, solved}, codec::question_key(channel, seq));
  return true;
}

void Ledger::remove_question(std::uint32_t channel_id, std::uint64_t seq) {
  const QuestionRec* q = st_.questions.find(channel_id, seq);
  if (q == nullptr) return;
  if (q->replies() != 0 || q->solved != 0) {
    const std::string& channel = st_.questions.channel_name(channel_id);
    const std::string key = codec::question_key(channel, seq);
    for (std::size_t i = 0; i < q->replies(); ++i) unref({channel, q->reply(i).seq}, key);
    if (q->solved != 0) unref({channel, q->solved}, key);
  }
  st_.questions.erase(channel_id, seq);
}

void Ledger::track_question(std::uint32_t channel_id, std::uint64_t seq, const QuestionRec& q,
                            std::uint64_t old_solved, std::uint64_t added) {
  const std::string& channel = st_.questions.channel_name(channel_id);
  const std::string key = codec::question_key(channel, seq);
  if (old_solved != 0 && old_solved != q.solved && !q.has_reply(old_solved))
    unref({channel, old_solved}, key);
  if (added != 0) ref({channel, added}, key);
}

void Ledger::add_signal(const std::string& id, Engine::Signal s, std::int64_t now) {
  const std::int64_t day = day_of(now);
  auto& days = st_.risk[id];
  auto [it, fresh] = days.try_emplace(day);
  std::string key = codec::risk_key(id, day);
  if (fresh) schedule(day, key);
  RiskDay& d = it->second;
  switch (s) {
    case Engine::Signal::report_upheld:
      ++d.reports;
      break;
    case Engine::Signal::message_removed:
      ++d.removed;
      break;
    case Engine::Signal::muted:
      ++d.mutes;
      break;
  }
  d.last = std::max(d.last, now);
  put(std::move(key), codec::risk_value(d));
}

// --- Window ---

void Ledger::expire(const std::string& key, std::int64_t day) {
  switch (key.empty() ? '\0' : key[0]) {
    case 'a':
      if (credit_of(st_, key, day)) remove_answer(key);
      break;
    case 'h': {
      auto it = st_.helpful.find(key);
      if (it != st_.helpful.end() && day_of(it->second.ts) == day) remove_helpful(key);
      break;
    }
    case 's': {
      auto it = st_.solutions.find(key);
      if (it != st_.solutions.end() && day_of(it->second.ts) == day) remove_solution(key);
      break;
    }
    case 'g':
      if (st_.day_marks.erase(key) != 0) del(key);
      break;
    case 'r': {
      auto it = st_.risk.find(std::string(codec::risk_user(key)));
      if (it == st_.risk.end() || it->second.erase(day) == 0) break;
      if (it->second.empty()) st_.risk.erase(it);
      del(key);
      break;
    }
    default:
      break;
  }
}

void Ledger::advance(std::int64_t now) {
  const std::int64_t cutoff = window_cutoff(cfg_, now);
  if (cutoff > st_.cutoff) {
    st_.cutoff = cutoff;
    while (!st_.expiry.empty() && st_.expiry.begin()->first <= cutoff) {
      auto node = st_.expiry.extract(st_.expiry.begin());
      for (const auto& key : node.mapped()) expire(key, node.key());
    }
  }
  const std::int64_t qcutoff = question_cutoff(cfg_, now);
  if (qcutoff > st_.question_cutoff) {
    st_.question_cutoff = qcutoff;
    for (;;) {
      const QuestionTable::Entry* oldest = st_.questions.oldest();
      if (oldest == nullptr || day_of(oldest->ts) > qcutoff) break;
      remove_question(oldest->channel, oldest->seq);
    }
  }
  settle();
}

void Ledger::settle() {
  auto ids = std::move(touched_);
  touched_.clear();
  for (const auto& [id, u] : ids) evaluate(*id, *u);
}

void Ledger::evaluate(const std::string& id) { evaluate(id, user(id)); }

void Ledger::evaluate(const std::string& id, User& u) {
  const Agg& a = u.agg;
  bool automatic;
  if (u.automatic) {
    automatic = !(a.score < to_units(cfg_.low_water * cfg_.threshold));
  } else {
    automatic = a.score >= to_units(cfg_.threshold) && a.people >= cfg_.min_people_helped &&
                a.days.size() >= cfg_.min_active_days;
  }
  if (automatic != u.automatic) {
    u.automatic = automatic;
    if (automatic) {
      put(codec::user_key('f', id), "1");
    } else {
      del(codec::user_key('f', id));
    }
  }
  set_effective(id, u, u.manual.value_or(automatic), true);
}

void Ledger::set_effective(const std::string& id, User& u, bool on, bool announce) {
  if (u.effective == on) return;
  u.effective = on;
  {
    std::unique_lock lock(st_.advocates_mu);
    auto& filter = st_.advocate_filter;
    if (on) {
      st_.advocates.insert(id);
      const std::size_t bit = Engine::State::advocate_bit(id);
      filter[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
    } else {
      st_.advocates.erase(id);
      // Recompute the words: a word only loses the bits of ids no longer in the set.
      std::array<std::uint64_t, Engine::State::kFilterWords> words{};
      for (const auto& a : st_.advocates) {
        const std::size_t bit = Engine::State::advocate_bit(a);
        words[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
      for (std::size_t i = 0; i < words.size(); ++i)
        filter[i].store(words[i], std::memory_order_release);
    }
  }
  if (announce) st_.changes.push_back({id, on, static_cast<double>(u.agg.score) / kUnitsPerPoint});
}

}  // namespace parley::advocacy::detail
