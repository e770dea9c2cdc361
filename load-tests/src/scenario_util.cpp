#include <charconv>

#include "scenarios.hpp"

namespace parley::load {

std::string make_text(std::string_view run_id, std::int64_t sent_ns, std::size_t bytes) {
  std::string t = "lt:";
  t += run_id;
  t += ":t=";
  t += std::to_string(sent_ns);
  t += ':';
  if (t.size() < bytes) t.append(bytes - t.size(), 'x');
  return t;
}

std::optional<std::int64_t> sent_ns_of(std::string_view text, std::string_view run_id) {
  if (text.size() < 3 + run_id.size() + 3 || text.substr(0, 3) != "lt:" ||
      text.substr(3, run_id.size()) != run_id || text.substr(3 + run_id.size(), 3) != ":t=") {
    return std::nullopt;
  }
  auto rest = text.substr(6 + run_id.size());
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::string user_id(std::string_view run_id, char kind, std::size_t n) {
  std::string u = "lt";
  u += run_id;
  u += kind;
  u += std::to_string(n);
  return u;
}

bool setup_phase(Runtime& rt, Result& r) {
  auto t0 = Clock::now();
  rt.start();
  double budget = 30.0 + static_cast<double>(rt.total_clients()) / 200.0;
  rt.wait_all_ready(budget);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  r.info.emplace_back("setup_s", Value(secs));
  std::size_t unfinished = rt.total_clients() - rt.ready.load() - rt.setup_failed.load();
  if (unfinished > 0) {
    r.errors["setup_unfinished"] += unfinished;
    r.notes.push_back(std::to_string(unfinished) + " connections did not finish connect+auth in " +
                      std::to_string(static_cast<int>(budget)) + " s");
  }
  if (rt.ready.load() == 0) r.notes.push_back("no client became ready; nothing to measure");
  return rt.ready.load() > 0;
}

void drain_inflight(Runtime& rt, Result& r, double max_seconds, const char* what) {
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(max_seconds * 1000));
  rt.wait_until([&] { return rt.inflight.load() <= 0; }, deadline);
  auto left = rt.inflight.load();
  if (left > 0) {
    r.errors[what] += static_cast<std::uint64_t>(left);
    r.notes.push_back(std::to_string(left) + " requests still unanswered " +
                      std::to_string(max_seconds) + " s after sending stopped");
  }
}

}  // namespace parley::load
