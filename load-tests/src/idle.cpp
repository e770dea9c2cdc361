// idle: opens N connections (connect + auth + join), reports the set-up rate and, given the
// server's pid, its RSS before and after -> bytes per idle connection. Holds them for
// --duration seconds (any connection lost meanwhile is an error), then closes them all.
#include <unistd.h>

#include <algorithm>

#include "client.hpp"
#include "scenarios.hpp"

namespace parley::load {

namespace {

class IdleClient final : public Client {
 public:
  IdleClient(Worker& w, std::size_t n, const std::string& join)
      : Client(w, n, user_id(w.rt.run_id(), 'i', n), join) {}
  void on_message(const Frame&) override { ++messages; }
  std::uint64_t messages = 0;
};

}  // namespace

Result run_idle(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "idle";
  r.work_name = "connections_ready";
  std::string join = o.join == "none" ? "" : o.join;
  r.param("connections", static_cast<std::int64_t>(o.connections));
  r.param("join", o.join);
  r.param("hold_s", o.duration);
  r.param("concurrency", static_cast<std::int64_t>(o.concurrency));
  param_run(r, rt);

  // Client memory is counted from before the clients exist (their objects included).
  long self_before = rss_kb(static_cast<int>(::getpid()));
  std::vector<IdleClient*> clients;
  for (std::size_t i = 0; i < o.connections; ++i) {
    clients.push_back(&rt.add_client<IdleClient>(i, join));
  }

  long rss_before = o.server_pid > 0 ? rss_kb(o.server_pid) : -1;
  auto t0 = Clock::now();
  bool any = setup_phase(rt, r);
  double setup_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::size_t ready = rt.ready.load();
  r.count("connections_ready", ready);
  // Set-up = TCP connect + WebSocket upgrade + auth (+ join when joining).
  r.rate("connections_set_up", setup_s > 0 ? static_cast<double>(ready) / setup_s : 0);
  if (any) {
    // Let the server settle (presence fan-out, allocator) before reading its RSS.
    rt.set_phase(Phase::measure);
    auto hold_start = Clock::now();
    rt.wait_until([] { return false; }, hold_start + std::chrono::seconds(1));
    long self_after = rss_kb(static_cast<int>(::getpid()));
    r.info.emplace_back("client_bytes_per_connection",
                        Value(static_cast<double>(self_after - self_before) * 1024.0 /
                              static_cast<double>(std::max<std::size_t>(ready, 1))));
    if (o.server_pid > 0) {
      long rss_after = rss_kb(o.server_pid);
      r.info.emplace_back("server_rss_before_kb", Value(static_cast<std::int64_t>(rss_before)));
      r.info.emplace_back("server_rss_after_kb", Value(static_cast<std::int64_t>(rss_after)));
      if (rss_before >= 0 && rss_after >= 0 && ready > 0) {
        r.info.emplace_back("server_bytes_per_connection",
                            Value(static_cast<double>(rss_after - rss_before) * 1024.0 /
                                  static_cast<double>(ready)));
      }
    }
    rt.wait_until([] { return false; },
                  hold_start + std::chrono::milliseconds(static_cast<long>(o.duration * 1000)));
    r.measured_s = std::chrono::duration<double>(Clock::now() - hold_start).count();
    r.count("connections_open_after_hold", rt.ready.load() - rt.lost.load());
  }
  auto c0 = Clock::now();
  rt.close_all_and_stop(10);
  r.info.emplace_back("close_all_s",
                      Value(std::chrono::duration<double>(Clock::now() - c0).count()));
  if (rt.closed.load() < rt.total_clients()) {
    r.errors["close_unfinished"] += rt.total_clients() - rt.closed.load();
  }

  std::uint64_t messages = 0;
  for (auto* c : clients) messages += c->messages;
  r.work = ready;
  r.count("message_events_received", messages);
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
