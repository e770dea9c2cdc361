// parley-tcp-limit: this machine's loopback ceiling for fan-out, the yardstick next to
// `parley-load fanout` in make bench (docs/PERFORMANCE.md). No WebSocket library, no JSON, no
// server logic: one process opens N receiver connections to itself on 127.0.0.1, then
//   - --send-threads threads (1; make bench: nproc, like parleyd's default) write pre-framed
//     WebSocket text frames (a `message` event as parleyd sends it in the fanout scenario, same
//     text size) round-robin to their share of the receivers, --batch frames per send() call
//     (1 or 16 in make bench), on blocking sockets;
//   - a receiver thread drains all N sockets with epoll and counts bytes (never parses).
// deliveries/s = frames received by all receivers per second in the measured window. Both
// sides share the machine's cores, as parleyd and parley-load do.
//
// Bounded: --duration after --warmup, then it stops by itself; alarm(--timeout) ends the
// process (exit 1) if anything hangs. 127.0.0.1 only; it talks to nothing but itself.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "proc_stats.hpp"
#include "result.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using parley::load::Result;
using parley::load::Value;

struct Options {
  std::size_t receivers = 100;
  unsigned batch = 1;
  unsigned send_threads = 1;
  double duration = 5;
  double warmup = 1;
  double timeout = 0;  // 0 = derived
  std::size_t text_bytes = 48;
  std::string json_file;
  bool quiet = false;
};

// A `message` event shaped like the ones the fanout scenario receives (user ids like
// "lt<run><m><n>", a 7-digit seq, a 13-digit ts), as one unmasked WebSocket text frame.
std::string message_frame(std::size_t text_bytes) {
  std::string text(text_bytes, 'x');
  std::string json = R"({"op":"message","channel":"general","seq":1234567,"ts":1795356576512,)"
                     R"("from":{"id":"lt0a1b2cm0","name":"lt0a1b2cm0","role":"customer",)"
                     R"("advocate":false},"text":")" +
                     text + R"("})";
  std::string frame;
  frame.push_back(static_cast<char>(0x81));  // FIN + text
  if (json.size() < 126) {
    frame.push_back(static_cast<char>(json.size()));
  } else {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>((json.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(json.size() & 0xff));
  }
  return frame + json;
}

void die(const char* what) {
  std::cerr << "parley-tcp-limit: " << what << ": " << std::strerror(errno) << "\n";
  std::exit(2);
}

void on_alarm(int) {
  const char msg[] = "parley-tcp-limit: hard timeout, exiting\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  ::_exit(1);
}

// N connected pairs over 127.0.0.1: `out` are the accepted (sending) ends, blocking with a
// short send timeout so the sender notices `stop`; `in` the connecting ends, non-blocking.
void connect_pairs(std::size_t n, std::vector<int>& out, std::vector<int>& in) {
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) die("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (::listen(lfd, 1024) != 0) die("listen");
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  int one = 1;
  timeval tv{0, 100 * 1000};
  for (std::size_t i = 0; i < n; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0) die("socket");
    if (::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
    int s = ::accept(lfd, nullptr, nullptr);
    if (s < 0) die("accept");
    // Like parleyd's and parley-load's sockets.
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::fcntl(c, F_SETFL, ::fcntl(c, F_GETFL) | O_NONBLOCK);
    out.push_back(s);
    in.push_back(c);
  }
  ::close(lfd);
}

struct Counters {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> send_calls{0};
  std::atomic<std::uint64_t> errors{0};
};

// Sends to fds[first], fds[first + step], ...
void send_loop(const std::vector<int>& fds, std::size_t first, std::size_t step,
               const std::string& buf, Counters& k) {
  while (!k.stop.load(std::memory_order_relaxed)) {
    for (std::size_t i = first; i < fds.size(); i += step) {
      const int fd = fds[i];
      std::size_t off = 0;
      while (off < buf.size()) {
        ssize_t n = ::send(fd, buf.data() + off, buf.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
          off += static_cast<std::size_t>(n);
          k.send_calls.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
          if (k.stop.load(std::memory_order_relaxed)) return;
          continue;
        }
        k.errors.fetch_add(1, std::memory_order_relaxed);
        k.stop.store(true);
        return;
      }
    }
  }
}

