// throughput: N senders, each with a window of W unacked sends, spread over many DM channels
// (each sender DMs its own partner) or over named channels. Measures acked (durable)
// messages per second and the send -> ack latency.
#include <boost/asio/post.hpp>
#include <sstream>

#include "client.hpp"
#include "scenarios.hpp"

namespace parley::load {

namespace {

struct Stats {
  Histogram ack;
  std::uint64_t sent = 0, acked = 0, acked_measured = 0, rejected = 0, echoes = 0;
  std::uint64_t out_of_order = 0, seq_gaps = 0, stray_replies = 0, lost_inflight = 0;
  std::uint64_t echo_seq_errors = 0;
};

struct Plan {
  bool dm = true;
  std::vector<std::string> channels;
  unsigned window = 4;
  std::size_t text_bytes = 48;
  bool paced = false;  // --rate > 0: a Pacer issues the sends, acks do not
  // DM mode: acked messages whose echo (the sender's own message event) has not arrived yet.
  std::atomic<std::int64_t> echoes_due{0};
};

class Sender final : public Client {
 public:
  Sender(Worker& w, std::size_t n, Plan& plan, Stats& st, std::string target)
      : Client(w, n, user_id(w.rt.run_id(), 's', n)),
        plan_(plan),
        st_(st),
        target_(std::move(target)) {}

  bool can_send() const { return ready() && pending_.size() < plan_.window && rt_.sending(); }

  void send_one() {
    std::int64_t id = ++next_id_;
    std::int64_t t = now_ns();
    std::string f;
    f.reserve(160 + plan_.text_bytes);
    if (plan_.dm) {
      f += "{\"op\":\"dm\",\"to\":\"";
    } else {
      f += "{\"op\":\"send\",\"channel\":\"";
    }
    f += target_;
    f += "\",\"text\":\"";
    f += make_text(rt_.run_id(), t, plan_.text_bytes);
    f += "\",\"client_msg_id\":\"";
    f += rt_.run_id();
    f += '-';
    f += std::to_string(id);
    f += "\",\"id\":";
    f += std::to_string(id);
    f += '}';
    if (!send(std::move(f))) return;
    pending_.add(id, t);
    ++st_.sent;
    rt_.inflight.fetch_add(1, std::memory_order_relaxed);
  }

  void fill_window() {
    while (can_send()) send_one();
  }

 private:
  void on_ok(std::int64_t id, const Frame& f) override {
    auto t = pending_.take(id);
    if (!t) {
      ++st_.stray_replies;
      return;
    }
    rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
    ++st_.acked;
    if (rt_.measuring()) {
      ++st_.acked_measured;
      st_.ack.record(static_cast<std::uint64_t>(now_ns() - *t));
      rt_.progress.fetch_add(1, std::memory_order_relaxed);
    }
    // One connection's acks come in commit order, so its seqs only grow; in its own DM
    // channel nobody else writes, so they grow by exactly one.
    if (f.seq <= last_seq_) {
      ++st_.out_of_order;
    } else if (plan_.dm && f.seq != last_seq_ + 1) {
      ++st_.seq_gaps;
    }
    last_seq_ = std::max(last_seq_, f.seq);
    if (plan_.dm) plan_.echoes_due.fetch_add(1, std::memory_order_relaxed);
    if (!plan_.paced) fill_window();
  }

  void on_error_reply(std::int64_t id, const Frame&) override {
    if (!pending_.take(id)) {
      ++st_.stray_replies;
      return;
    }
    rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
    ++st_.rejected;
    if (!plan_.paced) fill_window();
  }

  // DM mode: the sender gets its own message event after the ack, in seq order.
  void on_message(const Frame& f) override {
    ++st_.echoes;
    if (!plan_.dm) return;
    plan_.echoes_due.fetch_sub(1, std::memory_order_relaxed);
    if (f.seq != echo_seq_ + 1) ++st_.echo_seq_errors;
    echo_seq_ = f.seq;
  }

  void on_lost() override {
    st_.lost_inflight += pending_.size();
    rt_.inflight.fetch_sub(static_cast<std::int64_t>(pending_.size()), std::memory_order_relaxed);
    pending_.clear();
  }

