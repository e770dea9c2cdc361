// Queries. Scores come from the per-user aggregates; when `now` is past the last roll of the
// window (tick not yet called today), the credits that have left it are subtracted from a
// copy, so a query at `now` always reflects the window at `now`.
#include <algorithm>
#include <unordered_map>

#include "ledger.hpp"
#include "parley/advocacy/engine.hpp"
#include "state.hpp"

namespace parley::advocacy {

using detail::Agg;
using detail::kUnitsPerPoint;
using detail::to_units;

namespace {

double points(detail::Units u) { return static_cast<double>(u) / kUnitsPerPoint; }

// Calls f(credit) for every credit that is still counted but has left the window at `now`.
template <class F>
void for_each_pending(const Engine::State& st, const Config& cfg, std::int64_t now, F&& f) {
  const std::int64_t cutoff = detail::window_cutoff(cfg, now);
  if (cutoff <= st.cutoff) return;
  for (auto it = st.expiry.begin(); it != st.expiry.end() && it->first <= cutoff; ++it) {
    for (const auto& key : it->second) {
      if (auto c = detail::credit_of(st, key, it->first)) f(*c);
    }
  }
}

Breakdown make(const std::string& id, const detail::User& u, const Agg& a) {
  Breakdown b;
  b.user = id;
  b.name = u.name;
  b.score = points(a.score);
  b.answers = a.answers;
  b.helpful = a.helpful;
  b.solved = a.solved;
  b.people_helped = a.people;
  b.active_days = static_cast<unsigned>(a.days.size());
  b.last_activity = a.last_activity();
  b.advocate = u.effective;
  b.automatic = u.automatic;
  b.manual = u.manual;
  return b;
}

}  // namespace

Breakdown Engine::breakdown(const std::string& user, std::int64_t now) const {
  auto it = st_->users.find(user);
  if (it == st_->users.end()) {
    Breakdown b;
    b.user = user;
    return b;
  }
  std::optional<Agg> adjusted;
  for_each_pending(*st_, cfg_, now, [&](const detail::Credit& c) {
    if (*c.user != user) return;
    if (!adjusted) adjusted = it->second.agg;
    detail::apply(*adjusted, c, -1, cfg_);
  });
  return make(user, it->second, adjusted ? *adjusted : it->second.agg);
}

std::vector<Breakdown> Engine::ranked(std::size_t limit, std::int64_t now) const {
  std::unordered_map<std::string, Agg> adjusted;
  for_each_pending(*st_, cfg_, now, [&](const detail::Credit& c) {
    auto it = adjusted.find(*c.user);
    if (it == adjusted.end()) it = adjusted.emplace(*c.user, st_->users.at(*c.user).agg).first;
    detail::apply(it->second, c, -1, cfg_);
  });

  struct Entry {
    const std::string* id;
    const detail::User* user;
    const Agg* agg;
  };
  std::vector<Entry> entries;
  for (const auto& [id, u] : st_->users) {
    auto adj = adjusted.find(id);
    const Agg& a = adj == adjusted.end() ? u.agg : adj->second;
    if (a.days.empty() && !u.manual && !u.effective) continue;
    entries.push_back({&id, &u, &a});
  }
  auto before = [](const Entry& x, const Entry& y) {
    if (x.user->effective != y.user->effective) return x.user->effective;
    if (x.agg->score != y.agg->score) return x.agg->score > y.agg->score;
    return *x.id < *y.id;
  };
  const std::size_t n = std::min(limit, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + n, entries.end(), before);
  std::vector<Breakdown> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(make(*entries[i].id, *entries[i].user, *entries[i].agg));
  return out;
}

std::vector<RiskBreakdown> Engine::at_risk(std::size_t limit, std::int64_t now) const {
  const std::int64_t cutoff = detail::window_cutoff(cfg_, now);
  const detail::Units w_report = to_units(cfg_.risk_report_upheld);
  const detail::Units w_removed = to_units(cfg_.risk_message_removed);
  const detail::Units w_muted = to_units(cfg_.risk_muted);
  const detail::Units threshold = to_units(cfg_.risk_threshold);

  struct Entry {
    detail::Units risk;
    RiskBreakdown b;
  };
  std::vector<Entry> entries;
  for (const auto& [id, days] : st_->risk) {
    RiskBreakdown b;
    for (auto it = days.upper_bound(cutoff); it != days.end(); ++it) {
      b.reports_upheld += it->second.reports;
      b.messages_removed += it->second.removed;
      b.mutes += it->second.mutes;
      b.last_event = std::max(b.last_event, it->second.last);
    }
    const detail::Units risk =
        b.reports_upheld * w_report + b.messages_removed * w_removed + b.mutes * w_muted;
    if (risk <= 0) continue;
    b.user = id;
    if (auto u = st_->users.find(id); u != st_->users.end()) b.name = u->second.name;
    b.risk = points(risk);
    b.at_risk = risk >= threshold;
    entries.push_back({risk, std::move(b)});
  }
  auto before = [](const Entry& x, const Entry& y) {
    if (x.risk != y.risk) return x.risk > y.risk;
    return x.b.user < y.b.user;
  };
  const std::size_t n = std::min(limit, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + n, entries.end(), before);
  std::vector<RiskBreakdown> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::move(entries[i].b));
  return out;
}

