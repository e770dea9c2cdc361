// history: makes sure the channel holds at least --fill messages (pipelined sends from a few
// connections with a large window), then C readers request random pages (`before` uniform in
// [2, last+1], limit 50/100 or --limit) in a loop. Measures pages per second and page latency,
// and checks every page: the newest `limit` seqs below `before`, ascending, no holes, and
// has_more exactly when older messages exist.
#include <boost/asio/post.hpp>

#include "scenario_util.hpp"

namespace parley::load {

namespace {

constexpr std::size_t kFillers = 4;

struct Stats {
  Histogram page, fill_ack;
  std::uint64_t pages = 0, pages_measured = 0, messages_read = 0, bad_pages = 0;
  std::uint64_t fill_sent = 0, fill_acked = 0, fill_rejected = 0, stray_replies = 0;
  std::uint64_t lost_inflight = 0;
};

struct Shared {
  std::string channel;
  unsigned window = 256;
  unsigned limit = 0;
  std::size_t text_bytes = 48;
  bool paced = false;
  std::uint64_t last_seq = 0;  // written before readers start (post() orders it)
  std::atomic<std::uint64_t> probe_last{0};
  std::atomic<bool> probe_done{false};
  std::atomic<std::uint64_t> fill_answered{0};
  std::atomic<std::uint64_t> max_fill_seq{0};
};

// Fills the channel; filler 0 also probes the channel's last seq first.
class Filler final : public Client {
 public:
  Filler(Worker& w, std::size_t n, Shared& sh, Stats& st)
      : Client(w, n, user_id(w.rt.run_id(), 'f', n)), sh_(sh), st_(st) {}

  void probe() {
    send("{\"op\":\"history\",\"channel\":\"" + sh_.channel + "\",\"limit\":1,\"id\":1}");
  }
  void fill(std::uint64_t count) {
    to_send_ = count;
    pump();
  }

 private:
  void pump() {
    while (ready() && to_send_ > 0 && pending_.size() < sh_.window) {
      std::int64_t id = next_id_++;
      std::int64_t t = now_ns();
      if (!send(send_frame(false, sh_.channel, rt_.run_id(), t, sh_.text_bytes, id))) return;
      pending_.add(id, t);
      --to_send_;
      ++st_.fill_sent;
    }
  }

  void on_ok(std::int64_t id, const Frame& f) override {
    if (id == 1) {
      sh_.probe_last.store(f.messages > 0 ? f.last_msg_seq : 0);
      sh_.probe_done.store(true);
      return;
    }
    auto t = pending_.take(id);
    if (!t) {
      ++st_.stray_replies;
      return;
    }
    ++st_.fill_acked;
    st_.fill_ack.record(static_cast<std::uint64_t>(now_ns() - *t));
    auto prev = sh_.max_fill_seq.load(std::memory_order_relaxed);
    while (f.seq > prev && !sh_.max_fill_seq.compare_exchange_weak(prev, f.seq)) {
    }
    sh_.fill_answered.fetch_add(1, std::memory_order_relaxed);
    pump();
  }

  void on_error_reply(std::int64_t id, const Frame&) override {
    if (id == 1) {
      sh_.probe_done.store(true);
      return;
    }
    if (!pending_.take(id)) {
      ++st_.stray_replies;
      return;
    }
    ++st_.fill_rejected;
    sh_.fill_answered.fetch_add(1, std::memory_order_relaxed);
    pump();
  }

  void on_lost() override {
    st_.lost_inflight += pending_.size();
    sh_.fill_answered.fetch_add(pending_.size() + to_send_, std::memory_order_relaxed);
    pending_.clear();
    to_send_ = 0;
  }

  Shared& sh_;
  Stats& st_;
  PendingRequests pending_;
  std::uint64_t to_send_ = 0;
  std::int64_t next_id_ = 2;
};

class Reader final : public Client {
 public:
  Reader(Worker& w, std::size_t n, Shared& sh, Stats& st)
      : Client(w, n, user_id(w.rt.run_id(), 'r', n)), sh_(sh), st_(st) {}

  bool can_send() const { return ready() && !busy_ && rt_.sending() && sh_.last_seq > 0; }

