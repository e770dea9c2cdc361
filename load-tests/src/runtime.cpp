#include "runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>

#include "client.hpp"
#include "parley/protocol/jwt.hpp"

namespace parley::load {

namespace asio = boost::asio;

// ---------------------------------------------------------------------------------------------
// Worker

Worker::Worker(Runtime& r, std::size_t i) : rt(r), index(i), rng(0x9e3779b97f4a7c15ull + i) {}

Worker::~Worker() {
  if (thread_.joinable()) thread_.join();
}

void Worker::admit(Client* c) {
  if (connecting_ < max_connecting_) {
    ++connecting_;
    c->start();
  } else {
    waiting_.push_back(c);
  }
}

void Worker::setup_finished() {
  if (connecting_ > 0) --connecting_;
  while (connecting_ < max_connecting_ && !waiting_.empty()) {
    Client* c = waiting_.front();
    waiting_.pop_front();
    ++connecting_;
    c->start();
  }
}

void Worker::shutdown_clients() {
  waiting_.clear();
  max_connecting_ = 0;  // nothing new starts
  for (auto& c : clients) c->shutdown();
}

// ---------------------------------------------------------------------------------------------
// Runtime

Runtime::Runtime(const Options& o, std::string secret)
    : opts_(o), secret_(std::move(secret)), address_(loopback_address(o.host)) {
  std::random_device rd;
  char id[16];
  std::snprintf(id, sizeof id, "%06x", rd() & 0xffffff);
  run_id_ = id;
  unsigned n = std::max(1u, o.threads);
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i));
    workers_.back()->max_connecting_ = std::max<std::size_t>(1, o.concurrency / n);
  }
  hard_deadline_ = Clock::now() + std::chrono::milliseconds(static_cast<long>(o.timeout * 1000));
}

Runtime::~Runtime() { stop(); }

void Runtime::extend_hard_deadline(double seconds) {
  hard_deadline_ += std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

void Runtime::start() {
  started_ = true;
  if (opts_.server_pid > 0) {
    server_rss_start_kb_ = rss_kb(opts_.server_pid);
  }
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->thread_ = std::thread([wp] {
      auto guard = asio::make_work_guard(wp->ioc);
      wp->ioc.run();
    });
    asio::post(w->ioc, [wp] {
      for (auto& c : wp->clients) wp->admit(c.get());
    });
  }
}

void Runtime::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w->ioc.stop();
  for (auto& w : workers_) {
    if (w->thread_.joinable()) w->thread_.join();
  }
}

void Runtime::post_all(std::function<void(Worker&)> fn) {
  for (auto& w : workers_) {
    asio::post(w->ioc, [wp = w.get(), fn] { fn(*wp); });
  }
}

ConnectSpec Runtime::connect_spec(std::size_t n) const {
  ConnectSpec s;
  s.remote_ip = address_;
  s.port = opts_.port;
  bool v4 = address_.find(':') == std::string::npos;
  s.host_header = (v4 ? address_ : "[" + address_ + "]") + ":" + std::to_string(opts_.port);
  if (v4 && opts_.source_bind) s.source_ip = "127.0.0." + std::to_string(2 + n % 8);
  if (opts_.peer_protocol == "socketio") {
    s.framing = Framing::socketio;
    s.target = std::string(SocketIoFraming::kTarget);
  }
  return s;
}

std::string Runtime::token(const std::string& user) const {
  protocol::Claims c;
  c.sub = user;
  c.name = user;
  c.role = protocol::Role::customer;
  c.exp = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count() +
          3600 + static_cast<std::int64_t>(opts_.timeout);
  return protocol::jwt_sign(c, secret_);
}

