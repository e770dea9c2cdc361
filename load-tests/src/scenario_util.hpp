// Pieces the sending scenarios share: the send frame, the send -> ack bookkeeping of a client
// that keeps a window of unacked sends, and the measured phase that drives a scenario's clients
// either closed-loop (each reply issues the next request) or at --rate through one Pacer per
// worker. Declared next to scenario_util.cpp, which defines the non-template parts.
//
// Threading: a client's methods run on its worker's thread; LoadPhase::run on the main thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client.hpp"
#include "pacer.hpp"
#include "scenarios.hpp"

namespace parley::load {

// {"op":"send","channel":<target>,...} or, with dm, {"op":"dm","to":<target>,...}, carrying a
// make_text() text (the send time) and client_msg_id "<run>-<id>".
std::string send_frame(bool dm, std::string_view target, std::string_view run_id,
                       std::int64_t sent_ns, std::size_t text_bytes, std::int64_t id);

// The send -> ack counters of one worker's WindowedSenders (merged on the main thread).
struct SendStats {
  Histogram ack;
  std::uint64_t sent = 0, acked = 0, acked_measured = 0, rejected = 0;
  std::uint64_t stray_replies = 0, lost_inflight = 0;

  void merge(const SendStats& s);
  // Counts sent, acked, acked_measured, rejected_sends (in that order).
  void report_counts(Result& r) const;
  // Errors stray_replies and sends_lost_with_connection.
  void report_errors(Result& r) const;
};

// A client that sends messages to one target (a channel, or a user by DM) with up to `window`
// of them unacked. Unpaced, every reply refills the window; paced, only a Pacer calls send_one.
// Acks and rejections are counted in SendStats and the runtime's inflight; a subclass sees
// each ack through on_acked.
class WindowedSender : public Client {
 public:
  struct Config {
    bool dm = false;  // send DMs to the target user instead of messages to the target channel
    unsigned window = 4;
    std::size_t text_bytes = 48;
    bool paced = false;
  };

  bool can_send() const { return ready() && pending_.size() < cfg_.window && rt_.sending(); }
  void send_one();
  void fill_window() {
    while (can_send()) send_one();
  }

 protected:
  WindowedSender(Worker& w, std::size_t n, std::string user, std::string join_channel,
                 SendStats& st, const Config& cfg, std::string target);

  // An ack of one of our sends, after it was counted and before the window is refilled.
  virtual void on_acked(const Frame& f, bool measuring) {}

 private:
  void on_ok(std::int64_t id, const Frame& f) final;
  void on_error_reply(std::int64_t id, const Frame& f) final;
  void on_lost() final;

  SendStats& st_;
  Config cfg_;
  std::string target_;
  PendingRequests pending_;
  std::int64_t next_id_ = 0;
};

// Round-robin over one worker's clients, resuming where the last call stopped: issue(c) on up
// to n clients whose can_send() holds. Returns how many it issued.
template <class C, class Issue>
std::size_t fire_round_robin(std::vector<C*>& clients, std::size_t& cursor, std::size_t n,
                             Issue& issue) {
  std::size_t done = 0, idle_streak = 0;
  while (done < n && idle_streak < clients.size()) {
    C* c = clients[cursor];
    cursor = (cursor + 1) % clients.size();
    if (c->can_send()) {
      issue(c);
      ++done;
      idle_streak = 0;
    } else {
      ++idle_streak;
    }
  }
  return done;
}

// The measured phase: warmup then measurement (run_measurement, with `progress` naming the
// progress count), then the load stops and in-flight requests are drained (leftovers reported
// as `unanswered`). With --rate, one Pacer per worker issues requests round-robin over that
// worker's clients, at a share of --rate proportional to how many clients the worker has (a
// worker with none gets none: with one sender and two threads, the sender's worker issues the
// whole rate); without, start(c) is called once on each client (on its worker) and the
// clients keep their own load going.
//
// Keep the LoadPhase alive until after Runtime::close_all_and_stop(): a stopped Pacer's timer
// handler may still be queued on its worker.
class LoadPhase {
 public:
  // by_worker[wi]: worker wi's clients; issue(c): one request on a client that can_send().
  template <class C, class Issue, class Start>
  void run(Runtime& rt, Result& r, std::vector<std::vector<C*>>& by_worker, const char* progress,
           const char* unanswered, Issue issue, Start start) {
    cursors_.assign(rt.threads(), 0);
    std::vector<std::size_t> clients;
    for (const auto& w : by_worker) clients.push_back(w.size());
    run_impl(
        rt, r, progress, unanswered, clients,
        [&by_worker, this, issue](std::size_t wi, std::size_t n) mutable -> std::size_t {
          return by_worker[wi].empty() ? 0
                                       : fire_round_robin(by_worker[wi], cursors_[wi], n, issue);
        },
        [&by_worker, start](std::size_t wi) mutable {
          for (C* c : by_worker[wi]) start(c);
        });
  }

 private:
  void run_impl(Runtime& rt, Result& r, const char* progress, const char* unanswered,
                const std::vector<std::size_t>& clients_per_worker,
                std::function<std::size_t(std::size_t, std::size_t)> fire,
                std::function<void(std::size_t)> start);

  std::vector<std::unique_ptr<Pacer>> pacers_;
  std::vector<std::size_t> cursors_;
};

}  // namespace parley::load
