// The four scenarios. Each builds its clients on `rt`, runs to completion within the run's
// hard deadline, stops the workers and returns every number it measured.
//
// Threading: call on the main thread, once per Runtime.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"
#include "runtime.hpp"

namespace parley::load {

Result run_throughput(Runtime& rt);
Result run_fanout(Runtime& rt);
Result run_idle(Runtime& rt);
Result run_history(Runtime& rt);

// Message text carrying the send time: "lt:<run>:t=<steady ns>:" padded with 'x' to `bytes`.
std::string make_text(std::string_view run_id, std::int64_t sent_ns, std::size_t bytes);
// The send time in a text made by make_text for this run, if it is one.
std::optional<std::int64_t> sent_ns_of(std::string_view text, std::string_view run_id);
// A user id unique to this run: "lt<run><kind><n>".
std::string user_id(std::string_view run_id, char kind, std::size_t n);

// Requests awaiting a reply on one connection, with their send times. Replies come almost
// always in order, so take() finds its id at the front.
class PendingRequests {
 public:
  void add(std::int64_t id, std::int64_t sent_ns) { q_.emplace_back(id, sent_ns); }
  std::optional<std::int64_t> take(std::int64_t id) {
    for (auto it = q_.begin(); it != q_.end(); ++it) {
      if (it->first == id) {
        auto t = it->second;
        q_.erase(it);
        return t;
      }
    }
    return std::nullopt;
  }
  std::size_t size() const { return q_.size(); }
  void clear() { q_.clear(); }

 private:
  std::deque<std::pair<std::int64_t, std::int64_t>> q_;
};

// Shared by the scenarios: waits for every client, reports set-up failures. Returns false
// when not one client is ready (the scenario then skips straight to closing).
bool setup_phase(Runtime& rt, Result& r);
// Waits (bounded) until no request is in flight; leftover ones are reported as `what`.
void drain_inflight(Runtime& rt, Result& r, double max_seconds, const char* what);

// The parameters the measured scenarios share: target_rate, warmup_s, duration_s.
void param_timing(Result& r, const Options& o);
// The parameters every scenario ends with: threads, run_id.
void param_run(Result& r, const Runtime& rt);

}  // namespace parley::load
