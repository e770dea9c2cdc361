// throughput: N senders, each with a window of W unacked sends, spread over many DM channels
// (each sender DMs its own partner) or over named channels. Measures acked (durable)
// messages per second and the send -> ack latency.
#include <sstream>

#include "scenario_util.hpp"

namespace parley::load {

namespace {

struct Stats {
  SendStats send;
  std::uint64_t echoes = 0, out_of_order = 0, seq_gaps = 0, echo_seq_errors = 0;
};

struct Plan {
  std::vector<std::string> channels;
  WindowedSender::Config send;  // send.dm: each sender DMs its own partner
  // DM mode: acked messages whose echo (the sender's own message event) has not arrived yet.
  std::atomic<std::int64_t> echoes_due{0};
};

class Sender final : public WindowedSender {
 public:
  Sender(Worker& w, std::size_t n, Plan& plan, Stats& st, std::string target)
      : WindowedSender(w, n, user_id(w.rt.run_id(), 's', n), {}, st.send, plan.send,
                       std::move(target)),
        plan_(plan),
        st_(st) {}

 private:
  void on_acked(const Frame& f, bool measuring) override {
    if (measuring) rt_.progress.fetch_add(1, std::memory_order_relaxed);
    // One connection's acks come in commit order, so its seqs only grow; in its own DM
    // channel nobody else writes, so they grow by exactly one.
    if (f.seq <= last_seq_) {
      ++st_.out_of_order;
    } else if (plan_.send.dm && f.seq != last_seq_ + 1) {
      ++st_.seq_gaps;
    }
    last_seq_ = std::max(last_seq_, f.seq);
    if (plan_.send.dm) plan_.echoes_due.fetch_add(1, std::memory_order_relaxed);
  }

  // DM mode: the sender gets its own message event after the ack, in seq order.
  void on_message(const Frame& f) override {
    ++st_.echoes;
    if (!plan_.send.dm) return;
    plan_.echoes_due.fetch_sub(1, std::memory_order_relaxed);
    if (f.seq != echo_seq_ + 1) ++st_.echo_seq_errors;
    echo_seq_ = f.seq;
  }

  Plan& plan_;
  Stats& st_;
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

}  // namespace

Result run_throughput(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "throughput";
  r.work_name = "acked_measured";
  Plan plan;
  plan.send.dm = o.channels == "dm";
  if (!plan.send.dm) plan.channels = split_list(o.channels);
  if (!plan.send.dm && plan.channels.empty()) plan.channels = {"general"};
  plan.send.window = o.window;
  plan.send.text_bytes = o.text_bytes;
  plan.send.paced = o.rate > 0;

  r.param("senders", static_cast<std::int64_t>(o.connections));
  r.param("window", static_cast<std::int64_t>(o.window));
  r.param("channels", o.channels);
  param_timing(r, o);
  r.param("text_bytes", static_cast<std::int64_t>(o.text_bytes));
  param_run(r, rt);

  std::vector<Stats> stats(rt.threads());
  std::vector<std::vector<Sender*>> by_worker(rt.threads());
  for (std::size_t i = 0; i < o.connections; ++i) {
    std::size_t wi = i % rt.threads();
    std::string target =
        plan.send.dm ? user_id(rt.run_id(), 'p', i) : plan.channels[i % plan.channels.size()];
    auto& s = rt.add_client<Sender>(i, plan, stats[wi], std::move(target));
    by_worker[wi].push_back(&s);
  }

  LoadPhase load;
  if (setup_phase(rt, r)) {
    load.run(
        rt, r, by_worker, "acked", "unacked_sends", [](Sender* s) { s->send_one(); },
        [](Sender* s) { s->fill_window(); });
    if (plan.send.dm) {
      rt.wait_until([&] { return plan.echoes_due.load() <= 0; },
                    Clock::now() + std::chrono::seconds(5));
    }
  }
  rt.close_all_and_stop();

  Stats all;
  for (auto& s : stats) {
    all.send.merge(s.send);
    all.echoes += s.echoes;
    all.out_of_order += s.out_of_order;
    all.seq_gaps += s.seq_gaps;
    all.echo_seq_errors += s.echo_seq_errors;
  }
  r.work = all.send.acked_measured;
  all.send.report_counts(r);
  r.count("own_message_events", all.echoes);
  r.rate("acked_msgs", r.measured_s > 0 ? all.send.acked_measured / r.measured_s : 0);
  r.latencies.emplace_back("send->ack", all.send.ack);
  if (all.out_of_order) r.errors["ack_seq_out_of_order"] += all.out_of_order;
  if (all.seq_gaps) r.errors["ack_seq_gap"] += all.seq_gaps;
  if (plan.send.dm && plan.echoes_due.load() > 0) {
    r.errors["own_message_events_missing"] += static_cast<std::uint64_t>(plan.echoes_due.load());
  }
  if (all.echo_seq_errors) r.errors["own_message_events_out_of_order"] += all.echo_seq_errors;
  all.send.report_errors(r);
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