bool Runtime::wait_until(const std::function<bool()>& pred, Clock::time_point deadline) {
  for (;;) {
    if (pred()) return true;
    auto now = Clock::now();
    if (now >= deadline || now >= hard_deadline_) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool Runtime::wait_all_ready(double max_seconds) {
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(max_seconds * 1000));
  wait_until([&] { return ready.load() + setup_failed.load() >= total_clients_; }, deadline);
  return ready.load() == total_clients_;
}

double Runtime::run_measurement(double warmup_s, double duration_s, const char* what) {
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<long>(s * 1000)); };
  set_phase(Phase::warmup);
  wait_until([] { return false; }, Clock::now() + ms(warmup_s));
  std::uint64_t p0 = progress.load();
  double cpu0 = self_cpu_s();
  double scpu0 = opts_.server_pid > 0 ? process_cpu_s(opts_.server_pid) : -1;
  auto t0 = Clock::now();
  set_phase(Phase::measure);
  auto end = t0 + ms(duration_s);
  auto next = t0 + std::chrono::seconds(1);
  std::uint64_t last = p0;
  while (Clock::now() < end && !hard_deadline_passed()) {
    wait_until([] { return false; }, std::min(next, end));
    if (Clock::now() >= next) {
      std::uint64_t p = progress.load();
      double t = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!opts_.quiet) {
        std::fprintf(stderr, "  %5.1fs  %s %llu  (%llu in the last second)  inflight %lld\n", t,
                     what, static_cast<unsigned long long>(p - p0),
                     static_cast<unsigned long long>(p - last),
                     static_cast<long long>(inflight.load()));
      }
      last = p;
      next += std::chrono::seconds(1);
    }
  }
  set_phase(Phase::drain);
  double measured = std::chrono::duration<double>(Clock::now() - t0).count();
  self_cpu_s_ = self_cpu_s() - cpu0;
  if (scpu0 >= 0) server_cpu_s_ = process_cpu_s(opts_.server_pid) - scpu0;
  self_cpu_s_ = measured > 0 ? self_cpu_s_ / measured : 0;
  if (server_cpu_s_ >= 0) server_cpu_s_ = measured > 0 ? server_cpu_s_ / measured : 0;
  return measured;
}

void Runtime::close_all_and_stop(double max_seconds) {
  set_phase(Phase::closing);
  post_all([](Worker& w) { w.shutdown_clients(); });
  // Not bounded by the hard deadline alone: closing is always given its own short window.
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(max_seconds * 1000));
  while (closed.load() < total_clients_ && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop();
}

void Runtime::fill_common(Result& r) {
  ErrorTally all;
  Histogram setup;
  std::uint64_t objects = 0, presence = 0, other = 0;
  for (auto& w : workers_) {
    for (auto& [k, v] : w->errors.by_kind) all.add(k, v);
    setup.merge(w->setup_latency);
    objects += w->objects_in;
    presence += w->presence_events;
    other += w->other_events;
  }
  for (auto& [k, v] : all.by_kind) r.errors[k] += v;
  r.param("peer_protocol", opts_.peer_protocol);
  r.count("clients", total_clients_);
  r.count("clients_ready", ready.load());
  r.count("clients_failed_setup", setup_failed.load());
  r.count("clients_lost", lost.load());
  r.count("server_objects_received", objects);
  r.count("presence_events_received", presence);
  r.count("other_events_received", other);
  r.latencies.emplace_back("connect+auth", setup);
  if (self_cpu_s_ >= 0) r.info.emplace_back("client_cpu_cores", Value(self_cpu_s_));
  if (opts_.server_pid > 0) {
    if (server_cpu_s_ >= 0) r.info.emplace_back("server_cpu_cores", Value(server_cpu_s_));
    r.info.emplace_back("server_rss_start_kb",
                        Value(static_cast<std::int64_t>(server_rss_start_kb_)));
    long now = rss_kb(opts_.server_pid);
    r.info.emplace_back("server_rss_end_kb", Value(static_cast<std::int64_t>(now)));
    if (now < 0) r.errors["server_process_gone"] += 1;
  }
  if (hard_deadline_passed()) r.timed_out = true;
}

}  // namespace parley::load