  void request() {
    std::uniform_int_distribution<std::uint64_t> pick(2, sh_.last_seq + 1);
    before_ = pick(w_.rng);
    limit_ = sh_.limit ? sh_.limit : ((w_.rng() & 1) ? 50u : 100u);
    std::int64_t id = ++next_id_;
    std::string f = "{\"op\":\"history\",\"channel\":\"" + sh_.channel +
                    "\",\"before\":" + std::to_string(before_) +
                    ",\"limit\":" + std::to_string(limit_) + ",\"id\":" + std::to_string(id) + "}";
    sent_at_ = now_ns();
    if (!send(std::move(f))) return;
    busy_ = true;
    id_ = id;
    rt_.inflight.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  void on_ok(std::int64_t id, const Frame& f) override {
    if (!busy_ || id != id_) {
      ++st_.stray_replies;
      return;
    }
    busy_ = false;
    rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
    ++st_.pages;
    st_.messages_read += f.messages > 0 ? static_cast<std::uint64_t>(f.messages) : 0;
    if (rt_.measuring()) {
      ++st_.pages_measured;
      st_.page.record(static_cast<std::uint64_t>(now_ns() - sent_at_));
      rt_.progress.fetch_add(1, std::memory_order_relaxed);
    }
    // seq starts at 1 with no holes, so the page is fully determined by before and limit.
    std::uint64_t expect = std::min<std::uint64_t>(limit_, before_ - 1);
    bool good = f.messages >= 0 && static_cast<std::uint64_t>(f.messages) == expect &&
                f.contiguous && f.has_more == (before_ - expect > 1);
    if (good && expect > 0)
      good = f.last_msg_seq == before_ - 1 && f.first_msg_seq == before_ - expect;
    if (!good) ++st_.bad_pages;
    if (!sh_.paced && can_send()) request();
  }

  void on_error_reply(std::int64_t id, const Frame&) override {
    if (!busy_ || id != id_) {
      ++st_.stray_replies;
      return;
    }
    busy_ = false;
    rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
    if (!sh_.paced && can_send()) request();
  }

  void on_lost() override {
    if (busy_) {
      ++st_.lost_inflight;
      rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
      busy_ = false;
    }
  }

  Shared& sh_;
  Stats& st_;
  bool busy_ = false;
  std::int64_t id_ = 0;
  std::int64_t next_id_ = 0;
  std::int64_t sent_at_ = 0;
  std::uint64_t before_ = 0;
  unsigned limit_ = 0;
};

}  // namespace

Result run_history(Runtime& rt) {
  const Options& o = rt.opts();
  Result r;
  r.scenario = "history";
  r.work_name = "pages_measured";
  Shared sh;
  sh.channel = o.channel;
  sh.window = o.window;
  sh.limit = o.limit;
  sh.text_bytes = o.text_bytes;
  sh.paced = o.rate > 0;
  r.param("readers", static_cast<std::int64_t>(o.connections));
  r.param("channel", o.channel);
  r.param("fill", static_cast<std::int64_t>(o.fill));
  r.param("fill_window", static_cast<std::int64_t>(o.window));
  r.param("limit", o.limit ? std::string(std::to_string(o.limit)) : std::string("random 50/100"));
  param_timing(r, o);
  param_run(r, rt);

  std::vector<Stats> stats(rt.threads());
  std::vector<Filler*> fillers;
  std::vector<std::vector<Reader*>> readers(rt.threads());
  std::size_t n = 0;
  for (std::size_t i = 0; i < kFillers; ++i, ++n) {
    fillers.push_back(&rt.add_client<Filler>(n, sh, stats[n % rt.threads()]));
  }
  for (std::size_t i = 0; i < o.connections; ++i, ++n) {
    readers[n % rt.threads()].push_back(&rt.add_client<Reader>(n, sh, stats[n % rt.threads()]));
  }

  std::uint64_t filled = 0;
  double fill_s = 0;
  LoadPhase load;
  if (setup_phase(rt, r)) {
    boost::asio::post(rt.worker(0).ioc, [f = fillers[0]] { f->probe(); });
    rt.wait_until([&] { return sh.probe_done.load(); }, Clock::now() + std::chrono::seconds(10));
    std::uint64_t have = sh.probe_last.load();
    r.count("channel_messages_before", have);
    if (!sh.probe_done.load()) r.errors["probe_unanswered"] += 1;
    if (have < o.fill) {
      std::uint64_t need = o.fill - have;
      auto f0 = Clock::now();
      for (std::size_t i = 0; i < fillers.size(); ++i) {
        std::uint64_t share = need / fillers.size() + (i < need % fillers.size() ? 1 : 0);
        boost::asio::post(rt.worker(i % rt.threads()).ioc,
                          [f = fillers[i], share] { f->fill(share); });
      }
      rt.wait_until([&] { return sh.fill_answered.load() >= need; },
                    Clock::now() + std::chrono::hours(1));
      fill_s = std::chrono::duration<double>(Clock::now() - f0).count();
      filled = sh.fill_answered.load();
      if (filled < need) {
        r.errors["fill_unfinished"] += need - filled;
        r.notes.push_back("the fill did not finish before the hard timeout");
      }
    }
    sh.last_seq = std::max(have, sh.max_fill_seq.load());
    r.count("channel_last_seq", sh.last_seq);
    if (sh.last_seq == 0) {
      r.notes.push_back("the channel is empty; no page to read");
    } else {
      load.run(
          rt, r, readers, "pages", "unanswered_pages", [](Reader* rd) { rd->request(); },
          [](Reader* rd) {
            if (rd->can_send()) rd->request();
          });
    }
  }
  rt.close_all_and_stop();

  Stats all;
  for (auto& s : stats) {
    all.page.merge(s.page);
    all.fill_ack.merge(s.fill_ack);
    all.pages += s.pages;
    all.pages_measured += s.pages_measured;
    all.messages_read += s.messages_read;
    all.bad_pages += s.bad_pages;
    all.fill_sent += s.fill_sent;
    all.fill_acked += s.fill_acked;
    all.fill_rejected += s.fill_rejected;
    all.stray_replies += s.stray_replies;
    all.lost_inflight += s.lost_inflight;
  }
  r.work = all.pages_measured;
  r.count("fill_sent", all.fill_sent);
  r.count("fill_acked", all.fill_acked);
  r.count("fill_rejected", all.fill_rejected);
  r.count("pages", all.pages);
  r.count("pages_measured", all.pages_measured);
  r.count("messages_read", all.messages_read);
  r.rate("pages", r.measured_s > 0 ? all.pages_measured / r.measured_s : 0);
  if (fill_s > 0) r.rate("fill_acked_msgs", all.fill_acked / fill_s);
  r.latencies.emplace_back("page", all.page);
  r.latencies.emplace_back("fill send->ack", all.fill_ack);
  if (all.bad_pages) r.errors["bad_pages"] += all.bad_pages;
  if (all.stray_replies) r.errors["stray_replies"] += all.stray_replies;
  if (all.lost_inflight) r.errors["requests_lost_with_connection"] += all.lost_inflight;
  rt.fill_common(r);
  return r;
}

}  // namespace parley::load
