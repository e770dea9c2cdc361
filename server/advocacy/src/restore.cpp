// restore(): rebuilds the records from their persisted values, then the derived state
// (aggregates, indexes, effective flags) exactly as the live engine built it; QuestionReplay
// rebuilds the question table from the stored messages.
#include <mutex>

#include "codec.hpp"
#include "ledger.hpp"
#include "parley/advocacy/engine.hpp"
#include "state.hpp"
#include "thread.hpp"

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
  for (auto& w : st.advocate_filter) w.store(0, std::memory_order_release);
}

// One persisted record into the state; malformed records are skipped. `legacy` collects the
// keys of records that are no longer written (deleted once loading is done).
void load(Engine::State& st, detail::Ledger& L, const std::string& key, const std::string& value,
          std::vector<std::string>& legacy) {
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
    case 'q':  // question records (before questions were replayed from the messages)
      legacy.push_back(key);
      break;
    case 'm':
      if (value == "0" || value == "1") L.user(user).manual = value == "1";
      break;
    case 'f':
      if (value == "1") L.user(user).automatic = true;
      break;
    case 'n':
      L.user(user).name = value;
      break;
    default:
      break;
  }
}

}  // namespace

void Engine::restore(const std::vector<std::pair<std::string, std::string>>& kv, std::int64_t now) {
  State& st = *st_;
  clear(st);
  detail::Ledger L(st, cfg_, /*persist=*/false);
  std::vector<std::string> legacy;
  for (const auto& [key, value] : kv) load(st, L, key, value, legacy);
  L.discard_touched();  // loading is not a change; everyone is evaluated below
  // The effective flags as they were persisted (no events: nothing changed).
  for (auto& [id, u] : st.users) L.set_effective(id, u, u.manual.value_or(u.automatic), false);

  // From here on changes are real: records that expired while the server was down are
  // deleted, and a changed configuration may move flags.
  L.set_persist(true);
  for (auto& key : legacy) L.del(std::move(key));
  L.advance(now);
  for (auto& [id, u] : st.users) L.evaluate(id);
}

std::int64_t Engine::questions_from(std::int64_t now) const {
  // Questions dated on or before the question cut-off day are dropped (Ledger::advance).
  return (detail::question_cutoff(cfg_, now) + 1) * detail::kDayMs;
}

Engine::QuestionReplay::QuestionReplay(Engine& engine, std::string channel)
    : engine_(engine), channel_(std::move(channel)) {
  engine_.st_->questions.begin_bulk();  // the channels' questions interleave in time
}

Engine::QuestionReplay::~QuestionReplay() { engine_.st_->questions.end_bulk(); }

void Engine::QuestionReplay::add(const StoredPost& m) {
  State& st = *engine_.st_;
  detail::Ledger L(st, engine_.cfg_, /*persist=*/false);
  if (m.reply_to == 0) {
    if (detail::day_of(m.ts) <= st.question_cutoff) return;
    if (L.add_question(channel_, m.seq, L.user_id(std::string(m.author)), m.ts, m.solved))
      roots_.try_emplace(m.seq, m.seq, 0);
    return;
  }
  // In a known question's thread within as many hops as on_message follows (find_root)?
  auto it = roots_.find(m.reply_to);
  if (it == roots_.end() || it->second.second >= detail::kMaxThreadDepth) return;
  const auto [root, hops] = it->second;
  roots_.try_emplace(m.seq, root, hops + 1);
  const auto channel_id = st.questions.channel_id(channel_);
  detail::QuestionRec* q = channel_id ? st.questions.find(*channel_id, root) : nullptr;
  if (q == nullptr || *q->asker == m.author) return;  // the asker's own replies are not answers
  if (q->add_reply({m.seq, m.ts, m.role == Role::customer}))
    L.track_question(*channel_id, root, *q, q->solved, m.seq);
}

}  // namespace parley::advocacy