Insights Engine::insights(std::int64_t window_ms, const std::string& channel,
                          std::int64_t now) const {
  constexpr std::size_t kMaxUnanswered = 100;
  Insights out;
  out.from = now - window_ms;
  out.to = now;
  std::vector<std::int64_t> delays;
  const std::int64_t first_day = detail::day_of(out.from);
  const std::int64_t last_day = std::max(first_day, detail::day_of(now));
  out.days.resize(static_cast<std::size_t>(last_day - first_day + 1));
  for (std::size_t i = 0; i < out.days.size(); ++i)
    out.days[i].start = (first_day + static_cast<std::int64_t>(i)) * detail::kDayMs;
  std::vector<std::vector<std::int64_t>> day_delays(out.days.size());
  const auto& table = st_->questions;
  const auto only = channel.empty() ? std::nullopt : table.channel_id(channel);
  auto count = [&](const detail::QuestionTable::Entry& e, const detail::QuestionRec& q) {
    if (e.ts > now) return false;
    if (only && e.channel != *only) return true;
    const auto d = static_cast<std::size_t>(std::clamp<std::int64_t>(
        detail::day_of(e.ts) - first_day, 0, static_cast<std::int64_t>(out.days.size()) - 1));
    Insights::Day& day = out.days[d];
    ++out.questions;
    ++day.questions;
    if (q.solved != 0) {
      ++out.solved;
      ++day.solved;
    }
    if (q.replies() == 0) {
      if (out.unanswered.size() < kMaxUnanswered)
        out.unanswered.push_back({table.channel_name(e.channel), e.seq, *q.asker, e.ts});
      return true;
    }
    const detail::Reply first = q.reply(0);
    ++out.answered;
    ++day.answered;
    if (first.customer) {
      ++out.answered_by_customers;
      ++day.answered_by_customers;
    }
    const std::int64_t delay = std::max<std::int64_t>(0, first.ts - q.ts);
    delays.push_back(delay);
    day_delays[d].push_back(delay);
    return true;
  };
  // A channel that never had a question has none in the range.
  if (channel.empty() || only) table.for_each_from(out.from, count);
  // The lower middle for even counts.
  auto median = [](std::vector<std::int64_t>& v) -> std::optional<std::int64_t> {
    if (v.empty()) return std::nullopt;
    auto mid = v.begin() + (v.size() - 1) / 2;
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
  };
  out.median_first_answer_ms = median(delays);
  for (std::size_t i = 0; i < out.days.size(); ++i)
    out.days[i].median_first_answer_ms = median(day_delays[i]);
  return out;
}

}  // namespace parley::advocacy
