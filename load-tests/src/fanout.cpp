// fanout: M members join one channel; S of them send (window W, or paced by --rate). Measures
// deliveries per second (message events received across all members) and send -> receive
// latency from the steady-clock time each sender embeds in its text. Every member checks that
// seqs arrive in order without gaps or duplicates, and at the end that it received everything
// up to the last acked seq.
#include "scenario_util.hpp"

namespace parley::load {

namespace {

struct Stats {
  Histogram delivery;
  SendStats send;
  std::uint64_t deliveries = 0, deliveries_measured = 0, own_run = 0, foreign = 0;
  std::uint64_t gaps = 0, duplicates = 0;
};

struct Shared {
  std::string channel;
  WindowedSender::Config send;
  std::atomic<std::uint64_t> max_acked_seq{0};
  std::atomic<std::size_t> caught_up{0};
};

// Non-senders get a window of 0: they never send.
WindowedSender::Config member_config(const Shared& sh, bool sender) {
  WindowedSender::Config c = sh.send;
  if (!sender) c.window = 0;
  return c;
}

class Member final : public WindowedSender {
 public:
  Member(Worker& w, std::size_t n, Shared& sh, Stats& st, bool sender)
      : WindowedSender(w, n, user_id(w.rt.run_id(), 'm', n), sh.channel, st.send,
                       member_config(sh, sender), sh.channel),
        sh_(sh),
        st_(st) {}

  // Drain: the member is done once it has seen every seq up to `target`.
  void set_target(std::uint64_t target) {
    target_ = target;
    check_caught_up();
  }
  // Seqs up to the target this member never received (0 when caught up).
  std::uint64_t missing() const {
    if (!ready() || target_ == 0) return 0;
    return next_seq_ > target_ ? 0 : target_ + 1 - next_seq_;
  }

 private:
  void on_ready() override { next_seq_ = joined_last_seq_ + 1; }

  void on_message(const Frame& f) override {
    if (f.channel != sh_.channel) return;
    ++st_.deliveries;
    bool measuring = rt_.measuring();
    if (measuring) {
      ++st_.deliveries_measured;
      rt_.progress.fetch_add(1, std::memory_order_relaxed);
    }
    if (f.seq == next_seq_) {
      ++next_seq_;
    } else if (f.seq > next_seq_) {
      st_.gaps += f.seq - next_seq_;
      next_seq_ = f.seq + 1;
    } else {
      ++st_.duplicates;
    }
    if (auto t = sent_ns_of(f.text, rt_.run_id())) {
      ++st_.own_run;
      if (measuring) st_.delivery.record(static_cast<std::uint64_t>(now_ns() - *t));
    } else {
      ++st_.foreign;
    }
    check_caught_up();
  }

  void on_acked(const Frame& f, bool) override {
    auto prev = sh_.max_acked_seq.load(std::memory_order_relaxed);
    while (f.seq > prev && !sh_.max_acked_seq.compare_exchange_weak(prev, f.seq)) {
    }
  }

  void check_caught_up() {
    if (target_ == 0 || caught_up_ || next_seq_ <= target_) return;
    caught_up_ = true;
    sh_.caught_up.fetch_add(1, std::memory_order_relaxed);
  }

  Shared& sh_;
  Stats& st_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t target_ = 0;
  bool caught_up_ = false;
};

}  // namespace

Result run_fanout(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "fanout";
  r.work_name = "deliveries_measured";
  Shared sh;
  sh.channel = o.channel;
  sh.send.window = o.window;
  sh.send.text_bytes = o.text_bytes;
  sh.send.paced = o.rate > 0;

  r.param("members", static_cast<std::int64_t>(o.members));
  r.param("senders", static_cast<std::int64_t>(o.senders));
  r.param("channel", o.channel);
  r.param("window", static_cast<std::int64_t>(o.window));
  param_timing(r, o);
  r.param("text_bytes", static_cast<std::int64_t>(o.text_bytes));
  param_run(r, rt);

  std::vector<Stats> stats(rt.threads());
  std::vector<Member*> members;
  std::vector<std::vector<Member*>> by_worker(rt.threads()), senders(rt.threads());
  for (std::size_t i = 0; i < o.members; ++i) {
    std::size_t wi = i % rt.threads();
    bool sender = i < o.senders;
    auto& m = rt.add_client<Member>(i, sh, stats[wi], sender);
    members.push_back(&m);
    by_worker[wi].push_back(&m);
    if (sender) senders[wi].push_back(&m);
  }

  LoadPhase load;
  if (setup_phase(rt, r)) {
    load.run(
        rt, r, senders, "deliveries", "unacked_sends", [](Member* s) { s->send_one(); },
        [](Member* s) { s->fill_window(); });
    // Every ready member must now receive everything up to the last acked seq.
    std::uint64_t target = sh.max_acked_seq.load();
    if (target > 0) {
      rt.post_all([&by_worker, target](Worker& w) {
        for (Member* m : by_worker[w.index]) m->set_target(target);
      });
      std::size_t expect = rt.ready.load() - rt.lost.load();
      rt.wait_until([&] { return sh.caught_up.load() >= expect; },
                    Clock::now() + std::chrono::seconds(15));
    }
  }
  rt.close_all_and_stop();

  Stats all;
  for (auto& s : stats) {
    all.delivery.merge(s.delivery);
    all.send.merge(s.send);
    all.deliveries += s.deliveries;
    all.deliveries_measured += s.deliveries_measured;
    all.own_run += s.own_run;
    all.foreign += s.foreign;
    all.gaps += s.gaps;
    all.duplicates += s.duplicates;
  }
  std::uint64_t missing = 0;
  for (Member* m : members) missing += m->missing();

  r.work = all.deliveries_measured;
  all.send.report_counts(r);
  r.count("deliveries", all.deliveries);
  r.count("deliveries_measured", all.deliveries_measured);
  r.count("deliveries_from_other_runs", all.foreign);
  r.count("last_acked_seq", sh.max_acked_seq.load());
  r.rate("deliveries", r.measured_s > 0 ? all.deliveries_measured / r.measured_s : 0);
  r.rate("acked_msgs", r.measured_s > 0 ? all.send.acked_measured / r.measured_s : 0);
  r.latencies.emplace_back("send->receive", all.delivery);
  r.latencies.emplace_back("send->ack", all.send.ack);
  if (all.gaps) r.errors["seq_gaps"] += all.gaps;
  if (all.duplicates) r.errors["seq_duplicates_or_reordered"] += all.duplicates;
  if (missing) r.errors["missing_deliveries"] += missing;
  all.send.report_errors(r);
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
