#include "scenario_util.hpp"

#include <boost/asio/post.hpp>
#include <charconv>

#include "rate_shares.hpp"

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

void param_timing(Result& r, const Options& o) {
  r.param("target_rate", o.rate);
  r.param("warmup_s", o.warmup);
  r.param("duration_s", o.duration);
}

void param_run(Result& r, const Runtime& rt) {
  r.param("threads", static_cast<std::int64_t>(rt.threads()));
  r.param("run_id", rt.run_id());
}

std::string send_frame(bool dm, std::string_view target, std::string_view run_id,
                       std::int64_t sent_ns, std::size_t text_bytes, std::int64_t id) {
  std::string f;
  f.reserve(160 + text_bytes);
  f += dm ? "{\"op\":\"dm\",\"to\":\"" : "{\"op\":\"send\",\"channel\":\"";
  f += target;
  f += "\",\"text\":\"";
  f += make_text(run_id, sent_ns, text_bytes);
  f += "\",\"client_msg_id\":\"";
  f += run_id;
  f += '-';
  f += std::to_string(id);
  f += "\",\"id\":";
  f += std::to_string(id);
  f += '}';
  return f;
}

void SendStats::merge(const SendStats& s) {
  ack.merge(s.ack);
  sent += s.sent;
  acked += s.acked;
  acked_measured += s.acked_measured;
  rejected += s.rejected;
  stray_replies += s.stray_replies;
  lost_inflight += s.lost_inflight;
}

void SendStats::report_counts(Result& r) const {
  r.count("sent", sent);
  r.count("acked", acked);
  r.count("acked_measured", acked_measured);
  r.count("rejected_sends", rejected);
}

void SendStats::report_errors(Result& r) const {
  if (stray_replies) r.errors["stray_replies"] += stray_replies;
  if (lost_inflight) r.errors["sends_lost_with_connection"] += lost_inflight;
}

WindowedSender::WindowedSender(Worker& w, std::size_t n, std::string user, std::string join_channel,
                               SendStats& st, const Config& cfg, std::string target)
    : Client(w, n, std::move(user), std::move(join_channel)),
      st_(st),
      cfg_(cfg),
      target_(std::move(target)) {}

void WindowedSender::send_one() {
  std::int64_t id = ++next_id_;
  std::int64_t t = now_ns();
  if (!send(send_frame(cfg_.dm, target_, rt_.run_id(), t, cfg_.text_bytes, id))) return;
  pending_.add(id, t);
  ++st_.sent;
  rt_.inflight.fetch_add(1, std::memory_order_relaxed);
}

void WindowedSender::on_ok(std::int64_t id, const Frame& f) {
  auto t = pending_.take(id);
  if (!t) {
    ++st_.stray_replies;
    return;
  }
  rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
  ++st_.acked;
  bool measuring = rt_.measuring();
  if (measuring) {
    ++st_.acked_measured;
    st_.ack.record(static_cast<std::uint64_t>(now_ns() - *t));
  }
  on_acked(f, measuring);
  if (!cfg_.paced) fill_window();
}

void WindowedSender::on_error_reply(std::int64_t id, const Frame&) {
  if (!pending_.take(id)) {
    ++st_.stray_replies;
    return;
  }
  rt_.inflight.fetch_sub(1, std::memory_order_relaxed);
  ++st_.rejected;
  if (!cfg_.paced) fill_window();
}

void WindowedSender::on_lost() {
  st_.lost_inflight += pending_.size();
  rt_.inflight.fetch_sub(static_cast<std::int64_t>(pending_.size()), std::memory_order_relaxed);
  pending_.clear();
}

void LoadPhase::run_impl(Runtime& rt, Result& r, const char* progress, const char* unanswered,
                         const std::vector<std::size_t>& clients_per_worker,
                         std::function<std::size_t(std::size_t, std::size_t)> fire,
                         std::function<void(std::size_t)> start) {
  const Options& o = rt.opts();
  bool paced = o.rate > 0;
  if (paced) {
    const std::vector<double> shares = rate_shares(o.rate, clients_per_worker);
    for (std::size_t wi = 0; wi < rt.threads(); ++wi) {
      pacers_.push_back(std::make_unique<Pacer>(rt.worker(wi).ioc, shares[wi],
                                                [fire, wi](std::size_t n) { return fire(wi, n); }));
    }
  }
  rt.set_phase(Phase::warmup);
  rt.post_all([this, paced, start](Worker& w) {
    if (paced) {
      pacers_[w.index]->start();
    } else {
      start(w.index);
    }
  });
  r.measured_s = rt.run_measurement(o.warmup, o.duration, progress);
  for (std::size_t wi = 0; wi < pacers_.size(); ++wi) {
    boost::asio::post(rt.worker(wi).ioc, [p = pacers_[wi].get()] { p->stop(); });
  }
  drain_inflight(rt, r, 10.0, unanswered);
}

}  // namespace parley::load
