// restore(): rebuilds the records from their persisted values, then the derived state
// (aggregates, indexes, effective flags) exactly as the live engine built it.
#include <mutex>

#include "advocacy/codec.hpp"
#include "advocacy/engine.hpp"
#include "advocacy/ledger.hpp"
#include "advocacy/state.hpp"

namespace parley::advocacy {

namespace {

void clear(Engine::State& st) {
  st.users.clear();
  st.answers.clear();
  st.helpful.clear();
  st.solutions.clear();
  st.day_marks.clear();
  st.risk.clear();
  st.questions.clear();
  st.by_msg.clear();
  st.expiry.clear();
  st.cutoff = INT64_MIN;
  st.question_cutoff = INT64_MIN;
  st.mutations.clear();
  st.changes.clear();
  std::unique_lock lock(st.advocates_mu);
  st.advocates.clear();
}

// One persisted record into the state; malformed records are skipped.
void load(Engine::State& st, detail::Ledger& L, const std::string& key,
          const std::string& value) {
  if (key.size() < 3 || key[1] != '\0') return;
  const std::string user(std::string_view(key).substr(2));
  switch (key[0]) {
    case 'a':
      if (auto r = codec::decode_answer(key, value)) L.add_answer(std::move(*r));
      break;
    case 'h':
      if (auto r = codec::decode_helpful(key, value)) L.add_helpful(std::move(*r));
      break;
    case 's':
      if (auto r = codec::decode_solution(key, value)) L.add_solution(std::move(*r));
      break;
    case 'g':
      if (auto day = codec::key_day(key)) L.add_day_mark(key, *day);
      break;
    case 'r': {
      auto day = codec::key_day(key);
      auto d = codec::decode_risk(value);
      if (!day || !d) break;
      auto& days = st.risk[std::string(codec::risk_user(key))];
      if (days.emplace(*day, *d).second) st.expiry[*day].push_back(key);
      break;
    }
    case 'q': {
      auto ref = codec::question_ref(key);
      auto q = codec::decode_question(value);
      if (ref && q)
        L.add_question(ref->channel, ref->seq, L.user_id(q->asker), q->ts, q->solved, q->replies);
      break;
    }
    case 'm':
      if (value == "0" || value == "1") L.user(user).manual = value == "1";
      break;
    case 'f':
      if (value == "1") L.user(user).automatic = true;
      break;
    case 'n': L.user(user).name = value; break;
    default: break;
  }
}

}  // namespace

void Engine::restore(const std::vector<std::pair<std::string, std::string>>& kv,
                     std::int64_t now) {
  State& st = *st_;
  clear(st);
  detail::Ledger L(st, cfg_, /*persist=*/false);
  st.questions.begin_bulk();  // records come in key order, not in time order
  for (const auto& [key, value] : kv) load(st, L, key, value);
  st.questions.end_bulk();
  L.discard_touched();  // loading is not a change; everyone is evaluated below
  // The effective flags as they were persisted (no events: nothing changed).
  for (auto& [id, u] : st.users) L.set_effective(id, u, u.manual.value_or(u.automatic), false);

  // From here on changes are real: records that expired while the server was down are
  // deleted, and a changed configuration may move flags.
  L.set_persist(true);
  L.advance(now);
  for (auto& [id, u] : st.users) L.evaluate(id);
}

}  // namespace parley::advocacy
