// fanout: M members join one channel; S of them send (window W, or paced by --rate). Measures
// deliveries per second (message events received across all members) and send -> receive
// latency from the steady-clock time each sender embeds in its text. Every member checks that
// seqs arrive in order without gaps or duplicates, and at the end that it received everything
// up to the last acked seq.
#include <boost/asio/post.hpp>

#include "client.hpp"
#include "scenarios.hpp"

namespace parley::load {

namespace {

struct Stats {
  Histogram delivery, ack;
  std::uint64_t sent = 0, acked = 0, acked_measured = 0, rejected = 0;
  std::uint64_t deliveries = 0, deliveries_measured = 0, own_run = 0, foreign = 0;
  std::uint64_t gaps = 0, duplicates = 0, stray_replies = 0, lost_inflight = 0;
};

struct Shared {
  std::string channel;
  unsigned window = 4;
  std::size_t text_bytes = 48;
  bool paced = false;
  std::atomic<std::uint64_t> max_acked_seq{0};
  std::atomic<std::size_t> caught_up{0};
};

class Member final : public Client {
 public:
  Member(Worker& w, std::size_t n, Shared& sh, Stats& st, bool sender)
      : Client(w, n, user_id(w.rt.run_id(), 'm', n), sh.channel),
        sh_(sh),
        st_(st),
        sender_(sender) {}

  bool is_sender() const { return sender_; }
  bool can_send() const {
    return sender_ && ready() && pending_.size() < sh_.window && rt_.sending();
  }

  void send_one() {
    std::int64_t id = ++next_id_;
    std::int64_t t = now_ns();
    std::string f = "{\"op\":\"send\",\"channel\":\"" + sh_.channel + "\",\"text\":\"" +
                    make_text(rt_.run_id(), t, sh_.text_bytes) + "\",\"client_msg_id\":\"" +
                    rt_.run_id() + "-" + std::to_string(id) + "\",\"id\":" + std::to_string(id) +
                    "}";
    if (!send(std::move(f))) return;
    pending_.add(id, t);
    ++st_.sent;
    rt_.inflight.fetch_add(1, std::memory_order_relaxed);
  }

  void fill_window() {
    while (can_send()) send_one();
  }

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
    }
    auto prev = sh_.max_acked_seq.load(std::memory_order_relaxed);
    while (f.seq > prev && !sh_.max_acked_seq.compare_exchange_weak(prev, f.seq)) {
    }
    if (!sh_.paced) fill_window();
  }

  void on_error_reply(std::int64_t id, const Frame&) override {
    if (!pending_.take(id)) {
      ++st_.stray_replies;
      return;
    }
    rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
    ++st_.rejected;
    if (!sh_.paced) fill_window();
  }

  void on_lost() override {
    st_.lost_inflight += pending_.size();
    rt_.inflight.fetch_sub(static_cast<std::int64_t>(pending_.size()), std::memory_order_relaxed);
    pending_.clear();
  }

  void check_caught_up() {
    if (target_ == 0 || caught_up_ || next_seq_ <= target_) return;
    caught_up_ = true;
    sh_.caught_up.fetch_add(1, std::memory_order_relaxed);
  }

  Shared& sh_;
  Stats& st_;
  bool sender_;
  PendingRequests pending_;
  std::int64_t next_id_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t target_ = 0;
  bool caught_up_ = false;
};

std::size_t fire_round_robin(std::vector<Member*>& senders, std::size_t& cursor, std::size_t n) {
  std::size_t done = 0, idle_streak = 0;
  while (done < n && idle_streak < senders.size()) {
    Member* s = senders[cursor];
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

Result run_fanout(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "fanout";
  r.work_name = "deliveries_measured";
  Shared sh;
  sh.channel = o.channel;
  sh.window = o.window;
  sh.text_bytes = o.text_bytes;
  sh.paced = o.rate > 0;

  r.param("members", static_cast<std::int64_t>(o.members));
  r.param("senders", static_cast<std::int64_t>(o.senders));
  r.param("channel", o.channel);
  r.param("window", static_cast<std::int64_t>(o.window));
  r.param("target_rate", o.rate);
  r.param("warmup_s", o.warmup);
  r.param("duration_s", o.duration);
  r.param("text_bytes", static_cast<std::int64_t>(o.text_bytes));
  r.param("threads", static_cast<std::int64_t>(rt.threads()));
  r.param("run_id", rt.run_id());

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

  std::vector<std::unique_ptr<Pacer>> pacers;
  std::vector<std::size_t> cursors(rt.threads(), 0);
  if (setup_phase(rt, r)) {
    if (sh.paced) {
      double per_worker = o.rate / static_cast<double>(rt.threads());
      for (std::size_t wi = 0; wi < rt.threads(); ++wi) {
        pacers.push_back(std::make_unique<Pacer>(
            rt.worker(wi).ioc, per_worker, [&senders, &cursors, wi](std::size_t n) {
              return senders[wi].empty() ? 0 : fire_round_robin(senders[wi], cursors[wi], n);
            }));
      }
    }
    rt.set_phase(Phase::warmup);
    rt.post_all([&](Worker& w) {
      if (sh.paced) {
        pacers[w.index]->start();
      } else {
        for (Member* s : senders[w.index]) s->fill_window();
      }
    });
    r.measured_s = rt.run_measurement(o.warmup, o.duration, "deliveries");
    for (std::size_t wi = 0; wi < pacers.size(); ++wi) {
      boost::asio::post(rt.worker(wi).ioc, [p = pacers[wi].get()] { p->stop(); });
    }
    drain_inflight(rt, r, 10.0, "unacked_sends");
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
    all.ack.merge(s.ack);
    all.sent += s.sent;
    all.acked += s.acked;
    all.acked_measured += s.acked_measured;
    all.rejected += s.rejected;
    all.deliveries += s.deliveries;
    all.deliveries_measured += s.deliveries_measured;
    all.own_run += s.own_run;
    all.foreign += s.foreign;
    all.gaps += s.gaps;
    all.duplicates += s.duplicates;
    all.stray_replies += s.stray_replies;
    all.lost_inflight += s.lost_inflight;
  }
  std::uint64_t missing = 0;
  for (Member* m : members) missing += m->missing();

  r.work = all.deliveries_measured;
  r.count("sent", all.sent);
  r.count("acked", all.acked);
  r.count("acked_measured", all.acked_measured);
  r.count("rejected_sends", all.rejected);
  r.count("deliveries", all.deliveries);
  r.count("deliveries_measured", all.deliveries_measured);
  r.count("deliveries_from_other_runs", all.foreign);
  r.count("last_acked_seq", sh.max_acked_seq.load());
  r.rate("deliveries", r.measured_s > 0 ? all.deliveries_measured / r.measured_s : 0);
  r.rate("acked_msgs", r.measured_s > 0 ? all.acked_measured / r.measured_s : 0);
  r.latencies.emplace_back("send->receive", all.delivery);
  r.latencies.emplace_back("send->ack", all.ack);
  if (all.gaps) r.errors["seq_gaps"] += all.gaps;
  if (all.duplicates) r.errors["seq_duplicates_or_reordered"] += all.duplicates;
  if (missing) r.errors["missing_deliveries"] += missing;
  if (all.stray_replies) r.errors["stray_replies"] += all.stray_replies;
  if (all.lost_inflight) r.errors["sends_lost_with_connection"] += all.lost_inflight;
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