void receive_loop(const std::vector<int>& fds, Counters& k) {
  int ep = ::epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  for (int fd : fds) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::vector<char> buf(256 * 1024);
  std::vector<epoll_event> events(256);
  while (!k.stop.load(std::memory_order_relaxed)) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      ssize_t r = ::read(events[i].data.fd, buf.data(), buf.size());
      if (r > 0) {
        k.bytes_in.fetch_add(static_cast<std::uint64_t>(r), std::memory_order_relaxed);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        k.errors.fetch_add(1, std::memory_order_relaxed);
        ::epoll_ctl(ep, EPOLL_CTL_DEL, events[i].data.fd, nullptr);
      }
    }
  }
  ::close(ep);
}

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(s * 1000)));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "parley-tcp-limit: loopback fan-out ceiling. N receiver connections to 127.0.0.1; one\n"
      "thread sends pre-framed WebSocket message events (--batch per send()), one thread\n"
      "drains them with epoll. Exit: 0 = measured, 1 = errors or timeout, 2 = usage."};
  app.add_option("--receivers", o.receivers, "Receiver connections (100)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
  app.add_option("--batch", o.batch, "Frames per send() call (1)")->check(CLI::Range(1u, 1024u));
  app.add_option("--send-threads", o.send_threads,
                 "Sending threads, receivers split among them (1)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--duration", o.duration, "Measured seconds (5)")->check(CLI::Range(0.1, 600.0));
  app.add_option("--warmup", o.warmup, "Seconds before measuring (1)")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--timeout", o.timeout, "Hard limit for the whole run (derived)");
  app.add_option("--size", o.text_bytes, "Message text bytes, as parley-load --size (48)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4000}));
  app.add_option("--json", o.json_file, "Write the result as JSON to this file");
  app.add_flag("--quiet", o.quiet, "No progress line on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; a bad option: 2, as the help says
  }
  if (o.timeout <= 0)
    o.timeout = o.warmup + o.duration + 30 + static_cast<double>(o.receivers) / 500;
  std::signal(SIGALRM, on_alarm);
  ::alarm(static_cast<unsigned>(o.timeout) + 1);

  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * o.receivers + 16) {
    std::cerr << "parley-tcp-limit: descriptor limit " << rl.rlim_cur << " is too low\n";
    return 2;
  }

  const std::string frame = message_frame(o.text_bytes);
  std::string buf;
  for (unsigned i = 0; i < o.batch; ++i) buf += frame;

  std::vector<int> out, in;
  connect_pairs(o.receivers, out, in);
  Counters k;
  std::thread receiver([&] { receive_loop(in, k); });
  std::vector<std::thread> senders;
  for (unsigned i = 0; i < o.send_threads; ++i) {
    senders.emplace_back([&, i] { send_loop(out, i, o.send_threads, buf, k); });
  }

  sleep_s(o.warmup);
  const std::uint64_t b0 = k.bytes_in.load(), s0 = k.send_calls.load();
  const double cpu0 = parley::load::self_cpu_s();
  const auto t0 = Clock::now();
  sleep_s(o.duration);
  const std::uint64_t b1 = k.bytes_in.load(), s1 = k.send_calls.load();
  const double cpu1 = parley::load::self_cpu_s();
  const double measured = std::chrono::duration<double>(Clock::now() - t0).count();
  k.stop.store(true);
  for (auto& t : senders) t.join();
  receiver.join();
  for (int fd : out) ::close(fd);
  for (int fd : in) ::close(fd);

  Result r;
  r.scenario = "tcp-limit";
  r.work_name = "deliveries_measured";
  r.measured_s = measured;
  const std::uint64_t deliveries = (b1 - b0) / frame.size();
  r.work = deliveries;
  r.param("receivers", static_cast<std::int64_t>(o.receivers));
  r.param("frames_per_send", static_cast<std::int64_t>(o.batch));
  r.param("send_threads", static_cast<std::int64_t>(o.send_threads));
  r.param("frame_bytes", static_cast<std::int64_t>(frame.size()));
  r.param("text_bytes", static_cast<std::int64_t>(o.text_bytes));
  r.param("warmup_s", o.warmup);
  r.param("duration_s", o.duration);
  r.count("deliveries_measured", deliveries);
  r.count("bytes_received_measured", b1 - b0);
  r.count("send_calls_measured", s1 - s0);
  r.rate("deliveries", static_cast<double>(deliveries) / measured);
  r.rate("send_calls", static_cast<double>(s1 - s0) / measured);
  r.rate("megabytes", static_cast<double>(b1 - b0) / measured / 1e6);
  r.info.emplace_back("process_cpu_cores", Value((cpu1 - cpu0) / measured));
  if (auto e = k.errors.load()) r.errors["socket_errors"] += e;
  if (!o.quiet) {
    std::cerr << "  " << o.receivers << " receivers, " << o.batch << " frame(s) per send: "
              << static_cast<std::uint64_t>(static_cast<double>(deliveries) / measured)
              << " deliveries/s\n";
  }
  parley::load::print_table(r, std::cout);
  if (!o.json_file.empty()) {
    std::ofstream f(o.json_file);
    f << parley::load::to_json(r);
    if (!f) {
      std::cerr << "parley-tcp-limit: cannot write " << o.json_file << "\n";
      return 2;
    }
  }
  return r.ok() ? 0 : 1;
}