  Plan& plan_;
  Stats& st_;
  std::string target_;
  PendingRequests pending_;
  std::int64_t next_id_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t echo_seq_ = 0;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Round-robin over a worker's senders, resuming where the last call stopped.
std::size_t fire_round_robin(std::vector<Sender*>& senders, std::size_t& cursor, std::size_t n) {
  std::size_t done = 0, idle_streak = 0;
  while (done < n && idle_streak < senders.size()) {
    Sender* s = senders[cursor];
    cursor = (cursor + 1) % senders.size();
    if (s->can_send()) {
      s->send_one();
      ++done;
      idle_streak = 0;
    } else {
      ++idle_streak;
    }
  }
  return done;
}

}  // namespace

Result run_throughput(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "throughput";
  r.work_name = "acked_measured";
  Plan plan;
  plan.dm = o.channels == "dm";
  if (!plan.dm) plan.channels = split_list(o.channels);
  if (!plan.dm && plan.channels.empty()) plan.channels = {"general"};
  plan.window = o.window;
  plan.text_bytes = o.text_bytes;
  plan.paced = o.rate > 0;

  r.param("senders", static_cast<std::int64_t>(o.connections));
  r.param("window", static_cast<std::int64_t>(o.window));
  r.param("channels", o.channels);
  r.param("target_rate", o.rate);
  r.param("warmup_s", o.warmup);
  r.param("duration_s", o.duration);
  r.param("text_bytes", static_cast<std::int64_t>(o.text_bytes));
  r.param("threads", static_cast<std::int64_t>(rt.threads()));
  r.param("run_id", rt.run_id());

  std::vector<Stats> stats(rt.threads());
  std::vector<std::vector<Sender*>> by_worker(rt.threads());
  for (std::size_t i = 0; i < o.connections; ++i) {
    std::size_t wi = i % rt.threads();
    std::string target =
        plan.dm ? user_id(rt.run_id(), 'p', i) : plan.channels[i % plan.channels.size()];
    auto& s = rt.add_client<Sender>(i, plan, stats[wi], std::move(target));
    by_worker[wi].push_back(&s);
  }

  std::vector<std::unique_ptr<Pacer>> pacers;
  std::vector<std::size_t> cursors(rt.threads(), 0);
  if (setup_phase(rt, r)) {
    if (plan.paced) {
      double per_worker = o.rate / static_cast<double>(rt.threads());
      for (std::size_t wi = 0; wi < rt.threads(); ++wi) {
        pacers.push_back(std::make_unique<Pacer>(
            rt.worker(wi).ioc, per_worker, [&by_worker, &cursors, wi](std::size_t n) {
              return by_worker[wi].empty() ? 0 : fire_round_robin(by_worker[wi], cursors[wi], n);
            }));
      }
    }
    rt.set_phase(Phase::warmup);
    rt.post_all([&](Worker& w) {
      if (plan.paced) {
        pacers[w.index]->start();
      } else {
        for (Sender* s : by_worker[w.index]) s->fill_window();
      }
    });
    r.measured_s = rt.run_measurement(o.warmup, o.duration, "acked");
    for (std::size_t wi = 0; wi < pacers.size(); ++wi) {
      boost::asio::post(rt.worker(wi).ioc, [p = pacers[wi].get()] { p->stop(); });
    }
    drain_inflight(rt, r, 10.0, "unacked_sends");
    if (plan.dm) {
      rt.wait_until([&] { return plan.echoes_due.load() <= 0; },
                    Clock::now() + std::chrono::seconds(5));
    }
  }
  rt.close_all_and_stop();

  Stats all;
  for (auto& s : stats) {
    all.ack.merge(s.ack);
    all.sent += s.sent;
    all.acked += s.acked;
    all.acked_measured += s.acked_measured;
    all.rejected += s.rejected;
    all.echoes += s.echoes;
    all.out_of_order += s.out_of_order;
    all.seq_gaps += s.seq_gaps;
    all.stray_replies += s.stray_replies;
    all.lost_inflight += s.lost_inflight;
  }
  r.work = all.acked_measured;
  r.count("sent", all.sent);
  r.count("acked", all.acked);
  r.count("acked_measured", all.acked_measured);
  r.count("rejected_sends", all.rejected);
  r.count("own_message_events", all.echoes);
  r.rate("acked_msgs", r.measured_s > 0 ? all.acked_measured / r.measured_s : 0);
  r.latencies.emplace_back("send->ack", all.ack);
  if (all.out_of_order) r.errors["ack_seq_out_of_order"] += all.out_of_order;
  if (all.seq_gaps) r.errors["ack_seq_gap"] += all.seq_gaps;
  if (plan.dm && plan.echoes_due.load() > 0) {
    r.errors["own_message_events_missing"] += static_cast<std::uint64_t>(plan.echoes_due.load());
  }
  if (all.echo_seq_errors) r.errors["own_message_events_out_of_order"] += all.echo_seq_errors;
  if (all.stray_replies) r.errors["stray_replies"] += all.stray_replies;
  if (all.lost_inflight) r.errors["sends_lost_with_connection"] += all.lost_inflight;
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
